// /ack/<token>: acknowledgement links from emails, driven through
// Api::handle with fake hooks that record what they are asked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <map>
#include <sstream>
#include <stdexcept>

#include "tocsin/api/api.hpp"
#include "tocsin/api/incident_json.hpp"
#include "tocsin/paging/ack_link.hpp"

using testing::HasSubstr;
using testing::Not;
using tocsin::Error;
using tocsin::ErrorCategory;
using tocsin::Secret;
using tocsin::TimePoint;
using tocsin::api::Api;
using tocsin::api::ApiHooks;
using tocsin::api::IncidentCommand;
using tocsin::api::IncidentCommandResult;
using tocsin::api::IncidentDetail;
using tocsin::incident::Actor;
using tocsin::incident::Incident;
using tocsin::incident::IncidentState;
using tocsin::net::HttpRequest;
using tocsin::net::HttpResponse;
using tocsin::paging::AckLinkSigner;
using namespace std::chrono;

namespace {

const std::string k_key = "ack-link-test-key-0123456789";
const std::string k_api_token = "s3cret-token-value";

TimePoint at(const std::string& text) {
    auto t = tocsin::api::parse_rfc3339(text);
    EXPECT_TRUE(t.has_value()) << text;
    return t.value_or(TimePoint{});
}

AckLinkSigner make_signer(const std::string& key = k_key) {
    auto s = AckLinkSigner::create(Secret(key, "env:TOCSIN_LINK_KEY"));
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
}

Incident open_incident(std::int64_t id) {
    Incident i;
    i.id = id;
    i.key = "ApiDown{component=\"api\"}";
    i.rule = "ApiDown";
    i.component = "api";
    i.title = "API returns 5xx";
    i.severity = "P1";
    i.state = IncidentState::investigating;
    i.detected = at("2026-03-29T12:05:00Z");
    i.impact_started = at("2026-03-29T12:00:00Z");
    return i;
}

HttpRequest request(std::string method, const std::string& target, std::string body = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = target;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    r.remote = "127.0.0.1:4711";
    return r;
}

std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) return v;
    }
    return {};
}

void expect_html_page(const HttpResponse& r) {
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
    const std::string csp = header(r, "Content-Security-Policy");
    EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
    EXPECT_THAT(csp, HasSubstr("style-src 'unsafe-inline'"));
    EXPECT_THAT(csp, HasSubstr("form-action 'self'"));
    EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
    EXPECT_THAT(r.body, testing::StartsWith("<!DOCTYPE html>"));
    EXPECT_THAT(r.body, HasSubstr("<meta name=\"viewport\""));
    // Nothing that runs or loads: no scripts, no external assets.
    EXPECT_THAT(r.body, Not(HasSubstr("<script")));
    EXPECT_THAT(r.body, Not(HasSubstr("http://")));
    EXPECT_THAT(r.body, Not(HasSubstr("https://")));
    for (const char* tag : {"<img", "<link", "<iframe", "<object", "<embed", "<a "}) {
        EXPECT_THAT(r.body, Not(HasSubstr(tag)));
    }
}

struct AckLinkApiTest : testing::Test {
    // 2026-03-29T12:10:00Z; links expire a day later.
    TimePoint now = at("2026-03-29T12:10:00Z");
    const TimePoint expires = now + hours(24);
    AckLinkSigner signer = make_signer();
    std::vector<IncidentCommand> commands;
    IncidentCommandResult next{200, std::nullopt, {}};
    std::map<std::int64_t, Incident> incidents{{12, open_incident(12)}};
    std::vector<std::int64_t> get_calls;
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

    ApiHooks hooks(bool with_links = true, bool with_get = true) {
        ApiHooks h;
        h.health = [] { return tocsin::api::Check{true, {}}; };
        h.ready = [] { return tocsin::api::Check{true, {}}; };
        if (with_get) {
            h.get_incident = [this](std::int64_t id) -> tocsin::Result<std::optional<IncidentDetail>> {
                get_calls.push_back(id);
                auto it = incidents.find(id);
                if (it == incidents.end()) return std::optional<IncidentDetail>();
                return std::optional<IncidentDetail>(IncidentDetail{it->second, {}});
            };
        }
        h.incident_command = [this](const IncidentCommand& c) {
            commands.push_back(c);
            return next;
        };
        h.access.tokens.push_back({"", true, Secret(k_api_token, "env:TOCSIN_API_TOKEN")});
        if (with_links) h.ack_links = make_signer();
        h.now = [this] { return now; };
        return h;
    }

    Api api{registry, hooks()};

