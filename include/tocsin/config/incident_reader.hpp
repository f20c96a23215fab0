// [severity.*], [incidents], [[component]] and [[maintenance]]: the sections
// that say how alerts become incidents, read with the configuration's schema
// and diagnostics wherever they appear: in the config itself and, through
// load_rules_string, for `tocsin test` scenarios. None of them holds a secret
// or a path, so reading them touches nothing outside the text.
#pragma once

#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/config/table_reader.hpp"

namespace tocsin::config {

struct IncidentSections {
    // Sorted by rank (most severe first); default_severities() when the text
    // has no [severity.*] table.
    std::vector<SeverityConfig> severities = default_severities();
    IncidentsConfig incidents;
    std::vector<ComponentConfig> components;     // in file order
    std::vector<MaintenanceConfig> maintenance;  // in file order

    // The tier called `name`, or nullptr.
    const SeverityConfig* find_severity(std::string_view name) const;

    bool operator==(const IncidentSections&) const = default;
};

// Reads the four sections of `root`'s table and marks their keys known.
// Every problem (unknown keys, bad values, duplicate names and ranks,
// references to tiers and components that do not exist, dependency cycles,
// unknown time zones, matchers that do not parse) goes to root's context,
// located in its file. The result is complete only when no problem was added.
IncidentSections read_incident_sections(TableReader& root);

// The tier a rule's incidents start at: its `severity`, else [incidents]
// default_severity, raised to security_severity when `security` is set and
// that tier is more severe. nullptr when the tiers named do not exist.
const SeverityConfig* base_severity(const RuleConfig& rule, const IncidentSections& sections);

}  // namespace tocsin::config
