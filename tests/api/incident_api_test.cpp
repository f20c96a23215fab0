// The incident endpoints under /api/v1, driven through Api::handle with fake
// hooks that record the commands they receive and answer canned results.
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "tocsin/api/api.hpp"
#include "tocsin/api/incident_json.hpp"

namespace json = boost::json;
using testing::HasSubstr;
using testing::Not;
using tocsin::Error;
using tocsin::ErrorCategory;
using tocsin::Labels;
using tocsin::Secret;
using tocsin::TimePoint;
using tocsin::api::Api;
using tocsin::api::ApiHooks;
using tocsin::api::IncidentCommand;
using tocsin::api::IncidentCommandResult;
using tocsin::api::IncidentDetail;
using tocsin::incident::Actor;
using tocsin::incident::EventKind;
using tocsin::incident::Incident;
using tocsin::incident::IncidentEvent;
using tocsin::incident::IncidentState;
using tocsin::net::HttpRequest;
using tocsin::net::HttpResponse;

namespace {

const std::string k_token = "s3cret-token-value";

TimePoint at(const std::string& text) {
    auto t = tocsin::api::parse_rfc3339(text);
    EXPECT_TRUE(t.has_value()) << text;
    return t.value_or(TimePoint{});
}

Incident sample(std::int64_t id) {
    Incident i;
    i.id = id;
    i.key = "ApiDown{component=\"api\"}";
    i.rule = "ApiDown";
    i.component = "api";
    i.title = "API returns 5xx";
    i.description = "ingest failing\nsince deploy";
    i.severity = "P1";
    i.auto_severity = "P2";
    i.state = IncidentState::identified;
    i.security = true;
    i.manual = false;
    i.impact = 120;
    i.peak_impact = 340.5;
    i.alerts = {Labels{{"alertname", "ApiDown"}, {"component", "api"}},
                Labels{{"alertname", "ApiDown"}, {"instance", "b"}}};
    i.affected_components = {"dashboard", "ingest"};
    i.impact_started = at("2026-03-29T12:00:00.125Z");
    i.detected = at("2026-03-29T12:05:00Z");
    i.acknowledged = at("2026-03-29T12:07:30.999Z");
    i.acknowledged_by = Actor{"alice", "telegram"};
    i.identified = at("2026-03-29T12:20:00Z");
    i.condition_active = true;
    i.taxonomy = "DATA_QUALITY < FAILED_MIGRATION";
    return i;
}

Incident bare(std::int64_t id) {
    Incident i;
    i.id = id;
    i.key = "manual:" + std::to_string(id);
    i.title = "t" + std::to_string(id);
    i.severity = "P3";
    i.manual = true;
    i.detected = at("2026-03-29T00:00:00Z");
    i.impact_started = i.detected;
    return i;
}

HttpRequest request(std::string method, const std::string& target, std::string body = {},
                    std::optional<std::string> auth = "Bearer " + k_token) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = target;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    if (auth) r.headers.emplace_back("Authorization", *auth);
    r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

json::value parse(const HttpResponse& r) {
    json::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
}

std::string error_of(const HttpResponse& r) {
    json::value v = parse(r);
    if (!v.is_object() || !v.get_object().contains("error")) return "<no error in " + r.body + ">";
    return std::string(v.at("error").as_string());
}

std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) return v;
    }
    return {};
}

struct IncidentApiTest : testing::Test {
    std::vector<IncidentCommand> commands;
    IncidentCommandResult next{200, sample(12), {}};
    std::vector<Incident> listed = {bare(3), bare(2), bare(1)};
    std::optional<Error> list_error;
    std::vector<std::pair<bool, std::size_t>> list_calls;
    std::vector<tocsin::api::IncidentFilter> filters;
    std::vector<std::int64_t> get_calls;
    std::map<std::int64_t, IncidentDetail> details;
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

    ApiHooks hooks(bool with_token = true) {
        ApiHooks h;
        h.health = [] { return tocsin::api::Check{true, {}}; };
        h.ready = [] { return tocsin::api::Check{true, {}}; };
        h.list_incidents = [this](const tocsin::api::IncidentFilter& filter)
            -> tocsin::Result<std::vector<Incident>> {
            list_calls.emplace_back(filter.open_only, filter.limit);
            filters.push_back(filter);
            if (list_error) return *list_error;
            return listed;
        };
        h.get_incident = [this](std::int64_t id) -> tocsin::Result<std::optional<IncidentDetail>> {
            get_calls.push_back(id);
            auto it = details.find(id);
            if (it == details.end()) return std::optional<IncidentDetail>();
            return std::optional<IncidentDetail>(it->second);
        };
        h.incident_command = [this](const IncidentCommand& c) {
            commands.push_back(c);
            return next;
        };
        if (with_token) h.access.tokens.push_back({"", true, Secret(k_token, "env:TOCSIN_API_TOKEN")});
        return h;
    }

    Api api{registry, hooks()};

    HttpResponse post(const std::string& path, const std::string& body,
                      std::optional<std::string> auth = "Bearer " + k_token) {
        return api.handle(request("POST", path, body, std::move(auth)));
    }
};

// Every write endpoint with a body it accepts.
const std::vector<std::pair<std::string, std::string>> k_writes = {
    {"/api/v1/incidents", R"({"title":"Checkout down","reporter":"alice"})"},
    {"/api/v1/incidents/12/ack", R"({"actor":"bob"})"},
    {"/api/v1/incidents/12/state", R"({"state":"identified","actor":"bob"})"},
    {"/api/v1/incidents/12/severity", R"({"severity":"P1","actor":"bob"})"},
    {"/api/v1/incidents/12/notes", R"({"message":"still investigating","actor":"bob"})"},
    {"/api/v1/incidents/12/taxonomy", R"({"taxonomy":"DATA_QUALITY","actor":"bob"})"},
    {"/api/v1/incidents/12/owner", R"({"owner":"carol","message":"end of shift","actor":"bob"})"},
};

}  // namespace

