// The webhook channel's pure parts: the signature (against vectors computed
// outside tocsin), the JSON body, Retry-After, response classification, the
// log-safe URL and excerpts; and the checks WebhookChannel::create makes
// (no request is sent here).
#include "tocsin/notify/webhook/webhook_protocol.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "tocsin/notify/webhook/webhook_channel.hpp"

using namespace std::chrono_literals;
using namespace std::string_literals;
using namespace tocsin::notify::webhook;
using testing::HasSubstr;
using testing::Not;
using tocsin::Duration;
using tocsin::ManualClock;
using tocsin::Secret;
using tocsin::TimePoint;
using tocsin::notify::DeliveryOutcome;
using tocsin::notify::Notification;

namespace {

// 2023-11-14T22:13:20Z
const TimePoint k_t0 = TimePoint{std::chrono::seconds(1700000000)};

Notification page() {
    Notification n;
    n.idempotency_key = "page-42-1";
    n.incident_id = 42;
    n.subject = "[P1] API down";
    n.text = "line1\nline2 \"quoted\"";
    n.actionable = true;
    return n;
}

WebhookResponse response(int status, Headers headers = {}, std::string body = "", std::string reason = "") {
    WebhookResponse r;
    r.status = status;
    r.reason = std::move(reason);
    r.headers = std::move(headers);
    r.body = std::move(body);
    return r;
}

}  // namespace

// ------------------------------------------------------------- signature

TEST(WebhookSignature, MatchesAnIndependentlyComputedVector) {
    // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test_0123456789",
    //   b"1700000000.{\"hello\":\"world\"}", hashlib.sha256).hexdigest())'
    // printf '%s' '1700000000.{"hello":"world"}' | openssl dgst -sha256 -hmac whsec_test_0123456789
    EXPECT_EQ(sign_webhook(Secret("whsec_test_0123456789", "test"), 1700000000, R"({"hello":"world"})"),
              "sha256=8ba3fe37d78663cc44735442f410bb83ebe3e8851fa6f73c9753c33e030fd03e");
    // hmac.new(b"key", b"0.", hashlib.sha256).hexdigest(): an empty body still signs "<ts>."
    EXPECT_EQ(sign_webhook(Secret("key", "test"), 0, ""),
              "sha256=85841b4efc3cd7776c3c8f9b7cca9e281c550e5d19889d78e9e669c6337f000d");
}

TEST(WebhookSignature, CoversTimestampBodyAndSecret) {
    const Secret s("whsec_test_0123456789", "test");
    const std::string base = sign_webhook(s, 1700000000, "{}");
    EXPECT_EQ(base.size(), 7u + 64u);
    EXPECT_TRUE(base.starts_with("sha256="));
    EXPECT_EQ(base, sign_webhook(s, 1700000000, "{}"));
    EXPECT_NE(base, sign_webhook(s, 1700000001, "{}"));
    EXPECT_NE(base, sign_webhook(s, 1700000000, "{ }"));
    EXPECT_NE(base, sign_webhook(Secret("whsec_test_0123456780", "test"), 1700000000, "{}"));
    // "<ts>.<body>" is unambiguous: the timestamp is digits only.
    EXPECT_NE(sign_webhook(s, 17, "0.{}"), sign_webhook(s, 170, "{}"));
}

// ------------------------------------------------------------------ body

TEST(WebhookBody, FieldsInAStableOrder) {
    EXPECT_EQ(webhook_body("Alice Example", page(), k_t0),
              R"({"version":1,"idempotency_key":"page-42-1","incident_id":42,"recipient":"Alice Example",)"
              R"("subject":"[P1] API down","text":"line1\nline2 \"quoted\"","actionable":true,)"
              R"("thread_root":null,"sent_at":"2023-11-14T22:13:20Z"})");
}

TEST(WebhookBody, NullsForNoIncidentAndNoThread) {
    Notification n = page();
    n.incident_id = 0;
    n.actionable = false;
    auto v = boost::json::parse(webhook_body("bob", n, k_t0 + 999ms));
    EXPECT_TRUE(v.at("incident_id").is_null());
    EXPECT_TRUE(v.at("thread_root").is_null());
    EXPECT_EQ(v.at("actionable").as_bool(), false);
    EXPECT_EQ(v.at("sent_at").as_string(), "2023-11-14T22:13:20Z");  // whole seconds, rounded down

    n.thread_root = "page-42-0";
    n.incident_id = 7;
    v = boost::json::parse(webhook_body("bob", n, k_t0));
    EXPECT_EQ(v.at("thread_root").as_string(), "page-42-0");
    EXPECT_EQ(v.at("incident_id").as_int64(), 7);
}

