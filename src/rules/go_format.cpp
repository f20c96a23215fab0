#include "go_format.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tocsin/core/ascii.hpp"

namespace tocsin::rules::gofmt {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Decimal: digits[.digits][e[+-]digits], at least one mantissa digit.
// Hex: 0x hexdigits[.hexdigits]p[+-]digits (the exponent is mandatory).
bool valid_number_syntax(std::string_view s) {
    std::size_t i = 0;
    bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (hex) i = 2;
    auto digit = [&](char c) { return hex ? is_hex_digit(c) : is_digit(c); };
    std::size_t mantissa = 0;
    while (i < s.size() && digit(s[i])) ++i, ++mantissa;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && digit(s[i])) ++i, ++mantissa;
    }
    if (mantissa == 0) return false;
    const char exp_lower = hex ? 'p' : 'e';
    if (i < s.size() && (s[i] == exp_lower || s[i] == exp_lower - 'a' + 'A')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        std::size_t exp_digits = 0;
        while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
        if (exp_digits == 0) return false;
    } else if (hex) {
        return false;
    }
    return i == s.size();
}

}  // namespace

std::optional<double> parse_float(std::string_view s, bool* range_error) {
    if (range_error != nullptr) *range_error = false;
    if (s.empty()) return std::nullopt;
    double sign = 1;
    std::string_view body = s;
    if (body[0] == '+' || body[0] == '-') {
        if (body[0] == '-') sign = -1;
        body.remove_prefix(1);
        if (ascii_iequals(body, "inf") || ascii_iequals(body, "infinity")) return sign * HUGE_VAL;
    } else if (ascii_iequals(body, "inf") || ascii_iequals(body, "infinity")) {
        return HUGE_VAL;
    } else if (ascii_iequals(body, "nan")) {
        return std::nan("");
    }
    if (!valid_number_syntax(body)) return std::nullopt;
    std::string text(s);
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return std::nullopt;
    if (errno == ERANGE && std::isinf(v) && range_error != nullptr) *range_error = true;
    return v;
}

std::string format_utc_time(std::int64_t unix_millis) {
    std::int64_t secs = unix_millis / 1000;
    std::int64_t millis = unix_millis % 1000;
    if (millis < 0) {
        millis += 1000;
        secs -= 1;
    }
    std::int64_t days = secs / 86400;
    std::int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    // Howard Hinnant's civil_from_days.
    std::int64_t z = days + 719468;
    std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    std::int64_t doe = z - era * 146097;
    std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t y = yoe + era * 400;
    std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    std::int64_t mp = (5 * doy + 2) / 153;
    std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", static_cast<long long>(y),
                  static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
    std::string out = buf;
    if (millis != 0) {
        char frac[8];
        std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(millis));
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    out += " +0000 UTC";
    return out;
}

}  // namespace tocsin::rules::gofmt