// ---- reads ----

TEST_F(IncidentApiTest, ListDefaultsToOpenIncidentsAndALimitOf100) {
    auto r = api.handle(request("GET", "/api/v1/incidents", {}, std::nullopt));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    ASSERT_EQ(list_calls.size(), 1u);
    EXPECT_EQ(list_calls[0], std::make_pair(true, std::size_t{100}));
    json::value v = parse(r);
    const auto& incidents = v.at("incidents").as_array();
    ASSERT_EQ(incidents.size(), 3u);
    // In the order the hook gave (newest first).
    EXPECT_EQ(incidents[0].at("id").as_int64(), 3);
    EXPECT_EQ(incidents[2].at("id").as_int64(), 1);
}

TEST_F(IncidentApiTest, ListTakesStateAndLimit) {
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents?state=all&limit=2")).status, 200);
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents?limit=1000&state=open")).status, 200);
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents?limit=1")).status, 200);
    ASSERT_EQ(list_calls.size(), 3u);
    EXPECT_EQ(list_calls[0], std::make_pair(false, std::size_t{2}));
    EXPECT_EQ(list_calls[1], std::make_pair(true, std::size_t{1000}));
    // The answer never holds more than the limit, whatever the hook returned.
    auto r = api.handle(request("GET", "/api/v1/incidents?limit=2"));
    EXPECT_EQ(parse(r).at("incidents").as_array().size(), 2u);
}

TEST_F(IncidentApiTest, ListFiltersBySeverityComponentAndSince) {
    ASSERT_EQ(api.handle(request("GET", "/api/v1/incidents?severity=P1&component=checkout%20api&since=2026-03-29T12:00:00+02:00"))
                  .status,
              200);
    ASSERT_EQ(filters.size(), 1u);
    EXPECT_TRUE(filters[0].open_only);
    EXPECT_EQ(filters[0].severity, "P1");
    EXPECT_EQ(filters[0].component, "checkout api");
    EXPECT_EQ(filters[0].since, std::optional<TimePoint>(at("2026-03-29T10:00:00Z")));
    ASSERT_EQ(api.handle(request("GET", "/api/v1/incidents?since=2026-03-29T12%3A00%3A00Z&state=all")).status, 200);
    EXPECT_EQ(filters[1].since, std::optional<TimePoint>(at("2026-03-29T12:00:00Z")));
    EXPECT_FALSE(filters[1].open_only);
    EXPECT_TRUE(filters[1].severity.empty());
}

TEST_F(IncidentApiTest, ListRefusesBadQueries) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"limit=0", "limit must be an integer from 1 to 1000"},
        {"limit=1001", "limit must be an integer from 1 to 1000"},
        {"limit=-1", "limit must be an integer from 1 to 1000"},
        {"limit=ten", "limit must be an integer from 1 to 1000"},
        {"limit=", "limit must be an integer from 1 to 1000"},
        {"limit=99999999999999999999999", "limit must be an integer from 1 to 1000"},
        {"state=closed", "state must be \"open\" or \"all\""},
        {"state=", "state must be \"open\" or \"all\""},
        {"stat=open", "unknown query parameter \"stat\" (expected: state, limit, severity, component, since)"},
        {"limit=5&limit=6", "query parameter \"limit\" given twice"},
        {"severity=P1&severity=P2", "query parameter \"severity\" given twice"},
        {"severity=", "severity must be a name of 1 to 128 printable bytes"},
        {"component=a%0Ab", "component must be a name of 1 to 128 printable bytes"},
        {"component=%zz", "query parameter \"component\" has a malformed %-escape"},
        {"component=%4", "query parameter \"component\" has a malformed %-escape"},
        {"since=yesterday", "since must be an RFC 3339 time such as 2026-03-29T12:30:00Z"},
        {"since=", "since must be an RFC 3339 time such as 2026-03-29T12:30:00Z"},
    };
    for (const auto& [query, message] : cases) {
        auto r = api.handle(request("GET", "/api/v1/incidents?" + query));
        EXPECT_EQ(r.status, 400) << query;
        EXPECT_EQ(error_of(r), message) << query;
    }
    EXPECT_TRUE(list_calls.empty());
}

TEST_F(IncidentApiTest, ListFailureIs503WithTheReason) {
    list_error = Error::make(ErrorCategory::storage, "database is locked", true);
    auto r = api.handle(request("GET", "/api/v1/incidents"));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(error_of(r), "cannot list incidents: database is locked");
}

