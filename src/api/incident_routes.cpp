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
constexpr std::size_t k_max_actor = 200;
constexpr std::size_t k_max_message = 4096;
constexpr std::size_t k_max_title = 256;
constexpr std::size_t k_max_description = 16384;
constexpr std::size_t k_max_severity = 64;
constexpr std::size_t k_max_taxonomy = 1024;
constexpr std::size_t k_max_component = 128;
constexpr std::size_t k_max_components = 32;
// Request bodies are flat: an object, at most an array inside it.
constexpr std::size_t k_max_depth = 8;
constexpr std::size_t k_max_quoted_name = 64;

enum class Action { ack, state, severity, notes, taxonomy, postmortem };

struct ActionRoute {
    std::string_view segment;
    Action action;
    std::string_view label;
};

constexpr std::array<ActionRoute, 6> k_actions{{
    {"ack", Action::ack, "/api/v1/incidents/{id}/ack"},
    {"state", Action::state, "/api/v1/incidents/{id}/state"},
    {"severity", Action::severity, "/api/v1/incidents/{id}/severity"},
    {"notes", Action::notes, "/api/v1/incidents/{id}/notes"},
    {"taxonomy", Action::taxonomy, "/api/v1/incidents/{id}/taxonomy"},
    {"postmortem", Action::postmortem, "/api/v1/incidents/{id}/postmortem"},
}};

net::HttpResponse json_response(int status, const json::value& value) {
    net::HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = json::serialize(value);
    r.body += '\n';
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

net::HttpResponse error_response(int status, std::string_view message) {
    return json_response(status, json::object{{"error", message}});
}

net::HttpResponse method_not_allowed(std::string_view allow) {
    auto r = error_response(405, "method not allowed");
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
}

net::HttpResponse not_found_path() { return error_response(404, "not found"); }

// A name from the request, shortened for an error message. The JSON parser
// has checked it is UTF-8, and the serializer escapes control characters.
std::string quoted_name(std::string_view name) {
    if (name.size() > k_max_quoted_name) {
        std::size_t cut = k_max_quoted_name;
        while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
        return "\"" + std::string(name.substr(0, cut)) + "...\"";
    }
    return "\"" + std::string(name) + "\"";
}

// Takes time that depends only on the length of `expected`, never on where
// the two first differ.
bool constant_time_equals(std::string_view given, std::string_view expected) {
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
        diff |= static_cast<unsigned char>(g ^ static_cast<unsigned char>(expected[i]));
    }
    volatile unsigned char result = diff;
    return result == 0;
}

// "Bearer <token>" (scheme case-insensitive). An error response when the
// request may not write; the token is never echoed.
std::optional<net::HttpResponse> check_token(const ApiHooks& hooks, const net::HttpRequest& request) {
    if (!hooks.token || hooks.token->empty()) return error_response(403, "writes are disabled: set api.token");
    auto unauthorized = [](std::string_view message) {
        auto r = error_response(401, message);
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
    };
    const std::string header = request.header("Authorization");
    std::string_view value = header;
    if (value.size() < 7 || !ascii_iequals(value.substr(0, 6), "bearer") || value[6] != ' ') {
        return unauthorized("missing bearer token: send \"Authorization: Bearer <api.token>\"");
    }
    value.remove_prefix(7);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (!constant_time_equals(value, hooks.token->reveal())) return unauthorized("invalid bearer token");
    return std::nullopt;
}

// A positive decimal integer that fits int64, as written in a path or query.
std::optional<std::int64_t> parse_positive(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const int digit = c - '0';
        if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (value <= 0) return std::nullopt;
    return value;
}

enum class TextKind { line, multiline };

// Valid UTF-8 of printable characters; `multiline` text may also hold
// newlines and tabs.
bool printable(std::string_view s, TextKind kind) {
    for (std::size_t pos = 0; pos < s.size();) {
        const gofmt::Rune r = gofmt::decode_rune(s, pos);
        if (r.value == gofmt::k_rune_error && r.width == 1) return false;
        const bool allowed = gofmt::is_print(r.value) || (kind == TextKind::multiline && (r.value == '\n' || r.value == '\t'));
        if (!allowed) return false;
        pos += r.width;
    }
    return true;
}

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n'; });
}

