#include "postmortem_command.hpp"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "read_only_database.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/incident/postmortem.hpp"
#include "tocsin/store/incident_repository.hpp"

namespace tocsin::app {

int command_postmortem(const PostmortemOptions& options) {
    auto opened = open_state_read_only(options.config_path, options.database_path);
    if (const int* rc = std::get_if<int>(&opened)) return *rc;
    store::Database& db = std::get<store::Database>(opened);
    store::IncidentRepository repo(db);
    auto found = repo.find(options.id);
    if (!found) {
        std::cerr << "cannot read incident " << options.id << ": " << found.error().message << '\n';
        return exit_code::data_error;
    }
    if (!*found) {
        std::cerr << "no incident " << options.id << " in " << db.path() << '\n';
        return exit_code::no_input;
    }
    auto events = repo.events(options.id);
    if (!events) {
        std::cerr << "cannot read the events of incident " << options.id << ": " << events.error().message << '\n';
        return exit_code::data_error;
    }
    for (const auto& w : events->warnings) std::cerr << "warning: " << w << '\n';
    const std::string markdown =
        incident::render_postmortem(**found, events->events, incident::PostmortemOptions{options.time_zone});
    if (options.output.empty()) {
        std::cout << markdown;
        return exit_code::ok;
    }
    std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
    out << markdown;
    out.close();
    if (!out) {
        std::cerr << "cannot write " << options.output << '\n';
        return exit_code::io_error;
    }
    std::cerr << "postmortem of incident " << options.id << " written to " << options.output << '\n';
    return exit_code::ok;
}

CLI::App* add_postmortem_command(CLI::App& app, PostmortemOptions& options) {
    auto* sub = app.add_subcommand(
        "postmortem",
        "Write the Markdown draft of an incident's postmortem: Impact (affected users, timeline from the audit\n"
        "trail, Time To Detect/Fix/Recover), Cause, Solution, Conclusion (taxonomy). Reads the database only.");
    sub->add_option("id", options.id, "Incident id")->required()->check(CLI::PositiveNumber);
    sub->add_option("-c,--config", options.config_path, "Configuration file")->capture_default_str();
    sub->add_option("--database", options.database_path, "Database file (instead of --config)");
    sub->add_option("--time-zone", options.time_zone, "Time zone of the timeline (IANA name)")->capture_default_str();
    sub->add_option("-o,--output", options.output, "Write to this file instead of standard output");
    return sub;
}

}  // namespace tocsin::app
