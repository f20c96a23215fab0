// HttpServer over real loopback sockets: routing, limits, errors, keep-alive
// and graceful stop. The server's io_context runs on a background thread.
#include "tocsin/net/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <thread>

#include "test_support.hpp"

using namespace std::chrono_literals;
using testing::HasSubstr;
using tocsin::net::HttpRequest;
using tocsin::net::HttpResponse;
using tocsin::net::HttpServer;
using tocsin::net::HttpServerOptions;

namespace {

// A connected loopback client socket with a receive timeout.
class Client {
public:
    explicit Client(int port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{5, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(port));
        connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~Client() { ::close(m_fd); }
    void send(const std::string& data) { ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL); }
    // Reads until `needle` was seen (or EOF/timeout); returns what was read.
    std::string read_until(const std::string& needle) {
        std::string out;
        char buf[4096];
        while (out.find(needle) == std::string::npos) {
            ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }
    // True when the server closed the connection (EOF) before the timeout.
    bool closed_by_peer() {
        char buf[256];
        for (;;) {
            ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET;
        }
    }
    bool connected = false;

private:
    int m_fd = -1;
};

class HttpServerTest : public testing::Test {
protected:
    void start(HttpServerOptions options = {}) {
        options.host = "127.0.0.1";
        options.port = 0;
        m_server = std::make_unique<HttpServer>(m_io, options, [this](const HttpRequest& r) { return handle(r); });
        m_server->start();
        port = m_server->port();
        m_thread = std::thread([this] { m_io.run(); });
    }
    void TearDown() override {
        if (m_thread.joinable()) {
            stop_and_wait();
            m_io.stop();
            m_thread.join();
        }
    }
    // Stops the server from the io thread; true once every connection closed.
    bool stop_and_wait() {
        auto done = std::make_shared<std::promise<void>>();
        auto future = done->get_future();
        boost::asio::post(m_io, [this, done] { m_server->stop([done] { done->set_value(); }); });
        return future.wait_for(5s) == std::future_status::ready;
    }

    HttpResponse handle(const HttpRequest& r) {
        if (r.path == "/throw") throw std::runtime_error("boom");
        if (r.path == "/stop") {
            // A stop arriving while this request is being served.
            m_server->stop([this] { stopped_during_request = true; });
            return HttpResponse::text(200, "last words\n");
        }
        if (r.path == "/echo") {
            HttpResponse out = HttpResponse::text(200, r.method + " " + r.query + " " + r.header("X-Test") + " " + r.body);
            out.headers.emplace_back("X-Reply", "yes");
            return out;
        }
        return HttpResponse::text(404, "not found\n");
    }

    boost::asio::io_context m_io;
    // Keeps run() going after the server stops, so TearDown can still post.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> m_work{m_io.get_executor()};
    std::unique_ptr<HttpServer> m_server;
    std::thread m_thread;
    int port = 0;
    std::atomic<bool> stopped_during_request{false};
};

}  // namespace

TEST_F(HttpServerTest, PassesRequestsToTheHandler) {
    start();
    auto r = tocsin::test::http_get(port, "/echo?a=1");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GET a=1  ");
    EXPECT_EQ(tocsin::test::http_get(port, "/missing").status, 404);
}

TEST_F(HttpServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
    start();
    Client c(port);
    ASSERT_TRUE(c.connected);
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Test: one\r\nContent-Length: 5\r\n\r\nhello");
    auto first = c.read_until("hello");
    EXPECT_THAT(first, HasSubstr("HTTP/1.1 200 OK"));
    EXPECT_THAT(first, HasSubstr("X-Reply: yes"));
    EXPECT_THAT(first, HasSubstr("POST  one hello"));
    c.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_THAT(c.read_until("GET "), HasSubstr("HTTP/1.1 200 OK"));
}

TEST_F(HttpServerTest, OversizedBodyGets413) {
    HttpServerOptions options;
    options.max_body_bytes = 1024;
    start(options);
    Client c(port);
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'x'));
    EXPECT_THAT(c.read_until("\r\n"), HasSubstr("HTTP/1.1 413"));
}

TEST_F(HttpServerTest, GarbageGets400AndTheServerKeepsServing) {
    start();
    Client c(port);
    c.send("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_THAT(c.read_until("\r\n"), HasSubstr("HTTP/1.1 400"));
    EXPECT_EQ(tocsin::test::http_get(port, "/echo").status, 200);
}

TEST_F(HttpServerTest, HugeHeadersGet431) {
    start();
    Client c(port);
    c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    EXPECT_THAT(c.read_until("\r\n"), HasSubstr("HTTP/1.1 431"));
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500) {
    start();
    EXPECT_EQ(tocsin::test::http_get(port, "/throw").status, 500);
    EXPECT_EQ(tocsin::test::http_get(port, "/echo").status, 200);
}

TEST_F(HttpServerTest, SilentClientIsDisconnectedAfterTheRequestTimeout) {
    HttpServerOptions options;
    options.request_timeout = 200ms;
    start(options);
    Client c(port);
    ASSERT_TRUE(c.connected);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndRefusesNewOnes) {
    start();
    Client idle(port);
    idle.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_THAT(idle.read_until("GET "), HasSubstr("200 OK"));
    ASSERT_TRUE(stop_and_wait());
    EXPECT_TRUE(idle.closed_by_peer());
    Client late(port);
    EXPECT_FALSE(late.connected);
}

TEST_F(HttpServerTest, RequestInFlightWhenStoppingStillGetsItsResponse) {
    start();
    Client c(port);
    c.send("GET /stop HTTP/1.1\r\nHost: x\r\n\r\n");
    auto response = c.read_until("last words");
    EXPECT_THAT(response, HasSubstr("HTTP/1.1 200 OK"));
    EXPECT_THAT(response, HasSubstr("Connection: close"));
    EXPECT_THAT(response, HasSubstr("last words"));
    EXPECT_TRUE(c.closed_by_peer());
    for (int i = 0; i < 500 && !stopped_during_request; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(stopped_during_request);
}

TEST(HttpServerStart, ReportsAnAddressInUseAsSystemError) {
    boost::asio::io_context io;
    HttpServer first(io, HttpServerOptions{}, [](const HttpRequest&) { return HttpResponse{}; });
    first.start();
    HttpServerOptions options;
    options.port = first.port();
    HttpServer second(io, options, [](const HttpRequest&) { return HttpResponse{}; });
    try {
        second.start();
        FAIL() << "expected std::system_error";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), EADDRINUSE);
    }
}