TEST(WebhookBody, AlwaysValidJson) {
    Notification n = page();
    n.subject = "caf\xC3\xA9 \xE2\x9A\xA0 <prod> & \"x\"";  // café ⚠
    n.text = "bad \xFF\xC3 utf-8, nul \0 and \x01 control\ttab"s;
    auto body = webhook_body("Zo\xC3\xAB", n, k_t0);
    auto v = boost::json::parse(body);
    EXPECT_EQ(v.at("subject").as_string(), "caf\xC3\xA9 \xE2\x9A\xA0 <prod> & \"x\"");
    EXPECT_EQ(v.at("recipient").as_string(), "Zo\xC3\xAB");
    EXPECT_EQ(v.at("text").as_string(), "bad \xEF\xBF\xBD\xEF\xBF\xBD utf-8, nul \0 and \x01 control\ttab"s);
    EXPECT_THAT(body, HasSubstr(R"(\u0000)"));
    EXPECT_THAT(body, HasSubstr(R"(\u0001)"));
}

TEST(WebhookBody, Rfc3339) {
    EXPECT_EQ(format_rfc3339_utc(TimePoint{}), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339_utc(k_t0 + 86399s + 999ms), "2023-11-15T22:13:19Z");
    EXPECT_EQ(format_rfc3339_utc(TimePoint{std::chrono::seconds(951782400)}), "2000-02-29T00:00:00Z");
    EXPECT_EQ(unix_seconds(k_t0 + 999ms), 1700000000);
}

// ----------------------------------------------------------- Retry-After

TEST(WebhookRetryAfter, DelaySeconds) {
    EXPECT_EQ(parse_retry_after("7", k_t0), Duration(7s));
    EXPECT_EQ(parse_retry_after(" 120\t", k_t0), Duration(120s));
    EXPECT_EQ(parse_retry_after("0", k_t0), Duration(0s));
    EXPECT_EQ(parse_retry_after("3600", k_t0), k_max_retry_after);
    EXPECT_EQ(parse_retry_after("86400", k_t0), k_max_retry_after);
    EXPECT_EQ(parse_retry_after("99999999999999999999999999", k_t0), k_max_retry_after);
    EXPECT_EQ(parse_retry_after("", k_t0), std::nullopt);
    EXPECT_EQ(parse_retry_after("-1", k_t0), std::nullopt);
    EXPECT_EQ(parse_retry_after("1.5", k_t0), std::nullopt);
    EXPECT_EQ(parse_retry_after("7s", k_t0), std::nullopt);
    EXPECT_EQ(parse_retry_after("soon", k_t0), std::nullopt);
}

TEST(WebhookRetryAfter, HttpDates) {
    // k_t0 is Tue, 14 Nov 2023 22:13:20 GMT.
    EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:14:50 GMT", k_t0), Duration(90s));
    EXPECT_EQ(parse_retry_after("Tuesday, 14-Nov-23 22:14:50 GMT", k_t0), Duration(90s));  // RFC 850
    EXPECT_EQ(parse_retry_after("Tue Nov 14 22:14:50 2023", k_t0), Duration(90s));         // asctime
    EXPECT_EQ(parse_retry_after("Wed Nov  1 00:00:00 2023", k_t0), Duration(0s));          // past
    EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13:20 GMT", k_t0 + 400ms), Duration(0s));
    // Sub-second: wait at least until the date.
    EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13:21 GMT", k_t0 + 400ms), Duration(600ms));
    EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", k_t0), k_max_retry_after);
    EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13:20 UTC", k_t0), std::nullopt);
    EXPECT_EQ(parse_retry_after("Tue, 31 Nov 2023 22:13:20 GMT", k_t0), std::nullopt);  // no such day
    EXPECT_EQ(parse_retry_after("Tue, 14 Foo 2023 22:13:20 GMT", k_t0), std::nullopt);
    EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 25:13:20 GMT", k_t0), std::nullopt);
    EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13 GMT", k_t0), std::nullopt);
}

// --------------------------------------------------------- classification

