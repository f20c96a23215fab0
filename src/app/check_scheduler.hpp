// Runs periodic checks (probes, scrapes) on their IntervalSchedule slots with
// bounded concurrency. A check still running at its next slot skips that slot
// (counted) rather than piling up; a hung check never delays another.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tocsin/core/interval_schedule.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::app {

struct ScheduledCheck {
    std::string key;  // unique, stable across reloads ("target/api", "scrape/node/host:9100")
    Duration interval;
    // Starts one run; must call `done` exactly once, on the io_context.
    std::function<void(std::function<void()> done)> run;
};

struct SchedulerObserver {
    std::function<void(const std::string& key, double lateness_seconds)> started;
    std::function<void(const std::string& key)> skipped;
};

// The log's view of skipped ticks. Under overload thousands of checks skip
// their slot every minute; one warning each would flood the journal (the
// counter tocsin_scheduler_skipped_ticks_total has them all). The first
// skip after a quiet `period` is logged at once; later ones are summed up
// once per `period`. Pure: the caller passes steady time and logs.
class SkipDigest {
public:
    using Time = std::chrono::steady_clock::time_point;
    struct Summary {
        std::size_t ticks = 0;
        std::size_t checks = 0;
        std::vector<std::string> examples;  // the first few checks, in order
    };

    explicit SkipDigest(std::chrono::steady_clock::duration period = std::chrono::minutes(1)) : m_period(period) {}

    // A check skipped its slot. True: log this one now (and call flush() at
    // next_flush() for what follows).
    bool note(const std::string& key, Time now);
    // What was summed up since the last line, when its period is over (or
    // nothing was summed up: nullopt).
    std::optional<Summary> flush(Time now);
    // When flush() has a summary to give; nullopt when nothing waits.
    std::optional<Time> next_flush() const;

private:
    std::chrono::steady_clock::duration m_period;
    std::optional<Time> m_last_line;
    std::size_t m_ticks = 0;
    std::set<std::string> m_checks;
    std::vector<std::string> m_examples;
};

class CheckScheduler {
public:
    CheckScheduler(boost::asio::io_context& io, const Clock& clock, std::size_t max_concurrent, SchedulerObserver observer);
    ~CheckScheduler();

    // Replaces the set of checks. Checks whose key stays keep their in-flight
    // run; removed checks finish their run but are not started again.
    void set_checks(std::vector<ScheduledCheck> checks);
    void set_max_concurrent(std::size_t max_concurrent);
    void stop();

    std::size_t in_flight() const;
    std::size_t queued() const;

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
};

}  // namespace tocsin::app
