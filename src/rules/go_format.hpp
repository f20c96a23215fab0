// The parts of Go's fmt and strconv that Prometheus' alert templates show
// through: float formatting (%v, %e, %f, %g with Go's spelling of NaN and
// infinities), strconv.ParseFloat's syntax, and time.Time's String().
// Internal to the rules module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tocsin::rules::gofmt {

// strconv.FormatFloat(v, verb, precision, 64) for verb 'e', 'f' or 'g';
// precision -1 means the shortest digits that round-trip. NaN is "NaN",
// infinities "+Inf" and "-Inf".
std::string format_float(double v, char verb, int precision);

// fmt.Sprint(float64) (%v): shortest digits, exponent form when the decimal
// exponent is below -4 or at least 6 ("1e+06"), as Go does.
inline std::string format_float_v(double v) { return format_float(v, 'g', -1); }

// strconv.ParseFloat(s, 64): decimal and hexadecimal floats, "Inf",
// "+Infinity", "NaN" in any case, '_' between digits after a base prefix.
// nullopt on a syntax error; out-of-range values come back as ±Inf with
// `range_error` set, as Go does.
std::optional<double> parse_float(std::string_view s, bool* range_error = nullptr);

// time.Time.String() of a UTC time given as Unix milliseconds:
// "2006-01-02 15:04:05.999999999 +0000 UTC" (fraction trimmed, omitted when 0).
std::string format_utc_time(std::int64_t unix_millis);

// strconv.Quote of a string (%q), for messages.
std::string quote(std::string_view s);

}  // namespace tocsin::rules::gofmt
