#include "tocsin/incident/incident_manager.hpp"

#include <gtest/gtest.h>

namespace tocsin::incident {
namespace {

using namespace std::chrono_literals;

TimePoint at(Duration d) { return TimePoint{} + d; }

config::RuleConfig rule(std::string name, std::string severity = "", std::string component = "") {
    config::RuleConfig r;
    r.name = std::move(name);
    r.expr = "up == 0";
    r.severity = std::move(severity);
    r.component = std::move(component);
    return r;
}

FiringAlert alert(const std::string& rule_name, Labels extra = {}, Duration active = 0s) {
    std::vector<Label> labels(extra.begin(), extra.end());
    labels.push_back(Label{"alertname", rule_name});
    return FiringAlert{Labels(std::move(labels)), at(active), "", ""};
}

RuleObservation firing(const std::string& rule_name, std::vector<FiringAlert> alerts,
                       std::optional<double> impact = std::nullopt) {
    return RuleObservation{rule_name, std::move(alerts), impact, std::nullopt};
}

RuleObservation clear(const std::string& rule_name, std::optional<double> impact = std::nullopt) {
    return RuleObservation{rule_name, {}, impact, std::nullopt};
}

IncidentManager manager(PolicyConfig config, std::vector<Incident> open = {}, std::int64_t max_id = 0) {
    auto policy = IncidentPolicy::make(std::move(config));
    EXPECT_TRUE(policy) << (policy ? "" : policy.error().message);
    return IncidentManager(std::move(*policy), std::move(open), max_id);
}

std::vector<EventKind> kinds(const std::vector<IncidentUpdate>& updates) {
    std::vector<EventKind> out;
    for (const auto& u : updates) {
        for (const auto& e : u.events) out.push_back(e.kind);
    }
    return out;
}

TEST(IncidentManager, DeclaresOneIncidentPerGroupAndJoinsLaterAlerts) {
    PolicyConfig config;
    config.rules = {rule("ApiDown", "P1", "api")};
    auto m = manager(config);

    auto updates = m.observe(firing("ApiDown", {alert("ApiDown", {{"instance", "a"}}, 1min)}), at(5min));
    ASSERT_EQ(updates.size(), 1u);
    const Incident& i = updates[0].incident;
    EXPECT_EQ(i.id, 1);
    EXPECT_EQ(i.rule, "ApiDown");
    EXPECT_EQ(i.component, "api");
    EXPECT_EQ(i.severity, "P1");
    EXPECT_EQ(i.state, IncidentState::investigating);
    EXPECT_EQ(i.title, "ApiDown on api");
    EXPECT_EQ(i.impact_started, at(1min));
    EXPECT_EQ(i.detected, at(5min));
    EXPECT_EQ(kinds(updates), std::vector<EventKind>{EventKind::opened});

    // Same evaluation again: nothing changes.
    EXPECT_TRUE(m.observe(firing("ApiDown", {alert("ApiDown", {{"instance", "a"}}, 1min)}), at(6min)).empty());

    // A second alert of the same rule and component joins.
    updates = m.observe(firing("ApiDown", {alert("ApiDown", {{"instance", "a"}}, 1min),
                                           alert("ApiDown", {{"instance", "b"}}, 6min)}),
                        at(7min));
    EXPECT_EQ(kinds(updates), std::vector<EventKind>{EventKind::alert_joined});
    ASSERT_EQ(m.open_incidents().size(), 1u);
    EXPECT_EQ(m.open_incidents()[0].alerts.size(), 2u);

    // Another component opens its own.
    updates = m.observe(firing("ApiDown", {alert("ApiDown", {{"instance", "a"}}, 1min),
                                           alert("ApiDown", {{"instance", "b"}}, 6min),
                                           alert("ApiDown", {{"component", "db"}}, 6min)}),
                        at(8min));
    EXPECT_EQ(kinds(updates), std::vector<EventKind>{EventKind::opened});
    EXPECT_EQ(updates[0].incident.component, "db");
    EXPECT_EQ(updates[0].incident.id, 2);
}

TEST(IncidentManager, ImpactGatesDeclarationAndIsTracked) {
    PolicyConfig config;
    config.rules = {rule("Degraded")};
    config.rules[0].impact = "count(x)";
    config.rules[0].min_impact = 5;
    auto m = manager(config);

    EXPECT_TRUE(m.observe(firing("Degraded", {alert("Degraded")}, 4), at(15min)).empty());
    EXPECT_TRUE(m.observe(firing("Degraded", {alert("Degraded")}, std::nullopt), at(16min)).empty());
    auto updates = m.observe(firing("Degraded", {alert("Degraded")}, 5), at(17min));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].incident.impact, 5);
    EXPECT_EQ(updates[0].incident.peak_impact, 5);
    EXPECT_EQ(updates[0].incident.severity, "P2");  // [incidents] default_severity

