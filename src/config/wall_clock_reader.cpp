#include "wall_clock_reader.hpp"

#include <algorithm>
#include <cctype>
#include <exception>

#include "sections.hpp"
#include "tocsin/config/date_time_text.hpp"
#include "tocsin/core/ascii.hpp"

namespace tocsin::config {
namespace {

const std::string k_clock_usage = " (use HH:MM, e.g. 09:00)";
const std::string k_date_time_usage =
    " (use \"YYYY-MM-DD HH:MM[:SS]\" for a wall-clock time in time_zone, or an instant such as "
    "\"2026-03-29T00:30:00Z\" or \"2026-03-29T02:30:00+02:00\")";
const std::string k_start_usage =
    " (use \"YYYY-MM-DD\" to start at the handoff time that day, \"YYYY-MM-DD HH:MM[:SS]\" for a wall-clock time "
    "in the schedule's time_zone, or an instant such as \"2026-03-29T00:30:00Z\")";

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Checks the fields and builds the time; an error message on failure.
std::variant<WrittenTime, std::string> make_time(int year, int month, int day, int hour, int minute, int second,
                                                 std::optional<std::chrono::minutes> offset) {
    auto ymd = make_date(year, month, day);
    if (!ymd) return std::string("no such date");
    if (year < 1970) return std::string("must not be before 1970");
    if (hour > 23 || minute > 59 || second > 59) return std::string("no such time of day");
    const auto local =
        date::local_days{*ymd} + std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second);
    return WrittenTime{local, offset, false};
}

// A date only, at midnight.
std::variant<WrittenTime, std::string> make_day(int year, int month, int day) {
    auto made = make_time(year, month, day, 0, 0, 0, std::nullopt);
    if (auto* written = std::get_if<WrittenTime>(&made)) written->date_only = true;
    return made;
}

// "YYYY-MM-DD[T ]HH:MM[:SS]" with an optional "Z" or "+HH:MM"/"-HH:MM";
// also a bare "YYYY-MM-DD" when `allow_date`.
std::variant<WrittenTime, std::string> parse_time(std::string_view s, bool allow_date) {
    const std::string& usage = allow_date ? k_start_usage : k_date_time_usage;
    const std::string invalid = "invalid date and time " + quoted(s) + usage;
    if (allow_date && s.size() == 10) {
        auto fields = scan_date(s);
        if (!fields) return invalid;
        auto made = make_day(fields->year, fields->month, fields->day);
        if (auto* message = std::get_if<std::string>(&made)) return "invalid date " + quoted(s) + ": " + *message;
        return made;
    }
    auto fields = scan_date_time(s);
    if (!fields || !fields->fraction.empty()) return invalid;
    std::optional<std::chrono::minutes> offset;
    if (!fields->rest.empty()) {
        auto written = scan_utc_offset(fields->rest);
        if (!written) return invalid;
        if (!written->in_range()) {
            return "invalid offset " + quoted(fields->rest) + " (use +HH:MM or -HH:MM, e.g. +02:00)";
        }
        offset = written->value();
    }
    auto made =
        make_time(fields->year, fields->month, fields->day, fields->hour, fields->minute, fields->second, offset);
    if (auto* message = std::get_if<std::string>(&made)) return "invalid date and time " + quoted(s) + ": " + *message;
    return made;
}

// The zone called `name` (the value of `key`), or nullptr (reported, with a
// "did you mean" from the database's names).
const date::time_zone* find_zone(TableReader& r, std::string_view key, const std::string& name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
    }
    std::string message =
        "unknown time zone " + quoted(name) + " (use an IANA name such as \"Europe/Madrid\" or \"UTC\")";
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
    r.error(key, std::move(message));
    return nullptr;
}

}  // namespace

// ---- times of day ----

