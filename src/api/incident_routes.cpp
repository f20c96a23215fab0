#include "incident_routes.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "json_objects.hpp"
#include "body_reader.hpp"
#include "json_response.hpp"
#include "tocsin/api/incident_json.hpp"
#include "tocsin/core/ascii.hpp"
#include "tocsin/core/go_format.hpp"

namespace tocsin::api {
namespace {

namespace json = boost::json;
using incident::IncidentState;

constexpr std::string_view k_collection = "/api/v1/incidents";

constexpr std::size_t k_default_limit = 100;
constexpr std::size_t k_max_limit = 1000;

// Limits on what a request may carry, in bytes.
constexpr std::size_t k_max_message = 4096;
constexpr std::size_t k_max_title = 256;
constexpr std::size_t k_max_description = 16384;
constexpr std::size_t k_max_severity = 64;
constexpr std::size_t k_max_taxonomy = 1024;
constexpr std::size_t k_max_component = 128;
constexpr std::size_t k_max_components = 32;

enum class Action { ack, state, severity, notes, taxonomy, postmortem, owner };

struct ActionRoute {
    std::string_view segment;
    Action action;
    std::string_view label;
};

constexpr std::array<ActionRoute, 7> k_actions{{
    {"ack", Action::ack, "/api/v1/incidents/{id}/ack"},
    {"state", Action::state, "/api/v1/incidents/{id}/state"},
    {"severity", Action::severity, "/api/v1/incidents/{id}/severity"},
    {"notes", Action::notes, "/api/v1/incidents/{id}/notes"},
    {"taxonomy", Action::taxonomy, "/api/v1/incidents/{id}/taxonomy"},
    {"postmortem", Action::postmortem, "/api/v1/incidents/{id}/postmortem"},
    {"owner", Action::owner, "/api/v1/incidents/{id}/owner"},
}};

net::HttpResponse not_found_path() { return error_response(404, "not found"); }

net::HttpResponse list(const ApiHooks& hooks, const net::HttpRequest& request) {
    IncidentFilter filter;
    filter.limit = k_default_limit;
    std::string_view query = request.query;
    std::vector<std::string_view> seen;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        const auto decoded = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        const bool known = key == "state" || key == "limit" || key == "severity" || key == "component" || key == "since";
        if (!known) {
            const bool safe = key.size() <= k_max_quoted_name && std::all_of(key.begin(), key.end(), [](char c) {
                                  return c > ' ' && c < 0x7f && c != '"' && c != '\\';
                              });
            return error_response(400, (safe ? "unknown query parameter \"" + std::string(key) + "\""
                                             : std::string("unknown query parameter")) +
                                           " (expected: state, limit, severity, component, since)");
        }
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
            return error_response(400, "query parameter \"" + std::string(key) + "\" given twice");
        }
        seen.push_back(key);
        if (!decoded) return error_response(400, "query parameter \"" + std::string(key) + "\" has a malformed %-escape");
        const std::string& value = *decoded;
        if (key == "state") {
            if (value == "open") filter.open_only = true;
            else if (value == "all") filter.open_only = false;
            else return error_response(400, "state must be \"open\" or \"all\"");
        } else if (key == "limit") {
            auto n = parse_positive(value);
            if (!n || *n > static_cast<std::int64_t>(k_max_limit)) {
                return error_response(400, "limit must be an integer from 1 to " + std::to_string(k_max_limit));
            }
            filter.limit = static_cast<std::size_t>(*n);
        } else if (key == "severity" || key == "component") {
            if (value.empty() || value.size() > k_max_component || !printable(value, TextKind::line)) {
                return error_response(400, std::string(key) + " must be a name of 1 to " +
                                               std::to_string(k_max_component) + " printable bytes");
            }
            (key == "severity" ? filter.severity : filter.component) = value;
        } else {
            auto t = parse_rfc3339(value);
            if (!t) return error_response(400, "since must be an RFC 3339 time such as 2026-03-29T12:30:00Z");
            filter.since = *t;
        }
    }
    if (!hooks.list_incidents) return error_response(503, "incidents are not available");
    auto incidents = hooks.list_incidents(filter);
    if (!incidents) return lookup_error(incidents.error(), "cannot list incidents");
    json::array array;
    for (const auto& i : *incidents) {
        if (array.size() == filter.limit) break;
        array.emplace_back(incident_object(i));
    }
    return json_response(200, json::object{{"incidents", std::move(array)}});
}

net::HttpResponse show(const ApiHooks& hooks, std::int64_t id) {
    if (!hooks.get_incident) return error_response(503, "incidents are not available");
    auto found = hooks.get_incident(id);
    if (!found) return lookup_error(found.error(), "cannot read incident " + std::to_string(id));
    if (!found->has_value()) return error_response(404, "no incident " + std::to_string(id));
    const IncidentDetail& detail = **found;
    json::object object = incident_object(detail.incident);
    json::array events;
    for (const auto& e : detail.events) events.emplace_back(event_object(e));
    object["events"] = std::move(events);
    return json_response(200, object);
}

net::HttpResponse render(const IncidentCommandResult& result) {
    if (result.status >= 400 && result.status <= 599) {
        return error_response(result.status, result.error.empty() ? "request failed" : result.error);
    }
    if (result.status < 200 || result.status > 299 || !result.incident) {
        return error_response(500, "internal error: the daemon gave no incident");
    }
    net::HttpResponse r = json_response(result.status, incident_object(*result.incident));
    if (result.status == 201) {
        r.headers.emplace_back("Location", std::string(k_collection) + "/" + std::to_string(result.incident->id));
    }
    return r;
}

