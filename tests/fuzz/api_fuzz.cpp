// libFuzzer target: arbitrary HTTP requests to the API (method, path and
// body from the input). Every hook is set with a cheap fake, so every route
// is reached: incidents, maintenance windows and silences, on-call, the
// status page, Alertmanager's receiver, signed links, health and metrics.
// Answers must be well-formed (a status the docs list, JSON under /api/ and
// parseable whenever it says JSON, HTML under /ack/), never a crash, and a
// change reaches a hook only when the request was valid and authorised: a
// read-write bearer token (never a read-only one, never none), or a signed
// link (corpus/api/ack_link_* hold links signed with the key below, valid
// at the fixed start time below).
//
// Input: "METHOD\nTARGET\nBODY". Its size picks the rest, so a seed is
// steered by padding its body with spaces:
//   size % 4   the Authorization header: 0 the legacy read-write token
//              "fuzz-token", 1 none, 2 read-write "fuzz-rw-token" (named
//              "deploy"), 3 read-only "fuzz-ro-token" (named "grafana");
//   size / 4 % 4   how many seconds the clock moves before the request
//              (rate limiting is on: a request a second, burst 3, per address);
//   size / 16 % 4  the client address (IPv4, IPv6 in brackets, bare IPv6, none).
#include <boost/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <prometheus/registry.h>

#include "tocsin/api/api.hpp"