    std::string token(std::int64_t id = 12, const std::string& person = "alice") const {
        return signer.token(id, person, expires);
    }
    HttpResponse get(const std::string& t) { return api.handle(request("GET", "/ack/" + t)); }
    HttpResponse post(const std::string& t, std::string body = {}) {
        return api.handle(request("POST", "/ack/" + t, std::move(body)));
    }
};

}  // namespace

TEST_F(AckLinkApiTest, GetShowsTheIncidentAndAFormButNeverAcknowledges) {
    const std::string t = token();
    auto r = get(t);
    ASSERT_EQ(r.status, 200) << r.body;
    expect_html_page(r);
    EXPECT_THAT(r.body, HasSubstr("API returns 5xx"));
    EXPECT_THAT(r.body, HasSubstr("<dt>Severity</dt><dd>P1</dd>"));
    EXPECT_THAT(r.body, HasSubstr("<dt>State</dt><dd>investigating</dd>"));
    // The form posts back to this very URL (relative, so a path in front of
    // /ack behind a proxy still works).
    EXPECT_THAT(r.body, HasSubstr("<form method=\"post\" action=\"" + t + "\">"));
    EXPECT_THAT(r.body, HasSubstr("<button type=\"submit\">Acknowledge incident #12 as alice</button>"));
    EXPECT_THAT(r.body, HasSubstr("2026-03-30 12:10 UTC"));  // works until
    EXPECT_TRUE(commands.empty());
    EXPECT_EQ(get_calls, std::vector<std::int64_t>{12});
    // A mail scanner fetching it again and again changes nothing.
    for (int i = 0; i < 3; ++i) EXPECT_EQ(get(t).status, 200);
    EXPECT_TRUE(commands.empty());
}

TEST_F(AckLinkApiTest, GetWithoutTheIncidentHookStillOffersTheForm) {
    Api bare{registry, hooks(true, false)};
    auto r = bare.handle(request("GET", "/ack/" + token()));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.body, HasSubstr("<form method=\"post\""));
    EXPECT_THAT(r.body, HasSubstr("details cannot be read"));
    EXPECT_TRUE(commands.empty());
}

TEST_F(AckLinkApiTest, GetOfAnAcknowledgedOrResolvedIncidentOffersNoButton) {
    incidents[12].acknowledged = at("2026-03-29T12:07:30Z");
    incidents[12].acknowledged_by = Actor{"bob", "telegram"};
    auto r = get(token());
    ASSERT_EQ(r.status, 200);
    EXPECT_THAT(r.body, HasSubstr("Already acknowledged by bob (telegram) at 2026-03-29 12:07 UTC."));
    EXPECT_THAT(r.body, Not(HasSubstr("<form")));

    incidents[12].acknowledged_by.reset();
    incidents[12].state = IncidentState::resolved;
    r = get(token());
    ASSERT_EQ(r.status, 200);
    EXPECT_THAT(r.body, HasSubstr("resolved: there is nothing to acknowledge"));
    EXPECT_THAT(r.body, Not(HasSubstr("<form")));
    EXPECT_TRUE(commands.empty());
}

TEST_F(AckLinkApiTest, GetOfAnUnknownIncidentIs404) {
    auto r = get(token(99));
    EXPECT_EQ(r.status, 404);
    expect_html_page(r);
    EXPECT_THAT(r.body, HasSubstr("tocsin has no incident #99."));
    EXPECT_TRUE(commands.empty());
}

TEST_F(AckLinkApiTest, PostAcknowledgesOnceAsThePersonByEmail) {
    next = IncidentCommandResult{200, incidents[12], {}};
    next.incident->acknowledged = now;
    next.incident->acknowledged_by = Actor{"alice", "email"};
    // No bearer token, and whatever the body says is ignored.
    auto r = post(token(), R"({"actor":"mallory"})");
    ASSERT_EQ(r.status, 200) << r.body;
    expect_html_page(r);
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].kind, IncidentCommand::Kind::acknowledge);
    EXPECT_EQ(commands[0].id, 12);
    EXPECT_EQ(commands[0].actor, (Actor{"alice", "email"}));
    EXPECT_THAT(r.body, HasSubstr("<h1>Acknowledged</h1>"));
    EXPECT_THAT(r.body, HasSubstr("Incident #12 is acknowledged by alice."));
    EXPECT_THAT(r.body, HasSubstr("API returns 5xx"));
    EXPECT_THAT(r.body, Not(HasSubstr("mallory")));
}

