// Good configs load into exactly the values they spell, defaults fill the
// rest, and the effective config printed by to_toml loads back unchanged.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config_test_support.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;
using testing::diagnostic_strings;
using testing::fake_env;

const std::string k_source = "/etc/tocsin/tocsin.toml";

// Every key set, each to something other than its default.
const std::string k_every_key =
    "[daemon]\n"
    "state_dir = \"state\"\n"
    "shutdown_timeout = \"1m30s\"\n"
    "health_interval = \"15s\"\n"
    "max_concurrent_checks = 7\n"
    "\n"
    "[storage]\n"
    "path = \"db/alerts.db\"\n"
    "busy_timeout = \"250ms\"\n"
    "snapshot_path = \"snap/series.bin\"\n"
    "snapshot_interval = \"5m\"\n"
    "keep_unmatched = true\n"
    "\n"
    "[log]\n"
    "level = \"debug\"\n"
    "format = \"journal\"\n"
    "\n"
    "[api]\n"
    "listen = \"[::1]:9999\"\n"
    "request_timeout = \"2m\"\n"
    "max_body_bytes = 4096\n"
    "token = \"env:TOCSIN_API_TOKEN\"\n"
    "anonymous_reads = true\n"
    "rate_limit = 5\n"
    "rate_burst = 7\n"
    "[[api.tokens]]\n"
    "name = \"grafana\"\n"
    "scope = \"read-only\"\n"
    "token = \"env:TOCSIN_GRAFANA_TOKEN\"\n";

Environment every_key_env() {
    return fake_env({{"TOCSIN_API_TOKEN", "api-token-value\n"}, {"TOCSIN_GRAFANA_TOKEN", "grafana-token-0123456789"}});
}

Config load_ok(const std::string& text, const std::string& source = k_source, const Environment& env = fake_env()) {
    LoadResult result = load_string(text, source, env);
    EXPECT_TRUE(result.diagnostics.empty()) << format_diagnostics(result.diagnostics);
    EXPECT_TRUE(result.ok());
    return result.config.value_or(Config{});
}

TEST(DefaultConfig, EmptyFileGivesEveryDefault) {
    Config c = load_ok("");
    EXPECT_EQ(c.source_file, k_source);
    EXPECT_EQ(c.daemon.state_dir, "/var/lib/tocsin");
    EXPECT_EQ(c.daemon.shutdown_timeout, 5s);
    EXPECT_EQ(c.daemon.health_interval, 5s);
    EXPECT_EQ(c.storage.path, "/var/lib/tocsin/tocsin.db");
    EXPECT_EQ(c.storage.busy_timeout, 5s);
    EXPECT_EQ(c.log.level, LogLevel::info);
    EXPECT_EQ(c.log.format, LogFormat::automatic);
    EXPECT_EQ(c.api.listen_host, "127.0.0.1");
    EXPECT_EQ(c.api.listen_port, 9464);
    EXPECT_EQ(c.api.listen(), "127.0.0.1:9464");
    EXPECT_EQ(c.api.request_timeout, 10s);
    EXPECT_EQ(c.api.max_body_bytes, 1u << 20);
    EXPECT_FALSE(c.api.token.has_value());
}

TEST(DefaultConfig, EmptySectionsAndCommentsGiveDefaults) {
    Config empty = load_ok("");
    Config sections = load_ok("# nothing set\n[daemon]\n[storage]\n[log]\n[api]\n");
    EXPECT_EQ(sections, empty);
}

TEST(DefaultConfig, StateDirectoryFromSystemdTakesFirstEntry) {
    Config c = load_ok("", k_source, fake_env({{"STATE_DIRECTORY", "/a:/b"}}));
    EXPECT_EQ(c.daemon.state_dir, "/a");
    EXPECT_EQ(c.storage.path, "/a/tocsin.db");

    Config single = load_ok("", k_source, fake_env({{"STATE_DIRECTORY", "/var/lib/tocsin-dev"}}));
    EXPECT_EQ(single.daemon.state_dir, "/var/lib/tocsin-dev");
    EXPECT_EQ(single.storage.path, "/var/lib/tocsin-dev/tocsin.db");
}

TEST(DefaultConfig, EmptyStateDirectoryIsIgnored) {
    Config c = load_ok("", k_source, fake_env({{"STATE_DIRECTORY", ""}}));
    EXPECT_EQ(c.daemon.state_dir, "/var/lib/tocsin");
}

TEST(DefaultConfig, ExplicitStateDirWinsOverStateDirectory) {
    Config c = load_ok("[daemon]\nstate_dir = \"/srv/tocsin\"\n", k_source, fake_env({{"STATE_DIRECTORY", "/a:/b"}}));
    EXPECT_EQ(c.daemon.state_dir, "/srv/tocsin");
    EXPECT_EQ(c.storage.path, "/srv/tocsin/tocsin.db");
}

