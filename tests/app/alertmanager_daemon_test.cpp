// Alertmanager's alerts into the real daemon: a v4 webhook payload POSTed
// to /api/v1/alerts declares an incident with the mapped tier and
// component, and its `resolved` sends the incident through monitoring to
// resolved. Then Debian's prometheus-alertmanager itself, on loopback,
// delivers an alert posted to its own API (skipped without the package).
#include <signal.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "daemon_process.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using tocsin::test::DaemonProcess;
using tocsin::test::http_get;
using tocsin::test::http_request;
using tocsin::test::Process;
using tocsin::test::read_file;
using tocsin::test::TempDir;

namespace {

const char* const k_alertmanager = "/usr/bin/prometheus-alertmanager";

// Continues DaemonProcess' [api] table: the test reads incidents without a token.
const std::string k_config = R"(anonymous_reads = true

[[component]]
name = "db"

[severity.P1]
rank = 0
status = "major outage"
auto_resolve_after = "1s"

[severity.P2]
rank = 1
status = "degraded performance"
auto_resolve_after = "1s"

[incidents]
default_severity = "P2"
security_severity = "P1"

[alertmanager]
enabled = true

[[alertmanager.route]]
match = '{team="db"}'
component = "db"
severity_map = { critical = "P1", warning = "P2" }
)";

// A payload as Alertmanager 0.25 sends it (one alert of the group).
std::string payload(const std::string& status, const std::string& ends_at) {
    return R"({"receiver":"tocsin","status":")" + status + R"(","alerts":[{"status":")" + status +
           R"(","labels":{"alertname":"DiskFull","instance":"db-1:9100","severity":"critical","team":"db"},)"
           R"("annotations":{"summary":"Disk on db-1 is 97% full","description":"Free space below 3%."},)"
           R"("startsAt":"2026-03-29T12:00:00.123456789Z","endsAt":")" +
           ends_at +
           R"(","generatorURL":"http://prometheus:9090/graph?g0.expr=x","fingerprint":"c6b4ee3b2c1e0b57"}],)"
           R"("groupLabels":{"alertname":"DiskFull"},"commonLabels":{"alertname":"DiskFull","team":"db"},)"
           R"("commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4",)"
           R"("groupKey":"{}:{alertname=\"DiskFull\"}","truncatedAlerts":0})";
}

// Now, in RFC 3339 UTC, as Alertmanager's API takes it.
std::string utc_now() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string field(const boost::json::array& list, std::size_t i, const char* key) {
    if (list.size() <= i || !list[i].as_object().contains(key) || !list[i].at(key).is_string()) return "";
    return std::string(list[i].at(key).as_string());
}

}  // namespace

TEST(AlertmanagerDaemon, WebhookPayloadDeclaresAndResolves) {
    TempDir dir;
    DaemonProcess daemon(dir, k_config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());

    auto r = daemon.post("/api/v1/alerts", payload("firing", "0001-01-01T00:00:00Z"));
    ASSERT_EQ(r.status, 200) << r.body << read_file(daemon.log());
    EXPECT_EQ(r.body, "{\"accepted\":1,\"dropped\":0}\n");
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1; })) << read_file(daemon.log());
    auto list = daemon.incidents();
    EXPECT_EQ(field(list, 0, "rule"), "DiskFull");
    EXPECT_EQ(field(list, 0, "component"), "db");
    EXPECT_EQ(field(list, 0, "severity"), "P1");
    EXPECT_EQ(field(list, 0, "title"), "Disk on db-1 is 97% full");
    EXPECT_EQ(field(list, 0, "state"), "investigating");

    // Malformed and unauthorized payloads change nothing.
    r = daemon.post("/api/v1/alerts", R"({"version":"3","status":"firing","alerts":[]})");
    EXPECT_EQ(r.status, 400) << r.body;
    r = http_request(daemon.port(), "POST", "/api/v1/alerts", payload("firing", "0001-01-01T00:00:00Z"),
                     {"Content-Type: application/json"});
    EXPECT_EQ(r.status, 401) << r.body;

    r = daemon.post("/api/v1/alerts", payload("resolved", "2026-03-29T12:30:00Z"));
    ASSERT_EQ(r.status, 200) << r.body;
    // monitoring, then resolved once the condition stayed clear for 1s.
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return field(l, 0, "state") == "resolved"; }))
        << boost::json::serialize(daemon.incidents()) << read_file(daemon.log());
    EXPECT_EQ(daemon.incidents().size(), 1u);
    const std::string metrics = http_get(daemon.port(), "/metrics").body;
    EXPECT_NE(metrics.find("tocsin_alertmanager_alerts_total{outcome=\"firing\"} 1"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("tocsin_alertmanager_alerts_total{outcome=\"resolved\"} 1"), std::string::npos) << metrics;
    daemon.stop();
}