TEST_F(AckLinkApiTest, PostWhenAlreadyAcknowledgedSaysByWhomWith200) {
    next = IncidentCommandResult{409, std::nullopt, "incident 12 was already acknowledged by bob"};
    incidents[12].acknowledged = at("2026-03-29T12:07:30Z");
    incidents[12].acknowledged_by = Actor{"bob", "telegram"};
    auto r = post(token());
    EXPECT_EQ(r.status, 200) << r.body;
    expect_html_page(r);
    EXPECT_EQ(commands.size(), 1u);
    EXPECT_THAT(r.body, HasSubstr("<h1>Already acknowledged</h1>"));
    EXPECT_THAT(r.body, HasSubstr("Incident #12 was already acknowledged by bob (telegram) at 2026-03-29 12:07 UTC."));

    // Without a way to read the incident, the daemon's words do.
    Api bare{registry, hooks(true, false)};
    r = bare.handle(request("POST", "/ack/" + token()));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.body, HasSubstr("Incident 12 was already acknowledged by bob."));
}

TEST_F(AckLinkApiTest, PostPassesOtherRefusalsOnAsPages) {
    const std::vector<IncidentCommandResult> answers = {
        {404, std::nullopt, "incident 12 is not open"},
        {409, std::nullopt, "incident 12 is resolved"},
        {503, std::nullopt, "incidents are not loaded yet"},
    };
    for (const auto& answer : answers) {
        next = answer;
        auto r = post(token());
        EXPECT_EQ(r.status, answer.status) << r.body;
        expect_html_page(r);
        EXPECT_THAT(r.body, HasSubstr("was not acknowledged: " + answer.error + "."));
        EXPECT_THAT(r.body, HasSubstr("tocsin incident ack 12"));
    }
    next = IncidentCommandResult{302, std::nullopt, {}};
    EXPECT_EQ(post(token()).status, 500);
}

TEST_F(AckLinkApiTest, PostWithoutTheCommandHookIs503) {
    ApiHooks h = hooks();
    h.incident_command = nullptr;
    Api starting{registry, std::move(h)};
    auto r = starting.handle(request("POST", "/ack/" + token()));
    EXPECT_EQ(r.status, 503);
    expect_html_page(r);
}

TEST_F(AckLinkApiTest, InvalidLinksAre400AndNeverAcknowledge) {
    const std::string t = token();
    std::string tampered = t;
    tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
    const std::string other_key = make_signer("another-key-of-enough-bytes").token(12, "alice", expires);
    for (const std::string& bad : {tampered, other_key, t.substr(0, t.size() - 1), std::string("x"),
                                   std::string(""), t + "/extra", std::string(600, 'A')}) {
        for (const char* method : {"GET", "POST"}) {
            auto r = api.handle(request(method, "/ack/" + bad));
            EXPECT_EQ(r.status, 400) << method << " " << bad;
            expect_html_page(r);
            EXPECT_THAT(r.body, HasSubstr("This link is not valid"));
            if (bad.size() > 8) {
                EXPECT_THAT(r.body, Not(HasSubstr(bad)));
            }
        }
    }
    EXPECT_THAT(get(other_key).body, HasSubstr("bad signature"));
    EXPECT_THAT(get(t.substr(0, t.size() - 1)).body, HasSubstr("Malformed acknowledgement link"));
    EXPECT_EQ(api.handle(request("GET", "/ack")).status, 400);
    EXPECT_TRUE(commands.empty());
}

TEST_F(AckLinkApiTest, ExpiredLinksAre410AndNeverAcknowledge) {
    const std::string t = token();
    now = expires;
    for (const char* method : {"GET", "POST"}) {
        auto r = api.handle(request(method, "/ack/" + t));
        EXPECT_EQ(r.status, 410) << method;
        expect_html_page(r);
        EXPECT_THAT(r.body, HasSubstr("This acknowledgement link for incident #12 expired at 2026-03-30 12:10 UTC."));
        EXPECT_THAT(r.body, HasSubstr("tocsin incident ack 12"));
    }
    // One second earlier it worked; a forged link is never "expired".
    now = expires - seconds(1);
    EXPECT_EQ(get(t).status, 200);
    now = expires + hours(1);
    EXPECT_EQ(get(make_signer("another-key-of-enough-bytes").token(12, "alice", expires)).status, 400);
    EXPECT_TRUE(commands.empty());
}

TEST_F(AckLinkApiTest, WithoutASignerAckIs404) {
    Api off{registry, hooks(false)};
    for (const char* method : {"GET", "POST"}) {
        auto r = off.handle(request(method, "/ack/" + token()));
        EXPECT_EQ(r.status, 404) << method;
        expect_html_page(r);
    }
    EXPECT_TRUE(commands.empty());
}