TEST(EveryKeyConfig, LoadsExactlyTheGivenValues) {
    Config c = load_ok(k_every_key, k_source, every_key_env());
    EXPECT_EQ(c.source_file, k_source);
    EXPECT_EQ(c.daemon.state_dir, "/etc/tocsin/state");  // relative to the config file's directory
    EXPECT_EQ(c.daemon.shutdown_timeout, 90s);
    EXPECT_EQ(c.daemon.health_interval, 15s);
    EXPECT_EQ(c.storage.path, "/etc/tocsin/state/db/alerts.db");  // relative to state_dir
    EXPECT_EQ(c.storage.busy_timeout, 250ms);
    EXPECT_EQ(c.daemon.max_concurrent_checks, 7);
    EXPECT_EQ(c.storage.snapshot_path, "/etc/tocsin/state/snap/series.bin");  // relative to state_dir
    EXPECT_EQ(c.storage.snapshot_interval, 5min);
    EXPECT_TRUE(c.storage.keep_unmatched);
    EXPECT_EQ(c.log.level, LogLevel::debug);
    EXPECT_EQ(c.log.format, LogFormat::journal);
    EXPECT_EQ(c.api.listen_host, "::1");
    EXPECT_EQ(c.api.listen_port, 9999);
    EXPECT_EQ(c.api.listen(), "[::1]:9999");
    EXPECT_EQ(c.api.request_timeout, 2min);
    EXPECT_EQ(c.api.max_body_bytes, 4096u);
    ASSERT_TRUE(c.api.token.has_value());
    EXPECT_EQ(c.api.token->reveal(), "api-token-value");  // trailing newline stripped
    EXPECT_EQ(c.api.token->source(), "env:TOCSIN_API_TOKEN");

    Config expected;
    expected.source_file = k_source;
    expected.daemon = DaemonConfig{"/etc/tocsin/state", 90s, 15s, 7};
    expected.storage = StorageConfig{"/etc/tocsin/state/db/alerts.db", 250ms, "/etc/tocsin/state/snap/series.bin", 5min, true};
    expected.log = LogConfig{LogLevel::debug, LogFormat::journal};
    expected.api = ApiConfig{"::1",
                             9999,
                             2min,
                             4096,
                             Secret("api-token-value", "env:TOCSIN_API_TOKEN"),
                             {{"grafana", TokenScope::read_only, Secret("grafana-token-0123456789", "env:TOCSIN_GRAFANA_TOKEN")}},
                             true,
                             5,
                             7};
    EXPECT_EQ(c, expected);
}

TEST(EveryKeyConfig, EveryValueDiffersFromTheDefault) {
    Config c = load_ok(k_every_key, k_source, every_key_env());
    Config d = load_ok("");
    EXPECT_NE(c.daemon.state_dir, d.daemon.state_dir);
    EXPECT_NE(c.daemon.shutdown_timeout, d.daemon.shutdown_timeout);
    EXPECT_NE(c.daemon.health_interval, d.daemon.health_interval);
    EXPECT_NE(c.storage.path, d.storage.path);
    EXPECT_NE(c.storage.busy_timeout, d.storage.busy_timeout);
    EXPECT_NE(c.daemon.max_concurrent_checks, d.daemon.max_concurrent_checks);
    EXPECT_NE(c.storage.snapshot_path, d.storage.snapshot_path);
    EXPECT_NE(c.storage.snapshot_interval, d.storage.snapshot_interval);
    EXPECT_NE(c.storage.keep_unmatched, d.storage.keep_unmatched);
    EXPECT_NE(c.log.level, d.log.level);
    EXPECT_NE(c.log.format, d.log.format);
    EXPECT_NE(c.api.listen_host, d.api.listen_host);
    EXPECT_NE(c.api.listen_port, d.api.listen_port);
    EXPECT_NE(c.api.request_timeout, d.api.request_timeout);
    EXPECT_NE(c.api.max_body_bytes, d.api.max_body_bytes);
    EXPECT_NE(c.api.token, d.api.token);
    EXPECT_NE(c.api.tokens, d.api.tokens);
    EXPECT_NE(c.api.rate_limit, d.api.rate_limit);
    EXPECT_NE(c.api.rate_burst, d.api.rate_burst);
}

