// GET /status and /api/v1/status through the Api router, with a fake hook.
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "status_test_support.hpp"
#include "tocsin/api/api.hpp"

using namespace tocsin;
using namespace tocsin::status::test;
using testing::HasSubstr;

namespace {

net::HttpRequest request(std::string method, std::string path, std::string auth = "") {
    net::HttpRequest r;
    r.method = std::move(method);
    r.target = path;
    r.path = std::move(path);
    if (!auth.empty()) r.headers.emplace_back("Authorization", auth);
    return r;
}

std::string header(const net::HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) return v;
    }
    return {};
}

struct StatusRoutes : testing::Test {
    Result<status::StatusSummary> answer =
        status::summarize(input({component("api")}, {make_incident(1, "api", "P0", t0() - 1h)}));
    int calls = 0;
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

    api::ApiHooks hooks(bool with_status = true) {
        api::ApiHooks h;
        h.health = [] { return api::Check{true, {}}; };
        h.ready = [] { return api::Check{true, {}}; };
        // Tokens configured and anonymous reads off: the status stays public.
        h.access.tokens.push_back({"ops", true, Secret("s3cret-token-value", "env:TOKEN")});
        h.access.anonymous_reads = false;
        if (with_status) {
            h.status = [this] {
                ++calls;
                return answer;
            };
        }
        return h;
    }
};

}  // namespace

TEST_F(StatusRoutes, HtmlPageNeedsNoToken) {
    api::Api a(registry, hooks());
    auto r = a.handle(request("GET", "/status"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Cache-Control"), "public, max-age=30");
    EXPECT_THAT(header(r, "Content-Security-Policy"), HasSubstr("default-src 'none'"));
    EXPECT_THAT(r.body, HasSubstr("<!DOCTYPE html>"));
    EXPECT_THAT(r.body, HasSubstr("Incident 1"));
    EXPECT_EQ(calls, 1);
}

TEST_F(StatusRoutes, JsonNeedsNoTokenWhileOtherReadsDo) {
    api::Api a(registry, hooks());
    auto r = a.handle(request("GET", "/api/v1/status"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(boost::json::parse(r.body).at("status").at("indicator").as_string(), "critical");
    // The rest of /api/v1 still asks for a token.
    EXPECT_EQ(a.handle(request("GET", "/api/v1/incidents")).status, 401);
    // A token does not hurt.
    EXPECT_EQ(a.handle(request("GET", "/api/v1/status", "Bearer s3cret-token-value")).status, 200);
}

TEST_F(StatusRoutes, HeadHasHeadersWithoutBody) {
    api::Api a(registry, hooks());
    for (const char* path : {"/status", "/api/v1/status"}) {
        auto r = a.handle(request("HEAD", path));
        EXPECT_EQ(r.status, 200) << path;
        EXPECT_TRUE(r.body.empty()) << path;
        EXPECT_FALSE(header(r, "Cache-Control").empty()) << path;
    }
}

TEST_F(StatusRoutes, OtherMethodsAre405) {
    api::Api a(registry, hooks());
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
        for (const char* path : {"/status", "/api/v1/status"}) {
            auto r = a.handle(request(method, path, "Bearer s3cret-token-value"));
            EXPECT_EQ(r.status, 405) << method << " " << path;
            EXPECT_EQ(header(r, "Allow"), "GET, HEAD");
        }
    }
    EXPECT_EQ(calls, 0);
}

TEST_F(StatusRoutes, DisabledOrFailing) {
    {
        api::Api a(registry, hooks(false));
        EXPECT_EQ(a.handle(request("GET", "/status")).status, 404);
        EXPECT_EQ(a.handle(request("GET", "/api/v1/status")).status, 404);
    }
    answer = Error::make(ErrorCategory::not_found, "the status page is disabled");
    api::Api disabled(registry, hooks());
    EXPECT_EQ(disabled.handle(request("GET", "/status")).status, 404);

    answer = Error::make(ErrorCategory::storage, "database is locked", true);
    auto r = disabled.handle(request("GET", "/status"));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");
    EXPECT_THAT(r.body, testing::Not(HasSubstr("locked")));  // no internals on a public page
}

TEST_F(StatusRoutes, SubpathsAreNotTheStatusPage) {
    api::Api a(registry, hooks());
    EXPECT_EQ(a.handle(request("GET", "/status/extra")).status, 404);
    EXPECT_EQ(a.handle(request("GET", "/statusx")).status, 404);
    EXPECT_EQ(calls, 0);
}

TEST_F(StatusRoutes, CountedUnderTheirPath) {
    api::Api a(registry, hooks());
    a.handle(request("GET", "/status"));
    a.handle(request("GET", "/api/v1/status"));
    const std::string metrics = a.handle(request("GET", "/metrics")).body;
    EXPECT_THAT(metrics, HasSubstr("handler=\"/status\""));
    EXPECT_THAT(metrics, HasSubstr("handler=\"/api/v1/status\""));
}
