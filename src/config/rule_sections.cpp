// [rules] and [[rule]]: alerting rules, checked as far as they can be
// without data: the expression parses and has the right type, durations
// and label names are valid, and every template parses. A problem inside an
// expression or template is located at its own line and column in the file.
// The incident keys (severity, impact, [[rule.escalate]], ...) are checked
// against the tiers of the same file when the caller has them.
#include <optional>
#include <utility>

#include "name_index.hpp"
#include "sections.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/promql/parser.hpp"
#include "tocsin/rules/template.hpp"

namespace tocsin::config {
namespace {

constexpr Duration k_max_rule_duration = std::chrono::hours(24 * 365);

// `expr` and `impact`: PromQL giving an instant vector or a scalar.
void check_expr(TableReader& r, std::string_view key, const std::string& expr) {
    auto parsed = promql::parse_expr(expr);
    const toml::node* node = r.node(key);
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
        std::string fallback = "at " + std::to_string(error->line) + ":" + std::to_string(error->column) +
                               " of the expression: ";
        r.error_inside(node, r.key_path(key), error->position, "parse error: " + error->message, fallback);
        return;
    }
    const auto& tree = std::get<promql::ExprPtr>(parsed);
    // Prometheus accepts these at load time and then fails every evaluation
    // ("rule result is not a vector or scalar"); tocsin refuses them here.
    if (tree->type != promql::ValueType::vector && tree->type != promql::ValueType::scalar) {
        r.error(key, "must be an instant vector or a scalar, got " + std::string(promql::documented_name(tree->type)));
    }
}

void check_template(TableReader& r, const toml::node* node, const std::string& key_path, const std::string& text) {
    auto parsed = rules::Template::parse(text);
    if (auto* error = std::get_if<rules::TemplateError>(&parsed)) {
        std::string fallback = "at " + std::to_string(error->line) + ":" + std::to_string(error->column) +
                               " of the template: ";
        r.error_inside(node, key_path, error->position, "template error: " + error->message, fallback);
    }
}

std::string describe(const SeverityConfig& tier) {
    return "\"" + tier.name + "\" (rank " + std::to_string(tier.rank) + ")";
}

// A [[rule.escalate]]: `base` is the rule's effective tier (nullptr when
// unknown: then only the tier's existence is checked).
void read_escalation(TableReader& r, const RuleConfig& rule, bool has_impact, const IncidentSections* sections,
                     const SeverityConfig* base, EscalationConfig& e) {
    r.require("severity");
    if (r.string("severity", e.severity) && sections != nullptr &&
        check_severity_reference(r, "severity", e.severity, sections->severities) && base != nullptr) {
        const SeverityConfig* tier = sections->find_severity(e.severity);
        if (tier->rank >= base->rank) {
            const std::string& own = rule.severity.empty() ? sections->incidents.default_severity : rule.severity;
            std::string why = base->name != own ? " (its security_severity, as security = true)" : "";
            r.error("severity", "must be more severe than the rule's severity " + describe(*base) + why + ", got " +
                                    describe(*tier) + "; an escalation raises the severity");
        }
    }
    double min_impact = 0;
    if (read_number(r, "min_impact", min_impact, 0)) {
        e.min_impact = min_impact;
        if (!has_impact) r.error("min_impact", "needs the rule's impact (the expression counting who is affected)");
    }
    Duration after{};
    if (r.duration("after", after, std::chrono::seconds(1), k_max_rule_duration)) e.after = after;
    r.boolean("critical", e.critical);
    if (!r.has("min_impact") && !r.has("after") && !e.critical) {
        if (!r.has("critical")) {
            r.error_at_table("needs a condition: min_impact, after or critical = true");
        } else if (r.node("critical")->is_boolean()) {
            r.error("critical", "critical = false is no condition; give min_impact, after or critical = true");
        }
    }
}

void read_incident_keys(TableReader& r, const IncidentSections* sections, RuleConfig& rule) {
    r.boolean("incident", rule.incident);
    if (r.string("impact", rule.impact)) check_expr(r, "impact", rule.impact);
    const bool has_impact = r.has("impact");
    double min_impact = 0;
    if (read_number(r, "min_impact", min_impact, 0)) {
        rule.min_impact = min_impact;
        if (!has_impact) r.error("min_impact", "needs impact (the expression counting who is affected)");
    }
    bool severity_ok = true;
    if (r.string("severity", rule.severity) && sections != nullptr) {
        severity_ok = check_severity_reference(r, "severity", rule.severity, sections->severities);
    } else if (r.has("severity")) {
        severity_ok = false;
    }
    r.boolean("security", rule.security);
    r.string("component", rule.component);
    if (r.string("title", rule.title, false)) check_template(r, r.node("title"), r.key_path("title"), rule.title);

    const toml::array* list = r.array_of_tables("escalate");
    if (list == nullptr) return;
    // Unknown tiers are reported where they are named; escalations are then
    // not compared with them.
    const SeverityConfig* base = sections != nullptr && severity_ok ? base_severity(rule, *sections) : nullptr;
    for (std::size_t i = 0; i < list->size(); ++i) {
        TableReader e(r.context(), *list->get(i)->as_table(), r.key_path("escalate") + "[" + std::to_string(i) + "]");
        EscalationConfig escalation;
        read_escalation(e, rule, has_impact, sections, base, escalation);
        e.finish();
        rule.escalate.push_back(std::move(escalation));
    }
}

void read_rule(TableReader& r, NameIndex& names, const IncidentSections* sections, RuleConfig& rule) {
    r.require("name");
    if (r.string("name", rule.name) && check_printable(r, "name", rule.name)) names.declare(r, "name", rule.name);
    r.require("expr");
    if (r.string("expr", rule.expr)) check_expr(r, "expr", rule.expr);
    r.duration("for", rule.for_duration, Duration::zero(), k_max_rule_duration);
    r.duration("keep_firing_for", rule.keep_firing_for, Duration::zero(), k_max_rule_duration);
    if (r.string_map("labels", rule.labels)) {
        const toml::table* labels = r.has("labels") ? r.node("labels")->as_table() : nullptr;
        for (const auto& [name, value] : rule.labels) {
            if (!is_valid_label_name(name)) {
                r.error_in("labels", name, "invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)");
            } else if (name.starts_with("__")) {
                r.error_in("labels", name, "label names starting with __ are reserved");
            } else if (name == "alertname") {
                // Prometheus silently overwrites it with the rule's name.
                r.error_in("labels", name, "\"alertname\" is the rule's name and cannot be set");
            } else if (labels != nullptr) {
                check_template(r, labels->get(name), r.key_path("labels") + "." + name, value);
            }
        }
    }
    if (r.string("summary", rule.summary, false)) check_template(r, r.node("summary"), r.key_path("summary"), rule.summary);
    if (r.string("description", rule.description, false)) {
        check_template(r, r.node("description"), r.key_path("description"), rule.description);
    }
    read_incident_keys(r, sections, rule);
}

}  // namespace

void read_rules_section(TableReader& root, RulesConfig& out) {
    const toml::table* table = root.table("rules");
    if (table == nullptr) return;
    TableReader r(root.context(), *table, "rules");
    r.duration("outage_tolerance", out.outage_tolerance, Duration::zero(), std::chrono::hours(24 * 30));
    r.duration("grace_period", out.grace_period, Duration::zero(), std::chrono::hours(24));
    r.duration("evaluation_interval", out.evaluation_interval, std::chrono::seconds(1), std::chrono::hours(1));
    r.finish();
}

void read_rules(TableReader& root, std::vector<RuleConfig>& out, const IncidentSections* sections) {
    const toml::array* list = root.array_of_tables("rule");
    if (list == nullptr) return;
    NameIndex names("rule");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& table = *list->get(i)->as_table();
        TableReader r(root.context(), table, "rule[" + std::to_string(i) + "]");
        RuleConfig rule;
        read_rule(r, names, sections, rule);
        r.finish();
        out.push_back(std::move(rule));
    }
}

}  // namespace tocsin::config