// Reads the body of a write into `command`; an error response when it is
// not acceptable.
std::optional<net::HttpResponse> read_command(std::string_view body, std::optional<Action> action,
                                              const std::string& channel, IncidentCommand& command) {
    auto parsed = parse_body(body);
    if (auto* message = std::get_if<std::string>(&parsed)) return error_response(400, *message);
    const json::object& object = std::get<json::object>(parsed);
    std::optional<BodyReader> reader;
    if (!action) {
        command.kind = IncidentCommand::Kind::declare;
        auto& d = command.declaration;
        reader.emplace(object, std::initializer_list<std::string_view>{
                                   "title", "components", "severity", "description", "security", "reporter",
                                   "impact_started"});
        reader->text("title", d.title, k_max_title, TextKind::line, true);
        reader->strings("components", d.components, k_max_components, k_max_component);
        reader->text("severity", d.severity, k_max_severity, TextKind::line, false);
        reader->text("description", d.description, k_max_description, TextKind::multiline, false);
        reader->boolean("security", d.security);
        reader->person("reporter", command.actor.name);
        reader->time("impact_started", d.impact_started);
        command.actor.channel = channel;
        d.reporter = command.actor;
    } else {
        switch (*action) {
            case Action::ack:
                command.kind = IncidentCommand::Kind::acknowledge;
                reader.emplace(object, std::initializer_list<std::string_view>{"actor"});
                break;
            case Action::state: {
                command.kind = IncidentCommand::Kind::set_state;
                reader.emplace(object, std::initializer_list<std::string_view>{"state", "message", "actor", "force"});
                std::string state;
                reader->text("state", state, 32, TextKind::line, true);
                if (reader->ok()) {
                    auto parsed_state = incident::parse_incident_state(state);
                    if (!parsed_state) {
                        return error_response(
                            400, "\"state\" must be one of investigating, identified, monitoring, resolved");
                    }
                    command.state = *parsed_state;
                }
                reader->text("message", command.message, k_max_message, TextKind::multiline, false);
                reader->boolean("force", command.force);
                break;
            }
            case Action::severity:
                command.kind = IncidentCommand::Kind::set_severity;
                reader.emplace(object, std::initializer_list<std::string_view>{"severity", "message", "actor"});
                reader->text("severity", command.severity, k_max_severity, TextKind::line, true);
                reader->text("message", command.message, k_max_message, TextKind::multiline, false);
                break;
            case Action::notes:
                command.kind = IncidentCommand::Kind::note;
                reader.emplace(object, std::initializer_list<std::string_view>{"message", "actor"});
                reader->text("message", command.message, k_max_message, TextKind::multiline, true);
                break;
            case Action::taxonomy:
                command.kind = IncidentCommand::Kind::set_taxonomy;
                reader.emplace(object, std::initializer_list<std::string_view>{"taxonomy", "actor"});
                reader->text("taxonomy", command.taxonomy, k_max_taxonomy, TextKind::line, true);
                break;
            case Action::owner:
                command.kind = IncidentCommand::Kind::assign_owner;
                reader.emplace(object, std::initializer_list<std::string_view>{"owner", "message", "actor"});
                reader->text("owner", command.owner, k_max_actor, TextKind::line, true);
                reader->text("message", command.message, k_max_message, TextKind::multiline, false);
                break;
            case Action::postmortem:
                command.kind = IncidentCommand::Kind::postmortem_published;
                reader.emplace(object, std::initializer_list<std::string_view>{"url", "actor"});
                reader->text("url", command.url, k_max_taxonomy, TextKind::line, false);
                break;
        }
        reader->person("actor", command.actor.name);
        command.actor.channel = channel;
    }
    if (!reader->ok()) return error_response(400, reader->error());
    return std::nullopt;
}

net::HttpResponse write(const ApiHooks& hooks, const net::HttpRequest& request, const Principal& principal,
                        std::optional<Action> action, std::int64_t id) {
    if (!hooks.incident_command) return error_response(503, "incident commands are not available");
    IncidentCommand command;
    command.id = id;
    if (auto invalid = read_command(request.body, action, principal.channel(), command)) return *invalid;
    return render(hooks.incident_command(command));
}

}  // namespace

bool is_json_api_path(std::string_view path) { return path.starts_with("/api/"); }

net::HttpResponse route_incidents(const ApiHooks& hooks, const net::HttpRequest& request, const Principal& principal,
                                  std::string& handler) {
    const std::string_view path = request.path;
    if (path == k_collection) {
        handler = k_collection;
        if (request.method == "GET") return list(hooks, request);
        if (request.method == "POST") return write(hooks, request, principal, std::nullopt, 0);
        return method_not_allowed("GET, POST");
    }
    if (!path.starts_with(k_collection) || path.size() <= k_collection.size() + 1 || path[k_collection.size()] != '/') {
        return not_found_path();
    }
    const std::string_view rest = path.substr(k_collection.size() + 1);
    const auto slash = rest.find('/');
    const std::string_view id_text = rest.substr(0, slash);
    const bool is_item = slash == std::string_view::npos;
    std::optional<Action> action;
    if (is_item) {
        handler = "/api/v1/incidents/{id}";
    } else {
        const std::string_view segment = rest.substr(slash + 1);
        auto it = std::find_if(k_actions.begin(), k_actions.end(), [&](const ActionRoute& a) { return a.segment == segment; });
        if (it == k_actions.end()) return not_found_path();
        handler = it->label;
        action = it->action;
    }
    const auto id = parse_positive(id_text);
    if (!id) return error_response(404, "not found: incident ids are positive integers");
    if (is_item) {
        if (request.method != "GET") return method_not_allowed("GET");
        return show(hooks, *id);
    }
    if (request.method != "POST") return method_not_allowed("POST");
    return write(hooks, request, principal, action, *id);
}

}  // namespace tocsin::api
