// `tocsin maintenance add|list|end` (and `--silence`): maintenance windows
// and silences through the running daemon's HTTP API (docs/api.md).
#pragma once

#include <string>
#include <vector>

#include "api_client.hpp"

namespace CLI {
class App;
}

namespace tocsin::app {

struct MaintenanceCliOptions {
    ApiClientOptions client;
    std::string action;  // add, list, end
    std::string actor;   // --actor; empty: $USER
    bool silence = false;  // --silence: a silence instead of a maintenance window
    bool json = false;
    bool all = false;                     // list: ended ones too
    std::vector<std::string> components;  // add
    std::string match;                    // add
    std::string starts;                   // add, RFC 3339; empty: now
    std::string ends;                     // add, RFC 3339
    std::string duration;                 // add, e.g. "2h"
    std::string reason;                   // add
    std::string id;                       // end
};

CLI::App* add_maintenance_command(CLI::App& app, MaintenanceCliOptions& options);

// Exit 0 on success, 64 for a bad command line, 74 when the daemon cannot be
// reached, 78 for a bad configuration, 1 when the daemon refused.
int command_maintenance(const MaintenanceCliOptions& options);

}  // namespace tocsin::app
