// Forward-only schema migrations keyed on PRAGMA user_version. Script N
// (1-based) takes the schema from version N-1 to N. Released scripts are
// never edited: a fix is a new script.
#pragma once

#include <span>
#include <string_view>

#include "tocsin/core/result.hpp"

namespace tocsin::store {

class Database;

inline constexpr int k_latest_schema_version = 7;

// The built-in scripts, oldest first; size() == k_latest_schema_version.
std::span<const std::string_view> migration_scripts();

Result<int> schema_version(Database& db);

// Applies every pending script up to `target_version` in one BEGIN IMMEDIATE
// transaction that also sets user_version, so a failure leaves the file at
// its old version. Scripts must not contain BEGIN/COMMIT; foreign keys are
// deferred to the end, so a script may rebuild a referenced table. Refuses
// to go down.
Status migrate(Database& db, int target_version = k_latest_schema_version);
// The same runner over any script list; tests use it with broken scripts.
Status migrate(Database& db, std::span<const std::string_view> scripts, int target_version);

}  // namespace tocsin::store