// Reads a request body's fields: each getter checks type and limits and
// records the first problem; unknown fields are refused up front.
class BodyReader {
public:
    BodyReader(const json::object& object, std::initializer_list<std::string_view> allowed) : m_object(object) {
        for (const auto& [key, value] : object) {
            if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) != allowed.end()) continue;
            std::string expected;
            for (auto name : allowed) expected += (expected.empty() ? "" : ", ") + std::string(name);
            fail("unknown field " + quoted_name(key) + " (expected: " + expected + ")");
            return;
        }
    }

    const std::string& error() const { return m_error; }
    bool ok() const { return m_error.empty(); }

    // An optional string field (null counts as absent).
    void text(std::string_view key, std::string& out, std::size_t max, TextKind kind, bool required) {
        const json::value* v = find(key);
        if (v == nullptr) {
            if (required) fail("\"" + std::string(key) + "\" is required");
            return;
        }
        if (!v->is_string()) return fail("\"" + std::string(key) + "\" must be a string");
        const json::string& s = v->get_string();
        check_text(key, s, max, kind, required);
        if (ok()) out.assign(s.data(), s.size());
    }

    // Who acts: required, non-empty, one printable line of at most 200 bytes.
    void person(std::string_view key, std::string& out) { text(key, out, k_max_actor, TextKind::line, true); }

    void boolean(std::string_view key, bool& out) {
        const json::value* v = find(key);
        if (v == nullptr) return;
        if (!v->is_bool()) return fail("\"" + std::string(key) + "\" must be true or false");
        out = v->get_bool();
    }

    void strings(std::string_view key, std::vector<std::string>& out, std::size_t max_items, std::size_t max) {
        const json::value* v = find(key);
        if (v == nullptr) return;
        if (!v->is_array()) return fail("\"" + std::string(key) + "\" must be an array of strings");
        const json::array& a = v->get_array();
        if (a.size() > max_items) {
            return fail("\"" + std::string(key) + "\" has more than " + std::to_string(max_items) + " entries");
        }
        std::vector<std::string> values;
        for (const auto& item : a) {
            if (!item.is_string()) return fail("\"" + std::string(key) + "\" must be an array of strings");
            check_text(key, item.get_string(), max, TextKind::line, true);
            if (!ok()) return;
            values.emplace_back(item.get_string().data(), item.get_string().size());
        }
        out = std::move(values);
    }

    void time(std::string_view key, std::optional<TimePoint>& out) {
        const json::value* v = find(key);
        if (v == nullptr) return;
        auto invalid = [&] {
            fail("\"" + std::string(key) + "\" must be an RFC 3339 time such as \"2026-03-29T12:30:00Z\"");
        };
        if (!v->is_string()) return invalid();
        auto t = parse_rfc3339(std::string_view(v->get_string().data(), v->get_string().size()));
        if (!t) return invalid();
        out = *t;
    }

private:
    const json::value* find(std::string_view key) const {
        if (!ok()) return nullptr;
        const json::value* v = m_object.if_contains(key);
        if (v == nullptr || v->is_null()) return nullptr;
        return v;
    }

    void check_text(std::string_view key, const json::string& s, std::size_t max, TextKind kind, bool non_empty) {
        const std::string_view view(s.data(), s.size());
        const std::string name = "\"" + std::string(key) + "\"";
        if (non_empty && blank(view)) return fail(name + " must not be empty");
        if (view.size() > max) return fail(name + " is longer than " + std::to_string(max) + " bytes");
        if (!printable(view, kind)) {
            return fail(name + (kind == TextKind::line ? " must be one line of printable characters"
                                                         : " must not contain control characters other than "
                                                           "newlines and tabs"));
        }
    }

    void fail(std::string message) {
        if (m_error.empty()) m_error = std::move(message);
    }

    const json::object& m_object;
    std::string m_error;
};

