// Go standard-library behaviour that Prometheus' test formats inherit:
// strconv's number syntax, fmt's %v for floats and %q for strings, and
// prometheus/common's model.ParseDuration. Private to the promql module.
#pragma once

#include <string>
#include <string_view>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/go_format.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::promql::go {

struct NumberParse {
    double value = 0;
    std::string error;  // empty on success; else strconv's message
    bool ok() const { return error.empty(); }
};

// strconv.ParseInt(s, 0, 64) converted to float64, falling back to
// strconv.ParseFloat(s, 64) (Prometheus' parser.number and test.go's
// parseNumber): 0x1F, 0b101, 0o17, 017 (octal), 1_000, 1e3, .5, Inf,
// -infinity, NaN, 0x1p-2.
NumberParse parse_number(std::string_view s);

// strconv.ParseFloat(s, 64) alone. Overflow is an error (value out of range),
// underflow is not.
NumberParse parse_float(std::string_view s);

// Go's math.NaN() bit pattern, so a parsed NaN is Prometheus' NaN.
double nan_value() noexcept;

// fmt's %v for a float64 and strconv.Quote, shared with the rules module.
using gofmt::format_float;
using gofmt::quote;

// model.ParseDuration of prometheus/common v0.39 (Prometheus v2.42): units
// y w d h m s ms, each at most once and in that order, "0" without unit,
// y = 365d; the total must fit time.Duration (int64 nanoseconds).
Result<Duration> parse_duration(std::string_view s);

}  // namespace tocsin::promql::go
