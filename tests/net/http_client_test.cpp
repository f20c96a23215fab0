// The HTTP(S) client against scripted loopback servers: every failure class
// a probe must tell apart, redirects, TLS verification and certificate expiry;
// and what the webhook channel needs: response headers, interim responses,
// truncated and partial bodies, certificate rejections told from other TLS
// failures.
#include "tocsin/net/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdio>
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

// With a receive buffer the client opens each endpoint's socket itself (the
// option must precede the handshake): every address of a name is still
// tried in turn (localhost may resolve to ::1 first, where nothing listens),
// and a large body arrives whole.
TEST(HttpClient, AReceiveBufferKeepsEveryEndpointAndTheWholeBody) {
    std::string big(3 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
    FakeTarget target([&](const FakeRequest&) { return FakeResponse::text(200, big); });
    auto request = get("http://localhost:" + std::to_string(target.port()) + "/metrics");
    request.receive_buffer_bytes = 1 << 20;
    auto r = fetch(request);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.body.size(), big.size());
    EXPECT_TRUE(r.body == big);

    auto refused = get("http://127.0.0.1:" + std::to_string(tocsin::test::free_port()) + "/");
    refused.receive_buffer_bytes = 1 << 20;
    EXPECT_EQ(fetch(refused).failure, FailureReason::refused);
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

// ------------------------------------------------------------------
// The response's headers and reason phrase, interim responses, request
// header replacement, truncate_body, keep_partial_body and
// certificate_rejected (what the webhook channel needs).

namespace {

FakeResponse raw(std::string bytes) {
    FakeResponse r;
    r.raw = std::move(bytes);
    return r;
}

// A body whose prefixes are all distinct: "0000000001000000000200...".
std::string numbered(std::size_t size) {
    std::string out;
    for (int i = 0; out.size() < size; ++i) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%010d", i);
        out += buf;
    }
    out.resize(size);
    return out;
}

std::string chunked(const std::string& body, std::size_t chunk) {
    std::string out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (std::size_t i = 0; i < body.size(); i += chunk) {
        const std::string piece = body.substr(i, chunk);
        char size[16];
        std::snprintf(size, sizeof size, "%zx", piece.size());
        out += std::string(size) + "\r\n" + piece + "\r\n";
    }
    return out + "0\r\n\r\n";
}

}  // namespace

TEST(HttpClient, ReportsTheFinalResponsesHeadersAndReason) {
    FakeTarget target([](const FakeRequest& r) {
        if (r.target == "/old") {
            auto res = redirect_to("/new", 301);
            res.headers.emplace_back("X-Hop", "first");
            return res;
        }
        return raw(
            "HTTP/1.1 202 Accepted For Later\r\nX-Request-Id: req-1\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\n"
            "Retry-After: 7\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    });
    auto r = fetch(get(target.url("/old")));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.redirects, 1);
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(r.reason, "Accepted For Later");
    EXPECT_EQ(r.body, "ok");
    EXPECT_FALSE(r.body_truncated);
    // Case-insensitive, first value.
    EXPECT_EQ(r.header("x-request-id"), "req-1");
    EXPECT_EQ(r.header("X-REQUEST-ID"), "req-1");
    EXPECT_EQ(r.header("Set-Cookie"), "a=1");
    EXPECT_EQ(r.header("Retry-After"), "7");
    EXPECT_EQ(r.header("Content-Length"), "2");
    EXPECT_EQ(r.header("X-Missing"), std::nullopt);
    // Only the final response's: the redirect's are gone.
    EXPECT_EQ(r.header("X-Hop"), std::nullopt);
    EXPECT_EQ(r.header("Location"), std::nullopt);
    // Every field, in order, names as received.
    using Header = std::pair<std::string, std::string>;
    EXPECT_EQ(r.headers, (std::vector<Header>{{"X-Request-Id", "req-1"},
                                              {"set-cookie", "a=1"},
                                              {"Set-Cookie", "b=2"},
                                              {"Retry-After", "7"},
                                              {"Content-Length", "2"},
                                              {"Connection", "close"}}));
}

TEST(HttpClient, HeadersOfAnErrorStatusToo) {
    FakeTarget target([](const FakeRequest&) {
        auto res = FakeResponse::text(429, "slow down");
        res.headers.emplace_back("Retry-After", "120");
        return res;
    });
    auto r = fetch(get(target.url("/")));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.reason, "Too Many Requests");
    EXPECT_EQ(r.header("retry-after"), "120");
}

TEST(HttpClient, ARequestHeaderReplacesTheDefaultAndTheLastOfANameWins) {
    FakeTarget target([](const FakeRequest& r) {
        std::string seen;
        for (const auto& [name, value] : r.headers) {
            if (name == "User-Agent" || name == "user-agent" || name == "X-Tag" || name == "x-tag") {
                seen += name + "=" + value + ";";
            }
        }
        return FakeResponse::text(200, seen);
    });
    auto request = get(target.url("/"));
    request.headers = {{"user-agent", "probe/2"}, {"X-Tag", "a"}, {"x-tag", "b"}};
    auto r = fetch(request);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.body, "user-agent=probe/2;x-tag=b;");

    auto plain = fetch(get(target.url("/")));
    EXPECT_EQ(plain.body, "User-Agent=tocsin;");
}

