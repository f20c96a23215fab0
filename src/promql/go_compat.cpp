#include "go_compat.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>

namespace tocsin::promql::go {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string syntax_error(std::string_view fn, std::string_view s) {
    return "strconv." + std::string(fn) + ": parsing " + quote(s) + ": invalid syntax";
}
std::string range_error(std::string_view fn, std::string_view s) {
    return "strconv." + std::string(fn) + ": parsing " + quote(s) + ": value out of range";
}

// Go's rule for digit separators: only between digits, or between a base
// prefix and a digit.
bool underscore_ok(std::string_view s) {
    char saw = '^';
    std::size_t i = 0;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
    bool hex = false;
    if (s.size() >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower(s[1]) == 'x';
    }
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (is_digit(c) || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
            saw = '0';
            continue;
        }
        if (c == '_') {
            if (saw != '0') return false;
            saw = '_';
            continue;
        }
        if (saw == '_') return false;
        saw = '!';
    }
    return saw != '_';
}

enum class IntStatus { ok, syntax, range };

// strconv.ParseInt(s, 0, 64).
IntStatus parse_int_base0(std::string_view s0, std::int64_t& out) {
    std::string_view s = s0;
    if (s.empty()) return IntStatus::syntax;
    bool negative = false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s.empty()) return IntStatus::syntax;
    const std::string_view unsigned_text = s;
    unsigned base = 10;
    if (s[0] == '0') {
        if (s.size() >= 3 && lower(s[1]) == 'b') {
            base = 2;
            s.remove_prefix(2);
        } else if (s.size() >= 3 && lower(s[1]) == 'o') {
            base = 8;
            s.remove_prefix(2);
        } else if (s.size() >= 3 && lower(s[1]) == 'x') {
            base = 16;
            s.remove_prefix(2);
        } else {
            base = 8;
            s.remove_prefix(1);
        }
    }
    std::uint64_t n = 0;
    bool underscores = false;
    bool overflow = false;
    for (char c : s) {
        unsigned d = 0;
        if (c == '_') {
            underscores = true;
            continue;
        } else if (is_digit(c)) {
            d = static_cast<unsigned>(c - '0');
        } else if (lower(c) >= 'a' && lower(c) <= 'z') {
            d = static_cast<unsigned>(lower(c) - 'a' + 10);
        } else {
            return IntStatus::syntax;
        }
        if (d >= base) return IntStatus::syntax;
        if (overflow) continue;
        if (n > (std::numeric_limits<std::uint64_t>::max() - d) / base) {
            overflow = true;
            continue;
        }
        n = n * base + d;
    }
    if (underscores && !underscore_ok(unsigned_text)) return IntStatus::syntax;
    if (overflow) return IntStatus::range;
    constexpr std::uint64_t k_cutoff = std::uint64_t{1} << 63;
    if (!negative && n >= k_cutoff) return IntStatus::range;
    if (negative && n > k_cutoff) return IntStatus::range;
    out = negative ? static_cast<std::int64_t>(~n + 1) : static_cast<std::int64_t>(n);
    return IntStatus::ok;
}

std::size_t common_prefix_ignore_case(std::string_view s, std::string_view lower_prefix) {
    std::size_t n = std::min(s.size(), lower_prefix.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (lower(s[i]) != lower_prefix[i]) return i;
    }
    return n;
}

// Inf, Infinity (signed) and NaN (unsigned), case-insensitive, whole string.
std::optional<double> special(std::string_view s, bool& consumed_all) {
    consumed_all = false;
    if (s.empty()) return std::nullopt;
    std::size_t nsign = 0;
    double sign = 1;
    std::string_view t = s;
    if (t[0] == '+' || t[0] == '-') {
        sign = t[0] == '-' ? -1 : 1;
        nsign = 1;
        t.remove_prefix(1);
    } else if (lower(t[0]) == 'n') {
        if (common_prefix_ignore_case(t, "nan") == 3) {
            consumed_all = s.size() == 3;
            return nan_value();
        }
        return std::nullopt;
    }
    if (!t.empty() && lower(t[0]) == 'i') {
        std::size_t n = common_prefix_ignore_case(t, "infinity");
        if (n > 3 && n < 8) n = 3;
        if (n == 3 || n == 8) {
            consumed_all = nsign + n == s.size();
            return sign * std::numeric_limits<double>::infinity();
        }
    }
    return std::nullopt;
}

}  // namespace

double nan_value() noexcept { return std::bit_cast<double>(std::uint64_t{0x7FF8000000000001ULL}); }

