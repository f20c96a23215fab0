// A small HTTP/1.1 server on Boost.Beast coroutines. This header keeps Beast
// and Asio out of its includers: requests and responses are plain structs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tocsin/core/clock.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::net {

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // as sent: path plus query
    std::string path;    // target without the query
    std::string query;   // after '?', undecoded
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string remote;  // peer address, for logs

    // Case-insensitive header lookup; empty when absent.
    std::string header(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static HttpResponse text(int status, std::string body);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0 picks a free port; see HttpServer::port()
    Duration request_timeout = std::chrono::seconds(10);
    std::uint64_t max_body_bytes = 1 << 20;
    std::size_t max_connections = 512;
};

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts accepting. Throws std::system_error when the address
    // cannot be bound (a start-up failure).
    void start();
    std::uint16_t port() const;

    // Stops accepting. Idle connections close now; requests being served get
    // their response, then their connection closes. `done` runs on the
    // io_context once no connection is left.
    void stop(std::function<void()> done);
    std::size_t connections() const;

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
};

}  // namespace tocsin::net
