// A maintenance window or silence created at run time through the API
// (`tocsin maintenance add`), as stored in SQLite. Both hold back the
// declaration of incidents for matching alerts, like a [[maintenance]]
// window of the configuration; a maintenance window is also shown on the
// status page, a silence is not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/incident/incident.hpp"

namespace tocsin::incident {

enum class MaintenanceKind { maintenance, silence };

std::string_view to_string(MaintenanceKind kind);

struct MaintenanceRecord {
    std::int64_t id = 0;  // 1, 2, ... assigned by the store
    MaintenanceKind kind = MaintenanceKind::maintenance;
    std::vector<std::string> components;  // alerts of these components...
    std::string match;                    // ...and/or matching these label matchers
    TimePoint starts{};
    TimePoint ends{};  // exclusive; moved to the moment it was ended early
    std::string reason;
    Actor created_by;
    TimePoint created{};
    std::optional<TimePoint> ended;  // ended early, by ended_by
    Actor ended_by;

    bool active_at(TimePoint t) const { return starts <= t && t < ends; }
    // The window as the incident policy reads [[maintenance]]: a one-off
    // in UTC named "api:<kind>/<id>".
    config::MaintenanceConfig to_config() const;

    bool operator==(const MaintenanceRecord&) const = default;
};

}  // namespace tocsin::incident
