// Wall-clock times in IANA time zones for the paging core's callers (the
// `tocsin oncall` command, later the router and messages): times as people
// type them, the instants they stand for, and how instants are shown.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::paging {

// A time as typed: either an instant (RFC 3339 with "Z" or an offset,
// fractions of a second allowed: "2026-03-04T10:00:00Z",
// "2026-03-04T11:00:00.5+01:00") or a wall-clock time still to be read in
// some time zone ("2026-03-04 11:00", "2026-03-04T11:00:30").
struct TypedTime {
    std::optional<TimePoint> instant;  // set for an instant
    std::chrono::seconds local{0};     // otherwise: seconds since 1970-01-01T00:00 of the wall clock

    bool operator==(const TypedTime&) const = default;
};

// An invalid_argument error naming the text and the accepted forms.
Result<TypedTime> parse_typed_time(std::string_view text);

// The instant of wall-clock time `local` in `zone`: a time skipped by a
// daylight-saving change stands for the change itself, a repeated one for
// its first occurrence (as everywhere in tocsin). An error for an unknown zone.
Result<TimePoint> instant_of(std::chrono::seconds local, const std::string& zone);

// `typed` read in `zone`; an instant stays what it is.
Result<TimePoint> resolve(const TypedTime& typed, const std::string& zone);

// t as the wall clock of `zone` with weekday and abbreviation,
// "Mon 2026-03-09 09:00 CET" (seconds shown when not zero); in UTC when
// the zone is unknown.
std::string format_wall_clock(TimePoint t, const std::string& zone);

}  // namespace tocsin::paging
