// `tocsin postmortem ID`: the Markdown draft of an incident's postmortem
// (docs/incidents.md), from the database read-only.
#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace tocsin::app {

struct PostmortemOptions {
    std::string config_path = "/etc/tocsin/tocsin.toml";
    std::string database_path;  // instead of the config's storage.path
    std::int64_t id = 0;
    std::string time_zone = "UTC";
    std::string output;  // file; empty: stdout
};

// Exit 0 with the Markdown written; 66 (no input) for an unknown incident;
// others as `tocsin audit`.
int command_postmortem(const PostmortemOptions& options);

// Adds `postmortem` to the command line; returns the subcommand.
CLI::App* add_postmortem_command(CLI::App& app, PostmortemOptions& options);

}  // namespace tocsin::app
