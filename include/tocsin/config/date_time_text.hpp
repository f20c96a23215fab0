// The shape of dates and times as people write them, shared by the config
// readers ([[maintenance]], [[schedule]], [business_hours]) and by the
// paging core's callers (`tocsin oncall --at`): "YYYY-MM-DD",
// "YYYY-MM-DD[T ]HH:MM[:SS[.fraction]]" and a UTC offset "Z" or "+HH:MM".
//
// Only the spelling is checked here: the fields are not checked against the
// calendar or the clock, so each caller keeps its own rules and messages
// (which fields it allows, leap seconds, years before 1970). No time-zone
// library behind it.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace tocsin::config {

// The fields of a written date or date and time.
struct DateTimeFields {
    int year = 0, month = 0, day = 0;
    int hour = 0, minute = 0, second = 0;  // 0 for a bare date; second 0 when not written
    std::string_view fraction;             // the digits after "SS.", empty when none
    std::string_view rest;                 // what follows the time (an offset, or junk), empty when nothing
};

// Exactly "YYYY-MM-DD"; nullopt otherwise.
std::optional<DateTimeFields> scan_date(std::string_view s);

// "YYYY-MM-DD" and "T", "t" or " " and "HH:MM", then optionally ":SS" and
// after it optionally "." and at least one digit; whatever follows is left
// in `rest`. nullopt when `s` does not start so.
std::optional<DateTimeFields> scan_date_time(std::string_view s);

// A written offset from UTC: "Z" or "z" (zero), or "+HH:MM" / "-HH:MM".
struct UtcOffsetFields {
    bool negative = false;
    int hours = 0, minutes = 0;

    bool in_range() const { return hours <= 23 && minutes <= 59; }
    std::chrono::minutes value() const { return std::chrono::minutes((negative ? -1 : 1) * (hours * 60 + minutes)); }
};

// Exactly one of those spellings (hours and minutes not range-checked:
// see in_range()); nullopt otherwise.
std::optional<UtcOffsetFields> scan_utc_offset(std::string_view s);

}  // namespace tocsin::config
