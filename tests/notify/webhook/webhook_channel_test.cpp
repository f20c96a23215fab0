// WebhookChannel against a real HTTP(S) server on loopback (FakeTarget):
// what a receiver gets (headers, a signature it can check on its own, the
// body), each outcome class (2xx, 5xx, 429 with Retry-After, 4xx, 3xx,
// refused, slow, reset, garbage, TLS trust and name failures), and that no
// detail ever carries the secret or a credential. Every test drives the
// io_context until `done` has run; nothing sleeps.
#include "tocsin/notify/webhook/webhook_channel.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <mutex>

#include "fake_target.hpp"
#include "test_certs.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using namespace tocsin::notify::webhook;
using testing::HasSubstr;
using testing::Not;
using tocsin::Duration;
using tocsin::ManualClock;
using tocsin::Secret;
using tocsin::TimePoint;
using tocsin::notify::DeliveryOutcome;
using tocsin::notify::DeliveryResult;
using tocsin::notify::Notification;
using tocsin::test::FakeRequest;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;

namespace {

const std::string k_secret = "whsec_S3cr3t-value-never-in-logs";
const std::string k_bearer = "Bearer receiver-token-0123456789";
const TimePoint k_t0 = TimePoint{std::chrono::seconds(1700000000)};  // Tue, 14 Nov 2023 22:13:20 GMT

// The receiver's side, written without tocsin's code: HMAC-SHA256 over
// "<timestamp>.<body>", lowercase hex.
std::string receiver_signature(const std::string& secret, const std::string& timestamp, const std::string& body) {
    const std::string message = timestamp + "." + body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
    std::string hex;
    char buf[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", mac[i]);
        hex += buf;
    }
    return "sha256=" + hex;
}

Notification page(std::string key = "incident-42-page-1") {
    Notification n;
    n.idempotency_key = std::move(key);
    n.incident_id = 42;
    n.subject = "[P1] API down <prod>";
    n.text = "Incident #42 is firing.\nSeverity: P1 & rising";
    n.actionable = true;
    return n;
}

// Requests as the server saw them (the handler runs on server threads).
class Recorder {
public:
    void add(const FakeRequest& r) {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(r);
    }
    std::vector<FakeRequest> all() const {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<FakeRequest> m_requests;
};

FakeResponse respond(int status, std::vector<std::pair<std::string, std::string>> headers = {}, std::string body = "") {
    FakeResponse r = FakeResponse::text(status, std::move(body));
    r.headers = std::move(headers);
    return r;
}

class WebhookChannelTest : public testing::Test {
protected:
    boost::asio::io_context io;
    ManualClock clock{k_t0};
    Recorder recorder;

    WebhookOptions options_for(const std::string& url) {
        WebhookOptions o;
        o.url = url;
        o.secret = Secret(k_secret, "env:TOCSIN_WEBHOOK_SECRET");
        o.headers = {{"Authorization", k_bearer}, {"X-Env", "prod"}};
        o.timeout = 5s;
        return o;
    }

    std::unique_ptr<WebhookChannel> make(WebhookOptions o) {
        auto c = WebhookChannel::create(io, std::move(o), clock);
        if (!c.ok()) throw std::runtime_error(c.error().message);
        return std::move(c).value();
    }

    // A server answering every request with `response`, recording it.
    std::unique_ptr<FakeTarget> server(FakeResponse response, std::optional<tocsin::test::FakeTls> tls = std::nullopt) {
        return std::make_unique<FakeTarget>(
            [this, response](const FakeRequest& r) {
                recorder.add(r);
                return response;
            },
            tls);
    }

