// Business hours: one span per open day (business hours never cross
// midnight), walked day by day in the configured zone, so weekends,
// holidays and daylight-saving changes need no special cases.
#include "tocsin/paging/business_hours.hpp"

#include <algorithm>

#include "daily_spans.hpp"

namespace tocsin::paging {

struct BusinessHours::Impl {
    std::optional<detail::DailySpans> spans;
    // An open day exists within this many days of any date: a week, plus
    // one day for every holiday that might close it.
    int max_closed_run = 7;

    const detail::DailySpans& open() const { return *spans; }

    // The first open day at or after `day`.
    std::optional<date::local_days> open_day_from(date::local_days day) const {
        for (int i = 0; i <= max_closed_run; ++i, day += date::days{1}) {
            if (open().on_day(day)) return day;
        }
        return std::nullopt;
    }
};

Result<BusinessHours> BusinessHours::make(const config::BusinessHoursConfig& config) {
    auto invalid = [](const std::string& why) {
        return Error::make(ErrorCategory::invalid_argument, "business hours: " + why);
    };
    const date::time_zone* zone = detail::find_zone(config.time_zone);
    if (zone == nullptr) return invalid("unknown time zone \"" + config.time_zone + "\"");
    if (config.weekdays.empty()) return invalid("no weekdays");
    std::array<bool, 7> days{};
    for (int d : config.weekdays) {
        if (d < 0 || d > 6) return invalid("weekday " + std::to_string(d) + " is not 0 (Sunday) .. 6 (Saturday)");
        days[static_cast<std::size_t>(d)] = true;
    }
    if (config.start < std::chrono::minutes(0) || config.end > std::chrono::hours(24) || config.end <= config.start) {
        return invalid("the end must be after the start, within one day");
    }
    std::vector<date::local_days> closed;
    for (auto day : config.holidays) closed.push_back(date::local_days(date::days(day.count())));
    std::sort(closed.begin(), closed.end());
    closed.erase(std::unique(closed.begin(), closed.end()), closed.end());
    auto impl = std::make_shared<Impl>();
    impl->max_closed_run = 7 * (static_cast<int>(closed.size()) + 1) + 1;
    impl->spans.emplace(zone, config::DailyHours{config.start, config.end}, days, std::move(closed));
    BusinessHours hours;
    hours.m_config = config;
    hours.m_impl = std::move(impl);
    return hours;
}

bool BusinessHours::is_open(TimePoint t) const { return m_impl && m_impl->open().contains(t); }

TimePoint BusinessHours::next_open(TimePoint t) const {
    if (!m_impl) return t;
    const auto& open = m_impl->open();
    date::local_days day = detail::local_day(open.zone(), t);
    for (int i = 0; i <= m_impl->max_closed_run + 1; ++i, day += date::days{1}) {
        auto span = open.on_day(day);
        if (!span || span->second <= t) continue;
        return std::max(span->first, t);
    }
    return TimePoint::max();  // not reached: some weekday is open
}

TimePoint BusinessHours::add_business_time(TimePoint t, Duration d) const {
    if (!m_impl || d <= Duration::zero()) return t;
    const auto& open = m_impl->open();
    Duration remaining = d;
    date::local_days day = detail::local_day(open.zone(), t);
    int closed_run = 0;
    for (;; day += date::days{1}) {
        auto span = open.on_day(day);
        if (!span || span->second <= t) {
            if (++closed_run > m_impl->max_closed_run + 1) return TimePoint::max();  // not reached
            continue;
        }
        closed_run = 0;
        const TimePoint from = std::max(span->first, t);
        const Duration available = std::chrono::duration_cast<Duration>(span->second - from);
        if (remaining <= available) return from + remaining;
        remaining -= available;
    }
}

TimePoint BusinessHours::add_business_days(TimePoint t, int n) const {
    if (!m_impl || n <= 0) return t;
    const auto& open = m_impl->open();
    const TimePoint s = next_open(t);
    const date::local_days first = detail::local_day(open.zone(), s);
    const auto first_span = open.on_day(first);
    if (!first_span) return s;  // not reached: s is inside an open day
    // The n-th open day after the first (and the one before it).
    date::local_days before = first;
    date::local_days target = first;
    for (int i = 0; i < n; ++i) {
        before = target;
        auto next = m_impl->open_day_from(target + date::days{1});
        if (!next) return TimePoint::max();  // not reached
        target = *next;
    }
    // At the opening, n days of open time end at the close of the
    // (n-1)-th day: the earliest instant with that much behind it.
    if (s == first_span->first) return open.on_day(before)->second;
    const auto time_of_day = detail::local_at(open.zone(), s) - date::local_seconds{first.time_since_epoch()};
    const auto span = *open.on_day(target);
    const TimePoint at = detail::instant_at(open.zone(), date::local_seconds{target.time_since_epoch()} + time_of_day);
    return std::clamp(at, span.first, span.second);
}

Duration BusinessHours::business_time_between(TimePoint from, TimePoint to) const {
    if (!m_impl || to <= from) return Duration::zero();
    const auto& open = m_impl->open();
    Duration total = Duration::zero();
    const date::local_days last = detail::local_day(open.zone(), to);
    for (date::local_days day = detail::local_day(open.zone(), from); day <= last; day += date::days{1}) {
        auto span = open.on_day(day);
        if (!span) continue;
        const TimePoint a = std::max(span->first, from);
        const TimePoint b = std::min(span->second, to);
        if (b > a) total += std::chrono::duration_cast<Duration>(b - a);
    }
    return total;
}

}  // namespace tocsin::paging
