#include "tocsin/config/date_time_text.hpp"

#include "tocsin/core/ascii.hpp"

namespace tocsin::config {
namespace {

// "YYYY-MM-DD" at the start of s.
bool scan_date_part(std::string_view s, DateTimeFields& out) {
    return parse_fixed_digits(s, 0, 4, out.year) && s.size() >= 10 && s[4] == '-' &&
           parse_fixed_digits(s, 5, 2, out.month) && s[7] == '-' && parse_fixed_digits(s, 8, 2, out.day);
}

}  // namespace

std::optional<DateTimeFields> scan_date(std::string_view s) {
    DateTimeFields out;
    if (s.size() != 10 || !scan_date_part(s, out)) return std::nullopt;
    return out;
}

std::optional<DateTimeFields> scan_date_time(std::string_view s) {
    DateTimeFields out;
    if (s.size() < 16 || !scan_date_part(s, out) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !parse_fixed_digits(s, 11, 2, out.hour) || s[13] != ':' || !parse_fixed_digits(s, 14, 2, out.minute)) {
        return std::nullopt;
    }
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
        if (!parse_fixed_digits(s, pos + 1, 2, out.second)) return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            std::size_t end = pos + 1;
            while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
            if (end == pos + 1) return std::nullopt;
            out.fraction = s.substr(pos + 1, end - pos - 1);
            pos = end;
        }
    }
    out.rest = s.substr(pos);
    return out;
}

std::optional<UtcOffsetFields> scan_utc_offset(std::string_view s) {
    UtcOffsetFields out;
    if (s == "Z" || s == "z") return out;
    if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || !parse_fixed_digits(s, 1, 2, out.hours) || s[3] != ':' ||
        !parse_fixed_digits(s, 4, 2, out.minutes)) {
        return std::nullopt;
    }
    out.negative = s[0] == '-';
    return out;
}

}  // namespace tocsin::config
