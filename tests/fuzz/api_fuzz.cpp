// libFuzzer target: arbitrary HTTP requests to the API (method, path and
// body from the input). Answers must be well-formed (a status the docs list,
// JSON under /api/, HTML under /ack/), never a crash, and a command reaches
// the incident manager only when the request was valid and authorised (a
// bearer token, or a signed link: corpus/api/ack_link_* hold links signed
// with the key below, valid at the fixed time below).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <prometheus/registry.h>

#include "tocsin/api/api.hpp"

namespace {

int g_commands = 0;
tocsin::api::IncidentCommand g_last;

// 2026-03-29T12:00:00Z: the corpus's links expire in 2100, or at this instant.
constexpr std::chrono::seconds k_now{1774785600};

tocsin::api::Api& api() {
    static tocsin::api::Api instance = [] {
        tocsin::api::ApiHooks hooks;
        hooks.health = [] { return tocsin::api::Check{true, {}}; };
        hooks.ready = [] { return tocsin::api::Check{true, {}}; };
        hooks.access.tokens.push_back({"", true, tocsin::Secret("fuzz-token", "env:TOCSIN_API_TOKEN")});
        hooks.ack_links =
            tocsin::paging::AckLinkSigner::create(tocsin::Secret("fuzz-ack-link-key-0123456789", "env:KEY")).value();
        hooks.now = [] { return tocsin::TimePoint(k_now); };
        hooks.list_incidents = [](bool, std::size_t) -> tocsin::Result<std::vector<tocsin::incident::Incident>> {
            return std::vector<tocsin::incident::Incident>{tocsin::incident::Incident{}};
        };
        hooks.get_incident = [](std::int64_t id) -> tocsin::Result<std::optional<tocsin::api::IncidentDetail>> {
            if (id != 1) return std::optional<tocsin::api::IncidentDetail>{};
            return std::optional<tocsin::api::IncidentDetail>{tocsin::api::IncidentDetail{}};
        };
        hooks.incident_command = [](const tocsin::api::IncidentCommand& command) {
            ++g_commands;
            g_last = command;
            return tocsin::api::IncidentCommandResult{200, tocsin::incident::Incident{}, {}};
        };
        return tocsin::api::Api(std::make_shared<prometheus::Registry>(), std::move(hooks));
    }();
    return instance;
}

// Splits the input at the first two newlines: method, path, body.
std::string_view take_line(std::string_view& rest) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    tocsin::net::HttpRequest request;
    request.method = std::string(take_line(rest));
    request.target = std::string(take_line(rest));
    auto q = request.target.find('?');
    request.path = request.target.substr(0, q);
    request.query = q == std::string::npos ? "" : request.target.substr(q + 1);
    request.body = std::string(rest);
    // Half the inputs carry the right token, so the parsers behind it are reached.
    if (size % 2 == 0) request.headers.emplace_back("Authorization", "Bearer fuzz-token");
    request.remote = "127.0.0.1:1";

    const int before = g_commands;
    tocsin::net::HttpResponse response = api().handle(request);
    const int s = response.status;
    const bool listed = s == 200 || s == 201 || s == 400 || s == 401 || s == 403 || s == 404 || s == 405 ||
                        s == 409 || s == 410 || s == 413 || s == 415 || s == 503;
    if (!listed) std::abort();
    const bool commanded = g_commands != before;
    if (commanded && !(s == 200 || s == 201)) std::abort();
    if (commanded && request.method != "POST") std::abort();
    // Links: HTML pages, and a command only as the link's person, by email.
    const bool ack_path = request.path == "/ack" || request.path.starts_with("/ack/");
    if (ack_path && response.content_type != "text/html; charset=utf-8") std::abort();
    if (ack_path && commanded &&
        (g_last.kind != tocsin::api::IncidentCommand::Kind::acknowledge || g_last.actor.channel != "email" ||
         g_last.actor.name.empty() || g_last.id <= 0)) {
        std::abort();
    }
    if (!ack_path && commanded && g_last.actor.channel == "email") std::abort();
    // Never echo the Authorization header's token (a body may quote it back itself).
    const bool token_in_request = request.body.find("fuzz-token") != std::string::npos ||
                                  request.target.find("fuzz-token") != std::string::npos;
    if (!token_in_request && response.body.find("fuzz-token") != std::string::npos) std::abort();
    return 0;
}
