// Alerts from Prometheus' Alertmanager (POST /api/v1/alerts) as incident
// rules: [[alertmanager.route]] maps each alert to a rule name, component,
// tier and title; the alerts that fire are kept per rule and handed to the
// incident manager as that rule's observation, exactly like a [[rule]]'s
// firing alerts after an evaluation. So grouping, tiers, maintenance,
// dependencies, paging and the quiet/auto-resolve path are the same.
//
// A `resolved` alert, or one whose endsAt (or [alertmanager] stale_after
// since it was last sent) passed, leaves its rule's firing set; the rule's
// next observation then clears the incident's condition. Pure: no clock,
// no I/O (the daemon wires it, docs/alertmanager.md).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tocsin/api/api.hpp"
#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/incident/incident_manager.hpp"

namespace prometheus {
class Registry;
class Counter;
template <typename T> class Family;
}  // namespace prometheus

namespace tocsin::app {

class RuleRunner;

class ExternalAlerts {
public:
    // `registry` may be null (no metrics).
    explicit ExternalAlerts(prometheus::Registry* registry);
    ~ExternalAlerts();

    // Compiles the routes of a validated configuration (at start and on
    // reload). Alerts already tracked keep their mapping until sent again.
    void configure(const config::Config& config);
    bool enabled() const { return m_enabled; }

    // After a restart: the open incidents of external rules get their alerts
    // back as firing, so one group's alert does not clear the others before
    // Alertmanager sends them again (at its repeat_interval).
    void restore(const std::vector<incident::Incident>& open, TimePoint now);

    // Takes a batch: one observation per rule whose alerts it touched.
    std::vector<incident::RuleObservation> receive(const api::AlertBatch& batch, TimePoint now,
                                                   api::AlertsResult& result);
    // Drops the alerts whose endsAt or staleness deadline is at or before
    // `now`: observations of their rules.
    std::vector<incident::RuleObservation> expire(TimePoint now);
    // The earliest such deadline.
    std::optional<TimePoint> next_deadline() const;

    std::size_t size() const { return m_count; }

    struct Route;

private:
    struct Tracked {
        incident::FiringAlert alert;
        std::string severity;
        std::optional<TimePoint> expires;
    };
    struct RuleState {
        incident::ExternalRule settings;
        std::map<Labels, Tracked> alerts;  // by identity()
    };

    const Route* route_for(const Labels& labels) const;
    Labels identity(const Route& route, const Labels& labels) const;
    incident::RuleObservation observation(const std::string& rule);
    void count(const char* outcome);
    void log_once(const std::string& key, const std::string& message);

    bool m_enabled = false;
    std::optional<Duration> m_stale_after;
    std::size_t m_max_alerts = 0;
    std::vector<std::string> m_configured_rules;  // [[rule]] names: never fed from here
    std::string m_component_label;
    std::vector<std::string> m_tiers;  // most severe first
    std::string m_default_severity;
    std::vector<Route> m_routes;
    std::unique_ptr<Route> m_default_route;
    std::map<std::string, RuleState> m_rules;
    std::size_t m_count = 0;
    std::set<std::string> m_logged;
    prometheus::Family<prometheus::Counter>* m_alerts_total = nullptr;
};

// Fills hooks.receive_alerts: the batch goes through `alerts` into the
// incident manager of `rules`, committed like a person's command; `after`
// runs once it is (the daemon re-arms its incident deadlines). Either
// pointer may be null until start-up creates it (503 then).
void add_alert_hooks(api::ApiHooks& hooks, const std::unique_ptr<ExternalAlerts>& alerts, RuleRunner* const& rules,
                     const Clock& clock, std::function<void()> after);

}  // namespace tocsin::app
