// POST /api/v1/alerts: Alertmanager's webhook payload (version 4) parsed
// strictly, each malformed payload answered 400 with a message naming the
// field, authorization like every write, and the hook's answer rendered.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <variant>

#include "tocsin/api/alert_batch.hpp"
#include "tocsin/api/api.hpp"

namespace tocsin::api {
namespace {

using namespace std::chrono_literals;

const std::string k_token = "am-token-0123456789";

// The shape Alertmanager 0.25 sends (notify/webhook/webhook.go,
// template.Data), with the fields tocsin ignores.
const char* const k_payload = R"({
  "receiver": "tocsin",
  "status": "firing",
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "DiskFull", "instance": "db-1:9100", "severity": "critical", "team": "db"},
      "annotations": {"summary": "Disk on db-1 is 97% full", "description": "Free space below 3%.\nClean up."},
      "startsAt": "2026-03-29T12:00:00.123456789Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus:9090/graph?g0.expr=disk_free%3C0.03",
      "fingerprint": "c6b4ee3b2c1e0b57"
    },
    {
      "status": "resolved",
      "labels": {"alertname": "DiskFull", "instance": "db-2:9100", "severity": "warning"},
      "annotations": {},
      "startsAt": "2026-03-29T11:00:00Z",
      "endsAt": "2026-03-29T12:01:00+02:00",
      "generatorURL": "",
      "fingerprint": "0a1b2c3d4e5f6071"
    }
  ],
  "groupLabels": {"alertname": "DiskFull"},
  "commonLabels": {"alertname": "DiskFull"},
  "commonAnnotations": {},
  "externalURL": "http://alertmanager:9093",
  "version": "4",
  "groupKey": "{}:{alertname=\"DiskFull\"}",
  "truncatedAlerts": 0
})";

TEST(AlertBatch, ParsesAlertmanagersPayload) {
    auto parsed = parse_alert_batch(k_payload);
    ASSERT_TRUE(std::holds_alternative<AlertBatch>(parsed)) << std::get<std::string>(parsed);
    const AlertBatch& batch = std::get<AlertBatch>(parsed);
    EXPECT_TRUE(batch.firing);
    EXPECT_EQ(batch.receiver, "tocsin");
    ASSERT_EQ(batch.alerts.size(), 2u);
    const ReceivedAlert& a = batch.alerts[0];
    EXPECT_TRUE(a.firing);
    EXPECT_EQ(a.labels.to_string(), R"({alertname="DiskFull", instance="db-1:9100", severity="critical", team="db"})");
    EXPECT_EQ(a.annotation("summary"), "Disk on db-1 is 97% full");
    EXPECT_EQ(a.annotation("description"), "Free space below 3%.\nClean up.");
    EXPECT_EQ(a.annotation("runbook"), "");
    ASSERT_TRUE(a.starts_at);
    EXPECT_EQ(a.starts_at->time_since_epoch(), 1774785600123ms);
    EXPECT_FALSE(a.ends_at);  // Go's zero time: still firing
    EXPECT_EQ(a.fingerprint, "c6b4ee3b2c1e0b57");
    EXPECT_EQ(a.generator_url, "http://prometheus:9090/graph?g0.expr=disk_free%3C0.03");
    const ReceivedAlert& b = batch.alerts[1];
    EXPECT_FALSE(b.firing);
    ASSERT_TRUE(b.ends_at);
    EXPECT_EQ(b.ends_at->time_since_epoch(), 1774785600000ms - 2h + 60s);
}

TEST(AlertBatch, ResolvedGroupAndEmptyAlerts) {
    auto parsed = parse_alert_batch(R"({"version": "4", "status": "resolved", "alerts": []})");
    ASSERT_TRUE(std::holds_alternative<AlertBatch>(parsed));
    EXPECT_FALSE(std::get<AlertBatch>(parsed).firing);
    EXPECT_TRUE(std::get<AlertBatch>(parsed).alerts.empty());
}

std::string error_of(const std::string& body) {
    auto parsed = parse_alert_batch(body);
    return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "<parsed>";
}

