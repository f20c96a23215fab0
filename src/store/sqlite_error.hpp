// Turns SQLite result codes into tocsin Errors (internal to the store module).
#pragma once

#include <string>
#include <string_view>

#include "tocsin/core/result.hpp"

struct sqlite3;

namespace tocsin::store::detail {

// BUSY and LOCKED mean "someone else holds the lock": worth retrying.
bool is_retryable(int rc) noexcept;

// "<context>: <SQLite's own words>", category storage. Never a bare number.
Error storage_error(sqlite3* db, int rc, std::string_view context);

// SQL shortened for error messages; statements can be long scripts.
std::string_view abbreviate(std::string_view sql) noexcept;

}  // namespace tocsin::store::detail

namespace tocsin::store {
class StoreOpenError;
}

namespace tocsin::store::detail {

// A start-up failure for `path` after SQLite said `rc`: corrupt for
// NOTADB/CORRUPT, cannot_open otherwise, with advice in the message.
StoreOpenError open_failure(sqlite3* db, int rc, const std::string& path);

}  // namespace tocsin::store::detail
