#include "tocsin/paging/wall_clock.hpp"

#include <exception>

#include "daily_spans.hpp"

namespace tocsin::paging {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

const date::time_zone* find_zone(const std::string& zone) {
    try {
        return date::locate_zone(zone);
    } catch (const std::exception&) {
        return nullptr;
    }
}

}  // namespace

Result<TypedTime> parse_typed_time(std::string_view s) {
    auto invalid = [&](const std::string& why) {
        return Error::make(ErrorCategory::invalid_argument,
                           "invalid time \"" + std::string(s) + "\"" + why +
                               " (use an instant such as 2026-03-04T10:00:00Z or 2026-03-04T11:00:00+01:00, or a "
                               "wall-clock time such as \"2026-03-04 11:00\")");
    };
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (s.size() < 16 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
        !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
        s[13] != ':' || !digits(s, 14, 2, minute)) {
        return invalid("");
    }
    std::size_t pos = 16;
    Duration fraction{0};
    if (pos < s.size() && s[pos] == ':') {
        if (!digits(s, pos + 1, 2, second)) return invalid("");
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            std::size_t end = pos + 1;
            std::int64_t scale = 100;
            while (end < s.size() && s[end] >= '0' && s[end] <= '9') {
                fraction += Duration((s[end] - '0') * scale);
                scale /= 10;
                ++end;
            }
            if (end == pos + 1) return invalid("");
            pos = end;
        }
    }
    const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                   date::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return invalid(": no such date");
    if (hour > 23 || minute > 59 || second > 60) return invalid(": no such time of day");
    if (second == 60) second = 59;  // a leap second, as RFC 3339 allows
    const auto local =
        date::local_days{ymd} + std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second);
    const std::string_view rest = s.substr(pos);
    TypedTime out;
    if (rest.empty()) {
        if (fraction != Duration::zero()) return invalid(": fractions of a second need an offset or Z");
        out.local = local.time_since_epoch();
        return out;
    }
    std::chrono::minutes offset{0};
    if (rest != "Z" && rest != "z") {
        int oh = 0, om = 0;
        if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || !digits(rest, 1, 2, oh) || rest[3] != ':' ||
            !digits(rest, 4, 2, om) || oh > 23 || om > 59) {
            return invalid("");
        }
        offset = std::chrono::minutes((rest[0] == '-' ? -1 : 1) * (oh * 60 + om));
    }
    out.instant = TimePoint(std::chrono::sys_seconds((local - offset).time_since_epoch())) + fraction;
    return out;
}

Result<TimePoint> instant_of(std::chrono::seconds local, const std::string& zone) {
    const date::time_zone* z = find_zone(zone);
    if (z == nullptr) return Error::make(ErrorCategory::invalid_argument, "unknown time zone \"" + zone + "\"");
    return detail::instant_at(*z, date::local_seconds{local});
}

Result<TimePoint> resolve(const TypedTime& typed, const std::string& zone) {
    if (typed.instant) return *typed.instant;
    return instant_of(typed.local, zone);
}

std::string format_wall_clock(TimePoint t, const std::string& zone) {
    const auto seconds = date::floor<std::chrono::seconds>(t);
    const bool whole_minute = seconds.time_since_epoch() % std::chrono::minutes(1) == std::chrono::seconds(0);
    const char* format = whole_minute ? "%a %Y-%m-%d %H:%M %Z" : "%a %Y-%m-%d %H:%M:%S %Z";
    const date::time_zone* z = find_zone(zone);
    if (z == nullptr) return date::format(format, seconds);
    return date::format(format, date::make_zoned(z, seconds));
}

}  // namespace tocsin::paging