TEST_F(IncidentApiTest, IncidentJsonHasEveryFieldInSnakeCase) {
    listed = {sample(12)};
    auto r = api.handle(request("GET", "/api/v1/incidents"));
    ASSERT_EQ(r.status, 200);
    const json::value v = parse(r);
    const json::object& o = v.at("incidents").as_array().at(0).as_object();
    std::set<std::string> keys;
    for (const auto& kv : o) keys.insert(std::string(kv.key()));
    EXPECT_EQ(keys, (std::set<std::string>{"id", "key", "rule", "component", "title", "description", "severity",
                                           "auto_severity", "state", "security", "manual", "reporter", "impact",
                                           "peak_impact", "alerts", "affected_components", "impact_started",
                                           "detected", "acknowledged", "acknowledged_by", "identified", "mitigated",
                                           "resolved", "condition_active", "clear_since", "taxonomy"}));
    EXPECT_EQ(o.at("id").as_int64(), 12);
    EXPECT_EQ(o.at("key").as_string(), "ApiDown{component=\"api\"}");
    EXPECT_EQ(o.at("rule").as_string(), "ApiDown");
    EXPECT_EQ(o.at("component").as_string(), "api");
    EXPECT_EQ(o.at("title").as_string(), "API returns 5xx");
    EXPECT_EQ(o.at("description").as_string(), "ingest failing\nsince deploy");
    EXPECT_EQ(o.at("severity").as_string(), "P1");
    EXPECT_EQ(o.at("auto_severity").as_string(), "P2");
    EXPECT_EQ(o.at("state").as_string(), "identified");
    EXPECT_EQ(o.at("security").as_bool(), true);
    EXPECT_EQ(o.at("manual").as_bool(), false);
    EXPECT_EQ(o.at("reporter").as_string(), "");
    EXPECT_EQ(o.at("impact").to_number<double>(), 120);
    EXPECT_EQ(o.at("peak_impact").as_double(), 340.5);
    EXPECT_EQ(json::serialize(o.at("alerts")),
              R"([{"alertname":"ApiDown","component":"api"},{"alertname":"ApiDown","instance":"b"}])");
    EXPECT_EQ(json::serialize(o.at("affected_components")), R"(["dashboard","ingest"])");
    EXPECT_EQ(o.at("impact_started").as_string(), "2026-03-29T12:00:00.125Z");
    EXPECT_EQ(o.at("detected").as_string(), "2026-03-29T12:05:00.000Z");
    EXPECT_EQ(o.at("acknowledged").as_string(), "2026-03-29T12:07:30.999Z");
    EXPECT_EQ(json::serialize(o.at("acknowledged_by")), R"({"name":"alice","channel":"telegram"})");
    EXPECT_EQ(o.at("identified").as_string(), "2026-03-29T12:20:00.000Z");
    EXPECT_TRUE(o.at("mitigated").is_null());
    EXPECT_TRUE(o.at("resolved").is_null());
    EXPECT_EQ(o.at("condition_active").as_bool(), true);
    EXPECT_TRUE(o.at("clear_since").is_null());
    EXPECT_EQ(o.at("taxonomy").as_string(), "DATA_QUALITY < FAILED_MIGRATION");
}

TEST_F(IncidentApiTest, UnsetOptionalsAreNullAndNonFiniteImpactIsNull) {
    Incident i = bare(4);
    i.peak_impact = std::numeric_limits<double>::quiet_NaN();
    i.impact = std::numeric_limits<double>::infinity();
    listed = {i};
    auto r = api.handle(request("GET", "/api/v1/incidents"));
    ASSERT_EQ(r.status, 200);
    const json::value v = parse(r);
    const json::object& o = v.at("incidents").as_array().at(0).as_object();
    for (const char* key : {"impact", "peak_impact", "acknowledged", "acknowledged_by", "identified", "mitigated",
                            "resolved", "clear_since"}) {
        EXPECT_TRUE(o.at(key).is_null()) << key;
    }
    EXPECT_EQ(o.at("manual").as_bool(), true);
    EXPECT_EQ(o.at("state").as_string(), "investigating");
}

TEST_F(IncidentApiTest, ShowIsTheIncidentWithItsEvents) {
    IncidentEvent opened{1, 12, at("2026-03-29T12:05:00Z"), EventKind::opened, Actor{"tocsin", "rule"},
                         "API returns 5xx", "severity P2", "", "aa11"};
    IncidentEvent acked{2, 12, at("2026-03-29T12:07:30.999Z"), EventKind::acknowledged, Actor{"alice", "telegram"},
                        "acknowledged by alice", "", "aa11", "bb22"};
    details[12] = IncidentDetail{sample(12), {opened, acked}};
    auto r = api.handle(request("GET", "/api/v1/incidents/12", {}, std::nullopt));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(get_calls, std::vector<std::int64_t>{12});
    json::value v = parse(r);
    EXPECT_EQ(v.at("id").as_int64(), 12);
    EXPECT_EQ(v.at("title").as_string(), "API returns 5xx");
    const auto& events = v.at("events").as_array();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(json::serialize(events[0]),
              R"({"id":1,"incident_id":12,"at":"2026-03-29T12:05:00.000Z","kind":"opened","actor":"tocsin",)"
              R"("channel":"rule","message":"API returns 5xx","detail":"severity P2","prev_hash":"","hash":"aa11"})");
    EXPECT_EQ(events[1].at("kind").as_string(), "acknowledged");
    EXPECT_EQ(events[1].at("at").as_string(), "2026-03-29T12:07:30.999Z");
    EXPECT_EQ(events[1].at("actor").as_string(), "alice");
    EXPECT_EQ(events[1].at("channel").as_string(), "telegram");
}

