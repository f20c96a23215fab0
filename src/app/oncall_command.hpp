// `tocsin oncall`: who is on call now (or at --at) for each [[schedule]] of
// the configuration, as which layer or override, and until when. Reads only
// the configuration: no daemon, no database (docs/oncall.md).
#pragma once

#include <string>

#include "tocsin/api/api.hpp"
#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/paging/schedule.hpp"

namespace CLI {
class App;
}

namespace tocsin::app {

struct OncallOptions {
    std::string config_path = "/etc/tocsin/tocsin.toml";
    std::string at;        // --at: RFC 3339, or "YYYY-MM-DD HH:MM" in each schedule's zone; "" : now
    std::string schedule;  // --schedule: only this one; "" : all, in file order
};

// Registers `oncall` on `app`; returns it so main can tell whether it was chosen.
CLI::App* add_oncall_command(CLI::App& app, OncallOptions& options);

// Prints one line per schedule, e.g.
//   primary: alice (Alice Martín), layer "weekly", until Mon 2026-03-09 09:00 CET
// Exit 0; 64 for a bad --at or an unknown --schedule; 78 when the
// configuration is invalid; 1 when it has no [[schedule]].
int command_oncall(const OncallOptions& options, const Clock& clock);

// Who is on call in `schedule` at `at`: what `tocsin oncall` prints and
// GET /api/v1/oncall answers.
api::OncallEntry oncall_entry(const config::Config& config, const paging::Schedule& schedule, TimePoint at);
// The same for each [[schedule]] of `config`, in file order.
Result<std::vector<api::OncallEntry>> oncall_at(const config::Config& config, TimePoint at);

}  // namespace tocsin::app