TEST(HttpClient, SkipsInterimResponses) {
    FakeTarget target([](const FakeRequest&) {
        return raw(
            "HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            "HTTP/1.1 200 OK\r\nX-Final: yes\r\nContent-Length: 5\r\n\r\nfinal");
    });
    auto r = fetch(get(target.url("/")));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "final");
    EXPECT_EQ(r.header("X-Final"), "yes");
    EXPECT_EQ(r.header("Link"), std::nullopt);
}

TEST(HttpClient, TooManyInterimResponsesAreAProtocolError) {
    int interim = 0;
    FakeTarget target([&interim](const FakeRequest&) {
        std::string bytes;
        for (int i = 0; i < interim; ++i) bytes += "HTTP/1.1 103 Early Hints\r\n\r\n";
        return raw(bytes + "HTTP/1.1 204 No Content\r\n\r\n");
    });
    interim = 8;
    auto r = fetch(get(target.url("/")));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.status, 204);
    interim = 9;
    r = fetch(get(target.url("/")));
    EXPECT_EQ(r.failure, FailureReason::http_protocol);
    EXPECT_THAT(r.detail, HasSubstr("interim"));
}

TEST(HttpClient, TruncateBodyCutsAnOverLimitBodyAndKeepsTheStatus) {
    const std::string big = numbered(100000);
    enum class Framing { sized, chunked, until_close };
    Framing framing = Framing::sized;
    FakeTarget target([&](const FakeRequest&) {
        switch (framing) {
            case Framing::sized:
                return FakeResponse::text(503, big);
            case Framing::chunked:
                return raw(chunked(big, 700));
            case Framing::until_close:
                return raw("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big);
        }
        return FakeResponse::text(500, "");
    });
    for (Framing f : {Framing::sized, Framing::chunked, Framing::until_close}) {
        framing = f;
        auto request = get(target.url("/"));
        request.max_body_bytes = 1000;
        request.truncate_body = true;
        auto r = fetch(request);
        ASSERT_TRUE(r.ok()) << static_cast<int>(f) << ": " << r.detail;
        EXPECT_EQ(r.status, f == Framing::sized ? 503 : 200);
        EXPECT_EQ(r.body, big.substr(0, 1000)) << static_cast<int>(f);
        EXPECT_TRUE(r.body_truncated);
        EXPECT_THAT(r.detail, HasSubstr("cut at 1000"));

        // Without truncate_body, the same is a failure, however it is framed.
        request.truncate_body = false;
        EXPECT_EQ(fetch(request).failure, FailureReason::body_too_large) << static_cast<int>(f);
    }
}

TEST(HttpClient, TruncateBodyLeavesABodyAtOrUnderTheLimitAlone) {
    std::string body;
    bool use_chunks = false;
    FakeTarget target(
        [&](const FakeRequest&) { return use_chunks ? raw(chunked(body, 300)) : FakeResponse::text(200, body); });
    for (bool c : {false, true}) {
        use_chunks = c;
        for (std::size_t size : {std::size_t{0}, std::size_t{999}, std::size_t{1000}}) {
            body = numbered(size);
            auto request = get(target.url("/"));
            request.max_body_bytes = 1000;
            request.truncate_body = true;
            auto r = fetch(request);
            ASSERT_TRUE(r.ok()) << r.detail;
            EXPECT_EQ(r.body, body) << size << (c ? " chunked" : " sized");
            EXPECT_FALSE(r.body_truncated) << size;
            EXPECT_EQ(r.detail, "");
        }
    }
}

TEST(HttpClient, TruncateBodyReusesTheBodyBuffer) {
    FakeTarget target([](const FakeRequest&) { return FakeResponse::text(200, std::string(5000, 'n')); });
    auto request = get(target.url("/"));
    request.max_body_bytes = 100;
    request.truncate_body = true;
    request.body_buffer = std::string(300000, 'o');
    auto r = fetch(request);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.body, std::string(100, 'n'));
}

