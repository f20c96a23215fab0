// /ack/<token>: signed acknowledgement links from emails (docs/api.md,
// "Acknowledgement links"). GET shows the incident and a button, POST
// acknowledges; the link is the credential, so no bearer token. Pages are
// server-rendered HTML without scripts or external assets. Private to the
// api module.
#pragma once

#include <string>
#include <string_view>

#include "tocsin/api/api.hpp"

namespace tocsin::api {

// The metrics label of every /ack request: never the token.
inline constexpr std::string_view k_ack_handler = "/ack/{token}";

// "/ack" and everything below it.
bool is_ack_path(std::string_view path);

// Sets `handler` to k_ack_handler. Never throws: the HTTP server logs the
// request target of a handler that throws, and here the target holds the
// token.
net::HttpResponse route_ack(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler) noexcept;

}  // namespace tocsin::api
