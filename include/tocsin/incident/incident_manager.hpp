// Turns firing alerts into incidents and moves them through their lifecycle
// (docs/incidents.md). Pure: the caller passes `now` and what the rules
// saw; every call returns the incidents it changed with the audit events
// explaining each change, for the shell to commit in one transaction. No
// clock, no I/O, no paging.
//
//   declared ──► investigating ◄──► identified
//                     ▲ condition returns   │ condition clears (tocsin)
//                     └──── monitoring ◄────┘
//                               │ clear for the tier's auto_resolve_after
//                               ▼
//                            resolved (final)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/incident/incident.hpp"
#include "tocsin/incident/incident_policy.hpp"

namespace tocsin::incident {

// A firing alert as the rule engine reports it.
struct FiringAlert {
    Labels labels;        // the alert's identity, alertname included
    TimePoint active_at;  // when its condition first held
    std::string title;    // the rule's title template (or summary), expanded; may be ""
    std::string description;
};

// A rule that is not in the configuration, such as an alert name that
// Alertmanager sends (docs/alertmanager.md): its settings come with each
// observation. Its name must not be a configured rule's.
struct ExternalRule {
    config::RuleConfig rule;            // name, severity, component ("" : from the labels)
    std::vector<std::string> group_by;  // empty: [incidents] group_by
};

// One rule's evaluation: its firing alerts (pending ones are not incidents
// yet) and the value of its impact expression when it has one.
struct RuleObservation {
    std::string rule;
    std::vector<FiringAlert> firing;
    std::optional<double> impact;  // nullopt: no impact expression, or it failed
    std::optional<ExternalRule> external;  // set for rules from outside the configuration
};

struct ManualDeclaration {
    std::string title;
    std::vector<std::string> components;  // the first is the incident's component
    std::string severity;                 // "" : [incidents] default_severity
    std::string description;
    bool security = false;
    Actor reporter;
    std::optional<TimePoint> impact_started;  // default: now
};

class IncidentManager {
public:
    // `open` are the incidents not yet resolved (from the store), `max_id`
    // the largest id ever used.
    IncidentManager(IncidentPolicy policy, std::vector<Incident> open, std::int64_t max_id);

    // A reloaded configuration. Open incidents stay; rules that are gone stop
    // being observed (their incidents wait for a person).
    void reconfigure(IncidentPolicy policy);
    const IncidentPolicy& policy() const { return m_policy; }

    // One rule's evaluation at `now`: declares, joins, and moves incidents
    // to monitoring and back. Also remembered for tick().
    std::vector<IncidentUpdate> observe(const RuleObservation& observation, TimePoint now);

    // Time-driven changes: auto-resolution after the quiet period, severity
    // raised by duration, declarations held back by a maintenance window
    // that has ended or a dependency's incident that was resolved.
    std::vector<IncidentUpdate> tick(TimePoint now);
    // When tick() next has something to do; nullopt when nothing is due.
    std::optional<TimePoint> next_deadline(TimePoint now) const;

    // People's actions. Each returns the update to commit, or an error
    // saying why nothing changed (unknown id, already resolved, ...).
    Result<IncidentUpdate> declare(const ManualDeclaration& declaration, TimePoint now);
    Result<IncidentUpdate> acknowledge(std::int64_t id, const Actor& actor, TimePoint now);
    // Resolving while the rule's condition still holds needs `force`: tocsin
    // never marks resolved what is still failing unless told to.
    Result<IncidentUpdate> set_state(std::int64_t id, IncidentState state, const Actor& actor,
                                     const std::string& message, TimePoint now, bool force = false);
    Result<IncidentUpdate> set_severity(std::int64_t id, const std::string& severity, const Actor& actor,
                                        const std::string& message, TimePoint now);
    Result<IncidentUpdate> add_note(std::int64_t id, const Actor& actor, const std::string& message,
                                    TimePoint now);
    // Hands the incident to `owner` (who then gets its reminders). An
    // incident nobody had acknowledged is acknowledged by the assignment:
    // paging stops, as when its owner presses Acknowledge.
    Result<IncidentUpdate> assign_owner(std::int64_t id, const std::string& owner, const Actor& actor,
                                        const std::string& message, TimePoint now);

    // Records a taxonomy set_taxonomy() produced on an open incident.
    bool apply_taxonomy(std::int64_t id, const std::string& taxonomy);

    const Incident* find(std::int64_t id) const;
    bool has_open_for_rule(std::string_view rule) const;
    // Open incidents by id.
    std::vector<Incident> open_incidents() const;
    std::int64_t max_id() const { return m_max_id; }

private:
    struct Group;
    struct Change;

    // The configured rule, else the external one last observed; nullptr if neither.
    const config::RuleConfig* rule_config(std::string_view name) const;
    const std::vector<std::string>& group_by(std::string_view rule) const;
    void observe_groups(const RuleObservation& observation, TimePoint now, std::vector<IncidentUpdate>& out);
    Incident* open_by_key(const std::string& key);
    Incident& insert_open(Incident incident);
    void erase_open(std::int64_t id);
    Incident* open_covering(const std::string& component, bool manual_only);
    void declare_group(const config::RuleConfig& rule, const Group& group, std::optional<double> impact,
                       TimePoint now, std::vector<IncidentUpdate>& out);
    void reassess(Incident& incident, TimePoint now, std::vector<IncidentEvent>& events) const;
    std::string computed_severity(const Incident& incident, TimePoint now, std::string* reason) const;
    std::vector<IncidentUpdate> resolve_quiet(TimePoint now);
    void emit(Incident& incident, std::vector<IncidentEvent> events, std::vector<IncidentUpdate>& out);

    IncidentPolicy m_policy;
    std::map<std::int64_t, Incident> m_open;
    std::map<std::string, std::int64_t, std::less<>> m_by_key;  // open incidents by grouping key
    std::size_t m_manual_open = 0;
    std::int64_t m_max_id = 0;
    std::map<std::string, RuleObservation, std::less<>> m_last;  // by rule
    std::map<std::string, ExternalRule, std::less<>> m_external;  // by rule name
    std::map<std::int64_t, double> m_impact_evented;  // peak at the last impact event
};

// Sets the taxonomy term or tree of any incident, resolved ones included
// (postmortems are written after resolution). `taxonomy` is parsed with
// parse_taxonomy().
Result<IncidentUpdate> set_taxonomy(const Incident& incident, const std::string& taxonomy, const Actor& actor,
                                    TimePoint now);

// Records that the incident's postmortem is published (at `url`, which may
// be ""): it ends the postmortem reminders. Only for resolved incidents.
Result<IncidentUpdate> mark_postmortem_published(const Incident& incident, const std::string& url, const Actor& actor,
                                                 TimePoint now);

}  // namespace tocsin::incident