// One alert with `fields` (JSON members) in an otherwise valid payload.
std::string with_alert(const std::string& fields) {
    return R"({"version": "4", "status": "firing", "alerts": [{)" + fields + "}]}";
}
const std::string k_ok_alert = R"("status": "firing", "labels": {"alertname": "A"}, "startsAt": "2026-03-29T12:00:00Z")";

TEST(AlertBatch, MalformedPayloadsNameTheField) {
    struct Case {
        std::string body;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"", "request body is not valid JSON: incomplete JSON"},
        {"{\"version\": \"4\",}", "request body is not valid JSON: syntax error"},
        {"[]", "request body must be a JSON object"},
        {R"({"status": "firing", "alerts": []})",
         "\"version\" is required: this is Alertmanager's webhook (version \"4\")"},
        {R"({"version": "3", "status": "firing", "alerts": []})",
         "\"version\" must be \"4\" (Alertmanager's webhook payload version 4)"},
        {R"({"version": 4, "status": "firing", "alerts": []})",
         "\"version\" must be \"4\" (Alertmanager's webhook payload version 4)"},
        {R"({"version": "4", "alerts": []})", "\"status\" is required"},
        {R"({"version": "4", "status": "pending", "alerts": []})", "\"status\" must be \"firing\" or \"resolved\""},
        {R"({"version": "4", "status": "firing"})", "\"alerts\" is required"},
        {R"({"version": "4", "status": "firing", "alerts": {}})", "\"alerts\" must be an array"},
        {R"({"version": "4", "status": "firing", "alerts": [1]})", "alerts[0] must be an object"},
        {with_alert(R"("labels": {"alertname": "A"}, "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].status is required"},
        {with_alert(R"("status": "ok", "labels": {"alertname": "A"}, "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].status must be \"firing\" or \"resolved\""},
        {with_alert(R"("status": "firing", "startsAt": "2026-03-29T12:00:00Z")"), "alerts[0].labels is required"},
        {with_alert(R"("status": "firing", "labels": [], "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].labels must be an object of strings"},
        {with_alert(R"("status": "firing", "labels": {}, "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].labels must not be empty"},
        {with_alert(R"("status": "firing", "labels": {"alert-name": "A"}, "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].labels: \"alert-name\" is not a valid label name"},
        {with_alert(R"("status": "firing", "labels": {"__name__": "A"}, "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].labels: \"__name__\" is reserved (starts with __)"},
        {with_alert(R"("status": "firing", "labels": {"alertname": 5}, "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].labels.alertname must be a string"},
        {with_alert(R"("status": "firing", "labels": {"alertname": ""}, "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].labels must have a non-empty value"},
        {with_alert(k_ok_alert + R"(, "annotations": {"summary": 1})"),
         "alerts[0].annotations.summary must be a string"},
        {with_alert(k_ok_alert + R"(, "annotations": "x")"), "alerts[0].annotations must be an object of strings"},
        {with_alert(R"("status": "firing", "labels": {"alertname": "A"})"), "alerts[0].startsAt is required"},
        {with_alert(R"("status": "firing", "labels": {"alertname": "A"}, "startsAt": "yesterday")"),
         "alerts[0].startsAt must be an RFC 3339 time such as \"2026-03-29T12:30:00.000Z\""},
        {with_alert(k_ok_alert + R"(, "endsAt": 12)"),
         "alerts[0].endsAt must be an RFC 3339 time such as \"2026-03-29T12:30:00.000Z\""},
        {with_alert(k_ok_alert + R"(, "fingerprint": 12)"), "alerts[0].fingerprint must be a string"},
        {with_alert(k_ok_alert + R"(, "generatorURL": ")" + std::string(5000, 'x') + "\""),
         "alerts[0].generatorURL is longer than 4096 bytes"},
        {with_alert(R"("status": "firing", "labels": {"alertname": ")" + std::string(5000, 'x') +
                    R"("}, "startsAt": "2026-03-29T12:00:00Z")"),
         "alerts[0].labels.alertname is longer than 4096 bytes"},
    };
    for (const auto& c : cases) EXPECT_EQ(error_of(c.body), c.error) << c.body;
}

TEST(AlertBatch, Limits) {
    std::string many = R"({"version": "4", "status": "firing", "alerts": [)";
    for (std::size_t i = 0; i <= k_max_alerts_per_request; ++i) many += (i ? "," : "") + std::string("1");
    many += "]}";
    EXPECT_EQ(error_of(many), "\"alerts\" has more than 5000 alerts; set max_alerts in Alertmanager's webhook_config");
    std::string labels;
    for (std::size_t i = 0; i <= k_max_alert_labels; ++i) labels += (i ? "," : "") + std::string("\"l") + std::to_string(i) + "\": \"v\"";
    EXPECT_EQ(error_of(with_alert(R"("status": "firing", "labels": {)" + labels + R"(}, "startsAt": "2026-03-29T12:00:00Z")")),
              "alerts[0].labels has more than 128 labels");
    // Deeper than any payload: refused by the parser, not recursed into.
    EXPECT_EQ(error_of(with_alert(k_ok_alert + R"(, "extra": [[[[[1]]]]])")),
              "request body is not valid JSON: too deep");
}

TEST(AlertBatch, IgnoresFieldsAlertmanagerMayAdd) {
    auto parsed = parse_alert_batch(with_alert(k_ok_alert + R"(, "silencedBy": [], "state": "active")"));
    EXPECT_TRUE(std::holds_alternative<AlertBatch>(parsed));
}

class AlertsRoute : public ::testing::Test {
protected:
    Api make(bool with_hook) {
        ApiHooks hooks;
        hooks.health = [] { return Check{true, {}}; };
        hooks.ready = [] { return Check{true, {}}; };
        hooks.access.tokens.push_back(ApiToken{"am", true, Secret(k_token, "test")});
        hooks.access.tokens.push_back(ApiToken{"viewer", false, Secret("read-only-token-000", "test")});
        if (with_hook) {
            hooks.receive_alerts = [this](const AlertBatch& batch) {
                ++calls;
                last = batch;
                return result;
            };
        }
        return Api(std::make_shared<prometheus::Registry>(), std::move(hooks));
    }

    static net::HttpRequest post(const std::string& body, const std::string& token = k_token) {
        net::HttpRequest r;
        r.method = "POST";
        r.path = r.target = "/api/v1/alerts";
        r.body = body;
        if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
        return r;
    }

    int calls = 0;
    AlertBatch last;
    AlertsResult result;
};

TEST_F(AlertsRoute, TakesAPayload) {
    Api api = make(true);
    result.accepted = 2;
    auto r = api.handle(post(k_payload));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, "{\"accepted\":2,\"dropped\":0}\n");
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(last.alerts.size(), 2u);
}

