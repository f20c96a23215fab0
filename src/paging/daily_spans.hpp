// Spans of local time that repeat by day in a time zone: on every local date
// D whose weekday is on (and that is not closed), [D + start, D + end), the
// end on D + 1 when the hours wrap past midnight. Behind a layer's active
// days and hours, quiet hours and business hours.
//
// Wall-clock times become instants as everywhere in tocsin: one skipped by a
// daylight-saving change is the change itself, a repeated one its first
// occurrence; so a span can lose or gain an hour, or vanish.
#pragma once

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include <date/tz.h>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"

namespace tocsin::paging::detail {

// The IANA zone called `name`, or nullptr when there is none.
const date::time_zone* find_zone(const std::string& name);

// The instant of a wall-clock time (see above).
TimePoint instant_at(const date::time_zone& zone, date::local_seconds local);
// The local date and wall-clock time of t.
date::local_seconds local_at(const date::time_zone& zone, TimePoint t);
date::local_days local_day(const date::time_zone& zone, TimePoint t);

// Floor division for turn numbers before an anchor.
std::int64_t floor_div(std::int64_t a, std::int64_t b);

class DailySpans {
public:
    using Span = std::pair<TimePoint, TimePoint>;

    // `days` by date::weekday::c_encoding() (0 = Sunday); `closed` sorted.
    DailySpans(const date::time_zone* zone, config::DailyHours hours, std::array<bool, 7> days,
               std::vector<date::local_days> closed = {});

    // Every day, all day, nothing closed: one endless span, no edges.
    bool always() const { return m_always; }
    const date::time_zone& zone() const { return *m_zone; }

    // Day `day`'s span, nullopt when the day is off or its span is empty.
    std::optional<Span> on_day(date::local_days day) const;
    bool contains(TimePoint t) const;
    // The spans around t joined where one ends as the next starts, the one
    // containing t; nullopt when t is outside. Endless sides (always())
    // are TimePoint::min() and max().
    std::optional<Span> run_at(TimePoint t) const;
    // The first start or end of a joined run strictly after t; nullopt for
    // always() (and when no day is on).
    std::optional<TimePoint> next_edge_after(TimePoint t) const;

private:
    bool day_on(date::local_days day) const;
    std::vector<Span> runs(date::local_days from, date::local_days to) const;

    const date::time_zone* m_zone;
    config::DailyHours m_hours;
    std::array<bool, 7> m_days;
    std::vector<date::local_days> m_closed;
    bool m_always = false;
    bool m_any_day = false;
};

}  // namespace tocsin::paging::detail