    // Current impact follows without an event; a new peak 10 % above the last
    // recorded one is an event.
    updates = m.observe(firing("Degraded", {alert("Degraded")}, 3), at(18min));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_TRUE(updates[0].events.empty());
    EXPECT_EQ(updates[0].incident.impact, 3);
    EXPECT_EQ(updates[0].incident.peak_impact, 5);
    updates = m.observe(firing("Degraded", {alert("Degraded")}, 20), at(19min));
    EXPECT_EQ(kinds(updates), std::vector<EventKind>{EventKind::impact_changed});
    EXPECT_EQ(updates[0].incident.peak_impact, 20);
}

TEST(IncidentManager, ClearGoesToMonitoringFlapReopensSameIncidentQuietPeriodResolves) {
    PolicyConfig config;
    config.rules = {rule("Http5xx", "P1")};
    auto m = manager(config);
    ASSERT_EQ(m.observe(firing("Http5xx", {alert("Http5xx")}), at(5min)).size(), 1u);

    auto updates = m.observe(clear("Http5xx"), at(10min));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].incident.state, IncidentState::monitoring);
    EXPECT_EQ(updates[0].incident.mitigated, at(10min));
    EXPECT_EQ(updates[0].events[0].detail, "investigating -> monitoring");
    EXPECT_EQ(m.next_deadline(at(10min)), at(40min));

    // Flap: the same incident goes back to investigating.
    updates = m.observe(firing("Http5xx", {alert("Http5xx", {}, 20min)}), at(20min));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].incident.id, 1);
    EXPECT_EQ(updates[0].incident.state, IncidentState::investigating);
    EXPECT_EQ(updates[0].events[0].detail, "monitoring -> investigating");

    (void)m.observe(clear("Http5xx"), at(25min));
    EXPECT_TRUE(m.tick(at(54min)).empty());
    updates = m.tick(at(55min));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].incident.state, IncidentState::resolved);
    EXPECT_EQ(updates[0].incident.resolved, at(55min));
    EXPECT_TRUE(m.open_incidents().empty());

    // After resolution a new failure is a new incident.
    updates = m.observe(firing("Http5xx", {alert("Http5xx", {}, 60min)}), at(60min));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].incident.id, 2);
}

TEST(IncidentManager, TierWithoutAutoResolveWaitsForAPerson) {
    PolicyConfig config;
    config.severities = config::default_severities();
    config.severities[0].auto_resolve_after.reset();  // P0: a human resolves
    config.rules = {rule("DataLoss", "P0")};
    auto m = manager(config);
    (void)m.observe(firing("DataLoss", {alert("DataLoss")}), at(1min));
    (void)m.observe(clear("DataLoss"), at(2min));
    EXPECT_TRUE(m.tick(at(48h)).empty());
    EXPECT_FALSE(m.next_deadline(at(48h)));
    auto resolved = m.set_state(1, IncidentState::resolved, Actor{"ana", "cli"}, "restored from backup", at(49h));
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->incident.state, IncidentState::resolved);
    EXPECT_EQ(resolved->events[0].actor.name, "ana");
}

TEST(IncidentManager, ResolvingWhileStillFiringNeedsForce) {
    PolicyConfig config;
    config.rules = {rule("ApiDown")};
    auto m = manager(config);
    (void)m.observe(firing("ApiDown", {alert("ApiDown")}), at(1min));
    auto refused = m.set_state(1, IncidentState::resolved, Actor{"bo", "api"}, "fixed", at(2min));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("still fires"), std::string::npos);
    EXPECT_EQ(m.find(1)->state, IncidentState::investigating);
    EXPECT_TRUE(m.set_state(1, IncidentState::resolved, Actor{"bo", "api"}, "fixed", at(2min), true));
}

