// Incidents and tiers for the status page's tests, on a fixed day.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tocsin/status/status_summary.hpp"

namespace tocsin::status::test {

using namespace std::chrono_literals;

// 2026-03-29T12:00:00Z
inline TimePoint t0() { return TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 3 / 29}} + 12h; }

inline std::vector<config::SeverityConfig> tiers() {
    auto tier = [](std::string name, std::int64_t rank, std::string status, bool page = true) {
        config::SeverityConfig t;
        t.name = std::move(name);
        t.rank = rank;
        t.status = std::move(status);
        t.page = page;
        return t;
    };
    return {tier("P0", 0, "major outage"), tier("P1", 1, "partial outage"), tier("P2", 2, "degraded performance"),
            tier("quiet", 3, "major outage", false), tier("declassified", 4, "operational", false)};
}

inline config::ComponentConfig component(std::string name, std::string description = "") {
    config::ComponentConfig c;
    c.name = std::move(name);
    c.description = std::move(description);
    return c;
}

inline IncidentRecord make_incident(std::int64_t id, std::string component, std::string severity, TimePoint started,
                               std::optional<TimePoint> resolved = std::nullopt) {
    IncidentRecord r;
    auto& i = r.incident;
    i.id = id;
    i.key = "Rule" + std::to_string(id);
    i.title = "Incident " + std::to_string(id);
    i.component = std::move(component);
    i.severity = std::move(severity);
    i.impact_started = started;
    i.detected = started;
    i.resolved = resolved;
    i.state = resolved ? incident::IncidentState::resolved : incident::IncidentState::investigating;
    incident::IncidentEvent opened;
    opened.id = id * 100;
    opened.incident_id = id;
    opened.at = started;
    opened.kind = incident::EventKind::opened;
    opened.actor = incident::tocsin_actor();
    opened.message = "internal: rule fired";
    r.events.push_back(opened);
    if (resolved) {
        incident::IncidentEvent e = opened;
        e.id = id * 100 + 99;
        e.at = *resolved;
        e.kind = incident::EventKind::state_changed;
        e.detail = "monitoring -> resolved";
        e.message = "";
        r.events.push_back(e);
    }
    return r;
}

inline incident::IncidentEvent event(const IncidentRecord& r, std::int64_t id, TimePoint at, incident::EventKind kind,
                                     std::string detail, std::string message, incident::Actor actor = {"bob", "api"}) {
    incident::IncidentEvent e;
    e.id = id;
    e.incident_id = r.incident.id;
    e.at = at;
    e.kind = kind;
    e.actor = std::move(actor);
    e.detail = std::move(detail);
    e.message = std::move(message);
    return e;
}

inline StatusInput input(std::vector<config::ComponentConfig> components, std::vector<IncidentRecord> incidents,
                         TimePoint now = t0()) {
    StatusInput in;
    in.title = "Example status";
    in.url = "https://status.example.com";
    in.components = std::move(components);
    in.tiers = tiers();
    in.incidents = std::move(incidents);
    in.now = now;
    return in;
}

inline const ComponentSummary& find(const StatusSummary& s, const std::string& name) {
    for (const auto& c : s.components) {
        if (c.name == name) return c;
    }
    throw std::runtime_error("no component " + name);
}

}  // namespace tocsin::status::test