namespace {

using tocsin::TimePoint;
namespace api = tocsin::api;
namespace incident = tocsin::incident;

// Hooks that change something; each must be reached only by an authorised write.
int g_changes = 0;
std::string g_change_channel;  // the actor's channel the change was made as ("": no actor)
api::IncidentCommand g_last;

// 2026-03-29T12:00:00Z: the corpus's links expire in 2100, or at this instant.
constexpr std::chrono::seconds k_start{1774785600};
TimePoint g_now{k_start};

struct TokenChoice {
    const char* header;   // "" : none
    const char* channel;  // the audit channel a change must carry
    bool can_write;
};
constexpr TokenChoice k_tokens[4] = {
    {"Bearer fuzz-token", "api", true},
    {"", "", false},
    {"Bearer fuzz-rw-token", "api:deploy", true},
    {"Bearer fuzz-ro-token", "", false},
};
constexpr const char* k_remotes[4] = {"127.0.0.1:1", "[::1]:2", "fe80::1", ""};

incident::MaintenanceRecord window(std::int64_t id, incident::MaintenanceKind kind) {
    incident::MaintenanceRecord w;
    w.id = id;
    w.kind = kind;
    w.components = {"db", "api"};
    w.match = R"({env="prod"})";
    w.starts = TimePoint(k_start) - std::chrono::hours(1);
    w.ends = TimePoint(k_start) + std::chrono::hours(id);
    w.reason = "upgrade \"db\" <b>&</b>\nline two";
    w.created_by = {"ana", "api:deploy"};
    w.created = w.starts;
    if (id == 2) {
        w.ended = w.starts + std::chrono::minutes(5);
        w.ended_by = {"sam", "api"};
    }
    return w;
}

tocsin::config::MaintenanceConfig configured(std::string name, tocsin::config::MaintenanceRepeat repeat) {
    tocsin::config::MaintenanceConfig c;
    c.name = std::move(name);
    c.components = {"db"};
    c.start_local = k_start - std::chrono::hours(2);
    c.length = std::chrono::hours(3);
    c.repeat = repeat;
    if (repeat == tocsin::config::MaintenanceRepeat::weekly) c.weekdays = {0, 3};
    c.time_zone = repeat == tocsin::config::MaintenanceRepeat::none ? "UTC" : "Europe/Berlin";
    return c;
}

tocsin::status::StatusSummary status_summary() {
    using namespace tocsin::status;
    StatusSummary s;
    s.title = "Example <status> & \"co\"";
    s.url = "https://status.example.org/?a=1&b=<2>";
    s.now = TimePoint(k_start);
    s.window_start = window_start(s.now);
    s.worst = ComponentStatus::partial_outage;
    ComponentSummary c;
    c.id = "0123456789abcdef";
    c.name = "db</td>";
    c.description = "the \"primary\" database";
    c.position = 1;
    c.status = ComponentStatus::partial_outage;
    c.updated = s.now - std::chrono::minutes(3);
    c.days.push_back(DayBucket{s.window_start, "2026-03-29", 0.5, ComponentStatus::major_outage, std::chrono::hours(1)});
    c.availability = 0.99;
    s.components.push_back(c);
    IncidentSummary i;
    i.id = 7;
    i.name = "db down <script>";
    i.status = "investigating";
    i.impact = ComponentStatus::major_outage;
    i.started = i.created = i.updated = s.now - std::chrono::minutes(20);
    i.components = {"db"};
    i.updates.push_back(StatusUpdate{"7-0", "investigating", "looking\ninto it & more", i.created});
    s.open.push_back(i);
    i.id = 6;
    i.status = "resolved";
    i.resolved = s.now - std::chrono::hours(5);
    s.resolved.push_back(i);
    s.maintenance.push_back(MaintenanceSummary{"api:maintenance/1", "upgrade", true, s.now, s.now + std::chrono::hours(1), {"db"}});
    return s;
}

api::Api& the_api() {
    static api::Api instance = [] {
        api::ApiHooks hooks;
        hooks.health = [] { return api::Check{true, {}}; };
        hooks.ready = [] { return api::Check{false, "migrating"}; };
        hooks.access.tokens.push_back({"", true, tocsin::Secret("fuzz-token", "env:TOCSIN_API_TOKEN")});
        hooks.access.tokens.push_back({"deploy", true, tocsin::Secret("fuzz-rw-token", "file:/etc/tocsin/deploy")});
        hooks.access.tokens.push_back({"grafana", false, tocsin::Secret("fuzz-ro-token", "file:/etc/tocsin/grafana")});
        hooks.access.anonymous_reads = true;
        hooks.access.rate_limit = 1;
        hooks.access.rate_burst = 3;
        hooks.ack_links =
            tocsin::paging::AckLinkSigner::create(tocsin::Secret("fuzz-ack-link-key-0123456789", "env:KEY")).value();
        hooks.now = [] { return g_now; };
        hooks.list_incidents = [](const tocsin::api::IncidentFilter&) -> tocsin::Result<std::vector<incident::Incident>> {
            return std::vector<incident::Incident>{incident::Incident{}};
        };
        hooks.get_incident = [](std::int64_t id) -> tocsin::Result<std::optional<api::IncidentDetail>> {
            if (id != 1) return std::optional<api::IncidentDetail>{};
            return std::optional<api::IncidentDetail>{api::IncidentDetail{}};
        };
        hooks.incident_command = [](const api::IncidentCommand& command) {
            ++g_changes;
            g_change_channel = command.actor.channel;
            g_last = command;
            return api::IncidentCommandResult{200, incident::Incident{}, {}};
        };
        hooks.list_maintenance = [](bool all) -> tocsin::Result<api::MaintenanceListing> {
            api::MaintenanceListing l;
            l.configured = {configured("nightly", tocsin::config::MaintenanceRepeat::daily),
                            configured("patch-tuesday", tocsin::config::MaintenanceRepeat::weekly),
                            configured("once", tocsin::config::MaintenanceRepeat::none)};
            l.windows = {window(1, incident::MaintenanceKind::maintenance), window(3, incident::MaintenanceKind::silence)};
            if (all) l.windows.push_back(window(2, incident::MaintenanceKind::maintenance));
            return l;
        };
        // Like the daemon's MaintenanceService: the window as stored, or why not.
        hooks.create_maintenance = [](const api::MaintenanceRequest& r) {
            ++g_changes;
            g_change_channel = r.actor.channel;
            if (r.ends.has_value() == r.duration.has_value() || (r.components.empty() && r.match.empty()) ||
                r.actor.name.empty() || r.reason.empty()) {
                std::abort();  // the route checks these before asking
            }
            incident::MaintenanceRecord w;
            w.id = 4;
            w.kind = r.kind;
            w.components = r.components;
            w.match = r.match;
            w.starts = r.starts.value_or(g_now);
            if (r.duration && *r.duration > std::chrono::duration_cast<tocsin::Duration>(TimePoint::max() - w.starts)) {
                return api::MaintenanceResult{400, std::nullopt, "\"duration\" is too long"};
            }
            w.ends = r.ends ? *r.ends : w.starts + *r.duration;
            w.reason = r.reason;
            w.created_by = r.actor;
            w.created = g_now;
            if (w.ends <= w.starts) return api::MaintenanceResult{400, std::nullopt, "\"ends\" must be after \"starts\""};
            if (w.ends - w.starts > std::chrono::hours(24 * 366)) {
                return api::MaintenanceResult{400, std::nullopt, "a window lasts at most 366 days"};
            }
            return api::MaintenanceResult{201, w, {}};
        };
        hooks.end_maintenance = [](std::int64_t id, const incident::Actor& actor) {
            ++g_changes;
            g_change_channel = actor.channel;
            if (id == 2) return api::MaintenanceResult{409, std::nullopt, "maintenance 2 is already over"};
            if (id != 1 && id != 3) return api::MaintenanceResult{404, std::nullopt, "no such window"};
            auto w = window(id, id == 3 ? incident::MaintenanceKind::silence : incident::MaintenanceKind::maintenance);
            w.ends = g_now;
            w.ended = g_now;
            w.ended_by = actor;
            return api::MaintenanceResult{200, w, {}};
        };
        hooks.oncall = [](TimePoint at) -> tocsin::Result<std::vector<api::OncallEntry>> {
            std::vector<api::OncallEntry> out;
            out.push_back({"primary", "Europe/Berlin", "ana", "Ana \"A\" <ops>", "layer", "weekdays", "", at});
            out.push_back({"secondary", "UTC", "sam", "", "override", "", "ana", std::nullopt});
            out.push_back({"empty", "UTC", "", "", "", "", "", std::nullopt});
            return out;
        };
        hooks.status = []() -> tocsin::Result<tocsin::status::StatusSummary> {
            static const tocsin::status::StatusSummary summary = status_summary();
            return summary;
        };
        hooks.receive_alerts = [](const api::AlertBatch& batch) {
            ++g_changes;
            g_change_channel.clear();  // the receiver records no actor; the token was checked
            if (batch.receiver == "busy") return api::AlertsResult{503, "the database is busy", 0, 0};
            return api::AlertsResult{200, {}, batch.alerts.size() - 1, 1};
        };
        return api::Api(std::make_shared<prometheus::Registry>(), std::move(hooks));
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

bool has_header(const tocsin::net::HttpResponse& r, std::string_view name) {
    for (const auto& [key, value] : r.headers) {
        if (key == name) return true;
    }
    return false;
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
    const TokenChoice& token = k_tokens[size % 4];
    if (*token.header != '\0') request.headers.emplace_back("Authorization", token.header);
    g_now += std::chrono::seconds(size / 4 % 4);
    request.remote = k_remotes[size / 16 % 4];

    api::Api& api = the_api();
    const int before = g_changes;
    tocsin::net::HttpResponse response = api.handle(request);
    const int s = response.status;
    // TOCSIN_FUZZ_TRACE=1: what each input got, to check that seeds reach their routes.
    static const bool trace = std::getenv("TOCSIN_FUZZ_TRACE") != nullptr;
    if (trace) {
        std::fprintf(stderr, "%s %s [%s] -> %d %s\n", request.method.c_str(), request.target.c_str(), token.header, s,
                     response.body.substr(0, 160).c_str());
    }
    const bool listed = s == 200 || s == 201 || s == 400 || s == 401 || s == 403 || s == 404 || s == 405 ||
                        s == 409 || s == 410 || s == 413 || s == 415 || s == 429 || s == 503;
    if (!listed) std::abort();
    if (s == 429 && !has_header(response, "Retry-After")) std::abort();
    if (s == 405 && !has_header(response, "Allow")) std::abort();
    const bool exempt = request.path == "/healthz" || request.path == "/readyz" || request.path == "/metrics";
    if (s == 429 && exempt) std::abort();

    // JSON under /api/, and JSON that parses. The status JSON shares the
    // status page's plain-text errors (405, 404, 503).
    const bool json_path = request.path.starts_with("/api/");
    const bool status_error = request.path == "/api/v1/status" && s != 200;
    if (json_path && !status_error && response.content_type != "application/json") std::abort();
    if (response.content_type == "application/json" && !(request.method == "HEAD" && response.body.empty())) {
        boost::system::error_code ec;
        (void)boost::json::parse(response.body, ec);
        if (ec) std::abort();
    }

    // A change only by an authorised write: POST, a read-write token (or a
    // signed link), acting as that token's channel.
    const bool changed = g_changes != before;
    const bool ack_path = request.path == "/ack" || request.path.starts_with("/ack/");
    if (changed && !(s == 200 || s == 201 || s == 400 || s == 404 || s == 409 || s == 503)) std::abort();
    if (changed && request.method != "POST") std::abort();
    if (changed && !ack_path &&
        (!token.can_write || (!g_change_channel.empty() && g_change_channel != token.channel))) {
        std::abort();
    }
    // Links: HTML pages (but a throttled browser gets plain text), and a
    // command only as the link's person, by email.
    if (ack_path && s != 429 && response.content_type != "text/html; charset=utf-8") std::abort();
    if (ack_path && changed &&
        (g_last.kind != api::IncidentCommand::Kind::acknowledge || g_last.actor.channel != "email" ||
         g_last.actor.name.empty() || g_last.id <= 0)) {
        std::abort();
    }
    if (!ack_path && changed && g_change_channel == "email") std::abort();
    // A read-only token is refused every write with 403; no token with 401
    // (or 403 when writes are off); neither reaches past authorization.
    const bool write = request.method != "GET" && request.method != "HEAD";
    const bool guarded = json_path && request.path != "/api/v1/status" && !(request.path == "/api/v1/alerts" && request.method != "POST");
    if (guarded && write && s != 429 && !token.can_write && s != 401 && s != 403) std::abort();
    // Never echo a token (a body may quote one back itself).
    for (const char* secret : {"fuzz-token", "fuzz-rw-token", "fuzz-ro-token"}) {
        const bool in_request = request.body.find(secret) != std::string::npos ||
                                request.target.find(secret) != std::string::npos;
        if (!in_request && response.body.find(secret) != std::string::npos) std::abort();
    }
    return 0;
}
