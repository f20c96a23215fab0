// POST /api/v1/alerts: Alertmanager's webhook (docs/alertmanager.md).
// Authorizes like every write, parses the payload strictly and hands it to
// the daemon's hook. Private to the api module.
#pragma once

#include <string>
#include <string_view>

#include "tocsin/api/api.hpp"

namespace tocsin::api {

bool is_alerts_path(std::string_view path);

// `handler` is set to "/api/v1/alerts".
net::HttpResponse route_alerts(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler);

}  // namespace tocsin::api
