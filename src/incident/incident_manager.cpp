#include "tocsin/incident/incident_manager.hpp"

#include <algorithm>
#include <cmath>

#include "tocsin/core/duration.hpp"
#include "tocsin/incident/postmortem.hpp"

namespace tocsin::incident {
namespace {

// A new impact peak is an audit event only when it is this much above the
// last one recorded, so a growing count does not write a row per user.
constexpr double k_impact_event_growth = 1.1;

std::string format_number(double v) {
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

IncidentEvent make_event(const Incident& incident, EventKind kind, const Actor& actor, TimePoint at,
                         std::string message, std::string detail = {}) {
    IncidentEvent e;
    e.incident_id = incident.id;
    e.at = at;
    e.kind = kind;
    e.actor = actor;
    e.message = std::move(message);
    e.detail = std::move(detail);
    return e;
}

IncidentEvent state_event(const Incident& incident, IncidentState from, const Actor& actor, TimePoint at,
                          std::string message) {
    return make_event(incident, EventKind::state_changed, actor, at, std::move(message),
                      std::string(to_string(from)) + " -> " + to_string(incident.state));
}

// Moves `incident` to `state`, stamping the lifecycle timestamps.
void enter(Incident& incident, IncidentState state, TimePoint now) {
    incident.state = state;
    switch (state) {
        case IncidentState::identified:
            if (!incident.identified) incident.identified = now;
            break;
        case IncidentState::monitoring:
            incident.mitigated = now;
            break;
        case IncidentState::resolved:
            incident.resolved = now;
            break;
        case IncidentState::investigating:
            break;
    }
}

Error not_found(std::int64_t id) {
    return Error::make(ErrorCategory::not_found, "incident " + std::to_string(id) + " is not open");
}

}  // namespace

// Alerts of one rule that share a grouping key.
struct IncidentManager::Group {
    std::string key;
    std::string component;
    std::vector<const FiringAlert*> alerts;  // in label order
};

IncidentManager::IncidentManager(IncidentPolicy policy, std::vector<Incident> open, std::int64_t max_id)
    : m_policy(std::move(policy)), m_max_id(max_id) {
    for (auto& incident : open) {
        m_max_id = std::max(m_max_id, incident.id);
        if (incident.open()) insert_open(std::move(incident));
    }
}

void IncidentManager::reconfigure(IncidentPolicy policy) {
    m_policy = std::move(policy);
    for (auto it = m_last.begin(); it != m_last.end();) {
        if (rule_config(it->first) == nullptr) {
            it = m_last.erase(it);
        } else {
            ++it;
        }
    }
}

Incident* IncidentManager::open_by_key(const std::string& key) {
    auto it = m_by_key.find(key);
    return it == m_by_key.end() ? nullptr : &m_open.at(it->second);
}

Incident& IncidentManager::insert_open(Incident incident) {
    m_by_key[incident.key] = incident.id;
    m_manual_open += incident.manual ? 1 : 0;
    const std::int64_t id = incident.id;
    return m_open.insert_or_assign(id, std::move(incident)).first->second;
}

void IncidentManager::erase_open(std::int64_t id) {
    auto it = m_open.find(id);
    if (it == m_open.end()) return;
    m_by_key.erase(it->second.key);
    m_manual_open -= it->second.manual ? 1 : 0;
    m_impact_evented.erase(id);
    m_open.erase(it);
}

Incident* IncidentManager::open_covering(const std::string& component, bool manual_only) {
    if (component.empty() || (manual_only && m_manual_open == 0)) return nullptr;
    for (auto& [id, incident] : m_open) {
        if (manual_only && !incident.manual) continue;
        if (incident.component == component ||
            std::find(incident.affected_components.begin(), incident.affected_components.end(), component) !=
                incident.affected_components.end()) {
            return &incident;
        }
    }
    return nullptr;
}

void IncidentManager::emit(Incident& incident, std::vector<IncidentEvent> events,
                           std::vector<IncidentUpdate>& out) {
    if (events.empty()) return;
    out.push_back(IncidentUpdate{incident, std::move(events)});
    if (!incident.open()) erase_open(incident.id);
}

std::string IncidentManager::computed_severity(const Incident& incident, TimePoint now, std::string* reason) const {
    const config::RuleConfig* rule = incident.manual ? nullptr : rule_config(incident.rule);
    std::string result = incident.severity;
    std::string why;
    if (rule != nullptr) {
        result = m_policy.base_severity(*rule);
        why = "the rule's base severity";
        for (const auto& e : rule->escalate) {
            std::vector<std::string> because;
            bool holds = true;
            if (e.min_impact) {
                holds = holds && incident.impact && *incident.impact >= *e.min_impact;
                because.push_back("impact " + format_number(incident.impact.value_or(0)) + " >= " +
                                  format_number(*e.min_impact));
            }
            if (e.after) {
                holds = holds && now - incident.detected >= *e.after;
                because.push_back("open for " + format_duration(*e.after));
            }
            if (e.critical) {
                holds = holds && m_policy.critical(incident.component);
                because.push_back("component " + incident.component + " is critical");
            }
            if (holds && m_policy.more_severe(e.severity, result)) {
                result = e.severity;
                why.clear();
                for (const auto& b : because) why += (why.empty() ? "" : " and ") + b;
            }
        }
    }
    if (incident.security && m_policy.more_severe(m_policy.incidents().security_severity, result)) {
        result = m_policy.incidents().security_severity;
        why = "security incidents are at least " + result;
    }
    if (reason != nullptr) *reason = why;
    return result;
}

// Raises the severity when what tocsin computes has changed and is more
// severe than the current one. Never lowers: a person lowers, and the
// lowering sticks until the computation changes again.
void IncidentManager::reassess(Incident& incident, TimePoint now, std::vector<IncidentEvent>& events) const {
    std::string reason;
    std::string computed = computed_severity(incident, now, &reason);
    if (computed == incident.auto_severity) return;
    incident.auto_severity = computed;
    if (!m_policy.more_severe(computed, incident.severity)) return;
    std::string from = incident.severity;
    incident.severity = computed;
    events.push_back(make_event(incident, EventKind::severity_changed, tocsin_actor(), now,
                                "raised: " + reason, from + " -> " + computed));
}

const config::RuleConfig* IncidentManager::rule_config(std::string_view name) const {
    if (const config::RuleConfig* rule = m_policy.rule(name)) return rule;
    auto it = m_external.find(name);
    return it == m_external.end() ? nullptr : &it->second.rule;
}

const std::vector<std::string>& IncidentManager::group_by(std::string_view rule) const {
    auto it = m_external.find(rule);
    if (it != m_external.end() && !it->second.group_by.empty() && m_policy.rule(rule) == nullptr) {
        return it->second.group_by;
    }
    return m_policy.incidents().group_by;
}

std::vector<IncidentUpdate> IncidentManager::observe(const RuleObservation& observation, TimePoint now) {
    std::vector<IncidentUpdate> out;
    if (observation.external) {
        // A configured rule's incidents are never fed from outside.
        if (m_policy.rule(observation.rule) != nullptr) return out;
        m_external[observation.rule] = *observation.external;
    }
    m_last[observation.rule] = observation;
    observe_groups(observation, now, out);
    return out;
}

void IncidentManager::observe_groups(const RuleObservation& observation, TimePoint now,
                                     std::vector<IncidentUpdate>& out) {
    const config::RuleConfig* rule = rule_config(observation.rule);
    if (rule == nullptr || !rule->incident) return;
    const config::IncidentsConfig& options = m_policy.incidents();

    // Group the firing alerts by key: the rule, then each group_by label
    // (the component label falls back to the rule's component).
    std::map<std::string, Group> groups;
    for (const auto& alert : observation.firing) {
        std::string component(alert.labels.get(options.component_label));
        if (component.empty()) component = rule->component;
        std::string key = rule->name + "{";
        bool first = true;
        for (const auto& name : group_by(rule->name)) {
            if (name == "alertname") continue;
            std::string value =
                name == options.component_label ? component : std::string(alert.labels.get(name));
            key += (first ? "" : ",") + name + "=\"" + value + "\"";
            first = false;
        }
        key += "}";
        Group& g = groups[key];
        g.key = key;
        if (g.component.empty()) g.component = component;
        g.alerts.push_back(&alert);
    }

    for (auto& [key, group] : groups) {
        std::sort(group.alerts.begin(), group.alerts.end(),
                  [](const FiringAlert* a, const FiringAlert* b) { return a->labels < b->labels; });
        Incident* incident = open_by_key(key);
        if (incident == nullptr) {
            declare_group(*rule, group, observation.impact, now, out);
            continue;
        }
        std::vector<IncidentEvent> events;
        for (const FiringAlert* alert : group.alerts) {
            if (std::find(incident->alerts.begin(), incident->alerts.end(), alert->labels) == incident->alerts.end()) {
                incident->alerts.push_back(alert->labels);
                events.push_back(make_event(*incident, EventKind::alert_joined, tocsin_actor(), now,
                                            alert->title.empty() ? "another alert of the group fired" : alert->title,
                                            alert->labels.to_string()));
            }
        }
        if (!incident->condition_active) {
            incident->condition_active = true;
            incident->clear_since.reset();
            if (incident->state == IncidentState::monitoring) {
                enter(*incident, IncidentState::investigating, now);
                events.push_back(state_event(*incident, IncidentState::monitoring, tocsin_actor(), now,
                                             "the condition returned"));
            }
        }
        if (observation.impact) {
            bool changed = incident->impact != observation.impact;
            incident->impact = observation.impact;
            if (!incident->peak_impact || *observation.impact > *incident->peak_impact) {
                incident->peak_impact = observation.impact;
                double& last = m_impact_evented[incident->id];
                if (*observation.impact >= last * k_impact_event_growth && *observation.impact > last) {
                    last = *observation.impact;
                    events.push_back(make_event(*incident, EventKind::impact_changed, tocsin_actor(), now,
                                                "impact peaked at " + format_number(*observation.impact),
                                                format_number(*observation.impact)));
                }
            }
            reassess(*incident, now, events);
            if (changed && events.empty()) {
                // The current impact is kept on the row without an event.
                out.push_back(IncidentUpdate{*incident, {}});
            }
        } else {
            reassess(*incident, now, events);
        }
        emit(*incident, std::move(events), out);
    }

    // Open incidents of this rule whose group fired no alert: the condition
    // cleared. tocsin moves them to monitoring, never straight to resolved.
    for (auto& [id, incident] : m_open) {
        if (incident.manual || incident.rule != rule->name || groups.count(incident.key) != 0) continue;
        if (!incident.condition_active) continue;
        std::vector<IncidentEvent> events;
        incident.condition_active = false;
        incident.clear_since = now;
        if (incident.state == IncidentState::investigating || incident.state == IncidentState::identified) {
            IncidentState from = incident.state;
            enter(incident, IncidentState::monitoring, now);
            events.push_back(state_event(incident, from, tocsin_actor(), now, "the condition cleared"));
        } else {
            // Already in monitoring (a person put it there): the quiet period starts now.
            out.push_back(IncidentUpdate{incident, {}});
        }
        emit(incident, std::move(events), out);
    }
}

void IncidentManager::declare_group(const config::RuleConfig& rule, const Group& group,
                                    std::optional<double> impact, TimePoint now,
                                    std::vector<IncidentUpdate>& out) {
    if (rule.min_impact && (!impact || *impact < *rule.min_impact)) return;

    // Planned work is not an incident: only alerts outside every active
    // maintenance window count.
    std::vector<const FiringAlert*> alerts;
    for (const FiringAlert* alert : group.alerts) {
        if (m_policy.maintenance_for(alert->labels, group.component, now) == nullptr) alerts.push_back(alert);
    }
    if (alerts.empty()) return;

    // A component whose dependency already has an open incident (or that a
    // person's incident already covers) is listed on that incident instead.
    Incident* owner = open_covering(group.component, true);
    std::string via;
    if (owner == nullptr) {
        for (const auto& dependency : m_policy.dependencies(group.component)) {
            if ((owner = open_covering(dependency, false)) != nullptr) {
                via = dependency;
                break;
            }
        }
    }
    if (owner != nullptr) {
        std::vector<IncidentEvent> events;
        if (owner->manual && via.empty()) {
            for (const FiringAlert* alert : alerts) {
                if (std::find(owner->alerts.begin(), owner->alerts.end(), alert->labels) != owner->alerts.end()) continue;
                owner->alerts.push_back(alert->labels);
                events.push_back(make_event(*owner, EventKind::alert_joined, tocsin_actor(), now,
                                            "rule " + rule.name + " fired for this incident's component",
                                            alert->labels.to_string()));
            }
        } else if (group.component != owner->component &&
                   std::find(owner->affected_components.begin(), owner->affected_components.end(),
                             group.component) == owner->affected_components.end()) {
            owner->affected_components.push_back(group.component);
            std::sort(owner->affected_components.begin(), owner->affected_components.end());
            events.push_back(make_event(*owner, EventKind::component_affected, tocsin_actor(), now,
                                        "rule " + rule.name + " fired for " + group.component +
                                            ", which depends on " + via,
                                        group.component));
        }
        emit(*owner, std::move(events), out);
        return;
    }

    Incident incident;
    incident.id = ++m_max_id;
    incident.key = group.key;
    incident.rule = rule.name;
    incident.component = group.component;
    const FiringAlert& first = *alerts.front();
    incident.title = first.title;
    if (incident.title.empty()) {
        incident.title = group.component.empty() ? rule.name : rule.name + " on " + group.component;
    }
    incident.description = first.description;
    incident.security = rule.security;
    incident.impact = impact;
    incident.peak_impact = impact;
    incident.impact_started = first.active_at;
    for (const FiringAlert* alert : alerts) {
        incident.alerts.push_back(alert->labels);
        incident.impact_started = std::min(incident.impact_started, alert->active_at);
    }
    incident.detected = now;
    incident.condition_active = true;
    std::string reason;
    incident.severity = computed_severity(incident, now, &reason);
    incident.auto_severity = incident.severity;
    if (impact) m_impact_evented[incident.id] = *impact;

    std::string detail = "severity " + incident.severity + " (" + reason + ")";
    if (impact) detail += "; impact " + format_number(*impact);
    detail += "; alerts";
    for (const auto& labels : incident.alerts) detail += " " + labels.to_string();
    std::vector<IncidentEvent> events{
        make_event(incident, EventKind::opened, tocsin_actor(), now, incident.title, std::move(detail))};
    emit(insert_open(std::move(incident)), std::move(events), out);
}

std::vector<IncidentUpdate> IncidentManager::resolve_quiet(TimePoint now) {
    std::vector<IncidentUpdate> out;
    std::vector<std::int64_t> due;
    for (const auto& [id, incident] : m_open) {
        if (incident.manual || incident.condition_active || !incident.clear_since ||
            incident.state != IncidentState::monitoring) {
            continue;
        }
        const auto* tier = m_policy.tier(incident.severity);
        if (tier == nullptr || !tier->auto_resolve_after) continue;
        if (now - *incident.clear_since >= *tier->auto_resolve_after) due.push_back(id);
    }
    for (std::int64_t id : due) {
        Incident& incident = m_open.at(id);
        const auto* tier = m_policy.tier(incident.severity);
        enter(incident, IncidentState::resolved, now);
        std::vector<IncidentEvent> events{state_event(
            incident, IncidentState::monitoring, tocsin_actor(), now,
            "the condition stayed clear for " + format_duration(*tier->auto_resolve_after))};
        emit(incident, std::move(events), out);
    }
    return out;
}

std::vector<IncidentUpdate> IncidentManager::tick(TimePoint now) {
    std::vector<IncidentUpdate> out = resolve_quiet(now);
    for (auto& [id, incident] : m_open) {
        std::vector<IncidentEvent> events;
        reassess(incident, now, events);
        emit(incident, std::move(events), out);
    }
    // Declarations held back (maintenance, a dependency's incident) happen
    // as soon as what held them back is gone.
    for (const auto& [rule, observation] : m_last) {
        const config::RuleConfig* config = rule_config(rule);
        if (config == nullptr || observation.firing.empty()) continue;
        observe_groups(observation, now, out);
    }
    return out;
}

std::optional<TimePoint> IncidentManager::next_deadline(TimePoint now) const {
    std::optional<TimePoint> next;
    auto consider = [&](TimePoint t) {
        if (t > now && (!next || t < *next)) next = t;
    };
    for (const auto& [id, incident] : m_open) {
        if (!incident.manual && !incident.condition_active && incident.clear_since &&
            incident.state == IncidentState::monitoring) {
            const auto* tier = m_policy.tier(incident.severity);
            if (tier != nullptr && tier->auto_resolve_after) {
                consider(std::max(*incident.clear_since + *tier->auto_resolve_after, now + Duration(1)));
            }
        }
        const config::RuleConfig* rule = incident.manual ? nullptr : rule_config(incident.rule);
        if (rule == nullptr) continue;
        for (const auto& e : rule->escalate) {
            if (e.after) consider(incident.detected + *e.after);
        }
    }
    bool suppressed_alerts = false;
    for (const auto& [rule, observation] : m_last) suppressed_alerts = suppressed_alerts || !observation.firing.empty();
    if (suppressed_alerts) {
        for (const auto& window : m_policy.maintenance()) {
            if (auto t = window.next_change_after(now)) consider(*t);
        }
    }
    return next;
}

Result<IncidentUpdate> IncidentManager::declare(const ManualDeclaration& declaration, TimePoint now) {
    if (declaration.title.empty()) {
        return Error::make(ErrorCategory::invalid_argument, "a declared incident needs a title");
    }
    std::string severity =
        declaration.severity.empty() ? m_policy.incidents().default_severity : declaration.severity;
    if (m_policy.tier(severity) == nullptr) {
        return Error::make(ErrorCategory::invalid_argument, "unknown severity \"" + severity + "\"");
    }
    if (declaration.security && m_policy.more_severe(m_policy.incidents().security_severity, severity)) {
        severity = m_policy.incidents().security_severity;
    }
    Incident incident;
    incident.id = ++m_max_id;
    incident.key = "manual:" + std::to_string(incident.id);
    incident.manual = true;
    incident.title = declaration.title;
    incident.description = declaration.description;
    incident.security = declaration.security;
    incident.reporter = declaration.reporter.name;
    if (!declaration.components.empty()) {
        incident.component = declaration.components.front();
        incident.affected_components.assign(declaration.components.begin() + 1, declaration.components.end());
        std::sort(incident.affected_components.begin(), incident.affected_components.end());
    }
    incident.severity = severity;
    incident.auto_severity = severity;
    incident.impact_started = std::min(declaration.impact_started.value_or(now), now);
    incident.detected = now;
    IncidentEvent opened = make_event(incident, EventKind::opened, declaration.reporter, now, incident.title,
                                      "severity " + severity + "; declared by " + declaration.reporter.name);
    return IncidentUpdate{insert_open(std::move(incident)), {std::move(opened)}};
}

Result<IncidentUpdate> IncidentManager::acknowledge(std::int64_t id, const Actor& actor, TimePoint now) {
    auto it = m_open.find(id);
    if (it == m_open.end()) return not_found(id);
    Incident& incident = it->second;
    if (incident.acknowledged) {
        return Error::make(ErrorCategory::invalid_argument,
                           "incident " + std::to_string(id) + " was already acknowledged by " +
                               incident.acknowledged_by->name);
    }
    incident.acknowledged = now;
    incident.acknowledged_by = actor;
    IncidentEvent e = make_event(incident, EventKind::acknowledged, actor, now, "acknowledged by " + actor.name);
    return IncidentUpdate{incident, {std::move(e)}};
}

Result<IncidentUpdate> IncidentManager::assign_owner(std::int64_t id, const std::string& owner, const Actor& actor,
                                                     const std::string& message, TimePoint now) {
    auto it = m_open.find(id);
    if (it == m_open.end()) return not_found(id);
    Incident& incident = it->second;
    const std::string from = incident.acknowledged_by ? incident.acknowledged_by->name : "";
    if (from == owner) {
        return Error::make(ErrorCategory::invalid_argument,
                           "incident " + std::to_string(id) + " is already owned by " + owner);
    }
    std::vector<IncidentEvent> events;
    if (!incident.acknowledged) {
        incident.acknowledged = now;
        events.push_back(make_event(incident, EventKind::acknowledged, actor, now,
                                    "acknowledged by " + actor.name + " for " + owner));
    }
    incident.acknowledged_by = Actor{owner, actor.channel};
    IncidentEvent e = make_event(incident, EventKind::owner_assigned, actor, now,
                                 message.empty() ? "owner " + owner : message);
    e.detail = from + " -> " + owner;
    events.push_back(std::move(e));
    return IncidentUpdate{incident, std::move(events)};
}

Result<IncidentUpdate> IncidentManager::set_state(std::int64_t id, IncidentState state, const Actor& actor,
                                                  const std::string& message, TimePoint now, bool force) {
    auto it = m_open.find(id);
    if (it == m_open.end()) return not_found(id);
    Incident& incident = it->second;
    if (incident.state == state) {
        return Error::make(ErrorCategory::invalid_argument,
                           "incident " + std::to_string(id) + " is already " + to_string(state));
    }
    if (state == IncidentState::resolved && !incident.manual && incident.condition_active && !force) {
        return Error::make(ErrorCategory::invalid_argument,
                           "incident " + std::to_string(id) + ": rule " + incident.rule +
                               " still fires; resolve with force to override");
    }
    IncidentState from = incident.state;
    enter(incident, state, now);
    if (state == IncidentState::monitoring && !incident.condition_active && !incident.clear_since) {
        incident.clear_since = now;
    }
    std::vector<IncidentEvent> events{state_event(incident, from, actor, now, message)};
    std::vector<IncidentUpdate> out;
    emit(incident, std::move(events), out);
    return std::move(out.front());
}

Result<IncidentUpdate> IncidentManager::set_severity(std::int64_t id, const std::string& severity,
                                                     const Actor& actor, const std::string& message,
                                                     TimePoint now) {
    auto it = m_open.find(id);
    if (it == m_open.end()) return not_found(id);
    Incident& incident = it->second;
    if (m_policy.tier(severity) == nullptr) {
        return Error::make(ErrorCategory::invalid_argument, "unknown severity \"" + severity + "\"");
    }
    if (severity == incident.severity) {
        return Error::make(ErrorCategory::invalid_argument,
                           "incident " + std::to_string(id) + " is already " + severity);
    }
    const std::string& floor = m_policy.incidents().security_severity;
    if (incident.security && m_policy.more_severe(floor, severity)) {
        return Error::make(ErrorCategory::invalid_argument, "incident " + std::to_string(id) +
                                                                " is a security incident: never below " + floor);
    }
    std::string from = incident.severity;
    incident.severity = severity;
    IncidentEvent e = make_event(incident, EventKind::severity_changed, actor, now, message, from + " -> " + severity);
    return IncidentUpdate{incident, {std::move(e)}};
}

Result<IncidentUpdate> IncidentManager::add_note(std::int64_t id, const Actor& actor, const std::string& message,
                                                 TimePoint now) {
    auto it = m_open.find(id);
    if (it == m_open.end()) return not_found(id);
    if (message.empty()) return Error::make(ErrorCategory::invalid_argument, "a note needs a message");
    IncidentEvent e = make_event(it->second, EventKind::note, actor, now, message);
    return IncidentUpdate{it->second, {std::move(e)}};
}

const Incident* IncidentManager::find(std::int64_t id) const {
    auto it = m_open.find(id);
    return it == m_open.end() ? nullptr : &it->second;
}

bool IncidentManager::apply_taxonomy(std::int64_t id, const std::string& taxonomy) {
    auto it = m_open.find(id);
    if (it == m_open.end()) return false;
    it->second.taxonomy = taxonomy;
    return true;
}

bool IncidentManager::has_open_for_rule(std::string_view rule) const {
    return std::any_of(m_open.begin(), m_open.end(),
                       [&](const auto& entry) { return !entry.second.manual && entry.second.rule == rule; });
}

std::vector<Incident> IncidentManager::open_incidents() const {
    std::vector<Incident> out;
    out.reserve(m_open.size());
    for (const auto& [id, incident] : m_open) out.push_back(incident);
    return out;
}

Result<IncidentUpdate> set_taxonomy(const Incident& incident, const std::string& taxonomy, const Actor& actor,
                                    TimePoint now) {
    auto parsed = parse_taxonomy(taxonomy);
    if (!parsed) return parsed.error();
    IncidentUpdate update{incident, {}};
    update.incident.taxonomy = *parsed;
    update.events.push_back(make_event(update.incident, EventKind::taxonomy_set, actor, now,
                                       "taxonomy set", *parsed));
    return update;
}

Result<IncidentUpdate> mark_postmortem_published(const Incident& incident, const std::string& url, const Actor& actor,
                                                 TimePoint now) {
    if (incident.open()) {
        return Error::make(ErrorCategory::invalid_argument,
                           "incident " + std::to_string(incident.id) + " is not resolved yet: postmortems come after");
    }
    IncidentUpdate update{incident, {}};
    update.events.push_back(make_event(update.incident, EventKind::postmortem_published, actor, now,
                                       url.empty() ? "postmortem published" : "postmortem published: " + url, url));
    return update;
}

}  // namespace tocsin::incident