TEST(WebhookClassify, TwoHundredsAreSent) {
    auto r = classify_response(response(200, {{"x-request-id", "req-8f2c"}}, "ok", "OK"), k_t0);
    EXPECT_EQ(r.outcome, DeliveryOutcome::sent);
    EXPECT_EQ(r.remote_id, "req-8f2c");
    EXPECT_EQ(r.detail, "HTTP 200 OK, request id req-8f2c");
    EXPECT_FALSE(r.retry_after);

    r = classify_response(response(204, {}, "", "No Content"), k_t0);
    EXPECT_EQ(r.outcome, DeliveryOutcome::sent);
    EXPECT_EQ(r.remote_id, "");
    EXPECT_EQ(r.detail, "HTTP 204 No Content");

    // An id that is not a plain token is not kept.
    EXPECT_EQ(classify_response(response(202, {{"X-Request-Id", "two words"}}), k_t0).remote_id, "");
    EXPECT_EQ(classify_response(response(202, {{"X-Request-Id", std::string(201, 'a')}}), k_t0).remote_id, "");
    EXPECT_EQ(classify_response(response(202, {{"X-Request-Id", std::string(200, 'a')}}), k_t0).remote_id,
              std::string(200, 'a'));
}

TEST(WebhookClassify, RetryableStatuses) {
    for (int status : {408, 425, 429, 500, 502, 503, 504, 599}) {
        auto r = classify_response(response(status), k_t0);
        EXPECT_EQ(r.outcome, DeliveryOutcome::retry) << status;
        EXPECT_FALSE(r.retry_after) << status;
    }
    auto r =
        classify_response(response(429, {{"Retry-After", "7"}}, R"({"error":"slow down"})", "Too Many Requests"), k_t0);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_EQ(r.retry_after, Duration(7s));
    EXPECT_EQ(r.detail, R"(HTTP 429 Too Many Requests, retry after 7 s: {"error":"slow down"})");

    r = classify_response(response(503, {{"retry-after", "Tue, 14 Nov 2023 22:15:00 GMT"}}), k_t0);
    EXPECT_EQ(r.retry_after, Duration(100s));
    r = classify_response(response(503, {{"Retry-After", "whenever"}}), k_t0);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_FALSE(r.retry_after);
}

TEST(WebhookClassify, OtherStatusesArePermanent) {
    for (int status : {100, 300, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 409, 410, 413, 422, 600}) {
        auto r = classify_response(response(status, {{"Retry-After", "5"}}), k_t0);
        EXPECT_EQ(r.outcome, DeliveryOutcome::permanent) << status;
        EXPECT_FALSE(r.retry_after) << status;
    }
    auto r = classify_response(
        response(301, {{"Location", "https://user:pw@new.example.com:8443/hooks/abc?token=s3cr3t"}}, "", "Moved"),
        k_t0);
    EXPECT_EQ(r.detail, "HTTP 301 Moved, redirects are not followed (to https://new.example.com:8443)");
    r = classify_response(response(404, {}, "<html>\r\n<h1>Not\tFound</h1>\r\n</html>\r\n", "Not Found"), k_t0);
    EXPECT_EQ(r.detail, "HTTP 404 Not Found: <html> <h1>Not Found</h1> </html>");
}

TEST(WebhookClassify, LongAndHostileBodiesBecomeAShortExcerpt) {
    std::string body = "\x1b[31mred\x1b[0m " + std::string(100000, 'x');
    auto r = classify_response(response(500, {}, body, "Internal Server Error\r\nX-Injected: 1"), k_t0);
    EXPECT_EQ(r.outcome, DeliveryOutcome::retry);
    EXPECT_THAT(r.detail, Not(HasSubstr("\r")));
    EXPECT_THAT(r.detail, Not(HasSubstr("\n")));
    EXPECT_THAT(r.detail, Not(HasSubstr("\x1b")));
    EXPECT_LT(r.detail.size(), 300u);
    EXPECT_TRUE(r.detail.ends_with("..."));
}

