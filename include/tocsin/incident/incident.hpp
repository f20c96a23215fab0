// An incident and the events of its audit trail, as plain data. The
// incident manager (incident_manager.hpp) decides; the store
// (store/incident_repository.hpp) keeps rows and chains event hashes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/labels.hpp"

namespace tocsin::incident {

// investigating → identified → monitoring → resolved. Humans may move
// between the first three freely; tocsin moves to monitoring when the
// condition clears, back to investigating when it returns, and to resolved
// after the tier's quiet period. Resolved is final.
enum class IncidentState { investigating, identified, monitoring, resolved };

const char* to_string(IncidentState state) noexcept;
std::optional<IncidentState> parse_incident_state(std::string_view text) noexcept;

// The kinds of audit events. Stored by name; names never change.
enum class EventKind {
    opened,             // declared (by a rule or a person)
    alert_joined,       // another alert of the group joined the open incident
    component_affected, // a dependant component's alert joined (dependencies)
    severity_changed,   // detail: "FROM -> TO"
    state_changed,      // detail: "FROM -> TO"
    acknowledged,
    impact_changed,     // a new peak impact
    note,               // a human's status update without a state change
    taxonomy_set,
    page_queued,        // the paging issue
    page_sent,
    page_failed,
    escalated,          // a person asked for the next escalation level now
    postmortem_published,  // message: where; ends the postmortem reminders
    owner_assigned,        // detail: "FROM -> TO" (FROM "" when nobody owned it)
};

const char* to_string(EventKind kind) noexcept;
std::optional<EventKind> parse_event_kind(std::string_view text) noexcept;

// Who did something, and through which channel ("rule", "api", "cli",
// "telegram", "email").
struct Actor {
    std::string name;     // "tocsin" for automatic changes, else a person
    std::string channel;  // "rule" for automatic changes

    bool operator==(const Actor&) const = default;
};

inline Actor tocsin_actor() { return Actor{"tocsin", "rule"}; }

struct Incident {
    std::int64_t id = 0;  // 1, 2, ... assigned by the manager, never reused
    // The grouping key: rule name and the group_by label values, e.g.
    // `ApiDown{component="api"}`; "manual:ID" for manual incidents.
    std::string key;
    std::string rule;       // "" for manual incidents
    std::string component;  // "" when none
    std::string title;
    std::string description;
    std::string severity;   // a tier name
    IncidentState state = IncidentState::investigating;
    bool security = false;
    bool manual = false;
    std::string reporter;   // manual incidents: who declared it

    // Impact: affected users/customers; nullopt when the rule has no impact.
    std::optional<double> impact;
    std::optional<double> peak_impact;

    // Alerts (label sets) that joined, in join order, and components
    // affected through dependencies (beyond `component`), sorted.
    std::vector<Labels> alerts;
    std::vector<std::string> affected_components;

    // Timestamps (the postmortem's timeline).
    TimePoint impact_started{};  // first failing sample (the alert's active_at)
    TimePoint detected{};        // declared
    std::optional<TimePoint> acknowledged;
    std::optional<Actor> acknowledged_by;
    std::optional<TimePoint> identified;
    std::optional<TimePoint> mitigated;  // last entered monitoring
    std::optional<TimePoint> resolved;

    // Whether the rule's condition held at the last evaluation, and since
    // when it has been clear (the auto-resolve clock).
    bool condition_active = true;
    std::optional<TimePoint> clear_since;
    // The severity tocsin last computed (base, escalations, floor): a human's
    // lowering sticks until this computes something more severe.
    std::string auto_severity;

    std::string taxonomy;  // "DATA_QUALITY < FAILED_MIGRATION"; "" unset

    bool open() const { return state != IncidentState::resolved; }
    bool operator==(const Incident&) const = default;
};

// One append-only audit row. The store assigns id, prev_hash and hash.
struct IncidentEvent {
    std::int64_t id = 0;
    std::int64_t incident_id = 0;
    TimePoint at{};
    EventKind kind = EventKind::note;
    Actor actor;
    std::string message;  // a human's words, or tocsin's reason
    std::string detail;   // machine-readable detail, e.g. "P2 -> P1"
    std::string prev_hash;  // hex SHA-256 of the previous row; "" for the first
    std::string hash;       // hex SHA-256 over prev_hash and this row's fields

    bool operator==(const IncidentEvent&) const = default;
};

// A change the shell must persist: the incident as it now is, and the events
// that explain it, committed together.
struct IncidentUpdate {
    Incident incident;
    std::vector<IncidentEvent> events;
};

}  // namespace tocsin::incident
