// The parts of Go's fmt and strconv that Prometheus' alert templates show
// through beyond tocsin/core/go_format.hpp (float formatting, %q):
// strconv.ParseFloat's syntax and time.Time's String(). Internal to the rules
// module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tocsin/core/go_format.hpp"

namespace tocsin::rules::gofmt {

// %v, strconv.FormatFloat and strconv.Quote, shared with the promql module.
using tocsin::gofmt::format_float;
using tocsin::gofmt::quote;

// strconv.ParseFloat(s, 64): decimal and hexadecimal floats, "Inf",
// "+Infinity", "NaN" in any case, '_' between digits after a base prefix.
// nullopt on a syntax error; out-of-range values come back as ±Inf with
// `range_error` set, as Go does.
std::optional<double> parse_float(std::string_view s, bool* range_error = nullptr);

// time.Time.String() of a UTC time given as Unix milliseconds:
// "2006-01-02 15:04:05.999999999 +0000 UTC" (fraction trimmed, omitted when 0).
std::string format_utc_time(std::int64_t unix_millis);

}  // namespace tocsin::rules::gofmt
