// The HTTP(S) client against scripted loopback servers: every failure class
// a probe must tell apart, redirects, TLS verification and certificate expiry.
#include "tocsin/net/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_target.hpp"
#include "test_certs.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using testing::HasSubstr;
using tocsin::net::FailureReason;
using tocsin::net::HttpClientRequest;
using tocsin::net::HttpClientResult;
using tocsin::test::FakeRequest;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;

namespace {

HttpClientResult fetch(HttpClientRequest request) {
    boost::asio::io_context io;
    HttpClientResult out;
    bool called = false;
    tocsin::net::http_fetch(io, std::move(request), [&](HttpClientResult r) {
        out = std::move(r);
        called = true;
    });
    io.run();
    EXPECT_TRUE(called);
    return out;
}

HttpClientRequest get(const std::string& url) {
    HttpClientRequest r;
    r.url = url;
    r.total_timeout = 5s;
    return r;
}

FakeResponse redirect_to(const std::string& location, int status = 302) {
    FakeResponse r = FakeResponse::text(status, "");
    r.headers.emplace_back("Location", location);
    return r;
}

}  // namespace

TEST(HttpClient, FetchesABodyAndTimesEachPhase) {
    FakeTarget target([](const FakeRequest& r) {
        auto res = FakeResponse::text(200, "hello " + r.method + " " + r.target);
        res.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
        return res;
    });
    auto r = fetch(get(target.url("/health?x=1")));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello GET /health?x=1");
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
    EXPECT_FALSE(r.used_tls);
    EXPECT_GE(r.phases.connect, 0.0);
    EXPECT_GE(r.phases.processing, 0.0);
    EXPECT_GE(r.duration_seconds, r.phases.connect);
    EXPECT_EQ(r.final_url, target.url("/health?x=1"));
}

TEST(HttpClient, ErrorStatusesAreResponsesNotFailures) {
    FakeTarget target([](const FakeRequest& r) { return FakeResponse::text(std::stoi(r.target.substr(1)), "x"); });
    for (int status : {204, 404, 500, 503}) {
        auto r = fetch(get(target.url("/" + std::to_string(status))));
        EXPECT_TRUE(r.ok()) << status << r.detail;
        EXPECT_EQ(r.status, status);
    }
}

TEST(HttpClient, SendsMethodHeadersAndBody) {
    FakeTarget target([](const FakeRequest& r) {
        return FakeResponse::text(200, r.method + "|" + r.header("X-Probe") + "|" + r.body);
    });
    auto request = get(target.url("/"));
    request.method = "POST";
    request.headers.emplace_back("X-Probe", "yes");
    request.body = "{\"ping\":1}";
    auto r = fetch(request);
    EXPECT_EQ(r.body, "POST|yes|{\"ping\":1}");
}

TEST(HttpClient, RefusedConnection) {
    auto r = fetch(get("http://127.0.0.1:" + std::to_string(tocsin::test::free_port()) + "/"));
    EXPECT_EQ(r.failure, FailureReason::refused) << r.detail;
    EXPECT_STREQ(tocsin::net::to_string(r.failure), "refused");
}

TEST(HttpClient, HangingServerTimesOut) {
    FakeTarget target([](const FakeRequest&) {
        FakeResponse r;
        r.hang = true;
        return r;
    });
    auto request = get(target.url("/"));
    request.total_timeout = 300ms;
    auto r = fetch(request);
    EXPECT_EQ(r.failure, FailureReason::timeout) << r.detail;
    EXPECT_LT(r.duration_seconds, 3.0);
}

TEST(HttpClient, SlowDribbleTimesOut) {
    FakeTarget target([](const FakeRequest&) {
        FakeResponse r = FakeResponse::text(200, std::string(50, 'x'));
        r.dribble = 50ms;
        return r;
    });
    auto request = get(target.url("/"));
    request.total_timeout = 300ms;
    EXPECT_EQ(fetch(request).failure, FailureReason::timeout);
}

TEST(HttpClient, ResetMidExchange) {
    FakeTarget target([](const FakeRequest&) {
        FakeResponse r;
        r.reset = true;
        return r;
    });
    auto r = fetch(get(target.url("/")));
    EXPECT_EQ(r.failure, FailureReason::reset) << r.detail;
}

TEST(HttpClient, GarbageIsAProtocolError) {
    FakeTarget target([](const FakeRequest&) {
        FakeResponse r;
        r.raw = "SMTP 220 hello\r\n\r\n";
        return r;
    });
    EXPECT_EQ(fetch(get(target.url("/"))).failure, FailureReason::http_protocol);
}

TEST(HttpClient, BodyOverTheLimit) {
    FakeTarget target([](const FakeRequest&) { return FakeResponse::text(200, std::string(100000, 'x')); });
    auto request = get(target.url("/"));
    request.max_body_bytes = 1000;
    EXPECT_EQ(fetch(request).failure, FailureReason::body_too_large);
}

