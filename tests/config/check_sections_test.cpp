// [[target]] and [[scrape]]: every key, defaults, round trip, and each kind of
// mistake located exactly.
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;
using testing::diagnostic_strings;
using testing::fake_env;

LoadResult load(const std::string& text) { return load_string(text, "/etc/tocsin/t.toml", fake_env({{"TOK", "abc"}})); }


TEST(TargetConfig, HttpDefaults) {
    auto r = load("[[target]]\nname = \"api\"\nurl = \"https://api.example.com/healthz\"\n");
    ASSERT_TRUE(r.ok()) << testing::diagnostic_strings(r)[0];
    const TargetConfig& t = r.config->targets.at(0);
    EXPECT_EQ(t.kind, ProbeKind::http);
    EXPECT_EQ(t.instance(), "https://api.example.com/healthz");
    EXPECT_EQ(t.interval, 15s);
    EXPECT_EQ(t.timeout, 10s);
    EXPECT_EQ(t.method, "GET");
    ASSERT_EQ(t.expected_status.size(), 1u);
    EXPECT_EQ(to_string(t.expected_status[0]), "2xx");
    EXPECT_EQ(t.max_redirects, 10);
}

TEST(TargetConfig, TimeoutDefaultsToTheIntervalWhenShorter) {
    auto r = load("[[target]]\nname = \"db\"\naddress = \"db.internal:5432\"\ninterval = \"5s\"\n");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config->targets[0].kind, ProbeKind::tcp);
    EXPECT_EQ(r.config->targets[0].timeout, 5s);
    EXPECT_EQ(r.config->targets[0].instance(), "db.internal:5432");
}

TEST(TargetConfig, EveryKeyLoadsAndRoundTrips) {
    const std::string text = R"(
[daemon]
max_concurrent_checks = 8

[[target]]
name = "api"
url = "https://api.example.com/healthz"
interval = "30s"
timeout = "20s"
connect_timeout = "2s"
tls_timeout = "3s"
method = "POST"
headers = { "X-Probe" = "tocsin", Accept = "application/json" }
body = "{}"
bearer_token = "env:TOK"
expected_status = ["2xx", 301, "400-404"]
body_must_match = ["\"status\":\\s*\"ok\""]
body_must_not_match = ["degraded"]
max_redirects = 3
ip_version = "ipv6"
labels = { team = "core", component = "api" }
tls = { ca_file = "ca.pem", server_name = "api.internal", insecure_skip_verify = true }

[[scrape]]
job = "node"
url = "http://127.0.0.1:9100/metrics"
interval = "10s"
timeout = "5s"
honor_labels = true
labels = { env = "prod" }
body_size_limit = "10MiB"
sample_limit = 50000
label_limit = 30
label_value_length_limit = 200
)";
    auto r = load(text);
    ASSERT_TRUE(r.ok()) << diagnostic_strings(r)[0];
    const Config& c = *r.config;
    EXPECT_EQ(c.daemon.max_concurrent_checks, 8);
    const TargetConfig& t = c.targets.at(0);
    EXPECT_EQ(t.interval, 30s);
    EXPECT_EQ(t.timeout, 20s);
    EXPECT_EQ(t.connect_timeout, 2s);
    EXPECT_EQ(t.tls_timeout, 3s);
    EXPECT_EQ(t.method, "POST");
    EXPECT_EQ(t.headers, (StringPairs{{"Accept", "application/json"}, {"X-Probe", "tocsin"}}));
    EXPECT_EQ(t.body, "{}");
    ASSERT_TRUE(t.bearer_token);
    EXPECT_EQ(t.bearer_token->reveal(), "abc");
    ASSERT_EQ(t.expected_status.size(), 3u);
    EXPECT_TRUE(t.expected_status[1].contains(301));
    EXPECT_TRUE(t.expected_status[2].contains(404));
    EXPECT_FALSE(t.expected_status[2].contains(405));
    EXPECT_EQ(t.body_must_match, std::vector<std::string>{"\"status\":\\s*\"ok\""});
    EXPECT_EQ(t.body_must_not_match, std::vector<std::string>{"degraded"});
    EXPECT_EQ(t.max_redirects, 3);
    EXPECT_EQ(t.ip_version, IpVersion::ipv6);
    EXPECT_EQ(t.labels, (StringPairs{{"component", "api"}, {"team", "core"}}));
    EXPECT_EQ(t.tls.ca_file, "/etc/tocsin/ca.pem");
    EXPECT_EQ(t.tls.server_name, "api.internal");
    EXPECT_TRUE(t.tls.insecure_skip_verify);

    const ScrapeConfig& s = c.scrapes.at(0);
    EXPECT_EQ(s.job, "node");
    EXPECT_EQ(s.instance, "127.0.0.1:9100");
    EXPECT_EQ(s.interval, 10s);
    EXPECT_EQ(s.timeout, 5s);
    EXPECT_TRUE(s.honor_labels);
    EXPECT_EQ(s.body_size_limit, 10u << 20);
    EXPECT_EQ(s.sample_limit, 50000);
    EXPECT_EQ(s.label_limit, 30);
    EXPECT_EQ(s.label_value_length_limit, 200);

    auto again = load(to_toml(c));
    ASSERT_TRUE(again.ok()) << diagnostic_strings(again)[0] << "\n" << to_toml(c);
    EXPECT_EQ(*again.config, c);
}

