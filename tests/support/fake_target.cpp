#include "fake_target.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <mutex>
#include <thread>

namespace tocsin::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::string FakeRequest::header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
        if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
    }
    return {};
}

struct FakeTarget::Impl {
    Handler handler;
    std::optional<asio::ssl::context> tls;
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread accept_thread;
    std::mutex mutex;
    std::list<std::shared_ptr<tcp::socket>> sockets;
    std::list<std::thread> threads;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> handled{0};
    bool ipv6 = false;

    template <typename Stream>
    void serve(Stream& stream, tcp::socket& socket) {
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code ec;
            http::read(stream, buffer, req, ec);
            if (ec) return;
            FakeRequest fr{std::string(req.method_string()), std::string(req.target()), {}, req.body()};
            for (const auto& f : req) fr.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            FakeResponse r = handler(fr);
            ++handled;
            if (r.reset) {
                // Under the mutex: stop() may be shutting this socket down.
                std::lock_guard lock(mutex);
                socket.set_option(asio::socket_base::linger(true, 0), ec);
                socket.close(ec);
                return;
            }
            if (r.hang) {
                while (!stopping) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                return;
            }
            if (r.raw) {
                asio::write(stream, asio::buffer(*r.raw), ec);
                socket.shutdown(tcp::socket::shutdown_both, ec);
                return;
            }
            http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
            for (const auto& [k, v] : r.headers) res.set(k, v);
            res.keep_alive(req.keep_alive());
            if (r.dribble) {
                res.content_length(r.body.size());
                http::response_serializer<http::string_body> sr{res};
                http::write_header(stream, sr, ec);
                for (char c : r.body) {
                    if (ec || stopping) return;
                    std::this_thread::sleep_for(*r.dribble);
                    asio::write(stream, asio::buffer(&c, 1), ec);
                }
                return;
            }
            // HTTP forbids a body on 1xx, 204 and 304 responses.
            if (r.status >= 200 && r.status != 204 && r.status != 304) res.body() = r.body;
            res.prepare_payload();
            http::write(stream, res, ec);
            if (ec || !req.keep_alive()) return;
        }
    }

    void connection(std::shared_ptr<tcp::socket> socket) {
        try {
            serve_connection(*socket);
        } catch (const std::exception&) {
            // A test server must not take the test binary down; the client sees a reset.
        }
        boost::system::error_code ec;
        socket->shutdown(tcp::socket::shutdown_both, ec);
        // Release the descriptor now, not at stop(): a long test opens
        // thousands of connections (under the mutex, as stop() shuts them down).
        std::lock_guard lock(mutex);
        socket->close(ec);
    }

    void serve_connection(tcp::socket& sock) {
        auto* socket = &sock;
        if (tls) {
            asio::ssl::stream<tcp::socket&> stream(*socket, *tls);
            boost::system::error_code ec;
            stream.handshake(asio::ssl::stream_base::server, ec);
            if (!ec) serve(stream, *socket);
        } else {
            serve(*socket, *socket);
        }
    }

    void accept_loop() {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(io);
            boost::system::error_code ec;
            acceptor.accept(*socket, ec);
            if (ec || stopping) return;
            std::lock_guard lock(mutex);
            sockets.push_back(socket);
            threads.emplace_back([this, socket] { connection(socket); });
        }
    }
};

FakeTarget::FakeTarget(Handler handler, std::optional<FakeTls> tls, bool ipv6) : m_impl(std::make_unique<Impl>()) {
    m_impl->handler = std::move(handler);
    m_impl->ipv6 = ipv6;
    if (tls) {
        m_impl->tls.emplace(asio::ssl::context::tls_server);
        m_impl->tls->use_certificate_chain_file(tls->cert_file);
        m_impl->tls->use_private_key_file(tls->key_file, asio::ssl::context::pem);
        if (!tls->client_ca_file.empty()) {
            m_impl->tls->load_verify_file(tls->client_ca_file);
            m_impl->tls->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
        }
    }
    tcp::endpoint ep(asio::ip::make_address(ipv6 ? "::1" : "127.0.0.1"), 0);
    m_impl->acceptor.open(ep.protocol());
    m_impl->acceptor.set_option(asio::socket_base::reuse_address(true));
    m_impl->acceptor.bind(ep);
    m_impl->acceptor.listen();
    m_impl->accept_thread = std::thread([impl = m_impl.get()] { impl->accept_loop(); });
}

FakeTarget::~FakeTarget() { stop(); }

int FakeTarget::port() const { return m_impl->acceptor.local_endpoint().port(); }

std::string FakeTarget::url(const std::string& path) const {
    std::string host = m_impl->ipv6 ? "[::1]" : "127.0.0.1";
    return std::string(m_impl->tls ? "https" : "http") + "://" + host + ":" + std::to_string(port()) + path;
}

std::size_t FakeTarget::requests() const { return m_impl->handled; }

void FakeTarget::stop() {
    auto& impl = *m_impl;
    if (impl.stopping.exchange(true)) return;
    boost::system::error_code ec;
    // A blocking accept() does not wake on close(): connect to it instead.
    {
        tcp::socket poke(impl.io);
        poke.connect(impl.acceptor.local_endpoint(ec), ec);
    }
    if (impl.accept_thread.joinable()) impl.accept_thread.join();
    impl.acceptor.close(ec);
    std::list<std::thread> threads;
    {
        std::lock_guard lock(impl.mutex);
        for (auto& s : impl.sockets) s->shutdown(tcp::socket::shutdown_both, ec);
        threads.swap(impl.threads);
    }
    // Joined without the lock: a connection thread may need it to finish.
    for (auto& t : threads) t.join();
}

}  // namespace tocsin::test
