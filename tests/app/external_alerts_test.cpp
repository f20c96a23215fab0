// Alertmanager's alerts through the routes into the incident manager, with
// time as a parameter: mapping (rule, component, tier, title, group_by),
// drops, resolution through `resolved`, endsAt and stale_after, and the
// restart that takes open incidents' alerts as still firing.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "external_alerts.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/incident/incident_manager.hpp"

namespace tocsin::app {
namespace {

using namespace std::chrono_literals;

const TimePoint t0{std::chrono::hours(24 * 20000)};

config::Config load(const std::string& text) {
    auto result = config::load_string(text, "/etc/tocsin/t.toml",
                                      config::Environment{[](const std::string&) { return std::optional<std::string>{}; }});
    EXPECT_TRUE(result.ok()) << config::format_diagnostics(result.diagnostics);
    return result.config.value_or(config::Config{});
}

const std::string k_config = R"(
[[component]]
name = "db"
[[component]]
name = "web"

[[rule]]
name = "OwnRule"
expr = "up == 0"

[alertmanager]
enabled = true

[[alertmanager.route]]
match = '{team="db"}'
component = "db"
severity_map = { critical = "P1", warning = "P2" }
group_by = ["alertname", "instance"]
title = '{{ $labels.alertname }} on {{ $labels.instance }}'

[[alertmanager.route]]
match = '{team="web"}'
rule = "WebAlerts"
component_label = "service"
severity = "P0"
)";

api::ReceivedAlert alert(Labels labels, bool firing = true, std::optional<TimePoint> ends = std::nullopt) {
    api::ReceivedAlert a;
    a.firing = firing;
    a.labels = std::move(labels);
    a.annotations = {{"summary", "the summary"}, {"description", "the description"}};
    a.starts_at = t0 - 5min;
    a.ends_at = ends;
    return a;
}

class ExternalAlertsTest : public ::testing::Test {
protected:
    void SetUp() override { start(k_config); }

    void start(const std::string& text, std::vector<incident::Incident> open = {}) {
        config = load(text);
        auto policy = incident::IncidentPolicy::make(incident::policy_config(config));
        ASSERT_TRUE(policy) << policy.error().message;
        std::int64_t max_id = 0;
        for (const auto& i : open) max_id = std::max(max_id, i.id);
        manager = std::make_unique<incident::IncidentManager>(std::move(*policy), open, max_id);
        registry = std::make_shared<prometheus::Registry>();
        alerts = std::make_unique<ExternalAlerts>(registry.get());
        alerts->configure(config);
        alerts->restore(open, t0);
    }

    api::AlertsResult post(std::vector<api::ReceivedAlert> list, TimePoint now) {
        api::AlertBatch batch;
        batch.alerts = std::move(list);
        api::AlertsResult result;
        for (const auto& o : alerts->receive(batch, now, result)) {
            for (auto& u : manager->observe(o, now)) updates.push_back(std::move(u));
        }
        return result;
    }

    void advance(TimePoint now) {
        for (const auto& o : alerts->expire(now)) {
            for (auto& u : manager->observe(o, now)) updates.push_back(std::move(u));
        }
        for (auto& u : manager->tick(now)) updates.push_back(std::move(u));
    }

    std::string metrics() const { return prometheus::TextSerializer().Serialize(registry->Collect()); }

