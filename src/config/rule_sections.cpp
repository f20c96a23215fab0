// [rules] and [[rule]]: alerting rules, checked as far as they can be
// without data: the expression parses and has the right type, durations
// and label names are valid, and every template parses. A problem inside an
// expression or template is located at its own line and column in the file.
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

void check_expr(TableReader& r, const std::string& expr) {
    auto parsed = promql::parse_expr(expr);
    const toml::node* node = r.node("expr");
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
        std::string fallback = "at " + std::to_string(error->line) + ":" + std::to_string(error->column) +
                               " of the expression: ";
        r.error_inside(node, r.key_path("expr"), error->position, "parse error: " + error->message, fallback);
        return;
    }
    const auto& tree = std::get<promql::ExprPtr>(parsed);
    // Prometheus accepts these at load time and then fails every evaluation
    // ("rule result is not a vector or scalar"); tocsin refuses them here.
    if (tree->type != promql::ValueType::vector && tree->type != promql::ValueType::scalar) {
        r.error("expr", "must be an instant vector or a scalar, got " +
                            std::string(promql::documented_name(tree->type)));
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

void read_rule(TableReader& r, NameIndex& names, RuleConfig& rule) {
    r.require("name");
    if (r.string("name", rule.name)) {
        bool printable = true;
        for (char c : rule.name) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) printable = false;
        }
        if (!printable) r.error("name", "must not contain control characters");
        else names.declare(r, "name", rule.name);
    }
    r.require("expr");
    if (r.string("expr", rule.expr)) check_expr(r, rule.expr);
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

void read_rules(TableReader& root, std::vector<RuleConfig>& out) {
    const toml::array* list = root.array_of_tables("rule");
    if (list == nullptr) return;
    NameIndex names("rule");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& table = *list->get(i)->as_table();
        TableReader r(root.context(), table, "rule[" + std::to_string(i) + "]");
        RuleConfig rule;
        read_rule(r, names, rule);
        r.finish();
        out.push_back(std::move(rule));
    }
}

}  // namespace tocsin::config
