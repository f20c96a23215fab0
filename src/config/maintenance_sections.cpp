// [[maintenance]]: planned work, during which matching alerts declare no
// incident. A window starts at a wall-clock time in its time zone (an
// instant written with an offset is converted to that wall clock), lasts
// `duration` or until `end`, and may repeat daily or weekly at the same wall
// time. Time zones are IANA names resolved with Howard Hinnant's date/tz
// over the system's tzdata.
#include <algorithm>
#include <variant>

#include "name_index.hpp"
#include "sections.hpp"
#include "tocsin/promql/parser.hpp"
#include "wall_clock_reader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;

// A one-off window lasts at most this long (a year); repeating ones less
// than their period.
constexpr Duration k_max_window = std::chrono::hours(24 * 7 * 52);

// The shortest time from one weekly occurrence's start to the next.
Duration shortest_gap(const std::vector<int>& days) {
    int gap = 7;
    for (std::size_t i = 0; i < days.size(); ++i) {
        int next = i + 1 < days.size() ? days[i + 1] : days.front() + 7;
        gap = std::min(gap, next - days[i]);
    }
    return std::chrono::hours(24 * gap);
}

void read_window(TableReader& r, NameIndex& names, const NameIndex& components, MaintenanceConfig& w) {
    r.require("name");
    if (r.string("name", w.name) && check_printable(r, "name", w.name)) names.declare(r, "name", w.name);

    if (r.string_list("components", w.components)) {
        if (w.components.empty()) r.error("components", "must list at least one component");
        for (std::size_t i = 0; i < w.components.size(); ++i) {
            const std::string& name = w.components[i];
            auto begin = w.components.begin();
            if (std::find(begin, begin + static_cast<std::ptrdiff_t>(i), name) != begin + static_cast<std::ptrdiff_t>(i)) {
                r.error_in("components", std::to_string(i), quoted(name) + " is listed twice");
            } else {
                components.check_reference_in(r, "components", std::to_string(i), name);
            }
        }
    }
    if (r.string("match", w.match)) check_alert_matchers(r, "match", w.match);
    if (!r.has("components") && !r.has("match")) {
        r.error_at_table("missing \"components\" or \"match\": say which alerts the window covers");
    }

    // The time zone first: start and end are read in it. Known even when
    // absent, so that a misspelt key gets a "did you mean".
    r.node("time_zone");
    const date::time_zone* zone = read_zone(r, w.time_zone);

    r.require("start");
    std::optional<date::local_seconds> start;
    if (auto written = read_time(r, "start"); written && zone != nullptr) {
        date::local_seconds local = to_local(*written, *zone);
        if (!year_in_range(local)) {
            r.error("start", "is outside the years 1970 to 9999 in " + w.time_zone);
        } else {
            start = local;
            w.start_local = local.time_since_epoch();
        }
    }

    const bool has_duration = r.has("duration");
    const bool has_end = r.has("end");
    std::optional<Duration> length;
    if (has_duration && has_end) {
        r.node("end");
        r.error("end", "set either duration or end, not both");
    } else if (!has_duration && !has_end) {
        r.error_at_table("missing \"duration\" or \"end\": say how long the window lasts");
    }
    Duration duration{};
    if (r.duration("duration", duration, 1s, k_max_window)) {
        length = duration;
    } else if (has_end && !has_duration) {
        auto end = read_time(r, "end");
        if (end && start && zone != nullptr) {
            auto from = to_instant(*start, *zone);
            auto to = to_instant(to_local(*end, *zone), *zone);
            if (to <= from) {
                r.error("end", "must be after start");
            } else if (to - from > k_max_window) {
                r.error("end", "a window must last at most " + format_duration(k_max_window) + ", this one lasts " +
                                   format_duration(std::chrono::duration_cast<Duration>(to - from)));
            } else {
                length = std::chrono::duration_cast<Duration>(to - from);
            }
        }
    }
    if (length) w.length = *length;
    const std::string_view length_key = has_duration ? "duration" : "end";

    r.node("weekdays");  // known, whatever repeat turns out to be
    bool repeat_ok = !r.has("repeat") || r.enumeration("repeat", w.repeat,
                                                       {{"none", MaintenanceRepeat::none},
                                                        {"daily", MaintenanceRepeat::daily},
                                                        {"weekly", MaintenanceRepeat::weekly}});
    if (!repeat_ok) return;
    if (w.repeat != MaintenanceRepeat::weekly) {
        if (r.has("weekdays")) r.error("weekdays", "only applies to repeat = \"weekly\"");
    } else if (r.has("weekdays")) {
        if (!read_weekdays(r, "weekdays", w.weekdays)) return;
    } else if (start) {
        w.weekdays = {static_cast<int>(date::weekday(date::floor<date::days>(*start)).c_encoding())};
    } else {
        return;
    }

    if (!length) return;
    if (w.repeat == MaintenanceRepeat::daily && *length >= std::chrono::hours(24)) {
        r.error(length_key, "a daily window must last less than 1d (occurrences would overlap), this one lasts " +
                                format_duration(*length));
    } else if (w.repeat == MaintenanceRepeat::weekly) {
        Duration gap = shortest_gap(w.weekdays);
        if (*length >= gap) {
            std::string why = w.weekdays.size() == 1 ? "a weekly window must last less than 1w"
                                                     : "this window repeats " + format_duration(gap) +
                                                           " apart at the closest of its weekdays, so it must last less";
            r.error(length_key, why + " (occurrences would overlap), this one lasts " + format_duration(*length));
        }
    }
}

}  // namespace

void read_maintenance(TableReader& root, const std::vector<ComponentConfig>& components,
                      std::vector<MaintenanceConfig>& out) {
    const toml::array* list = root.array_of_tables("maintenance");
    if (list == nullptr) return;
    NameIndex component_names("component");
    for (const auto& c : components) component_names.insert(c.name);
    NameIndex names("maintenance window");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& table = *list->get(i)->as_table();
        TableReader r(root.context(), table, "maintenance[" + std::to_string(i) + "]");
        MaintenanceConfig window;
        read_window(r, names, component_names, window);
        r.finish();
        out.push_back(std::move(window));
    }
}

void check_alert_matchers(TableReader& r, std::string_view key, const std::string& text) {
    const std::string usage = " (write label matchers in braces, such as {env=\"staging\", service=~\"db.*\"})";
    auto parsed = promql::parse_expr(text);
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
        std::string fallback = "at " + std::to_string(error->line) + ":" + std::to_string(error->column) +
                               " of the matchers: ";
        r.error_inside(r.node(key), r.key_path(key), error->position, "parse error: " + error->message,
                       fallback);
        return;
    }
    const auto& tree = std::get<promql::ExprPtr>(parsed);
    const auto* selector = tree->as<promql::VectorSelector>();
    if (selector == nullptr) {
        r.error(key, "must be only label matchers" + usage);
    } else if (!selector->name.empty()) {
        r.error(key, "a metric name is not allowed: alerts have none" + usage);
    } else if (selector->offset != Duration::zero() || selector->at.is_set()) {
        r.error(key, "offset and @ are not allowed: a window matches alert labels" + usage);
    } else {
        for (const auto& matcher : selector->matchers) {
            if (matcher.name() == "__name__") {
                r.error(key, "alerts have no __name__ label" + usage);
                break;
            }
        }
    }
}


}  // namespace tocsin::config
