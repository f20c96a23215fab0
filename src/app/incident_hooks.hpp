// The API's incident hooks, answered by the daemon's incident manager (for
// changes) and the database (for reads). Runs on the io_context thread like
// every rule round, so commands and evaluations never interleave.
#pragma once

#include "tocsin/api/api.hpp"
#include "tocsin/core/clock.hpp"

namespace tocsin::store {
class Database;
}

namespace tocsin::app {

class RuleRunner;

// Fills hooks.list_incidents, get_incident and incident_command. `rules`
// (which owns the incident manager) may be null until start-up creates it;
// commands then answer 503.
void add_incident_hooks(api::ApiHooks& hooks, RuleRunner* const& rules, store::Database& db, const Clock& clock);

}  // namespace tocsin::app
