#include "paging_runner.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/outbox_repository.hpp"
#include "tocsin/store/paging_repository.hpp"

namespace tocsin::app {

PagingRunner::PagingRunner(paging::PagingPolicy policy) : m_policy(std::move(policy)) {}

void PagingRunner::reconfigure(paging::PagingPolicy policy) {
    policy.set_unhealthy(m_policy.unhealthy());
    m_policy = std::move(policy);
    // Deadlines follow the new cadence: decide every open incident again
    // at the next round.
    for (auto& [id, e] : m_entries) e.deadline = TimePoint{};
}

Status PagingRunner::load(store::Database& db) {
    auto states = store::PagingRepository(db).load_open();
    if (!states) return states.error();
    for (auto& s : *states) {
        const auto id = s.incident_id;
        // Decide at once: a deadline may have passed while tocsin was down.
        m_entries[id] = Entry{std::move(s), TimePoint{}};
    }
    return Ok{};
}

Status PagingRunner::stage(store::Database& db, const std::vector<incident::IncidentUpdate>& updates,
                           const std::vector<incident::IncidentEvent>& events,
                           const incident::IncidentManager& incidents, TimePoint now) {
    m_staged.clear();
    m_staged_counters = {};
    std::map<std::int64_t, std::vector<incident::IncidentEvent>> by_incident;
    for (const auto& ev : events) by_incident[ev.incident_id].push_back(ev);
    std::map<std::int64_t, const incident::Incident*> snapshots;
    for (const auto& u : updates) snapshots[u.incident.id] = &u.incident;  // the last one wins
    std::set<std::int64_t> ids;
    for (const auto& [id, _] : by_incident) ids.insert(id);
    for (const auto& [id, e] : m_entries) {
        if (e.deadline && *e.deadline <= now) ids.insert(id);
    }

    store::OutboxRepository outbox(db);
    store::PagingRepository repo(db);
    for (const auto id : ids) {
        const incident::Incident* inc = nullptr;
        if (auto it = snapshots.find(id); it != snapshots.end()) inc = it->second;
        if (inc == nullptr) inc = incidents.find(id);
        // Resolved incidents leave the manager; one still owing a
        // postmortem (or a command on it) is read back from the store.
        std::optional<incident::Incident> stored;
        if (inc == nullptr && m_entries.count(id)) {
            auto found = store::IncidentRepository(db).find(id);
            if (!found) return found.error();
            stored = std::move(*found);
            if (stored) inc = &*stored;
        }
        if (inc == nullptr) {
            // Resolved and no longer held: nothing more to page.
            if (auto it = m_entries.find(id); it != m_entries.end()) {
                auto closed = it->second.state;
                closed.closed = true;
                if (auto ok = repo.save(closed); !ok) return ok;
                m_staged[id] = Entry{closed, std::nullopt};
            }
            continue;
        }

        paging::PagingState state;
        if (auto it = m_entries.find(id); it != m_entries.end()) {
            state = it->second.state;
        } else {
            // A closed state stays closed (a taxonomy set on an incident
            // resolved long ago pages nobody); otherwise it starts now.
            auto saved = repo.find(id);
            if (!saved) return saved.error();
            state = *saved ? **saved : m_policy.initial_state(*inc);
        }
        const auto& evs = by_incident[id];
        paging::PagingDecision d = m_policy.decide(*inc, evs, state, now);
        // A person's "escalate": the next level now, after the rest.
        for (const auto& ev : evs) {
            if (ev.kind != incident::EventKind::escalated) continue;
            if (auto e = m_policy.escalate(*inc, d.state, ev.id, ev.at)) {
                d.state = e->state;
                for (auto& p : e->pages) d.pages.push_back(std::move(p));
                if (e->next_deadline && (!d.next_deadline || *e->next_deadline < *d.next_deadline)) {
                    d.next_deadline = e->next_deadline;
                }
            }
        }

        for (const auto& prefix : d.cancel_prefixes) {
            auto n = outbox.cancel_for_incident(id, prefix);
            if (!n) return n.error();
            m_staged_counters.cancelled += static_cast<std::uint64_t>(*n);
        }
        for (const auto& page : d.pages) {
            auto entry = store::make_outbox_entry(page.notification, page.channel, page.recipient, now, page.event_id);
            entry.next_attempt_at = std::max(now, page.not_before);
            auto queued = outbox.enqueue(entry);
            if (!queued) return queued.error();
            if (queued->inserted) ++m_staged_counters.queued;
        }
        for (int level : d.unreachable_levels) {
            ++m_staged_counters.unreachable;
            spdlog::error("incident {}: escalation level {} of {} reaches nobody (no one on call or no address on a "
                          "configured channel); moving on",
                          id, level + 1, d.state.tier);
        }
        if (d.state != state || !m_entries.count(id)) {
            if (auto ok = repo.save(d.state); !ok) return ok;
        }
        m_staged[id] = Entry{d.state, d.state.closed ? std::nullopt : d.next_deadline};
    }
    return Ok{};
}

void PagingRunner::finish(bool committed) {
    if (committed) {
        for (auto& [id, e] : m_staged) {
            if (e.state.closed) {
                m_entries.erase(id);
            } else {
                m_entries[id] = std::move(e);
            }
        }
        m_counters.queued += m_staged_counters.queued;
        m_counters.cancelled += m_staged_counters.cancelled;
        m_counters.unreachable += m_staged_counters.unreachable;
        if (m_staged_counters.queued > 0 && on_queued) on_queued();
        if (!m_staged.empty() && on_committed) on_committed();
    }
    m_staged.clear();
    m_staged_counters = {};
}

bool PagingRunner::due(TimePoint now) const {
    for (const auto& [id, e] : m_entries) {
        if (e.deadline && *e.deadline <= now) return true;
    }
    return false;
}

std::optional<TimePoint> PagingRunner::next_deadline() const {
    std::optional<TimePoint> out;
    for (const auto& [id, e] : m_entries) {
        if (e.deadline && (!out || *e.deadline < *out)) out = e.deadline;
    }
    return out;
}

std::optional<paging::PagingState> PagingRunner::state_of(std::int64_t incident_id) const {
    auto it = m_entries.find(incident_id);
    if (it == m_entries.end()) return std::nullopt;
    return it->second.state;
}

}  // namespace tocsin::app