    // One delivery, run until `done`; checks it ran once and that the
    // detail holds no credential.
    DeliveryResult deliver(WebhookChannel& channel, const std::string& recipient = "Alice Example",
                           const Notification& n = page()) {
        std::optional<DeliveryResult> out;
        int calls = 0;
        channel.deliver(recipient, n, [&](DeliveryResult r) {
            ++calls;
            out = std::move(r);
        });
        io.restart();
        io.run();
        EXPECT_EQ(calls, 1);
        if (!out) throw std::runtime_error("done did not run");
        EXPECT_THAT(out->detail, Not(HasSubstr(k_secret)));
        EXPECT_THAT(out->detail, Not(HasSubstr("receiver-token")));
        EXPECT_THAT(out->remote_id, Not(HasSubstr(k_secret)));
        return std::move(*out);
    }
};

}  // namespace

TEST_F(WebhookChannelTest, PostsASignedJsonPage) {
    auto target = server(respond(200, {{"X-Request-Id", "req-7f3a"}}, R"({"ok":true})"));
    auto channel = make(options_for(target->url("/hooks/tocsin?team=sre")));
    Notification n = page();
    n.thread_root = "incident-42-page-0";

    auto r = deliver(*channel, "Alice Example", n);
    EXPECT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
    EXPECT_EQ(r.remote_id, "req-7f3a");
    EXPECT_EQ(r.detail, "http://127.0.0.1:" + std::to_string(target->port()) + ": HTTP 200 OK, request id req-7f3a");
    EXPECT_FALSE(r.retry_after);

    auto requests = recorder.all();
    ASSERT_EQ(requests.size(), 1u);
    const FakeRequest& req = requests[0];
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.target, "/hooks/tocsin?team=sre");
    EXPECT_EQ(req.header("Content-Type"), "application/json");
    EXPECT_EQ(req.header("Content-Length"), std::to_string(req.body.size()));
    EXPECT_EQ(req.header("Idempotency-Key"), "incident-42-page-1");
    EXPECT_EQ(req.header("Authorization"), k_bearer);
    EXPECT_EQ(req.header("X-Env"), "prod");
    EXPECT_EQ(req.header("User-Agent"), "tocsin");
    EXPECT_EQ(req.header("Host"), "127.0.0.1:" + std::to_string(target->port()));
    EXPECT_EQ(req.header("X-Tocsin-Timestamp"), "1700000000");
    EXPECT_EQ(req.header("X-Tocsin-Signature"), receiver_signature(k_secret, "1700000000", req.body));
    EXPECT_NE(req.header("X-Tocsin-Signature"), receiver_signature("wrong secret", "1700000000", req.body));
    // The secret itself never travels.
    for (const auto& [name, value] : req.headers) EXPECT_THAT(value, Not(HasSubstr(k_secret))) << name;
    EXPECT_THAT(req.body, Not(HasSubstr(k_secret)));

    EXPECT_EQ(req.body, webhook_body("Alice Example", n, k_t0));
    auto v = boost::json::parse(req.body).as_object();
    std::vector<std::string> keys;
    for (const auto& kv : v) keys.emplace_back(kv.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"version", "idempotency_key", "incident_id", "recipient", "subject",
                                              "text", "actionable", "thread_root", "sent_at"}));
    EXPECT_EQ(v.at("version").as_int64(), 1);
    EXPECT_EQ(v.at("idempotency_key").as_string(), "incident-42-page-1");
    EXPECT_EQ(v.at("incident_id").as_int64(), 42);
    EXPECT_EQ(v.at("recipient").as_string(), "Alice Example");
    EXPECT_EQ(v.at("subject").as_string(), "[P1] API down <prod>");
    EXPECT_EQ(v.at("text").as_string(), "Incident #42 is firing.\nSeverity: P1 & rising");
    EXPECT_EQ(v.at("actionable").as_bool(), true);
    EXPECT_EQ(v.at("thread_root").as_string(), "incident-42-page-0");
    EXPECT_EQ(v.at("sent_at").as_string(), "2023-11-14T22:13:20Z");
}

TEST_F(WebhookChannelTest, AResendCarriesTheSameKeyAndAFreshSignature) {
    auto target = server(respond(204));
    auto channel = make(options_for(target->url("/hook")));
    auto first = deliver(*channel);
    clock.advance(30s);
    auto second = deliver(*channel);
    EXPECT_EQ(first.outcome, DeliveryOutcome::sent);
    EXPECT_EQ(second.outcome, DeliveryOutcome::sent);
    EXPECT_EQ(first.remote_id, "");
    auto requests = recorder.all();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].header("Idempotency-Key"), requests[1].header("Idempotency-Key"));
    EXPECT_EQ(requests[1].header("X-Tocsin-Timestamp"), "1700000030");
    EXPECT_EQ(requests[1].header("X-Tocsin-Signature"), receiver_signature(k_secret, "1700000030", requests[1].body));
    EXPECT_NE(requests[0].header("X-Tocsin-Signature"), requests[1].header("X-Tocsin-Signature"));
}

