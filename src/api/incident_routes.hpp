// /api/v1/incidents and below (docs/api.md): parses and checks requests,
// asks the hooks, renders JSON. Private to the api module.
#pragma once

#include <string>
#include <string_view>

#include "tocsin/api/access.hpp"
#include "tocsin/api/api.hpp"

namespace tocsin::api {

// Paths the JSON API answers (everything under /api/), errors included.
bool is_json_api_path(std::string_view path);

// `handler` is set to the route template (e.g. "/api/v1/incidents/{id}/ack")
// when the path has the shape of a route, whatever its id; left alone
// otherwise. The caller has authorized the request; `principal` names the
// token in the audit trail.
net::HttpResponse route_incidents(const ApiHooks& hooks, const net::HttpRequest& request, const Principal& principal,
                                  std::string& handler);

}  // namespace tocsin::api
