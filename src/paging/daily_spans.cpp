#include "daily_spans.hpp"

#include <algorithm>
#include <exception>

namespace tocsin::paging::detail {
namespace {

// Days scanned around an instant at first; doubled while a run reaches the
// edge of what was scanned (weekly patterns settle within ten days).
constexpr int k_first_window = 10;
constexpr int k_max_window = 4 * 366;

}  // namespace

const date::time_zone* find_zone(const std::string& name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

TimePoint instant_at(const date::time_zone& zone, date::local_seconds local) {
    return TimePoint(zone.to_sys(local, date::choose::earliest));
}

date::local_seconds local_at(const date::time_zone& zone, TimePoint t) {
    return zone.to_local(date::floor<std::chrono::seconds>(t));
}

date::local_days local_day(const date::time_zone& zone, TimePoint t) {
    return date::floor<date::days>(local_at(zone, t));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

DailySpans::DailySpans(const date::time_zone* zone, config::DailyHours hours, std::array<bool, 7> days,
                       std::vector<date::local_days> closed)
    : m_zone(zone), m_hours(hours), m_days(days), m_closed(std::move(closed)) {
    const bool every_day = std::all_of(m_days.begin(), m_days.end(), [](bool on) { return on; });
    m_any_day = std::any_of(m_days.begin(), m_days.end(), [](bool on) { return on; });
    m_always = every_day && m_closed.empty() && m_hours.start == std::chrono::minutes(0) &&
               m_hours.end == std::chrono::minutes(24 * 60);
}

bool DailySpans::day_on(date::local_days day) const {
    if (!m_days[date::weekday(day).c_encoding()]) return false;
    return !std::binary_search(m_closed.begin(), m_closed.end(), day);
}

std::optional<DailySpans::Span> DailySpans::on_day(date::local_days day) const {
    if (!day_on(day)) return std::nullopt;
    const date::local_seconds midnight{day.time_since_epoch()};
    const auto end_offset = m_hours.end > m_hours.start ? m_hours.end : m_hours.end + std::chrono::hours(24);
    const TimePoint from = instant_at(*m_zone, midnight + m_hours.start);
    const TimePoint to = instant_at(*m_zone, midnight + end_offset);
    if (to <= from) return std::nullopt;
    return Span{from, to};
}

bool DailySpans::contains(TimePoint t) const {
    if (m_always) return true;
    const date::local_days day = local_day(*m_zone, t);
    for (date::local_days d : {day, day - date::days{1}}) {
        if (auto span = on_day(d); span && span->first <= t && t < span->second) return true;
    }
    return false;
}

std::vector<DailySpans::Span> DailySpans::runs(date::local_days from, date::local_days to) const {
    std::vector<Span> out;
    for (date::local_days d = from; d <= to; d += date::days{1}) {
        auto span = on_day(d);
        if (!span) continue;
        if (!out.empty() && span->first <= out.back().second) {
            out.back().second = std::max(out.back().second, span->second);
        } else {
            out.push_back(*span);
        }
    }
    return out;
}

std::optional<DailySpans::Span> DailySpans::run_at(TimePoint t) const {
    if (m_always) return Span{TimePoint::min(), TimePoint::max()};
    if (!contains(t)) return std::nullopt;
    const date::local_days day = local_day(*m_zone, t);
    for (int window = k_first_window;; window *= 2) {
        const date::local_days first = day - date::days{window};
        const date::local_days last = day + date::days{window};
        // Edges at or beyond these may continue past what was scanned.
        const TimePoint low = instant_at(*m_zone, date::local_seconds{(first + date::days{1}).time_since_epoch()});
        const TimePoint high = instant_at(*m_zone, date::local_seconds{last.time_since_epoch()});
        for (const Span& run : runs(first, last)) {
            if (run.first <= t && t < run.second) {
                if ((run.first > low && run.second < high) || window >= k_max_window) return run;
                break;
            }
        }
        if (window >= k_max_window) return std::nullopt;  // not reached: contains(t) held
    }
}

std::optional<TimePoint> DailySpans::next_edge_after(TimePoint t) const {
    if (m_always || !m_any_day) return std::nullopt;
    const date::local_days first = local_day(*m_zone, t) - date::days{1};
    for (int window = k_first_window; window <= k_max_window; window *= 2) {
        const date::local_days last = first + date::days{window};
        const TimePoint high = instant_at(*m_zone, date::local_seconds{last.time_since_epoch()});
        for (const Span& run : runs(first, last)) {
            for (TimePoint edge : {run.first, run.second}) {
                if (edge > t && edge < high) return edge;
            }
        }
    }
    return std::nullopt;
}

}  // namespace tocsin::paging::detail
