// [business_hours]: when the office is open, and time that counts only while
// it is ("acknowledge within 4 business hours", "an update once per business
// day"). Open on the configured weekdays, from start to end local time in the
// time zone, except on holidays. Pure: time is a parameter.
#pragma once

#include <memory>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::paging {

class BusinessHours {
public:
    // An invalid_argument error for an unknown time zone, no weekdays, a
    // weekday outside 0..6 or an end not after the start (the loader refuses
    // these already).
    static Result<BusinessHours> make(const config::BusinessHoursConfig& config);

    const config::BusinessHoursConfig& config() const { return m_config; }

    // Open at t: [start, end) of an open day's local time.
    bool is_open(TimePoint t) const;
    // t when open, else the next opening.
    TimePoint next_open(TimePoint t) const;
    // The earliest instant by which `d` of open time has passed since t:
    // with 09:00-18:00 on weekdays, 4h from Friday 17:00 is Monday 12:00,
    // and 1h from Friday 17:00 is Friday 18:00. d <= 0 gives t.
    TimePoint add_business_time(TimePoint t, Duration d) const;
    // `n` business days after t: the same local time of day on the n-th
    // open day after the one t falls in (t outside hours counts from the
    // next opening, so one business day from Friday 20:00 is Monday's
    // close). n <= 0 gives t.
    TimePoint add_business_days(TimePoint t, int n) const;
    // Open time within [from, to); zero when to <= from.
    Duration business_time_between(TimePoint from, TimePoint to) const;

private:
    struct Impl;
    config::BusinessHoursConfig m_config;
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace tocsin::paging
