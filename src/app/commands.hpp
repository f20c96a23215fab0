#pragma once

#include <string>
#include <vector>

namespace tocsin::app {

struct CommandOptions {
    std::string config_path = "/etc/tocsin/tocsin.toml";
    std::string log_level;  // empty: use [log] level
    bool print = false;
    std::vector<std::string> test_files;  // promql-test
    std::vector<std::string> scenario_files;  // test
};

std::string version_string();

int command_run(const CommandOptions& options);
int command_check(const CommandOptions& options);
int command_version();
// Runs Prometheus PromQL test scripts: prints each failing eval as
// FILE:LINE: message and a "N passed, N failed" summary; exit 0 when all
// pass, 1 when any fails, 66 for an unreadable file, 65 for a parse error.
int command_promql_test(const CommandOptions& options);
// Runs rule unit-test scenarios (docs/rules.md, "Testing rules"): prints each
// failing [[expect]] as FILE:LINE: rule X at T: ..., then "N passed, N
// failed"; exit 0 when all pass, 1 when any fails, 65 for a malformed
// scenario, 66 for an unreadable file, 78 when a referenced config's rules
// are invalid.
int command_test(const CommandOptions& options);

}  // namespace tocsin::app
