#include "tocsin/net/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <set>
#include <spdlog/spdlog.h>
#include <system_error>

namespace tocsin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto k_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t k_header_limit = 16 * 1024;

HttpRequest to_request(const http::request<http::string_body>& in, std::string remote) {
    HttpRequest out;
    out.method = std::string(in.method_string());
    out.target = std::string(in.target());
    auto q = out.target.find('?');
    out.path = out.target.substr(0, q);
    if (q != std::string::npos) out.query = out.target.substr(q + 1);
    for (const auto& field : in) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = in.body();
    out.remote = std::move(remote);
    return out;
}

http::response<http::string_body> to_beast(const HttpResponse& in, unsigned version, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(in.status), version};
    out.set(http::field::server, "tocsin");
    out.set(http::field::content_type, in.content_type);
    for (const auto& [name, value] : in.headers) out.set(name, value);
    out.body() = in.body;
    out.keep_alive(keep_alive);
    out.prepare_payload();
    return out;
}

}  // namespace

struct Session {
    explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool busy = false;  // between reading a request and writing its response
};

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    Impl(asio::io_context& io, HttpServerOptions opts, HttpHandler h)
        : io(io), acceptor(io), options(std::move(opts)), handler(std::move(h)) {}

    asio::io_context& io;
    tcp::acceptor acceptor;
    HttpServerOptions options;
    HttpHandler handler;
    std::set<std::shared_ptr<Session>> sessions;
    bool stopping = false;
    std::function<void()> on_stopped;

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        while (!stopping) {
            auto [ec, socket] = co_await acceptor.async_accept(k_nothrow);
            if (ec) {
                if (ec == asio::error::operation_aborted || stopping) break;
                spdlog::warn("http: accept failed: {}", ec.message());
                continue;
            }
            if (sessions.size() >= options.max_connections) {
                spdlog::warn("http: connection limit {} reached, refusing a connection", options.max_connections);
                continue;  // the socket closes as it goes out of scope
            }
            auto session = std::make_shared<Session>(std::move(socket));
            sessions.insert(session);
            asio::co_spawn(io, serve(session), asio::detached);
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<Session> session) {
        auto self = shared_from_this();
        beast::flat_buffer buffer;
        boost::system::error_code peer_ec;
        auto peer = session->stream.socket().remote_endpoint(peer_ec);
        std::string remote = peer_ec                     ? "unknown"
                             : peer.address().is_v6() ? "[" + peer.address().to_string() + "]:" + std::to_string(peer.port())
                                                      : peer.address().to_string() + ":" + std::to_string(peer.port());
        while (!stopping) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(options.max_body_bytes);
            parser.header_limit(k_header_limit);
            session->stream.expires_after(options.request_timeout);
            auto [ec, n] = co_await http::async_read(session->stream, buffer, parser, k_nothrow);
            if (ec) {
                int status = 0;
                if (ec == http::error::body_limit) status = 413;
                else if (ec == http::error::header_limit) status = 431;
                else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                         ec != http::error::end_of_stream && ec != http::error::partial_message) status = 400;
                if (status != 0) {
                    auto res = to_beast(HttpResponse::text(status, "bad request: " + ec.message() + "\n"), 11, false);
                    session->stream.expires_after(options.request_timeout);
                    co_await http::async_write(session->stream, res, k_nothrow);
                }
                break;
            }
            session->busy = true;
            const auto& req = parser.get();
            HttpResponse response;
            try {
                response = handler(to_request(req, remote));
            } catch (const std::exception& e) {
                // The path only: a query may carry a token, and so may an
                // acknowledgement link's path (/ack/<token>).
                std::string path(req.target().substr(0, req.target().find('?')));
                if (path.starts_with("/ack/")) path = "/ack/<token>";
                spdlog::error("http: handler for {} {} failed: {}", std::string(req.method_string()), path, e.what());
                response = HttpResponse::text(500, "internal error\n");
            }
            bool keep_alive = req.keep_alive() && !stopping;
            auto res = to_beast(response, req.version(), keep_alive);
            session->stream.expires_after(options.request_timeout);
            auto [wec, wn] = co_await http::async_write(session->stream, res, k_nothrow);
            session->busy = false;
            if (wec || !keep_alive) break;
        }
        boost::system::error_code ignored;
        session->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        session->stream.close();
        sessions.erase(session);
        maybe_finish_stop();
    }

    void maybe_finish_stop() {
        if (stopping && sessions.empty() && on_stopped) {
            asio::post(io, std::exchange(on_stopped, nullptr));
        }
    }
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, HttpHandler handler)
    : m_impl(std::make_shared<Impl>(io, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
    boost::system::error_code ignored;
    m_impl->acceptor.close(ignored);
}

void HttpServer::start() {
    auto& opts = m_impl->options;
    auto& acceptor = m_impl->acceptor;
    boost::system::error_code ec;
    // Boost reports errors as boost::system; callers get std::system_error.
    auto fail = [&](const char* what) {
        throw std::system_error(std::error_code(ec.value(), std::system_category()), what);
    };
    auto address = asio::ip::make_address(opts.host, ec);
    if (ec) fail("address");
    tcp::endpoint endpoint(address, opts.port);
    if (acceptor.open(endpoint.protocol(), ec); ec) fail("socket");
    if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) fail("setsockopt");
    if (endpoint.address().is_v6()) {
        if (acceptor.set_option(asio::ip::v6_only(true), ec); ec) fail("setsockopt");
    }
    if (acceptor.bind(endpoint, ec); ec) fail("bind");
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) fail("listen");
    asio::co_spawn(m_impl->io, m_impl->accept_loop(), asio::detached);
}

std::uint16_t HttpServer::port() const { return m_impl->acceptor.local_endpoint().port(); }

void HttpServer::stop(std::function<void()> done) {
    auto& impl = *m_impl;
    impl.stopping = true;
    impl.on_stopped = std::move(done);
    boost::system::error_code ignored;
    impl.acceptor.close(ignored);
    for (const auto& session : impl.sessions) {
        if (!session->busy) session->stream.cancel();  // wakes the pending read
    }
    impl.maybe_finish_stop();
}

std::size_t HttpServer::connections() const { return m_impl->sessions.size(); }

}  // namespace tocsin::net
