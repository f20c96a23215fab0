// The incident configuration, resolved for fast questions: a tier's rank, a
// rule's incident settings, a component's transitive dependencies, which
// maintenance windows cover an alert. Built once per (re)load.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/incident/maintenance_window.hpp"

namespace tocsin::incident {

// The parts of a configuration incidents depend on.
struct PolicyConfig {
    std::vector<config::RuleConfig> rules;
    std::vector<config::SeverityConfig> severities;  // empty: the defaults
    config::IncidentsConfig incidents;
    std::vector<config::ComponentConfig> components;
    std::vector<config::MaintenanceConfig> maintenance;
};

PolicyConfig policy_config(const config::Config& config);

class IncidentPolicy {
public:
    // An error when a reference does not resolve (the loader refuses such
    // configs; this guards other callers).
    static Result<IncidentPolicy> make(PolicyConfig config);

    const config::IncidentsConfig& incidents() const { return m_config.incidents; }
    const std::vector<config::SeverityConfig>& severities() const { return m_config.severities; }
    const std::vector<MaintenanceWindow>& maintenance() const { return m_windows; }

    const config::SeverityConfig* tier(std::string_view name) const;
    // Lower is more severe; an unknown tier (renamed by a reload) ranks last.
    std::int64_t rank(std::string_view tier) const;
    bool more_severe(std::string_view a, std::string_view b) const { return rank(a) < rank(b); }
    const std::string& most_severe(const std::string& a, const std::string& b) const {
        return more_severe(b, a) ? b : a;
    }

    // nullptr for rules that are not configured.
    const config::RuleConfig* rule(std::string_view name) const;
    // The rule's base tier: its own or [incidents] default_severity.
    const std::string& base_severity(const config::RuleConfig& rule) const;

    bool critical(std::string_view component) const;
    // Everything `component` depends on, directly or not.
    const std::set<std::string>& dependencies(std::string_view component) const;

    // The first window active at `t` that covers the alert; nullptr if none.
    const MaintenanceWindow* maintenance_for(const Labels& alert, std::string_view component,
                                             TimePoint t) const;

private:
    PolicyConfig m_config;
    std::map<std::string, std::size_t, std::less<>> m_tiers;  // name → index in severities
    std::map<std::string, std::size_t, std::less<>> m_rules;
    std::map<std::string, bool, std::less<>> m_critical;
    std::map<std::string, std::set<std::string>, std::less<>> m_dependencies;
    std::vector<MaintenanceWindow> m_windows;
};

}  // namespace tocsin::incident