NumberParse parse_float(std::string_view s) {
    bool whole = false;
    if (auto v = special(s, whole)) {
        if (!whole) return {0, syntax_error("ParseFloat", s)};
        return {*v, {}};
    }
    // Syntax check as strconv's readFloat, then convert without separators.
    std::size_t i = 0;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        negative = s[i] == '-';
        ++i;
    }
    bool hex = false;
    if (i + 2 < s.size() && s[i] == '0' && lower(s[i + 1]) == 'x') {
        hex = true;
        i += 2;
    }
    const std::size_t body_start = i;
    bool underscores = false;
    bool saw_dot = false;
    bool saw_digits = false;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (c == '_') {
            underscores = true;
        } else if (c == '.') {
            if (saw_dot) break;
            saw_dot = true;
        } else if (is_digit(c) || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
            saw_digits = true;
        } else {
            break;
        }
    }
    if (!saw_digits) return {0, syntax_error("ParseFloat", s)};
    const char exp_char = hex ? 'p' : 'e';
    if (i < s.size() && lower(s[i]) == exp_char) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (i >= s.size() || !is_digit(s[i])) return {0, syntax_error("ParseFloat", s)};
        for (; i < s.size() && (is_digit(s[i]) || s[i] == '_'); ++i) {
            if (s[i] == '_') underscores = true;
        }
    } else if (hex) {
        return {0, syntax_error("ParseFloat", s)};  // hex mantissa needs a p exponent
    }
    if (i != s.size()) return {0, syntax_error("ParseFloat", s)};
    if (underscores && !underscore_ok(s)) return {0, syntax_error("ParseFloat", s)};

    std::string body;
    body.reserve(s.size());
    for (char c : s.substr(body_start)) {
        if (c != '_') body += c;
    }
    double v = 0;
    auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v,
                                     hex ? std::chars_format::hex : std::chars_format::general);
    if (ec == std::errc::result_out_of_range) {
        // from_chars reports underflow too; Go only fails on overflow.
        std::string c_text = hex ? "0x" + body : body;
        v = std::strtod(c_text.c_str(), nullptr);
        if (std::isinf(v)) return {negative ? -v : v, range_error("ParseFloat", s)};
    } else if (ec != std::errc{} || ptr != body.data() + body.size()) {
        return {0, syntax_error("ParseFloat", s)};
    }
    return {negative ? -v : v, {}};
}

NumberParse parse_number(std::string_view s) {
    std::int64_t n = 0;
    if (parse_int_base0(s, n) == IntStatus::ok) return {static_cast<double>(n), {}};
    return parse_float(s);
}

Result<Duration> parse_duration(std::string_view s) {
    if (s == "0") return Duration{0};
    if (s.empty()) return Error::make(ErrorCategory::invalid_argument, "empty duration string");
    struct Unit {
        std::string_view name;
        std::int64_t millis;
    };
    static constexpr Unit k_units[] = {
        {"y", 365LL * 24 * 3600 * 1000},
        {"w", 7LL * 24 * 3600 * 1000},
        {"d", 24LL * 3600 * 1000},
        {"h", 3600LL * 1000},
        {"m", 60LL * 1000},
        {"s", 1000},
        {"ms", 1},
    };
    constexpr std::int64_t k_max_ns = std::numeric_limits<std::int64_t>::max();
    auto invalid = [&] {
        return Error::make(ErrorCategory::invalid_argument, "not a valid duration string: " + quote(s));
    };
    std::size_t next_unit = 0;
    std::size_t i = 0;
    std::int64_t total_ns = 0;
    bool overflow = false;
    while (i < s.size()) {
        std::size_t digits_start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == digits_start) return invalid();
        std::string_view digits = s.substr(digits_start, i - digits_start);
        std::size_t unit_start = i;
        while (i < s.size() && !is_digit(s[i])) ++i;
        std::string_view unit = s.substr(unit_start, i - unit_start);
        std::size_t found = std::size(k_units);
        for (std::size_t u = next_unit; u < std::size(k_units); ++u) {
            if (k_units[u].name == unit) {
                found = u;
                break;
            }
        }
        if (found == std::size(k_units)) return invalid();
        next_unit = found + 1;
        // Go's strconv.Atoi clamps to MaxInt64 on overflow; so do we.
        std::int64_t n = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec == std::errc::result_out_of_range) n = std::numeric_limits<std::int64_t>::max();
        (void)ptr;
        const std::int64_t mult = k_units[found].millis;
        if (n > k_max_ns / mult / 1'000'000 || __builtin_add_overflow(total_ns, n * mult * 1'000'000, &total_ns)) {
            overflow = true;
        }
    }
    if (overflow) return Error::make(ErrorCategory::invalid_argument, "duration out of range");
    return Duration{static_cast<std::int64_t>(total_ns / 1'000'000)};
}

}  // namespace tocsin::promql::go
