#include "read_only_database.hpp"

#include <iostream>

#include "tocsin/config/loader.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/migrations.hpp"
#include "tocsin/store/store.hpp"

namespace tocsin::app {
namespace {

std::string plural(std::int64_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// The database to read: --database, else the config's storage.path; an
// exit code when there is none.
std::variant<std::string, int> database_path(const std::string& config_path, const std::string& database) {
    if (!database.empty()) return database;
    config::LoadResult result = config::load_file(config_path);
    if (!result.ok()) {
        std::cerr << config::format_diagnostics(result.diagnostics);
        std::cerr << config_path << ": " << plural(static_cast<std::int64_t>(result.diagnostics.size()), "problem")
                  << " found (use --database PATH to read the database without a valid configuration)\n";
        return exit_code::config;
    }
    return result.config->storage.path;
}

}  // namespace

// Opens read-only and checks the schema has the audit trail; an exit code
// (after printing why) otherwise. Never creates, migrates or writes.
std::variant<store::Database, int> open_state_read_only(const std::string& config_path, const std::string& database) {
    auto path = database_path(config_path, database);
    if (const int* rc = std::get_if<int>(&path)) return *rc;
    const std::string& file = std::get<std::string>(path);
    try {
        store::Database db = store::Database::open_read_only(file, store::Store::k_default_busy_timeout);
        auto version = store::schema_version(db);
        if (!version) {
            std::cerr << "cannot read database " << file << ": " << version.error().message << '\n';
            return exit_code::io_error;
        }
        if (*version > store::k_latest_schema_version) {
            std::cerr << "database " << file << " was written by a newer tocsin (schema version " << *version
                      << "; this build knows up to " << store::k_latest_schema_version
                      << "): read it with that version\n";
            return exit_code::data_error;
        }
        if (*version < store::k_audit_schema_version) {
            std::cerr << "database " << file << " is at schema version " << *version
                      << " and has no audit trail yet (it arrives with version " << store::k_audit_schema_version
                      << "): start tocsin once to upgrade it\n";
            return exit_code::data_error;
        }
        return db;
    } catch (const store::StoreOpenError& e) {
        std::cerr << e.what() << '\n';
        return e.exit_code();
    }
}


}  // namespace tocsin::app
