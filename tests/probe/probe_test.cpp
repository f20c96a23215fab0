// Probes against loopback targets: success and each failure reason, and the
// blackbox_exporter-style samples with their labels.
#include "tocsin/probe/http_probe.hpp"

#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_target.hpp"
#include "test_certs.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using tocsin::Labels;
using tocsin::config::ProbeKind;
using tocsin::config::TargetConfig;
using tocsin::probe::Probe;
using tocsin::probe::ProbeOutcome;
using tocsin::test::FakeRequest;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;

namespace {

ProbeOutcome run(const TargetConfig& target) {
    auto probe = Probe::create(target);
    EXPECT_TRUE(probe.ok());
    boost::asio::io_context io;
    ProbeOutcome out;
    (*probe)->run(io, [&](ProbeOutcome o) { out = std::move(o); });
    io.run();
    return out;
}

TargetConfig http_target(const std::string& url) {
    TargetConfig t;
    t.name = "api";
    t.url = url;
    t.timeout = 2s;
    t.labels = {{"team", "core"}};
    return t;
}

// The value of the sample named `name` (with an optional extra label).
double value(const ProbeOutcome& o, const std::string& name, const std::string& phase = "") {
    for (const auto& s : o.samples) {
        if (s.labels.metric_name() == name && s.labels.get("phase") == phase) return s.value;
    }
    ADD_FAILURE() << "no sample " << name;
    return -1;
}

FakeResponse by_path(const FakeRequest& r) {
    if (r.target == "/ok") return FakeResponse::text(200, "{\"status\": \"ok\"}");
    if (r.target == "/degraded") return FakeResponse::text(200, "{\"status\": \"degraded\"}");
    if (r.target == "/moved") {
        auto res = FakeResponse::text(301, "");
        res.headers.emplace_back("Location", "/ok");
        return res;
    }
    return FakeResponse::text(503, "down");
}

}  // namespace

TEST(Probe, SuccessEmitsBlackboxSamplesWithTargetLabels) {
    FakeTarget server(by_path);
    auto o = run(http_target(server.url("/ok")));
    EXPECT_TRUE(o.success) << o.detail;
    EXPECT_EQ(o.reason, "ok");
    EXPECT_EQ(value(o, "probe_success"), 1);
    EXPECT_EQ(value(o, "probe_http_status_code"), 200);
    EXPECT_EQ(value(o, "probe_http_ssl"), 0);
    EXPECT_EQ(value(o, "probe_failed_due_to_regex"), 0);
    EXPECT_GE(value(o, "probe_duration_seconds"), 0);
    for (const char* phase : {"resolve", "connect", "tls", "processing", "transfer"}) {
        EXPECT_GE(value(o, "probe_http_duration_seconds", phase), 0) << phase;
    }
    const Labels& l = o.samples.front().labels;
    EXPECT_EQ(l.get("target"), "api");
    EXPECT_EQ(l.get("instance"), server.url("/ok"));
    EXPECT_EQ(l.get("team"), "core");
}

TEST(Probe, UnexpectedStatusFails) {
    FakeTarget server(by_path);
    auto o = run(http_target(server.url("/broken")));
    EXPECT_FALSE(o.success);
    EXPECT_EQ(o.reason, "status");
    EXPECT_EQ(o.detail, "unexpected status 503");
    EXPECT_EQ(value(o, "probe_success"), 0);
    EXPECT_EQ(value(o, "probe_http_status_code"), 503);
}

TEST(Probe, ExpectedStatusListAndRanges) {
    FakeTarget server(by_path);
    auto t = http_target(server.url("/broken"));
    t.expected_status = {{200, 299}, {500, 503}};
    EXPECT_TRUE(run(t).success);
    auto moved = http_target(server.url("/moved"));
    moved.max_redirects = 0;
    moved.expected_status = {{301, 301}};
    auto o = run(moved);
    EXPECT_TRUE(o.success) << o.detail;
    EXPECT_EQ(value(o, "probe_http_redirects"), 0);
}

