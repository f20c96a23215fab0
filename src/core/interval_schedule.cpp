#include "tocsin/core/interval_schedule.hpp"

namespace tocsin {

std::uint64_t stable_hash(std::string_view text) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

IntervalSchedule::IntervalSchedule(std::string_view name, Duration interval)
    : m_interval(interval.count() > 0 ? interval : Duration(1)),
      m_offset(static_cast<Duration::rep>(stable_hash(name) % static_cast<std::uint64_t>(m_interval.count()))) {}

TimePoint IntervalSchedule::last_at_or_before(TimePoint now) const {
    auto since_epoch = std::chrono::duration_cast<Duration>(now.time_since_epoch()) - m_offset;
    auto k = since_epoch.count() / m_interval.count();
    if (since_epoch.count() < 0 && since_epoch.count() % m_interval.count() != 0) --k;  // floor for times before the offset
    return TimePoint(m_offset + k * m_interval);
}

TimePoint IntervalSchedule::next_after(TimePoint now) const { return last_at_or_before(now) + m_interval; }

}  // namespace tocsin
