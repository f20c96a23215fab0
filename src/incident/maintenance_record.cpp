#include "tocsin/incident/maintenance_record.hpp"

#include <algorithm>

namespace tocsin::incident {

std::string_view to_string(MaintenanceKind kind) {
    return kind == MaintenanceKind::silence ? "silence" : "maintenance";
}

config::MaintenanceConfig MaintenanceRecord::to_config() const {
    config::MaintenanceConfig c;
    c.name = "api:" + std::string(to_string(kind)) + "/" + std::to_string(id);
    c.components = components;
    c.match = match;
    // In UTC the wall clock is the Unix clock. Seconds: a window's edges
    // are whole seconds everywhere else too.
    const auto start = std::chrono::floor<std::chrono::seconds>(starts.time_since_epoch());
    const auto end = std::chrono::ceil<std::chrono::seconds>(ends.time_since_epoch());
    c.start_local = start;
    c.length = std::max<Duration>(end - start, std::chrono::seconds(0));
    c.repeat = config::MaintenanceRepeat::none;
    c.time_zone = "UTC";
    return c;
}

}  // namespace tocsin::incident
