// What the CLI's client commands (`tocsin incident`, `tocsin maintenance`)
// share: finding the daemon's API and a token, one request/response
// exchange, and making the daemon's text safe for a terminal.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "tocsin/core/secret.hpp"

namespace CLI {
class App;
}

namespace tocsin::app {

struct ApiClientOptions {
    std::string config_path = "/etc/tocsin/tocsin.toml";
    bool config_given = false;  // --config was on the command line
    std::string api_url;        // --api; empty: from the configuration's [api] listen
    std::string token_file;     // --token-file; else $TOCSIN_TOKEN, $TOCSIN_API_TOKEN, the configuration
};

// Adds --config, --api and --token-file to `command`.
void add_api_client_options(CLI::App* command, ApiClientOptions& options);

struct ApiEndpoint {
    std::string base_url;  // "http://127.0.0.1:9464", no trailing slash
    std::optional<Secret> token;
};

struct ApiReply {
    int status = 0;
    boost::json::value body;  // always an object
};

// `program` ("tocsin incident") prefixes error messages. `write`: the
// command changes something, so it needs a read-write token. An exit code
// (64, 78) when no endpoint can be worked out; the reason is on stderr.
std::variant<ApiEndpoint, int> resolve_api_endpoint(const ApiClientOptions& options, bool write,
                                                    std::string_view program);

// One request; the token goes with every request. An exit code when it
// failed: 74 unreachable, 1 refused (the daemon's reason on stderr).
std::variant<ApiReply, int> api_exchange(const ApiEndpoint& endpoint, std::string_view program,
                                         const std::string& method, const std::string& path,
                                         const std::optional<boost::json::object>& body);

// Prints "<program>: <message>" on stderr and returns `code`.
int cli_fail(std::string_view program, int code, const std::string& message);

// Text from the daemon, safe for a terminal: control and other unprintable
// characters (escape sequences, bidi overrides) become '?'. With an
// `indent`, newlines are kept and continuation lines indented.
std::string terminal_safe(std::string_view s, const std::string& indent = {});

std::optional<std::string> getenv_string(const std::string& name);

// A query value with everything but unreserved characters %-escaped.
std::string url_encode(std::string_view value);

}  // namespace tocsin::app
