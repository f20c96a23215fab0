// The typed configuration. Every field has the default documented in
// docs/configuration.md; the loader fills and validates it from TOML.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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

    bool operator==(const DaemonConfig&) const = default;
};

struct StorageConfig {
    std::string path;  // absolute after loading; default <state_dir>/tocsin.db
    Duration busy_timeout = 5s;

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

struct Config {
    std::string source_file;  // the file it was loaded from, as given
    DaemonConfig daemon;
    StorageConfig storage;
    LogConfig log;
    ApiConfig api;

    bool operator==(const Config&) const = default;
};

const char* to_string(LogLevel level) noexcept;
const char* to_string(LogFormat format) noexcept;

}  // namespace tocsin::config
