// Number parsing with the exact acceptance rules Prometheus 2.42 applies to
// sample values and timestamps: Go's strconv.ParseFloat(s, 64) behind
// Prometheus' own guard against 'p', 'P' and '_' (no hex floats, no digit
// separators). Internal to the scrape module.
#pragma once

#include <cstdint>
#include <string_view>

namespace tocsin::scrape {

enum class FloatStatus {
    ok,
    syntax,        // not a number Go accepts
    unsupported,   // contains 'p', 'P' or '_', refused before Go looks at it
    out_of_range,  // overflows float64 (Go's ErrRange); underflow rounds to zero
};

// Accepts [+-]digits[.digits][(e|E)[+-]digits] (at least one mantissa digit,
// either side of the point), [+-]inf / [+-]infinity and nan (no sign), the
// words in any case. NaN comes back as Prometheus' ordinary NaN bits.
FloatStatus parse_go_float(std::string_view text, double& out) noexcept;

inline constexpr std::uint64_t k_normal_nan_bits = 0x7ff8000000000001ULL;

// Go's int64(seconds * 1000) on amd64: truncation toward zero, and the
// "integer indefinite" value INT64_MIN when the product does not fit.
std::int64_t seconds_to_milliseconds(double seconds) noexcept;

// Digits only (the text format's timestamp token); false on overflow.
bool parse_int64_digits(std::string_view digits, std::int64_t& out) noexcept;

}  // namespace tocsin::scrape