TEST(EveryKeyConfig, EveryLogLevelAndFormat) {
    const std::vector<std::pair<std::string, LogLevel>> levels = {
        {"trace", LogLevel::trace}, {"debug", LogLevel::debug}, {"info", LogLevel::info},
        {"warn", LogLevel::warn},   {"error", LogLevel::error}, {"critical", LogLevel::critical},
        {"off", LogLevel::off}};
    for (const auto& [name, level] : levels) {
        SCOPED_TRACE(name);
        Config c = load_ok("[log]\nlevel = \"" + name + "\"\n");
        EXPECT_EQ(c.log.level, level);
        EXPECT_EQ(to_string(level), name);
    }
    const std::vector<std::pair<std::string, LogFormat>> formats = {
        {"auto", LogFormat::automatic}, {"text", LogFormat::text}, {"journal", LogFormat::journal}};
    for (const auto& [name, format] : formats) {
        SCOPED_TRACE(name);
        Config c = load_ok("[log]\nformat = \"" + name + "\"\n");
        EXPECT_EQ(c.log.format, format);
        EXPECT_EQ(to_string(format), name);
    }
}

TEST(Paths, AbsoluteStateDirAndNormalisation) {
    Config c = load_ok("[daemon]\nstate_dir = \"/srv//tocsin/./data/\"\n");
    EXPECT_EQ(c.daemon.state_dir, "/srv/tocsin/data/");
    EXPECT_EQ(c.storage.path, "/srv/tocsin/data/tocsin.db");

    Config up = load_ok("[daemon]\nstate_dir = \"../var/tocsin\"\n");
    EXPECT_EQ(up.daemon.state_dir, "/etc/var/tocsin");
    EXPECT_EQ(up.storage.path, "/etc/var/tocsin/tocsin.db");
}

TEST(Paths, AbsoluteStoragePathIgnoresStateDir) {
    Config c = load_ok("[daemon]\nstate_dir = \"/srv/tocsin\"\n[storage]\npath = \"/data/tocsin.db\"\n");
    EXPECT_EQ(c.daemon.state_dir, "/srv/tocsin");
    EXPECT_EQ(c.storage.path, "/data/tocsin.db");
}

TEST(Paths, RelativeStoragePathUsesStateDirectoryFromEnvironment) {
    Config c = load_ok("[storage]\npath = \"../shared/x.db\"\n", k_source, fake_env({{"STATE_DIRECTORY", "/run/a/b"}}));
    EXPECT_EQ(c.storage.path, "/run/a/shared/x.db");
}

TEST(Paths, RelativeSourceNameResolvesAgainstWorkingDirectory) {
    Config c = load_ok("[daemon]\nstate_dir = \"state\"\n", "t.toml");
    EXPECT_EQ(c.source_file, "t.toml");
    EXPECT_EQ(c.daemon.state_dir, (std::filesystem::current_path() / "state").lexically_normal().string());
}

TEST(Listen, AcceptedSpellings) {
    struct Case {
        std::string listen;
        std::string host;
        std::uint16_t port;
        std::string canonical;
    };
    const std::vector<Case> cases = {
        {"localhost:8080", "127.0.0.1", 8080, "127.0.0.1:8080"},
        {"0.0.0.0:80", "0.0.0.0", 80, "0.0.0.0:80"},
        {"[::]:9464", "::", 9464, "[::]:9464"},
        {"[::1]:9999", "::1", 9999, "[::1]:9999"},
        {"[2001:db8::1]:65535", "2001:db8::1", 65535, "[2001:db8::1]:65535"},
        {"10.1.2.3:1", "10.1.2.3", 1, "10.1.2.3:1"},
        {"127.0.0.1:0", "127.0.0.1", 0, "127.0.0.1:0"},  // port 0 picks a free port (documented)
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.listen);
        Config config = load_ok("[api]\nlisten = \"" + c.listen + "\"\n");
        EXPECT_EQ(config.api.listen_host, c.host);
        EXPECT_EQ(config.api.listen_port, c.port);
        EXPECT_EQ(config.api.listen(), c.canonical);
    }
}

TEST(Ranges, BoundariesAreAccepted) {
    Config low = load_ok(
        "[daemon]\nshutdown_timeout = \"100ms\"\nhealth_interval = \"1s\"\n"
        "[storage]\nbusy_timeout = \"0s\"\n"
        "[api]\nrequest_timeout = \"100ms\"\nmax_body_bytes = 1024\n");
    EXPECT_EQ(low.daemon.shutdown_timeout, 100ms);
    EXPECT_EQ(low.daemon.health_interval, 1s);
    EXPECT_EQ(low.storage.busy_timeout, 0ms);
    EXPECT_EQ(low.api.request_timeout, 100ms);
    EXPECT_EQ(low.api.max_body_bytes, 1024u);

    Config high = load_ok(
        "[daemon]\nshutdown_timeout = \"5m\"\nhealth_interval = \"1h\"\n"
        "[storage]\nbusy_timeout = \"1m\"\n"
        "[api]\nrequest_timeout = \"60m\"\nmax_body_bytes = 67108864\n");
    EXPECT_EQ(high.daemon.shutdown_timeout, 5min);
    EXPECT_EQ(high.daemon.health_interval, 1h);
    EXPECT_EQ(high.storage.busy_timeout, 1min);
    EXPECT_EQ(high.api.request_timeout, 1h);
    EXPECT_EQ(high.api.max_body_bytes, 64u << 20);
}

