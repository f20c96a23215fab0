// Maintenance windows and silences through the real daemon and the real
// `tocsin maintenance` client: a silence holds back the declaration of a
// failing component's incident, survives a kill -9, and ending it lets
// the incident be declared. Also `GET /api/v1/oncall` on a real schedule.
#include <atomic>
#include <string>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon_process.hpp"
#include "fake_target.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using testing::HasSubstr;
using tocsin::test::DaemonProcess;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;
using tocsin::test::http_get;
using tocsin::test::http_request;
using tocsin::test::read_file;
using tocsin::test::run_command;
using tocsin::test::TempDir;

namespace {

std::string config_with(const std::string& url) {
    return "\n[[component]]\nname = \"api\"\n"
           "\n[[target]]\nname = \"api\"\nurl = \"" + url + "\"\ninterval = \"1s\"\ntimeout = \"1s\"\n"
           "\n[[rule]]\nname = \"ApiDown\"\nexpr = 'probe_success{target=\"api\"} == 0'\nseverity = \"P1\"\n"
           "component = \"api\"\ntitle = 'API {{ $labels.target }} is down'\n"
           "\n[[person]]\nname = \"alice\"\ndisplay_name = \"Alice M\"\nemail = \"alice@example.com\"\n"
           "\n[[schedule]]\nname = \"primary\"\n[[schedule.layer]]\nname = \"weekly\"\npeople = [\"alice\"]\n"
           "start = \"2026-01-05 09:00\"\n";
}

tocsin::test::RunResult cli(TempDir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), {TOCSIN_BINARY, "maintenance"});
    args.insert(args.end(), {"--config", dir.file("tocsin.toml"), "--actor", "alice"});
    return run_command(args);
}

}  // namespace

TEST(DaemonMaintenance, ASilenceHoldsBackTheIncidentAcrossKill9UntilItIsEnded) {
    TempDir dir;
    std::atomic<int> status{200};  // healthy until the silence exists
    FakeTarget target([&](const auto&) { return FakeResponse::text(status.load(), "down\n"); });
    DaemonProcess daemon(dir, config_with(target.url("/healthz")));

    ASSERT_NO_FATAL_FAILURE(daemon.start());
    // The client reads the token from the configuration's token file.
    auto added = cli(dir, {"add", "--silence", "--component", "api", "--for", "2h", "--reason", "deploy 42"});
    ASSERT_EQ(added.exit_code, 0) << added.output << read_file(daemon.log());
    EXPECT_THAT(added.output, HasSubstr("created 1  silence  active"));
    EXPECT_THAT(added.output, HasSubstr("\"deploy 42\"  by alice (api)"));
    // Probes fail, the rule fires, but no incident is declared.
    status = 503;
    ASSERT_TRUE(daemon.wait_for_evaluations(3)) << read_file(daemon.log());
    EXPECT_TRUE(daemon.incidents().empty());

    auto listed = cli(dir, {"list", "--silence", "--json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    auto body = boost::json::parse(listed.output);
    ASSERT_EQ(body.at("silences").as_array().size(), 1u);
    EXPECT_EQ(body.at("silences").as_array()[0].at("reason").as_string(), "deploy 42");
    EXPECT_TRUE(body.at("silences").as_array()[0].at("active").as_bool());
    // A silence is not a maintenance window.
    auto windows = cli(dir, {"list"});
    EXPECT_EQ(windows.output, "no maintenance windows\n");

    // The silence is stored: a kill -9 and restart keep holding it.
    daemon.kill9();
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(daemon.wait_for_evaluations(3)) << read_file(daemon.log());
    EXPECT_TRUE(daemon.incidents().empty()) << read_file(daemon.log());

    auto ended = cli(dir, {"end", "--silence", "1"});
    ASSERT_EQ(ended.exit_code, 0) << ended.output;
    EXPECT_THAT(ended.output, HasSubstr("ended 1  silence  ended"));
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1; })) << read_file(daemon.log());
    // Ending it twice is refused with the reason.
    auto again = cli(dir, {"end", "--silence", "1"});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_THAT(again.output, HasSubstr("silence 1 is already over"));
    EXPECT_THAT(read_file(daemon.log()), HasSubstr("silence 1 ended by alice via api"));
    daemon.stop();
}