TEST_F(IncidentApiTest, ShowOfAnUnknownIncidentIs404) {
    auto r = api.handle(request("GET", "/api/v1/incidents/77"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(error_of(r), "no incident 77");
}

TEST_F(IncidentApiTest, IdsThatAreNotPositiveIntegersAre404) {
    for (const std::string id : {"0", "-1", "abc", "1.5", "+3", "1e3", "99999999999999999999", "9223372036854775808",
                                 "%31", "12%00"}) {
        auto r = api.handle(request("GET", "/api/v1/incidents/" + id));
        EXPECT_EQ(r.status, 404) << id;
        EXPECT_EQ(r.content_type, "application/json") << id;
        auto w = post("/api/v1/incidents/" + id + "/ack", R"({"actor":"bob"})");
        EXPECT_EQ(w.status, 404) << id;
    }
    EXPECT_EQ(api.handle(request("GET", "/api/v1/incidents/9223372036854775807")).status, 404);  // hook: unknown
    EXPECT_EQ(get_calls, std::vector<std::int64_t>{9223372036854775807});
    EXPECT_TRUE(commands.empty());
}

TEST_F(IncidentApiTest, UnknownApiPathsAreJson404s) {
    for (const std::string path : {"/api/v1/incidents/", "/api/v1/incidents/5/", "/api/v1/incidents/5/frobnicate",
                                   "/api/v1/incidents/5/ack/more", "/api/v1/incidentsx", "/api/v2/incidents",
                                   "/api/", "/api/v1/incidents//ack"}) {
        auto r = api.handle(request("GET", path));
        EXPECT_EQ(r.status, 404) << path;
        EXPECT_EQ(r.content_type, "application/json") << path;
        EXPECT_EQ(error_of(r).substr(0, 9), "not found") << path;
    }
}

TEST_F(IncidentApiTest, WrongMethodsAre405WithAllow) {
    struct Case {
        std::string method, path, allow;
    };
    for (const auto& c : std::vector<Case>{{"DELETE", "/api/v1/incidents", "GET, POST"},
                                           {"PUT", "/api/v1/incidents", "GET, POST"},
                                           {"POST", "/api/v1/incidents/12", "GET"},
                                           {"DELETE", "/api/v1/incidents/12", "GET"},
                                           {"GET", "/api/v1/incidents/12/ack", "POST"},
                                           {"PUT", "/api/v1/incidents/12/state", "POST"},
                                           {"GET", "/api/v1/incidents/12/severity", "POST"},
                                           {"GET", "/api/v1/incidents/12/notes", "POST"},
                                           {"PATCH", "/api/v1/incidents/12/taxonomy", "POST"}}) {
        auto r = api.handle(request(c.method, c.path, R"({"actor":"bob"})"));
        EXPECT_EQ(r.status, 405) << c.method << ' ' << c.path;
        EXPECT_EQ(header(r, "Allow"), c.allow) << c.method << ' ' << c.path;
    }
    EXPECT_TRUE(commands.empty());
    EXPECT_TRUE(get_calls.empty());
}

TEST_F(IncidentApiTest, UnsetHooksAnswer503) {
    ApiHooks none;
    none.health = [] { return tocsin::api::Check{true, {}}; };
    none.ready = [] { return tocsin::api::Check{true, {}}; };
    none.access.tokens.push_back({"", true, Secret(k_token, "env:TOCSIN_API_TOKEN")});
    Api bare_api{registry, none};
    EXPECT_EQ(bare_api.handle(request("GET", "/api/v1/incidents")).status, 503);
    EXPECT_EQ(bare_api.handle(request("GET", "/api/v1/incidents/1")).status, 503);
    for (const auto& [path, body] : k_writes) {
        auto r = bare_api.handle(request("POST", path, body));
        EXPECT_EQ(r.status, 503) << path;
        EXPECT_EQ(r.content_type, "application/json");
    }
}

// ---- writes ----

TEST_F(IncidentApiTest, DeclareIs201WithLocationAndPassesEveryField) {
    next = {201, bare(7), {}};
    auto r = post("/api/v1/incidents", R"({"title":"Checkout down","components":["checkout","payments"],)"
                                       R"("severity":"P1","description":"card payments fail\nfor EU",)"
                                       R"("security":true,"reporter":"alice",)"
                                       R"("impact_started":"2026-03-29T13:30:00.250+01:00"})");
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(header(r, "Location"), "/api/v1/incidents/7");
    EXPECT_EQ(parse(r).at("id").as_int64(), 7);
    ASSERT_EQ(commands.size(), 1u);
    const IncidentCommand& c = commands[0];
    EXPECT_EQ(c.kind, IncidentCommand::Kind::declare);
    EXPECT_EQ(c.actor, (Actor{"alice", "api"}));
    EXPECT_EQ(c.declaration.title, "Checkout down");
    EXPECT_EQ(c.declaration.components, (std::vector<std::string>{"checkout", "payments"}));
    EXPECT_EQ(c.declaration.severity, "P1");
    EXPECT_EQ(c.declaration.description, "card payments fail\nfor EU");
    EXPECT_TRUE(c.declaration.security);
    EXPECT_EQ(c.declaration.reporter, (Actor{"alice", "api"}));
    ASSERT_TRUE(c.declaration.impact_started.has_value());
    EXPECT_EQ(tocsin::api::format_rfc3339(*c.declaration.impact_started), "2026-03-29T12:30:00.250Z");
}

TEST_F(IncidentApiTest, DeclareNeedsATitleAndAReporter) {
    EXPECT_EQ(error_of(post("/api/v1/incidents", R"({"reporter":"alice"})")), "\"title\" is required");
    EXPECT_EQ(error_of(post("/api/v1/incidents", R"({"title":"x"})")), "\"reporter\" is required");
    EXPECT_EQ(error_of(post("/api/v1/incidents", R"({"title":"  ","reporter":"alice"})")),
              "\"title\" must not be empty");
    EXPECT_EQ(error_of(post("/api/v1/incidents", R"({"title":"x","reporter":"a","impact_started":"yesterday"})")),
              "\"impact_started\" must be an RFC 3339 time such as \"2026-03-29T12:30:00Z\"");
    EXPECT_EQ(error_of(post("/api/v1/incidents", R"({"title":"x","reporter":"a","components":["api",""]})")),
              "\"components\" must not be empty");
    // Optional fields may be null.
    next = {201, bare(8), {}};
    auto r = post("/api/v1/incidents", R"({"title":"x","reporter":"a","severity":null,"impact_started":null})");
    EXPECT_EQ(r.status, 201) << r.body;
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].declaration.severity, "");
    EXPECT_FALSE(commands[0].declaration.impact_started.has_value());
}

TEST_F(IncidentApiTest, AckIsACommandFromTheApiChannel) {
    auto r = post("/api/v1/incidents/12/ack", R"({"actor":"bob"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(parse(r).at("id").as_int64(), 12);
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].kind, IncidentCommand::Kind::acknowledge);
    EXPECT_EQ(commands[0].id, 12);
    EXPECT_EQ(commands[0].actor, (Actor{"bob", "api"}));
}

