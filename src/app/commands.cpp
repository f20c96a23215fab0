#include "commands.hpp"

#include <iostream>
#include <spdlog/spdlog.h>

#include "build_info.hpp"
#include "daemon.hpp"
#include "logging.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/promql/test_runner.hpp"
#include "tocsin/rules/scenario.hpp"

namespace tocsin::app {

std::string version_string() {
    return std::string("tocsin ") + build::k_version + " (commit " + build::k_commit + ", " + build::k_compiler + ", " +
           build::k_build_type + ")";
}

int command_version() {
    std::cout << version_string() << '\n';
    return exit_code::ok;
}

int command_check(const CommandOptions& options) {
    config::LoadResult result = config::load_file(options.config_path);
    if (!result.ok()) {
        std::cerr << config::format_diagnostics(result.diagnostics);
        std::cerr << options.config_path << ": " << result.diagnostics.size() << " problem"
                  << (result.diagnostics.size() == 1 ? "" : "s") << " found\n";
        return exit_code::config;
    }
    if (options.print) std::cout << config::to_toml(*result.config);
    std::cerr << options.config_path << ": ok\n";
    return exit_code::ok;
}

int command_promql_test(const CommandOptions& options) {
    std::size_t passed = 0;
    std::size_t failed = 0;
    int rc = exit_code::ok;
    for (const auto& file : options.test_files) {
        auto report = promql::run_test_file(file);
        if (!report) {
            std::cout.flush();  // keep stdout and stderr in order when both go to one file
            std::cerr << report.error().message << '\n';
            const int code = report.error().category == ErrorCategory::io ? exit_code::no_input : exit_code::data_error;
            // An unreadable file outranks a parse error; either outranks failures.
            if (rc == exit_code::ok || rc == exit_code::failure || code == exit_code::no_input) rc = code;
            continue;
        }
        for (const auto& c : report->cases) {
            if (c.passed) {
                ++passed;
                continue;
            }
            ++failed;
            std::cout << c.file << ':' << c.line << ": " << c.message << '\n';
        }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    if (rc == exit_code::ok && failed > 0) rc = exit_code::failure;
    return rc;
}

int command_test(const CommandOptions& options) {
    std::size_t passed = 0;
    std::size_t failed = 0;
    // Of several files' problems, the one to fix first decides the status:
    // an unreadable file, then an invalid config, then a malformed scenario,
    // then failing cases.
    auto rank = [](int code) {
        switch (code) {
            case exit_code::no_input: return 4;
            case exit_code::config: return 3;
            case exit_code::data_error: return 2;
            case exit_code::failure: return 1;
            default: return 0;
        }
    };
    int rc = exit_code::ok;
    for (const auto& file : options.scenario_files) {
        rules::ScenarioLoad load = rules::load_scenario_file(file);
        if (!load.scenario) {
            std::cout.flush();  // keep stdout and stderr in order when both go to one file
            std::cerr << config::format_diagnostics(load.diagnostics);
            int code = exit_code::data_error;
            if (load.problem == rules::ScenarioProblem::unreadable) code = exit_code::no_input;
            if (load.problem == rules::ScenarioProblem::invalid_config) code = exit_code::config;
            if (rank(code) > rank(rc)) rc = code;
            continue;
        }
        rules::ScenarioReport report = rules::run_scenario(*load.scenario);
        for (const auto& c : report.cases) {
            if (c.passed) {
                ++passed;
                continue;
            }
            ++failed;
            for (const auto& line : c.failures) std::cout << c.file << ':' << c.line << ": " << line << '\n';
        }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    if (rc == exit_code::ok && failed > 0) rc = exit_code::failure;
    return rc;
}

int command_run(const CommandOptions& options) {
    std::optional<config::LogLevel> level;
    if (!options.log_level.empty()) level = parse_log_level(options.log_level);
    // Log with defaults until the config says otherwise, so load errors show.
    configure_logging(config::LogConfig{}, level);
    config::LoadResult result = config::load_file(options.config_path);
    if (!result.ok()) {
        for (const auto& d : result.diagnostics) spdlog::critical("{}", d.to_string());
        spdlog::critical("refusing to start: {} configuration problem{} in {}", result.diagnostics.size(),
                         result.diagnostics.size() == 1 ? "" : "s", options.config_path);
        return exit_code::config;
    }
    configure_logging(result.config->log, level);
    spdlog::info("{} starting with {}", version_string(), options.config_path);
    try {
        Daemon daemon(std::move(*result.config), level);
        return daemon.run();
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return exit_code::software;
    }
}

}  // namespace tocsin::app
