// `tocsin incident ...`: the real binary against a loopback API whose hooks
// are fakes that record the commands and answer canned results.
#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <mutex>
#include <thread>

#include "test_support.hpp"
#include "tocsin/api/api.hpp"
#include "tocsin/api/incident_json.hpp"
#include "tocsin/net/http_server.hpp"

using testing::HasSubstr;
using testing::Not;
using tocsin::api::IncidentCommand;
using tocsin::api::IncidentCommandResult;
using tocsin::api::IncidentDetail;
using tocsin::incident::Actor;
using tocsin::incident::EventKind;
using tocsin::incident::Incident;
using tocsin::incident::IncidentEvent;
using tocsin::incident::IncidentState;
using tocsin::test::run_command;
using tocsin::test::RunResult;
using tocsin::test::TempDir;

namespace {

const std::string k_token = "cli-test-token-4f9a";

Incident make_incident(std::int64_t id, const std::string& title, const std::string& severity, IncidentState state,
                       std::chrono::minutes age) {
    Incident i;
    i.id = id;
    i.key = "manual:" + std::to_string(id);
    i.title = title;
    i.severity = severity;
    i.auto_severity = severity;
    i.state = state;
    i.manual = true;
    i.reporter = "alice";
    i.detected = std::chrono::system_clock::now() - age;
    i.impact_started = i.detected - std::chrono::minutes(5);
    return i;
}

// An Api with fake hooks behind a real HttpServer on its own thread.
class FakeDaemon {
public:
    explicit FakeDaemon(bool with_token = true) {
        tocsin::api::ApiHooks hooks;
        hooks.health = [] { return tocsin::api::Check{true, {}}; };
        hooks.ready = [] { return tocsin::api::Check{true, {}}; };
        hooks.list_incidents = [this](const tocsin::api::IncidentFilter& filter)
            -> tocsin::Result<std::vector<Incident>> {
            std::lock_guard lock(m_mutex);
            list_calls.emplace_back(filter.open_only, filter.limit);
            filters.push_back(filter);
            return listed;
        };
        hooks.get_incident = [this](std::int64_t id) -> tocsin::Result<std::optional<IncidentDetail>> {
            std::lock_guard lock(m_mutex);
            auto it = details.find(id);
            if (it == details.end()) return std::optional<IncidentDetail>();
            return std::optional<IncidentDetail>(it->second);
        };
        hooks.incident_command = [this](const IncidentCommand& c) {
            std::lock_guard lock(m_mutex);
            commands.push_back(c);
            return next;
        };
        if (with_token) hooks.access.tokens.push_back({"", true, tocsin::Secret(k_token, "env:CLI_TEST_TOKEN")});
        m_api = std::make_unique<tocsin::api::Api>(std::make_shared<prometheus::Registry>(), std::move(hooks));
        tocsin::net::HttpServerOptions options;
        options.port = 0;
        m_server = std::make_unique<tocsin::net::HttpServer>(
            m_io, options, [this](const tocsin::net::HttpRequest& r) { return m_api->handle(r); });
        m_server->start();
        m_thread = std::thread([this] { m_io.run(); });
    }

    ~FakeDaemon() {
        m_io.stop();
        m_thread.join();
    }