TEST_F(WebhookChannelTest, ServerErrorsAreRetried) {
    auto target = server(respond(500, {}, "upstream exploded\r\nat line 3"));
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_FALSE(r.retry_after);
    EXPECT_THAT(r.detail, HasSubstr("HTTP 500 Internal Server Error: upstream exploded at line 3"));
    EXPECT_EQ(r.remote_id, "");
}

TEST_F(WebhookChannelTest, TooManyRequestsHonoursRetryAfterSeconds) {
    auto target = server(respond(429, {{"Retry-After", "7"}}, "slow down"));
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    ASSERT_TRUE(r.retry_after);
    EXPECT_EQ(*r.retry_after, Duration(7s));
    EXPECT_THAT(r.detail, HasSubstr("HTTP 429 Too Many Requests, retry after 7 s: slow down"));
}

TEST_F(WebhookChannelTest, UnavailableHonoursRetryAfterDate) {
    // The date is read against the channel's clock: 100 s after k_t0.
    auto target = server(respond(503, {{"Retry-After", "Tue, 14 Nov 2023 22:15:00 GMT"}}));
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_EQ(r.retry_after, Duration(100s));
}

TEST_F(WebhookChannelTest, ClientErrorsArePermanent) {
    auto target = server(respond(404, {}, "no such hook"));
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(r.detail, HasSubstr("HTTP 404 Not Found: no such hook"));
}

TEST_F(WebhookChannelTest, RedirectsAreNotFollowed) {
    auto target = server(respond(308, {{"Location", "https://elsewhere.example.com/new?token=abcdef"}}));
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(r.detail, HasSubstr("redirects are not followed (to https://elsewhere.example.com)"));
    EXPECT_THAT(r.detail, Not(HasSubstr("token")));
    EXPECT_EQ(target->requests(), 1u);
}

TEST_F(WebhookChannelTest, ConnectionRefusedIsRetried) {
    const int port = tocsin::test::free_port();
    auto channel = make(options_for("http://127.0.0.1:" + std::to_string(port) + "/hook?token=abcdef"));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_THAT(r.detail, HasSubstr("refused"));
    EXPECT_EQ(r.detail.find("http://127.0.0.1:" + std::to_string(port) + ": "), 0u) << r.detail;
    EXPECT_THAT(r.detail, Not(HasSubstr("token")));
    EXPECT_THAT(r.detail, Not(HasSubstr("/hook")));
}

TEST_F(WebhookChannelTest, ASlowServerTimesOutAndIsRetried) {
    FakeResponse hang;
    hang.hang = true;
    auto target = server(hang);
    auto o = options_for(target->url("/hook"));
    o.timeout = 300ms;
    auto channel = make(o);
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_THAT(r.detail, HasSubstr("timeout"));
    EXPECT_THAT(r.detail, HasSubstr("(timeout 300ms)"));
    EXPECT_EQ(recorder.all().size(), 1u);  // the request did arrive
}

TEST_F(WebhookChannelTest, ABodyTooSlowAfterTheStatusStillCounts) {
    // The receiver said 200 and then dribbles its body past the deadline:
    // the status stands.
    FakeResponse slow = respond(200, {}, std::string(200, 'x'));
    slow.dribble = 10ms;
    auto target = server(slow);
    auto o = options_for(target->url("/hook"));
    o.timeout = 300ms;
    auto channel = make(o);
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
}

TEST_F(WebhookChannelTest, InterimResponsesAreSkipped) {
    FakeResponse hints;
    hints.raw =
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        "HTTP/1.1 202 Accepted\r\nX-Request-Id: after-hints\r\nContent-Length: 0\r\n\r\n";
    auto target = server(hints);
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
    EXPECT_EQ(r.remote_id, "after-hints");
}

TEST_F(WebhookChannelTest, ABodyCutByTheServerAfterTheStatusStillCounts) {
    FakeResponse cut;
    cut.raw = "HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\npartial";
    auto target = server(cut);
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
}

