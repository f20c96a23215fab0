// /api/v1/maintenance, /api/v1/silences and /api/v1/oncall (docs/api.md):
// parses and checks requests, asks the hooks, renders JSON. Private to the
// api module.
#pragma once

#include <string>
#include <string_view>

#include "tocsin/api/access.hpp"
#include "tocsin/api/api.hpp"

namespace tocsin::api {

bool is_maintenance_path(std::string_view path);
// The caller has authorized the request; `principal` goes into the record.
net::HttpResponse route_maintenance(const ApiHooks& hooks, const net::HttpRequest& request,
                                    const Principal& principal, std::string& handler);

bool is_oncall_path(std::string_view path);
net::HttpResponse route_oncall(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler);

}  // namespace tocsin::api
