// Runs periodic checks (probes, scrapes) on their IntervalSchedule slots with
// bounded concurrency. A check still running at its next slot skips that slot
// (counted) rather than piling up; a hung check never delays another.
#pragma once

#include <functional>
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