TEST_F(WebhookChannelTest, AResetIsRetried) {
    FakeResponse reset;
    reset.reset = true;
    auto target = server(reset);
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_THAT(r.detail, HasSubstr("reset"));
}

TEST_F(WebhookChannelTest, GarbageIsRetried) {
    FakeResponse garbage;
    garbage.raw = "SMTP 220 hello\r\n\r\n";
    auto target = server(garbage);
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_THAT(r.detail, HasSubstr("http_protocol"));
}

TEST_F(WebhookChannelTest, LargeResponseBodiesAreCutNotFatal) {
    // Far beyond the 64 KiB read: the status still decides, and only a short
    // excerpt reaches the detail.
    auto target = server(respond(502, {}, std::string(4 << 20, 'e')));
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_THAT(r.detail, HasSubstr("HTTP 502 Bad Gateway: eeee"));
    EXPECT_LT(r.detail.size(), 300u);

    auto ok = server(respond(200, {}, std::string(1 << 20, 'k')));
    auto channel2 = make(options_for(ok->url("/hook")));
    EXPECT_EQ(deliver(*channel2).outcome, DeliveryOutcome::sent);
}

TEST_F(WebhookChannelTest, NoCredentialEverReachesADetail) {
    // A receiver that echoes everything it was told, the signature, the
    // configured Authorization, the query, the secret itself (as if it knew
    // it), into an error body.
    auto target = std::make_unique<FakeTarget>([this](const FakeRequest& r) {
        recorder.add(r);
        std::string echo = "bad signature " + r.header("X-Tocsin-Signature") + " with secret " + k_secret + " auth " +
                           r.header("Authorization") + " target " + r.target;
        return respond(401, {{"X-Request-Id", k_secret}}, echo);
    });
    auto o = options_for(target->url("/hooks/abcdefghijklmnopqrstuvwxyz?token=querysecret1"));
    auto channel = make(o);
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(r.detail, HasSubstr("HTTP 401 Unauthorized: bad signature sha256="));
    EXPECT_THAT(r.detail, HasSubstr("with secret <redacted>"));
    EXPECT_THAT(r.detail, HasSubstr("auth <redacted>"));
    EXPECT_THAT(r.detail, Not(HasSubstr("querysecret1")));
    EXPECT_THAT(r.detail, Not(HasSubstr("abcdefghijklmnopqrstuvwxyz")));
}

TEST_F(WebhookChannelTest, AnExcerptCutInsideAnEchoedSecretShowsNoneOfIt) {
    // The excerpt is cut at 200 bytes; the secret starts just before that.
    auto target = server(respond(400, {}, std::string(190, 'x') + " " + k_secret + " and more"));
    auto channel = make(options_for(target->url("/hook")));
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(r.detail, Not(HasSubstr(k_secret.substr(0, 6))));
    EXPECT_THAT(r.detail, HasSubstr(" <redac"));
}

TEST_F(WebhookChannelTest, UserInfoBecomesBasicAuthAndStaysOutOfDetails) {
    auto target = server(respond(500));
    auto o = options_for("http://pager:pa55word-xyz@127.0.0.1:" + std::to_string(target->port()) + "/hook");
    o.headers.clear();
    auto channel = make(o);
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_THAT(r.detail, Not(HasSubstr("pa55word")));
    EXPECT_THAT(r.detail, Not(HasSubstr("pager:")));
    auto requests = recorder.all();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].header("Authorization"), "Basic cGFnZXI6cGE1NXdvcmQteHl6");  // base64("pager:pa55word-xyz")
}

