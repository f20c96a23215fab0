// The API's status hook: the public status page's summary from the
// configuration and the incidents of the last 90 days in the database.
#pragma once

#include <functional>
#include <vector>

#include "tocsin/api/api.hpp"
#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"

namespace tocsin::store {
class Database;
}

namespace tocsin::app {

// The components the page lists: [[component]] in file order, then the
// component labels of targets, scrapes and rules (the demo has no
// [[component]]), each once.
std::vector<config::ComponentConfig> status_components(const config::Config& config);

// Fills hooks.status; `config` is read at each request, so a reload shows
// at once ([status_page] enabled = false: a not_found error, the page 404s).
// `api_windows` adds maintenance windows created through the API.
void add_status_hooks(api::ApiHooks& hooks, const config::Config& config, store::Database& db, const Clock& clock,
                      std::function<std::vector<config::MaintenanceConfig>(TimePoint)> api_windows = {});

}  // namespace tocsin::app
