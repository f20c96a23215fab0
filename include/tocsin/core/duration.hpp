// Durations as operators write them: 500ms, 90s, 5m, 1h30m, 2d, 1w.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tocsin/core/clock.hpp"

namespace tocsin {

// Units must appear from largest to smallest, each at most once, with
// non-negative integer amounts (the Prometheus duration syntax).
std::optional<Duration> parse_duration(std::string_view text);

// The shortest canonical spelling, e.g. 5400000ms -> "1h30m"; 0 -> "0s".
std::string format_duration(Duration d);

// An instant as people read it in pages and logs, to the second:
// "2026-11-23 02:15:00 UTC".
std::string format_utc_time(TimePoint t);

}  // namespace tocsin
