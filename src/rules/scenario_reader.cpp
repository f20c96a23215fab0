// Scenario files (`tocsin test`): TOML → Scenario, with the config's
// diagnostics (FILE:LINE:COL: KEY.PATH: message, "did you mean" for unknown
// keys) and the config's own [[rule]] reader, so a rule means the same thing
// in a scenario as in tocsin.toml.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <toml++/toml.h>

#include "tocsin/config/incident_reader.hpp"
#include "tocsin/config/rule_reader.hpp"
#include "tocsin/config/table_reader.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/rules/scenario.hpp"

namespace tocsin::rules {
namespace {

constexpr Duration k_min_interval = std::chrono::milliseconds(1);
constexpr Duration k_max_interval = std::chrono::hours(24);
constexpr Duration k_max_at = std::chrono::hours(24 * 365);

std::string quote_text(std::string_view s) {
    std::string out;
    append_quoted(out, s);
    return out;
}

// Reads a file whole; an errno-style message when it cannot.
std::optional<std::string> read_whole_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    int code = in ? 0 : errno;
    std::error_code ec;
    // Opening a directory succeeds on Linux and reads as empty.
    if (code == 0 && std::filesystem::is_directory(path, ec)) code = EISDIR;
    if (code != 0) {
        error = std::strerror(code);
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// `config` as written, relative to the scenario's directory as given (so
// messages name it the way the operator would type it from here).
std::string config_location(const std::string& scenario_file, const std::string& config) {
    std::filesystem::path p(config);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (std::filesystem::path(scenario_file).parent_path() / p).lexically_normal().string();
}

// A list of alert label sets: ['{job="a"}', '{}'], sorted. False (after
// reporting) when anything is wrong with it.
bool read_label_sets(config::TableReader& r, std::string_view key, std::vector<Labels>& out) {
    const toml::node* node = r.node(key);
    if (node == nullptr) return false;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        r.error(key, std::string("expected an array of label sets such as ['{job=\"api\"}'], got ") +
                         config::type_name(node->type()));
        return false;
    }
    config::LoadContext& ctx = r.context();
    bool ok = true;
    std::map<Labels, std::size_t> seen;
    std::vector<Labels> sets;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string path = r.key_path(key) + "[" + std::to_string(i) + "]";
        if (!element.is_string()) {
            ctx.error(
                element.source(), path,
                std::string("expected a label set such as '{job=\"api\"}', got ") + config::type_name(element.type()));
            ok = false;
            continue;
        }
        const std::string& text = element.as_string()->get();
        auto parsed = promql::parse_metric(text);
        if (!parsed) {
            const std::size_t column = parsed.error().column;
            r.error_inside(&element, path, column > 0 ? column - 1 : 0, parsed.error().message,
                           "at column " + std::to_string(column) + " of the label set: ");
            ok = false;
            continue;
        }
        Labels labels = std::move(parsed).value();
        if (!labels.metric_name().empty()) {
            ctx.error(
                element.source(), path,
                "alerts have no metric name; write the labels only, e.g. " + labels.without_metric_name().to_string());
            ok = false;
            continue;
        }
        if (labels.has("alertname")) {
            ctx.error(element.source(), path, "leave out alertname: it is always the rule's name");
            ok = false;
            continue;
        }
        if (auto [it, fresh] = seen.emplace(labels, i); !fresh) {
            ctx.error(element.source(), path,
                      labels.to_string() + " is listed twice (also " + r.key_path(key) + "[" +
                          std::to_string(it->second) + "])");
            ok = false;
            continue;
        }
        sets.push_back(std::move(labels));
    }
    if (!ok) return false;
    std::sort(sets.begin(), sets.end());
    out = std::move(sets);
    return true;
}

void read_series(config::TableReader& r, const Duration evaluation_interval, std::map<Labels, std::uint32_t>& seen,
                 ScenarioSeries& out) {
    r.require("series");
    std::string text;
    if (r.string("series", text)) {
        auto parsed = promql::parse_metric(text);
        if (!parsed) {
            const std::size_t column = parsed.error().column;
            r.error_inside(r.node("series"), r.key_path("series"), column > 0 ? column - 1 : 0, parsed.error().message,
                           "at column " + std::to_string(column) + " of the series: ");
        } else if (parsed->metric_name().empty()) {
            r.error("series", "needs a metric name, e.g. up" + parsed->to_string());
        } else if (auto [it, fresh] = seen.emplace(*parsed, r.line_of("series")); !fresh) {
            r.error("series",
                    parsed->to_string() + " is given twice (also at line " + std::to_string(it->second) + ")");
        } else {
            out.labels = std::move(parsed).value();
        }
    }
    r.require("values");
    if (r.string("values", text)) {
        auto parsed = promql::parse_series_values(text);
        if (!parsed) {
            const std::size_t column = parsed.error().column;
            r.error_inside(r.node("values"), r.key_path("values"), column > 0 ? column - 1 : 0, parsed.error().message,
                           "at column " + std::to_string(column) + " of the values: ");
        } else {
            out.values = std::move(parsed).value();
        }
    }
    out.interval = evaluation_interval;
    r.duration("interval", out.interval, k_min_interval, k_max_interval);
}

// incidents = [{rule = "ApiDown", severity = "P1", state = "investigating", impact = 5}, ...]
void read_incident_expectations(config::TableReader& r, std::vector<IncidentExpectation>& out) {
    const toml::node* node = r.node("incidents");
    const toml::array* array = node != nullptr ? node->as_array() : nullptr;
    if (array == nullptr) {
        r.error("incidents", "expected an array of inline tables such as [{rule = \"ApiDown\", state = \"investigating\"}]");
        return;
    }
    config::LoadContext& ctx = r.context();
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string path = r.key_path("incidents") + "[" + std::to_string(i) + "]";
        const toml::table* table = element.as_table();
        if (table == nullptr) {
            ctx.error(element.source(), path,
                      std::string("expected an inline table such as {rule = \"ApiDown\"}, got ") +
                          config::type_name(element.type()));
            continue;
        }
        config::TableReader t(ctx, *table, path);
        IncidentExpectation e;
        t.string("title", e.title);
        t.string("rule", e.rule);
        t.string("component", e.component);
        t.string("severity", e.severity);
        std::string state;
        if (t.string("state", state)) {
            e.state = incident::parse_incident_state(state);
            if (!e.state) {
                t.error("state", "unknown state " + quote_text(state) +
                                     "; expected investigating, identified, monitoring or resolved");
            }
        }
        for (const char* key : {"impact", "peak_impact"}) {
            const toml::node* value = t.node(key);
            if (value == nullptr) continue;
            if (!value->is_number()) {
                t.error(key, std::string("expected a number, got ") + config::type_name(value->type()));
                continue;
            }
            (std::string_view(key) == "impact" ? e.impact : e.peak_impact) = value->value<double>();
        }
        bool acknowledged = false;
        if (t.boolean("acknowledged", acknowledged)) e.acknowledged = acknowledged;
        if (t.string_list("affected_components", e.affected_components)) {
            std::sort(e.affected_components.begin(), e.affected_components.end());
        }
        t.finish();
        out.push_back(std::move(e));
    }
}

