// Wall-clock values in config sections ([[maintenance]], [[person]],
// [[schedule]], [business_hours]): dates and times as written, times of day,
// weekday names and IANA time zones (Howard Hinnant's date/tz over the
// system's tzdata). Each reader reports its problems at the key's value and
// returns nothing (false, nullopt, nullptr) when the value is bad.
//
// Wall-clock times become instants as everywhere in tocsin: a time skipped
// by a daylight-saving change stands for the change, a repeated one for its
// first occurrence.
#pragma once

#include <date/tz.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tocsin/config/table_reader.hpp"

namespace tocsin::config {

// ---- times of day ----

// "HH:MM".
std::string format_clock(std::chrono::minutes m);
// "HH:MM"; "24:00" only when `allow_24` (an end). An error message on failure.
std::variant<std::chrono::minutes, std::string> parse_clock(std::string_view s, bool allow_24);
// A time of day under `key`: "HH:MM" or a TOML local time (09:00:00).
bool read_clock(TableReader& r, std::string_view key, std::chrono::minutes& out, bool allow_24);

// ---- weekdays ----

// By date::weekday::c_encoding(): 0 = Sunday .. 6 = Saturday.
inline constexpr std::array<std::string_view, 7> k_day_names = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
inline constexpr std::array<std::string_view, 7> k_day_full_names = {"sunday",   "monday", "tuesday", "wednesday",
                                                                     "thursday", "friday", "saturday"};

// "mon" or "monday" in any case; nullopt for anything else.
std::optional<int> weekday_of(std::string name);
// The message for a name weekday_of refused, with a "did you mean".
std::string invalid_weekday(const std::string& written);
// A list of weekdays under `key`, sorted and unique; false when it is empty
// or some entry is bad or repeated.
bool read_weekdays(TableReader& r, std::string_view key, std::vector<int>& out);

// ---- dates and times ----

// A date or date and time as written: wall-clock fields, an offset from UTC
// when it names an instant, and whether only a date was written.
struct WrittenTime {
    date::local_seconds local;
    std::optional<std::chrono::minutes> offset;
    bool date_only = false;
};

// A real date, or nullopt.
std::optional<date::year_month_day> make_date(int year, int month, int day);
// "YYYY-MM-DD" naming a real date, or nullopt.
std::optional<date::year_month_day> parse_date(std::string_view s);

// `key` as a string "YYYY-MM-DD[T ]HH:MM[:SS]" with an optional "Z" or
// "+HH:MM"/"-HH:MM", as a TOML date-time (with or without an offset) or,
// when `allow_date` (a layer's start), also as a bare date, string or TOML;
// from 1970 on. nullopt when absent or invalid (reported).
std::optional<WrittenTime> read_time(TableReader& r, std::string_view key, bool allow_date = false);

// The wall-clock time in `zone` of what was written.
date::local_seconds to_local(const WrittenTime& t, const date::time_zone& zone);
// The instant a wall-clock time stands for (see above).
date::sys_seconds to_instant(date::local_seconds local, const date::time_zone& zone);
// Whether `local` falls in the years 1970 to 9999 (only an offset can move a
// written year out of them).
bool year_in_range(date::local_seconds local);

// ---- time zones ----

// `time_zone` into `name` (which keeps its default, UTC, when absent) and
// its zone; nullptr when it is bad (reported, with a "did you mean" from the
// database's names).
const date::time_zone* read_zone(TableReader& r, std::string& name);

}  // namespace tocsin::config
