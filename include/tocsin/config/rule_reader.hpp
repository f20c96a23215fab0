// [[rule]] tables, read with the configuration's schema and diagnostics
// wherever they appear: in the config itself and in `tocsin test` scenario
// files, which accept exactly the same rules (docs/rules.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/config/diagnostic.hpp"
#include "tocsin/config/incident_reader.hpp"
#include "tocsin/config/table_reader.hpp"

namespace tocsin::config {

// Reads the `rule` array of tables of `root`'s table into `out` (appending)
// and marks the key known; every problem (unknown keys, bad durations,
// expressions and templates that do not parse, duplicate names within the
// array) goes to root's context, located in its file.
//
// With `sections` (the [severity.*] tiers and [incidents] the rules run
// under), every tier a rule names (severity, escalate.severity) must be one
// of them and each escalation must be more severe than the rule's base tier
// (base_severity in incident_reader.hpp). Without it, tier names are not
// checked.
void read_rules(TableReader& root, std::vector<RuleConfig>& out, const IncidentSections* sections = nullptr);

struct RulesLoadResult {
    std::vector<RuleConfig> rules;  // complete only when diagnostics is empty
    // The incident sections of the same text, which the rules' tiers refer to.
    IncidentSections sections;
    std::vector<Diagnostic> diagnostics;

    bool ok() const { return diagnostics.empty(); }
};

// Only the [[rule]] tables of a configuration text and the incident sections
// they refer to ([severity.*], [incidents], [[component]], [[maintenance]]),
// checked exactly as load_string checks them, in file order. The other
// sections are not read: no secret is resolved and no path looked at, so
// rules can be tested where the daemon's secrets do not exist. `tocsin check`
// validates the rest.
RulesLoadResult load_rules_string(std::string_view toml_text, const std::string& source_name);

}  // namespace tocsin::config
