// The incident sections together, in dependency order: tiers first
// ([incidents] names them), components before the maintenance windows that
// name them.
#include "sections.hpp"
#include "tocsin/config/incident_reader.hpp"

namespace tocsin::config {

const SeverityConfig* IncidentSections::find_severity(std::string_view name) const {
    for (const auto& tier : severities) {
        if (tier.name == name) return &tier;
    }
    return nullptr;
}

const SeverityConfig* base_severity(const RuleConfig& rule, const IncidentSections& sections) {
    const SeverityConfig* base =
        sections.find_severity(rule.severity.empty() ? sections.incidents.default_severity : rule.severity);
    if (base == nullptr || !rule.security) return base;
    const SeverityConfig* floor = sections.find_severity(sections.incidents.security_severity);
    if (floor == nullptr) return nullptr;
    return floor->rank < base->rank ? floor : base;
}

IncidentSections read_incident_sections(TableReader& root) {
    IncidentSections out;
    const toml::node* first_tier = nullptr;
    out.severities = read_severities(root, first_tier);
    read_incidents(root, out.severities, first_tier, out.incidents);
    read_components(root, out.components);
    read_maintenance(root, out.components, out.maintenance);
    return out;
}

}  // namespace tocsin::config
