#include "maintenance_routes.hpp"

#include <boost/json.hpp>

#include "body_reader.hpp"
#include "json_response.hpp"
#include "tocsin/api/incident_json.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/incident/maintenance_window.hpp"

namespace tocsin::api {
namespace {

using incident::MaintenanceKind;
using incident::MaintenanceRecord;

constexpr std::string_view k_maintenance = "/api/v1/maintenance";
constexpr std::string_view k_silences = "/api/v1/silences";
constexpr std::string_view k_oncall = "/api/v1/oncall";

constexpr std::size_t k_max_components = 32;
constexpr std::size_t k_max_component = 128;
constexpr std::size_t k_max_match = 1024;
constexpr std::size_t k_max_reason = 4096;

json::value time_or_null(const std::optional<TimePoint>& t) {
    return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

json::array string_array(const std::vector<std::string>& values) {
    json::array a;
    for (const auto& v : values) a.emplace_back(v);
    return a;
}

json::object actor_object(const incident::Actor& a) { return {{"name", a.name}, {"channel", a.channel}}; }

json::object window_object(const MaintenanceRecord& w, TimePoint now) {
    return {{"id", w.id},
            {"kind", incident::to_string(w.kind)},
            {"components", string_array(w.components)},
            {"match", w.match},
            {"starts", format_rfc3339(w.starts)},
            {"ends", format_rfc3339(w.ends)},
            {"active", w.active_at(now)},
            {"reason", w.reason},
            {"created", format_rfc3339(w.created)},
            {"created_by", actor_object(w.created_by)},
            {"ended", time_or_null(w.ended)},
            {"ended_by", w.ended ? json::value(actor_object(w.ended_by)) : json::value(nullptr)}};
}

json::object configured_object(const config::MaintenanceConfig& c, TimePoint now) {
    json::object o{{"name", c.name},
                   {"source", "config"},
                   {"components", string_array(c.components)},
                   {"match", c.match},
                   {"time_zone", c.time_zone},
                   {"duration", format_duration(c.length)},
                   {"repeat", c.repeat == config::MaintenanceRepeat::daily    ? "daily"
                              : c.repeat == config::MaintenanceRepeat::weekly ? "weekly"
                                                                                : "none"}};
    auto window = incident::MaintenanceWindow::make(c);
    const auto current = window ? window->occurrence_at(now) : std::nullopt;
    o["active"] = current.has_value();
    o["active_until"] = current ? json::value(format_rfc3339(current->second)) : json::value(nullptr);
    const auto next = window ? window->next_change_after(now) : std::nullopt;
    o["next_change"] = time_or_null(next);
    return o;
}

net::HttpResponse render(const MaintenanceResult& result, TimePoint now) {
    if (result.status >= 400 && result.status <= 599) {
        return error_response(result.status, result.error.empty() ? "request failed" : result.error);
    }
    if (!result.window) return error_response(500, "internal error: the daemon gave no window");
    auto r = json_response(result.status, window_object(*result.window, now));
    if (result.status == 201) {
        const std::string_view base = result.window->kind == MaintenanceKind::silence ? k_silences : k_maintenance;
        r.headers.emplace_back("Location", std::string(base) + "/" + std::to_string(result.window->id));
    }
    return r;
}

TimePoint now_of(const ApiHooks& hooks) { return hooks.now ? hooks.now() : std::chrono::system_clock::now(); }

// "unknown query "...": the query quoted only when it is short printable
// ASCII: a raw one may not be UTF-8, which would make the body invalid JSON.
std::string unknown_query(std::string_view query) {
    const bool safe = query.size() <= k_max_quoted_name && std::all_of(query.begin(), query.end(), [](char c) {
                          return c >= ' ' && c < 0x7f;
                      });
    return safe ? "unknown query \"" + std::string(query) + "\"" : std::string("unknown query");
}

// "all=true|false" is the only query parameter.
std::optional<bool> parse_all(std::string_view query) {
    if (query.empty() || query == "all=false") return false;
    if (query == "all=true") return true;
    return std::nullopt;
}

net::HttpResponse list(const ApiHooks& hooks, const net::HttpRequest& request, MaintenanceKind kind) {
    const auto all = parse_all(request.query);
    if (!all) return error_response(400, unknown_query(request.query) + " (expected: all=true or all=false)");
    if (!hooks.list_maintenance) return error_response(503, "maintenance windows are not available");
    auto listing = hooks.list_maintenance(*all);
    if (!listing) return lookup_error(listing.error(), "cannot list maintenance windows");
    const TimePoint now = now_of(hooks);
    json::array windows;
    for (const auto& w : listing->windows) {
        if (w.kind == kind) windows.push_back(window_object(w, now));
    }
    json::object body{{kind == MaintenanceKind::silence ? "silences" : "windows", std::move(windows)}};
    if (kind == MaintenanceKind::maintenance) {
        json::array configured;
        for (const auto& c : listing->configured) configured.push_back(configured_object(c, now));
        body["configured"] = std::move(configured);
    }
    return json_response(200, body);
}

net::HttpResponse create(const ApiHooks& hooks, const net::HttpRequest& request, const Principal& principal,
                         MaintenanceKind kind) {
    if (!hooks.create_maintenance) return error_response(503, "maintenance windows are not available");
    auto parsed = parse_body(request.body);
    if (auto* message = std::get_if<std::string>(&parsed)) return error_response(400, *message);
    BodyReader reader(std::get<json::object>(parsed),
                      {"components", "match", "starts", "ends", "duration", "reason", "actor"});
    MaintenanceRequest m;
    m.kind = kind;
    reader.strings("components", m.components, k_max_components, k_max_component);
    reader.text("match", m.match, k_max_match, TextKind::line, false);
    reader.time("starts", m.starts);
    reader.time("ends", m.ends);
    reader.duration("duration", m.duration);
    reader.text("reason", m.reason, k_max_reason, TextKind::multiline, true);
    reader.person("actor", m.actor.name);
    if (!reader.ok()) return error_response(400, reader.error());
    if (m.components.empty() && m.match.empty()) {
        return error_response(400, "give \"components\" or \"match\" (or both): which alerts the window covers");
    }
    if (m.ends.has_value() == m.duration.has_value()) {
        return error_response(400, "give exactly one of \"ends\" and \"duration\"");
    }
    m.actor.channel = principal.channel();
    auto result = hooks.create_maintenance(m);  // before reading the clock: "active" is judged after
    return render(result, now_of(hooks));
}

net::HttpResponse end(const ApiHooks& hooks, const net::HttpRequest& request, const Principal& principal,
                      std::int64_t id) {
    if (!hooks.end_maintenance) return error_response(503, "maintenance windows are not available");
    auto parsed = parse_body(request.body);
    if (auto* message = std::get_if<std::string>(&parsed)) return error_response(400, *message);
    BodyReader reader(std::get<json::object>(parsed), {"actor"});
    incident::Actor actor;
    reader.person("actor", actor.name);
    if (!reader.ok()) return error_response(400, reader.error());
    actor.channel = principal.channel();
    auto result = hooks.end_maintenance(id, actor);
    return render(result, now_of(hooks));
}

net::HttpResponse show(const ApiHooks& hooks, MaintenanceKind kind, std::int64_t id) {
    if (!hooks.list_maintenance) return error_response(503, "maintenance windows are not available");
    auto listing = hooks.list_maintenance(true);
    if (!listing) return lookup_error(listing.error(), "cannot read maintenance windows");
    for (const auto& w : listing->windows) {
        if (w.id == id && w.kind == kind) return json_response(200, window_object(w, now_of(hooks)));
    }
    return error_response(404, "not found: no " + std::string(incident::to_string(kind)) + " " + std::to_string(id));
}

}  // namespace

bool is_maintenance_path(std::string_view path) {
    for (auto base : {k_maintenance, k_silences}) {
        if (path == base || (path.starts_with(base) && path.size() > base.size() && path[base.size()] == '/')) {
            return true;
        }
    }
    return false;
}

net::HttpResponse route_maintenance(const ApiHooks& hooks, const net::HttpRequest& request,
                                    const Principal& principal, std::string& handler) {
    const bool silence = request.path.starts_with(k_silences);
    const std::string_view base = silence ? k_silences : k_maintenance;
    const MaintenanceKind kind = silence ? MaintenanceKind::silence : MaintenanceKind::maintenance;
    const std::string_view path = request.path;
    if (path == base) {
        handler = std::string(base);
        if (request.method == "GET") return list(hooks, request, kind);
        if (request.method == "POST") return create(hooks, request, principal, kind);
        return method_not_allowed("GET, POST");
    }
    const std::string_view rest = path.substr(base.size() + 1);
    const auto slash = rest.find('/');
    const std::string_view id_text = rest.substr(0, slash);
    if (slash == std::string_view::npos) {
        handler = std::string(base) + "/{id}";
        const auto id = parse_positive(id_text);
        if (!id) return error_response(404, "not found: window ids are positive integers");
        if (request.method != "GET") return method_not_allowed("GET");
        return show(hooks, kind, *id);
    }
    if (rest.substr(slash + 1) != "end") return error_response(404, "not found");
    handler = std::string(base) + "/{id}/end";
    const auto id = parse_positive(id_text);
    if (!id) return error_response(404, "not found: window ids are positive integers");
    if (request.method != "POST") return method_not_allowed("POST");
    return end(hooks, request, principal, *id);
}

bool is_oncall_path(std::string_view path) { return path == k_oncall; }

net::HttpResponse route_oncall(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler) {
    handler = std::string(k_oncall);
    if (request.method != "GET") return method_not_allowed("GET");
    TimePoint at = now_of(hooks);
    if (!request.query.empty()) {
        if (!request.query.starts_with("at=")) {
            return error_response(400, unknown_query(request.query) + " (expected: at=<RFC 3339 time>)");
        }
        const auto text = percent_decode(std::string_view(request.query).substr(3));
        auto parsed = text ? parse_rfc3339(*text) : std::nullopt;
        if (!parsed) return error_response(400, "\"at\" must be an RFC 3339 time such as \"2026-03-29T12:30:00Z\"");
        at = *parsed;
    }
    if (!hooks.oncall) return error_response(503, "on-call schedules are not available");
    auto entries = hooks.oncall(at);
    if (!entries) return lookup_error(entries.error(), "cannot work out who is on call");
    json::array schedules;
    for (const auto& e : *entries) {
        json::object o{{"schedule", e.schedule}, {"time_zone", e.time_zone}};
        if (e.person.empty()) {
            o["person"] = nullptr;
        } else {
            o["person"] = json::object{{"name", e.person}, {"display_name", e.display_name}};
        }
        o["source"] = e.person.empty() ? json::value(nullptr) : json::value(e.source);
        o["layer"] = e.layer.empty() ? json::value(nullptr) : json::value(e.layer);
        o["covering_for"] = e.covering_for.empty() ? json::value(nullptr) : json::value(e.covering_for);
        o["until"] = time_or_null(e.until);
        schedules.push_back(std::move(o));
    }
    return json_response(200, json::object{{"at", format_rfc3339(at)}, {"schedules", std::move(schedules)}});
}

}  // namespace tocsin::api
