#include "api_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tocsin/config/loader.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/core/go_format.hpp"
#include "tocsin/net/http_client.hpp"

namespace tocsin::app {
namespace {

namespace json = boost::json;

constexpr const char* k_token_variable = "TOCSIN_TOKEN";
constexpr const char* k_legacy_token_variable = "TOCSIN_API_TOKEN";

// Where the daemon listens, as a URL this machine can reach.
std::string url_of(const config::ApiConfig& api) {
    std::string host = api.listen_host;
    if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(api.listen_port);
}

// [api] listen alone, for when the whole configuration cannot be loaded
// (typically: a secret file only the daemon's user may read) but no secret
// from it is needed. nullopt when that fails too.
std::optional<config::ApiConfig> listen_only(const std::string& path) {
    try {
        const toml::table root = toml::parse_file(path);
        toml::table minimal;
        if (auto listen = root["api"]["listen"].value<std::string>()) {
            minimal.insert("api", toml::table{{"listen", *listen}});
        }
        std::ostringstream text;
        text << minimal;
        config::LoadResult loaded = config::load_string(text.str(), path);
        if (loaded.ok()) return loaded.config->api;
    } catch (const toml::parse_error&) {
    }
    return std::nullopt;
}

// The configuration's token for this kind of request: api.token, else the
// first read-write token for a change, the first read-only one (else any)
// for a read.
std::optional<Secret> token_from(const config::ApiConfig& api, bool write) {
    if (api.token) return api.token;
    const config::ApiTokenConfig* any = nullptr;
    for (const auto& t : api.tokens) {
        const bool rw = t.scope == config::TokenScope::read_write;
        if (write ? rw : !rw) return t.token;
        if (any == nullptr && (rw || !write)) any = &t;
    }
    if (any != nullptr) return any->token;
    return std::nullopt;
}

std::variant<Secret, std::string> read_token_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read --token-file " + path;
    std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.pop_back();
    if (value.empty()) return "--token-file " + path + " is empty";
    return Secret(std::move(value), "file:" + path);
}

}  // namespace

