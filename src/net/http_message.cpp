// HttpRequest and HttpResponse helpers, apart from the server so that code
// handling requests (the api module, its fuzzer) links without Beast/Asio.
#include <algorithm>
#include <cctype>

#include "tocsin/net/http_server.hpp"

namespace tocsin::net {

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k.size() == name.size() &&
            std::equal(k.begin(), k.end(), name.begin(), [](unsigned char a, unsigned char b) {
                return std::tolower(a) == std::tolower(b);
            })) {
            return v;
        }
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