TEST(HttpClient, KeepPartialBodyKeepsWhatArrivedAfterTheStatus) {
    std::string bytes;
    FakeTarget target([&](const FakeRequest&) { return raw(bytes); });
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\npartial", "partial"},
        {"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n", "partial"},
        {"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk", ""},
    };
    for (const auto& [response, kept] : cases) {
        bytes = response;
        auto request = get(target.url("/"));
        auto failed = fetch(request);
        EXPECT_FALSE(failed.ok()) << response;
        EXPECT_NE(failed.failure, FailureReason::body_too_large);

        request.keep_partial_body = true;
        auto r = fetch(request);
        ASSERT_TRUE(r.ok()) << response << ": " << r.detail;
        EXPECT_EQ(r.status, 201);
        EXPECT_EQ(r.body, kept);
        EXPECT_TRUE(r.body_truncated);
        EXPECT_THAT(r.detail, HasSubstr("incomplete"));
    }
}

TEST(HttpClient, KeepPartialBodyKeepsTheStatusWhenTheDeadlinePassesMidBody) {
    FakeTarget target([](const FakeRequest&) {
        FakeResponse r = FakeResponse::text(200, std::string(50, 'x'));
        r.dribble = 50ms;
        return r;
    });
    auto request = get(target.url("/"));
    request.total_timeout = 300ms;
    request.keep_partial_body = true;
    auto r = fetch(request);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(r.body.size(), 50u);
    EXPECT_EQ(r.body, std::string(r.body.size(), 'x'));
    EXPECT_TRUE(r.body_truncated);
    EXPECT_LT(r.duration_seconds, 3.0);
}

TEST(HttpClient, KeepPartialBodyNeedsTheHeadersAndNeverHidesAnOverLimitBody) {
    // Headers cut off: no status, still a failure.
    FakeTarget cut([](const FakeRequest&) { return raw("HTTP/1.1 200 OK\r\nX-A: 1\r\n"); });
    auto request = get(cut.url("/"));
    request.keep_partial_body = true;
    auto r = fetch(request);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status, 0);

    // Over the limit without truncate_body stays body_too_large.
    FakeTarget big([](const FakeRequest&) { return raw(chunked(std::string(5000, 'b'), 600)); });
    auto over = get(big.url("/"));
    over.max_body_bytes = 1000;
    over.keep_partial_body = true;
    EXPECT_EQ(fetch(over).failure, FailureReason::body_too_large);

    // Both options: the cut, not a failure.
    over.truncate_body = true;
    auto both = fetch(over);
    ASSERT_TRUE(both.ok()) << both.detail;
    EXPECT_EQ(both.body.size(), 1000u);
    EXPECT_TRUE(both.body_truncated);
}

TEST_F(HttpClientTls, CertificateRejectedWhenVerificationFails) {
    auto self_signed = ca.issue("self", {"127.0.0.1"}, -1h, 24h, /*self_signed=*/true);
    auto expired = ca.issue("expired", {"127.0.0.1"}, -48h, -24h);
    auto named = ca.issue("named", {"tocsin.test"});
    auto good = ca.issue("good", {"127.0.0.1"});
    struct Case {
        std::string name;
        tocsin::test::CertFiles cert;
        tocsin::net::TlsOptions options;
        std::string why;
    };
    tocsin::net::TlsOptions wrong_name;
    wrong_name.server_name = "other.test";
    const std::vector<Case> cases = {
        {"self-signed", self_signed, {}, "self-signed"},
        {"expired", expired, {}, "expired"},
        {"IP not in the certificate", named, {}, "IP address mismatch"},
        {"name not in the certificate", named, wrong_name, "hostname mismatch"},
    };
    for (const auto& c : cases) {
        FakeTarget target(ok, tocsin::test::FakeTls{c.cert.cert, c.cert.key, {}});
        auto r = fetch(tls_get(target, c.options));
        EXPECT_EQ(r.failure, FailureReason::tls) << c.name << ": " << r.detail;
        EXPECT_TRUE(r.certificate_rejected) << c.name;
        EXPECT_THAT(r.detail, HasSubstr("certificate verification failed")) << c.name;
        EXPECT_THAT(r.detail, HasSubstr(c.why)) << c.name;
        EXPECT_EQ(target.requests(), 0u) << c.name;
    }

    // A certificate from a CA the client does not trust (system CAs only).
    FakeTarget target(ok, tocsin::test::FakeTls{good.cert, good.key, {}});
    auto request = get(target.url("/"));
    request.tls = *tocsin::net::TlsClientContext::create({});
    auto r = fetch(request);
    EXPECT_EQ(r.failure, FailureReason::tls) << r.detail;
    EXPECT_TRUE(r.certificate_rejected) << r.detail;

    // The same with our CA: accepted, nothing rejected.
    auto accepted = fetch(tls_get(target));
    ASSERT_TRUE(accepted.ok()) << accepted.detail;
    EXPECT_FALSE(accepted.certificate_rejected);
}

