#include "incident_command.hpp"

#include "api_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <tuple>
#include <variant>

#include "tocsin/api/incident_json.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/core/go_format.hpp"
#include "tocsin/net/http_client.hpp"

namespace tocsin::app {
namespace {

namespace json = boost::json;

bool is_write(const std::string& action) { return action != "list" && action != "show"; }
bool needs_id(const std::string& action) { return action != "list" && action != "declare"; }

int fail(int code, const std::string& message) { return cli_fail("tocsin incident", code, message); }

std::string clean(std::string_view s, const std::string& indent = {}) { return terminal_safe(s, indent); }

bool positive_integer(const std::string& s) {
    if (s.empty() || s.size() > 18 || s[0] == '0') return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Display width of cleaned text, counting runes (good enough for a table).
std::size_t width(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

std::string pad(const std::string& s, std::size_t w) {
    const std::size_t have = width(s);
    return have >= w ? s : s + std::string(w - have, ' ');
}

std::string text(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return {};
    return clean(std::string_view(v->get_string().data(), v->get_string().size()));
}

std::optional<TimePoint> time_of(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return api::parse_rfc3339(std::string_view(v->get_string().data(), v->get_string().size()));
}

// "45s", "12m", "3h12m", "2d4h".
std::string age(TimePoint since, TimePoint now) {
    using namespace std::chrono;
    const auto s = duration_cast<seconds>(now - since).count();
    if (s < 0) return "0s";
    if (s < 60) return std::to_string(s) + "s";
    const auto m = s / 60;
    if (m < 60) return std::to_string(m) + "m";
    const auto h = m / 60;
    if (h < 24) return std::to_string(h) + "h" + (m % 60 ? std::to_string(m % 60) + "m" : "");
    return std::to_string(h / 24) + "d" + (h % 24 ? std::to_string(h % 24) + "h" : "");
}

std::string number(const json::value& v) {
    if (v.is_int64()) return std::to_string(v.get_int64());
    if (v.is_uint64()) return std::to_string(v.get_uint64());
    if (v.is_double()) return gofmt::format_float(v.get_double());
    return "-";
}

std::string time_text(const json::object& o, std::string_view key, TimePoint now) {
    auto t = time_of(o, key);
    if (!t) return "-";
    return api::format_rfc3339(*t) + " (" + age(*t, now) + " ago)";
}

std::string resolve_actor(const IncidentCliOptions& o) {
    if (!o.actor.empty()) return o.actor;
    return getenv_string("USER").value_or("unknown");
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

void print_list(const json::object& reply, bool all, TimePoint now) {
    const json::value* incidents = reply.if_contains("incidents");
    if (incidents == nullptr || !incidents->is_array() || incidents->get_array().empty()) {
        std::cout << (all ? "no incidents\n" : "no open incidents\n");
        return;
    }
    std::vector<std::array<std::string, 5>> rows{{"ID", "SEVERITY", "STATE", "AGE", "TITLE"}};
    for (const auto& v : incidents->get_array()) {
        if (!v.is_object()) continue;
        const json::object& i = v.get_object();
        const json::value* id = i.if_contains("id");
        auto detected = time_of(i, "detected");
        std::string state = text(i, "state");
        if (state != "resolved") {
            const json::value* acked = i.if_contains("acknowledged");
            if (acked == nullptr || acked->is_null()) state += " (unacked)";
        }
        rows.push_back({id ? number(*id) : "?", text(i, "severity"), state, detected ? age(*detected, now) : "-",
                        text(i, "title")});
    }
    std::array<std::size_t, 5> widths{};
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < 4; ++c) widths[c] = std::max(widths[c], width(row[c]));
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < 4; ++c) line += pad(row[c], widths[c]) + "  ";
        line += row[4];
        std::cout << line << '\n';
    }
}

void print_incident(const json::object& i, TimePoint now) {
    const json::value* id = i.if_contains("id");
    std::cout << "Incident " << (id ? number(*id) : "?") << ": " << text(i, "title") << '\n';
    auto field = [](const std::string& name, const std::string& value) {
        std::cout << "  " << pad(name + ":", 16) << value << '\n';
    };
    field("state", text(i, "state"));
    std::string severity = text(i, "severity");
    const std::string computed = text(i, "auto_severity");
    if (!computed.empty() && computed != severity) severity += " (tocsin computes " + computed + ")";
    field("severity", severity);
    const json::value* security = i.if_contains("security");
    if (security && security->is_bool() && security->get_bool()) field("security", "yes");
    std::string component = text(i, "component");
    if (const json::value* affected = i.if_contains("affected_components"); affected && affected->is_array()) {
        std::string others;
        for (const auto& c : affected->get_array()) {
            if (c.is_string()) others += (others.empty() ? "" : ", ") + clean(std::string(c.get_string()));
        }
        if (!others.empty()) component += (component.empty() ? "" : "; also ") + others;
    }
    field("component", component.empty() ? "-" : component);
    const json::value* manual = i.if_contains("manual");
    if (manual && manual->is_bool() && manual->get_bool()) {
        field("declared by", text(i, "reporter"));
    } else {
        field("rule", text(i, "rule"));
    }
    if (const json::value* impact = i.if_contains("impact"); impact && !impact->is_null()) {
        std::string value = number(*impact);
        if (const json::value* peak = i.if_contains("peak_impact"); peak && !peak->is_null()) {
            value += " (peak " + number(*peak) + ")";
        }
        field("impact", value);
    }
    field("impact started", time_text(i, "impact_started", now));
    field("detected", time_text(i, "detected", now));
    std::string acknowledged = time_text(i, "acknowledged", now);
    if (const json::value* by = i.if_contains("acknowledged_by"); by && by->is_object()) {
        acknowledged += " by " + text(by->get_object(), "name") + " via " + text(by->get_object(), "channel");
    }
    field("acknowledged", acknowledged);
    field("identified", time_text(i, "identified", now));
    field("mitigated", time_text(i, "mitigated", now));
    field("resolved", time_text(i, "resolved", now));
    const std::string taxonomy = text(i, "taxonomy");
    if (!taxonomy.empty()) field("taxonomy", taxonomy);
    if (const json::value* d = i.if_contains("description"); d && d->is_string() && !d->get_string().empty()) {
        std::cout << "  description:\n    " << clean(std::string(d->get_string()), "    ") << '\n';
    }
    if (const json::value* alerts = i.if_contains("alerts"); alerts && alerts->is_array() && !alerts->get_array().empty()) {
        std::cout << "  alerts:\n";
        for (const auto& a : alerts->get_array()) {
            if (!a.is_object()) continue;
            std::string labels;
            for (const auto& kv : a.get_object()) {
                if (!kv.value().is_string()) continue;
                labels += (labels.empty() ? "" : ", ") + clean(std::string(kv.key())) + "=\"" +
                          clean(std::string(kv.value().get_string())) + "\"";
            }
            std::cout << "    {" << labels << "}\n";
        }
    }
    const json::value* events = i.if_contains("events");
    if (events == nullptr || !events->is_array()) return;
    std::cout << "Timeline:\n";
    for (const auto& v : events->get_array()) {
        if (!v.is_object()) continue;
        const json::object& e = v.get_object();
        auto at = time_of(e, "at");
        std::string line = "  " + (at ? api::format_rfc3339(*at) : std::string("?")) + "  " +
                           pad(text(e, "kind"), 18) + " " + text(e, "actor") + " (" + text(e, "channel") + ")";
        const json::value* message = e.if_contains("message");
        if (message && message->is_string() && !message->get_string().empty()) {
            line += ": " + clean(std::string(message->get_string()), "      ");
        }
        const std::string detail = text(e, "detail");
        if (!detail.empty()) line += " [" + detail + "]";
        std::cout << line << '\n';
    }
}

void add_id(CLI::App* sub, IncidentCliOptions& o) {
    sub->add_option("id", o.id, "Incident number")->required()->type_name("ID");
}

}  // namespace

CLI::App* add_incident_command(CLI::App& app, IncidentCliOptions& o) {
    auto* incident = app.add_subcommand(
        "incident",
        "List, show and change incidents through the running daemon's HTTP API (docs/api.md).\n"
        "The address comes from the configuration's [api] listen (or --api), the token from --token-file,\n"
        "$TOCSIN_TOKEN or the configuration's [api] tokens. Exit 0 on success, 1 when the daemon refuses,\n"
        "64 for a bad command line, 74 when the daemon cannot be reached, 78 for a bad configuration");
    incident->require_subcommand(1);
    add_api_client_options(incident, o.client);
    incident->add_option("--actor", o.actor, "Who acts, as recorded in the audit trail (default: $USER)")
        ->type_name("NAME");

    auto sub = [&](const char* name, const char* help) {
        CLI::App* s = incident->add_subcommand(name, help);
        s->fallthrough();  // --api, --actor and --config may follow the subcommand
        s->callback([&o, name] { o.action = name; });
        return s;
    };

    auto* list = sub("list", "List incidents, newest first (open ones unless --all)");
    list->add_flag("--all", o.all, "Include resolved incidents");
    list->add_option("--limit", o.limit, "At most this many")->check(CLI::Range(1, 1000))->capture_default_str();
    list->add_option("--severity", o.severity, "Only this severity tier");
    list->add_option("--component", o.components, "Only incidents of this component (main or affected)")
        ->type_name("NAME")
        ->expected(1);
    list->add_option("--since", o.since, "Only incidents open at some moment since this RFC 3339 time")
        ->type_name("TIME");
    list->add_flag("--json", o.json, "Print the API's JSON");

    auto* show = sub("show", "Show an incident and its timeline");
    add_id(show, o);
    show->add_flag("--json", o.json, "Print the API's JSON");

    auto* declare = sub("declare", "Declare an incident by hand");
    declare->add_option("--title", o.title, "What is wrong, in one line")->required();
    declare->add_option("--component", o.components, "Affected component (repeat for more; the first is the main one)")
        ->type_name("NAME");
    declare->add_option("--severity", o.severity, "Severity tier (default: [incidents] default_severity)");
    declare->add_option("--description", o.description, "More detail");
    declare->add_flag("--security", o.security, "A security incident (at least [incidents] security_severity)");
    declare->add_option("--impact-started", o.impact_started,
                        "When the impact began, RFC 3339 (e.g. 2026-03-29T12:30:00Z; default: now)")
        ->type_name("TIME");

    auto* ack = sub("ack", "Acknowledge an incident: you own it, paging stops escalating");
    add_id(ack, o);

    auto* state = sub("state", "Move an incident to another state");
    add_id(state, o);
    state->add_option("state", o.state, "investigating, identified, monitoring or resolved")
        ->required()
        ->check(CLI::IsMember({"investigating", "identified", "monitoring", "resolved"}))
        ->type_name("STATE");
    state->add_option("-m,--message", o.message, "Status update to record with the change");
    state->add_flag("--force", o.force, "Resolve even though the rule's condition still holds");

    // Shortcuts for `state`: the words on-call engineers type at 3 a.m.
    for (auto [name, target, help] : {std::tuple{"identify", "identified", "The cause is known (state identified)"},
                                      std::tuple{"monitor", "monitoring", "A fix is in; watching it (state monitoring)"},
                                      std::tuple{"resolve", "resolved", "It is over (state resolved)"}}) {
        auto* shortcut = incident->add_subcommand(name, help);
        shortcut->fallthrough();
        shortcut->callback([&o, target = std::string(target)] {
            o.action = "state";
            o.state = target;
        });
        add_id(shortcut, o);
        shortcut->add_option("-m,--message", o.message, "Status update to record with the change");
        if (std::string_view(name) == "resolve") {
            shortcut->add_flag("--force", o.force, "Resolve even though the rule's condition still holds");
        }
    }

    auto* severity = sub("severity", "Change an incident's severity");
    add_id(severity, o);
    severity->add_option("severity", o.severity, "Severity tier")->required()->type_name("SEVERITY");
    severity->add_option("-m,--message", o.message, "Why");

    auto* owner = sub("owner", "Hand an incident to someone (acknowledges it if nobody had)");
    add_id(owner, o);
    owner->add_option("owner", o.owner, "Who owns it from now on")->required()->type_name("NAME");
    owner->add_option("-m,--message", o.message, "Why");

    auto* note = sub("note", "Add a status update to an incident's timeline");
    add_id(note, o);
    note->add_option("message", o.words, "The update (several words are joined)")->required()->type_name("MESSAGE");

    auto* postmortem = sub("postmortem", "Mark a resolved incident's postmortem published (ends the reminders)");
    add_id(postmortem, o);
    postmortem->add_option("--url", o.message, "Where it is published")->type_name("URL");

    auto* taxonomy = sub("taxonomy", "Set an incident's taxonomy term (postmortems)");
    add_id(taxonomy, o);
    taxonomy->add_option("term", o.words, "Term or tree, e.g. 'DATA_QUALITY < FAILED_MIGRATION'")
        ->required()
        ->type_name("TERM");
    return incident;
}

int command_incident(const IncidentCliOptions& o) {
    if (needs_id(o.action) && !positive_integer(o.id)) {
        return fail(exit_code::usage, "incident ids are positive integers, got \"" + clean(o.id) + "\"");
    }
    auto resolved = resolve_api_endpoint(o.client, is_write(o.action), "tocsin incident");
    if (auto* code = std::get_if<int>(&resolved)) return *code;
    const ApiEndpoint& endpoint = std::get<ApiEndpoint>(resolved);
    const std::string collection = "/api/v1/incidents";
    const std::string item = collection + "/" + o.id;
    const TimePoint now = std::chrono::system_clock::now();

    if (o.action == "list") {
        std::string query = collection + "?state=" + (o.all ? "all" : "open") + "&limit=" + std::to_string(o.limit);
        if (!o.severity.empty()) query += "&severity=" + url_encode(o.severity);
        if (!o.components.empty()) query += "&component=" + url_encode(o.components.front());
        if (!o.since.empty()) query += "&since=" + url_encode(o.since);
        auto reply = api_exchange(endpoint, "tocsin incident", "GET", query, std::nullopt);
        if (auto* code = std::get_if<int>(&reply)) return *code;
        const json::value& body = std::get<ApiReply>(reply).body;
        if (o.json) std::cout << json::serialize(body) << '\n';
        else print_list(body.get_object(), o.all, now);
        return exit_code::ok;
    }
    if (o.action == "show") {
        auto reply = api_exchange(endpoint, "tocsin incident", "GET", item, std::nullopt);
        if (auto* code = std::get_if<int>(&reply)) return *code;
        const json::value& body = std::get<ApiReply>(reply).body;
        if (o.json) std::cout << json::serialize(body) << '\n';
        else print_incident(body.get_object(), now);
        return exit_code::ok;
    }

    const std::string actor = resolve_actor(o);
    json::object body;
    std::string path;
    if (o.action == "declare") {
        path = collection;
        body["title"] = o.title;
        json::array components;
        for (const auto& c : o.components) components.emplace_back(c);
        if (!components.empty()) body["components"] = std::move(components);
        if (!o.severity.empty()) body["severity"] = o.severity;
        if (!o.description.empty()) body["description"] = o.description;
        if (o.security) body["security"] = true;
        if (!o.impact_started.empty()) body["impact_started"] = o.impact_started;
        body["reporter"] = actor;
    } else {
        body["actor"] = actor;
        if (o.action == "ack") {
            path = item + "/ack";
        } else if (o.action == "state") {
            path = item + "/state";
            body["state"] = o.state;
            if (!o.message.empty()) body["message"] = o.message;
            if (o.force) body["force"] = true;
        } else if (o.action == "severity") {
            path = item + "/severity";
            body["severity"] = o.severity;
            if (!o.message.empty()) body["message"] = o.message;
        } else if (o.action == "owner") {
            path = item + "/owner";
            body["owner"] = o.owner;
            if (!o.message.empty()) body["message"] = o.message;
        } else if (o.action == "note") {
            path = item + "/notes";
            body["message"] = join(o.words);
        } else if (o.action == "taxonomy") {
            path = item + "/taxonomy";
            body["taxonomy"] = join(o.words);
        } else if (o.action == "postmortem") {
            path = item + "/postmortem";
            if (!o.message.empty()) body["url"] = o.message;
        } else {
            return fail(exit_code::usage, "unknown incident subcommand \"" + o.action + "\"");
        }
    }
    auto reply = api_exchange(endpoint, "tocsin incident", "POST", path, body);
    if (auto* code = std::get_if<int>(&reply)) return *code;
    const json::object& incident = std::get<ApiReply>(reply).body.get_object();
    const json::value* id_value = incident.if_contains("id");
    const std::string id = id_value ? number(*id_value) : o.id;
    if (o.action == "declare") {
        std::cout << "declared incident " << id << ": " << text(incident, "title") << " ("
                  << text(incident, "severity") << ", " << text(incident, "state") << ")\n";
    } else if (o.action == "ack") {
        std::cout << "acknowledged incident " << id << " as " << clean(actor) << '\n';
    } else if (o.action == "state") {
        std::cout << "incident " << id << " is now " << text(incident, "state") << '\n';
    } else if (o.action == "severity") {
        std::cout << "incident " << id << " is now " << text(incident, "severity") << '\n';
    } else if (o.action == "owner") {
        const json::value* by = incident.if_contains("acknowledged_by");
        std::cout << "incident " << id << " is now owned by "
                  << (by && by->is_object() ? text(by->get_object(), "name") : clean(o.owner)) << '\n';
    } else if (o.action == "note") {
        std::cout << "added a note to incident " << id << '\n';
    } else if (o.action == "postmortem") {
        std::cout << "incident " << id << ": postmortem published\n";
    } else {
        std::cout << "incident " << id << " taxonomy: " << text(incident, "taxonomy") << '\n';
    }
    return exit_code::ok;
}

}  // namespace tocsin::app