TEST(Syntax, InlineTablesAndDottedKeysAreTheSameConfig) {
    Config headers = load_ok("[log]\nlevel = \"warn\"\n[api]\nlisten = \"127.0.0.1:1\"\n");
    Config inline_tables = load_ok("log = { level = \"warn\" }\napi = { listen = \"127.0.0.1:1\" }\n");
    Config dotted = load_ok("log.level = \"warn\"\napi.listen = \"127.0.0.1:1\"\n");
    EXPECT_EQ(inline_tables, headers);
    EXPECT_EQ(dotted, headers);
}

// --- Round trip: the effective config printed by to_toml loads back equal.

void expect_round_trip(const Config& config, const Environment& env) {
    std::string text = to_toml(config);
    SCOPED_TRACE(text);
    LoadResult again = load_string(text, config.source_file, env);
    ASSERT_TRUE(again.ok()) << format_diagnostics(again.diagnostics);
    // link_key = "random" draws a new key at every load.
    if (config.paging.link_key && config.paging.link_key->source() == "random") {
        again.config->paging.link_key = config.paging.link_key;
    }
    EXPECT_EQ(*again.config, config);
    EXPECT_EQ(to_toml(*again.config), text);
}

TEST(RoundTrip, Defaults) {
    expect_round_trip(load_ok(""), fake_env());
    Environment systemd = fake_env({{"STATE_DIRECTORY", "/a:/b"}});
    expect_round_trip(load_ok("", k_source, systemd), systemd);
}

TEST(RoundTrip, DefaultsAreSpelledOut) {
    std::string text = to_toml(load_ok(""));
    for (const char* line : {"state_dir = '/var/lib/tocsin'", "shutdown_timeout = '5s'", "health_interval = '5s'",
                             "path = '/var/lib/tocsin/tocsin.db'", "busy_timeout = '5s'", "level = 'info'",
                             "format = 'auto'", "listen = '127.0.0.1:9464'", "request_timeout = '10s'",
                             "max_body_bytes = 1048576"}) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
    }
    EXPECT_EQ(text.find("token"), std::string::npos) << text;
}

TEST(RoundTrip, EveryKey) {
    Config config = load_ok(k_every_key, k_source, every_key_env());
    expect_round_trip(config, every_key_env());
    std::string text = to_toml(config);
    EXPECT_NE(text.find("token = 'env:TOCSIN_API_TOKEN'"), std::string::npos) << text;
    EXPECT_NE(text.find("listen = '[::1]:9999'"), std::string::npos) << text;
    EXPECT_NE(text.find("shutdown_timeout = '1m30s'"), std::string::npos) << text;
    EXPECT_EQ(text.find("api-token-value"), std::string::npos) << text;
}

TEST(RoundTrip, EveryLevelFormatAndListen) {
    for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        for (const char* format : {"auto", "text", "journal"}) {
            SCOPED_TRACE(std::string(level) + "/" + format);
            expect_round_trip(load_ok(std::string("[log]\nlevel = \"") + level + "\"\nformat = \"" + format + "\"\n"),
                              fake_env());
        }
    }
    for (const char* listen : {"localhost:1", "[::]:80", "[2001:db8::1]:65535", "0.0.0.0:9464"}) {
        SCOPED_TRACE(listen);
        expect_round_trip(load_ok(std::string("[api]\nlisten = \"") + listen + "\"\n"), fake_env());
    }
}

// --- The shipped config/tocsin.toml works from a source checkout.

TEST(ShippedConfig, LoadsWithoutDiagnostics) {
    const std::string path = std::string(TOCSIN_SOURCE_DIR) + "/config/tocsin.toml";
    LoadResult result = load_file(path, fake_env());
    EXPECT_EQ(diagnostic_strings(result), std::vector<std::string>{});
    ASSERT_TRUE(result.ok());
    const Config& c = *result.config;
    const std::string state = (std::filesystem::path(TOCSIN_SOURCE_DIR) / "build/state").lexically_normal().string();
    EXPECT_EQ(c.source_file, path);
    EXPECT_EQ(c.daemon.state_dir, state);
    EXPECT_EQ(c.storage.path, state + "/tocsin.db");
    EXPECT_EQ(c.api.listen(), "127.0.0.1:9464");
    EXPECT_FALSE(c.api.token.has_value());
    expect_round_trip(c, fake_env());
}

}  // namespace
}  // namespace tocsin::config