TEST(IncidentManager, SeverityRaisedByImpactAndDurationNeverLoweredAutomatically) {
    PolicyConfig config;
    auto r = rule("Slow", "P2");
    r.impact = "count(x)";
    r.escalate = {config::EscalationConfig{"P1", 50.0, std::nullopt, false},
                  config::EscalationConfig{"P0", std::nullopt, Duration(1h), false}};
    config.rules = {r};
    auto m = manager(config);
    auto updates = m.observe(firing("Slow", {alert("Slow")}, 10), at(0s));
    EXPECT_EQ(updates[0].incident.severity, "P2");
    EXPECT_EQ(m.next_deadline(at(0s)), at(1h));

    updates = m.observe(firing("Slow", {alert("Slow")}, 57), at(10min));
    ASSERT_EQ(updates.size(), 1u);
    ASSERT_EQ(kinds(updates), (std::vector<EventKind>{EventKind::impact_changed, EventKind::severity_changed}));
    EXPECT_EQ(updates[0].incident.severity, "P1");
    EXPECT_EQ(updates[0].events[1].detail, "P2 -> P1");
    EXPECT_EQ(updates[0].events[1].message, "raised: impact 57 >= 50");

    // Impact falls: the severity stays.
    updates = m.observe(firing("Slow", {alert("Slow")}, 3), at(20min));
    EXPECT_EQ(m.find(1)->severity, "P1");

    // A person lowers it; that sticks until something more severe is computed.
    ASSERT_TRUE(m.set_severity(1, "P2", Actor{"ana", "telegram"}, "only internal users", at(30min)));
    (void)m.observe(firing("Slow", {alert("Slow")}, 3), at(31min));
    EXPECT_EQ(m.find(1)->severity, "P2");

    updates = m.tick(at(1h));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].incident.severity, "P0");
    EXPECT_EQ(updates[0].events[0].message, "raised: open for 1h");
}

TEST(IncidentManager, CriticalComponentEscalationAndSecurityFloor) {
    PolicyConfig config;
    auto r = rule("Leak", "P2", "db");
    r.escalate = {config::EscalationConfig{"P1", std::nullopt, std::nullopt, true}};
    auto s = rule("Probe", "declassified", "web");
    s.security = true;
    config.rules = {r, s};
    config.components = {config::ComponentConfig{"db", "", {}, true}, config::ComponentConfig{"web", "", {}, false}};
    auto m = manager(config);
    auto updates = m.observe(firing("Leak", {alert("Leak")}), at(1min));
    EXPECT_EQ(updates[0].incident.severity, "P1");
    updates = m.observe(firing("Probe", {alert("Probe")}), at(1min));
    EXPECT_EQ(updates[0].incident.severity, "P1");  // security_severity
    EXPECT_TRUE(updates[0].incident.security);
    auto refused = m.set_severity(updates[0].incident.id, "P2", Actor{"x", "api"}, "", at(2min));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("never below P1"), std::string::npos);
}

TEST(IncidentManager, DependantsJoinTheirDependencysIncident) {
    PolicyConfig config;
    config.rules = {rule("DbDown", "P1", "db"), rule("ApiErrors", "P2", "api"), rule("WebErrors", "P2", "web")};
    config.components = {config::ComponentConfig{"db", "", {}, false},
                         config::ComponentConfig{"api", "", {"db"}, false},
                         config::ComponentConfig{"web", "", {"api"}, false}};
    auto m = manager(config);
    (void)m.observe(firing("DbDown", {alert("DbDown")}), at(1min));
    auto updates = m.observe(firing("ApiErrors", {alert("ApiErrors")}), at(2min));
    EXPECT_EQ(kinds(updates), std::vector<EventKind>{EventKind::component_affected});
    updates = m.observe(firing("WebErrors", {alert("WebErrors")}), at(2min));
    EXPECT_EQ(kinds(updates), std::vector<EventKind>{EventKind::component_affected});
    ASSERT_EQ(m.open_incidents().size(), 1u);
    EXPECT_EQ(m.open_incidents()[0].affected_components, (std::vector<std::string>{"api", "web"}));

    // The dependency recovers and its incident is resolved: the still-failing
    // API opens its own, and the web front end (which depends on the API)
    // joins that one.
    (void)m.observe(clear("DbDown"), at(3min));
    ASSERT_TRUE(m.set_state(1, IncidentState::resolved, Actor{"a", "cli"}, "", at(4min)));
    updates = m.tick(at(4min));
    EXPECT_EQ(kinds(updates), (std::vector<EventKind>{EventKind::opened, EventKind::component_affected}));
    ASSERT_EQ(m.open_incidents().size(), 1u);
    EXPECT_EQ(m.open_incidents()[0].component, "api");
    EXPECT_EQ(m.open_incidents()[0].affected_components, std::vector<std::string>{"web"});
}

