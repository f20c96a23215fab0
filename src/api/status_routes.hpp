// GET /status (HTML for people) and GET /api/v1/status (Statuspage's
// summary.json shape): the public status page, docs/status-page.md. Public:
// no token, whatever [api] says about reads. Private to the api module.
#pragma once

#include <string>
#include <string_view>

#include "tocsin/api/api.hpp"

namespace tocsin::api {

inline constexpr std::string_view k_status_page_path = "/status";
inline constexpr std::string_view k_status_json_path = "/api/v1/status";

bool is_status_path(std::string_view path);

// Sets `handler` to the path. Without a status hook, or when it answers
// not_found (the page is disabled), both answer 404.
net::HttpResponse route_status(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler);

}  // namespace tocsin::api