TEST_F(AlertsRoute, RefusesBadPayloadsWithoutCallingTheDaemon) {
    Api api = make(true);
    auto r = api.handle(post(R"({"version": "3", "status": "firing", "alerts": []})"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "{\"error\":\"\\\"version\\\" must be \\\"4\\\" (Alertmanager's webhook payload version 4)\"}\n");
    EXPECT_EQ(calls, 0);
}

TEST_F(AlertsRoute, AuthorizesLikeEveryWrite) {
    Api api = make(true);
    EXPECT_EQ(api.handle(post(k_payload, "")).status, 401);
    EXPECT_EQ(api.handle(post(k_payload, "wrong-token")).status, 401);
    EXPECT_EQ(api.handle(post(k_payload, "read-only-token-000")).status, 403);
    // A bad body without a token says nothing about the body.
    EXPECT_EQ(api.handle(post("{", "")).status, 401);
    EXPECT_EQ(calls, 0);
}

TEST_F(AlertsRoute, MethodsAndAvailability) {
    Api api = make(true);
    net::HttpRequest get = post("");
    get.method = "GET";
    auto r = api.handle(get);
    EXPECT_EQ(r.status, 405);
    result = AlertsResult{503, "starting: try again", 0, 0};
    r = api.handle(post(k_payload));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, "{\"error\":\"starting: try again\"}\n");
    Api off = make(false);
    EXPECT_EQ(off.handle(post(k_payload)).status, 404);
}

}  // namespace
}  // namespace tocsin::api
