// The tocsin command line. Each subcommand is a function in commands.cpp.
#include <CLI/CLI.hpp>
#include <iostream>

#include "audit_command.hpp"
#include "commands.hpp"
#include "incident_command.hpp"
#include "maintenance_command.hpp"
#include "oncall_command.hpp"
#include "postmortem_command.hpp"
#include "tocsin/core/exit_code.hpp"

int main(int argc, char** argv) {
    using namespace tocsin::app;
    CLI::App app{"tocsin: detects incidents and pages on-call engineers until someone owns them."};
    app.require_subcommand(1);
    app.set_version_flag("--version", version_string());

    const std::string config_help = "Configuration file";
    CommandOptions options;

    auto* run = app.add_subcommand("run", "Run the daemon in the foreground (as systemd does)");
    run->add_option("-c,--config", options.config_path, config_help)->capture_default_str();
    run->add_option("--log-level", options.log_level, "Override [log] level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

    auto* check = app.add_subcommand("check", "Validate the configuration: exit 0 when valid, 78 when not");
    check->add_option("-c,--config", options.config_path, config_help)->capture_default_str();
    check->add_flag("--print", options.print, "Print the effective configuration (defaults filled in, secrets by reference)");

    auto* version = app.add_subcommand("version", "Print version and build information");

    auto* promql_test = app.add_subcommand(
        "promql-test",
        "Run PromQL test scripts (Prometheus 2.42 promql/testdata format: load, clear, eval instant at ...).\n"
        "Prints each failing eval as FILE:LINE: message, then \"N passed, N failed\".\n"
        "Exit 0 when every eval passes, 1 when any fails, 65 on a script parse error, 66 when a file cannot be read");
    promql_test->add_option("files", options.test_files, "Test scripts (*.test)")->required()->type_name("FILE");

    auto* test = app.add_subcommand(
        "test",
        "Run rule unit tests: scenario files with series, rules and expected alerts (docs/rules.md).\n"
        "Prints each failing expectation as FILE:LINE: rule X at T: ..., then \"N passed, N failed\".\n"
        "Exit 0 when every expectation holds, 1 when any fails, 65 for a malformed scenario,\n"
        "66 when a file cannot be read, 78 when a referenced config has invalid rules");
    test->add_option("files", options.scenario_files, "Scenario files (*.toml)")->required()->type_name("FILE");

    AuditCommand audit(app);

    IncidentCliOptions incident_options;
    auto* incident = add_incident_command(app, incident_options);

    PostmortemOptions postmortem_options;
    auto* postmortem = add_postmortem_command(app, postmortem_options);

    OncallOptions oncall_options;
    auto* oncall = add_oncall_command(app, oncall_options);

    MaintenanceCliOptions maintenance_options;
    auto* maintenance = add_maintenance_command(app, maintenance_options);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? tocsin::exit_code::ok : tocsin::exit_code::usage;
    }
    if (run->parsed()) return command_run(options);
    if (check->parsed()) return command_check(options);
    if (version->parsed()) return command_version();
    if (promql_test->parsed()) return command_promql_test(options);
    if (test->parsed()) return command_test(options);
    if (incident->parsed()) return command_incident(incident_options);
    if (audit.parsed()) return audit.run();
    if (postmortem->parsed()) return command_postmortem(postmortem_options);
    if (oncall->parsed()) return command_oncall(oncall_options, tocsin::SystemClock{});
    if (maintenance->parsed()) return command_maintenance(maintenance_options);
    return tocsin::exit_code::usage;
}