// One [[expect]]. Where it names a rule, `rule_node` is set so the name can be
// checked once every rule (the config's too) is known.
void read_expect(config::TableReader& r, const std::optional<Duration> evaluation_interval, Expectation& out,
                 const toml::node*& rule_node) {
    r.require("at");
    // Without a valid evaluation_interval (reported already) `at` is only parsed.
    if (r.duration("at", out.at, Duration::zero(), k_max_at) && evaluation_interval) {
        const Duration step = *evaluation_interval;
        if (out.at % step != Duration::zero()) {
            const Duration before = out.at - out.at % step;
            r.error("at", "must be a multiple of evaluation_interval (" + format_duration(step) +
                              "): rules are evaluated at " + format_duration(before) + " and " +
                              format_duration(before + step) + ", not at " + format_duration(out.at));
        } else if (static_cast<std::size_t>(out.at / step) > k_max_scenario_evaluations) {
            r.error("at", "needs " + std::to_string(out.at / step) + " evaluations at " + format_duration(step) +
                              "; at most " + std::to_string(k_max_scenario_evaluations) +
                              " (use a longer evaluation_interval)");
        }
    }
    if (r.has("incidents")) {
        std::vector<IncidentExpectation> incidents;
        read_incident_expectations(r, incidents);
        out.incidents = std::move(incidents);
    } else {
        r.node("incidents");  // known, for "did you mean"
    }
    // Alerts are checked when the expectation names a rule; one that only
    // lists incidents needs neither `rule` nor `firing`.
    if (!out.incidents || r.has("rule") || r.has("firing") || r.has("pending")) {
        r.require("rule");
        r.require("firing");
    }
    if (r.string("rule", out.rule)) rule_node = r.node("rule");
    if (r.has("firing")) {
        read_label_sets(r, "firing", out.firing);
    } else {
        r.node("firing");  // known, for "did you mean"
    }
    if (r.has("pending")) {
        std::vector<Labels> pending;
        if (read_label_sets(r, "pending", pending)) out.pending = std::move(pending);
    } else {
        r.node("pending");  // known, for "did you mean"
    }
}

