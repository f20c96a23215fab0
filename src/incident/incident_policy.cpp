#include "tocsin/incident/incident_policy.hpp"

#include <algorithm>
#include <limits>

namespace tocsin::incident {
namespace {

const std::set<std::string> k_no_dependencies;

}  // namespace

PolicyConfig policy_config(const config::Config& config) {
    return PolicyConfig{config.rules, config.severities, config.incidents, config.components, config.maintenance};
}

Result<IncidentPolicy> IncidentPolicy::make(PolicyConfig config) {
    IncidentPolicy policy;
    if (config.severities.empty()) config.severities = config::default_severities();
    std::stable_sort(config.severities.begin(), config.severities.end(),
                     [](const auto& a, const auto& b) { return a.rank < b.rank; });
    policy.m_config = std::move(config);
    const PolicyConfig& c = policy.m_config;

    for (std::size_t i = 0; i < c.severities.size(); ++i) policy.m_tiers.emplace(c.severities[i].name, i);
    auto known_tier = [&](const std::string& name, const std::string& where) -> Status {
        if (policy.m_tiers.count(name) != 0) return Ok{};
        return Error::make(ErrorCategory::invalid_argument,
                           where + " names severity \"" + name + "\", which is not a configured tier");
    };
    if (auto s = known_tier(c.incidents.default_severity, "[incidents] default_severity"); !s) return s.error();
    if (auto s = known_tier(c.incidents.security_severity, "[incidents] security_severity"); !s) return s.error();
    for (std::size_t i = 0; i < c.rules.size(); ++i) {
        const auto& rule = c.rules[i];
        policy.m_rules.emplace(rule.name, i);
        if (!rule.severity.empty()) {
            if (auto s = known_tier(rule.severity, "rule " + rule.name); !s) return s.error();
        }
        for (const auto& e : rule.escalate) {
            if (auto s = known_tier(e.severity, "rule " + rule.name + " escalate"); !s) return s.error();
        }
    }

    for (const auto& component : c.components) policy.m_critical[component.name] = component.critical;
    // Transitive closure, depth-first; the loader refuses cycles, so the
    // `seen` set only guards against a config that slipped past it.
    std::map<std::string, const config::ComponentConfig*, std::less<>> by_name;
    for (const auto& component : c.components) by_name[component.name] = &component;
    for (const auto& component : c.components) {
        std::set<std::string> closure;
        std::vector<std::string> stack(component.depends_on.begin(), component.depends_on.end());
        while (!stack.empty()) {
            std::string next = std::move(stack.back());
            stack.pop_back();
            if (next == component.name || !closure.insert(next).second) continue;
            if (auto it = by_name.find(next); it != by_name.end()) {
                stack.insert(stack.end(), it->second->depends_on.begin(), it->second->depends_on.end());
            }
        }
        policy.m_dependencies[component.name] = std::move(closure);
    }

    for (const auto& window : c.maintenance) {
        auto made = MaintenanceWindow::make(window);
        if (!made) return made.error();
        policy.m_windows.push_back(std::move(*made));
    }
    return policy;
}

const config::SeverityConfig* IncidentPolicy::tier(std::string_view name) const {
    auto it = m_tiers.find(name);
    return it == m_tiers.end() ? nullptr : &m_config.severities[it->second];
}

std::int64_t IncidentPolicy::rank(std::string_view name) const {
    const auto* t = tier(name);
    return t == nullptr ? std::numeric_limits<std::int64_t>::max() : t->rank;
}

const config::RuleConfig* IncidentPolicy::rule(std::string_view name) const {
    auto it = m_rules.find(name);
    return it == m_rules.end() ? nullptr : &m_config.rules[it->second];
}

const std::string& IncidentPolicy::base_severity(const config::RuleConfig& rule) const {
    return rule.severity.empty() ? m_config.incidents.default_severity : rule.severity;
}

bool IncidentPolicy::critical(std::string_view component) const {
    auto it = m_critical.find(component);
    return it != m_critical.end() && it->second;
}

const std::set<std::string>& IncidentPolicy::dependencies(std::string_view component) const {
    auto it = m_dependencies.find(component);
    return it == m_dependencies.end() ? k_no_dependencies : it->second;
}

const MaintenanceWindow* IncidentPolicy::maintenance_for(const Labels& alert, std::string_view component,
                                                         TimePoint t) const {
    for (const auto& window : m_windows) {
        if (window.applies_to(alert, component) && window.active_at(t)) return &window;
    }
    return nullptr;
}

}  // namespace tocsin::incident
