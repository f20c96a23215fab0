// Rules inside the real daemon: evaluation as soon as a probe lands, state
// that survives kill -9, and a reload whose removed target goes stale at
// once (absent() fires right after the reload, not 5 minutes later).
#include <signal.h>

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace std::chrono_literals;
using testing::HasSubstr;
using tocsin::test::daemon_config;
using tocsin::test::http_get;
using tocsin::test::NotifySocket;
using tocsin::test::Process;
using tocsin::test::TempDir;
using tocsin::test::wait_for_log;

namespace {

std::string target(const std::string& name, const std::string& url) {
    return "\n[[target]]\nname = \"" + name + "\"\nurl = \"" + url + "\"\ninterval = \"1s\"\ntimeout = \"1s\"\n";
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

}  // namespace

TEST(DaemonRules, AFailingProbeFiresItsAlertAndTheStateSurvivesKill9) {
    TempDir dir;
    const int port = tocsin::test::free_port();
    const std::string refused = "http://127.0.0.1:" + std::to_string(tocsin::test::free_port()) + "/";
    dir.write("tocsin.toml", daemon_config(dir, port) + target("api", refused) +
                                 "\n[[rule]]\nname = \"ApiDown\"\nexpr = 'probe_success{target=\"api\"} == 0'\n"
                                 "summary = '{{ $labels.target }} is down'\n");
    const std::string log = dir.file("tocsin.log");
    {
        NotifySocket notify(dir.file("notify.sock"));
        Process daemon({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")}, {"NOTIFY_SOCKET=" + notify.path()},
                       log);
        ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << tocsin::test::read_file(log);
        ASSERT_TRUE(wait_for_log(log, "alert ApiDown{", 20s)) << tocsin::test::read_file(log);
        EXPECT_THAT(tocsin::test::read_file(log), HasSubstr("target=\"api\"}: firing"));
        auto metrics = http_get(port, "/metrics").body;
        EXPECT_THAT(metrics, HasSubstr("tocsin_alerts{state=\"firing\"} 1"));
        EXPECT_THAT(metrics, HasSubstr("tocsin_rule_evaluations_total{rule=\"ApiDown\"}"));
        daemon.signal(SIGKILL);
        daemon.wait(10s);
    }
    const std::string again_log = dir.file("again.log");
    NotifySocket notify(dir.file("notify2.sock"));
    Process again({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")}, {"NOTIFY_SOCKET=" + notify.path()},
                  again_log);
    ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << tocsin::test::read_file(again_log);
    EXPECT_TRUE(wait_for_log(again_log, "rule ApiDown: restored 1 alert(s)", 20s)) << tocsin::test::read_file(again_log);
    // Still firing, from the saved state: it does not fire a second time.
    EXPECT_TRUE(wait_for_log(again_log, "target api: down", 20s));
    // A few more probe rounds land and are evaluated (events, not a timer).
    auto evaluations = [&] {
        const std::string m = http_get(port, "/metrics").body;
        const std::string key = "tocsin_rule_evaluations_total{rule=\"ApiDown\"} ";
        auto pos = m.find(key);
        return pos == std::string::npos ? 0.0 : std::stod(m.substr(pos + key.size()));
    };
    const double seen = evaluations();
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (evaluations() < seen + 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    EXPECT_GE(evaluations(), seen + 3);
    EXPECT_EQ(count(tocsin::test::read_file(again_log), ": firing"), 0u) << tocsin::test::read_file(again_log);
    EXPECT_THAT(http_get(port, "/metrics").body, HasSubstr("tocsin_alerts{state=\"firing\"} 1"));
    again.signal(SIGTERM);
    EXPECT_EQ(again.wait(10s), 0);
}

TEST(DaemonRules, ATargetRemovedByReloadGoesStaleAtOnce) {
    TempDir dir;
    const int port = tocsin::test::free_port();
    const std::string self = "http://127.0.0.1:" + std::to_string(port) + "/healthz";
    const std::string rule =
        "\n[[rule]]\nname = \"TempGone\"\nexpr = 'absent(probe_success{target=\"temp\"})'\n";
    dir.write("tocsin.toml", daemon_config(dir, port) + target("temp", self) + rule);
    const std::string log = dir.file("tocsin.log");
    NotifySocket notify(dir.file("notify.sock"));
    Process daemon({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")}, {"NOTIFY_SOCKET=" + notify.path()}, log);
    ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << tocsin::test::read_file(log);
    // Rules start once the target has reported: absent() is false then.
    ASSERT_TRUE(wait_for_log(log, "rules evaluating (every check has reported)", 20s)) << tocsin::test::read_file(log);
    const auto fired_before = count(tocsin::test::read_file(log), "alert TempGone{target=\"temp\"}: firing");
    EXPECT_EQ(fired_before, 0u) << tocsin::test::read_file(log);
    dir.write("tocsin.toml", daemon_config(dir, port) + rule);
    daemon.signal(SIGHUP);
    ASSERT_TRUE(wait_for_log(log, "configuration reloaded", 20s)) << tocsin::test::read_file(log);
    // Without the staleness marker the series would stay visible for the
    // 5-minute lookback; with it, the evaluation right after the reload fires.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (count(tocsin::test::read_file(log), "alert TempGone{target=\"temp\"}: firing") == fired_before &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(count(tocsin::test::read_file(log), "alert TempGone{target=\"temp\"}: firing"), fired_before + 1)
        << tocsin::test::read_file(log);
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(10s), 0);
}
