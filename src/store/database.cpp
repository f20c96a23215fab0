#include "tocsin/store/database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "sqlite_error.hpp"

namespace tocsin::store {

Database Database::open(const std::string& path, std::chrono::milliseconds busy_timeout) {
    sqlite3* raw = nullptr;
    // FULLMUTEX: the connection is meant for one thread, but serialising costs
    // nothing measurable here and turns a future mistake into a wait, not corruption.
    int rc = sqlite3_open_v2(path.c_str(), &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    Database db(raw, path);  // owns the handle at once: SQLite allocates one even on failure
    if (rc != SQLITE_OK) throw detail::open_failure(raw, rc, path);
    sqlite3_extended_result_codes(raw, 1);
    auto timeout_ms = std::clamp<std::chrono::milliseconds::rep>(busy_timeout.count(), 0,
                                                                 std::numeric_limits<int>::max());
    sqlite3_busy_timeout(raw, static_cast<int>(timeout_ms));

    // SQLite silently falls back to read-only when the file is not writable.
    if (sqlite3_db_readonly(raw, "main") == 1) {
        throw StoreOpenError(StoreOpenError::Kind::cannot_open, path,
                             "cannot open database " + path +
                                 " for writing (it opened read-only): make the file and its directory "
                                 "writable by the tocsin user");
    }

    // The first statement is also the first read of the file, so a file that
    // is not a database is caught here.
    sqlite3_stmt* stmt = nullptr;
    rc = sqlite3_prepare_v2(raw, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr);
    Statement journal(stmt);
    if (rc != SQLITE_OK) throw detail::open_failure(raw, rc, path);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) throw detail::open_failure(raw, rc, path);
    std::string mode = journal.column_text(0);
    if (mode != "wal") {
        // WAL needs the -wal and -shm files next to the database.
        throw StoreOpenError(StoreOpenError::Kind::cannot_open, path,
                             "cannot switch database " + path + " to WAL mode (journal_mode is '" + mode +
                                 "'): the directory must be writable and on a local file system");
    }
    for (const char* pragma : {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
        rc = sqlite3_exec(raw, pragma, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) throw detail::open_failure(raw, rc, path);
    }
    return db;
}

Database Database::open_read_only(const std::string& path, std::chrono::milliseconds busy_timeout) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr);
    Database db(raw, path);
    if (rc != SQLITE_OK) throw detail::open_failure(raw, rc, path);
    sqlite3_extended_result_codes(raw, 1);
    auto timeout_ms = std::clamp<std::chrono::milliseconds::rep>(busy_timeout.count(), 0,
                                                                 std::numeric_limits<int>::max());
    sqlite3_busy_timeout(raw, static_cast<int>(timeout_ms));
    // The first read of the file: a file that is not a database fails here.
    // (A WAL database still needs its -shm; SQLite creates it, owned like
    // the database file, when the daemon is not running.)
    for (const char* sql : {"SELECT count(*) FROM sqlite_schema", "PRAGMA query_only=ON"}) {
        rc = sqlite3_exec(raw, sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) throw detail::open_failure(raw, rc, path);
    }
    return db;
}

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
    }
    return *this;
}

// close_v2 defers the close until live Statements are finalized, so
// destruction order between a Database and its statements does not matter.
Database::~Database() { sqlite3_close_v2(m_db); }

Status Database::exec(std::string_view sql) {
    std::string script(sql);  // sqlite3_exec wants a terminated string
    char* message = nullptr;
    int rc = sqlite3_exec(m_db, script.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);  // sqlite3_errmsg has the same text
    if (rc != SQLITE_OK) {
        return detail::storage_error(m_db, rc, "running `" + std::string(detail::abbreviate(sql)) + "`");
    }
    return Ok{};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
    Statement stmt(raw);
    if (rc != SQLITE_OK) {
        return detail::storage_error(m_db, rc, "preparing `" + std::string(detail::abbreviate(sql)) + "`");
    }
    if (raw == nullptr) {
        return Error::make(ErrorCategory::invalid_argument, "no SQL statement to prepare");
    }
    // Anything after the first statement would be silently ignored; only
    // whitespace and comments may follow (they prepare to no statement).
    std::string_view rest = sql.substr(static_cast<std::size_t>(tail - sql.data()));
    sqlite3_stmt* extra = nullptr;
    rc = sqlite3_prepare_v2(m_db, rest.data(), static_cast<int>(rest.size()), &extra, nullptr);
    sqlite3_finalize(extra);
    if (rc != SQLITE_OK || extra != nullptr) {
        return Error::make(ErrorCategory::invalid_argument,
                           "prepare takes one statement, use exec for scripts: `" +
                               std::string(detail::abbreviate(sql)) + "`");
    }
    return stmt;
}

Result<std::int64_t> Database::query_int64(std::string_view sql) {
    auto stmt = prepare(sql);
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) {
        return Error::make(ErrorCategory::not_found,
                           "no row from `" + std::string(detail::abbreviate(sql)) + "`");
    }
    return stmt->column_int64(0);
}

std::int64_t Database::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(m_db); }

std::int64_t Database::changes() const noexcept { return sqlite3_changes64(m_db); }

bool Database::in_transaction() const noexcept { return sqlite3_get_autocommit(m_db) == 0; }

}  // namespace tocsin::store