TEST(IncidentManager, MaintenanceHoldsDeclarationUntilTheWindowEnds) {
    PolicyConfig config;
    config.rules = {rule("DbDown", "P1", "db"), rule("CacheDown", "P2", "cache")};
    config::MaintenanceConfig window;
    window.name = "upgrade";
    window.components = {"db"};
    window.start_local = std::chrono::seconds(10 * 60);
    window.length = 30min;
    config.maintenance = {window};
    auto m = manager(config);

    EXPECT_TRUE(m.observe(firing("DbDown", {alert("DbDown", {}, 15min)}), at(15min)).empty());
    // Another component is not covered.
    EXPECT_EQ(m.observe(firing("CacheDown", {alert("CacheDown", {}, 15min)}), at(15min)).size(), 1u);
    // tocsin wakes up exactly when the window ends and declares then.
    EXPECT_EQ(m.next_deadline(at(15min)), at(40min));
    EXPECT_TRUE(m.tick(at(39min)).empty());
    auto updates = m.tick(at(40min));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].incident.rule, "DbDown");
    EXPECT_EQ(updates[0].incident.impact_started, at(15min));
    EXPECT_EQ(updates[0].incident.detected, at(40min));
}

TEST(IncidentManager, ManualIncidentsCoverTheirComponents) {
    PolicyConfig config;
    config.rules = {rule("ApiDown", "P1", "api")};
    auto m = manager(config);
    auto declared = m.declare(ManualDeclaration{"Customers report 502s", {"api", "web"}, "P2", "seen by support",
                                                false, Actor{"sam", "api"}, at(0s)},
                              at(1min));
    ASSERT_TRUE(declared);
    EXPECT_TRUE(declared->incident.manual);
    EXPECT_EQ(declared->incident.reporter, "sam");
    EXPECT_EQ(declared->incident.affected_components, std::vector<std::string>{"web"});
    EXPECT_EQ(declared->events[0].actor, (Actor{"sam", "api"}));

    auto updates = m.observe(firing("ApiDown", {alert("ApiDown")}), at(2min));
    EXPECT_EQ(kinds(updates), std::vector<EventKind>{EventKind::alert_joined});
    EXPECT_EQ(m.open_incidents().size(), 1u);
    EXPECT_FALSE(m.declare(ManualDeclaration{"", {}, "", "", false, Actor{}, {}}, at(2min)));
    EXPECT_FALSE(m.declare(ManualDeclaration{"x", {}, "P9", "", false, Actor{}, {}}, at(2min)));
}

TEST(IncidentManager, AcknowledgeOnceNotesAndStates) {
    PolicyConfig config;
    config.rules = {rule("ApiDown")};
    auto m = manager(config);
    (void)m.observe(firing("ApiDown", {alert("ApiDown")}), at(1min));
    auto ack = m.acknowledge(1, Actor{"ana", "telegram"}, at(3min));
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->incident.acknowledged, at(3min));
    EXPECT_EQ(ack->incident.acknowledged_by, (Actor{"ana", "telegram"}));
    EXPECT_FALSE(m.acknowledge(1, Actor{"bo", "email"}, at(4min)));
    EXPECT_FALSE(m.acknowledge(42, Actor{"bo", "email"}, at(4min)));
    auto identified = m.set_state(1, IncidentState::identified, Actor{"ana", "api"}, "bad deploy", at(5min));
    ASSERT_TRUE(identified);
    EXPECT_EQ(identified->incident.identified, at(5min));
    EXPECT_EQ(identified->events[0].message, "bad deploy");
    EXPECT_FALSE(m.set_state(1, IncidentState::identified, Actor{"ana", "api"}, "", at(5min)));
    EXPECT_TRUE(m.add_note(1, Actor{"ana", "api"}, "still investigating", at(6min)));
    EXPECT_FALSE(m.add_note(1, Actor{"ana", "api"}, "", at(6min)));

    // Condition clears from identified: monitoring.
    auto updates = m.observe(clear("ApiDown"), at(7min));
    EXPECT_EQ(updates[0].events[0].detail, "identified -> monitoring");
}

