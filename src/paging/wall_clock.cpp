#include "tocsin/paging/wall_clock.hpp"

#include "daily_spans.hpp"
#include "tocsin/config/date_time_text.hpp"

namespace tocsin::paging {

Result<TypedTime> parse_typed_time(std::string_view s) {
    auto invalid = [&](const std::string& why) {
        return Error::make(ErrorCategory::invalid_argument,
                           "invalid time \"" + std::string(s) + "\"" + why +
                               " (use an instant such as 2026-03-04T10:00:00Z or 2026-03-04T11:00:00+01:00, or a "
                               "wall-clock time such as \"2026-03-04 11:00\")");
    };
    const auto fields = config::scan_date_time(s);
    if (!fields) return invalid("");
    Duration fraction{0};
    std::int64_t scale = 100;
    for (char digit : fields->fraction) {
        fraction += Duration((digit - '0') * scale);
        scale /= 10;
    }
    const date::year_month_day ymd{date::year{fields->year}, date::month{static_cast<unsigned>(fields->month)},
                                   date::day{static_cast<unsigned>(fields->day)}};
    if (!ymd.ok()) return invalid(": no such date");
    int second = fields->second;
    if (fields->hour > 23 || fields->minute > 59 || second > 60) return invalid(": no such time of day");
    if (second == 60) second = 59;  // a leap second, as RFC 3339 allows
    const auto local = date::local_days{ymd} + std::chrono::hours(fields->hour) + std::chrono::minutes(fields->minute) +
                       std::chrono::seconds(second);
    TypedTime out;
    if (fields->rest.empty()) {
        if (fraction != Duration::zero()) return invalid(": fractions of a second need an offset or Z");
        out.local = local.time_since_epoch();
        return out;
    }
    const auto offset = config::scan_utc_offset(fields->rest);
    if (!offset || !offset->in_range()) return invalid("");
    out.instant = TimePoint(std::chrono::sys_seconds((local - offset->value()).time_since_epoch())) + fraction;
    return out;
}

Result<TimePoint> instant_of(std::chrono::seconds local, const std::string& zone) {
    const date::time_zone* z = detail::find_zone(zone);
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
    const date::time_zone* z = detail::find_zone(zone);
    if (z == nullptr) return date::format(format, seconds);
    return date::format(format, date::make_zoned(z, seconds));
}

}  // namespace tocsin::paging