TEST(Probe, FollowsRedirectsAndCountsThem) {
    FakeTarget server(by_path);
    auto o = run(http_target(server.url("/moved")));
    EXPECT_TRUE(o.success) << o.detail;
    EXPECT_EQ(value(o, "probe_http_redirects"), 1);
}

TEST(Probe, BodyRegexes) {
    FakeTarget server(by_path);
    auto t = http_target(server.url("/degraded"));
    t.body_must_match = {"\"status\":\\s*\"(ok|degraded)\""};
    t.body_must_not_match = {"degraded"};
    auto o = run(t);
    EXPECT_FALSE(o.success);
    EXPECT_EQ(o.reason, "body_regex");
    EXPECT_EQ(o.detail, "body matches /degraded/");
    EXPECT_EQ(value(o, "probe_failed_due_to_regex"), 1);

    t.url = server.url("/ok");
    t.body_must_match = {"\"status\": \"fine\""};
    t.body_must_not_match = {};
    auto o2 = run(t);
    EXPECT_EQ(o2.reason, "body_regex");
    EXPECT_EQ(o2.detail, "body does not match /\"status\": \"fine\"/");
}

TEST(Probe, ConnectionFailuresKeepTheirReason) {
    auto o = run(http_target("http://127.0.0.1:" + std::to_string(tocsin::test::free_port()) + "/"));
    EXPECT_FALSE(o.success);
    EXPECT_EQ(o.reason, "refused");
    EXPECT_EQ(value(o, "probe_http_status_code"), 0);
}

TEST(Probe, SendsMethodHeadersBodyAndBearerToken) {
    FakeTarget server([](const FakeRequest& r) {
        bool ok = r.method == "POST" && r.header("Authorization") == "Bearer t0k" && r.header("X-A") == "1" && r.body == "ping";
        return FakeResponse::text(ok ? 200 : 400, "");
    });
    auto t = http_target(server.url("/"));
    t.method = "POST";
    t.headers = {{"X-A", "1"}};
    t.body = "ping";
    t.bearer_token = tocsin::Secret("t0k", "env:T");
    EXPECT_TRUE(run(t).success);
}

TEST(Probe, HttpsRecordsCertificateExpiry) {
    tocsin::test::TempDir dir;
    tocsin::test::TestCa ca(dir.path());
    auto files = ca.issue("leaf", {"127.0.0.1"}, -1h, 24h * 7);
    FakeTarget server(by_path, tocsin::test::FakeTls{files.cert, files.key, {}});
    auto t = http_target(server.url("/ok"));
    t.tls.ca_file = ca.ca_file();
    auto o = run(t);
    EXPECT_TRUE(o.success) << o.detail;
    EXPECT_EQ(value(o, "probe_http_ssl"), 1);
    double expiry = value(o, "probe_ssl_earliest_cert_expiry");
    double now = tocsin::to_unix_seconds(std::chrono::system_clock::now());
    EXPECT_NEAR((expiry - now) / 86400, 7.0, 0.05);
}

TEST(Probe, BadTlsFilesAreReportedAtCreation) {
    auto t = http_target("https://127.0.0.1:1/");
    t.tls.ca_file = "/nonexistent/ca.pem";
    auto probe = Probe::create(t);
    ASSERT_FALSE(probe.ok());
    EXPECT_THAT(probe.error().message, testing::HasSubstr("target api: cannot load CA file \"/nonexistent/ca.pem\""));
}

TEST(Probe, TcpConnect) {
    FakeTarget server(by_path);
    TargetConfig t;
    t.name = "db";
    t.kind = ProbeKind::tcp;
    t.address = "127.0.0.1:" + std::to_string(server.port());
    t.timeout = 2s;
    auto o = run(t);
    EXPECT_TRUE(o.success) << o.detail;
    EXPECT_EQ(value(o, "probe_success"), 1);
    EXPECT_EQ(o.samples.front().labels.get("instance"), t.address);

    t.address = "127.0.0.1:" + std::to_string(tocsin::test::free_port());
    auto closed = run(t);
    EXPECT_FALSE(closed.success);
    EXPECT_EQ(closed.reason, "refused");
}
