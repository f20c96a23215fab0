// Maintenance windows and silences created through the API: checks a
// request against the configuration, stores it, and hands the windows that
// still matter to the incident policy next to the configuration's
// [[maintenance]] ones.
#pragma once

#include <vector>

#include "tocsin/api/api.hpp"
#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::store {
class Database;
}

namespace tocsin::app {

class MaintenanceService {
public:
    explicit MaintenanceService(store::Database& db) : m_db(&db) {}

    // Reads the windows that have not ended yet (at start-up).
    Status load(TimePoint now);

    // `config` with the stored windows that end after `now` appended to its
    // [[maintenance]] list: what the incident policy is built from.
    config::Config with_windows(const config::Config& config, TimePoint now) const;

    // 201 with the window; 400 naming the problem (unknown component, a
    // match that does not parse, a window in the past or over a year).
    api::MaintenanceResult create(const api::MaintenanceRequest& request, const config::Config& config, TimePoint now);
    // Ends the window now; 404 unknown, 409 already over.
    api::MaintenanceResult end(std::int64_t id, const incident::Actor& actor, TimePoint now);
    Result<api::MaintenanceListing> list(bool all, const config::Config& config, TimePoint now) const;
    // Maintenance windows (not silences) that end after `now`, named by
    // their reason's first line: what the public status page announces.
    std::vector<config::MaintenanceConfig> public_windows(TimePoint now) const;

private:
    store::Database* m_db;
    std::vector<incident::MaintenanceRecord> m_current;  // ends after the last load/change
};

}  // namespace tocsin::app