std::optional<std::string> getenv_string(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

std::string url_encode(std::string_view value) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

int cli_fail(std::string_view program, int code, const std::string& message) {
    std::cout.flush();  // keep stdout and stderr in order when both go to one file
    std::cerr << program << ": " << message << '\n';
    return code;
}

std::string terminal_safe(std::string_view s, const std::string& indent) {
    std::string out;
    for (std::size_t pos = 0; pos < s.size();) {
        const gofmt::Rune r = gofmt::decode_rune(s, pos);
        if (r.value == '\n' && !indent.empty()) {
            out += '\n';
            out += indent;
        } else if (r.value == '\t') {
            out += ' ';
        } else if ((r.value == gofmt::k_rune_error && r.width == 1) || !gofmt::is_print(r.value)) {
            out += '?';
        } else {
            out.append(s.substr(pos, r.width));
        }
        pos += r.width;
    }
    return out;
}

void add_api_client_options(CLI::App* command, ApiClientOptions& o) {
    command->add_option("-c,--config", o.config_path, "Configuration file (for [api] listen and the token)")
        ->capture_default_str()
        ->each([&o](const std::string&) { o.config_given = true; });
    command->add_option("--api", o.api_url, "The daemon's API, e.g. http://127.0.0.1:9464 (default: [api] listen)")
        ->type_name("URL");
    command->add_option("--token-file", o.token_file,
                        "File holding the API token (default: $TOCSIN_TOKEN, else the configuration's)")
        ->type_name("PATH");
}

std::variant<ApiEndpoint, int> resolve_api_endpoint(const ApiClientOptions& o, bool write, std::string_view program) {
    ApiEndpoint endpoint;
    if (!o.api_url.empty()) {
        if (!o.api_url.starts_with("http://") && !o.api_url.starts_with("https://")) {
            return cli_fail(program, exit_code::usage,
                            "--api must be a URL such as http://127.0.0.1:9464, got \"" + terminal_safe(o.api_url) + "\"");
        }
        endpoint.base_url = o.api_url;
        while (endpoint.base_url.ends_with('/')) endpoint.base_url.pop_back();
    }
    if (!o.token_file.empty()) {
        auto token = read_token_file(o.token_file);
        if (auto* message = std::get_if<std::string>(&token)) return cli_fail(program, exit_code::usage, *message);
        endpoint.token = std::get<Secret>(std::move(token));
    } else if (auto env = getenv_string(k_token_variable)) {
        endpoint.token = Secret(*env, std::string("env:") + k_token_variable);
    } else if (auto legacy = getenv_string(k_legacy_token_variable)) {
        endpoint.token = Secret(*legacy, std::string("env:") + k_legacy_token_variable);
    }
    if (!endpoint.base_url.empty() && endpoint.token) return endpoint;

    config::ApiConfig api;
    std::error_code ec;
    if (!o.config_given && !std::filesystem::exists(o.config_path, ec)) {
        // No configuration installed: the daemon's defaults, without a token.
    } else {
        config::LoadResult loaded = config::load_file(o.config_path);
        const bool token_needed = write && !endpoint.token;
        std::optional<config::ApiConfig> listen;
        if (!loaded.ok() && !token_needed) listen = listen_only(o.config_path);
        if (loaded.ok()) {
            api = loaded.config->api;
        } else if (listen) {
            api = *listen;
        } else {
            std::cout.flush();
            std::cerr << config::format_diagnostics(loaded.diagnostics);
            return cli_fail(program, exit_code::config,
                            "cannot load " + o.config_path + " (pass --api URL, and --token-file or " +
                                k_token_variable + " for changes, to do without it)");
        }
    }
    if (endpoint.base_url.empty()) {
        if (api.listen_port == 0) {
            return cli_fail(program, exit_code::config,
                            "[api] listen in " + o.config_path +
                                " picks a free port at start-up: pass --api with the logged address");
        }
        endpoint.base_url = url_of(api);
    }
    if (!endpoint.token) endpoint.token = token_from(api, write);
    return endpoint;
}

std::variant<ApiReply, int> api_exchange(const ApiEndpoint& endpoint, std::string_view program,
                                         const std::string& method, const std::string& path,
                                         const std::optional<json::object>& body) {
    net::HttpClientRequest request;
    request.method = method;
    request.url = endpoint.base_url + path;
    request.max_redirects = 0;
    request.headers.emplace_back("Accept", "application/json");
    if (endpoint.token) request.headers.emplace_back("Authorization", "Bearer " + endpoint.token->reveal());
    if (body) {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = json::serialize(*body);
    }
    if (endpoint.base_url.starts_with("https://")) {
        auto tls = net::TlsClientContext::create(net::TlsOptions{});
        if (!tls) return cli_fail(program, exit_code::failure, "cannot set up TLS: " + tls.error().message);
        request.tls = std::move(*tls);
    }
    boost::asio::io_context io;
    net::HttpClientResult result;
    net::http_fetch(io, std::move(request), [&](net::HttpClientResult r) { result = std::move(r); });
    io.run();
    if (!result.ok()) {
        return cli_fail(program, exit_code::io_error,
                        "cannot reach tocsin at " + endpoint.base_url + ": " + result.detail +
                            " (is the daemon running? --api or [api] listen says where)");
    }
    json::error_code ec;
    json::value value = json::parse(result.body, ec);
    if (ec || !value.is_object()) {
        std::string first_line = result.body.substr(0, result.body.find('\n'));
        if (first_line.size() > 200) first_line.resize(200);
        return cli_fail(program, exit_code::failure,
                        "unexpected answer from " + endpoint.base_url + path + ": HTTP " +
                            std::to_string(result.status) + " " + terminal_safe(first_line));
    }
    if (result.status >= 400) {
        std::string message;
        if (const auto* error = value.get_object().if_contains("error"); error && error->is_string()) {
            message = terminal_safe(std::string(error->get_string()));
        }
        if (message.empty()) message = "request failed";
        message += " (HTTP " + std::to_string(result.status) + ")";
        if (result.status == 401) {
            message += std::string("; give a token with --token-file, in ") + k_token_variable + " or through --config";
        } else if (result.status == 403 && !endpoint.token) {
            message += "; no token was sent";
        }
        return cli_fail(program, exit_code::failure, message);
    }
    return ApiReply{result.status, std::move(value)};
}

}  // namespace tocsin::app