// The body as a JSON object, or why not.
std::variant<json::object, std::string> parse_body(std::string_view body) {
    json::parse_options options;
    options.max_depth = k_max_depth;
    json::error_code ec;
    json::value value = json::parse(body, ec, json::storage_ptr(), options);
    if (ec) return "request body is not valid JSON: " + ec.message();
    if (!value.is_object()) return std::string("request body must be a JSON object");
    return std::move(value.get_object());
}

net::HttpResponse lookup_error(const Error& error, std::string_view what) {
    const bool unavailable = error.category == ErrorCategory::storage || error.category == ErrorCategory::io ||
                             error.category == ErrorCategory::timeout;
    return error_response(unavailable ? 503 : 500, std::string(what) + ": " + error.message);
}

net::HttpResponse list(const ApiHooks& hooks, const net::HttpRequest& request) {
    bool open_only = true;
    std::size_t limit = k_default_limit;
    std::string_view query = request.query;
    bool seen_state = false, seen_limit = false;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        if (key == "state" && !seen_state) {
            seen_state = true;
            if (value == "open") open_only = true;
            else if (value == "all") open_only = false;
            else return error_response(400, "state must be \"open\" or \"all\"");
        } else if (key == "limit" && !seen_limit) {
            seen_limit = true;
            auto n = parse_positive(value);
            if (!n || *n > static_cast<std::int64_t>(k_max_limit)) {
                return error_response(400, "limit must be an integer from 1 to " + std::to_string(k_max_limit));
            }
            limit = static_cast<std::size_t>(*n);
        } else if (key == "state" || key == "limit") {
            return error_response(400, "query parameter \"" + std::string(key) + "\" given twice");
        } else {
            const bool safe = key.size() <= k_max_quoted_name && std::all_of(key.begin(), key.end(), [](char c) {
                                  return c > ' ' && c < 0x7f && c != '"' && c != '\\';
                              });
            return error_response(400, (safe ? "unknown query parameter \"" + std::string(key) + "\""
                                             : std::string("unknown query parameter")) +
                                           " (expected: state, limit)");
        }
    }
    if (!hooks.list_incidents) return error_response(503, "incidents are not available");
    auto incidents = hooks.list_incidents(open_only, limit);
    if (!incidents) return lookup_error(incidents.error(), "cannot list incidents");
    json::array array;
    for (const auto& i : *incidents) {
        if (array.size() == limit) break;
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
                                              IncidentCommand& command) {
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
        command.actor.channel = "api";
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
            case Action::postmortem:
                command.kind = IncidentCommand::Kind::postmortem_published;
                reader.emplace(object, std::initializer_list<std::string_view>{"url", "actor"});
                reader->text("url", command.url, k_max_taxonomy, TextKind::line, false);
                break;
        }
        reader->person("actor", command.actor.name);
        command.actor.channel = "api";
    }
    if (!reader->ok()) return error_response(400, reader->error());
    return std::nullopt;
}

net::HttpResponse write(const ApiHooks& hooks, const net::HttpRequest& request, std::optional<Action> action,
                        std::int64_t id) {
    if (!hooks.incident_command) return error_response(503, "incident commands are not available");
    if (auto refused = check_token(hooks, request)) return *refused;
    IncidentCommand command;
    command.id = id;
    if (auto invalid = read_command(request.body, action, command)) return *invalid;
    return render(hooks.incident_command(command));
}

}  // namespace

bool is_json_api_path(std::string_view path) { return path.starts_with("/api/"); }

net::HttpResponse route_incidents(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler) {
    const std::string_view path = request.path;
    if (path == k_collection) {
        handler = k_collection;
        if (request.method == "GET") return list(hooks, request);
        if (request.method == "POST") return write(hooks, request, std::nullopt, 0);
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
    return write(hooks, request, action, *id);
}

}  // namespace tocsin::api
