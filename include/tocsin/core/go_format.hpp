// The bits of Go's fmt, strconv and unicode/utf8 behaviour that Prometheus'
// messages, printers and templates show through: rune decoding, %q quoting,
// %#U, and float formatting (%v and strconv.FormatFloat). Shared by the
// promql and rules modules; each function matches Go bit for bit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tocsin::gofmt {

inline constexpr char32_t k_rune_error = 0xFFFD;

struct Rune {
    char32_t value = 0;
    std::size_t width = 0;  // 0 only at the end of the input
};

// utf8.DecodeRuneInString: invalid or truncated sequences decode as
// (U+FFFD, 1); at the end of `s` the width is 0.
Rune decode_rune(std::string_view s, std::size_t pos) noexcept;

// utf8.AppendRune for a valid rune (no replacement of invalid ones).
void append_utf8(std::string& out, char32_t r);

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

// fmt.Sprint(float64) (%v): the shortest digits that round-trip, in exponent
// form below 1e-4 and from 1e6 on, as %g does ("1e+06", "+Inf", "NaN").
std::string format_float(double v);

// strconv.FormatFloat(v, verb, precision, 64) for verb 'e', 'f' or 'g';
// precision -1 means the shortest digits that round-trip ('f', -1 pads the
// shortest digits with zeros: 1e23 is 1 and 23 zeros). NaN is "NaN",
// infinities "+Inf" and "-Inf".
std::string format_float(double v, char verb, int precision);

}  // namespace tocsin::gofmt
