// [[maintenance]]: planned work, during which matching alerts declare no
// incident. A window starts at a wall-clock time in its time zone (an
// instant written with an offset is converted to that wall clock), lasts
// `duration` or until `end`, and may repeat daily or weekly at the same wall
// time. Time zones are IANA names resolved with Howard Hinnant's date/tz
// over the system's tzdata.
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <variant>

#include "name_index.hpp"
#include "sections.hpp"
#include "tocsin/core/ascii.hpp"
#include "tocsin/promql/parser.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;

// A one-off window lasts at most this long (a year); repeating ones less
// than their period.
constexpr Duration k_max_window = std::chrono::hours(24 * 7 * 52);

constexpr std::array<std::string_view, 7> k_day_names = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> k_day_full_names = {"sunday",   "monday", "tuesday", "wednesday",
                                                              "thursday", "friday", "saturday"};

const std::string k_date_time_usage =
    " (use \"YYYY-MM-DD HH:MM[:SS]\" for a wall-clock time in time_zone, or an instant such as "
    "\"2026-03-29T00:30:00Z\" or \"2026-03-29T02:30:00+02:00\")";

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// A date and time as written: wall-clock fields, and an offset from UTC when
// it names an instant.
struct WrittenTime {
    date::local_seconds local;
    std::optional<std::chrono::minutes> offset;
};

// Checks the fields and builds the time; an error message on failure.
std::variant<WrittenTime, std::string> make_time(int year, int month, int day, int hour, int minute, int second,
                                                 std::optional<std::chrono::minutes> offset) {
    const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                   date::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return std::string("no such date");
    if (year < 1970) return std::string("must not be before 1970");
    if (hour > 23 || minute > 59 || second > 59) return std::string("no such time of day");
    const auto local = date::local_days{ymd} + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                       std::chrono::seconds(second);
    return WrittenTime{local, offset};
}

// "YYYY-MM-DD[T ]HH:MM[:SS]" with an optional "Z" or "+HH:MM"/"-HH:MM".
std::variant<WrittenTime, std::string> parse_time(std::string_view s) {
    const std::string invalid = "invalid date and time " + quoted(s) + k_date_time_usage;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!parse_fixed_digits(s, 0, 4, year) || s.size() < 16 || s[4] != '-' || !parse_fixed_digits(s, 5, 2, month) || s[7] != '-' ||
        !parse_fixed_digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !parse_fixed_digits(s, 11, 2, hour) ||
        s[13] != ':' || !parse_fixed_digits(s, 14, 2, minute)) {
        return invalid;
    }
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
        if (!parse_fixed_digits(s, pos + 1, 2, second)) return invalid;
        pos += 3;
    }
    std::optional<std::chrono::minutes> offset;
    std::string_view rest = s.substr(pos);
    if (rest == "Z" || rest == "z") {
        offset = 0min;
    } else if (!rest.empty()) {
        int oh = 0, om = 0;
        if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || !parse_fixed_digits(rest, 1, 2, oh) || rest[3] != ':' ||
            !parse_fixed_digits(rest, 4, 2, om)) {
            return invalid;
        }
        if (oh > 23 || om > 59) return "invalid offset " + quoted(rest) + " (use +HH:MM or -HH:MM, e.g. +02:00)";
        offset = std::chrono::minutes((rest[0] == '-' ? -1 : 1) * (oh * 60 + om));
    }
    auto made = make_time(year, month, day, hour, minute, second, offset);
    if (auto* message = std::get_if<std::string>(&made)) return "invalid date and time " + quoted(s) + ": " + *message;
    return made;
}

// `key` as a string or a TOML date-time (2026-03-29T01:30:00, with or
// without an offset); nullopt when absent or invalid (reported).
std::optional<WrittenTime> read_time(TableReader& r, std::string_view key) {
    const toml::node* node = r.node(key);
    if (node == nullptr) return std::nullopt;
    std::variant<WrittenTime, std::string> parsed;
    if (node->is_string()) {
        parsed = parse_time(node->as_string()->get());
    } else if (node->is_date_time()) {
        const toml::date_time& dt = node->as_date_time()->get();
        std::optional<std::chrono::minutes> offset;
        if (dt.offset) offset = std::chrono::minutes(dt.offset->minutes);
        if (dt.time.nanosecond != 0) {
            parsed = std::string("fractions of a second are not supported");
        } else {
            parsed = make_time(dt.date.year, dt.date.month, dt.date.day, dt.time.hour, dt.time.minute, dt.time.second,
                               offset);
        }
    } else {
        r.error(key, std::string("expected a date and time such as \"2026-03-29 01:30\", got ") +
                         type_name(node->type()));
        return std::nullopt;
    }
    if (auto* message = std::get_if<std::string>(&parsed)) {
        r.error(key, *message);
        return std::nullopt;
    }
    return std::get<WrittenTime>(parsed);
}

// The wall-clock time in `zone` of what was written.
date::local_seconds to_local(const WrittenTime& t, const date::time_zone& zone) {
    if (!t.offset) return t.local;
    const date::sys_seconds instant{(t.local - *t.offset).time_since_epoch()};
    return zone.to_local(instant);
}

