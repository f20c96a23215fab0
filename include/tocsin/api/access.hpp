// Who may use the HTTP API: named bearer tokens, each read-only or
// read-write ([api] token and [[api.tokens]], docs/api.md#authorization).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/secret.hpp"
#include "tocsin/net/http_server.hpp"

namespace tocsin::api {

enum class Scope { read, write };

struct ApiToken {
    std::string name;  // goes into the audit trail; "" for the legacy api.token
    bool can_write = false;
    Secret secret;
};

struct AccessPolicy {
    std::vector<ApiToken> tokens;
    bool anonymous_reads = true;
    // Requests per second and burst per client address ([api] rate_limit,
    // rate_burst); 0: unlimited.
    std::int64_t rate_limit = 0;
    std::int64_t rate_burst = 1;

    static AccessPolicy from_config(const config::ApiConfig& api);
};

// The sender of an authorized request; `token` is "" when it sent none
// (anonymous reads) or used the legacy api.token.
struct Principal {
    std::string token;
    bool can_write = false;

    // The audit trail's channel for changes made by this principal:
    // "api", or "api:<token name>".
    std::string channel() const { return token.empty() ? "api" : "api:" + token; }
};

// The principal, or the 401/403 JSON response to send. Every configured
// token is compared in constant time, so timing tells nothing about which
// (or whether any) matched; the token is never echoed.
std::variant<Principal, net::HttpResponse> authorize(const AccessPolicy& policy, const net::HttpRequest& request,
                                                     Scope needed);

}  // namespace tocsin::api