TEST(DaemonMaintenance, RefusalsAndOncall) {
    TempDir dir;
    FakeTarget target([&](const auto&) { return FakeResponse::text(200, "ok\n"); });
    DaemonProcess daemon(dir, config_with(target.url("/healthz")));
    ASSERT_NO_FATAL_FAILURE(daemon.start());

    const std::string window = R"({"components":["api"],"duration":"1h","reason":"db upgrade","actor":"bob"})";
    // No token: 401, nothing stored.
    auto anonymous = http_request(daemon.port(), "POST", "/api/v1/maintenance", window, {"Content-Type: application/json"});
    EXPECT_EQ(anonymous.status, 401) << anonymous.body;
    // Unknown component, unknown field, a window already over.
    auto unknown = daemon.post("/api/v1/maintenance", R"({"components":["db"],"duration":"1h","reason":"r","actor":"b"})");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_THAT(unknown.body, HasSubstr("unknown component \\\"db\\\" (configured: api)"));
    auto typo = daemon.post("/api/v1/maintenance", R"({"component":["api"],"duration":"1h","reason":"r","actor":"b"})");
    EXPECT_EQ(typo.status, 400);
    EXPECT_THAT(typo.body, HasSubstr("unknown field \\\"component\\\""));
    auto past = daemon.post("/api/v1/maintenance",
                            R"({"components":["api"],"ends":"2020-01-01T00:00:00Z","reason":"r","actor":"b"})");
    EXPECT_EQ(past.status, 400);
    auto forever = daemon.post("/api/v1/maintenance", R"({"components":["api"],"duration":"500d","reason":"r","actor":"b"})");
    EXPECT_EQ(forever.status, 400);
    EXPECT_THAT(forever.body, HasSubstr("a window lasts at most 366 days"));
    auto bad_match = daemon.post("/api/v1/maintenance", R"({"match":"{env=","duration":"1h","reason":"r","actor":"b"})");
    EXPECT_EQ(bad_match.status, 400);
    EXPECT_THAT(bad_match.body, HasSubstr("\\\"match\\\":"));
    EXPECT_EQ(http_get(daemon.port(), "/api/v1/maintenance").body, "{\"windows\":[],\"configured\":[]}\n");

    auto created = daemon.post("/api/v1/maintenance", window);
    ASSERT_EQ(created.status, 201) << created.body;
    auto shown = http_get(daemon.port(), "/api/v1/maintenance/1");
    ASSERT_EQ(shown.status, 200);
    auto w = boost::json::parse(shown.body);
    EXPECT_EQ(w.at("created_by").at("name").as_string(), "bob");
    EXPECT_EQ(w.at("created_by").at("channel").as_string(), "api");
    EXPECT_EQ(http_get(daemon.port(), "/api/v1/maintenance/2").status, 404);
    // The public status page announces it by its reason.
    auto status = boost::json::parse(http_get(daemon.port(), "/api/v1/status").body);
    ASSERT_EQ(status.at("scheduled_maintenances").as_array().size(), 1u) << status;
    EXPECT_EQ(status.at("scheduled_maintenances").as_array()[0].at("name").as_string(), "db upgrade");
    EXPECT_EQ(http_get(daemon.port(), "/api/v1/silences/1").status, 404);  // it is a window, not a silence

    auto oncall = http_get(daemon.port(), "/api/v1/oncall?at=2026-03-04T10:00:00Z");
    ASSERT_EQ(oncall.status, 200) << oncall.body;
    auto o = boost::json::parse(oncall.body);
    EXPECT_EQ(o.at("at").as_string(), "2026-03-04T10:00:00.000Z");
    ASSERT_EQ(o.at("schedules").as_array().size(), 1u);
    const auto& primary = o.at("schedules").as_array()[0];
    EXPECT_EQ(primary.at("schedule").as_string(), "primary");
    EXPECT_EQ(primary.at("person").at("name").as_string(), "alice");
    EXPECT_EQ(primary.at("person").at("display_name").as_string(), "Alice M");
    EXPECT_EQ(primary.at("source").as_string(), "layer");
    EXPECT_EQ(primary.at("layer").as_string(), "weekly");
    EXPECT_EQ(http_get(daemon.port(), "/api/v1/oncall?at=yesterday").status, 400);
    daemon.stop();
}