TEST(IncidentManager, AssigningAnOwnerAcknowledgesOrHandsOver) {
    PolicyConfig config;
    config.rules = {rule("ApiDown")};
    auto m = manager(config);
    (void)m.observe(firing("ApiDown", {alert("ApiDown")}), at(1min));
    // Nobody had it: the assignment acknowledges it for bo.
    auto first = m.assign_owner(1, "bo", Actor{"ana", "api:ops"}, "", at(2min));
    ASSERT_TRUE(first);
    EXPECT_EQ(first->incident.acknowledged, at(2min));
    EXPECT_EQ(first->incident.acknowledged_by, (Actor{"bo", "api:ops"}));
    EXPECT_EQ(kinds({*first}), (std::vector<EventKind>{EventKind::acknowledged, EventKind::owner_assigned}));
    EXPECT_EQ(first->events[0].message, "acknowledged by ana for bo");
    EXPECT_EQ(first->events[1].detail, " -> bo");
    EXPECT_EQ(first->events[1].actor, (Actor{"ana", "api:ops"}));
    // Handing over keeps the acknowledgement time.
    auto handover = m.assign_owner(1, "cy", Actor{"bo", "telegram"}, "end of shift", at(9min));
    ASSERT_TRUE(handover);
    EXPECT_EQ(handover->incident.acknowledged, at(2min));
    EXPECT_EQ(handover->incident.acknowledged_by->name, "cy");
    EXPECT_EQ(kinds({*handover}), std::vector<EventKind>{EventKind::owner_assigned});
    EXPECT_EQ(handover->events[0].detail, "bo -> cy");
    EXPECT_EQ(handover->events[0].message, "end of shift");
    auto again = m.assign_owner(1, "cy", Actor{"bo", "api"}, "", at(10min));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message, "incident 1 is already owned by cy");
    EXPECT_FALSE(m.assign_owner(42, "cy", Actor{"bo", "api"}, "", at(10min)));
}

TEST(IncidentManager, RestartContinuesFromStoredIncidents) {
    PolicyConfig config;
    config.rules = {rule("ApiDown")};
    std::vector<Incident> stored;
    {
        auto m = manager(config);
        (void)m.observe(firing("ApiDown", {alert("ApiDown")}), at(1min));
        (void)m.observe(clear("ApiDown"), at(2min));
        stored = m.open_incidents();
    }
    auto m = manager(config, stored, 7);
    // Still firing after restart: the same incident, back to investigating.
    auto updates = m.observe(firing("ApiDown", {alert("ApiDown")}), at(3min));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].incident.id, 1);
    // New incidents continue after the largest id ever used.
    auto declared = m.declare(ManualDeclaration{"x", {}, "", "", false, Actor{"a", "cli"}, {}}, at(4min));
    EXPECT_EQ(declared->incident.id, 8);
}

TEST(IncidentManager, RulesWithoutIncidentsAndUnknownRulesAreIgnored) {
    PolicyConfig config;
    config.rules = {rule("Info")};
    config.rules[0].incident = false;
    auto m = manager(config);
    EXPECT_TRUE(m.observe(firing("Info", {alert("Info")}), at(1min)).empty());
    EXPECT_TRUE(m.observe(firing("Gone", {alert("Gone")}), at(1min)).empty());
}

TEST(IncidentManager, TaxonomyOnResolvedIncidents) {
    Incident resolved;
    resolved.id = 3;
    resolved.state = IncidentState::resolved;
    auto update = set_taxonomy(resolved, "data_quality<FAILED_MIGRATION", Actor{"ana", "cli"}, at(1h));
    ASSERT_TRUE(update) << update.error().message;
    EXPECT_EQ(update->incident.taxonomy, "DATA_QUALITY < FAILED_MIGRATION");
    EXPECT_EQ(update->events[0].kind, EventKind::taxonomy_set);
    EXPECT_FALSE(set_taxonomy(resolved, "BAD_LUCK", Actor{"ana", "cli"}, at(1h)));
}

TEST(IncidentPolicy, RefusesUnknownTiers) {
    PolicyConfig config;
    config.rules = {rule("X", "Sev9")};
    EXPECT_FALSE(IncidentPolicy::make(config));
    PolicyConfig bad_default;
    bad_default.incidents.default_severity = "Critical";
    EXPECT_FALSE(IncidentPolicy::make(bad_default));
}

}  // namespace
}  // namespace tocsin::incident