    int port() const { return m_server->port(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

    std::vector<IncidentCommand> received() {
        std::lock_guard lock(m_mutex);
        return commands;
    }
    std::vector<std::pair<bool, std::size_t>> lists() {
        std::lock_guard lock(m_mutex);
        return list_calls;
    }
    std::vector<tocsin::api::IncidentFilter> list_filters() {
        std::lock_guard lock(m_mutex);
        return filters;
    }

    // Set before running the binary; read by the server thread.
    std::vector<Incident> listed;
    std::map<std::int64_t, IncidentDetail> details;
    IncidentCommandResult next;

private:
    std::mutex m_mutex;
    std::vector<IncidentCommand> commands;
    std::vector<std::pair<bool, std::size_t>> list_calls;
    std::vector<tocsin::api::IncidentFilter> filters;
    boost::asio::io_context m_io;
    std::unique_ptr<tocsin::api::Api> m_api;
    std::unique_ptr<tocsin::net::HttpServer> m_server;
    std::thread m_thread;
};

struct IncidentCli : testing::Test {
    TempDir dir;
    FakeDaemon daemon;

    // A config naming the fake daemon; its token comes from CLI_TEST_TOKEN.
    std::string config() {
        dir.write("tocsin.toml", "[api]\nlisten = \"127.0.0.1:" + std::to_string(daemon.port()) +
                                     "\"\ntoken = \"env:CLI_TEST_TOKEN\"\n");
        return dir.file("tocsin.toml");
    }

    RunResult run(std::vector<std::string> args, std::vector<std::string> env = {}) {
        args.insert(args.begin(), {TOCSIN_BINARY, "incident"});
        // Defaults first: the test's own entries override them.
        env.insert(env.begin(), {"TOCSIN_API_TOKEN=", "USER=carol"});
        return run_command(args, env);
    }
};

}  // namespace

TEST_F(IncidentCli, ListPrintsATableOfOpenIncidents) {
    daemon.listed = {make_incident(12, "API returns 5xx", "P1", IncidentState::investigating, std::chrono::minutes(192)),
                     make_incident(9, "Dashboard slow", "P3", IncidentState::monitoring, std::chrono::minutes(3))};
    daemon.listed[1].acknowledged = daemon.listed[1].detected;
    auto r = run({"list", "--config", config()}, {"CLI_TEST_TOKEN=" + k_token});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("ID  SEVERITY  STATE                    AGE    TITLE\n"));
    EXPECT_THAT(r.output, HasSubstr("12  P1        investigating (unacked)  3h12m  API returns 5xx\n"));
    EXPECT_THAT(r.output, HasSubstr("9   P3        monitoring               3m     Dashboard slow\n"));
    ASSERT_EQ(daemon.lists().size(), 1u);
    EXPECT_EQ(daemon.lists()[0], std::make_pair(true, std::size_t{100}));

    auto all = run({"list", "--all", "--limit", "5", "--api", daemon.url()});
    ASSERT_EQ(all.exit_code, 0) << all.output;
    EXPECT_EQ(daemon.lists().at(1), std::make_pair(false, std::size_t{5}));

