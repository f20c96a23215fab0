// Named tokens with scopes, anonymous reads, and the per-address rate limit.
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "../../src/api/rate_limiter.hpp"
#include "tocsin/api/access.hpp"
#include "tocsin/api/api.hpp"

namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;
using tocsin::Secret;
using tocsin::TimePoint;
using tocsin::api::AccessPolicy;
using tocsin::api::Api;
using tocsin::api::ApiHooks;
using tocsin::api::IncidentCommand;
using tocsin::api::IncidentCommandResult;
using tocsin::api::RateLimiter;
using tocsin::net::HttpRequest;
using tocsin::net::HttpResponse;

const std::string k_writer = "writer-token-0123456789";
const std::string k_reader = "reader-token-0123456789";
const std::string k_legacy = "legacy-token-0123456789";

tocsin::incident::Incident incident(std::int64_t id) {
    tocsin::incident::Incident i;
    i.id = id;
    i.key = "manual:" + std::to_string(id);
    i.title = "t";
    i.severity = "P2";
    return i;
}

HttpRequest request(std::string method, std::string path, std::string body = {}, std::string token = {},
                    std::string remote = "127.0.0.1:40000") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = path;
    r.path = std::move(path);
    r.body = std::move(body);
    r.remote = std::move(remote);
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    return r;
}

std::string error_of(const HttpResponse& r) {
    auto v = boost::json::parse(r.body);
    return std::string(v.at("error").as_string());
}

std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) return v;
    }
    return {};
}

AccessPolicy policy(bool anonymous_reads) {
    AccessPolicy p;
    p.anonymous_reads = anonymous_reads;
    p.tokens = {{"", true, Secret(k_legacy, "env:A")},
                {"deploy-bot", true, Secret(k_writer, "file:/etc/tocsin/deploy.token")},
                {"grafana", false, Secret(k_reader, "cred:grafana")}};
    return p;
}

