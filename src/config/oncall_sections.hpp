// [[person]], [[schedule]] and [business_hours]: who can be paged, who is on
// call when, and when business time counts (docs/oncall.md). Read after the
// other sections; a schedule names people declared anywhere in the file.
#pragma once

#include <vector>

#include <toml++/toml.h>

#include "tocsin/config/config.hpp"
#include "tocsin/config/table_reader.hpp"

namespace tocsin::config {

// Reads the three sections of `root`'s table and marks their keys known;
// every problem goes to root's context, located in its file.
void read_oncall_sections(TableReader& root, std::vector<PersonConfig>& people, std::vector<ScheduleConfig>& schedules,
                          BusinessHoursConfig& business_hours);

// Adds them to `root` for `tocsin check --print`: defaults explicit, written
// times as the wall clock of their zone (overrides with the zone's offset).
void write_oncall_sections(const Config& config, toml::table& root);

}  // namespace tocsin::config
