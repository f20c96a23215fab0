// Drives the real tocsin binary: start-up, health and metrics endpoints,
// SIGHUP reloads (good and bad), the systemd notify protocol and SIGTERM.
#include <signal.h>

#include <sys/stat.h>

#include <filesystem>
#include <sstream>

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

double metric_value(const std::string& exposition, const std::string& name) {
    auto pos = exposition.find("\n" + name + " ");
    if (pos == std::string::npos) return -1;
    return std::stod(exposition.substr(pos + name.size() + 2));
}

}  // namespace

TEST(Daemon, ServesReloadsAndStopsGracefully) {
    TempDir dir;
    const int port = tocsin::test::free_port();
    dir.write("tocsin.toml", daemon_config(dir, port));
    NotifySocket notify(dir.file("notify.sock"));
    const std::string log = dir.file("tocsin.log");

    Process daemon({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")}, {"NOTIFY_SOCKET=" + notify.path()}, log);
    auto ready = notify.wait_for("READY=1", 30s);
    ASSERT_TRUE(ready) << tocsin::test::read_file(log);

    auto health = http_get(port, "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, "ok\n");
    EXPECT_EQ(http_get(port, "/readyz").status, 200);
    auto metrics = http_get(port, "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_THAT(metrics.body, HasSubstr("tocsin_build_info{"));
    EXPECT_EQ(metric_value(metrics.body, "tocsin_config_last_reload_successful"), 1);
    const double first_success = metric_value(metrics.body, "tocsin_config_last_reload_success_timestamp_seconds");
    EXPECT_GT(first_success, 1.6e9);
    EXPECT_EQ(http_get(port, "/nope").status, 404);

    // A broken file is rejected with check's messages; the old config keeps running.
    dir.write("tocsin.toml", daemon_config(dir, port, "request_timeout = \"ten seconds\"\n"));
    daemon.signal(SIGHUP);
    ASSERT_TRUE(notify.wait_for("RELOADING=1", 10s));
    ASSERT_TRUE(notify.wait_for("READY=1", 10s));
    metrics = http_get(port, "/metrics");
    EXPECT_EQ(metric_value(metrics.body, "tocsin_config_last_reload_successful"), 0);
    EXPECT_EQ(metric_value(metrics.body, "tocsin_config_last_reload_success_timestamp_seconds"), first_success);
    EXPECT_EQ(http_get(port, "/healthz").status, 200);
    EXPECT_THAT(tocsin::test::read_file(log),
                HasSubstr(dir.file("tocsin.toml") + ":7:19: api.request_timeout: invalid duration \"ten seconds\""));

    // Fixed: accepted, metric back to 1.
    dir.write("tocsin.toml", daemon_config(dir, port, "request_timeout = \"20s\"\n"));
    daemon.signal(SIGHUP);
    ASSERT_TRUE(notify.wait_for("RELOADING=1", 10s));
    ASSERT_TRUE(notify.wait_for("READY=1", 10s));
    metrics = http_get(port, "/metrics");
    EXPECT_EQ(metric_value(metrics.body, "tocsin_config_last_reload_successful"), 1);
    EXPECT_GE(metric_value(metrics.body, "tocsin_config_last_reload_success_timestamp_seconds"), first_success);

    daemon.signal(SIGTERM);
    EXPECT_TRUE(notify.wait_for("STOPPING=1", 10s));
    auto code = daemon.wait(10s);
    ASSERT_TRUE(code.has_value()) << "tocsin did not exit within 10 s of SIGTERM";
    EXPECT_EQ(*code, 0) << tocsin::test::read_file(log);
    EXPECT_THAT(tocsin::test::read_file(log), HasSubstr("tocsin stopped"));
}

TEST(Daemon, RefusesToStartOnABadConfig) {
    TempDir dir;
    dir.write("tocsin.toml", "[daemon]\nstate_dir = \"" + dir.file("state") + "\"\nshutdown_timeout = 5\n");
    auto result = tocsin::test::run_command({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(result.exit_code, 78);
    EXPECT_THAT(result.output, HasSubstr(dir.file("tocsin.toml") +
                                         ":3:20: daemon.shutdown_timeout: expected a duration string such as \"90s\", got an integer"));
}

// Runs `tocsin run` on a config whose state lives in `dir`; returns at exit.
static tocsin::test::RunResult run_daemon_in(const TempDir& dir) {
    dir.write("tocsin.toml", daemon_config(dir, tocsin::test::free_port()));
    return tocsin::test::run_command({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")});
}

TEST(Daemon, CorruptDatabaseGivesAClearErrorNotACrash) {
    TempDir dir;
    std::filesystem::create_directories(dir.file("state"));
    dir.write("state/tocsin.db", std::string(8192, '\x5a'));
    auto result = run_daemon_in(dir);
    EXPECT_EQ(result.exit_code, 65) << result.output;
    EXPECT_THAT(result.output, HasSubstr("database " + dir.file("state/tocsin.db") + " is not an SQLite database"));
}

TEST(Daemon, UnusableDatabasePathGivesIoError) {
    TempDir dir;
    std::filesystem::create_directories(dir.file("state/tocsin.db"));  // a directory where the file should be
    auto result = run_daemon_in(dir);
    EXPECT_EQ(result.exit_code, 74) << result.output;
    EXPECT_THAT(result.output, HasSubstr("cannot open database " + dir.file("state/tocsin.db")));
}

TEST(Daemon, PortInUseIsReportedWithTheKey) {
    TempDir dir;
    const int port = tocsin::test::free_port();
    dir.write("tocsin.toml", daemon_config(dir, port));
    NotifySocket notify(dir.file("notify.sock"));
    Process first({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")}, {"NOTIFY_SOCKET=" + notify.path()},
                  dir.file("first.log"));
    ASSERT_TRUE(notify.wait_for("READY=1", 30s));
    TempDir other;
    other.write("tocsin.toml", daemon_config(other, port));
    auto result = tocsin::test::run_command({TOCSIN_BINARY, "run", "--config", other.file("tocsin.toml")});
    EXPECT_EQ(result.exit_code, 71) << result.output;
    EXPECT_THAT(result.output, HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port) + " (api.listen)"));
    first.signal(SIGTERM);
    EXPECT_EQ(first.wait(10s), 0);
}

TEST(Daemon, PingsTheSystemdWatchdogWhileHealthy) {
    TempDir dir;
    const int port = tocsin::test::free_port();
    dir.write("tocsin.toml", daemon_config(dir, port));
    NotifySocket notify(dir.file("notify.sock"));
    Process daemon({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")},
                   {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=200000"}, dir.file("tocsin.log"));
    ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << tocsin::test::read_file(dir.file("tocsin.log"));
    EXPECT_TRUE(notify.wait_for("WATCHDOG=1", 10s));
    EXPECT_TRUE(notify.wait_for("WATCHDOG=1", 10s));
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(10s), 0);
}

TEST(Daemon, LogsInJournalFormatWhenStderrIsTheJournal) {
    TempDir dir;
    const int port = tocsin::test::free_port();
    dir.write("tocsin.toml", daemon_config(dir, port) + "token = \"env:TEST_API_TOKEN\"\n");
    const std::string log = dir.file("tocsin.log");
    dir.write("tocsin.log", "");
    struct stat st {};
    ASSERT_EQ(::stat(log.c_str(), &st), 0);
    NotifySocket notify(dir.file("notify.sock"));
    const std::string secret = "tok-3f9a8b7c6d5e4f";
    Process daemon({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml"), "--log-level", "debug"},
                   {"NOTIFY_SOCKET=" + notify.path(),
                    "JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino),
                    "TEST_API_TOKEN=" + secret},
                   log);
    ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << tocsin::test::read_file(log);
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(10s), 0);
    const std::string output = tocsin::test::read_file(log);
    EXPECT_THAT(output, HasSubstr("<6>tocsin ready"));
    EXPECT_EQ(output.find(secret), std::string::npos);
    // Journal lines carry no timestamp of their own: journald adds one.
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        EXPECT_TRUE(line.size() > 3 && line[0] == '<' && line[2] == '>') << line;
    }
}

TEST(Daemon, ProbesAndScrapesFeedTheSeriesStoreWhichSurvivesARestart) {
    TempDir dir;
    const int port = tocsin::test::free_port();
    const std::string self = "http://127.0.0.1:" + std::to_string(port);
    dir.write("tocsin.toml", daemon_config(dir, port) +
                                 "\n[[target]]\nname = \"self\"\nurl = \"" + self + "/healthz\"\ninterval = \"1s\"\n"
                                 "\n[[target]]\nname = \"nothing\"\nurl = \"http://127.0.0.1:" +
                                 std::to_string(tocsin::test::free_port()) + "/\"\ninterval = \"1s\"\n"
                                 "\n[[scrape]]\njob = \"tocsin\"\nurl = \"" + self + "/metrics\"\ninterval = \"1s\"\n");
    const std::string log = dir.file("tocsin.log");
    {
        NotifySocket notify(dir.file("notify.sock"));
        Process daemon({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")}, {"NOTIFY_SOCKET=" + notify.path()}, log);
        ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << tocsin::test::read_file(log);
        EXPECT_TRUE(wait_for_log(log, "target self: up", 20s)) << tocsin::test::read_file(log);
        EXPECT_TRUE(wait_for_log(log, "target nothing: down: refused", 20s));
        EXPECT_TRUE(wait_for_log(log, "scrape tocsin/127.0.0.1:" + std::to_string(port) + ": up", 20s));
        auto metrics = http_get(port, "/metrics").body;
        EXPECT_THAT(metrics, HasSubstr("tocsin_probe_failures_total{reason=\"refused\",target=\"nothing\"}"));
        daemon.signal(SIGTERM);
        ASSERT_EQ(daemon.wait(10s), 0);
    }
    ASSERT_TRUE(std::filesystem::exists(dir.file("state/series.snapshot")));
    Process again({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")}, {}, dir.file("again.log"));
    EXPECT_TRUE(wait_for_log(dir.file("again.log"), "series snapshot " + dir.file("state/series.snapshot") + ": ", 20s));
    EXPECT_THAT(tocsin::test::read_file(dir.file("again.log")), testing::Not(HasSubstr(": 0 series")));
    again.signal(SIGTERM);
    EXPECT_EQ(again.wait(10s), 0);
}

TEST(Daemon, ACorruptSeriesSnapshotIsDiscardedWithAWarning) {
    TempDir dir;
    std::filesystem::create_directories(dir.file("state"));
    dir.write("state/series.snapshot", "PNG\x89 definitely not a snapshot");
    const int port = tocsin::test::free_port();
    dir.write("tocsin.toml", daemon_config(dir, port));
    NotifySocket notify(dir.file("notify.sock"));
    Process daemon({TOCSIN_BINARY, "run", "--config", dir.file("tocsin.toml")}, {"NOTIFY_SOCKET=" + notify.path()},
                   dir.file("tocsin.log"));
    ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << tocsin::test::read_file(dir.file("tocsin.log"));
    EXPECT_THAT(tocsin::test::read_file(dir.file("tocsin.log")), HasSubstr("warning discarding series snapshot"));
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(10s), 0);
}
