#include "go_format.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tocsin::rules::gofmt {
namespace {

bool equal_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

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

void append_exponent(std::string& out, int exp) {
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out += '0';
    out += std::to_string(a);
}

}  // namespace

std::string format_float(double v, char verb, int precision) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[512];
    if (precision >= 0) {
        // For finite values C's %e, %f and %g agree with Go's strconv, with
        // trailing zeros of %g removed in both.
        char spec[8] = {'%', '.', '*', verb, '\0'};
        int n = std::snprintf(buf, sizeof buf, spec, precision, v);
        if (n < 0) return "";
        if (static_cast<std::size_t>(n) < sizeof buf) return std::string(buf, static_cast<std::size_t>(n));
        std::string big(static_cast<std::size_t>(n) + 1, '\0');
        std::snprintf(big.data(), big.size(), spec, precision, v);
        big.resize(static_cast<std::size_t>(n));
        return big;
    }
    if (verb == 'f') {
        auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
        return std::string(buf, res.ptr);
    }
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
    if (verb == 'e') return std::string(sci);
    // 'g', shortest: Go decides with an exponent threshold of 6.
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    std::size_t e_pos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e_pos)) {
        if (c != '.') digits += c;
    }
    int exp = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
    if (digits == "0") return out + "0";
    if (exp < -4 || exp >= 6) {
        out += digits[0];
        if (digits.size() > 1) {
            out += '.';
            out.append(digits, 1);
        }
        append_exponent(out, exp);
        return out;
    }
    int point = exp + 1;  // digits before the decimal point
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        out += digits;
        out.append(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
        out.append(digits, 0, static_cast<std::size_t>(point));
        out += '.';
        out.append(digits, static_cast<std::size_t>(point));
    }
    return out;
}

std::optional<double> parse_float(std::string_view s, bool* range_error) {
    if (range_error != nullptr) *range_error = false;
    if (s.empty()) return std::nullopt;
    double sign = 1;
    std::string_view body = s;
    if (body[0] == '+' || body[0] == '-') {
        if (body[0] == '-') sign = -1;
        body.remove_prefix(1);
        if (equal_ignore_case(body, "inf") || equal_ignore_case(body, "infinity")) return sign * HUGE_VAL;
    } else if (equal_ignore_case(body, "inf") || equal_ignore_case(body, "infinity")) {
        return HUGE_VAL;
    } else if (equal_ignore_case(body, "nan")) {
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

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\a': out += "\\a"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\v': out += "\\v"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "\\x%02x", c);
                    out += hex;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
    return out;
}

}  // namespace tocsin::rules::gofmt
