// /api/v1/maintenance, /api/v1/silences and /api/v1/oncall against fake
// hooks: every refusal with its exact status and message.
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "tocsin/api/api.hpp"
#include "tocsin/api/incident_json.hpp"

namespace {

using namespace std::chrono_literals;
using tocsin::Secret;
using tocsin::TimePoint;
using tocsin::api::Api;
using tocsin::api::ApiHooks;
using tocsin::api::MaintenanceListing;
using tocsin::api::MaintenanceRequest;
using tocsin::api::MaintenanceResult;
using tocsin::api::OncallEntry;
using tocsin::incident::MaintenanceKind;
using tocsin::incident::MaintenanceRecord;
using tocsin::net::HttpRequest;
using tocsin::net::HttpResponse;

const std::string k_token = "maintenance-token-0123456789";

HttpRequest request(std::string method, const std::string& target, std::string body = {}, bool token = true) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    if (token) r.headers.emplace_back("Authorization", "Bearer " + k_token);
    return r;
}

std::string error_of(const HttpResponse& r) {
    auto v = boost::json::parse(r.body);
    return v.is_object() && v.as_object().contains("error") ? std::string(v.at("error").as_string()) : r.body;
}

TimePoint at(const char* text) { return *tocsin::api::parse_rfc3339(text); }

struct MaintenanceApiTest : testing::Test {
    std::vector<MaintenanceRequest> created;
    std::vector<std::int64_t> ended;
    MaintenanceResult next;
    TimePoint now = at("2026-03-04T10:00:00Z");
    std::vector<MaintenanceRecord> stored;

    MaintenanceRecord record(std::int64_t id, MaintenanceKind kind) {
        MaintenanceRecord w;
        w.id = id;
        w.kind = kind;
        w.components = {"api"};
        w.starts = now - 1h;
        w.ends = now + 1h;
        w.reason = "deploy";
        w.created_by = {"alice", "api:deploy-bot"};
        w.created = now - 1h;
        return w;
    }

    ApiHooks hooks() {
        ApiHooks h;
        h.health = [] { return tocsin::api::Check{true, {}}; };
        h.ready = [] { return tocsin::api::Check{true, {}}; };
        h.access.tokens.push_back({"deploy-bot", true, Secret(k_token, "env:T")});
        h.now = [this] { return now; };
        h.list_maintenance = [this](bool) -> tocsin::Result<MaintenanceListing> {
            tocsin::config::MaintenanceConfig weekly;
            weekly.name = "sunday-db";
            weekly.components = {"db"};
            weekly.length = 2h;
            weekly.repeat = tocsin::config::MaintenanceRepeat::weekly;
            weekly.weekdays = {0};
            return MaintenanceListing{{weekly}, stored};
        };
        h.create_maintenance = [this](const MaintenanceRequest& r) {
            created.push_back(r);
            return next;
        };
        h.end_maintenance = [this](std::int64_t id, const tocsin::incident::Actor&) {
            ended.push_back(id);
            return next;
        };
        h.oncall = [](TimePoint) -> tocsin::Result<std::vector<OncallEntry>> {
            OncallEntry nobody;
            nobody.schedule = "night";
            nobody.time_zone = "Europe/Madrid";
            return std::vector<OncallEntry>{nobody};
        };
        return h;
    }
};

TEST_F(MaintenanceApiTest, CreatesWithTheTokensNameAndLocation) {
    Api api(std::make_shared<prometheus::Registry>(), hooks());
    next = {201, record(7, MaintenanceKind::silence), {}};
    auto r = api.handle(request("POST", "/api/v1/silences",
                                R"({"components":["api"],"match":"{env=\"prod\"}","duration":"90m",)"
                                R"("starts":"2026-03-04T12:00:00+02:00","reason":"deploy","actor":"alice"})"));
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].kind, MaintenanceKind::silence);
    EXPECT_EQ(created[0].components, std::vector<std::string>{"api"});
    EXPECT_EQ(created[0].match, "{env=\"prod\"}");
    EXPECT_EQ(created[0].duration, std::optional<tocsin::Duration>(90min));
    EXPECT_EQ(created[0].starts, std::optional<TimePoint>(at("2026-03-04T10:00:00Z")));
    EXPECT_EQ(created[0].actor.name, "alice");
    EXPECT_EQ(created[0].actor.channel, "api:deploy-bot");
    auto body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("kind").as_string(), "silence");
    EXPECT_TRUE(body.at("active").as_bool());
    bool located = false;
    for (const auto& [k, v] : r.headers) located |= k == "Location" && v == "/api/v1/silences/7";
    EXPECT_TRUE(located);
}