struct AccessTest : testing::Test {
    std::vector<IncidentCommand> commands;
    TimePoint now = TimePoint(std::chrono::seconds(1'800'000'000));

    ApiHooks hooks(AccessPolicy access) {
        ApiHooks h;
        h.health = [] { return tocsin::api::Check{true, {}}; };
        h.ready = [] { return tocsin::api::Check{true, {}}; };
        h.list_incidents = [](const tocsin::api::IncidentFilter&) -> tocsin::Result<std::vector<tocsin::incident::Incident>> {
            return std::vector<tocsin::incident::Incident>{incident(1)};
        };
        h.incident_command = [this](const IncidentCommand& c) {
            commands.push_back(c);
            return IncidentCommandResult{200, incident(c.id), {}};
        };
        h.access = std::move(access);
        h.now = [this] { return now; };
        return h;
    }
};

const std::string k_ack = R"({"actor":"bob"})";

TEST_F(AccessTest, EachWriteRecordsTheTokensNameInTheAuditChannel) {
    Api api(std::make_shared<prometheus::Registry>(), hooks(policy(false)));
    ASSERT_EQ(api.handle(request("POST", "/api/v1/incidents/7/ack", k_ack, k_writer)).status, 200);
    ASSERT_EQ(api.handle(request("POST", "/api/v1/incidents/7/ack", k_ack, k_legacy)).status, 200);
    ASSERT_EQ(commands.size(), 2u);
    EXPECT_EQ(commands[0].actor.channel, "api:deploy-bot");
    EXPECT_EQ(commands[0].actor.name, "bob");
    EXPECT_EQ(commands[1].actor.channel, "api");  // the legacy api.token has no name
}

TEST_F(AccessTest, AReadOnlyTokenReadsButCannotWrite) {
    Api api(std::make_shared<prometheus::Registry>(), hooks(policy(false)));
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents", {}, k_reader)).status, 200);
    auto r = api.handle(request("POST", "/api/v1/incidents/7/ack", k_ack, k_reader));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(error_of(r), "token \"grafana\" is read-only; this needs a read-write token");
    EXPECT_THAT(r.body, Not(HasSubstr(k_reader)));
    EXPECT_TRUE(commands.empty());
}

TEST_F(AccessTest, ReadsNeedATokenUnlessAnonymousReadsAreOn) {
    Api closed(std::make_shared<prometheus::Registry>(), hooks(policy(false)));
    auto r = closed.handle(request("GET", "/api/v1/incidents"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer");
    EXPECT_EQ(error_of(r), "missing bearer token: send \"Authorization: Bearer <token>\"");
    EXPECT_EQ(closed.handle(request("GET", "/api/v1/incidents/3")).status, 401);
    EXPECT_EQ(closed.handle(request("GET", "/api/v1/incidents", {}, "not-a-token")).status, 401);
    // Health, readiness and metrics stay open for probes and Prometheus.
    EXPECT_EQ(closed.handle(request("GET", "/healthz")).status, 200);
    EXPECT_EQ(closed.handle(request("GET", "/metrics")).status, 200);

    Api open(std::make_shared<prometheus::Registry>(), hooks(policy(true)));
    EXPECT_EQ(open.handle(request("GET", "/api/v1/incidents")).status, 200);
    // A wrong token is refused even where none is needed: a client with a
    // typo should hear about it.
    EXPECT_EQ(open.handle(request("GET", "/api/v1/incidents", {}, "not-a-token")).status, 401);
    EXPECT_EQ(open.handle(request("POST", "/api/v1/incidents/7/ack", k_ack)).status, 401);
}

TEST_F(AccessTest, WritesAreDisabledWithoutAReadWriteToken) {
    AccessPolicy readers;
    readers.tokens = {{"grafana", false, Secret(k_reader, "cred:grafana")}};
    Api api(std::make_shared<prometheus::Registry>(), hooks(readers));
    auto r = api.handle(request("POST", "/api/v1/incidents/7/ack", k_ack, k_reader));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(error_of(r), "writes are disabled: configure a read-write token in [[api.tokens]]");
}

TEST_F(AccessTest, AReloadRotatesTokens) {
    Api api(std::make_shared<prometheus::Registry>(), hooks(policy(false)));
    ASSERT_EQ(api.handle(request("POST", "/api/v1/incidents/7/ack", k_ack, k_writer)).status, 200);
    AccessPolicy rotated;
    rotated.anonymous_reads = false;
    rotated.tokens = {{"deploy-bot", true, Secret("rotated-token-0123456789", "file:/x")}};
    api.set_access(rotated);
    EXPECT_EQ(api.handle(request("POST", "/api/v1/incidents/7/ack", k_ack, k_writer)).status, 401);
    EXPECT_EQ(api.handle(request("POST", "/api/v1/incidents/7/ack", k_ack, "rotated-token-0123456789")).status, 200);
    EXPECT_EQ(commands.size(), 2u);
}

TEST_F(AccessTest, TheRateLimitAnswers429WithRetryAfterPerAddress) {
    AccessPolicy limited = policy(true);
    limited.rate_limit = 2;
    limited.rate_burst = 3;
    Api api(std::make_shared<prometheus::Registry>(), hooks(limited));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents")).status, 200) << i;
    auto r = api.handle(request("GET", "/api/v1/incidents"));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(header(r, "Retry-After"), "1");
    EXPECT_EQ(error_of(r), "too many requests from this address; retry in 1 s ([api] rate_limit)");
    // Writes are refused too, before anything is looked at.
    EXPECT_EQ(api.handle(request("POST", "/api/v1/incidents/7/ack", k_ack, k_writer)).status, 429);
    EXPECT_TRUE(commands.empty());
    // Another address has its own budget; health checks are never limited.
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents", {}, {}, "10.0.0.2:5000")).status, 200);
    EXPECT_EQ(api.handle(request("GET", "/healthz")).status, 200);
    EXPECT_EQ(api.handle(request("GET", "/metrics")).status, 200);
    // Another port of the same address shares the budget.
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents", {}, {}, "127.0.0.1:40001")).status, 429);
    // Half a second refills one request at 2/s.
    now += 500ms;
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents")).status, 200);
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents")).status, 429);
    // Other paths are limited with a plain-text answer.
    EXPECT_EQ(api.handle(request("GET", "/nowhere")).status, 429);
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
    RateLimiter limiter(10, 5);
    const TimePoint t0 = TimePoint(std::chrono::seconds(1000));
    for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.admit("a", t0).count(), 0) << i;
    EXPECT_EQ(limiter.admit("a", t0).count(), 1);
    // A long pause refills only up to the burst.
    const TimePoint later = t0 + std::chrono::hours(1);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.admit("a", later).count(), 0) << i;
    EXPECT_GT(limiter.admit("a", later).count(), 0);
    // A clock stepping back refills nothing and breaks nothing.
    EXPECT_GT(limiter.admit("a", t0).count(), 0);
}

TEST(RateLimiter, ZeroMeansUnlimited) {
    RateLimiter limiter(0, 1);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.admit("a", TimePoint{}).count(), 0);
    EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(RateLimiter, TracksABoundedNumberOfAddresses) {
    RateLimiter limiter(1, 2, 100);
    const TimePoint t0 = TimePoint(std::chrono::seconds(1000));
    for (int i = 0; i < 10000; ++i) limiter.admit("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), t0);
    EXPECT_LE(limiter.tracked(), 100u);
    // A spent client is still remembered while others come and go.
    limiter.admit("x", t0);
    limiter.admit("x", t0);
    EXPECT_GT(limiter.admit("x", t0).count(), 0);
}

TEST(RateLimiter, ClientAddressDropsThePort) {
    EXPECT_EQ(tocsin::api::client_address("127.0.0.1:5000"), "127.0.0.1");
    EXPECT_EQ(tocsin::api::client_address("[::1]:5000"), "::1");
    EXPECT_EQ(tocsin::api::client_address("unknown"), "unknown");
    EXPECT_EQ(tocsin::api::client_address(""), "");
    EXPECT_EQ(tocsin::api::client_address("[::1"), "[::1");
}

}  // namespace
