#include "json_response.hpp"

#include <boost/json.hpp>

#include <string>

namespace tocsin::api {

net::HttpResponse json_response(int status, const boost::json::value& value) {
    net::HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = boost::json::serialize(value);
    r.body += '\n';
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

net::HttpResponse error_response(int status, std::string_view message) {
    return json_response(status, boost::json::object{{"error", message}});
}

net::HttpResponse method_not_allowed(std::string_view allow) {
    auto r = error_response(405, "method not allowed");
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
}

}  // namespace tocsin::api