TEST_F(AckLinkApiTest, OtherMethodsAre405) {
    for (const char* method : {"PUT", "DELETE", "HEAD", "PATCH"}) {
        auto r = api.handle(request(method, "/ack/" + token()));
        EXPECT_EQ(r.status, 405) << method;
        EXPECT_EQ(header(r, "Allow"), "GET, POST");
    }
    EXPECT_TRUE(commands.empty());
}

TEST_F(AckLinkApiTest, HostileTextIsEscaped) {
    Incident& i = incidents[12];
    i.title = "<script>alert(1)</script> & \"quotes\" 'too'";
    i.severity = "<b>P1</b>";
    i.component = "</dd><img src=x onerror=alert(2)>";
    const std::string person = "eve<img src=x>\"'&";
    auto r = get(token(12, person));
    ASSERT_EQ(r.status, 200) << r.body;
    expect_html_page(r);
    EXPECT_THAT(r.body, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;"));
    EXPECT_THAT(r.body, HasSubstr("&lt;b&gt;P1&lt;/b&gt;"));
    EXPECT_THAT(r.body, HasSubstr("&lt;/dd&gt;&lt;img src=x onerror=alert(2)&gt;"));
    EXPECT_THAT(r.body, HasSubstr("as eve&lt;img src=x&gt;&quot;&#39;&amp;</button>"));
    EXPECT_THAT(r.body, Not(HasSubstr("<img")));
    EXPECT_THAT(r.body, Not(HasSubstr("<b>")));

    next = IncidentCommandResult{200, i, {}};
    r = post(token(12, person));
    ASSERT_EQ(r.status, 200);
    EXPECT_THAT(r.body, Not(HasSubstr("<script")));
    EXPECT_THAT(r.body, Not(HasSubstr("<img")));
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].actor.name, person);

    next = IncidentCommandResult{409, std::nullopt, "<i>refused</i>"};
    r = post(token());
    EXPECT_EQ(r.status, 409);
    EXPECT_THAT(r.body, HasSubstr("&lt;i&gt;refused&lt;/i&gt;"));
}

TEST_F(AckLinkApiTest, TheTokenNeverReachesMetricsOrLogs) {
    std::ostringstream log;
    auto previous = spdlog::default_logger();
    auto capture = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
    capture->set_level(spdlog::level::trace);
    spdlog::set_default_logger(capture);

    const std::string t = token();
    const std::string payload = t.substr(0, t.find('.'));
    const std::string mac = t.substr(t.find('.') + 1);
    get(t);
    next = IncidentCommandResult{409, std::nullopt, "incident 12 was already acknowledged by bob"};
    post(t);
    get(t.substr(0, 10));
    now = expires;
    get(t);
    // A hook that throws: answered here (500), so the server never logs
    // the request target.
    ApiHooks h = hooks();
    h.incident_command = [](const IncidentCommand&) -> IncidentCommandResult { throw std::runtime_error("boom"); };
    h.now = [this] { return now - hours(1); };
    Api throwing{registry, std::move(h)};
    HttpResponse r;
    EXPECT_NO_THROW(r = throwing.handle(request("POST", "/ack/" + t)));
    EXPECT_EQ(r.status, 500);
    expect_html_page(r);

    spdlog::set_default_logger(previous);
    EXPECT_THAT(log.str(), Not(HasSubstr(payload)));
    EXPECT_THAT(log.str(), Not(HasSubstr(mac)));

    auto m = api.handle(request("GET", "/metrics"));
    ASSERT_EQ(m.status, 200);
    EXPECT_THAT(m.body, HasSubstr("tocsin_http_requests_total{code=\"200\",handler=\"/ack/{token}\"} 2"));
    EXPECT_THAT(m.body, HasSubstr("tocsin_http_requests_total{code=\"400\",handler=\"/ack/{token}\"} 1"));
    EXPECT_THAT(m.body, HasSubstr("tocsin_http_requests_total{code=\"410\",handler=\"/ack/{token}\"} 1"));
    EXPECT_THAT(m.body, HasSubstr("tocsin_http_requests_total{code=\"500\",handler=\"/ack/{token}\"} 1"));
    EXPECT_THAT(m.body, Not(HasSubstr(payload.substr(0, 8))));
    EXPECT_THAT(m.body, Not(HasSubstr(mac)));
}

TEST_F(AckLinkApiTest, TheJsonApiStillNeedsItsBearerToken) {
    // The link's credential is for /ack only.
    auto r = api.handle(request("POST", "/api/v1/incidents/12/ack", R"({"actor":"alice"})"));
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(commands.empty());
}