    config::Config config;
    std::unique_ptr<incident::IncidentManager> manager;
    std::shared_ptr<prometheus::Registry> registry;
    std::unique_ptr<ExternalAlerts> alerts;
    std::vector<incident::IncidentUpdate> updates;
};

TEST_F(ExternalAlertsTest, FiringAlertDeclaresAMappedIncident) {
    auto r = post({alert({{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-1"}, {"severity", "critical"}})}, t0);
    EXPECT_EQ(r.accepted, 1u);
    EXPECT_EQ(r.dropped, 0u);
    auto open = manager->open_incidents();
    ASSERT_EQ(open.size(), 1u);
    const auto& i = open[0];
    EXPECT_EQ(i.rule, "DiskFull");
    EXPECT_EQ(i.component, "db");
    EXPECT_EQ(i.severity, "P1");
    EXPECT_EQ(i.title, "DiskFull on db-1");
    EXPECT_EQ(i.description, "the description");
    EXPECT_EQ(i.key, "DiskFull{instance=\"db-1\"}");
    EXPECT_EQ(i.impact_started, t0 - 5min);
    EXPECT_EQ(i.alerts.at(0).get("component"), "db");

    // Alertmanager's repeat: the same alert again changes nothing.
    updates.clear();
    post({alert({{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-1"}, {"severity", "critical"}})}, t0 + 4h);
    EXPECT_TRUE(updates.empty());
    // Another instance: its own incident (group_by instance), warning is P2.
    post({alert({{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-2"}, {"severity", "warning"}})}, t0 + 4h);
    EXPECT_EQ(manager->open_incidents().size(), 2u);
    EXPECT_NE(metrics().find("tocsin_alertmanager_alerts_total{outcome=\"firing\"} 3"), std::string::npos) << metrics();
}

TEST_F(ExternalAlertsTest, LiteralRuleComponentFromLabelAndTitleFromSummary) {
    post({alert({{"alertname", "Slow"}, {"team", "web"}, {"service", "web"}})}, t0);
    auto open = manager->open_incidents();
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].rule, "WebAlerts");
    EXPECT_EQ(open[0].component, "web");
    EXPECT_EQ(open[0].severity, "P0");
    EXPECT_EQ(open[0].title, "the summary");
}

TEST_F(ExternalAlertsTest, ResolvedAlertClearsThenTheQuietPeriodResolves) {
    const Labels labels{{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-1"}, {"severity", "critical"}};
    post({alert(labels)}, t0);
    post({alert(labels, false, t0 + 1min)}, t0 + 2min);
    auto open = manager->open_incidents();
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].state, incident::IncidentState::monitoring);
    EXPECT_FALSE(open[0].condition_active);
    advance(t0 + 2min + 29min);
    EXPECT_EQ(manager->open_incidents().size(), 1u);
    advance(t0 + 2min + 30min);  // P1's default auto_resolve_after
    EXPECT_TRUE(manager->open_incidents().empty());
    EXPECT_EQ(updates.back().incident.state, incident::IncidentState::resolved);
}

TEST_F(ExternalAlertsTest, FiringAgainDuringMonitoringReopensTheSameIncident) {
    const Labels labels{{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-1"}};
    post({alert(labels)}, t0);
    post({alert(labels, false)}, t0 + 1min);
    post({alert(labels)}, t0 + 3min);
    auto open = manager->open_incidents();
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].id, 1);
    EXPECT_EQ(open[0].state, incident::IncidentState::investigating);
    EXPECT_EQ(open[0].severity, "P2");  // no severity label: [incidents] default_severity
}

TEST_F(ExternalAlertsTest, EndsAtAndStaleAfterExpireAlerts) {
    const Labels a{{"alertname", "A"}, {"team", "db"}, {"instance", "x"}};
    post({alert(a, true, t0 + 10min)}, t0);
    EXPECT_EQ(alerts->next_deadline(), std::optional<TimePoint>(t0 + 10min));
    advance(t0 + 10min);
    ASSERT_EQ(manager->open_incidents().size(), 1u);
    EXPECT_FALSE(manager->open_incidents()[0].condition_active);
    EXPECT_EQ(alerts->size(), 0u);
    // An endsAt already past when it arrives counts as resolved.
    const Labels b{{"alertname", "B"}, {"team", "db"}, {"instance", "x"}};
    post({alert(b, true, t0 - 1min)}, t0);
    EXPECT_EQ(manager->open_incidents().size(), 1u);

    auto text = k_config;
    text.replace(text.find("enabled = true"), 14, "enabled = true\nstale_after = \"1h\"");
    start(text);
    post({alert(a)}, t0);
    EXPECT_EQ(alerts->next_deadline(), std::optional<TimePoint>(t0 + 1h));
    post({alert(a)}, t0 + 30min);  // refreshed
    EXPECT_EQ(alerts->next_deadline(), std::optional<TimePoint>(t0 + 90min));
    advance(t0 + 90min);
    EXPECT_FALSE(manager->open_incidents().at(0).condition_active);
}

TEST_F(ExternalAlertsTest, UnroutedNamelessAndConflictingAlertsAreDropped) {
    auto r = post({alert({{"alertname", "X"}, {"team", "other"}}), alert({{"team", "db"}, {"instance", "y"}}),
                   alert({{"alertname", "OwnRule"}, {"team", "db"}})},
                  t0);
    EXPECT_EQ(r.accepted, 0u);
    EXPECT_EQ(r.dropped, 3u);
    EXPECT_TRUE(manager->open_incidents().empty());
    const std::string m = metrics();
    EXPECT_NE(m.find("tocsin_alertmanager_alerts_total{outcome=\"no_route\"} 1"), std::string::npos) << m;
    EXPECT_NE(m.find("tocsin_alertmanager_alerts_total{outcome=\"refused\"} 2"), std::string::npos) << m;

    // A default route takes what no route matched.
    start(k_config + "\n[alertmanager.default_route]\nseverity = \"P2\"\n");
    r = post({alert({{"alertname", "X"}, {"team", "other"}})}, t0);
    EXPECT_EQ(r.accepted, 1u);
    EXPECT_EQ(manager->open_incidents().at(0).rule, "X");
}

TEST_F(ExternalAlertsTest, MaintenanceWindowsSuppress) {
    start(k_config + R"(
[[maintenance]]
name = "db work"
components = ["db"]
start = "2000-01-01T00:00:00Z"
duration = "1h"
repeat = "daily"
)");
    // t0 is midnight UTC: inside the daily window.
    post({alert({{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-1"}})}, t0 + 10min);
    EXPECT_TRUE(manager->open_incidents().empty());
    advance(t0 + 1h);  // the window ends with the alert still firing
    EXPECT_EQ(manager->open_incidents().size(), 1u);
}

TEST_F(ExternalAlertsTest, RestartKeepsOtherGroupsFiring) {
    post({alert({{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-1"}}),
          alert({{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-2"}})},
         t0);
    auto open = manager->open_incidents();
    ASSERT_EQ(open.size(), 2u);
    start(k_config, open);  // a restart: the alerts come back from the incidents
    EXPECT_EQ(alerts->size(), 2u);
    post({alert({{"alertname", "DiskFull"}, {"team", "db"}, {"instance", "db-1"}}, false)}, t0 + 1h);
    open = manager->open_incidents();
    ASSERT_EQ(open.size(), 2u);
    EXPECT_FALSE(open[0].condition_active);  // db-1 resolved
    EXPECT_TRUE(open[1].condition_active);   // db-2 still firing
}

}  // namespace
}  // namespace tocsin::app
