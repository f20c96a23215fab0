#include "tocsin/api/api.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

using testing::HasSubstr;
using tocsin::api::Api;
using tocsin::api::Check;
using tocsin::net::HttpRequest;

namespace {

HttpRequest request(std::string method, std::string path) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = path;
    r.path = std::move(path);
    return r;
}

struct ApiTest : testing::Test {
    Check health{true, {}};
    Check ready{true, {}};
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    Api api{registry, hooks()};

    tocsin::api::ApiHooks hooks() {
        tocsin::api::ApiHooks h;
        h.health = [this] { return health; };
        h.ready = [this] { return ready; };
        return h;
    }
};

}  // namespace

TEST_F(ApiTest, HealthzFollowsTheHealthHook) {
    EXPECT_EQ(api.handle(request("GET", "/healthz")).status, 200);
    health = {false, "store not writable: disk I/O error"};
    auto r = api.handle(request("GET", "/healthz"));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, "unavailable: store not writable: disk I/O error\n");
}

TEST_F(ApiTest, ReadyzFollowsTheReadyHook) {
    EXPECT_EQ(api.handle(request("GET", "/readyz")).status, 200);
    ready = {false, "shutting down"};
    EXPECT_EQ(api.handle(request("GET", "/readyz")).status, 503);
}

TEST_F(ApiTest, MetricsUseTheTextFormatAndCountRequests) {
    api.handle(request("GET", "/healthz"));
    api.handle(request("GET", "/no/such/page"));
    api.handle(request("GET", "/another/unknown"));
    auto r = api.handle(request("GET", "/metrics"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_THAT(r.body, HasSubstr("tocsin_http_requests_total{code=\"200\",handler=\"/healthz\"} 1"));
    // Unknown paths share one label value so scanners cannot blow up cardinality.
    EXPECT_THAT(r.body, HasSubstr("tocsin_http_requests_total{code=\"404\",handler=\"other\"} 2"));
}

TEST_F(ApiTest, WrongMethodGets405WithAllow) {
    auto r = api.handle(request("POST", "/metrics"));
    EXPECT_EQ(r.status, 405);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "Allow");
    EXPECT_EQ(r.headers[0].second, "GET");
}
