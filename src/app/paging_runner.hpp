// The daemon's paging shell: keeps each open incident's paging state, asks
// the pure policy (paging/paging_policy.hpp) what to send when an incident
// changed or a cadence deadline passed, and writes the pages to the outbox,
// the new state and any cancellations inside the caller's transaction — the
// one that commits the incident change. The state in memory moves only
// once that transaction committed (finish(true)); a rolled-back round is
// decided again from the same inputs, under the same idempotency keys. No
// Asio: the dispatcher is poked through `on_queued`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/incident/incident.hpp"
#include "tocsin/paging/paging_policy.hpp"

namespace tocsin::store {
class Database;
}
namespace tocsin::incident {
class IncidentManager;
}

namespace tocsin::app {

struct PagingCounters {
    std::uint64_t queued = 0;     // outbox rows inserted
    std::uint64_t cancelled = 0;  // pending rows cancelled (acknowledged, resolved)
    std::uint64_t unreachable = 0;  // escalation levels that reached nobody
};

class PagingRunner {
public:
    explicit PagingRunner(paging::PagingPolicy policy);

    // A reloaded configuration: states stay, cadences follow the new tiers.
    void reconfigure(paging::PagingPolicy policy);
    const paging::PagingPolicy& policy() const { return m_policy; }
    // Channels failing for a while: pages also go through the others.
    void set_unhealthy(std::set<std::string> channels) { m_policy.set_unhealthy(std::move(channels)); }

    // Reads the states of incidents still being paged (at start-up).
    Status load(store::Database& db);

    // Inside the caller's open transaction: decides for every incident with
    // new stored `events` (their snapshots in `updates`, else `incidents`)
    // and for every incident whose deadline is due, and writes outbox rows,
    // cancellations and states. Call finish() once the transaction ended.
    Status stage(store::Database& db, const std::vector<incident::IncidentUpdate>& updates,
                 const std::vector<incident::IncidentEvent>& events, const incident::IncidentManager& incidents,
                 TimePoint now);
    // committed: the staged states become current (and on_queued runs when
    // rows were queued); otherwise they are dropped.
    void finish(bool committed);

    // Whether some incident's cadence is due at `now`; the earliest deadline.
    bool due(TimePoint now) const;
    std::optional<TimePoint> next_deadline() const;
    std::optional<paging::PagingState> state_of(std::int64_t incident_id) const;

    const PagingCounters& counters() const { return m_counters; }
    std::function<void()> on_queued;
    // After a committed round: the next deadline may have moved (re-arm).
    std::function<void()> on_committed;

private:
    struct Entry {
        paging::PagingState state;
        std::optional<TimePoint> deadline;
    };
    paging::PagingPolicy m_policy;
    std::map<std::int64_t, Entry> m_entries;
    std::map<std::int64_t, Entry> m_staged;
    PagingCounters m_counters;
    PagingCounters m_staged_counters;
};

}  // namespace tocsin::app
