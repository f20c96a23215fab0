#include "sqlite_error.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "tocsin/store/store_open_error.hpp"

namespace tocsin::store::detail {

bool is_retryable(int rc) noexcept {
    int primary = rc & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

namespace {

// sqlite3_errmsg describes the connection's most recent failure, which
// carries detail (the constraint, the trigger's message); fall back to the
// generic text if something else has run since.
const char* describe(sqlite3* db, int rc) {
    return (db != nullptr && sqlite3_extended_errcode(db) == rc) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
}

}  // namespace

Error storage_error(sqlite3* db, int rc, std::string_view context) {
    std::string message(context);
    message += ": ";
    message += describe(db, rc);
    return Error::make(ErrorCategory::storage, std::move(message), is_retryable(rc));
}

std::string_view abbreviate(std::string_view sql) noexcept {
    constexpr std::size_t k_max = 80;
    std::size_t start = sql.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return {};
    sql.remove_prefix(start);
    std::size_t end = sql.find_first_of("\r\n");
    if (end != std::string_view::npos) sql = sql.substr(0, end);
    return sql.substr(0, k_max);
}

StoreOpenError open_failure(sqlite3* db, int rc, const std::string& path) {
    int primary = rc & 0xff;
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
        return StoreOpenError(StoreOpenError::Kind::corrupt, path,
                              "database " + path + " is not an SQLite database or is damaged (" +
                                  describe(db, rc) +
                                  "): restore it from a backup, or move it aside to start with an empty one");
    }
    std::string message = "cannot open database " + path + ": " + describe(db, rc);
    // The OS reason ("No such file or directory", "Is a directory") is what
    // an operator can act on; SQLite's own text is often just "unable to open".
    // Only for failures that come from an OS call, lest we print a stale errno.
    int sys = (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && db != nullptr ? sqlite3_system_errno(db) : 0;
    if (sys != 0) {
        message += " (";
        message += std::strerror(sys);
        message += ")";
    }
    if (sys == EISDIR) {
        message += "; the path must name a file, not a directory";
    } else {
        message += "; check that the directory exists and that tocsin can read and write it and the file";
    }
    return StoreOpenError(StoreOpenError::Kind::cannot_open, path, std::move(message));
}

}  // namespace tocsin::store::detail