TEST(ScrapeConfig, InstanceDefaultsToHostAndPort) {
    auto r = load("[[scrape]]\njob = \"app\"\nurl = \"https://app.internal/metrics\"\n"
                  "[[scrape]]\njob = \"app\"\nurl = \"http://[::1]:8080/metrics\"\n");
    ASSERT_TRUE(r.ok()) << diagnostic_strings(r)[0];
    EXPECT_EQ(r.config->scrapes[0].instance, "app.internal:443");
    EXPECT_EQ(r.config->scrapes[1].instance, "[::1]:8080");
    EXPECT_EQ(r.config->scrapes[0].body_size_limit, 64u << 20);
}

struct Bad {
    std::string toml;
    std::vector<std::string> expected;
};

TEST(TargetAndScrapeConfig, MistakesAreLocated) {
    const std::string f = "/etc/tocsin/t.toml";
    const std::vector<Bad> cases = {
        {"[[target]]\nname = \"a\"\nurl = \"http://x/\"\n[[target]]\nname = \"a\"\nurl = \"http://y/\"\n",
         {f + ":5:8: target[1].name: duplicate target name \"a\" (first defined on line 2)"}},
        {"[[target]]\nurl = \"http://x/\"\n", {f + ":1:1: target[0]: missing required key \"name\""}},
        {"[[target]]\nname = \"a\"\n", {f + ":1:1: target[0]: missing \"url\" (HTTP probe) or \"address\" (TCP probe)"}},
        {"[[target]]\nname = \"a\"\nurl = \"http://x/\"\naddress = \"x:1\"\n",
         {f + ":4:11: target[0].address: set either url (HTTP probe) or address (TCP probe), not both"}},
        {"[[target]]\nname = \"a\"\nurl = \"ftp://x/\"\n", {f + ":3:7: target[0].url: URL must start with http:// or https://"}},
        {"[[target]]\nname = \"a\"\nurl = \"http:// bad\"\n", {f + ":3:7: target[0].url: invalid URL \"http:// bad\""}},
        {"[[target]]\nname = \"a\"\naddress = \"db\"\n",
         {f + ":3:11: target[0].address: invalid address \"db\": missing port (use HOST:PORT, e.g. db.internal:5432 or [::1]:5432)"}},
        {"[[target]]\nname = \"a\"\nurl = \"http://x/\"\ninterval = \"10s\"\ntimeout = \"30s\"\n",
         {f + ":5:11: target[0].timeout: must not be longer than interval (10s)"}},
        {"[[target]]\nname = \"a\"\nurl = \"http://x/\"\nexpected_status = [\"2xx\", \"6xx\", 99]\n",
         {f + ":4:27: target[0].expected_status[1]: invalid status \"6xx\" (use a code such as 200, a class such as \"2xx\", or a range such as \"200-399\")",
          f + ":4:34: target[0].expected_status[2]: invalid status \"?\" (use a code such as 200, a class such as \"2xx\", or a range such as \"200-399\")"}},
        {"[[target]]\nname = \"a\"\nurl = \"http://x/\"\nbody_must_match = [\"ok(\"]\n",
         {f + ":4:20: target[0].body_must_match[0]: invalid regular expression: missing ): ok("}},
        {"[[target]]\nname = \"a\"\nurl = \"http://x/\"\nlabels = { instance = \"x\", \"bad-name\" = \"y\", __meta = \"z\" }\n",
         {f + ":4:23: target[0].labels.instance: \"instance\" is set by tocsin and cannot be configured",
          f + ":4:41: target[0].labels.bad-name: invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)",
          f + ":4:55: target[0].labels.__meta: label names starting with __ are reserved"}},
        {"[[target]]\nname = \"a\"\naddress = \"db:5432\"\nmethod = \"POST\"\n",
         {f + ":4:10: target[0].method: only applies to HTTP probes (url), not TCP (address)"}},
        {"[[target]]\nname = \"a\"\nurl = \"https://x/\"\ntls = { cert_file = \"c.pem\" }\n",
         {f + ":4:21: target[0].tls.cert_file: cert_file and key_file go together"}},
        {"[[target]]\nname = \"a\"\nurl = \"http://x/\"\nip_version = \"ip6\"\n",
         {f + ":4:14: target[0].ip_version: invalid value \"ip6\" (expected \"any\", \"ipv4\" or \"ipv6\"); did you mean \"ipv6\"?"}},
        {"[[target]]\nname = \"a\"\nurl = \"http://x/\"\nintreval = \"5s\"\n",
         {f + ":4:1: target[0].intreval: unknown key; did you mean \"interval\"?"}},
        {"[[scrape]]\njob = \"n\"\nurl = \"http://x:1/m\"\n[[scrape]]\njob = \"n\"\nurl = \"http://x:1/other\"\n",
         {f + ":6:7: scrape[1].url: duplicate scrape (job/instance) name \"n/x:1\" (first defined on line 3)"}},
        {"[[scrape]]\nurl = \"http://x:1/m\"\n", {f + ":1:1: scrape[0]: missing required key \"job\""}},
        {"[[scrape]]\njob = \"n\"\nurl = \"http://x:1/m\"\nbody_size_limit = \"10 megs\"\n",
         {f + ":4:19: scrape[0].body_size_limit: invalid size \"10 megs\" (use e.g. 512KiB, 10MiB, 1GiB or a byte count)"}},
        {"[[scrape]]\njob = \"n\"\nurl = \"http://x:1/m\"\nsample_limit = -1\n",
         {f + ":4:16: scrape[0].sample_limit: must be between 0 and 1099511627776, got -1"}},
        {"[[scrape]]\njob = \"n\"\nurl = \"http://x:1/m\"\nlabels = { job = \"other\" }\n",
         {f + ":4:18: scrape[0].labels.job: \"job\" is set by tocsin and cannot be configured"}},
        {"[[scrape]]\njob = \"n\"\nurl = \"http://x:1/m\"\nbearer_token = \"plaintext\"\n",
         {f + ":4:16: scrape[0].bearer_token: inline secrets are not allowed; use bearer_token_file = \"/etc/tocsin/NAME\" (mode 0600), "
              "bearer_token = \"env:NAME\" or bearer_token = \"cred:NAME\" (systemd LoadCredential=)"}},
        {"target = 5\n", {f + ":1:10: target: expected an array, got an integer"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.toml);
        auto r = load(c.toml);
        EXPECT_FALSE(r.ok());
        EXPECT_EQ(diagnostic_strings(r), c.expected);
    }
}

}  // namespace
}  // namespace tocsin::config
