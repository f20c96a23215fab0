// The daemon's database opened for reading only, for commands that run next
// to it (`tocsin audit`, `tocsin postmortem`): never created, migrated or
// written.
#pragma once

#include <string>
#include <variant>

#include "tocsin/store/database.hpp"

namespace tocsin::app {

// Opens `database` when set, else the storage.path of the config at
// `config_path`, and checks its schema has the incidents and the audit trail.
// On failure prints why to stderr and returns the exit code.
std::variant<store::Database, int> open_state_read_only(const std::string& config_path, const std::string& database);

}  // namespace tocsin::app