TEST_F(MaintenanceApiTest, MalformedCreationsAreRefusedWithTheirReason) {
    Api api(std::make_shared<prometheus::Registry>(), hooks());
    struct Case {
        std::string body;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"", "request body is not valid JSON: incomplete JSON"},
        {"[]", "request body must be a JSON object"},
        {R"({"components":["api"],"duration":"1h","actor":"a"})", "\"reason\" is required"},
        {R"({"components":["api"],"duration":"1h","reason":"r"})", "\"actor\" is required"},
        {R"({"components":["api"],"duration":"1h","reason":"r","actor":"a","extra":1})",
         "unknown field \"extra\" (expected: components, match, starts, ends, duration, reason, actor)"},
        {R"({"components":"api","duration":"1h","reason":"r","actor":"a"})", "\"components\" must be an array of strings"},
        {R"({"components":["api"],"duration":"soon","reason":"r","actor":"a"})",
         "\"duration\" must be a duration such as \"2h\" or \"90m\""},
        {R"({"components":["api"],"duration":"-1h","reason":"r","actor":"a"})",
         "\"duration\" must be a duration such as \"2h\" or \"90m\""},
        {R"({"components":["api"],"ends":"tomorrow","reason":"r","actor":"a"})",
         "\"ends\" must be an RFC 3339 time such as \"2026-03-29T12:30:00Z\""},
        {R"({"components":["api"],"reason":"r","actor":"a"})", "give exactly one of \"ends\" and \"duration\""},
        {R"({"components":["api"],"duration":"1h","ends":"2026-03-05T00:00:00Z","reason":"r","actor":"a"})",
         "give exactly one of \"ends\" and \"duration\""},
        {R"({"duration":"1h","reason":"r","actor":"a"})",
         "give \"components\" or \"match\" (or both): which alerts the window covers"},
        {R"({"match":"a\nb","duration":"1h","reason":"r","actor":"a"})",
         "\"match\" must be one line of printable characters"},
        {R"({"components":["api"],"duration":"1h","reason":"  ","actor":"a"})", "\"reason\" must not be empty"},
    };
    for (const auto& c : cases) {
        auto r = api.handle(request("POST", "/api/v1/maintenance", c.body));
        EXPECT_EQ(r.status, 400) << c.body;
        EXPECT_EQ(error_of(r), c.error) << c.body;
    }
    EXPECT_TRUE(created.empty());
}

