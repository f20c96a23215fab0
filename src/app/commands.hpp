#pragma once

#include <string>

namespace tocsin::app {

struct CommandOptions {
    std::string config_path = "/etc/tocsin/tocsin.toml";
    std::string log_level;  // empty: use [log] level
    bool print = false;
};

std::string version_string();

int command_run(const CommandOptions& options);
int command_check(const CommandOptions& options);
int command_version();

}  // namespace tocsin::app
