#include "go_float.hpp"

#include <bit>
#include <charconv>
#include <limits>
#include <system_error>

namespace tocsin::scrape {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view lower_b) {
    if (a.size() != lower_b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower_b[i]) return false;
    }
    return true;
}

// Checks the decimal grammar Go accepts and estimates the decimal exponent of
// the leading significant digit, which is all that is needed to tell an
// overflow (an error in Go) from an underflow (silently zero in Go) when
// from_chars reports "out of range" for both.
bool decimal_grammar(std::string_view s, long& magnitude) {
    std::size_t i = 0;
    long int_digits = 0;
    long first_nonzero = -1;  // index among mantissa digits
    long digit_index = 0;
    bool seen_point = false;
    bool seen_digit = false;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (is_digit(c)) {
            seen_digit = true;
            if (c != '0' && first_nonzero < 0) first_nonzero = digit_index;
            ++digit_index;
            if (!seen_point) ++int_digits;
        } else if (c == '.' && !seen_point) {
            seen_point = true;
        } else {
            break;
        }
    }
    if (!seen_digit) return false;
    long exponent = 0;
    if (i < s.size()) {
        if (s[i] != 'e' && s[i] != 'E') return false;
        ++i;
        bool negative = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            negative = s[i] == '-';
            ++i;
        }
        if (i == s.size()) return false;
        for (; i < s.size(); ++i) {
            if (!is_digit(s[i])) return false;
            if (exponent < 100000) exponent = exponent * 10 + (s[i] - '0');  // Go caps it too
        }
        if (negative) exponent = -exponent;
    }
    magnitude = first_nonzero < 0 ? 0 : int_digits - first_nonzero - 1 + exponent;
    return true;
}

}  // namespace

FloatStatus parse_go_float(std::string_view text, double& out) noexcept {
    if (text.empty()) return FloatStatus::syntax;
    std::size_t start = 0;
    bool negative = false;
    if (text[0] == '+' || text[0] == '-') {
        negative = text[0] == '-';
        start = 1;
    }
    std::string_view rest = text.substr(start);
    if (rest.empty()) return FloatStatus::syntax;

    // Fast path (Clinger's): at most 15 significant digits make an exact
    // integer mantissa, and 10^k is exact for k <= 22, so one multiplication
    // or division rounds correctly. Anything else, including every spelling
    // with 'p', '_', letters or long digit strings, takes the full path.
    {
        std::uint64_t mantissa = 0;
        int digits = 0;
        int scale = 0;  // decimal digits after the point
        std::size_t i = 0;
        bool any_digit = false;
        for (; i < rest.size() && is_digit(rest[i]); ++i) {
            mantissa = mantissa * 10 + static_cast<std::uint64_t>(rest[i] - '0');
            if (mantissa != 0) ++digits;
            any_digit = true;
        }
        if (i < rest.size() && rest[i] == '.') {
            for (++i; i < rest.size() && is_digit(rest[i]); ++i) {
                mantissa = mantissa * 10 + static_cast<std::uint64_t>(rest[i] - '0');
                if (mantissa != 0) ++digits;
                ++scale;
                any_digit = true;
            }
        }
        int exponent = 0;
        bool exponent_ok = true;
        if (i < rest.size() && (rest[i] == 'e' || rest[i] == 'E')) {
            ++i;
            bool negative_exponent = false;
            if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) negative_exponent = rest[i++] == '-';
            exponent_ok = i < rest.size();
            for (; i < rest.size() && is_digit(rest[i]) && exponent < 1000; ++i) exponent = exponent * 10 + (rest[i] - '0');
            if (negative_exponent) exponent = -exponent;
        }
        int power = exponent - scale;
        if (any_digit && exponent_ok && i == rest.size() && digits <= 15 && scale <= 22 && power >= -22 &&
            power <= 22) {
            static constexpr double k_powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
            double v = static_cast<double>(mantissa);
            v = power < 0 ? v / k_powers[-power] : v * k_powers[power];
            out = negative ? -v : v;
            return FloatStatus::ok;
        }
    }

    for (char c : text) {
        if (c == 'p' || c == 'P' || c == '_') return FloatStatus::unsupported;
    }
    char first = rest[0];
    if (!is_digit(first) && first != '.') {
        if (iequals(rest, "inf") || iequals(rest, "infinity")) {
            out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
            return FloatStatus::ok;
        }
        if (start == 0 && iequals(rest, "nan")) {  // Go takes no sign on NaN
            out = std::bit_cast<double>(k_normal_nan_bits);
            return FloatStatus::ok;
        }
        return FloatStatus::syntax;
    }

    long magnitude = 0;
    if (!decimal_grammar(rest, magnitude)) return FloatStatus::syntax;
    double v = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v, std::chars_format::general);
    if (ec == std::errc::result_out_of_range) {
        if (magnitude >= 0) return FloatStatus::out_of_range;
        v = 0;
    } else if (ec != std::errc{} || ptr != rest.data() + rest.size()) {
        return FloatStatus::syntax;
    }
    out = negative ? -v : v;
    return FloatStatus::ok;
}

std::int64_t seconds_to_milliseconds(double seconds) noexcept {
    double ms = seconds * 1000.0;
    // [-2^63, 2^63) converts; anything else (and NaN) is what CVTTSD2SQ gives.
    if (!(ms >= -9223372036854775808.0 && ms < 9223372036854775808.0)) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(ms);
}

bool parse_int64_digits(std::string_view digits, std::int64_t& out) noexcept {
    if (digits.empty()) return false;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out, 10);
    return ec == std::errc{} && ptr == digits.data() + digits.size();
}

}  // namespace tocsin::scrape
