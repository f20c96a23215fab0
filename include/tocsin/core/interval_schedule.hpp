// When a periodic check runs. Slots are anchored to the Unix epoch plus a
// stable per-name offset, so checks spread evenly across their interval, keep
// their phase across restarts and reloads, and never drift.
#pragma once

#include <cstdint>
#include <string_view>

#include "tocsin/core/clock.hpp"

namespace tocsin {

class IntervalSchedule {
public:
    IntervalSchedule(std::string_view name, Duration interval);

    Duration interval() const { return m_interval; }
    Duration offset() const { return m_offset; }

    // The first slot strictly after `now`.
    TimePoint next_after(TimePoint now) const;
    // The last slot at or before `now`.
    TimePoint last_at_or_before(TimePoint now) const;

private:
    Duration m_interval;
    Duration m_offset;
};

// FNV-1a 64: stable across runs and builds (unlike std::hash).
std::uint64_t stable_hash(std::string_view text) noexcept;

}  // namespace tocsin