TEST_F(IncidentApiTest, StateCarriesStateMessageAndForce) {
    auto r = post("/api/v1/incidents/12/state",
                  R"({"state":"resolved","message":"rolled back\nall green","actor":"bob","force":true})");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].kind, IncidentCommand::Kind::set_state);
    EXPECT_EQ(commands[0].id, 12);
    EXPECT_EQ(commands[0].state, IncidentState::resolved);
    EXPECT_EQ(commands[0].message, "rolled back\nall green");
    EXPECT_TRUE(commands[0].force);
    EXPECT_EQ(commands[0].actor, (Actor{"bob", "api"}));

    for (const char* state : {"investigating", "identified", "monitoring"}) {
        EXPECT_EQ(post("/api/v1/incidents/3/state", std::string(R"({"state":")") + state + R"(","actor":"b"})").status,
                  200);
    }
    ASSERT_EQ(commands.size(), 4u);
    EXPECT_EQ(commands[3].state, IncidentState::monitoring);
    EXPECT_FALSE(commands[3].force);

    auto bad = post("/api/v1/incidents/12/state", R"({"state":"fixed","actor":"bob"})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(error_of(bad), "\"state\" must be one of investigating, identified, monitoring, resolved");
    EXPECT_EQ(error_of(post("/api/v1/incidents/12/state", R"({"actor":"bob"})")), "\"state\" is required");
    EXPECT_EQ(commands.size(), 4u);
}

TEST_F(IncidentApiTest, SeverityNotesAndTaxonomy) {
    ASSERT_EQ(post("/api/v1/incidents/5/severity", R"({"severity":"P0","message":"all regions","actor":"c"})").status,
              200);
    ASSERT_EQ(post("/api/v1/incidents/6/notes", R"({"message":"still looking","actor":"d"})").status, 200);
    ASSERT_EQ(post("/api/v1/incidents/7/taxonomy", R"({"taxonomy":"DATA_QUALITY < FAILED_MIGRATION","actor":"e"})")
                  .status,
              200);
    ASSERT_EQ(commands.size(), 3u);
    EXPECT_EQ(commands[0].kind, IncidentCommand::Kind::set_severity);
    EXPECT_EQ(commands[0].id, 5);
    EXPECT_EQ(commands[0].severity, "P0");
    EXPECT_EQ(commands[0].message, "all regions");
    EXPECT_EQ(commands[1].kind, IncidentCommand::Kind::note);
    EXPECT_EQ(commands[1].id, 6);
    EXPECT_EQ(commands[1].message, "still looking");
    EXPECT_EQ(commands[1].actor, (Actor{"d", "api"}));
    EXPECT_EQ(commands[2].kind, IncidentCommand::Kind::set_taxonomy);
    EXPECT_EQ(commands[2].taxonomy, "DATA_QUALITY < FAILED_MIGRATION");

    EXPECT_EQ(error_of(post("/api/v1/incidents/6/notes", R"({"actor":"d"})")), "\"message\" is required");
    EXPECT_EQ(error_of(post("/api/v1/incidents/6/notes", R"({"message":"","actor":"d"})")),
              "\"message\" must not be empty");
    EXPECT_EQ(error_of(post("/api/v1/incidents/5/severity", R"({"actor":"d"})")), "\"severity\" is required");
    EXPECT_EQ(error_of(post("/api/v1/incidents/7/taxonomy", R"({"actor":"d"})")), "\"taxonomy\" is required");
    EXPECT_EQ(commands.size(), 3u);
}

