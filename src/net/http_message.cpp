// HttpRequest and HttpResponse helpers, apart from the server so that code
// handling requests (the api module, its fuzzer) links without Beast/Asio.
#include "tocsin/core/ascii.hpp"
#include "tocsin/net/http_server.hpp"

namespace tocsin::net {

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (ascii_iequals(k, name)) return v;
    }
    return {};
}

HttpResponse HttpResponse::text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

}  // namespace tocsin::net
