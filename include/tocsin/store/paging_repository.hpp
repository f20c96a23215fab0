// Where each incident's paging stands (paging/paging_policy.hpp), and small
// named values the daemon must not forget across restarts (the Telegram
// update offset). Statements run on the caller's connection and open no
// transaction: paging state is saved in the transaction that queues the
// pages it decided and commits the incident change behind them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/result.hpp"
#include "tocsin/paging/paging_policy.hpp"

namespace tocsin::store {

class Database;

class PagingRepository {
public:
    explicit PagingRepository(Database& db) : m_db(&db) {}

    // Inserts or replaces the incident's row.
    Status save(const paging::PagingState& state);
    // Every incident's state that is not closed, by incident id.
    Result<std::vector<paging::PagingState>> load_open();
    Result<std::optional<paging::PagingState>> find(std::int64_t incident_id);

    // A named value (settings table); nullopt when never set.
    Result<std::optional<std::string>> get_setting(std::string_view key);
    Status set_setting(std::string_view key, std::string_view value);

private:
    Database* m_db;
};

}  // namespace tocsin::store
