// The bits of Go's fmt/strconv/utf8 behaviour Prometheus' PromQL messages and
// printer depend on: rune decoding, %q quoting, %#U and float formatting.
// Internal to the promql module.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tocsin::promql::gotext {

inline constexpr char32_t k_rune_error = 0xFFFD;

struct Rune {
    char32_t value = 0;
    std::size_t width = 0;  // 0 only at the end of the input
};

// utf8.DecodeRuneInString: invalid or truncated sequences decode as
// (U+FFFD, 1); at the end of `s` the width is 0.
Rune decode_rune(std::string_view s, std::size_t pos) noexcept;

// unicode.IsPrint, approximated: ASCII graphic characters and space, and any
// valid non-ASCII rune outside the control, format, separator, private-use,
// surrogate and noncharacter ranges and the unassigned planes (gaps inside
// the BMP and SMP count as printable).
bool is_print(char32_t r) noexcept;

// strconv.Quote / %q of a string.
std::string quote(std::string_view s);
// %.<runes>q: quote only the first `runes` runes.
std::string quote_prefix(std::string_view s, std::size_t runes);
// strconv.QuoteRune / %q of a rune.
std::string quote_rune(char32_t r);
// %#U: U+0063 'c' (the character only when printable).
std::string unicode_format(char32_t r);

// fmt.Sprint(float64): the shortest digits that round-trip, in exponent
// form below 1e-4 and from 1e6 on, as %g does ("1e+06", "+Inf", "NaN").
std::string format_float(double v);
// %f with Go's spelling of infinities and NaN.
std::string format_fixed(double v, int decimals);

}  // namespace tocsin::promql::gotext
