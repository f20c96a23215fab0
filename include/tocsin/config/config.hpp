// The typed configuration. Every field has the default documented in
// docs/configuration.md; the loader fills and validates it from TOML.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/secret.hpp"

namespace tocsin::config {

using namespace std::chrono_literals;

struct DaemonConfig {
    // Directory for the database and other state. Default: $STATE_DIRECTORY
    // (set by systemd's StateDirectory=) else /var/lib/tocsin.
    std::string state_dir;
    // How long SIGTERM waits for in-flight requests and writes.
    Duration shutdown_timeout = 5s;
    // How often the daemon proves the store writable (health and watchdog).
    Duration health_interval = 5s;
    // Probes and scrapes in flight at once; more wait for a slot.
    std::int64_t max_concurrent_checks = 64;

    bool operator==(const DaemonConfig&) const = default;
};

struct StorageConfig {
    std::string path;  // absolute after loading; default <state_dir>/tocsin.db
    Duration busy_timeout = 5s;
    // The in-memory series store is saved here on stop and every
    // snapshot_interval, and reloaded at start (absolute after loading).
    std::string snapshot_path;  // default <state_dir>/series.snapshot
    Duration snapshot_interval = 1min;
    // Keep series that no rule can read (normally dropped to bound memory).
    bool keep_unmatched = false;

    bool operator==(const StorageConfig&) const = default;
};

enum class LogLevel { trace, debug, info, warn, error, critical, off };
enum class LogFormat { automatic, text, journal };

struct LogConfig {
    LogLevel level = LogLevel::info;
    // automatic: journal format when JOURNAL_STREAM is set, else text.
    LogFormat format = LogFormat::automatic;

    bool operator==(const LogConfig&) const = default;
};

struct ApiConfig {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 9464;
    Duration request_timeout = 10s;
    std::uint64_t max_body_bytes = 1 << 20;
    // Bearer token required by write endpoints; absent means writes are refused.
    std::optional<Secret> token;

    std::string listen() const;  // "127.0.0.1:9464" or "[::1]:9464"
    bool operator==(const ApiConfig&) const = default;
};

using StringPairs = std::vector<std::pair<std::string, std::string>>;

enum class IpVersion { any, ipv4, ipv6 };

struct TlsConfig {
    std::string ca_file;      // empty: the system CA store
    std::string cert_file;    // client certificate, optional
    std::string key_file;     // required with cert_file
    std::string server_name;  // SNI and verified name; empty: the URL's host
    bool insecure_skip_verify = false;

    bool operator==(const TlsConfig&) const = default;
};

struct StatusRange {
    int min = 200;
    int max = 299;
    bool contains(int status) const { return status >= min && status <= max; }
    bool operator==(const StatusRange&) const = default;
};

enum class ProbeKind { http, tcp };

// A [[target]]: a health probe tocsin runs itself (blackbox_exporter-like).
struct TargetConfig {
    std::string name;
    ProbeKind kind = ProbeKind::http;  // http when `url` is set, tcp when `address` is
    std::string url;
    std::string address;  // tcp: HOST:PORT
    Duration interval = 15s;
    Duration timeout = 10s;  // the whole probe; default min(10s, interval)
    Duration connect_timeout = 5s;
    Duration tls_timeout = 5s;
    std::string method = "GET";
    StringPairs headers;
    std::string body;
    std::optional<Secret> bearer_token;
    std::vector<StatusRange> expected_status{StatusRange{}};
    std::vector<std::string> body_must_match;
    std::vector<std::string> body_must_not_match;
    std::int64_t max_redirects = 10;
    IpVersion ip_version = IpVersion::any;
    StringPairs labels;
    TlsConfig tls;

    std::string instance() const { return kind == ProbeKind::http ? url : address; }
    bool operator==(const TargetConfig&) const = default;
};

// A [[scrape]]: a Prometheus metrics page tocsin reads.
struct ScrapeConfig {
    std::string job;
    std::string url;
    std::string instance;  // default: the URL's host:port
    Duration interval = 15s;
    Duration timeout = 10s;  // default min(10s, interval)
    bool honor_labels = false;
    StringPairs labels;
    std::optional<Secret> bearer_token;
    // Limits as in Prometheus; 0 means no limit, except body_size_limit
    // which defaults to 64 MiB so a runaway page cannot exhaust memory.
    std::uint64_t body_size_limit = 64ULL << 20;
    std::int64_t sample_limit = 0;
    std::int64_t label_limit = 0;
    std::int64_t label_value_length_limit = 0;
    TlsConfig tls;

    bool operator==(const ScrapeConfig&) const = default;
};

// A [[rule]]: an alerting rule with Prometheus' semantics (docs/rules.md).
// Every key but name and expr has a default, and so must every key added
// later, so that a rule needs only those two.
struct RuleConfig {
    std::string name;  // the alertname label; unique
    std::string expr;  // PromQL, an instant vector or a scalar; checked at load
    // How long the expression must hold before pending becomes firing (`for`).
    Duration for_duration = Duration::zero();
    // How long a firing alert stays firing after its expression stops
    // returning it.
    Duration keep_firing_for = Duration::zero();
    // Added to every alert, overriding the result's labels; values are
    // templates like summary and description.
    StringPairs labels;
    std::string summary;      // template; "" when not set
    std::string description;  // template; "" when not set

    bool operator==(const RuleConfig&) const = default;
};

// [rules]: how rule state survives a restart (Prometheus'
// --rules.alert.for-outage-tolerance and --rules.alert.for-grace-period).
struct RulesConfig {
    // Saved state older than this at start-up is not restored.
    Duration outage_tolerance = std::chrono::hours(1);
    // A restored pending alert fires no sooner than this after start-up
    // (rules whose `for` is shorter than this start over instead).
    Duration grace_period = std::chrono::minutes(10);
    // Besides evaluating a rule when the checks feeding it land and at its
    // deadlines, the daemon evaluates every rule this often: the safety net
    // for expressions no landing marks (absent(), time()), and the clock of
    // the outage tolerance.
    Duration evaluation_interval = std::chrono::seconds(30);

    bool operator==(const RulesConfig&) const = default;
};

struct Config {
    std::string source_file;  // the file it was loaded from, as given
    DaemonConfig daemon;
    StorageConfig storage;
    LogConfig log;
    ApiConfig api;
    std::vector<TargetConfig> targets;
    std::vector<ScrapeConfig> scrapes;
    RulesConfig rules_config;  // [rules]
    std::vector<RuleConfig> rules;  // [[rule]]

    bool operator==(const Config&) const = default;
};

const char* to_string(LogLevel level) noexcept;
const char* to_string(LogFormat format) noexcept;
const char* to_string(IpVersion version) noexcept;
std::string to_string(const StatusRange& range);  // "2xx", "404" or "200-399"

}  // namespace tocsin::config
