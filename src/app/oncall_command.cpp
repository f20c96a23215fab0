#include "oncall_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <vector>

#include "tocsin/config/loader.hpp"
#include "tocsin/config/table_reader.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/paging/schedule.hpp"
#include "tocsin/paging/wall_clock.hpp"

namespace tocsin::app {
namespace {

std::string quote(const std::string& s) { return "\"" + s + "\""; }

// One schedule's line; the instant comes from `typed` read in its zone.
void print_schedule(const config::Config& c, const paging::Schedule& schedule, TimePoint at, bool show_at) {
    const std::string& zone = schedule.config().time_zone;
    std::cout << schedule.name();
    if (show_at) std::cout << " at " << paging::format_wall_clock(at, zone);
    std::cout << ": ";
    const api::OncallEntry on = oncall_entry(c, schedule, at);
    if (on.person.empty()) {
        std::cout << "nobody on call";
    } else {
        std::cout << on.person << (on.display_name.empty() ? "" : " (" + on.display_name + ")") << ", ";
        if (on.source == "override") {
            std::cout << "override";
            if (!on.covering_for.empty()) std::cout << " for " << on.covering_for;
        } else {
            std::cout << "layer " << quote(on.layer);
        }
        std::cout << ',';
    }
    if (on.until) {
        std::cout << " until " << paging::format_wall_clock(*on.until, zone) << '\n';
    } else {
        std::cout << " until further notice\n";  // no change within two years
    }
}

}  // namespace

api::OncallEntry oncall_entry(const config::Config& config, const paging::Schedule& schedule, TimePoint at) {
    api::OncallEntry e;
    e.schedule = schedule.name();
    e.time_zone = schedule.config().time_zone;
    const auto coverage = schedule.coverage(at);
    if (!coverage.empty()) {
        const auto& on = coverage.front();
        e.person = on.person;
        for (const auto& p : config.people) {
            if (p.name == on.person && !p.display_name.empty() && p.display_name != p.name) e.display_name = p.display_name;
        }
        if (on.source == paging::Assignment::Source::override) {
            e.source = "override";
            if (coverage.size() > 1 && coverage[1].person != on.person) e.covering_for = coverage[1].person;
        } else {
            e.source = "layer";
            e.layer = on.layer;
        }
    }
    e.until = schedule.next_handoff_after(at);
    return e;
}

Result<std::vector<api::OncallEntry>> oncall_at(const config::Config& config, TimePoint at) {
    std::vector<api::OncallEntry> out;
    for (const auto& s : config.schedules) {
        auto schedule = paging::Schedule::make(s);
        if (!schedule) return schedule.error();
        out.push_back(oncall_entry(config, *schedule, at));
    }
    return out;
}

CLI::App* add_oncall_command(CLI::App& app, OncallOptions& options) {
    auto* oncall = app.add_subcommand(
        "oncall",
        "Print who is on call for each [[schedule]] (layer or override) and until when (docs/oncall.md).\n"
        "Exit 0; 64 for a bad --at or an unknown --schedule; 78 for a bad configuration; 1 without schedules");
    oncall->add_option("-c,--config", options.config_path, "Configuration file")
        ->type_name("FILE")
        ->capture_default_str();
    oncall
        ->add_option("--at", options.at,
                     "When to ask about instead of now: RFC 3339 (2026-03-04T10:00:00Z, ...+01:00) or\n"
                     "\"YYYY-MM-DD HH:MM\", a wall-clock time in each schedule's time zone")
        ->type_name("TIME");
    oncall->add_option("--schedule", options.schedule, "Only this schedule")->type_name("NAME");
    return oncall;
}

int command_oncall(const OncallOptions& options, const Clock& clock) {
    std::optional<paging::TypedTime> typed;
    if (!options.at.empty()) {
        auto parsed = paging::parse_typed_time(options.at);
        if (!parsed) {
            std::cerr << "--at: " << parsed.error().message << '\n';
            return exit_code::usage;
        }
        typed = *parsed;
    }
    config::LoadResult loaded = config::load_file(options.config_path);
    if (!loaded.ok()) {
        std::cerr << config::format_diagnostics(loaded.diagnostics);
        std::cerr << options.config_path << ": " << loaded.diagnostics.size() << " problem"
                  << (loaded.diagnostics.size() == 1 ? "" : "s") << " found\n";
        return exit_code::config;
    }
    const config::Config& c = *loaded.config;
    if (c.schedules.empty()) {
        std::cerr << options.config_path << ": no [[schedule]] is configured (see docs/oncall.md)\n";
        return exit_code::failure;
    }
    std::vector<const config::ScheduleConfig*> chosen;
    for (const auto& s : c.schedules) {
        if (options.schedule.empty() || s.name == options.schedule) chosen.push_back(&s);
    }
    if (chosen.empty()) {
        std::vector<std::string> names;
        for (const auto& s : c.schedules) names.push_back(s.name);
        std::cerr << "--schedule: unknown schedule " << quote(options.schedule);
        if (auto guess = config::closest_match(options.schedule, names))
            std::cerr << "; did you mean " << quote(*guess) << '?';
        std::cerr << '\n';
        return exit_code::usage;
    }
    const TimePoint now = clock.now();
    for (const config::ScheduleConfig* s : chosen) {
        auto schedule = paging::Schedule::make(*s);
        if (!schedule) {  // not reached: the loader checked the schedule
            std::cerr << schedule.error().message << '\n';
            return exit_code::config;
        }
        TimePoint at = now;
        if (typed) {
            auto resolved = paging::resolve(*typed, s->time_zone);
            if (!resolved) {
                std::cerr << resolved.error().message << '\n';
                return exit_code::config;
            }
            at = *resolved;
        }
        print_schedule(c, *schedule, at, typed.has_value());
    }
    return exit_code::ok;
}

}  // namespace tocsin::app
