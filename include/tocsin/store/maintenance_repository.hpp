// Maintenance windows and silences created through the API
// (incident/maintenance_record.hpp). Each call is one statement, so one
// implicit transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/incident/maintenance_record.hpp"

namespace tocsin::store {

class Database;

class MaintenanceRepository {
public:
    explicit MaintenanceRepository(Database& db) : m_db(&db) {}

    // Stores `record` (its id is ignored) and returns it with its id.
    Result<incident::MaintenanceRecord> insert(incident::MaintenanceRecord record);
    // Windows that end after `t` (current and future), oldest start first.
    Result<std::vector<incident::MaintenanceRecord>> load_current(TimePoint t);
    // The newest `limit` windows whatever their state, newest first.
    Result<std::vector<incident::MaintenanceRecord>> load_recent(std::size_t limit);
    Result<std::optional<incident::MaintenanceRecord>> find(std::int64_t id);
    // Ends a window at `at` (a future window is cancelled: it ends where it
    // starts). nullopt when there is no such window.
    Result<std::optional<incident::MaintenanceRecord>> end(std::int64_t id, TimePoint at, const incident::Actor& by);

private:
    Database* m_db;
};

}  // namespace tocsin::store
