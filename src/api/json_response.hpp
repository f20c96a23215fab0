// JSON responses shared by the /api/v1 routes. Private to the api module.
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

#include "tocsin/net/http_server.hpp"

namespace tocsin::api {

// `value` serialized, with Cache-Control: no-store.
net::HttpResponse json_response(int status, const boost::json::value& value);
// {"error": message}
net::HttpResponse error_response(int status, std::string_view message);
// 405 with Allow: `allow`.
net::HttpResponse method_not_allowed(std::string_view allow);

}  // namespace tocsin::api