TEST_F(MaintenanceApiTest, TheDaemonsRefusalsPassThrough) {
    Api api(std::make_shared<prometheus::Registry>(), hooks());
    next = {409, std::nullopt, "silence 3 is already over"};
    auto r = api.handle(request("POST", "/api/v1/silences/3/end", R"({"actor":"bob"})"));
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(error_of(r), "silence 3 is already over");
    EXPECT_EQ(ended, std::vector<std::int64_t>{3});
    next = {400, std::nullopt, "unknown component \"db\" (configured: api)"};
    r = api.handle(request("POST", "/api/v1/maintenance", R"({"components":["db"],"duration":"1h","reason":"r","actor":"a"})"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(error_of(r), "unknown component \"db\" (configured: api)");
}

TEST_F(MaintenanceApiTest, PathsMethodsAndAuthorization) {
    Api api(std::make_shared<prometheus::Registry>(), hooks());
    struct Case {
        std::string method, target;
        int status;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"DELETE", "/api/v1/maintenance", 405, "method not allowed"},
        {"POST", "/api/v1/maintenance/1", 405, "method not allowed"},
        {"GET", "/api/v1/maintenance/1/end", 405, "method not allowed"},
        {"GET", "/api/v1/maintenance/0", 404, "not found: window ids are positive integers"},
        {"GET", "/api/v1/maintenance/x/end", 404, "not found: window ids are positive integers"},
        {"POST", "/api/v1/maintenance/1/stop", 404, "not found"},
        {"GET", "/api/v1/maintenance?all=yes", 400, "unknown query \"all=yes\" (expected: all=true or all=false)"},
        {"GET", "/api/v1/maintenance/9", 404, "not found: no maintenance 9"},
        {"PUT", "/api/v1/oncall", 405, "method not allowed"},
        {"GET", "/api/v1/oncall?when=now", 400, "unknown query \"when=now\" (expected: at=<RFC 3339 time>)"},
        {"GET", "/api/v1/oncall?at=noon", 400, "\"at\" must be an RFC 3339 time such as \"2026-03-29T12:30:00Z\""},
        // Not UTF-8, or long: not quoted back (the body must stay valid JSON).
        {"GET", "/api/v1/oncall?\xff\xfe", 400, "unknown query (expected: at=<RFC 3339 time>)"},
        {"GET", "/api/v1/silences?" + std::string(100, 'a'), 400, "unknown query (expected: all=true or all=false)"},
    };
    for (const auto& c : cases) {
        auto r = api.handle(request(c.method, c.target, R"({"actor":"a"})"));
        EXPECT_EQ(r.status, c.status) << c.method << ' ' << c.target << ' ' << r.body;
        EXPECT_EQ(error_of(r), c.error) << c.method << ' ' << c.target;
    }
    auto anonymous = api.handle(request("POST", "/api/v1/maintenance", "{}", false));
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_TRUE(created.empty());
    EXPECT_TRUE(ended.empty());
}

TEST_F(MaintenanceApiTest, ListsWindowsSilencesAndTheConfiguredOnes) {
    stored = {record(1, MaintenanceKind::maintenance), record(2, MaintenanceKind::silence)};
    Api api(std::make_shared<prometheus::Registry>(), hooks());
    auto windows = boost::json::parse(api.handle(request("GET", "/api/v1/maintenance")).body);
    ASSERT_EQ(windows.at("windows").as_array().size(), 1u);
    EXPECT_EQ(windows.at("windows").as_array()[0].at("id").as_int64(), 1);
    EXPECT_EQ(windows.at("windows").as_array()[0].at("created_by").at("channel").as_string(), "api:deploy-bot");
    ASSERT_EQ(windows.at("configured").as_array().size(), 1u);
    const auto& weekly = windows.at("configured").as_array()[0];
    EXPECT_EQ(weekly.at("name").as_string(), "sunday-db");
    EXPECT_EQ(weekly.at("repeat").as_string(), "weekly");
    EXPECT_EQ(weekly.at("duration").as_string(), "2h");
    EXPECT_FALSE(weekly.at("active").as_bool());  // a Wednesday
    EXPECT_EQ(weekly.at("next_change").as_string(), "2026-03-08T00:00:00.000Z");
    auto silences = boost::json::parse(api.handle(request("GET", "/api/v1/silences")).body);
    ASSERT_EQ(silences.at("silences").as_array().size(), 1u);
    EXPECT_FALSE(silences.as_object().contains("configured"));
    EXPECT_EQ(api.handle(request("GET", "/api/v1/silences/2")).status, 200);
    EXPECT_EQ(api.handle(request("GET", "/api/v1/silences/1")).status, 404);
}

TEST_F(MaintenanceApiTest, OncallNamesNobodyAsNull) {
    Api api(std::make_shared<prometheus::Registry>(), hooks());
    auto r = api.handle(request("GET", "/api/v1/oncall?at=2026-03-04T12:00:00%2B02:00"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("at").as_string(), "2026-03-04T10:00:00.000Z");
    const auto& night = body.at("schedules").as_array()[0];
    EXPECT_EQ(night.at("schedule").as_string(), "night");
    EXPECT_TRUE(night.at("person").is_null());
    EXPECT_TRUE(night.at("until").is_null());
}

}  // namespace