TEST(WebhookExcerpt, CutsOnCharacterBoundaries) {
    EXPECT_EQ(sanitize_excerpt("  a \r\n\t b  "), "a b");
    EXPECT_EQ(sanitize_excerpt("abcdef", 6), "abcdef");
    EXPECT_EQ(sanitize_excerpt("abcdefg", 6), "abc...");
    // "ééé" is 6 bytes: a cut at 3 would split the second é.
    EXPECT_EQ(sanitize_excerpt("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 6), "\xC3\xA9...");
    EXPECT_EQ(sanitize_excerpt("bad \xFF byte"), "bad \xEF\xBF\xBD byte");
    EXPECT_EQ(sanitize_excerpt(""), "");
}

TEST(WebhookUrl, LogsSchemeHostAndPortOnly) {
    EXPECT_EQ(url_for_logs("https://user:pass@hooks.example.com/services/T0/B0/XYZsecret?token=abc#frag"),
              "https://hooks.example.com");
    EXPECT_EQ(url_for_logs("HTTP://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
    EXPECT_EQ(url_for_logs("http://[::1]:9000/hook"), "http://[::1]:9000");
    EXPECT_EQ(url_for_logs("not a url"), "<invalid URL>");
    EXPECT_EQ(url_for_logs("mailto:a@b"), "<invalid URL>");
}

// ----------------------------------------------------- creation checks

namespace {

const std::string k_secret = "whsec_do_not_print_me_0123456789";

WebhookOptions options(std::string url = "https://hooks.example.com/tocsin") {
    WebhookOptions o;
    o.url = std::move(url);
    o.secret = Secret(k_secret, "env:TOCSIN_WEBHOOK_SECRET");
    return o;
}

std::string create_error(WebhookOptions o) {
    boost::asio::io_context io;
    ManualClock clock;
    auto c = WebhookChannel::create(io, std::move(o), clock);
    if (c.ok()) return "";
    EXPECT_THAT(c.error().message, Not(HasSubstr(k_secret)));
    return c.error().message;
}

}  // namespace

TEST(WebhookCreate, AcceptsAPlainConfiguration) {
    EXPECT_EQ(create_error(options()), "");
    EXPECT_EQ(create_error(options("http://127.0.0.1:8080/hook?x=1")), "");
    auto o = options();
    o.headers = {{"Authorization", "Bearer abc"}, {"X-Env", "prod"}, {"User-Agent", "pager/1"}};
    EXPECT_EQ(create_error(o), "");
}

TEST(WebhookCreate, RefusesWithoutLeakingTheSecret) {
    auto o = options();
    o.secret = Secret("", "env:TOCSIN_WEBHOOK_SECRET");
    EXPECT_EQ(create_error(o), "the secret from env:TOCSIN_WEBHOOK_SECRET is empty");

    EXPECT_THAT(create_error(options("")), HasSubstr("url is required"));
    EXPECT_THAT(create_error(options("hooks.example.com/x")), HasSubstr("not a valid absolute URL"));
    EXPECT_THAT(create_error(options("ftp://u:pw@hooks.example.com/x?t=1")),
                HasSubstr("url \"ftp://hooks.example.com\" must start with https://"));
    EXPECT_THAT(create_error(options("ftp://u:pw@hooks.example.com/x?t=1")), Not(HasSubstr("pw")));

    o = options();
    o.timeout = Duration(0);
    EXPECT_THAT(create_error(o), HasSubstr("timeout"));

    o = options();
    o.headers = {{"X-Tocsin-Signature", "forged"}};
    EXPECT_THAT(create_error(o), HasSubstr("\"X-Tocsin-Signature\" is set by tocsin"));
    o.headers = {{"content-type", "text/plain"}};
    EXPECT_THAT(create_error(o), HasSubstr("is set by tocsin"));
    o.headers = {{"Bad Name", "x"}};
    EXPECT_THAT(create_error(o), HasSubstr("not a valid HTTP field name"));
    o.headers = {{"Authorization", "Bearer " + k_secret + "\r\nX-Evil: 1"}};
    EXPECT_THAT(create_error(o), HasSubstr("header \"Authorization\" has control characters"));

    o = options();
    o.tls.ca_file = "/nonexistent/ca.pem";
    EXPECT_THAT(create_error(o), HasSubstr("/nonexistent/ca.pem"));
}

TEST(WebhookReservedHeaders, AllThirteenCaseInsensitivelyAndNothingElse) {
    // constexpr: usable where the config reader checks names.
    static_assert(is_reserved_webhook_header("Content-Type"));
    static_assert(!is_reserved_webhook_header("Authorization"));
    // clang-format off
    const std::vector<std::string> reserved = {
        "Content-Type", "Content-Length", "X-Tocsin-Signature", "X-Tocsin-Timestamp", "Idempotency-Key",
        "Host", "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "TE", "Trailer", "Expect"};
    // clang-format on
    EXPECT_EQ(k_reserved_webhook_headers.size(), reserved.size());
    for (const auto& name : reserved) {
        EXPECT_TRUE(is_reserved_webhook_header(name)) << name;
        std::string lower, upper;
        for (char c : name) {
            lower.push_back(tocsin::ascii_lower(c));
            upper.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
        }
        EXPECT_TRUE(is_reserved_webhook_header(lower)) << lower;
        EXPECT_TRUE(is_reserved_webhook_header(upper)) << upper;
        // And WebhookChannel::create refuses each.
        WebhookOptions o = options();
        o.headers = {{lower, "x"}};
        EXPECT_THAT(create_error(o), HasSubstr("is set by tocsin")) << lower;
    }
    for (std::string_view allowed : {"Authorization", "User-Agent", "X-Request-Id", "Accept", "X-Tocsin", "Hosts",
                                     "Content-Typ", "", "X-Tocsin-Signature-2"}) {
        EXPECT_FALSE(is_reserved_webhook_header(allowed)) << allowed;
    }
}

TEST(WebhookCreate, FromTheConfigStruct) {
    boost::asio::io_context io;
    ManualClock clock;
    tocsin::config::WebhookChannelConfig config;
    config.url = "https://hooks.example.com/tocsin";
    auto missing = WebhookChannel::create(io, config, clock);
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message, HasSubstr("secret"));

    config.secret = Secret(k_secret, "file:/etc/tocsin/webhook.secret");
    config.headers = {{"X-Env", "prod"}};
    config.tls.server_name = "hooks.internal";
    config.timeout = 3s;
    auto o = to_webhook_options(config);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->url, config.url);
    EXPECT_EQ(o->secret, *config.secret);
    EXPECT_EQ(o->headers, config.headers);
    EXPECT_EQ(o->tls.server_name, "hooks.internal");
    EXPECT_EQ(o->timeout, Duration(3s));
    auto channel = WebhookChannel::create(io, config, clock);
    ASSERT_TRUE(channel.ok()) << channel.error().message;
    EXPECT_EQ((*channel)->name(), "webhook");
}

TEST(WebhookCreate, RedactsEverythingThatMayBeACredential) {
    boost::asio::io_context io;
    ManualClock clock;
    auto o =
        options("https://bot:hunter2pw@hooks.example.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX?token=abcdef");
    o.headers = {{"Authorization", "Bearer tok-123456"}, {"X-Short", "prod"}};
    auto c = WebhookChannel::create(io, o, clock);
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto& channel = **c;
    EXPECT_EQ(channel.redact("a " + k_secret + " b"), "a <redacted> b");
    EXPECT_EQ(channel.redact("Bearer tok-123456"), "<redacted>");
    EXPECT_EQ(channel.redact("hunter2pw"), "<redacted>");
    EXPECT_EQ(channel.redact("token=abcdef"), "<redacted>");
    EXPECT_EQ(channel.redact("/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"), "/services/T000/B000/<redacted>");
    EXPECT_EQ(channel.redact("prod is fine"), "prod is fine");  // short values are not hidden

    // An Authorization header configured wins over the URL's user info.
    Notification n = page();
    auto headers = channel.request_headers(n, 1700000000, "{}");
    EXPECT_EQ(find_header(headers, "Authorization"), "Bearer tok-123456");
    o.headers.clear();
    auto basic = WebhookChannel::create(io, o, clock);
    ASSERT_TRUE(basic.ok());
    headers = (*basic)->request_headers(n, 1700000000, "{}");
    EXPECT_EQ(find_header(headers, "Authorization"), "Basic Ym90Omh1bnRlcjJwdw==");  // base64("bot:hunter2pw")
    EXPECT_EQ((*basic)->redact("Ym90Omh1bnRlcjJwdw=="), "<redacted>");
}

TEST(WebhookCreate, RequestHeaders) {
    boost::asio::io_context io;
    ManualClock clock;
    auto o = options();
    o.headers = {{"X-Env", "prod"}};
    auto c = WebhookChannel::create(io, o, clock);
    ASSERT_TRUE(c.ok());
    const std::string body = webhook_body("alice", page(), k_t0);
    auto h = (*c)->request_headers(page(), 1700000000, body);
    EXPECT_EQ(find_header(h, "Content-Type"), "application/json");
    EXPECT_EQ(find_header(h, "X-Tocsin-Timestamp"), "1700000000");
    EXPECT_EQ(find_header(h, "X-Tocsin-Signature"), sign_webhook(o.secret, 1700000000, body));
    EXPECT_EQ(find_header(h, "Idempotency-Key"), "page-42-1");
    EXPECT_EQ(find_header(h, "User-Agent"), "tocsin");
    EXPECT_EQ(find_header(h, "X-Env"), "prod");
    EXPECT_EQ(find_header(h, "Authorization"), std::nullopt);
}
