// The public status page's content (GET /status, GET /api/v1/status):
// components with their current status, open incidents and their public
// updates, resolved incidents of the last 90 days, and a 90-day
// availability bar per component, all computed from configuration and
// incident history. Pure: `now` is a parameter (docs/status-page.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/incident/incident.hpp"

namespace tocsin::status {

// Ordered from best to worst, so std::max picks the worse.
enum class ComponentStatus { operational, degraded_performance, partial_outage, major_outage };

// "operational", "degraded_performance", ... (Statuspage's names).
const char* to_string(ComponentStatus status) noexcept;
// "Operational", "Degraded performance", ... for people.
const char* label(ComponentStatus status) noexcept;
// A tier's `status` label: "major outage", "partial outage", "degraded
// performance" or "operational" (case-insensitive; '_' for ' ' accepted).
std::optional<ComponentStatus> parse_status_label(std::string_view text) noexcept;

// Statuspage's page indicator and incident impact: none, minor, major, critical.
const char* indicator(ComponentStatus worst) noexcept;

inline constexpr int k_days = 90;

// An incident and its audit events (the public updates are taken from them).
struct IncidentRecord {
    incident::Incident incident;
    std::vector<incident::IncidentEvent> events;
};

struct StatusInput {
    std::string title = "tocsin status";
    std::string url;  // where the page is reachable ("" unknown): shortlinks
    // Display order. Components named only by incidents are appended, by name.
    std::vector<config::ComponentConfig> components;
    std::vector<config::SeverityConfig> tiers;
    std::vector<config::MaintenanceConfig> maintenance;
    // Open incidents and those resolved in the window; others are ignored.
    std::vector<IncidentRecord> incidents;
    TimePoint now{};
};

// A public status update: a person's state change (with its message), the
// resolution, and the automatic "investigating" at declaration. Notes,
// severity changes and paging stay internal, as for subscribers' notices.
struct StatusUpdate {
    std::string id;      // stable: "<incident>-<event>" ("<incident>-0" for the first)
    std::string status;  // investigating, identified, monitoring, resolved
    std::string body;
    TimePoint at{};
};

struct IncidentSummary {
    std::int64_t id = 0;
    std::string name;
    std::string status;  // the incident's state
    ComponentStatus impact = ComponentStatus::degraded_performance;  // now, or when resolved
    TimePoint started{};   // impact_started (no later than detection)
    TimePoint created{};   // detected
    TimePoint updated{};   // the latest public update
    std::optional<TimePoint> monitoring;
    std::optional<TimePoint> resolved;
    std::vector<std::string> components;  // component first, then affected ones
    std::vector<StatusUpdate> updates;    // newest first
};

// One UTC day of one component.
struct DayBucket {
    TimePoint start{};  // 00:00 UTC
    std::string date;   // "2026-03-29"
    // Fraction of the day (of its elapsed part, today) without a partial or
    // major outage; days before the window data counts as available.
    double availability = 1.0;
    ComponentStatus worst = ComponentStatus::operational;
    Duration outage{};  // partial or major outage within the day
};

struct ComponentSummary {
    std::string id;  // stable, from the name: 16 hex digits
    std::string name;
    std::string description;
    int position = 0;  // 1, 2, ...
    ComponentStatus status = ComponentStatus::operational;
    std::optional<TimePoint> updated;  // last change seen in the window
    std::vector<DayBucket> days;       // k_days, oldest first; the last is today
    double availability = 1.0;         // over the whole window
};

struct MaintenanceSummary {
    std::string id;
    std::string name;
    bool in_progress = false;  // else scheduled
    TimePoint scheduled_for{};
    TimePoint scheduled_until{};
    std::vector<std::string> components;
};

struct StatusSummary {
    std::string title;
    std::string url;
    TimePoint now{};
    TimePoint window_start{};  // 00:00 UTC, k_days - 1 days before today
    ComponentStatus worst = ComponentStatus::operational;  // among open incidents
    std::vector<ComponentSummary> components;
    std::vector<IncidentSummary> open;      // newest first
    std::vector<IncidentSummary> resolved;  // in the window, newest resolution first
    std::vector<MaintenanceSummary> maintenance;  // in progress or starting within 7 days
};

// The status an incident's tier shows: its label, at most degraded
// performance for tiers that do not page; unknown tiers count as degraded.
ComponentStatus tier_status(const std::vector<config::SeverityConfig>& tiers, const std::string& tier);

// The start of the window for `now`: what the store must return incidents
// resolved since (open ones always).
TimePoint window_start(TimePoint now);

StatusSummary summarize(const StatusInput& input);

// The page: self-contained HTML (inline CSS, no scripts, no external
// assets), every dynamic string escaped, times in UTC.
std::string render_html(const StatusSummary& summary);
// Statuspage's summary.json shape (docs/status-page.md).
std::string render_json(const StatusSummary& summary);

}  // namespace tocsin::status
