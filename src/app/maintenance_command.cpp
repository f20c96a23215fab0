#include "maintenance_command.hpp"

#include <boost/json.hpp>
#include <CLI/CLI.hpp>

#include <iostream>

#include "tocsin/core/exit_code.hpp"

namespace tocsin::app {
namespace {

namespace json = boost::json;

constexpr std::string_view k_program = "tocsin maintenance";

std::string str(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return {};
    return terminal_safe(std::string_view(v->get_string().data(), v->get_string().size()));
}

std::string covers(const json::object& w) {
    std::string out;
    if (const auto* c = w.if_contains("components"); c && c->is_array()) {
        for (const auto& name : c->get_array()) {
            if (name.is_string()) out += (out.empty() ? "" : ",") + terminal_safe(std::string(name.get_string()));
        }
    }
    const std::string match = str(w, "match");
    if (!match.empty()) out += (out.empty() ? "" : " ") + match;
    return out;
}

void print_window(const json::object& w) {
    const json::value* id = w.if_contains("id");
    const bool active = w.if_contains("active") && w.at("active").is_bool() && w.at("active").get_bool();
    const bool ended = w.if_contains("ended") && w.at("ended").is_string();
    std::cout << (id && id->is_int64() ? std::to_string(id->get_int64()) : "?") << "  " << str(w, "kind") << "  "
              << (ended ? "ended" : active ? "active" : "pending") << "  " << str(w, "starts") << " .. "
              << str(w, "ends") << "  " << covers(w) << "  \"" << str(w, "reason") << "\"";
    if (const auto* by = w.if_contains("created_by"); by && by->is_object()) {
        std::cout << "  by " << str(by->get_object(), "name") << " (" << str(by->get_object(), "channel") << ")";
    }
    std::cout << '\n';
}

void print_list(const json::object& body, bool silence) {
    std::size_t shown = 0;
    if (const auto* windows = body.if_contains(silence ? "silences" : "windows"); windows && windows->is_array()) {
        for (const auto& w : windows->get_array()) {
            if (!w.is_object()) continue;
            print_window(w.get_object());
            ++shown;
        }
    }
    if (const auto* configured = body.if_contains("configured"); configured && configured->is_array()) {
        for (const auto& c : configured->get_array()) {
            if (!c.is_object()) continue;
            const auto& o = c.get_object();
            const bool active = o.if_contains("active") && o.at("active").is_bool() && o.at("active").get_bool();
            std::cout << "config  " << str(o, "name") << "  " << (active ? "active" : "inactive") << "  repeat "
                      << str(o, "repeat") << ", " << str(o, "duration") << " (" << str(o, "time_zone") << ")  "
                      << covers(o) << '\n';
            ++shown;
        }
    }
    if (shown == 0) std::cout << (silence ? "no silences\n" : "no maintenance windows\n");
}

}  // namespace

CLI::App* add_maintenance_command(CLI::App& app, MaintenanceCliOptions& o) {
    auto* cmd = app.add_subcommand(
        "maintenance",
        "Add, list and end maintenance windows and silences through the running daemon's HTTP API.\n"
        "While one covers an alert, it declares no incident (docs/api.md#maintenance-windows-and-silences).\n"
        "Exit 0 on success, 1 when the daemon refuses, 64 for a bad command line, 74 when the daemon\n"
        "cannot be reached, 78 for a bad configuration");
    cmd->require_subcommand(1);
    add_api_client_options(cmd, o.client);
    cmd->add_option("--actor", o.actor, "Who acts, as recorded (default: $USER)")->type_name("NAME");
    cmd->add_flag("--silence", o.silence, "A silence (not shown on the status page) instead of a maintenance window");
    cmd->add_flag("--json", o.json, "Print the API's JSON");

    auto sub = [&](const char* name, const char* help) {
        CLI::App* s = cmd->add_subcommand(name, help);
        s->fallthrough();
        s->callback([&o, name] { o.action = name; });
        return s;
    };
    auto* add = sub("add", "Create a window; give --component and/or --match, and --for or --until");
    add->add_option("--component", o.components, "A component it covers (repeat for more)")->type_name("NAME");
    add->add_option("--match", o.match, "Label matchers it covers, e.g. '{env=\"staging\"}'")->type_name("MATCHERS");
    add->add_option("--start", o.starts, "When it starts, RFC 3339 (default: now)")->type_name("TIME");
    auto* until = add->add_option("--until", o.ends, "When it ends, RFC 3339")->type_name("TIME");
    add->add_option("--for", o.duration, "How long it lasts, e.g. 2h or 90m")->type_name("DURATION")->excludes(until);
    add->add_option("--reason", o.reason, "Why, in a few words (recorded and shown)")->required();

    auto* list = sub("list", "List current and future windows (and the configuration's [[maintenance]])");
    list->add_flag("--all", o.all, "Include the last 100 ended ones");

    auto* end = sub("end", "End a window now (a future one is cancelled)");
    end->add_option("id", o.id, "Window number")->required()->type_name("ID");
    return cmd;
}

int command_maintenance(const MaintenanceCliOptions& o) {
    if (o.action == "add" && o.ends.empty() && o.duration.empty()) {
        return cli_fail(k_program, exit_code::usage, "give --for DURATION or --until TIME");
    }
    if (o.action == "add" && o.components.empty() && o.match.empty()) {
        return cli_fail(k_program, exit_code::usage, "give --component NAME and/or --match MATCHERS");
    }
    if (o.action == "end" && (o.id.empty() || o.id.find_first_not_of("0123456789") != std::string::npos)) {
        return cli_fail(k_program, exit_code::usage, "window ids are positive integers, got \"" + terminal_safe(o.id) + "\"");
    }
    const bool write = o.action != "list";
    auto resolved = resolve_api_endpoint(o.client, write, k_program);
    if (auto* code = std::get_if<int>(&resolved)) return *code;
    const ApiEndpoint& endpoint = std::get<ApiEndpoint>(resolved);
    const std::string base = o.silence ? "/api/v1/silences" : "/api/v1/maintenance";
    const std::string actor = !o.actor.empty() ? o.actor : getenv_string("USER").value_or("unknown");

    std::variant<ApiReply, int> reply;
    if (o.action == "list") {
        reply = api_exchange(endpoint, k_program, "GET", base + (o.all ? "?all=true" : ""), std::nullopt);
    } else if (o.action == "add") {
        json::object body{{"reason", o.reason}, {"actor", actor}};
        if (!o.components.empty()) {
            json::array components;
            for (const auto& c : o.components) components.emplace_back(c);
            body["components"] = std::move(components);
        }
        if (!o.match.empty()) body["match"] = o.match;
        if (!o.starts.empty()) body["starts"] = o.starts;
        if (!o.ends.empty()) body["ends"] = o.ends;
        if (!o.duration.empty()) body["duration"] = o.duration;
        reply = api_exchange(endpoint, k_program, "POST", base, body);
    } else {
        reply = api_exchange(endpoint, k_program, "POST", base + "/" + o.id + "/end", json::object{{"actor", actor}});
    }
    if (auto* code = std::get_if<int>(&reply)) return *code;
    const json::value& body = std::get<ApiReply>(reply).body;
    if (o.json) {
        std::cout << json::serialize(body) << '\n';
    } else if (o.action == "list") {
        print_list(body.get_object(), o.silence);
    } else {
        std::cout << (o.action == "add" ? "created " : "ended ");
        print_window(body.get_object());
    }
    return exit_code::ok;
}

}  // namespace tocsin::app
