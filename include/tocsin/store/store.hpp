// The opened, verified and migrated database that the daemon runs on.
#pragma once

#include <chrono>
#include <string>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/store_open_error.hpp"

namespace tocsin::store {

class Store {
public:
    static constexpr std::chrono::milliseconds k_default_busy_timeout{5000};

    // Opens (creating if absent), checks the file is a healthy SQLite database,
    // refuses one written by a newer tocsin, and applies pending migrations.
    // Throws StoreOpenError; the message names the path and says what to do.
    static Store open(const std::string& path,
                      std::chrono::milliseconds busy_timeout = k_default_busy_timeout);

    Database& database() noexcept { return m_db; }
    const std::string& path() const noexcept { return m_db.path(); }

    // Proves the store accepts writes (for /healthz): a BEGIN IMMEDIATE,
    // an upsert of the single health row and a synced COMMIT.
    Status check_writable(TimePoint now);

private:
    explicit Store(Database db) noexcept : m_db(std::move(db)) {}

    Database m_db;
};

}  // namespace tocsin::store
