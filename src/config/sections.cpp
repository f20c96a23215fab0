#include "sections.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace tocsin::config {
namespace {

constexpr Duration k_max_timeout = std::chrono::hours(1);

// Runs `body` on the section's table if present; unknown keys are flagged after.
template <typename Body>
void with_section(TableReader& root, std::string_view name, Body&& body) {
    const toml::table* table = root.table(name);
    if (table == nullptr) return;
    TableReader reader(root.context(), *table, std::string(name));
    body(reader);
    reader.finish();
}

std::string default_state_dir(const Environment& env) {
    // systemd's StateDirectory= may list several directories, colon-separated.
    if (auto dir = env.getenv("STATE_DIRECTORY"); dir && !dir->empty()) return dir->substr(0, dir->find(':'));
    return "/var/lib/tocsin";
}

bool valid_host(const std::string& host) {
    unsigned char buf[16];
    return host == "localhost" || ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool valid_token_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

// [[api.tokens]]: name, scope, token / token_file. Two tokens with the same
// value would make the audit trail's name a guess, so that is refused.
void read_api_tokens(TableReader& api, ApiConfig& out) {
    const toml::array* list = api.array_of_tables("tokens");
    if (list == nullptr) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
        TableReader r(api.context(), *list->get(i)->as_table(), "api.tokens[" + std::to_string(i) + "]");
        ApiTokenConfig token;
        r.require("name");
        if (r.string("name", token.name)) {
            if (!valid_token_name(token.name)) {
                r.error("name", "must be 1-64 characters of A-Z a-z 0-9 . _ -");
            } else if (token.name == "api.token" ||
                       std::any_of(out.tokens.begin(), out.tokens.end(), [&](const auto& t) { return t.name == token.name; })) {
                r.error("name", "duplicate token name \"" + token.name + "\"");
            }
        }
        r.require("scope");
        r.enumeration("scope", token.scope,
                      {{"read-only", TokenScope::read_only}, {"read-write", TokenScope::read_write}});
        std::optional<Secret> value;
        if (!r.has("token") && !r.has("token_file")) {
            r.error_at_table("needs token_file = \"/etc/tocsin/NAME.token\" (or token = \"env:NAME\" / \"cred:NAME\")");
        } else if (r.secret("token", value)) {
            if (value->reveal().size() < 16) {
                r.error(r.has("token") ? "token" : "token_file", "the token must be at least 16 characters");
            } else if ((out.token && out.token->reveal() == value->reveal()) ||
                       std::any_of(out.tokens.begin(), out.tokens.end(),
                                   [&](const auto& t) { return t.token.reveal() == value->reveal(); })) {
                r.error(r.has("token") ? "token" : "token_file", "the same token value is used twice; give each its own");
            } else {
                token.token = std::move(*value);
            }
        }
        r.finish();
        out.tokens.push_back(std::move(token));
    }
}

}  // namespace

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string parse_host_port(const std::string& text, std::string& host, std::uint16_t& port, bool any_host) {
    auto invalid = [&](const std::string& reason) {
        if (any_host) {
            return "invalid address \"" + text + "\": " + reason + " (use HOST:PORT, e.g. db.internal:5432 or [::1]:5432)";
        }
        return "invalid listen address \"" + text + "\": " + reason +
               " (use HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464)";
    };
    std::string h, p;
    if (text.starts_with("[")) {
        auto close = text.find(']');
        if (close == std::string::npos) return invalid("missing ']' after the IPv6 address");
        if (close + 1 >= text.size() || text[close + 1] != ':') return invalid("missing port");
        h = text.substr(1, close - 1);
        p = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) return invalid("missing port");
        h = text.substr(0, colon);
        p = text.substr(colon + 1);
        if (h.find(':') != std::string::npos) return invalid("an IPv6 address needs brackets");
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (p.empty()) return invalid("missing port");
    if (ec != std::errc{} || end != p.data() + p.size() || value > 65535) {
        return invalid("port must be a number from 0 to 65535");
    }
    if (any_host) {
        if (h.empty()) return invalid("missing host");
        host = h;
        port = static_cast<std::uint16_t>(value);
        return {};
    }
    if (!valid_host(h)) return invalid("host must be an IP address or localhost");
    host = h == "localhost" ? "127.0.0.1" : h;
    port = static_cast<std::uint16_t>(value);
    return {};
}

void read_daemon(TableReader& root, DaemonConfig& out) {
    out.state_dir = default_state_dir(*root.context().env);
    with_section(root, "daemon", [&](TableReader& r) {
        r.path("state_dir", out.state_dir);
        r.duration("shutdown_timeout", out.shutdown_timeout, std::chrono::milliseconds(100), std::chrono::minutes(5));
        r.duration("health_interval", out.health_interval, std::chrono::seconds(1), k_max_timeout);
        r.integer("max_concurrent_checks", out.max_concurrent_checks, 1, 100000);
    });
}

void read_storage(TableReader& root, const DaemonConfig& daemon, StorageConfig& out) {
    std::string path = "tocsin.db";
    std::string snapshot = "series.snapshot";
    with_section(root, "storage", [&](TableReader& r) {
        r.string("path", path);
        r.duration("busy_timeout", out.busy_timeout, Duration::zero(), std::chrono::minutes(1));
        r.string("snapshot_path", snapshot);
        r.duration("snapshot_interval", out.snapshot_interval, std::chrono::seconds(1), std::chrono::hours(24));
        r.boolean("keep_unmatched", out.keep_unmatched);
    });
    out.path = (std::filesystem::path(daemon.state_dir) / path).lexically_normal().string();
    out.snapshot_path = (std::filesystem::path(daemon.state_dir) / snapshot).lexically_normal().string();
}

void read_log(TableReader& root, LogConfig& out) {
    with_section(root, "log", [&](TableReader& r) {
        r.enumeration("level", out.level,
                      {{"trace", LogLevel::trace},
                       {"debug", LogLevel::debug},
                       {"info", LogLevel::info},
                       {"warn", LogLevel::warn},
                       {"error", LogLevel::error},
                       {"critical", LogLevel::critical},
                       {"off", LogLevel::off}});
        r.enumeration("format", out.format,
                      {{"auto", LogFormat::automatic}, {"text", LogFormat::text}, {"journal", LogFormat::journal}});
    });
}

void read_api(TableReader& root, ApiConfig& out) {
    with_section(root, "api", [&](TableReader& r) {
        std::string listen;
        if (r.string("listen", listen)) {
            if (std::string message = parse_listen(listen, out.listen_host, out.listen_port); !message.empty()) {
                r.error("listen", message);
            }
        }
        r.duration("request_timeout", out.request_timeout, std::chrono::milliseconds(100), k_max_timeout);
        std::int64_t max_body = static_cast<std::int64_t>(out.max_body_bytes);
        if (r.integer("max_body_bytes", max_body, 1024, 64LL << 20)) out.max_body_bytes = static_cast<std::uint64_t>(max_body);
        r.secret("token", out.token);
        read_api_tokens(r, out);
        // The legacy api.token only ever guarded writes; named tokens come
        // with scopes, so with them reads need one too unless said otherwise.
        if (!r.boolean("anonymous_reads", out.anonymous_reads)) out.anonymous_reads = out.tokens.empty();
        r.integer("rate_limit", out.rate_limit, 0, 1000000);
        r.integer("rate_burst", out.rate_burst, 1, 1000000);
    });
}

}  // namespace tocsin::config