void sort_by_position(std::vector<config::Diagnostic>& diagnostics) {
    std::stable_sort(diagnostics.begin(), diagnostics.end(),
                     [](const config::Diagnostic& a, const config::Diagnostic& b) {
                         return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
}

}  // namespace

ScenarioLoad load_scenario_string(std::string_view toml_text, const std::string& source_name) {
    ScenarioLoad load;
    toml::table document;
    try {
        document = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        load.problem = ScenarioProblem::malformed;
        load.diagnostics.push_back(config::Diagnostic{source_name, e.source().begin.line, e.source().begin.column, "",
                                                      "syntax error: " + std::string(e.description())});
        return load;
    }

    const config::Environment env{[](const std::string&) { return std::optional<std::string>{}; }};
    config::LoadContext ctx;
    ctx.file = source_name;
    ctx.env = &env;
    ctx.text = toml_text;
    std::error_code ec;
    auto absolute = std::filesystem::absolute(std::filesystem::path(source_name), ec);
    ctx.config_dir = (ec ? std::filesystem::path(source_name) : absolute).parent_path().string();

    Scenario scenario;
    scenario.file = source_name;
    config::TableReader root(ctx, document, "");
    // nullopt when invalid (reported): `at` is then not checked against it.
    std::optional<Duration> interval_ok;
    if (!root.has("evaluation_interval") ||
        root.duration("evaluation_interval", scenario.evaluation_interval, k_min_interval, k_max_interval)) {
        interval_ok = scenario.evaluation_interval;
    }
    root.node("evaluation_interval");  // known even when absent, for "did you mean"

    std::string config_text_name;
    if (root.string("config", config_text_name)) scenario.config_file = config_location(source_name, config_text_name);

    // The scenario's own incident sections. Inline rules' tier names are
    // checked against them unless the tiers come from a config file (then
    // the incident policy checks them when the scenario runs).
    const config::IncidentSections inline_sections = config::read_incident_sections(root);
    const bool inline_tiers = document.contains("severity") || document.contains("incidents");
    std::vector<config::RuleConfig> inline_rules;
    config::read_rules(root, inline_rules,
                       !root.has("config") || inline_tiers ? &inline_sections : nullptr);

    if (const toml::array* list = root.array_of_tables("series")) {
        std::map<Labels, std::uint32_t> seen;
        for (std::size_t i = 0; i < list->size(); ++i) {
            config::TableReader r(ctx, *list->get(i)->as_table(), "series[" + std::to_string(i) + "]");
            ScenarioSeries series;
            series.line = list->get(i)->source().begin.line;
            read_series(r, scenario.evaluation_interval, seen, series);
            r.finish();
            scenario.series.push_back(std::move(series));
        }
    }

    std::vector<const toml::node*> rule_nodes;
    const toml::array* expects = root.array_of_tables("expect");
    if (expects != nullptr) {
        for (std::size_t i = 0; i < expects->size(); ++i) {
            config::TableReader r(ctx, *expects->get(i)->as_table(), "expect[" + std::to_string(i) + "]");
            Expectation expect;
            expect.line = expects->get(i)->source().begin.line;
            const toml::node* rule_node = nullptr;
            read_expect(r, interval_ok, expect, rule_node);
            r.finish();
            rule_nodes.push_back(rule_node);
            scenario.expectations.push_back(std::move(expect));
        }
    }
    root.finish();
    if (expects == nullptr && !root.has("expect")) {
        ctx.diagnostics.push_back(config::Diagnostic{source_name, 0, 0, "", "no [[expect]] tables: nothing to test"});
    }

    // The config's rules: read like `tocsin check` reads them, nothing else.
    config::IncidentSections config_sections;
    std::vector<config::Diagnostic> config_diagnostics;
    bool config_ok = true;
    if (!scenario.config_file.empty()) {
        std::string error;
        const toml::node* where = root.node("config");
        if (auto text = read_whole_file(scenario.config_file, error)) {
            config::RulesLoadResult rules = config::load_rules_string(*text, scenario.config_file);
            if (!rules.ok()) {
                config_ok = false;
                load.problem = ScenarioProblem::invalid_config;
                ctx.error(where->source(), "config",
                          "invalid rules in " + quote_text(scenario.config_file) + " (" +
                              std::to_string(rules.diagnostics.size()) + " problem" +
                              (rules.diagnostics.size() == 1 ? "" : "s") + ")");
                config_diagnostics = std::move(rules.diagnostics);
            } else {
                scenario.rules = std::move(rules.rules);
                config_sections = std::move(rules.sections);
            }
        } else {
            config_ok = false;
            load.problem = ScenarioProblem::unreadable;
            ctx.error(where->source(), "config", "cannot read " + quote_text(scenario.config_file) + ": " + error);
        }
    }

    if (config_ok) {
        // Inline rules join the config's; a name may be defined once.
        std::set<std::string> config_names;
        for (const auto& rule : scenario.rules) config_names.insert(rule.name);
        const toml::array* inline_tables = document["rule"].as_array();
        for (std::size_t i = 0; i < inline_rules.size(); ++i) {
            if (!config_names.contains(inline_rules[i].name)) continue;
            const toml::node* table = inline_tables != nullptr ? inline_tables->get(i) : nullptr;
            const toml::node* name = table != nullptr && table->is_table() ? table->as_table()->get("name") : nullptr;
            ctx.error(
                name != nullptr ? name->source() : toml::source_region{}, "rule[" + std::to_string(i) + "].name",
                "rule " + quote_text(inline_rules[i].name) + " is also defined in " + quote_text(scenario.config_file));
        }
        for (auto& rule : inline_rules) scenario.rules.push_back(std::move(rule));

        // Tiers and [incidents] written in the scenario replace the config's;
        // its components and maintenance windows are added.
        incident::PolicyConfig& policy = scenario.incident_policy;
        policy.severities = document.contains("severity") ? inline_sections.severities : config_sections.severities;
        policy.incidents = document.contains("incidents") ? inline_sections.incidents : config_sections.incidents;
        policy.components = config_sections.components;
        policy.components.insert(policy.components.end(), inline_sections.components.begin(),
                                 inline_sections.components.end());
        policy.maintenance = config_sections.maintenance;
        policy.maintenance.insert(policy.maintenance.end(), inline_sections.maintenance.begin(),
                                  inline_sections.maintenance.end());

        // Every expectation names a rule that exists.
        std::vector<std::string> names;
        for (const auto& rule : scenario.rules) names.push_back(rule.name);
        for (std::size_t i = 0; i < scenario.expectations.size(); ++i) {
            const std::string& name = scenario.expectations[i].rule;
            if (rule_nodes[i] == nullptr || std::find(names.begin(), names.end(), name) != names.end()) continue;
            std::string message = "unknown rule " + quote_text(name);
            if (names.empty()) {
                message += " (the scenario has no rules: add [[rule]] tables or config = \"tocsin.toml\")";
            } else if (auto guess = config::closest_match(name, names)) {
                message += "; did you mean " + quote_text(*guess) + "?";
            }
            ctx.error(rule_nodes[i]->source(), "expect[" + std::to_string(i) + "].rule", std::move(message));
        }
    }

    sort_by_position(ctx.diagnostics);
    load.diagnostics = std::move(ctx.diagnostics);
    for (auto& d : config_diagnostics) load.diagnostics.push_back(std::move(d));
    // What to fix first decides the exit status: an unreadable file, then a
    // broken config, then the scenario itself.
    const bool scenario_problems = load.diagnostics.size() > config_diagnostics.size() + (config_ok ? 0 : 1);
    if (load.problem == ScenarioProblem::none && scenario_problems) load.problem = ScenarioProblem::malformed;
    if (load.problem == ScenarioProblem::none) load.scenario = std::move(scenario);
    return load;
}

ScenarioLoad load_scenario_file(const std::string& path) {
    std::string error;
    auto text = read_whole_file(path, error);
    if (!text) {
        ScenarioLoad load;
        load.problem = ScenarioProblem::unreadable;
        load.diagnostics.push_back(config::Diagnostic{path, 0, 0, "", "cannot read: " + error});
        return load;
    }
    return load_scenario_string(*text, path);
}

}  // namespace tocsin::rules