TEST(HttpClient, FollowsRedirectsUpToTheLimit) {
    FakeTarget target([](const FakeRequest& r) {
        int n = std::stoi(r.target.substr(r.target.rfind('/') + 1));
        if (n == 0) return FakeResponse::text(200, "arrived");
        return redirect_to("/hop/" + std::to_string(n - 1));
    });
    auto r = fetch(get(target.url("/hop/3")));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "arrived");
    EXPECT_EQ(r.redirects, 3);
    EXPECT_EQ(r.final_url, target.url("/hop/0"));

    auto limited = get(target.url("/hop/3"));
    limited.max_redirects = 2;
    EXPECT_EQ(fetch(limited).failure, FailureReason::redirect_limit);

    auto not_followed = get(target.url("/hop/3"));
    not_followed.max_redirects = 0;
    auto r0 = fetch(not_followed);
    EXPECT_TRUE(r0.ok());
    EXPECT_EQ(r0.status, 302);
}

TEST(HttpClient, SeeOtherTurnsPostIntoGet) {
    FakeTarget target([](const FakeRequest& r) {
        if (r.target == "/form") return redirect_to("/done", 303);
        return FakeResponse::text(200, r.method + ":" + r.body);
    });
    auto request = get(target.url("/form"));
    request.method = "POST";
    request.body = "a=1";
    EXPECT_EQ(fetch(request).body, "GET:");
}

class HttpClientTls : public testing::Test {
protected:
    tocsin::test::TempDir dir;
    tocsin::test::TestCa ca{dir.path()};

    HttpClientRequest tls_get(const FakeTarget& target, tocsin::net::TlsOptions options = {}) {
        if (options.ca_file.empty()) options.ca_file = ca.ca_file();
        auto ctx = tocsin::net::TlsClientContext::create(options);
        EXPECT_TRUE(ctx.ok());
        auto request = get(target.url("/"));
        request.tls = *ctx;
        return request;
    }
    static FakeResponse ok(const FakeRequest&) { return FakeResponse::text(200, "secure"); }
};

TEST_F(HttpClientTls, VerifiesAgainstTheCaAndRecordsExpiry) {
    auto files = ca.issue("good", {"127.0.0.1", "localhost"}, -1h, 24h * 10);
    FakeTarget target(ok, tocsin::test::FakeTls{files.cert, files.key, {}});
    auto r = fetch(tls_get(target));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_TRUE(r.used_tls);
    EXPECT_EQ(r.body, "secure");
    ASSERT_TRUE(r.earliest_cert_expiry.has_value());
    auto days = std::chrono::duration_cast<std::chrono::hours>(*r.earliest_cert_expiry - std::chrono::system_clock::now()).count() / 24.0;
    EXPECT_NEAR(days, 10.0, 0.1);
    EXPECT_GE(r.phases.tls, 0.0);
}

TEST_F(HttpClientTls, RejectsASelfSignedCertificateUnlessTold) {
    auto files = ca.issue("self", {"127.0.0.1"}, -1h, 24h, /*self_signed=*/true);
    FakeTarget target(ok, tocsin::test::FakeTls{files.cert, files.key, {}});
    auto r = fetch(tls_get(target));
    EXPECT_EQ(r.failure, FailureReason::tls);
    EXPECT_THAT(r.detail, HasSubstr("self-signed"));

    tocsin::net::TlsOptions insecure;
    insecure.insecure_skip_verify = true;
    auto r2 = fetch(tls_get(target, insecure));
    EXPECT_TRUE(r2.ok()) << r2.detail;
    EXPECT_TRUE(r2.earliest_cert_expiry.has_value());
}

TEST_F(HttpClientTls, RejectsAnExpiredCertificate) {
    auto files = ca.issue("expired", {"127.0.0.1"}, -48h, -24h);
    FakeTarget target(ok, tocsin::test::FakeTls{files.cert, files.key, {}});
    auto r = fetch(tls_get(target));
    EXPECT_EQ(r.failure, FailureReason::tls);
    EXPECT_THAT(r.detail, HasSubstr("expired"));
}

TEST_F(HttpClientTls, RejectsTheWrongHostAndAcceptsAnExplicitServerName) {
    auto files = ca.issue("other", {"tocsin.test"});
    FakeTarget target(ok, tocsin::test::FakeTls{files.cert, files.key, {}});
    auto r = fetch(tls_get(target));
    EXPECT_EQ(r.failure, FailureReason::tls) << r.detail;

    tocsin::net::TlsOptions named;
    named.server_name = "tocsin.test";
    auto r2 = fetch(tls_get(target, named));
    EXPECT_TRUE(r2.ok()) << r2.detail;
}