TEST_F(HttpClientTls, PartialWildcardsAreNotAccepted) {
    auto wildcard = ca.issue("wildcard", {"*.tocsin.test"});
    auto partial = ca.issue("partial", {"w*.tocsin.test"});
    tocsin::net::TlsOptions named;
    named.server_name = "www.tocsin.test";

    FakeTarget full(ok, tocsin::test::FakeTls{wildcard.cert, wildcard.key, {}});
    auto r = fetch(tls_get(full, named));
    EXPECT_TRUE(r.ok()) << r.detail;

    FakeTarget part(ok, tocsin::test::FakeTls{partial.cert, partial.key, {}});
    auto rejected = fetch(tls_get(part, named));
    EXPECT_EQ(rejected.failure, FailureReason::tls) << rejected.detail;
    EXPECT_TRUE(rejected.certificate_rejected);
}

TEST_F(HttpClientTls, OtherTlsFailuresAreNotCertificateRejections) {
    // No TLS server there: the handshake fails before any certificate.
    FakeTarget plain(ok);
    auto request = get("https://127.0.0.1:" + std::to_string(plain.port()) + "/");
    request.tls = *tocsin::net::TlsClientContext::create({});
    auto r = fetch(request);
    EXPECT_EQ(r.failure, FailureReason::tls) << r.detail;
    EXPECT_FALSE(r.certificate_rejected) << r.detail;
    EXPECT_THAT(r.detail, HasSubstr("TLS handshake failed"));

    // The same with insecure_skip_verify.
    tocsin::net::TlsOptions insecure;
    insecure.insecure_skip_verify = true;
    request.tls = *tocsin::net::TlsClientContext::create(insecure);
    r = fetch(request);
    EXPECT_EQ(r.failure, FailureReason::tls) << r.detail;
    EXPECT_FALSE(r.certificate_rejected);

    // insecure_skip_verify with a certificate that would fail: accepted.
    auto self_signed = ca.issue("self", {"127.0.0.1"}, -1h, 24h, /*self_signed=*/true);
    FakeTarget target(ok, tocsin::test::FakeTls{self_signed.cert, self_signed.key, {}});
    auto skipped = fetch(tls_get(target, insecure));
    EXPECT_TRUE(skipped.ok()) << skipped.detail;
    EXPECT_FALSE(skipped.certificate_rejected);

    // The server refuses us (no client certificate): its verdict, not ours.
    auto server_files = ca.issue("server", {"127.0.0.1"});
    FakeTarget mutual(ok, tocsin::test::FakeTls{server_files.cert, server_files.key, ca.ca_file()});
    auto refused = fetch(tls_get(mutual));
    EXPECT_FALSE(refused.ok());
    EXPECT_FALSE(refused.certificate_rejected) << refused.detail;
}

TEST_F(HttpClientTls, AHandshakeTimeoutIsNotACertificateRejection) {
    // A listener that never accepts: the kernel completes the TCP
    // handshake, nobody answers the ClientHello.
    boost::asio::io_context idle;
    boost::asio::ip::tcp::acceptor acceptor(idle, {boost::asio::ip::make_address("127.0.0.1"), 0});
    auto request = get("https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/");
    request.tls = *tocsin::net::TlsClientContext::create({});
    request.tls_timeout = 200ms;
    auto r = fetch(request);
    EXPECT_EQ(r.failure, FailureReason::timeout) << r.detail;
    EXPECT_FALSE(r.certificate_rejected);
}
