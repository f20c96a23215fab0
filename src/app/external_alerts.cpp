#include "external_alerts.hpp"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <variant>

#include "rule_runner.hpp"
#include "tocsin/incident/maintenance_window.hpp"
#include "tocsin/rules/template.hpp"

namespace tocsin::app {

namespace {

// Distinct "logged once" messages kept; beyond it, nothing more is logged
// (a sender inventing alert names must not grow memory or the journal).
constexpr std::size_t k_max_logged = 1000;

}  // namespace

struct ExternalAlerts::Route {
    config::AlertmanagerRouteConfig config;
    std::vector<series::Matcher> matchers;  // empty: every alert
    std::optional<rules::Template> title;
};

ExternalAlerts::ExternalAlerts(prometheus::Registry* registry) {
    if (registry != nullptr) {
        m_alerts_total = &prometheus::BuildCounter()
                              .Name("tocsin_alertmanager_alerts_total")
                              .Help("Alerts received from Alertmanager, by outcome: firing and resolved were taken, "
                                    "no_route matched no route, refused could not be taken (see the log).")
                              .Register(*registry);
        for (const char* outcome : {"firing", "resolved", "no_route", "refused"}) {
            m_alerts_total->Add({{"outcome", outcome}});  // every outcome visible from the start, at 0
        }
    }
}

ExternalAlerts::~ExternalAlerts() = default;

void ExternalAlerts::count(const char* outcome) {
    if (m_alerts_total != nullptr) m_alerts_total->Add({{"outcome", outcome}}).Increment();
}

void ExternalAlerts::log_once(const std::string& key, const std::string& message) {
    if (m_logged.size() >= k_max_logged || !m_logged.insert(key).second) return;
    spdlog::warn("alertmanager: {}", message);
}

void ExternalAlerts::configure(const config::Config& config) {
    const auto& am = config.alertmanager;
    m_enabled = am.enabled;
    m_stale_after = am.stale_after;
    m_max_alerts = static_cast<std::size_t>(am.max_alerts);
    m_component_label = config.incidents.component_label;
    m_default_severity = config.incidents.default_severity;
    m_configured_rules.clear();
    for (const auto& rule : config.rules) m_configured_rules.push_back(rule.name);
    m_tiers.clear();
    for (const auto& tier : config.severities) m_tiers.push_back(tier.name);  // sorted by rank at load

    auto compile = [](const config::AlertmanagerRouteConfig& c) -> std::optional<Route> {
        Route route{c, {}, std::nullopt};
        if (!c.match.empty()) {
            auto matchers = incident::parse_alert_matchers(c.match);
            if (!matchers) {
                // Validated at load; a failure here is a bug, not an operator error.
                spdlog::error("alertmanager route: {}", matchers.error().message);
                return std::nullopt;
            }
            route.matchers = std::move(*matchers);
        }
        if (!c.title.empty()) {
            auto parsed = rules::Template::parse(c.title, "alertmanager route title");
            if (auto* t = std::get_if<rules::Template>(&parsed)) route.title = std::move(*t);
        }
        return route;
    };
    m_routes.clear();
    for (const auto& c : am.routes) {
        if (auto route = compile(c)) m_routes.push_back(std::move(*route));
    }
    m_default_route.reset();
    if (am.default_route) {
        if (auto route = compile(*am.default_route)) m_default_route = std::make_unique<Route>(std::move(*route));
    }
    m_logged.clear();  // the new routes deserve their own warnings
}

const ExternalAlerts::Route* ExternalAlerts::route_for(const Labels& labels) const {
    for (const auto& route : m_routes) {
        if (std::all_of(route.matchers.begin(), route.matchers.end(),
                        [&](const series::Matcher& m) { return m.matches(labels.get(m.name())); })) {
            return &route;
        }
    }
    return m_default_route.get();
}

// Which alert this is. When the route sets the component, the component
// label is tocsin's (stored with the incident), so it is not part of the
// identity: after a restart, the incident's label sets find the alerts again.
Labels ExternalAlerts::identity(const Route& route, const Labels& labels) const {
    const bool maps_component = !route.config.component.empty() || !route.config.component_label.empty();
    return maps_component ? labels.without({m_component_label}) : labels;
}

incident::RuleObservation ExternalAlerts::observation(const std::string& rule) {
    incident::RuleObservation o;
    o.rule = rule;
    RuleState& state = m_rules.at(rule);
    // The rule's tier is the most severe among its firing alerts (tiers are
    // per rule in tocsin; the incident manager only ever raises).
    std::size_t best = m_tiers.size();
    for (const auto& [labels, tracked] : state.alerts) {
        o.firing.push_back(tracked.alert);
        auto it = std::find(m_tiers.begin(), m_tiers.end(), tracked.severity);
        best = std::min(best, static_cast<std::size_t>(it - m_tiers.begin()));
    }
    if (best < m_tiers.size()) state.settings.rule.severity = m_tiers[best];
    o.external = state.settings;
    return o;
}

std::vector<incident::RuleObservation> ExternalAlerts::receive(const api::AlertBatch& batch, TimePoint now,
                                                               api::AlertsResult& result) {
    std::set<std::string> touched;
    for (const auto& received : batch.alerts) {
        const Route* route = route_for(received.labels);
        const std::string alertname(received.labels.get("alertname"));
        if (route == nullptr) {
            ++result.dropped;
            count("no_route");
            log_once("no_route " + alertname, "alert " + received.labels.to_string() +
                                                   " matches no [[alertmanager.route]] and there is no "
                                                   "[alertmanager.default_route]: dropped (logged once per alertname)");
            continue;
        }
        const auto& c = route->config;
        const std::string rule = c.rule.empty() ? std::string(received.labels.get(c.rule_label)) : c.rule;
        if (rule.empty()) {
            ++result.dropped;
            count("refused");
            log_once("no_rule " + c.rule_label, "alert " + received.labels.to_string() + " has no " + c.rule_label +
                                                    " label to name its rule: dropped");
            continue;
        }
        if (std::find(m_configured_rules.begin(), m_configured_rules.end(), rule) != m_configured_rules.end()) {
            ++result.dropped;
            count("refused");
            log_once("conflict " + rule, "alert " + received.labels.to_string() + " names rule \"" + rule +
                                             "\", a [[rule]] of tocsin's own: dropped (set `rule` in its route)");
            continue;
        }

        const bool firing = received.firing && (!received.ends_at || *received.ends_at > now);
        auto existing = m_rules.find(rule);
        if (!firing) {
            // Also for an alert tocsin does not know (sent before a restart):
            // the rule's incidents must be able to clear.
            if (existing == m_rules.end()) {
                existing = m_rules.emplace(rule, RuleState{}).first;
                existing->second.settings.rule.name = rule;
                existing->second.settings.rule.severity = m_default_severity;
                existing->second.settings.group_by = c.group_by;
            } else if (existing->second.alerts.erase(identity(*route, received.labels)) != 0) {
                --m_count;
            }
            ++result.accepted;
            count("resolved");
            touched.insert(rule);
            continue;
        }

        Tracked tracked;
        tracked.alert.labels = received.labels;
        std::string component = c.component.empty() && !c.component_label.empty()
                                    ? std::string(received.labels.get(c.component_label))
                                    : c.component;
        if (!component.empty()) tracked.alert.labels = tracked.alert.labels.with(m_component_label, component);
        tracked.alert.active_at = std::min(received.starts_at.value_or(now), now);
        if (route->title) {
            tracked.alert.title = route->title->expand(rules::TemplateData{received.labels, 0});
        } else {
            tracked.alert.title = std::string(received.annotation(c.title_annotation));
        }
        tracked.alert.description = std::string(received.annotation(c.description_annotation));
        tracked.severity = c.severity;
        if (tracked.severity.empty()) {
            const std::string value(received.labels.get(c.severity_label));
            for (const auto& [from, to] : c.severity_map) {
                if (from == value) tracked.severity = to;
            }
            if (tracked.severity.empty() && std::find(m_tiers.begin(), m_tiers.end(), value) != m_tiers.end()) {
                tracked.severity = value;  // the label names a tier itself
            }
            if (tracked.severity.empty()) tracked.severity = m_default_severity;
        }
        tracked.expires = received.ends_at;
        if (m_stale_after && (!tracked.expires || now + *m_stale_after < *tracked.expires)) {
            tracked.expires = now + *m_stale_after;
        }

        if (existing == m_rules.end()) existing = m_rules.emplace(rule, RuleState{}).first;
        RuleState& state = existing->second;
        const Labels key = identity(*route, received.labels);
        auto at = state.alerts.find(key);
        if (at == state.alerts.end()) {
            if (m_count >= m_max_alerts) {
                ++result.dropped;
                count("refused");
                log_once("max_alerts", "tracking " + std::to_string(m_count) +
                                           " alerts already ([alertmanager] max_alerts): new ones are dropped");
                continue;
            }
            ++m_count;
            state.alerts.emplace(key, std::move(tracked));
        } else {
            at->second = std::move(tracked);
        }
        state.settings.rule.name = rule;
        state.settings.rule.component.clear();
        state.settings.group_by = c.group_by;
        ++result.accepted;
        count("firing");
        touched.insert(rule);
    }
    std::vector<incident::RuleObservation> out;
    for (const auto& rule : touched) out.push_back(observation(rule));
    return out;
}

void ExternalAlerts::restore(const std::vector<incident::Incident>& open, TimePoint now) {
    for (const auto& incident : open) {
        if (incident.manual || incident.rule.empty() ||
            std::find(m_configured_rules.begin(), m_configured_rules.end(), incident.rule) != m_configured_rules.end()) {
            continue;
        }
        // Only what a route still maps to this rule comes back.
        for (const auto& labels : incident.alerts) {
            const Route* route = route_for(labels);
            if (route == nullptr) continue;
            const auto& c = route->config;
            if ((c.rule.empty() ? std::string(labels.get(c.rule_label)) : c.rule) != incident.rule) continue;
            if (m_count >= m_max_alerts) return;
            RuleState& state = m_rules[incident.rule];
            state.settings.rule.name = incident.rule;
            state.settings.group_by = c.group_by;
            Tracked tracked;
            tracked.alert.labels = labels;
            tracked.alert.active_at = incident.impact_started;
            tracked.alert.title = incident.title;
            tracked.severity = incident.severity;
            if (m_stale_after) tracked.expires = now + *m_stale_after;
            if (state.alerts.emplace(identity(*route, labels), std::move(tracked)).second) ++m_count;
        }
    }
    if (m_count > 0) spdlog::info("alertmanager: {} alert(s) of open incidents taken as still firing", m_count);
}

std::vector<incident::RuleObservation> ExternalAlerts::expire(TimePoint now) {
    std::vector<incident::RuleObservation> out;
    for (auto& [rule, state] : m_rules) {
        const std::size_t before = state.alerts.size();
        std::erase_if(state.alerts, [&](const auto& entry) { return entry.second.expires && *entry.second.expires <= now; });
        if (state.alerts.size() == before) continue;
        m_count -= before - state.alerts.size();
        spdlog::info("alertmanager: {} alert(s) of {} expired (endsAt or stale_after passed)",
                     before - state.alerts.size(), rule);
        out.push_back(observation(rule));
    }
    return out;
}

std::optional<TimePoint> ExternalAlerts::next_deadline() const {
    std::optional<TimePoint> next;
    for (const auto& [rule, state] : m_rules) {
        for (const auto& [labels, tracked] : state.alerts) {
            if (tracked.expires && (!next || *tracked.expires < *next)) next = tracked.expires;
        }
    }
    return next;
}

void add_alert_hooks(api::ApiHooks& hooks, const std::unique_ptr<ExternalAlerts>& alerts, RuleRunner* const& rules,
                     const Clock& clock, std::function<void()> after) {
    hooks.receive_alerts = [&alerts, &rules, &clock, after = std::move(after)](const api::AlertBatch& batch) {
        api::AlertsResult result;
        incident::IncidentManager* manager = rules != nullptr ? rules->incidents() : nullptr;
        if (alerts == nullptr || manager == nullptr) return api::AlertsResult{503, "starting: try again", 0, 0};
        if (!alerts->enabled()) {
            return api::AlertsResult{404, "the Alertmanager receiver is off: set [alertmanager] enabled = true", 0, 0};
        }
        const TimePoint now = clock.now();
        std::vector<incident::IncidentUpdate> updates;
        for (const auto& observation : alerts->receive(batch, now, result)) {
            for (auto& u : manager->observe(observation, now)) updates.push_back(std::move(u));
        }
        // Committed now, with the pages the changes call for. When the
        // database refuses, the changes stay queued for the next round and
        // Alertmanager retries (it keeps retrying 5xx answers).
        const bool saved = updates.empty() || rules->commit_incident_updates(std::move(updates), now);
        if (after) after();
        if (!saved) {
            return api::AlertsResult{503, "the alerts are taken but the database refused to save; retried", 0, 0};
        }
        return result;
    };
}

}  // namespace tocsin::app
