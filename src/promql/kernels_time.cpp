// Date functions (Prometheus 2.42 dateWrapper: time.Unix(int64(v), 0).UTC()).
// Go's calendar works on an unsigned count of seconds since an "absolute"
// epoch in year -292277022399; overflowing values wrap around modulo 2^64,
// and reproducing that keeps NaN and huge inputs giving Go's numbers.
#include <cmath>
#include <cstdint>

#include "kernels.hpp"

namespace tocsin::promql::kernels {
namespace {

constexpr std::int64_t k_absolute_zero_year = -292277022399;
// Unix seconds + this = absolute seconds (mod 2^64).
constexpr std::uint64_t k_unix_to_absolute = 9223372028715321600ULL;
constexpr std::uint64_t k_seconds_per_day = 86400;
constexpr std::uint64_t k_days_per_400_years = 365 * 400 + 97;
constexpr std::uint64_t k_days_per_100_years = 365 * 100 + 24;
constexpr std::uint64_t k_days_per_4_years = 365 * 4 + 1;

// Days before each month in a common year; [12] is the whole year.
constexpr int k_days_before[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

// float64 -> int64 as amd64 converts it: truncation, and the "integer
// indefinite" value math.MinInt64 for NaN, ±Inf and anything out of range.
std::int64_t go_int64(double v) {
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
    return static_cast<std::int64_t>(v);
}

bool is_leap(std::int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

struct CivilDate {
    std::int64_t year = 0;
    int month = 0;  // 1..12
    int day = 0;    // 1..31
    int yday = 0;   // 0-based
};

CivilDate civil_from_absolute(std::uint64_t abs) {
    std::uint64_t d = abs / k_seconds_per_day;
    // Peel off whole 400-, 100-, 4- and 1-year cycles. The last year of a 4-
    // (and of a 400-) year cycle is one day longer, so the quotient can reach
    // 4 on its last day: n - n/4 maps that back to 3.
    std::uint64_t n = d / k_days_per_400_years;
    std::uint64_t y = 400 * n;
    d -= k_days_per_400_years * n;
    n = d / k_days_per_100_years;
    n -= n >> 2;
    y += 100 * n;
    d -= k_days_per_100_years * n;
    n = d / k_days_per_4_years;
    y += 4 * n;
    d -= k_days_per_4_years * n;
    n = d / 365;
    n -= n >> 2;
    y += n;
    d -= 365 * n;

    CivilDate out;
    out.year = static_cast<std::int64_t>(y) + k_absolute_zero_year;
    out.yday = static_cast<int>(d);
    int day = out.yday;
    if (is_leap(out.year)) {
        if (day == 31 + 29 - 1) {
            out.month = 2;
            out.day = 29;
            return out;
        }
        if (day > 31 + 29 - 1) --day;  // as if February 29 did not exist
    }
    int month = day / 31;  // at most one month too low
    if (day >= k_days_before[month + 1]) ++month;
    out.month = month + 1;
    out.day = day - k_days_before[month] + 1;
    return out;
}

// Days from the absolute epoch to January 1 of `year` (Go's daysSinceEpoch).
std::uint64_t days_since_epoch(std::int64_t year) {
    std::uint64_t y = static_cast<std::uint64_t>(year - k_absolute_zero_year);
    std::uint64_t n = y / 400;
    y -= 400 * n;
    std::uint64_t d = k_days_per_400_years * n;
    n = y / 100;
    y -= 100 * n;
    d += k_days_per_100_years * n;
    n = y / 4;
    y -= 4 * n;
    d += k_days_per_4_years * n;
    d += 365 * y;
    return d;
}

double part_of_absolute(DatePart part, std::uint64_t abs) {
    switch (part) {
        case DatePart::hour:
            return static_cast<double>((abs % k_seconds_per_day) / 3600);
        case DatePart::minute:
            return static_cast<double>((abs % 3600) / 60);
        case DatePart::day_of_week:
            // Day 0 of the absolute epoch was a Monday (1 with Sunday = 0).
            return static_cast<double>(((abs + k_seconds_per_day) % (7 * k_seconds_per_day)) / k_seconds_per_day);
        default:
            break;
    }
    CivilDate date = civil_from_absolute(abs);
    switch (part) {
        case DatePart::day_of_month:
            return static_cast<double>(date.day);
        case DatePart::day_of_year:
            return static_cast<double>(date.yday + 1);
        case DatePart::month:
            return static_cast<double>(date.month);
        case DatePart::year:
            return static_cast<double>(date.year);
        case DatePart::days_in_month: {
            // 2.42 asks for day 32 of the month, which normalizes into the next
            // month, and subtracts its day number from 32.
            std::uint64_t days =
                days_since_epoch(date.year) + static_cast<std::uint64_t>(k_days_before[date.month - 1]);
            if (is_leap(date.year) && date.month >= 3) ++days;
            days += 31;
            return static_cast<double>(32 - civil_from_absolute(days * k_seconds_per_day).day);
        }
        default:
            return 0;
    }
}

double part_of_unix(DatePart part, std::int64_t unix_seconds) {
    return part_of_absolute(part, static_cast<std::uint64_t>(unix_seconds) + k_unix_to_absolute);
}

}  // namespace

double timestamp_seconds(std::int64_t t_ms) { return static_cast<double>(t_ms) / 1000; }

double date_part(DatePart part, double unix_seconds) { return part_of_unix(part, go_int64(unix_seconds)); }

double date_part_at(DatePart part, std::int64_t eval_time_ms) { return part_of_unix(part, eval_time_ms / 1000); }

}  // namespace tocsin::promql::kernels