    daemon.listed.clear();
    auto none = run({"list", "--api", daemon.url()});
    EXPECT_EQ(none.exit_code, 0);
    EXPECT_EQ(none.output, "no open incidents\n");
}

TEST_F(IncidentCli, ListFiltersReachTheApiEncoded) {
    auto r = run({"list", "--severity", "P1", "--component", "checkout api", "--since", "2026-03-29T12:00:00+02:00",
                  "--api", daemon.url()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(daemon.list_filters().size(), 1u);
    const auto f = daemon.list_filters()[0];
    EXPECT_EQ(f.severity, "P1");
    EXPECT_EQ(f.component, "checkout api");
    ASSERT_TRUE(f.since.has_value());
    EXPECT_EQ(tocsin::api::format_rfc3339(*f.since), "2026-03-29T10:00:00.000Z");
}

TEST_F(IncidentCli, ListJsonIsTheApisAnswer) {
    daemon.listed = {make_incident(3, "x", "P2", IncidentState::identified, std::chrono::minutes(1))};
    auto r = run({"list", "--json", "--api", daemon.url()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr(R"({"incidents":[{"id":3,)"));
}

TEST_F(IncidentCli, ShowPrintsTheIncidentAndItsTimeline) {
    Incident i = make_incident(12, "API returns 5xx", "P1", IncidentState::identified, std::chrono::minutes(30));
    i.manual = false;
    i.rule = "ApiDown";
    i.component = "api";
    i.affected_components = {"ingest"};
    i.auto_severity = "P2";
    i.acknowledged = i.detected + std::chrono::minutes(2);
    i.acknowledged_by = Actor{"alice", "telegram"};
    i.description = "5xx on /ingest\n\x1b[31mred";
    i.alerts = {tocsin::Labels{{"alertname", "ApiDown"}, {"component", "api"}}};
    IncidentEvent opened{1, 12, i.detected, EventKind::opened, Actor{"tocsin", "rule"}, "API returns 5xx",
                         "severity P2", "", "aa"};
    IncidentEvent note{2, 12, i.detected + std::chrono::minutes(10), EventKind::note, Actor{"bob", "api"},
                       "rolled back", "", "aa", "bb"};
    daemon.details[12] = IncidentDetail{i, {opened, note}};
    auto r = run({"show", "12", "--api", daemon.url()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("Incident 12: API returns 5xx\n"));
    EXPECT_THAT(r.output, HasSubstr("  state:          identified\n"));
    EXPECT_THAT(r.output, HasSubstr("  severity:       P1 (tocsin computes P2)\n"));
    EXPECT_THAT(r.output, HasSubstr("  component:      api; also ingest\n"));
    EXPECT_THAT(r.output, HasSubstr("  rule:           ApiDown\n"));
    EXPECT_THAT(r.output, HasSubstr("by alice via telegram"));
    EXPECT_THAT(r.output, HasSubstr("  description:\n    5xx on /ingest\n    ?[31mred\n"));  // no escape reaches the terminal
    EXPECT_THAT(r.output, HasSubstr("    {alertname=\"ApiDown\", component=\"api\"}\n"));
    EXPECT_THAT(r.output, HasSubstr("Timeline:\n  " + tocsin::api::format_rfc3339(i.detected) +
                                    "  opened             tocsin (rule): API returns 5xx [severity P2]\n"));
    EXPECT_THAT(r.output, HasSubstr("note               bob (api): rolled back\n"));

    auto missing = run({"show", "13", "--api", daemon.url()});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_THAT(missing.output, HasSubstr("tocsin incident: no incident 13 (HTTP 404)"));
}

TEST_F(IncidentCli, DeclareSendsEveryFieldWithTheConfiguredToken) {
    daemon.next = {201, make_incident(7, "Checkout down", "P1", IncidentState::investigating, std::chrono::minutes(0)),
                   {}};
    auto r = run({"declare", "--config", config(), "--title", "Checkout down", "--component", "checkout",
                  "--component", "payments", "--severity", "P1", "--description", "cards fail", "--security",
                  "--impact-started", "2026-03-29T12:30:00Z", "--actor", "alice"},
                 {"CLI_TEST_TOKEN=" + k_token});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "declared incident 7: Checkout down (P1, investigating)\n");
    auto commands = daemon.received();
    ASSERT_EQ(commands.size(), 1u);
    const auto& d = commands[0].declaration;
    EXPECT_EQ(commands[0].kind, IncidentCommand::Kind::declare);
    EXPECT_EQ(d.title, "Checkout down");
    EXPECT_EQ(d.components, (std::vector<std::string>{"checkout", "payments"}));
    EXPECT_EQ(d.severity, "P1");
    EXPECT_EQ(d.description, "cards fail");
    EXPECT_TRUE(d.security);
    EXPECT_EQ(d.reporter, (Actor{"alice", "api"}));
    ASSERT_TRUE(d.impact_started.has_value());
    EXPECT_EQ(tocsin::api::format_rfc3339(*d.impact_started), "2026-03-29T12:30:00.000Z");
}

TEST_F(IncidentCli, ActionsMapToTheirEndpoints) {
    daemon.next = {200, make_incident(12, "API returns 5xx", "P0", IncidentState::identified, std::chrono::minutes(9)),
                   {}};
    daemon.next.incident->taxonomy = "DATA_QUALITY < FAILED_MIGRATION";
    const std::vector<std::string> env = {"TOCSIN_API_TOKEN=" + k_token};
    struct Case {
        std::vector<std::string> args;
        std::string output;
    };
    const std::vector<Case> cases = {
        {{"ack", "12"}, "acknowledged incident 12 as carol\n"},
        {{"state", "12", "identified", "-m", "bad deploy", "--force"}, "incident 12 is now identified\n"},
        {{"severity", "12", "P0", "--message", "all regions"}, "incident 12 is now P0\n"},
        {{"note", "12", "rolled", "back", "the deploy"}, "added a note to incident 12\n"},
        {{"taxonomy", "12", "DATA_QUALITY < FAILED_MIGRATION", "--actor", "dave"},
         "incident 12 taxonomy: DATA_QUALITY < FAILED_MIGRATION\n"},
        {{"identify", "12", "-m", "a bad deploy"}, "incident 12 is now identified\n"},
        {{"monitor", "12"}, "incident 12 is now identified\n"},  // the fake answers with its canned incident
        {{"resolve", "12", "-m", "rolled back", "--force"}, "incident 12 is now identified\n"},
        {{"postmortem", "12", "--url", "https://example.com/pm/12"}, "incident 12: postmortem published\n"},
        {{"owner", "12", "erin", "-m", "end of shift"}, "incident 12 is now owned by erin\n"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args = c.args;
        args.insert(args.end(), {"--api", daemon.url() + "/"});
        auto r = run(args, env);
        EXPECT_EQ(r.exit_code, 0) << c.args[0] << ": " << r.output;
        EXPECT_EQ(r.output, c.output) << c.args[0];
    }
    auto commands = daemon.received();
    ASSERT_EQ(commands.size(), 10u);
    EXPECT_EQ(commands[0].kind, IncidentCommand::Kind::acknowledge);
    EXPECT_EQ(commands[0].id, 12);
    EXPECT_EQ(commands[0].actor, (Actor{"carol", "api"}));
    EXPECT_EQ(commands[1].kind, IncidentCommand::Kind::set_state);
    EXPECT_EQ(commands[1].state, IncidentState::identified);
    EXPECT_EQ(commands[1].message, "bad deploy");
    EXPECT_TRUE(commands[1].force);
    EXPECT_EQ(commands[2].kind, IncidentCommand::Kind::set_severity);
    EXPECT_EQ(commands[2].severity, "P0");
    EXPECT_EQ(commands[2].message, "all regions");
    EXPECT_EQ(commands[3].kind, IncidentCommand::Kind::note);
    EXPECT_EQ(commands[3].message, "rolled back the deploy");
    EXPECT_EQ(commands[4].kind, IncidentCommand::Kind::set_taxonomy);
    EXPECT_EQ(commands[4].taxonomy, "DATA_QUALITY < FAILED_MIGRATION");
    EXPECT_EQ(commands[4].actor, (Actor{"dave", "api"}));
    EXPECT_EQ(commands[5].kind, IncidentCommand::Kind::set_state);
    EXPECT_EQ(commands[5].state, IncidentState::identified);
    EXPECT_EQ(commands[5].message, "a bad deploy");
    EXPECT_EQ(commands[6].state, IncidentState::monitoring);
    EXPECT_EQ(commands[6].message, "");
    EXPECT_EQ(commands[7].state, IncidentState::resolved);
    EXPECT_TRUE(commands[7].force);
    EXPECT_EQ(commands[8].kind, IncidentCommand::Kind::postmortem_published);
    EXPECT_EQ(commands[8].url, "https://example.com/pm/12");
    EXPECT_EQ(commands[9].kind, IncidentCommand::Kind::assign_owner);
    EXPECT_EQ(commands[9].owner, "erin");
    EXPECT_EQ(commands[9].message, "end of shift");
}

TEST_F(IncidentCli, RefusalsGoToStderrWithExit1) {
    daemon.next = {409, std::nullopt, "incident 12 was already acknowledged by alice"};
    auto refused = run({"ack", "12", "--config", config()}, {"CLI_TEST_TOKEN=" + k_token});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.output, "tocsin incident: incident 12 was already acknowledged by alice (HTTP 409)\n");

    auto wrong = run({"ack", "12", "--config", config()}, {"CLI_TEST_TOKEN=not-the-token"});
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_THAT(wrong.output, HasSubstr("invalid bearer token (HTTP 401)"));
    EXPECT_THAT(wrong.output, HasSubstr("--token-file, in TOCSIN_TOKEN or through --config"));
    EXPECT_THAT(wrong.output, Not(HasSubstr("not-the-token")));

    auto missing = run({"ack", "12", "--api", daemon.url()});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_THAT(missing.output, HasSubstr("missing bearer token"));
    EXPECT_EQ(daemon.received().size(), 1u);  // only the first reached the daemon
}

TEST(IncidentCliNoToken, WritesDisabledIsReported) {
    FakeDaemon daemon(false);
    auto r = run_command({TOCSIN_BINARY, "incident", "ack", "3", "--api", daemon.url()},
                         {"TOCSIN_API_TOKEN=whatever"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.output, "tocsin incident: writes are disabled: configure a read-write token in [[api.tokens]] (HTTP 403)\n");
}

TEST_F(IncidentCli, AnUnreachableDaemonIsExit74) {
    const int port = tocsin::test::free_port();
    auto r = run({"list", "--api", "http://127.0.0.1:" + std::to_string(port)});
    EXPECT_EQ(r.exit_code, 74);
    EXPECT_THAT(r.output, HasSubstr("tocsin incident: cannot reach tocsin at http://127.0.0.1:" + std::to_string(port)));
}

TEST_F(IncidentCli, BadCommandLinesAreExit64BeforeAnythingIsSent) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {},
             {"frobnicate"},
             {"ack"},
             {"ack", "abc"},
             {"ack", "0"},
             {"ack", "-3"},
             {"show", "1.5"},
             {"state", "12", "fixed"},
             {"state", "12"},
             {"list", "--limit", "0"},
             {"list", "--limit", "1001"},
             {"declare", "--severity", "P1"},
             {"note", "12"},
             {"list", "--api", "127.0.0.1:9464"},
         }) {
        std::vector<std::string> full = args;
        if (args.empty() || args[0] != "list" || args.size() < 2 || args[1] != "--api") {
            full.insert(full.end(), {"--api", daemon.url()});
        }
        auto r = run(full, {"TOCSIN_API_TOKEN=" + k_token});
        EXPECT_EQ(r.exit_code, 64) << testing::PrintToString(args) << ": " << r.output;
    }
    EXPECT_TRUE(daemon.received().empty());
    EXPECT_TRUE(daemon.lists().empty());
}

TEST_F(IncidentCli, ReadsNeedOnlyTheListenAddressFromTheConfig) {
    // The token's variable is not set here (as in an operator's shell when
    // the daemon gets it from systemd): a read still finds the daemon.
    const std::string path = config();
    auto r = run({"list", "--config", path});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "no open incidents\n");
    // A change needs the token, so the configuration's problem is reported.
    auto w = run({"ack", "12", "--config", path});
    EXPECT_EQ(w.exit_code, 78);
    EXPECT_THAT(w.output, HasSubstr("api.token: environment variable CLI_TEST_TOKEN is not set"));
    EXPECT_THAT(w.output, HasSubstr("pass --api URL, and --token-file or TOCSIN_TOKEN for changes"));
    // ... unless TOCSIN_API_TOKEN gives it.
    daemon.next = {200, make_incident(12, "x", "P2", IncidentState::investigating, std::chrono::minutes(1)), {}};
    auto env = run({"ack", "12", "--config", path}, {"TOCSIN_API_TOKEN=" + k_token});
    EXPECT_EQ(env.exit_code, 0) << env.output;
    EXPECT_EQ(daemon.received().size(), 1u);
}

TEST_F(IncidentCli, AnInvalidConfigIsExit78) {
    dir.write("bad.toml", "[api]\nlisten = \"nowhere\"\n");
    auto r = run({"list", "--config", dir.file("bad.toml")});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_THAT(r.output, HasSubstr("api.listen"));
    EXPECT_THAT(r.output, HasSubstr("pass --api URL"));
    auto missing = run({"list", "--config", dir.file("missing.toml")});
    EXPECT_EQ(missing.exit_code, 78);
}

TEST_F(IncidentCli, HelpListsTheSubcommands) {
    auto r = run({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* sub : {"list", "show", "declare", "ack", "state", "identify", "monitor", "resolve", "severity", "note",
                            "taxonomy", "postmortem"}) {
        EXPECT_THAT(r.output, HasSubstr(sub));
    }
}
