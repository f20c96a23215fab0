// `tocsin incident ...`: lists, shows and changes incidents through the
// running daemon's HTTP API (docs/api.md). The daemon decides; this only
// sends requests and prints the answers.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "api_client.hpp"

namespace CLI {
class App;
}

namespace tocsin::app {

struct IncidentCliOptions {
    ApiClientOptions client;    // --config, --api, --token-file
    std::string actor;          // --actor; empty: $USER, else "unknown"
    std::string action;         // list, show, declare, ack, state, severity, note, taxonomy
    bool json = false;          // list/show: print the API's JSON as it came

    bool all = false;          // list
    std::size_t limit = 100;   // list
    std::string id;            // as typed; checked before anything is sent
    std::string state;         // state
    std::string severity;      // declare, severity
    std::string message;       // state, severity
    std::vector<std::string> words;  // note MESSAGE..., taxonomy TERM...
    bool force = false;        // state
    std::string title;         // declare
    std::vector<std::string> components;
    std::string description;
    bool security = false;
    std::string impact_started;  // declare, RFC 3339
    std::string since;           // list, RFC 3339
    std::string owner;           // owner
};

// Registers `incident` and its subcommands on `app`; returns the
// `incident` subcommand so main can tell whether it was chosen.
CLI::App* add_incident_command(CLI::App& app, IncidentCliOptions& options);

// Runs the chosen subcommand. Exit 0 on success, 64 for a bad command line,
// 78 when the configuration cannot be loaded, 74 when the daemon cannot be
// reached, 1 when the daemon refused (the reason goes to stderr).
int command_incident(const IncidentCliOptions& options);

}  // namespace tocsin::app
