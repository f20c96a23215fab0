// The only way domain code learns the time. Production uses SystemClock;
// tests drive ManualClock so a 15-minute rule is checked in microseconds.
#pragma once

#include <chrono>
#include <mutex>

namespace tocsin {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// Thread-safe so a test may advance it while a daemon thread reads it.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start = TimePoint{}) : m_now(start) {}
    TimePoint now() const override {
        std::lock_guard lock(m_mutex);
        return m_now;
    }
    void set(TimePoint t) {
        std::lock_guard lock(m_mutex);
        m_now = t;
    }
    void advance(Duration d) {
        std::lock_guard lock(m_mutex);
        m_now += d;
    }

private:
    mutable std::mutex m_mutex;
    TimePoint m_now;
};

// Seconds since the Unix epoch as a double, the unit of Prometheus timestamps.
inline double to_unix_seconds(TimePoint t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace tocsin
