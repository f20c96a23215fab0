// [alertmanager], [[alertmanager.route]] and [alertmanager.default_route]:
// how alerts posted by Prometheus' Alertmanager (POST /api/v1/alerts) map
// onto tocsin's rules, components and tiers (docs/alertmanager.md).
// Everything a route names is checked here, so the daemon never meets an
// unknown tier at run time.
#include <algorithm>
#include <variant>

#include "name_index.hpp"
#include "sections.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/rules/template.hpp"

namespace tocsin::config {
namespace {

// Limits on what tocsin tracks, so a runaway Alertmanager cannot exhaust memory.
constexpr std::int64_t k_max_tracked_alerts = 1'000'000;

bool read_label_key(TableReader& r, std::string_view key, std::string& out) {
    if (!r.string(key, out)) return false;
    if (std::string problem = check_label_name(out); !problem.empty()) {
        r.error(key, problem);
        return false;
    }
    return true;
}

// `components` null: [[component]] is not used, any name goes (as a rule's).
void read_route(TableReader& r, const std::vector<SeverityConfig>& tiers, const NameIndex* components,
                const std::vector<RuleConfig>& rules, bool is_default, AlertmanagerRouteConfig& route) {
    if (is_default) {
        if (r.node("match") != nullptr) r.error("match", "the default route takes every alert no route matched: no match here");
    } else if (r.string("match", route.match)) {
        check_alert_matchers(r, "match", route.match);
    }

    if (r.string("rule", route.rule) && check_printable(r, "rule", route.rule)) {
        if (std::any_of(rules.begin(), rules.end(), [&](const RuleConfig& c) { return c.name == route.rule; })) {
            r.error("rule", quoted(route.rule) +
                                " is a [[rule]] of this file: Alertmanager's alerts keep their own incidents, "
                                "choose another name");
        }
    }
    read_label_key(r, "rule_label", route.rule_label);
    if (r.has("rule") && r.has("rule_label")) r.error("rule_label", "set either rule or rule_label, not both");

    if (r.string("component", route.component) && check_printable(r, "component", route.component)) {
        if (components != nullptr) components->check_reference(r, "component", route.component);
    }
    read_label_key(r, "component_label", route.component_label);
    if (r.has("component") && r.has("component_label")) {
        r.error("component_label", "set either component or component_label, not both");
    }

    if (r.string("severity", route.severity)) check_severity_reference(r, "severity", route.severity, tiers);
    read_label_key(r, "severity_label", route.severity_label);
    if (r.string_map("severity_map", route.severity_map)) {
        for (const auto& [value, tier] : route.severity_map) {
            // Init-capture: clang 14 cannot capture a structured binding.
            if (std::none_of(tiers.begin(), tiers.end(), [&tier = tier](const SeverityConfig& t) { return t.name == tier; })) {
                std::vector<std::string> names;
                for (const auto& t : tiers) names.push_back(t.name);
                std::string message = "unknown severity " + quoted(tier) + " (expected " + severity_choices(tiers) + ")";
                if (auto near = closest_match(tier, names)) message += "; did you mean " + quoted(*near) + "?";
                r.error_in("severity_map", value, message);
            }
        }
    }
    if (r.has("severity") && (r.has("severity_label") || r.has("severity_map"))) {
        r.error("severity", "a literal severity ignores severity_label and severity_map: set one or the other");
    }

    if (r.string_list("group_by", route.group_by)) {
        for (std::size_t i = 0; i < route.group_by.size(); ++i) {
            if (std::string problem = check_label_name(route.group_by[i]); !problem.empty()) {
                r.error_in("group_by", std::to_string(i), problem);
            }
        }
    }
    if (r.string("title", route.title)) {
        auto parsed = rules::Template::parse(route.title, "alertmanager route title");
        if (auto* error = std::get_if<rules::TemplateError>(&parsed)) {
            r.error_inside(r.node("title"), r.key_path("title"), error->position, error->message,
                           "at " + std::to_string(error->line) + ":" + std::to_string(error->column) + ": ");
        }
    }
    read_label_key(r, "title_annotation", route.title_annotation);
    read_label_key(r, "description_annotation", route.description_annotation);
}

}  // namespace

void read_alertmanager(TableReader& root, const std::vector<SeverityConfig>& tiers,
                       const std::vector<ComponentConfig>& components, const std::vector<RuleConfig>& rules,
                       AlertmanagerConfig& out) {
    const toml::table* table = root.table("alertmanager");
    if (table == nullptr) return;
    TableReader r(root.context(), *table, "alertmanager");
    r.boolean("enabled", out.enabled);
    Duration stale{};
    if (r.duration("stale_after", stale, std::chrono::minutes(1), std::chrono::hours(24 * 7 * 52))) {
        out.stale_after = stale;
    }
    r.integer("max_alerts", out.max_alerts, 1, k_max_tracked_alerts);

    NameIndex component_names("component");
    for (const auto& c : components) component_names.insert(c.name);
    const NameIndex* check = components.empty() ? nullptr : &component_names;

    if (const toml::array* list = r.array_of_tables("route")) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            TableReader route_reader(root.context(), *list->get(i)->as_table(),
                                     "alertmanager.route[" + std::to_string(i) + "]");
            AlertmanagerRouteConfig route;
            read_route(route_reader, tiers, check, rules, false, route);
            route_reader.finish();
            out.routes.push_back(std::move(route));
        }
    }
    if (const toml::table* fallback = r.table("default_route")) {
        TableReader route_reader(root.context(), *fallback, "alertmanager.default_route");
        AlertmanagerRouteConfig route;
        read_route(route_reader, tiers, check, rules, true, route);
        route_reader.finish();
        out.default_route = std::move(route);
    }
    if (out.enabled && out.routes.empty() && !out.default_route) {
        r.error("enabled", "no [[alertmanager.route]] and no [alertmanager.default_route]: every alert would be "
                           "dropped; add a route (an empty [alertmanager.default_route] takes every alert)");
    }
    r.finish();
}

}  // namespace tocsin::config