TEST(AlertmanagerDaemon, RealAlertmanagerDeliversToTocsin) {
    if (!std::filesystem::exists(k_alertmanager)) {
        GTEST_SKIP() << k_alertmanager << " is not installed (apt-get install prometheus-alertmanager)";
    }
    TempDir dir;
    DaemonProcess daemon(dir, k_config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());

    // Alertmanager reads the same token tocsin's config names.
    const int am_port = tocsin::test::free_port();
    std::filesystem::create_directories(dir.file("am-data"));
    dir.write("alertmanager.yml", R"(route:
  receiver: tocsin
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: tocsin
    webhook_configs:
      - url: http://127.0.0.1:)" + std::to_string(daemon.port()) +
                                      R"(/api/v1/alerts
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: )" + dir.file("api-token") + "\n");
    Process am({k_alertmanager, "--config.file=" + dir.file("alertmanager.yml"),
                "--storage.path=" + dir.file("am-data"), "--web.listen-address=127.0.0.1:" + std::to_string(am_port),
                "--cluster.listen-address=", "--log.level=debug"},
               {}, dir.file("alertmanager.log"));
    // Ready when its API answers.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (http_get(am_port, "/-/ready").status != 200) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << read_file(dir.file("alertmanager.log"));
        std::this_thread::sleep_for(50ms);
    }

    const std::string alert = R"([{"labels":{"alertname":"ReplicationLag","team":"db","severity":"warning",)"
                              R"("instance":"db-2:9100"},"annotations":{"summary":"Replication lags 5 minutes"},)"
                              R"("generatorURL":"http://prometheus:9090/graph"}])";
    auto r = http_request(am_port, "POST", "/api/v2/alerts", alert, {"Content-Type: application/json"});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1; }))
        << read_file(dir.file("alertmanager.log")) << read_file(daemon.log());
    auto list = daemon.incidents();
    EXPECT_EQ(field(list, 0, "rule"), "ReplicationLag");
    EXPECT_EQ(field(list, 0, "component"), "db");
    EXPECT_EQ(field(list, 0, "severity"), "P2");
    EXPECT_EQ(field(list, 0, "title"), "Replication lags 5 minutes");

    // Ended by its sender (as Prometheus does, with endsAt now): Alertmanager
    // sends it as `resolved` (send_resolved).
    const std::string ended = R"([{"labels":{"alertname":"ReplicationLag","team":"db","severity":"warning",)"
                              R"("instance":"db-2:9100"},"endsAt":")" + utc_now() + R"("}])";
    r = http_request(am_port, "POST", "/api/v2/alerts", ended, {"Content-Type: application/json"});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return field(l, 0, "state") == "resolved"; }))
        << read_file(dir.file("alertmanager.log")) << read_file(daemon.log());

    am.signal(SIGTERM);
    EXPECT_EQ(am.wait(10s), 0) << read_file(dir.file("alertmanager.log"));
    daemon.stop();
}