// The instant a wall-clock time stands for; a time skipped by a
// daylight-saving change stands for the change, a repeated one for its first
// occurrence.
date::sys_seconds to_instant(date::local_seconds local, const date::time_zone& zone) {
    return zone.to_sys(local, date::choose::earliest);
}

const date::time_zone* find_zone(TableReader& r, const std::string& name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
    }
    std::string message = "unknown time zone " + quoted(name) + " (use an IANA name such as \"Europe/Madrid\" or \"UTC\")";
    try {
        std::vector<std::string> names;
        const date::tzdb& db = date::get_tzdb();
        for (const auto& zone : db.zones) names.push_back(zone.name());
#if !USE_OS_TZDB
        for (const auto& link : db.links) names.push_back(link.name());
#endif
        if (names.empty()) {
            message += "; the time zone database is empty: is tzdata installed?";
        } else if (auto guess = closest_match(name, names)) {
            message += "; did you mean " + quoted(*guess) + "?";
        }
    } catch (const std::exception& e) {
        message += "; cannot read the time zone database: " + std::string(e.what());
    }
    r.error("time_zone", std::move(message));
    return nullptr;
}

void check_match(TableReader& r, const std::string& text) {
    const std::string usage = " (write label matchers in braces, such as {env=\"staging\", service=~\"db.*\"})";
    auto parsed = promql::parse_expr(text);
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
        std::string fallback = "at " + std::to_string(error->line) + ":" + std::to_string(error->column) +
                               " of the matchers: ";
        r.error_inside(r.node("match"), r.key_path("match"), error->position, "parse error: " + error->message,
                       fallback);
        return;
    }
    const auto& tree = std::get<promql::ExprPtr>(parsed);
    const auto* selector = tree->as<promql::VectorSelector>();
    if (selector == nullptr) {
        r.error("match", "must be only label matchers" + usage);
    } else if (!selector->name.empty()) {
        r.error("match", "a metric name is not allowed: alerts have none" + usage);
    } else if (selector->offset != Duration::zero() || selector->at.is_set()) {
        r.error("match", "offset and @ are not allowed: a window matches alert labels" + usage);
    } else {
        for (const auto& matcher : selector->matchers) {
            if (matcher.name() == "__name__") {
                r.error("match", "alerts have no __name__ label" + usage);
                break;
            }
        }
    }
}

// weekdays = ["mon", "fri"] (full names and any case accepted), sorted and
// unique as 0 = Sunday .. 6 = Saturday; false when some entry is bad.
bool read_weekdays(TableReader& r, std::vector<int>& out) {
    std::vector<std::string> names;
    if (!r.string_list("weekdays", names)) return false;
    if (names.empty()) {
        r.error("weekdays", "must list at least one day");
        return false;
    }
    bool ok = true;
    std::vector<int> days;
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::string name = names[i];
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        int day = -1;
        for (int d = 0; d < 7; ++d) {
            if (name == k_day_names[static_cast<std::size_t>(d)] || name == k_day_full_names[static_cast<std::size_t>(d)]) day = d;
        }
        if (day < 0) {
            std::string message = "invalid weekday " + quoted(names[i]) +
                                  " (expected \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" or \"sun\")";
            std::vector<std::string> candidates(k_day_names.begin(), k_day_names.end());
            candidates.insert(candidates.end(), k_day_full_names.begin(), k_day_full_names.end());
            if (auto guess = closest_match(name, candidates)) {
                message += "; did you mean " + quoted(guess->substr(0, 3)) + "?";
            }
            r.error_in("weekdays", std::to_string(i), std::move(message));
            ok = false;
        } else if (std::find(days.begin(), days.end(), day) != days.end()) {
            r.error_in("weekdays", std::to_string(i), quoted(names[i]) + " is listed twice");
            ok = false;
        } else {
            days.push_back(day);
        }
    }
    if (!ok) return false;
    std::sort(days.begin(), days.end());
    out = std::move(days);
    return true;
}

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
    if (r.string("match", w.match)) check_match(r, w.match);
    if (!r.has("components") && !r.has("match")) {
        r.error_at_table("missing \"components\" or \"match\": say which alerts the window covers");
    }

    // The time zone first: start and end are read in it.
    const date::time_zone* zone = nullptr;
    if (r.string("time_zone", w.time_zone)) {
        zone = find_zone(r, w.time_zone);
    } else if (!r.has("time_zone")) {
        zone = find_zone(r, w.time_zone);
    }

    r.require("start");
    std::optional<date::local_seconds> start;
    if (auto written = read_time(r, "start"); written && zone != nullptr) {
        date::local_seconds local = to_local(*written, *zone);
        const date::year year = date::year_month_day(date::floor<date::days>(local)).year();
        if (year < date::year(1970) || year > date::year(9999)) {
            // Only an offset can move a written year out of range.
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
        if (!read_weekdays(r, w.weekdays)) return;
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

}  // namespace tocsin::config
