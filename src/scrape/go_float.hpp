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

// The common spelling of a sample value, digits[.digits], read in the same
// pass that finds its end: returns the byte after the last digit and sets
// `out`, or nullptr when the token needs parse_go_float (a sign, an
// exponent, more than 15 significant digits, no digit). The caller must
// still check that the token ends there. For what it accepts it gives
// parse_go_float's result: an exact mantissa divided by an exact power of
// ten rounds correctly (Clinger's fast path).
inline const char* parse_plain_decimal(const char* p, const char* end, double& out) noexcept {
    static constexpr double k_powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                          1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    std::uint64_t mantissa = 0;
    int digits = 0;  // significant: from the first non-zero one
    int scale = 0;   // after the point
    const char* const begin = p;
    for (; p < end && static_cast<unsigned char>(*p - '0') < 10; ++p) {
        mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
        digits += mantissa != 0;
    }
    bool any_digit = p != begin;
    if (p < end && *p == '.') {
        const char* frac = ++p;
        for (; p < end && static_cast<unsigned char>(*p - '0') < 10; ++p) {
            mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
            digits += mantissa != 0;
        }
        scale = static_cast<int>(p - frac);
        any_digit = any_digit || p != frac;
    }
    if (!any_digit || digits > 15 || scale > 22) return nullptr;
    // Most values are integers (counters, buckets): no division for them.
    out = scale == 0 ? static_cast<double>(mantissa) : static_cast<double>(mantissa) / k_powers[scale];
    return p;
}

inline constexpr std::uint64_t k_normal_nan_bits = 0x7ff8000000000001ULL;

// Go's int64(seconds * 1000) on amd64: truncation toward zero, and the
// "integer indefinite" value INT64_MIN when the product does not fit.
std::int64_t seconds_to_milliseconds(double seconds) noexcept;

// Digits only (the text format's timestamp token); false on overflow.
bool parse_int64_digits(std::string_view digits, std::int64_t& out) noexcept;

}  // namespace tocsin::scrape
