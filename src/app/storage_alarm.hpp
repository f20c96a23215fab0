// What tocsin tells people about its own state storage (docs/reliability.md,
// "Disk full"). Writes to the state directory (the SQLite store, the series
// snapshot) can fail for reasons only a person fixes: a full disk, an I/O
// error, a read-only remount. tocsin keeps running meanwhile (probes, rules,
// incident changes held in memory), so the failure must reach someone by a
// path that does not write to that directory: the daemon sends the notices
// this class decides on straight through a channel, outside the outbox.
//
// Per episode (from the first failed write until every operation wrote
// again):
//   failing    once writes have failed for `alert_after` (a blip shorter
//              than that is only logged); names each failing operation,
//              its last error and the incident declarations held in memory
//   update     a declaration held since the last notice (not yet stored,
//              so not yet paged): at most one every `alert_after`
//   reminder   every `remind_every` while it lasts
//   recovered  when everything writes again, if `failing` went out
// Pure: no clock, no I/O; the daemon passes `now`, sends, logs and counts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tocsin/core/clock.hpp"

namespace tocsin::app {

// A declaration that happened but is not stored (and so not paged) yet.
struct HeldIncident {
    std::int64_t id = 0;
    std::string severity;
    std::string title;
};

struct StorageNotice {
    enum class Kind { failing, update, reminder, recovered };
    Kind kind = Kind::failing;
    std::string key;  // stable per notice: storage/<since ms>/<kind>[/<n>] (Message-ID, dedup)
    std::string subject;
    std::string text;
};

const char* to_string(StorageNotice::Kind kind) noexcept;

struct StorageAlarmOptions {
    Duration alert_after = std::chrono::minutes(5);
    Duration remind_every = std::chrono::hours(1);
    std::string state_dir;  // named in the notices
};

class StorageAlarm {
public:
    explicit StorageAlarm(StorageAlarmOptions options = {}) : m_options(std::move(options)) {}
    void set_options(StorageAlarmOptions options) { m_options = std::move(options); }

    // One write of `operation` ("database", "snapshot") failed or succeeded.
    // True when the operation's state changed (failing <-> ok): the caller
    // logs that, and only that, so a full disk is one line, not one a round.
    bool failed(const std::string& operation, const std::string& error, TimePoint now);
    bool succeeded(const std::string& operation);

    bool failing() const;
    bool failing(const std::string& operation) const;
    std::optional<TimePoint> failing_since() const { return m_since; }
    // Failed writes of `operation` in the current episode (0 when ok).
    std::uint64_t errors(const std::string& operation) const;

    // The notice to send now, if any; it counts as sent from here on (the
    // daemon's delivery retries on its own). `held`: declarations waiting
    // in memory for the store.
    std::optional<StorageNotice> due(TimePoint now, const std::vector<HeldIncident>& held);
    // When due() may next have something to send, after a call of due() at
    // `now`; nullopt: only after the next outcome.
    std::optional<TimePoint> next_deadline(TimePoint now) const;

private:
    struct Operation {
        std::optional<TimePoint> failing_since;
        std::string last_error;
        std::uint64_t errors = 0;
    };
    std::string describe(TimePoint now) const;
    std::string held_lines(const std::vector<HeldIncident>& held) const;

    StorageAlarmOptions m_options;
    std::map<std::string, Operation> m_operations;
    std::optional<TimePoint> m_since;  // the episode's first failure
    std::map<std::string, std::uint64_t> m_episode_errors;  // kept until the recovered notice
    bool m_alerted = false;
    TimePoint m_last_sent{};
    int m_reminders = 0;
    int m_updates = 0;
    std::set<std::int64_t> m_announced;  // held declarations already named in a notice
};

}  // namespace tocsin::app
