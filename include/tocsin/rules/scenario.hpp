// Rule unit tests (`tocsin test FILE...`): a scenario file gives input series
// in promtool's expanding notation, alerting rules (inline [[rule]] tables
// with the config's schema, and/or the [[rule]] tables of a config file) and
// expectations about which alerts are firing and pending at given times.
// The runner loads the series into a SeriesStore and drives the real rule
// engine (promql::Engine + AlertRule) over virtual time: evaluations at 0,
// evaluation_interval, 2 * evaluation_interval, ... as promtool does, so a
// scenario spanning a day runs in milliseconds. docs/rules.md ("Testing
// rules") is the reference for the format.
//
// Adding a key to [[expect]] (incidents, pages): a field in Expectation, a
// line in read_expect() (scenario_reader.cpp) and a check in
// check_expectation() (scenario_runner.cpp). Unknown keys are refused with a
// "did you mean" as in the config, so files never silently test less.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/config/diagnostic.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/incident/incident.hpp"
#include "tocsin/incident/incident_policy.hpp"
#include "tocsin/promql/series_description.hpp"

namespace tocsin::rules {

// Most evaluations one scenario may ask for (the largest `at` divided by
// evaluation_interval): a month at 10 s is 259200.
inline constexpr std::size_t k_max_scenario_evaluations = 1'000'000;

// One [[series]]: its first value is at time 0, the next at `interval`, ...
struct ScenarioSeries {
    std::uint32_t line = 0;  // of the [[series]] header
    Labels labels;           // with __name__
    std::vector<promql::SeriesValue> values;
    Duration interval{};
};

// One entry of [[expect]] incidents = [...]: the fields given must match
// ("" and nullopt are not checked).
struct IncidentExpectation {
    std::string title;
    std::string rule;
    std::string component;
    std::string severity;
    std::optional<incident::IncidentState> state;
    std::optional<double> impact;       // the current impact
    std::optional<double> peak_impact;
    std::optional<bool> acknowledged;
    std::vector<std::string> affected_components;  // checked when non-empty (sorted)
};

// One [[expect]]: one test case, checked right after the evaluation at `at`.
// It checks a rule's alerts (`rule` with `firing`, optionally `pending`),
// the incidents, or both.
struct Expectation {
    std::uint32_t line = 0;  // of the [[expect]] header
    Duration at{};
    std::string rule;  // "" when only incidents are checked
    // The exact sets of alert label sets (without alertname), sorted.
    std::vector<Labels> firing;
    std::optional<std::vector<Labels>> pending;  // nullopt: not checked
    // Every incident declared so far (resolved ones too), in declaration
    // order; nullopt: not checked.
    std::optional<std::vector<IncidentExpectation>> incidents;
};

struct Scenario {
    std::string file;  // as given, used in messages
    Duration evaluation_interval = std::chrono::minutes(1);
    std::string config_file;                // resolved against the scenario's directory; empty when none
    std::vector<config::RuleConfig> rules;  // the config's, then the inline ones
    // Severities, [incidents], components and maintenance: the config's,
    // with the scenario's own tables replacing tiers and [incidents] and
    // adding components and windows.
    incident::PolicyConfig incident_policy;
    std::vector<ScenarioSeries> series;
    std::vector<Expectation> expectations;  // in file order
};

enum class ScenarioProblem {
    none,
    unreadable,      // the scenario file, or the config it names, cannot be read (66)
    invalid_config,  // the config it names has invalid [[rule]] tables or bad TOML (78)
    malformed,       // the scenario itself is wrong (65)
};

struct ScenarioLoad {
    std::optional<Scenario> scenario;  // set only when problem is none
    ScenarioProblem problem = ScenarioProblem::none;
    // FILE:LINE:COL: KEY.PATH: message, scenario and config problems in the
    // order found (each file's in file order).
    std::vector<config::Diagnostic> diagnostics;
};

// Reads and checks a scenario file (and the config it names).
ScenarioLoad load_scenario_file(const std::string& path);
// `source_name` names the text in messages and anchors a relative `config`.
ScenarioLoad load_scenario_string(std::string_view toml_text, const std::string& source_name);

// The verdict on one [[expect]].
struct ScenarioCase {
    std::string file;
    std::uint32_t line = 0;
    bool passed = false;
    // One line per mismatch, e.g. `rule X at 10m: firing: expected [...] got [...]`.
    std::vector<std::string> failures;
};

struct ScenarioReport {
    std::vector<ScenarioCase> cases;  // in file order
    std::size_t passed() const;
    std::size_t failed() const;
};

// Evaluates every rule some expectation names, at every multiple of the
// evaluation interval up to the largest `at` for that rule, and checks the
// expectations. Never fails: evaluation errors fail the expectations they
// affect (every one of that rule at or after the failed evaluation).
ScenarioReport run_scenario(const Scenario& scenario);

// `[{a="1"}, {a="2", b="x"}]`: label sets in PromQL notation, in the order given.
std::string format_label_sets(const std::vector<Labels>& sets);

}  // namespace tocsin::rules
