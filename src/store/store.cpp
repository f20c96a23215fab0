#include "tocsin/store/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <utility>

#include "sqlite_error.hpp"
#include "tocsin/store/migrations.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::store {
namespace {

// A failed read during start-up: classify by what SQLite said last.
[[noreturn]] void fail_read(Database& db) {
    throw detail::open_failure(db.handle(), sqlite3_extended_errcode(db.handle()), db.path());
}

void verify_integrity(Database& db) {
    // quick_check reads every page but skips index cross-checks: linear time,
    // and it catches a torn or overwritten file before we write to it.
    auto check = db.prepare("PRAGMA quick_check(1)");
    if (!check) fail_read(db);
    auto row = check->step();
    if (!row || !*row) fail_read(db);
    std::string verdict = check->column_text(0);
    if (verdict != "ok") {
        std::replace(verdict.begin(), verdict.end(), '\n', ' ');  // keep the message on one log line
        throw StoreOpenError(StoreOpenError::Kind::corrupt, db.path(),
                             "database " + db.path() + " is damaged (quick_check: " + verdict +
                                 "): restore it from a backup, or move it aside to start with an empty one");
    }
}

}  // namespace

Store Store::open(const std::string& path, std::chrono::milliseconds busy_timeout) {
    Database db = Database::open(path, busy_timeout);
    verify_integrity(db);

    auto version = schema_version(db);
    if (!version) fail_read(db);
    if (*version < 0) {
        throw StoreOpenError(StoreOpenError::Kind::corrupt, path,
                             "database " + path + " has an invalid schema version (" + std::to_string(*version) +
                                 "): it was not written by tocsin; restore a backup or move it aside");
    }
    if (*version > k_latest_schema_version) {
        throw StoreOpenError(StoreOpenError::Kind::newer_schema, path,
                             "database " + path + " was written by a newer tocsin (schema version " +
                                 std::to_string(*version) + "; this build knows up to " +
                                 std::to_string(k_latest_schema_version) +
                                 "): upgrade tocsin or restore a backup");
    }
    if (*version < k_latest_schema_version) {
        auto status = migrate(db);
        if (!status) {
            throw StoreOpenError(StoreOpenError::Kind::migration_failed, path,
                                 "cannot upgrade database " + path + " from schema version " +
                                     std::to_string(*version) + " to " +
                                     std::to_string(k_latest_schema_version) + " (" + status.error().message +
                                     "); the file is unchanged: check free space, permissions and that no "
                                     "other tocsin holds it, then start again");
        }
    }
    return Store(std::move(db));
}

Status Store::check_writable(TimePoint now) {
    auto tx = Transaction::begin(m_db);
    if (!tx) return std::move(tx).error();
    {
        auto upsert = m_db.prepare(
            "INSERT INTO health (id, beat) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET beat = excluded.beat");
        if (!upsert) return std::move(upsert).error();
        auto row = upsert->bind(1, now).step();
        if (!row) return std::move(row).error();
    }
    return tx->commit();
}

}  // namespace tocsin::store
