#include "tocsin/api/access.hpp"

#include <algorithm>

#include "json_response.hpp"
#include "tocsin/core/ascii.hpp"
#include "tocsin/core/hmac.hpp"

namespace tocsin::api {

AccessPolicy AccessPolicy::from_config(const config::ApiConfig& api) {
    AccessPolicy policy;
    policy.anonymous_reads = api.anonymous_reads;
    policy.rate_limit = api.rate_limit;
    policy.rate_burst = api.rate_burst;
    if (api.token && !api.token->empty()) policy.tokens.push_back(ApiToken{"", true, *api.token});
    for (const auto& t : api.tokens) {
        policy.tokens.push_back(ApiToken{t.name, t.scope == config::TokenScope::read_write, t.token});
    }
    return policy;
}

std::variant<Principal, net::HttpResponse> authorize(const AccessPolicy& policy, const net::HttpRequest& request,
                                                     Scope needed) {
    const bool any_writer =
        std::any_of(policy.tokens.begin(), policy.tokens.end(), [](const ApiToken& t) { return t.can_write; });
    if (needed == Scope::write && !any_writer) {
        return error_response(403, "writes are disabled: configure a read-write token in [[api.tokens]]");
    }
    auto unauthorized = [](std::string_view message) {
        auto r = error_response(401, message);
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
    };
    const std::string header = request.header("Authorization");
    if (header.empty() && needed == Scope::read && policy.anonymous_reads) return Principal{};
    std::string_view value = header;
    if (value.size() < 7 || !ascii_iequals(value.substr(0, 6), "bearer") || value[6] != ' ') {
        return unauthorized("missing bearer token: send \"Authorization: Bearer <token>\"");
    }
    value.remove_prefix(7);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    // Compare with every token, matched or not: the time taken does not
    // depend on which one matched.
    const ApiToken* match = nullptr;
    for (const auto& t : policy.tokens) {
        if (constant_time_equal(value, t.secret.reveal()) && match == nullptr) match = &t;
    }
    if (match == nullptr) return unauthorized("invalid bearer token");
    if (needed == Scope::write && !match->can_write) {
        return error_response(403, "token \"" + match->name + "\" is read-only; this needs a read-write token");
    }
    return Principal{match->name, match->can_write};
}

}  // namespace tocsin::api