TEST_F(HttpClientTls, PlainHttpServerBehindAnHttpsUrlIsATlsFailure) {
    FakeTarget plain(ok);
    auto request = get("https://127.0.0.1:" + std::to_string(plain.port()) + "/");
    request.tls = *tocsin::net::TlsClientContext::create({});
    EXPECT_EQ(fetch(request).failure, FailureReason::tls);
}

TEST(TlsClientContext, NamesAMissingCaFile) {
    tocsin::net::TlsOptions options;
    options.ca_file = "/nonexistent/ca.pem";
    auto ctx = tocsin::net::TlsClientContext::create(options);
    ASSERT_FALSE(ctx.ok());
    EXPECT_THAT(ctx.error().message, HasSubstr("/nonexistent/ca.pem"));
}

TEST(HttpClient, Ipv6LoopbackAndIpVersionFilter) {
    std::unique_ptr<FakeTarget> target;
    try {
        target = std::make_unique<FakeTarget>([](const FakeRequest&) { return FakeResponse::text(200, "v6"); },
                                              std::nullopt, /*ipv6=*/true);
    } catch (const std::exception&) {
        GTEST_SKIP() << "no IPv6 loopback here";
    }
    auto r = fetch(get(target->url("/")));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.body, "v6");
    auto v4only = get(target->url("/"));
    v4only.ip_version = tocsin::net::IpVersion::ipv4;
    EXPECT_EQ(fetch(v4only).failure, FailureReason::dns);
}

TEST(HttpClient, InvalidUrl) {
    EXPECT_EQ(fetch(get("not a url")).failure, FailureReason::invalid_url);
    EXPECT_EQ(fetch(get("ftp://127.0.0.1/")).failure, FailureReason::invalid_url);
}

TEST(TcpConnect, OpenAndClosedPorts) {
    FakeTarget target([](const FakeRequest&) { return FakeResponse::text(200, ""); });
    boost::asio::io_context io;
    tocsin::net::TcpConnectResult open, closed;
    tocsin::net::tcp_connect(io, {"127.0.0.1", static_cast<std::uint16_t>(target.port()), 2s}, [&](auto r) { open = r; });
    tocsin::net::tcp_connect(io, {"127.0.0.1", static_cast<std::uint16_t>(tocsin::test::free_port()), 2s},
                             [&](auto r) { closed = r; });
    io.run();
    EXPECT_TRUE(open.ok()) << open.detail;
    EXPECT_EQ(closed.failure, FailureReason::refused);
}

TEST_F(HttpClientTls, PresentsAClientCertificateWhenTheServerRequiresOne) {
    auto server_files = ca.issue("server", {"127.0.0.1"});
    auto client_files = ca.issue("client", {"tocsin-probe"});
    FakeTarget target(ok, tocsin::test::FakeTls{server_files.cert, server_files.key, ca.ca_file()});

    auto without = fetch(tls_get(target));
    EXPECT_FALSE(without.ok());  // the server refuses the handshake (or drops the connection right after)

    tocsin::net::TlsOptions mutual;
    mutual.cert_file = client_files.cert;
    mutual.key_file = client_files.key;
    auto with = fetch(tls_get(target, mutual));
    EXPECT_TRUE(with.ok()) << with.detail;
    EXPECT_EQ(with.body, "secure");
}

TEST(HttpClient, ABodyShorterThanItsContentLengthIsAReset) {
    FakeTarget target([](const FakeRequest&) {
        FakeResponse r;
        r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n" + std::string(70000, 'x');
        return r;
    });
    auto r = fetch(get(target.url("/")));
    EXPECT_EQ(r.failure, FailureReason::reset) << r.detail;
    EXPECT_NE(r.detail.find("reading response body"), std::string::npos) << r.detail;
}

// A reused body buffer is only memory: each response's body is exactly its own,
// whether it is longer or shorter than the last, sized or chunked.
TEST(HttpClient, AReusedBodyBufferHoldsOnlyTheNewBody) {
    std::string next;
    bool chunked = false;
    FakeTarget target([&](const FakeRequest&) {
        FakeResponse r;
        if (chunked) {
            r.raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + std::string("5\r\n") +
                    next.substr(0, 5) + "\r\n0\r\n\r\n";
        } else {
            r = FakeResponse::text(200, next);
        }
        return r;
    });
    std::string buffer;
    for (std::string body : {std::string(200000, 'a'), std::string("short"), std::string(300000, 'b'), std::string()}) {
        next = body;
        auto request = get(target.url("/"));
        request.body_buffer = std::move(buffer);
        auto r = fetch(request);
        ASSERT_TRUE(r.ok()) << r.detail;
        EXPECT_EQ(r.body, body);
        buffer = std::move(r.body);
    }
    chunked = true;
    next = "hello world";
    auto request = get(target.url("/"));
    request.body_buffer = std::move(buffer);
    auto r = fetch(request);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.body, "hello");
}
