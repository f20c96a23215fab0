#include "number.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <variant>

#include "tocsin/core/go_format.hpp"
#include "tocsin/promql/parser.hpp"

namespace tocsin::promql {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

// strconv.ParseInt(s, 0, 64) for what the lexer can produce (no sign, no
// underscores, no 0b/0o prefixes).
std::optional<std::int64_t> parse_int_base0(std::string_view s) {
    unsigned base = 10;
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    } else if (s.size() >= 2 && s[0] == '0') {
        base = 8;
        s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        const int d = hex_value(c);
        if (d >= static_cast<int>(base)) return std::nullopt;
        if (v >
            (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - static_cast<unsigned>(d)) / base) {
            return std::nullopt;
        }
        v = v * base + static_cast<unsigned>(d);
    }
    return static_cast<std::int64_t>(v);
}

bool equals_lower(std::string_view s, std::string_view lower) {
    if (s.size() != lower.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

// Decimal exponent of the leading digit, to tell overflow from underflow
// when from_chars reports a range error.
long leading_exponent(std::string_view s) {
    const std::size_t e = s.find_first_of("eE");
    const std::string_view mantissa = s.substr(0, e);
    long exponent = 0;
    if (e != std::string_view::npos) {
        std::string_view digits = s.substr(e + 1);
        bool negative = false;
        if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
            negative = digits[0] == '-';
            digits.remove_prefix(1);
        }
        for (char c : digits) {
            exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000L);
        }
        if (negative) exponent = -exponent;
    }
    const std::size_t dot = mantissa.find('.');
    const std::size_t int_digits = dot == std::string_view::npos ? mantissa.size() : dot;
    for (std::size_t i = 0; i < mantissa.size(); ++i) {
        if (mantissa[i] == '.' || mantissa[i] == '0') continue;
        const long position =
            i < int_digits ? static_cast<long>(int_digits - i - 1) : -static_cast<long>(i - int_digits);
        return position + exponent;
    }
    return 0;
}

}  // namespace

GoNumber parse_go_number(std::string_view text) {
    if (auto i = parse_int_base0(text)) return {static_cast<double>(*i), {}};
    GoNumber out;
    const std::string syntax = "strconv.ParseFloat: parsing " + gofmt::quote(text) + ": invalid syntax";
    if (equals_lower(text, "inf") || equals_lower(text, "infinity")) {
        out.value = std::numeric_limits<double>::infinity();
        return out;
    }
    if (equals_lower(text, "nan")) {
        out.value = std::numeric_limits<double>::quiet_NaN();
        return out;
    }
    // Hex floats need a 'p' exponent, which the lexer never lets through.
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        out.error = syntax;
        return out;
    }
    // digits [. digits] [(e|E) [+-] digits], at least one mantissa digit
    std::size_t i = 0;
    std::size_t mantissa_digits = 0;
    while (i < text.size() && is_digit(text[i])) ++i, ++mantissa_digits;
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && is_digit(text[i])) ++i, ++mantissa_digits;
    }
    if (mantissa_digits > 0 && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        const std::size_t exp_start = i;
        while (i < text.size() && is_digit(text[i])) ++i;
        if (i == exp_start) i = 0;  // "1e" is not a number
    }
    if (mantissa_digits == 0 || i != text.size()) {
        out.error = syntax;
        return out;
    }
    const auto res = std::from_chars(text.data(), text.data() + text.size(), out.value);
    if (res.ec == std::errc::result_out_of_range) {
        if (leading_exponent(text) > 0) {
            out.value = std::numeric_limits<double>::infinity();
            out.error = "strconv.ParseFloat: parsing " + gofmt::quote(text) + ": value out of range";
        } else {
            // Go rounds underflow to a subnormal or zero without complaint.
            out.value = std::strtod(std::string(text).c_str(), nullptr);
        }
    } else if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) {
        out.error = syntax;
    }
    return out;
}

std::variant<Milliseconds, std::string> parse_duration(std::string_view text) {
    if (text == "0") return Milliseconds{0};
    if (text.empty()) return std::string("empty duration string");
    struct Unit {
        std::string_view name;
        std::int64_t ms;
    };
    static constexpr Unit k_units[] = {
        {"y", 1000LL * 60 * 60 * 24 * 365},
        {"w", 1000LL * 60 * 60 * 24 * 7},
        {"d", 1000LL * 60 * 60 * 24},
        {"h", 1000LL * 60 * 60},
        {"m", 1000LL * 60},
        {"s", 1000},
        {"ms", 1},
    };
    const std::string invalid = "not a valid duration string: " + gofmt::quote(text);
    // Same language as ^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$
    std::string_view amounts[7];
    std::size_t next_unit = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t digits_start = i;
        while (i < text.size() && is_digit(text[i])) ++i;
        if (i == digits_start) return invalid;
        const std::size_t unit_start = i;
        while (i < text.size() && !is_digit(text[i])) ++i;
        const std::string_view unit = text.substr(unit_start, i - unit_start);
        std::size_t u = next_unit;
        while (u < 7 && k_units[u].name != unit) ++u;
        if (u == 7) return invalid;
        amounts[u] = text.substr(digits_start, unit_start - digits_start);
        next_unit = u + 1;
    }
    // Go computes in int64 nanoseconds and flags overflow as it goes.
    constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max();
    std::uint64_t total_ns = 0;  // wraps like Go's int64
    bool overflow = false;
    for (std::size_t u = 0; u < 7; ++u) {
        if (amounts[u].empty()) continue;
        std::int64_t n = 0;
        for (char c : amounts[u]) {
            if (n > (k_max - (c - '0')) / 10) {
                n = k_max;  // strconv.Atoi saturates on overflow
                break;
            }
            n = n * 10 + (c - '0');
        }
        if (n > k_max / k_units[u].ms / 1'000'000) overflow = true;
        total_ns += static_cast<std::uint64_t>(n) * 1'000'000u * static_cast<std::uint64_t>(k_units[u].ms);
        if (static_cast<std::int64_t>(total_ns) < 0) overflow = true;
    }
    if (overflow) return std::string("duration out of range");
    return Milliseconds{static_cast<std::int64_t>(total_ns / 1'000'000u)};
}

}  // namespace tocsin::promql