std::string format_clock(std::chrono::minutes m) {
    auto two = [](long v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
    return two(m.count() / 60) + ":" + two(m.count() % 60);
}

std::variant<std::chrono::minutes, std::string> parse_clock(std::string_view s, bool allow_24) {
    int h = 0, m = 0;
    if (s.size() != 5 || !parse_fixed_digits(s, 0, 2, h) || s[2] != ':' || !parse_fixed_digits(s, 3, 2, m) || m > 59 ||
        h > 24 || (h == 24 && m != 0)) {
        return "invalid time of day " + quoted(s) + k_clock_usage;
    }
    if (h == 24 && !allow_24) return std::string("24:00 can only end a span of time (use 00:00)");
    return std::chrono::minutes(h * 60 + m);
}

bool read_clock(TableReader& r, std::string_view key, std::chrono::minutes& out, bool allow_24) {
    const toml::node* node = r.node(key);
    if (node == nullptr) return false;
    std::variant<std::chrono::minutes, std::string> parsed;
    if (node->is_string()) {
        parsed = parse_clock(node->as_string()->get(), allow_24);
    } else if (node->is_time()) {
        const toml::time& t = node->as_time()->get();
        if (t.second != 0 || t.nanosecond != 0) {
            parsed = std::string("seconds are not supported") + k_clock_usage;
        } else {
            parsed = std::chrono::minutes(t.hour * 60 + t.minute);
        }
    } else {
        r.error(key, std::string("expected a time of day such as \"09:00\", got ") + type_name(node->type()));
        return false;
    }
    if (auto* message = std::get_if<std::string>(&parsed)) {
        r.error(key, *message);
        return false;
    }
    out = std::get<std::chrono::minutes>(parsed);
    return true;
}

// ---- weekdays ----

std::optional<int> weekday_of(std::string name) {
    name = lower(std::move(name));
    for (int d = 0; d < 7; ++d) {
        const auto i = static_cast<std::size_t>(d);
        if (name == k_day_names[i] || name == k_day_full_names[i]) return d;
    }
    return std::nullopt;
}

std::string invalid_weekday(const std::string& written) {
    std::string message = "invalid weekday " + quoted(written) +
                          " (expected \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" or \"sun\")";
    std::vector<std::string> candidates(k_day_names.begin(), k_day_names.end());
    candidates.insert(candidates.end(), k_day_full_names.begin(), k_day_full_names.end());
    if (auto guess = closest_match(lower(written), candidates)) {
        message += "; did you mean " + quoted(guess->substr(0, 3)) + "?";
    }
    return message;
}

bool read_weekdays(TableReader& r, std::string_view key, std::vector<int>& out) {
    std::vector<std::string> names;
    if (!r.string_list(key, names)) return false;
    if (names.empty()) {
        r.error(key, "must list at least one day");
        return false;
    }
    bool ok = true;
    std::vector<int> days;
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto day = weekday_of(names[i]);
        if (!day) {
            r.error_in(key, std::to_string(i), invalid_weekday(names[i]));
            ok = false;
        } else if (std::find(days.begin(), days.end(), *day) != days.end()) {
            r.error_in(key, std::to_string(i), quoted(names[i]) + " is listed twice");
            ok = false;
        } else {
            days.push_back(*day);
        }
    }
    if (!ok) return false;
    std::sort(days.begin(), days.end());
    out = std::move(days);
    return true;
}

// ---- dates and times ----

std::optional<date::year_month_day> make_date(int year, int month, int day) {
    const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                   date::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

std::optional<date::year_month_day> parse_date(std::string_view s) {
    auto fields = scan_date(s);
    if (!fields) return std::nullopt;
    return make_date(fields->year, fields->month, fields->day);
}

std::optional<WrittenTime> read_time(TableReader& r, std::string_view key, bool allow_date) {
    const toml::node* node = r.node(key);
    if (node == nullptr) return std::nullopt;
    std::variant<WrittenTime, std::string> parsed;
    if (node->is_string()) {
        parsed = parse_time(node->as_string()->get(), allow_date);
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
    } else if (node->is_date() && allow_date) {
        const toml::date& d = node->as_date()->get();
        parsed = make_day(d.year, d.month, d.day);
    } else {
        r.error(key, std::string(allow_date ? "expected a date such as \"2026-03-02\" or a date and time, got "
                                            : "expected a date and time such as \"2026-03-29 01:30\", got ") +
                         type_name(node->type()));
        return std::nullopt;
    }
    if (auto* message = std::get_if<std::string>(&parsed)) {
        r.error(key, *message);
        return std::nullopt;
    }
    return std::get<WrittenTime>(parsed);
}

date::local_seconds to_local(const WrittenTime& t, const date::time_zone& zone) {
    if (!t.offset) return t.local;
    const date::sys_seconds instant{(t.local - *t.offset).time_since_epoch()};
    return zone.to_local(instant);
}

date::sys_seconds to_instant(date::local_seconds local, const date::time_zone& zone) {
    return zone.to_sys(local, date::choose::earliest);
}

bool year_in_range(date::local_seconds local) {
    const date::year year = date::year_month_day(date::floor<date::days>(local)).year();
    return year >= date::year(1970) && year <= date::year(9999);
}

// ---- time zones ----

const date::time_zone* read_zone(TableReader& r, std::string& name) {
    if (r.has("time_zone") && !r.string("time_zone", name)) return nullptr;
    return find_zone(r, "time_zone", name);
}

}  // namespace tocsin::config
