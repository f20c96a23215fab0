// An on-call schedule ([[schedule]]): who is on call at an instant, as which
// layer or override, and when that changes. Pure: time is a parameter.
//
// Layers take turns at wall-clock handoffs of the schedule's time zone, so a
// weekly handoff at 09:00 stays at 09:00 across daylight-saving changes (the
// turn that spans a change lasts an hour more or less). A later layer wins
// wherever it has someone on (its active days and hours); an override wins
// over every layer.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::paging {

// One source's person at an instant.
struct Assignment {
    enum class Source { layer, override };

    std::string person;  // a [[person]] name
    Source source = Source::layer;
    std::size_t index = 0;  // the layer's or the override's position in the config
    std::string layer;      // the layer's name; "" for an override
    // This source's own stretch with this person around the instant asked
    // about, [start, end): for a layer, consecutive turns of the same person
    // from the layer's start, clipped to the active days and hours; for an
    // override, its start and end. Not clipped by what takes precedence.
    // TimePoint::max() as end: the layer never hands over to someone else.
    TimePoint start{};
    TimePoint end{};

    bool operator==(const Assignment&) const = default;
};

class Schedule {
public:
    // How far next_handoff_after looks (two years).
    static constexpr Duration k_lookahead = std::chrono::hours(24 * 366 * 2);

    // An invalid_argument error for an unknown time zone, a layer without
    // people, a rotation under a minute or a weekday outside 0..6 (the
    // loader refuses all of these already; this guards other callers).
    static Result<Schedule> make(const config::ScheduleConfig& config);

    const std::string& name() const { return m_config.name; }
    const config::ScheduleConfig& config() const { return m_config; }

    // Who is on call at t: the override covering t, else the person of the
    // highest layer that has someone on; nullopt when nobody is.
    std::optional<Assignment> on_call(TimePoint t) const;
    // Every source with someone on at t, in precedence order (overrides,
    // then layers from the highest): the first is on_call(t), the rest are
    // who it takes precedence over (e.g. whom an override covers for).
    std::vector<Assignment> coverage(TimePoint t) const;
    // The first instant after t at which the person on call changes (also
    // from or to nobody); nullopt when that does not happen within
    // k_lookahead of t.
    std::optional<TimePoint> next_handoff_after(TimePoint t) const;

private:
    struct Impl;
    config::ScheduleConfig m_config;
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace tocsin::paging
