// The paging policy (docs/paging.md): from an incident, what just happened
// to it, its paging state and `now`, decide whom to page, remind or tell,
// on which channels, and when to look again. Pure: no clock, no I/O; the
// shell (app/paging_runner) stores the state and queues the pages in the
// transaction that commits the incident change.
//
// Per tier ([severity.X]):
//   escalation  level 1 is paged at declaration; level n+1 when nobody has
//               acknowledged within level n+1's `after` (default ack_within),
//               the chain run `repeat` more times, then the last level stays
//   repage_every  the current level again until acknowledged
//   update_every  after acknowledgement, the owner is reminded when no status
//               update (note, state change) came within the cadence
//   resolve_within  the owner and the next level are told when it passes
//   channels, hours  where pages go, and whether they wait for business hours
//
// Every page has a deterministic idempotency key, so deciding again after a
// crash queues nothing twice (the outbox ignores a key it has):
//   page/<incident>/c<cycle>/l<level>/r<repage>/<person>/<channel>
//   notice/<incident>/e<event id>/<person>/<channel>
//   remind/<incident>/u<n>/<person>/<channel>      (status update due)
//   remind/<incident>/resolve/<person>/<channel>   (resolution target passed)
//   remind/<incident>/publish/<person>/<channel>   (first public notice due soon)
//   postmortem/<incident>/<n>/<person>/<channel>   (postmortem not published yet)
//   public/<incident>/<what>/<subscribers>/<channel>/<recipient>  (subscribers:
//       known, e<event id> for a status update, u<n> still investigating, resolved)
// An acknowledgement cancels the pending "page/<incident>/" rows; the
// resolution also cancels pending reminders.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/incident/incident.hpp"
#include "tocsin/notify/channel.hpp"

namespace tocsin::paging {

// Where one incident's paging stands; stored with the incident.
struct PagingState {
    std::int64_t incident_id = 0;
    // Escalation restarts (a severity raise before acknowledgement); part
    // of page keys so a restarted chain pages again.
    int cycle = 0;
    std::string tier;            // the tier the current cycle runs on
    int level = 0;               // 0-based, counting repeats of the chain
    TimePoint level_started{};   // when the current level was (due to be) paged
    int repages = 0;             // re-pages of the current level so far
    std::vector<std::string> paged;  // people paged so far, in order; told about ack, state, resolution
    std::optional<TimePoint> last_update;  // the last status update (or the acknowledgement)
    int update_reminders = 0;    // reminders sent since the first acknowledgement
    bool resolve_notified = false;
    bool published = false;         // subscribers were told the incident is known
    bool publish_reminded = false;  // the level was reminded that the first public notice is due
    std::optional<TimePoint> postmortem_due;  // set at resolution when the tier requires one
    int postmortem_reminders = 0;
    bool closed = false;         // resolved and told: nothing more to decide

    bool operator==(const PagingState&) const = default;
};

enum class PageKind {
    page,      // the level's page (declaration, escalation, re-page): actionable
    notice,    // something happened (acknowledged, state, severity, resolved)
    reminder,  // a status update is due, or the resolution target passed
    announcement,  // the public side: a notice to [[subscribers]]
};

const char* to_string(PageKind kind) noexcept;

// One notification for one person on one channel.
struct Page {
    PageKind kind = PageKind::page;
    std::string person;     // a [[person]], or the [[subscribers]] name of an announcement
    std::string channel;    // a [channel.*] name
    std::string recipient;  // as the channel reads it: address, chat id, person name
    notify::Notification notification;  // idempotency_key as above; thread_root left to the dispatcher
    TimePoint not_before{};  // due then (business-hours tiers wait for opening)
    std::optional<std::int64_t> event_id;  // the audit event that caused it

    bool operator==(const Page&) const = default;
};

struct PagingDecision {
    PagingState state;
    std::vector<Page> pages;
    // Pending outbox rows of the incident with these key prefixes are
    // cancelled (re-pages after an acknowledgement).
    std::vector<std::string> cancel_prefixes;
    // Levels that could reach nobody (no one on call, no address on any
    // configured channel): the chain moved past them.
    std::vector<int> unreachable_levels;
    std::optional<TimePoint> next_deadline;  // decide again then
};

// A failed destination's alternative: the same person's next channel.
struct Destination {
    std::string person;
    std::string channel;
    std::string recipient;

    bool operator==(const Destination&) const = default;
};

class PagingPolicy {
public:
    // Builds schedules, people and business hours from a validated config;
    // `channels` are the channels the daemon actually runs (pages for the
    // others are skipped). Errors only for what the loader already refuses.
    static Result<PagingPolicy> make(const config::Config& config, std::set<std::string> channels);

    // The state of an incident seen for the first time: cycle 0 on its
    // tier, level 0 due at its declaration.
    PagingState initial_state(const incident::Incident& incident) const;

    // `events` are the incident's events stored since the last decision,
    // in order, with ids (kinds this policy does not react to are skipped).
    PagingDecision decide(const incident::Incident& incident, std::span<const incident::IncidentEvent> events,
                          const PagingState& state, TimePoint now) const;

    // A person's "Escalate" (Telegram button, API): the next level is paged
    // now. Nothing changes (nullopt) when the incident is closed or the chain
    // is at its last level.
    std::optional<PagingDecision> escalate(const incident::Incident& incident, const PagingState& state,
                                           std::int64_t event_id, TimePoint now) const;

    // The [[person]] a channel recipient belongs to (e.g. a Telegram chat id);
    // nullopt when none.
    std::optional<std::string> person_for(const std::string& channel, const std::string& recipient) const;
    // The person's next configured channel after `failed` (the order:
    // telegram, email, webhook), for the dispatcher's fallback.
    std::optional<Destination> fallback(const std::string& channel, const std::string& recipient) const;

    const std::set<std::string>& channels() const;

    // Where a page of `tier`'s first escalation level goes at `now`: each
    // person on call at that level, on each of the tier's channels the
    // daemon runs (quiet hours and failing channels as for any page). For
    // tocsin's notices about itself that cannot go through the outbox.
    std::vector<Destination> first_level(const std::string& tier, TimePoint now) const;

    // Channels that have been failing (the paging path is monitored): a page
    // that would use one also goes, at once, through the person's other
    // configured channels, while the failing one keeps trying (its first
    // delivery shows it works again).
    void set_unhealthy(std::set<std::string> channels);
    const std::set<std::string>& unhealthy() const;

private:
    struct Impl;
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace tocsin::paging
