// Incidents inside the real daemon: a failing probe declares one, people
// move it through its lifecycle over the API, and a kill -9 at every stage
// (investigating, identified, monitoring, resolved) loses nothing and never
// declares a duplicate. The audit chain verifies at the end.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <functional>
#include <thread>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon_process.hpp"
#include "fake_target.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using IncidentDaemon = tocsin::test::DaemonProcess;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;
using tocsin::test::http_get;
using tocsin::test::http_request;
using tocsin::test::NotifySocket;
using tocsin::test::Process;
using tocsin::test::read_file;
using tocsin::test::TempDir;
using tocsin::test::wait_for_log;

namespace {

std::string state_of(const boost::json::array& list, std::size_t i) {
    return list.size() > i ? std::string(list[i].at("state").as_string()) : "";
}

std::string config_with_target(const std::string& url, const std::string& auto_resolve) {
    return "\n[[target]]\nname = \"api\"\nurl = \"" + url + "\"\ninterval = \"1s\"\ntimeout = \"1s\"\n" +
           "\n[severity.P1]\nrank = 0\nstatus = \"major outage\"\nauto_resolve_after = \"" + auto_resolve + "\"\n" +
           "\n[severity.P2]\nrank = 1\nstatus = \"degraded performance\"\n" +
           "\n[incidents]\ndefault_severity = \"P2\"\nsecurity_severity = \"P1\"\n" +
           "\n[[rule]]\nname = \"ApiDown\"\nexpr = 'probe_success{target=\"api\"} == 0'\nseverity = \"P1\"\n"
           "component = \"api\"\ntitle = 'API {{ $labels.target }} is down'\n";
}

}  // namespace

TEST(DaemonIncidents, EveryLifecycleStageSurvivesKill9) {
    TempDir dir;
    std::atomic<int> status{503};
    FakeTarget target([&](const auto&) { return FakeResponse::text(status.load(), "state\n"); });
    IncidentDaemon daemon(dir, config_with_target(target.url("/healthz"), "never"));

    // investigating
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1 && state_of(l, 0) == "investigating"; }))
        << read_file(daemon.log());
    auto first = daemon.incidents()[0].as_object();
    EXPECT_EQ(first.at("title").as_string(), "API api is down");
    EXPECT_EQ(first.at("severity").as_string(), "P1");
    const std::string metrics = http_get(daemon.port(), "/metrics").body;
    EXPECT_THAT(metrics, testing::HasSubstr("tocsin_incidents{severity=\"P1\",state=\"investigating\"} 1"));
    EXPECT_THAT(metrics, testing::HasSubstr("tocsin_incident_events_total{kind=\"opened\"} 1"));
    EXPECT_THAT(metrics, testing::HasSubstr("tocsin_incident_updates_unsaved 0"));
    daemon.kill9();
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    EXPECT_TRUE(wait_for_log(daemon.log(), "1 open incident(s) restored", 20s)) << read_file(daemon.log());
    EXPECT_TRUE(wait_for_log(daemon.log(), "target api: down", 20s)) << read_file(daemon.log());
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1; }));
    EXPECT_EQ(state_of(daemon.incidents(), 0), "investigating");

    // acknowledged and identified by a person
    auto r = daemon.post("/api/v1/incidents/1/ack", R"({"actor": "ana"})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = daemon.post("/api/v1/incidents/1/state",
                    R"({"state": "identified", "actor": "ana", "message": "the upstream returns 503"})");
    ASSERT_EQ(r.status, 200) << r.body;
    daemon.kill9();
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1 && state_of(l, 0) == "identified"; }))
        << read_file(daemon.log());
    auto after = daemon.incidents()[0].as_object();
    EXPECT_EQ(after.at("acknowledged_by").at("name").as_string(), "ana");
    EXPECT_FALSE(after.at("identified").is_null());

    // monitoring: the target recovers
    status = 200;
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1 && state_of(l, 0) == "monitoring"; }))
        << read_file(daemon.log());
    daemon.kill9();
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    EXPECT_TRUE(wait_for_log(daemon.log(), "target api: up", 20s)) << read_file(daemon.log());
    // Evaluations run after the restart and keep it in monitoring.
    ASSERT_TRUE(daemon.wait_for_evaluations(3)) << read_file(daemon.log());
    ASSERT_EQ(daemon.incidents().size(), 1u);
    EXPECT_EQ(state_of(daemon.incidents(), 0), "monitoring");

    // A person resolves it (the tier never auto-resolves).
    r = daemon.post("/api/v1/incidents/1/state", R"({"state": "resolved", "actor": "ana", "message": "fixed"})");
    ASSERT_EQ(r.status, 200) << r.body;
    daemon.kill9();
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1 && state_of(l, 0) == "resolved"; }));

    // A new failure after resolution is a new incident, not the old one reopened.
    status = 500;
    ASSERT_TRUE(daemon.wait_for([](const auto& l) {
        return l.size() == 2 && state_of(l, 0) == "resolved" && state_of(l, 1) == "investigating";
    })) << read_file(daemon.log());
    // The postmortem's taxonomy is set after resolution.
    r = daemon.post("/api/v1/incidents/1/taxonomy", R"({"taxonomy": "THIRD_PARTY_ERROR", "actor": "ana"})");
    ASSERT_EQ(r.status, 200) << r.body;
    daemon.stop();

    auto verify = tocsin::test::run_command({TOCSIN_BINARY, "audit", "verify", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;

    // The postmortem draft, from the database alone (the daemon is stopped).
    auto postmortem = tocsin::test::run_command(
        {TOCSIN_BINARY, "postmortem", "1", "--config", dir.file("tocsin.toml"), "--time-zone", "Europe/Madrid"});
    ASSERT_EQ(postmortem.exit_code, 0) << postmortem.output;
    for (const char* part : {"# Postmortem: API api is down (incident #1)", "## Impact", "## Cause", "## Solution",
                             "## Conclusion", "Time to detect was", "Time to fix was", "Time to recover was",
                             "the upstream returns 503", "THIRD_PARTY_ERROR", "ana"}) {
        EXPECT_THAT(postmortem.output, testing::HasSubstr(part));
    }
    auto unknown = tocsin::test::run_command({TOCSIN_BINARY, "postmortem", "9", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(unknown.exit_code, 66) << unknown.output;
    EXPECT_THAT(unknown.output, testing::HasSubstr("no incident 9"));
}

TEST(DaemonIncidents, TheQuietPeriodSurvivesKill9AndResolves) {
    TempDir dir;
    std::atomic<int> status{503};
    FakeTarget target([&](const auto&) { return FakeResponse::text(status.load(), "state\n"); });
    IncidentDaemon daemon(dir, config_with_target(target.url("/healthz"), "3s"));
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1; })) << read_file(daemon.log());
    status = 200;
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1 && state_of(l, 0) == "monitoring"; }))
        << read_file(daemon.log());
    daemon.kill9();
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1 && state_of(l, 0) == "resolved"; }))
        << read_file(daemon.log());
    auto incident = daemon.incidents()[0].as_object();
    // Resolved by tocsin only after 3 s of quiet counted from when it cleared.
    EXPECT_FALSE(incident.at("resolved").is_null());
    EXPECT_FALSE(incident.at("mitigated").is_null());
    daemon.stop();
}
