// Shared by the paging tests: instants written as UTC or as the wall clock of
// Madrid and New York in 2026, computed from the published daylight-saving
// rules rather than with the time zone library under test.
#pragma once

#include <chrono>
#include <string>

#include "tocsin/core/clock.hpp"

namespace tocsin::paging::testing {

using namespace std::chrono;

inline TimePoint utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return TimePoint{sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss}};
}

// Wall-clock seconds as config::ScheduleLayerConfig::start_local holds them.
inline seconds wall(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
    return (sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm}).time_since_epoch();
}

// 2026 in Europe/Madrid: CET (+1), CEST (+2) from 2026-03-29 01:00 UTC to
// 2026-10-25 01:00 UTC.
inline int madrid_offset_hours(TimePoint t) { return t >= utc(2026, 3, 29, 1) && t < utc(2026, 10, 25, 1) ? 2 : 1; }
// 2026 in America/New_York: EST (-5), EDT (-4) from 2026-03-08 07:00 UTC to
// 2026-11-01 06:00 UTC.
inline int new_york_offset_hours(TimePoint t) { return t >= utc(2026, 3, 8, 7) && t < utc(2026, 11, 1, 6) ? -4 : -5; }

// A Madrid or New York wall-clock time of 2026 (the first one of a time
// that happens twice; not one that is skipped).
inline TimePoint madrid(unsigned m, unsigned d, int hh, int mm = 0) {
    const TimePoint fields = utc(2026, m, d, hh, mm);
    if (madrid_offset_hours(fields - hours(2)) == 2) return fields - hours(2);
    return fields - hours(1);
}
inline TimePoint new_york(unsigned m, unsigned d, int hh, int mm = 0) {
    const TimePoint fields = utc(2026, m, d, hh, mm);
    if (new_york_offset_hours(fields + hours(4)) == -4) return fields + hours(4);
    return fields + hours(5);
}

// The local wall clock of t, as a TimePoint whose UTC fields read it.
inline TimePoint madrid_local(TimePoint t) { return t + hours(madrid_offset_hours(t)); }
inline TimePoint new_york_local(TimePoint t) { return t + hours(new_york_offset_hours(t)); }

// 0 = Sunday of a wall clock read as above.
inline int weekday_of(TimePoint local) { return static_cast<int>(weekday{floor<days>(local)}.c_encoding()); }
inline minutes time_of_day(TimePoint local) { return floor<minutes>(local - floor<days>(local)); }

}  // namespace tocsin::paging::testing
