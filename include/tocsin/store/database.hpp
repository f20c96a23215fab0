// One SQLite connection, configured the way tocsin's durability promise
// needs it: WAL, synchronous=FULL, foreign keys on, a bounded busy wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tocsin/core/result.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store_open_error.hpp"

struct sqlite3;

namespace tocsin::store {

class Database {
public:
    // Opens or creates the file; the parent directory must already exist.
    // Throws StoreOpenError (cannot_open or corrupt): opening happens at start-up.
    static Database open(const std::string& path, std::chrono::milliseconds busy_timeout);
    // Opens an existing file for reading only (`tocsin audit`, next to a
    // running daemon): never creates it, sets no pragma that writes, and turns
    // on query_only so no statement can change it. Throws StoreOpenError
    // (cannot_open when the file is missing or unreadable, corrupt when it is
    // not a database).
    static Database open_read_only(const std::string& path, std::chrono::milliseconds busy_timeout);

    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    // Runs a script of one or more statements; rows are discarded.
    Status exec(std::string_view sql);
    // Exactly one statement; a script with several is refused (use exec).
    Result<Statement> prepare(std::string_view sql);
    // First column of the first row, for pragmas and counts; not_found if no row.
    Result<std::int64_t> query_int64(std::string_view sql);

    std::int64_t last_insert_rowid() const noexcept;
    std::int64_t changes() const noexcept;  // rows touched by the last statement
    bool in_transaction() const noexcept;

    const std::string& path() const noexcept { return m_path; }
    sqlite3* handle() const noexcept { return m_db; }

private:
    Database(sqlite3* db, std::string path) noexcept : m_db(db), m_path(std::move(path)) {}

    sqlite3* m_db = nullptr;
    std::string m_path;
};

}  // namespace tocsin::store