TEST_F(WebhookChannelTest, DoneRunsOnTheIoContextEvenWithoutARequest) {
    auto channel = make(options_for("http://127.0.0.1:9/hook"));
    int calls = 0;
    DeliveryResult out;
    channel->deliver("", page(), [&](DeliveryResult r) {
        ++calls;
        out = std::move(r);
    });
    EXPECT_EQ(calls, 0);  // not inline
    io.run();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(out.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(out.detail, HasSubstr("no recipient"));
}

TEST_F(WebhookChannelTest, ConcurrentDeliveriesEachFinishOnce) {
    auto target = server(respond(200));
    auto channel = make(options_for(target->url("/hook")));
    std::vector<int> calls(5, 0);
    for (int i = 0; i < 5; ++i) {
        channel->deliver("person " + std::to_string(i), page("key-" + std::to_string(i)),
                         [&calls, i](DeliveryResult r) {
                             EXPECT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
                             ++calls[i];
                         });
    }
    io.run();
    EXPECT_EQ(calls, std::vector<int>(5, 1));
    EXPECT_EQ(recorder.all().size(), 5u);
}

// ------------------------------------------------------------------ TLS

class WebhookTlsTest : public WebhookChannelTest {
protected:
    tocsin::test::TempDir dir;
    tocsin::test::TestCa ca{dir.path()};
};

TEST_F(WebhookTlsTest, TrustedCertificateIsSent) {
    auto cert = ca.issue("hook", {"127.0.0.1"});
    auto target = server(respond(200), tocsin::test::FakeTls{cert.cert, cert.key, {}});
    auto o = options_for(target->url("/hook"));
    o.tls.ca_file = ca.ca_file();
    auto channel = make(o);
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
    ASSERT_EQ(recorder.all().size(), 1u);
    EXPECT_EQ(recorder.all()[0].header("X-Tocsin-Signature"),
              receiver_signature(k_secret, "1700000000", recorder.all()[0].body));
}

TEST_F(WebhookTlsTest, UntrustedCertificateIsPermanent) {
    auto cert = ca.issue("hook", {"127.0.0.1"});
    auto target = server(respond(200), tocsin::test::FakeTls{cert.cert, cert.key, {}});
    auto channel = make(options_for(target->url("/hook")));  // system CAs only
    auto r = deliver(*channel);
    EXPECT_EQ(r.outcome, DeliveryOutcome::permanent) << r.detail;
    EXPECT_THAT(r.detail, HasSubstr("certificate verification failed"));
    EXPECT_EQ(recorder.all().size(), 0u);
}

TEST_F(WebhookTlsTest, ExpiredCertificateIsPermanent) {
    auto cert = ca.issue("expired", {"127.0.0.1"}, -48h, -24h);
    auto target = server(respond(200), tocsin::test::FakeTls{cert.cert, cert.key, {}});
    auto o = options_for(target->url("/hook"));
    o.tls.ca_file = ca.ca_file();
    auto r = deliver(*make(o));
    EXPECT_EQ(r.outcome, DeliveryOutcome::permanent) << r.detail;
    EXPECT_THAT(r.detail, HasSubstr("expired"));
}

TEST_F(WebhookTlsTest, WrongNameIsPermanent) {
    auto cert = ca.issue("other", {"hooks.example.com"});
    auto target = server(respond(200), tocsin::test::FakeTls{cert.cert, cert.key, {}});
    auto o = options_for(target->url("/hook"));
    o.tls.ca_file = ca.ca_file();
    auto r = deliver(*make(o));
    EXPECT_EQ(r.outcome, DeliveryOutcome::permanent) << r.detail;
    EXPECT_THAT(r.detail, HasSubstr("certificate verification failed"));

    // The same certificate with server_name set to its name is accepted.
    o.tls.server_name = "hooks.example.com";
    auto ok = deliver(*make(o));
    EXPECT_EQ(ok.outcome, DeliveryOutcome::sent) << ok.detail;
}

TEST_F(WebhookTlsTest, InsecureSkipVerifyAcceptsAnything) {
    auto cert = ca.issue("self", {"127.0.0.1"}, -1h, 24h, /*self_signed=*/true);
    auto target = server(respond(200), tocsin::test::FakeTls{cert.cert, cert.key, {}});
    auto o = options_for(target->url("/hook"));
    o.tls.insecure_skip_verify = true;
    EXPECT_EQ(deliver(*make(o)).outcome, DeliveryOutcome::sent);
}

TEST_F(WebhookTlsTest, AHandshakeThatIsNotAboutTheCertificateIsRetried) {
    // https to a plain HTTP server: the handshake fails, the certificate was
    // never judged.
    auto target = server(respond(200));
    auto o = options_for("https://127.0.0.1:" + std::to_string(target->port()) + "/hook");
    o.tls.ca_file = ca.ca_file();
    auto r = deliver(*make(o));
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry) << r.detail;
    EXPECT_THAT(r.detail, HasSubstr("tls"));
}