TEST_F(IncidentApiTest, PostmortemPublished) {
    ASSERT_EQ(post("/api/v1/incidents/8/postmortem", R"({"url":"https://example.com/pm/8","actor":"e"})").status, 200);
    ASSERT_EQ(post("/api/v1/incidents/9/postmortem", R"({"actor":"e"})").status, 200);
    ASSERT_EQ(commands.size(), 2u);
    EXPECT_EQ(commands[0].kind, IncidentCommand::Kind::postmortem_published);
    EXPECT_EQ(commands[0].id, 8);
    EXPECT_EQ(commands[0].url, "https://example.com/pm/8");
    EXPECT_EQ(commands[0].actor, (Actor{"e", "api"}));
    EXPECT_EQ(commands[1].url, "");
    EXPECT_EQ(error_of(post("/api/v1/incidents/9/postmortem", R"({"url":"x","link":"y","actor":"e"})")),
              "unknown field \"link\" (expected: url, actor)");
}

TEST_F(IncidentApiTest, TheDaemonsRefusalIsPassedOn) {
    next = {409, std::nullopt, "incident 12 was already acknowledged by alice"};
    auto r = post("/api/v1/incidents/12/ack", R"({"actor":"bob"})");
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(error_of(r), "incident 12 was already acknowledged by alice");
    next = {404, std::nullopt, "no open incident 99"};
    EXPECT_EQ(post("/api/v1/incidents/99/ack", R"({"actor":"bob"})").status, 404);
    next = {400, std::nullopt, "unknown severity \"P9\""};
    EXPECT_EQ(error_of(post("/api/v1/incidents/5/severity", R"({"severity":"P9","actor":"c"})")),
              "unknown severity \"P9\"");
    next = {503, std::nullopt, "database is locked"};
    EXPECT_EQ(post("/api/v1/incidents/5/notes", R"({"message":"m","actor":"c"})").status, 503);
    // A success without an incident is the daemon's bug, not the client's.
    next = {200, std::nullopt, ""};
    EXPECT_EQ(post("/api/v1/incidents/5/notes", R"({"message":"m","actor":"c"})").status, 500);
}

// ---- authorization ----

TEST_F(IncidentApiTest, WritesAreRefusedWhenNoTokenIsConfigured) {
    Api open_api{registry, hooks(false)};
    for (const auto& [path, body] : k_writes) {
        auto r = open_api.handle(request("POST", path, body));
        EXPECT_EQ(r.status, 403) << path;
        EXPECT_EQ(error_of(r), "writes are disabled: configure a read-write token in [[api.tokens]]") << path;
    }
    // Reads need no token.
    EXPECT_EQ(open_api.handle(request("GET", "/api/v1/incidents", {}, std::nullopt)).status, 200);
    EXPECT_TRUE(commands.empty());
}

TEST_F(IncidentApiTest, WritesNeedTheBearerToken) {
    const std::vector<std::optional<std::string>> refused = {
        std::nullopt,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token",
        "Bearer " + k_token + "x",
        "Bearer " + k_token.substr(0, k_token.size() - 1),
        "Basic " + k_token,
        "Token " + k_token,
        k_token,
        "Bearer" + k_token,
    };
    for (const auto& [path, body] : k_writes) {
        for (const auto& auth : refused) {
            auto r = post(path, body, auth);
            EXPECT_EQ(r.status, 401) << path << " with " << auth.value_or("<none>");
            EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer");
            EXPECT_THAT(r.body, Not(HasSubstr(k_token)));
            EXPECT_THAT(r.body, Not(HasSubstr("wrong-token")));
        }
    }
    EXPECT_TRUE(commands.empty());
    // The scheme is case-insensitive; surrounding blanks are tolerated.
    EXPECT_EQ(post("/api/v1/incidents/12/ack", R"({"actor":"bob"})", "bearer " + k_token).status, 200);
    EXPECT_EQ(post("/api/v1/incidents/12/ack", R"({"actor":"bob"})", "BEARER  " + k_token + " ").status, 200);
    EXPECT_EQ(commands.size(), 2u);
}

TEST_F(IncidentApiTest, AuthorizationIsCheckedBeforeTheBody) {
    auto r = post("/api/v1/incidents/12/ack", "not json", std::nullopt);
    EXPECT_EQ(r.status, 401);
}

// ---- bodies ----

TEST_F(IncidentApiTest, BodyMustBeAJsonObject) {
    for (const std::string body : {"", " ", "not json", "[]", "\"bob\"", "null", "42", "true", "{", "{\"actor\":}",
                                   "{\"actor\":\"bob\"} trailing", "{\"actor\":\"bob\",}", "{'actor':'bob'}",
                                   "{\"actor\":\"bob\" /* c */}"}) {
        auto r = post("/api/v1/incidents/12/ack", body);
        EXPECT_EQ(r.status, 400) << body;
        EXPECT_EQ(r.content_type, "application/json");
        const std::string error = error_of(r);
        EXPECT_TRUE(error.starts_with("request body")) << body << ": " << error;
    }
    EXPECT_TRUE(commands.empty());
}

TEST_F(IncidentApiTest, UnknownFieldsAreNamed) {
    auto r = post("/api/v1/incidents/12/ack", R"({"acter":"bob"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(error_of(r), "unknown field \"acter\" (expected: actor)");
    EXPECT_EQ(error_of(post("/api/v1/incidents/12/state", R"({"state":"identified","actor":"b","forse":true})")),
              "unknown field \"forse\" (expected: state, message, actor, force)");
    EXPECT_EQ(error_of(post("/api/v1/incidents", R"({"title":"x","reporter":"a","component":"api"})")),
              "unknown field \"component\" (expected: title, components, severity, description, security, "
              "reporter, impact_started)");
    // A long or odd name is shortened and escaped, never echoed raw.
    auto odd = post("/api/v1/incidents/12/ack", "{\"actor\":\"b\",\"" + std::string(300, 'k') + "\\n\":1}");
    EXPECT_EQ(odd.status, 400);
    EXPECT_EQ(error_of(odd), "unknown field \"" + std::string(64, 'k') + "...\" (expected: actor)");
    EXPECT_TRUE(commands.empty());
}

TEST_F(IncidentApiTest, WrongTypesAreNamed) {
    const std::vector<std::pair<std::pair<std::string, std::string>, std::string>> cases = {
        {{"/api/v1/incidents/12/ack", R"({"actor":5})"}, "\"actor\" must be a string"},
        {{"/api/v1/incidents/12/ack", R"({"actor":["bob"]})"}, "\"actor\" must be a string"},
        {{"/api/v1/incidents/12/state", R"({"state":"identified","actor":"b","force":"yes"})"},
         "\"force\" must be true or false"},
        {{"/api/v1/incidents/12/state", R"({"state":1,"actor":"b"})"}, "\"state\" must be a string"},
        {{"/api/v1/incidents/12/notes", R"({"message":{"text":"x"},"actor":"b"})"}, "\"message\" must be a string"},
        {{"/api/v1/incidents", R"({"title":"x","reporter":"a","components":"api"})"},
         "\"components\" must be an array of strings"},
        {{"/api/v1/incidents", R"({"title":"x","reporter":"a","components":["api",3]})"},
         "\"components\" must be an array of strings"},
        {{"/api/v1/incidents", R"({"title":"x","reporter":"a","security":1})"}, "\"security\" must be true or false"},
        {{"/api/v1/incidents", R"({"title":"x","reporter":"a","impact_started":1711700000})"},
         "\"impact_started\" must be an RFC 3339 time such as \"2026-03-29T12:30:00Z\""},
        {{"/api/v1/incidents/12/severity", R"({"severity":1,"actor":"b"})"}, "\"severity\" must be a string"},
        {{"/api/v1/incidents/12/taxonomy", R"({"taxonomy":false,"actor":"b"})"}, "\"taxonomy\" must be a string"},
    };
    for (const auto& [request, message] : cases) {
        auto r = post(request.first, request.second);
        EXPECT_EQ(r.status, 400) << request.second;
        EXPECT_EQ(error_of(r), message) << request.second;
    }
    EXPECT_TRUE(commands.empty());
}

TEST_F(IncidentApiTest, EveryPersonActionNeedsAnActor) {
    for (const auto& [path, body] : k_writes) {
        if (path == "/api/v1/incidents") continue;  // declare names a reporter (above)
        json::object o = json::parse(body).as_object();
        o.erase("actor");
        auto r = post(path, json::serialize(o));
        EXPECT_EQ(r.status, 400) << path;
        EXPECT_EQ(error_of(r), "\"actor\" is required") << path;
    }
    EXPECT_TRUE(commands.empty());
}

TEST_F(IncidentApiTest, ActorsArePrintableAndAtMost200Bytes) {
    const std::vector<std::pair<std::string, std::string>> refused = {
        {R"("")", "\"actor\" must not be empty"},
        {R"("   ")", "\"actor\" must not be empty"},
        {R"(null)", "\"actor\" is required"},
        {"\"" + std::string(201, 'a') + "\"", "\"actor\" is longer than 200 bytes"},
        {R"("bob\nmallory")", "\"actor\" must be one line of printable characters"},
        {R"("bob\u001b[31m")", "\"actor\" must be one line of printable characters"},
        {R"("bob\u0000")", "\"actor\" must be one line of printable characters"},
        {R"("bob\u202e")", "\"actor\" must be one line of printable characters"},  // bidi override
        {R"("a\tb")", "\"actor\" must be one line of printable characters"},
    };
    for (const auto& [value, message] : refused) {
        auto r = post("/api/v1/incidents/12/ack", R"({"actor":)" + value + "}");
        EXPECT_EQ(r.status, 400) << value;
        EXPECT_EQ(error_of(r), message) << value;
    }
    EXPECT_TRUE(commands.empty());
    EXPECT_EQ(post("/api/v1/incidents/12/ack", "{\"actor\":\"" + std::string(200, 'a') + "\"}").status, 200);
    EXPECT_EQ(post("/api/v1/incidents/12/ack", R"x({"actor":"Zoë O'Brien (on-call)"})x").status, 200);
    ASSERT_EQ(commands.size(), 2u);
    EXPECT_EQ(commands[1].actor.name, "Zoë O'Brien (on-call)");
}

TEST_F(IncidentApiTest, MessagesAreAtMost4KiBAndMayHaveNewlines) {
    const std::string ok(4096, 'm');
    EXPECT_EQ(post("/api/v1/incidents/12/notes", R"({"actor":"b","message":")" + ok + "\"}").status, 200);
    auto r = post("/api/v1/incidents/12/notes", R"({"actor":"b","message":")" + ok + "m\"}");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(error_of(r), "\"message\" is longer than 4096 bytes");
    EXPECT_EQ(post("/api/v1/incidents/12/notes", R"({"actor":"b","message":"line 1\n\tline 2"})").status, 200);
    auto ctl = post("/api/v1/incidents/12/state", R"({"state":"identified","actor":"b","message":"x\u0007"})");
    EXPECT_EQ(ctl.status, 400);
    EXPECT_EQ(error_of(ctl), "\"message\" must not contain control characters other than newlines and tabs");
    EXPECT_EQ(commands.size(), 2u);
}

// ---- metrics ----

TEST_F(IncidentApiTest, HandlerLabelsAreRouteTemplates) {
    for (int id = 1; id <= 40; ++id) {
        api.handle(request("GET", "/api/v1/incidents/" + std::to_string(id)));
        post("/api/v1/incidents/" + std::to_string(id) + "/ack", R"({"actor":"bob"})");
        api.handle(request("GET", "/api/v1/incidents/" + std::to_string(id) + "/junk" + std::to_string(id)));
        api.handle(request("GET", "/api/v1/incidents?limit=" + std::to_string(id)));
    }
    api.handle(request("GET", "/api/v1/incidents/abc"));
    for (const auto& [path, body] : k_writes) post(path, body);
    auto metrics = api.handle(request("GET", "/metrics"));
    ASSERT_EQ(metrics.status, 200);
    EXPECT_THAT(metrics.body, HasSubstr(R"(tocsin_http_requests_total{code="404",handler="/api/v1/incidents/{id}"} 41)"));
    EXPECT_THAT(metrics.body, HasSubstr(R"(tocsin_http_requests_total{code="200",handler="/api/v1/incidents/{id}/ack"} 41)"));
    EXPECT_THAT(metrics.body, HasSubstr(R"(tocsin_http_requests_total{code="404",handler="other"} 40)"));
    EXPECT_THAT(metrics.body, HasSubstr(R"(tocsin_http_requests_total{code="200",handler="/api/v1/incidents"} 41)"));
    std::set<std::string> handlers;
    std::size_t pos = 0;
    while ((pos = metrics.body.find("handler=\"", pos)) != std::string::npos) {
        pos += 9;
        handlers.insert(metrics.body.substr(pos, metrics.body.find('"', pos) - pos));
    }
    EXPECT_EQ(handlers, (std::set<std::string>{"/api/v1/incidents", "/api/v1/incidents/{id}",
                                               "/api/v1/incidents/{id}/ack", "/api/v1/incidents/{id}/state",
                                               "/api/v1/incidents/{id}/severity", "/api/v1/incidents/{id}/notes",
                                               "/api/v1/incidents/{id}/taxonomy", "/api/v1/incidents/{id}/owner",
                                               "other"}));
}

// ---- robustness ----

TEST_F(IncidentApiTest, MalformedBodiesAre4xxAndIssueNoCommand) {
    std::vector<std::string> bodies;
    // Every truncation of every valid body.
    for (const auto& [path, body] : k_writes) {
        for (std::size_t n = 0; n < body.size(); ++n) bodies.push_back(body.substr(0, n));
    }
    const std::string deep_array = std::string(100000, '[') + std::string(100000, ']');
    const std::string deep_object = [] {
        std::string s;
        for (int i = 0; i < 20000; ++i) s += "{\"a\":";
        s += "1";
        s += std::string(20000, '}');
        return s;
    }();
    for (const std::string& b : std::vector<std::string>{
             // numbers where strings belong, and numbers no double holds
             R"({"actor":1e999999})",
             R"({"actor":-1e999999})",
             R"({"actor":123456789012345678901234567890123456789})",
             R"({"actor":"bob","force":1e400})",
             R"({"actor":NaN})",
             R"({"actor":Infinity})",
             R"({"actor":0x10})",
             // nesting
             deep_array,
             deep_object,
             R"({"actor":)" + std::string(50, '[') + "\"bob\"" + std::string(50, ']') + "}",
             R"({"actor":{"name":{"first":{"x":{"y":{"z":{"w":{"v":{"u":"bob"}}}}}}}}})",
             // invalid UTF-8, raw and escaped
             "{\"actor\":\"bo\xff" "b\"}",
             "{\"actor\":\"\xc0\xaf\"}",
             "{\"actor\":\"\xed\xa0\x80\"}",
             "{\"actor\":\"\xe2\x82\"}",
             "{\"act\xffor\":\"bob\"}",
             "\xef\xbb\xbf{\"actor\":\"bob\"}",
             R"({"actor":"\ud800"})",
             R"({"actor":"\udc00x"})",
             R"({"actor":"\u00"})",
             R"({"actor":"\x41"})",
             std::string("{\"actor\":\"b\0b\"}", 14),
             std::string("{\"actor\":\"bob\"}\0", 16),
             // structure
             R"({"actor":"bob",})",
             R"({"actor":"bob"}{"actor":"bob"})",
             R"({"actor" "bob"})",
             R"({actor:"bob"})",
             R"({"actor":"bob)",
             R"("{\"actor\":\"bob\"}")",
             std::string(1 << 16, ' '),
             "{\"actor\":\"" + std::string(1 << 20, 'a') + "\"}",
         }) {
        bodies.push_back(b);
    }
    std::size_t requests = 0;
    for (const auto& [path, valid] : k_writes) {
        for (const auto& body : bodies) {
            auto r = post(path, body);
            ++requests;
            EXPECT_GE(r.status, 400) << path << " " << body.substr(0, 80);
            EXPECT_LT(r.status, 500) << path << " " << body.substr(0, 80);
            EXPECT_EQ(r.content_type, "application/json");
            json::error_code ec;
            json::parse(r.body, ec);
            EXPECT_FALSE(ec) << "response is not JSON: " << r.body.substr(0, 200);
            ASSERT_TRUE(commands.empty()) << path << " " << body.substr(0, 80);
        }
    }
    EXPECT_GT(requests, 300u);
}

TEST_F(IncidentApiTest, RandomlyMutatedBodiesNeverCrashOr5xx) {
    std::mt19937 rng(20260329);
    std::size_t accepted = 0;
    for (int round = 0; round < 3000; ++round) {
        const auto& [path, valid] = k_writes[rng() % k_writes.size()];
        std::string body = valid;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % (body.size() + 1);
            switch (rng() % 3) {
                case 0:
                    if (at < body.size()) body[at] = static_cast<char>(rng() % 256);
                    break;
                case 1: body.insert(at, 1, static_cast<char>(rng() % 256)); break;
                default:
                    if (at < body.size()) body.erase(at, 1 + rng() % 4);
                    break;
            }
        }
        const std::size_t before = commands.size();
        auto r = post(path, body);
        ASSERT_TRUE(r.status == 200 || r.status == 201 || (r.status >= 400 && r.status < 500))
            << r.status << " for " << body;
        if (r.status < 300) {
            ++accepted;
            EXPECT_EQ(commands.size(), before + 1);
        } else {
            EXPECT_EQ(commands.size(), before) << body;
        }
        EXPECT_THAT(r.body, Not(HasSubstr(k_token)));
    }
    EXPECT_EQ(commands.size(), accepted);
}

// ---- time format ----

TEST(IncidentJson, Rfc3339RoundTripsWithMilliseconds) {
    using tocsin::api::format_rfc3339;
    using tocsin::api::parse_rfc3339;
    EXPECT_EQ(format_rfc3339(TimePoint{}), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-03-29T12:34:56.789Z")), "2026-03-29T12:34:56.789Z");
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-03-29T12:34:56.789123456Z")), "2026-03-29T12:34:56.789Z");
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-03-29t02:00:00-02:30")), "2026-03-29T04:30:00.000Z");
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2024-02-29 23:59:59.5+00:00")), "2024-02-29T23:59:59.500Z");
    for (const char* bad : {"", "2026-03-29", "2026-03-29T12:34:56", "2026-03-29T12:34Z", "2026-02-30T00:00:00Z",
                            "2026-03-29T24:00:00Z", "2026-03-29T12:60:00Z", "2026-03-29T12:00:60Z",
                            "2026-03-29T12:00:00.Z", "2026-03-29T12:00:00+0200", "2026-03-29T12:00:00+24:00",
                            "1969-12-31T23:59:59Z", "2026-03-29T12:00:00Zjunk", "2026-03-29T12:00:00.1234567890Z",
                            "２026-03-29T12:00:00Z",
                            // Beyond TimePoint (nanoseconds: it ends in 2262), found by the API fuzzer.
                            "2262-04-12T00:00:00Z", "4052-03-29T12:00:00Z", "9999-12-31T23:59:59Z"}) {
        EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
    }
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2262-04-11T00:00:00Z")), "2262-04-11T00:00:00.000Z");
    Incident i = bare(5);
    EXPECT_THAT(tocsin::api::to_json(i), HasSubstr(R"("detected":"2026-03-29T00:00:00.000Z")"));
    IncidentEvent e;
    e.kind = EventKind::page_sent;
    EXPECT_THAT(tocsin::api::to_json(e), HasSubstr(R"("kind":"page_sent")"));
}
