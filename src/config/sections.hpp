// One reader per top-level section. Later sections ([[target]], [[rule]], ...)
// get a function here and a line in loader.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/config/incident_reader.hpp"
#include "tocsin/config/rule_reader.hpp"
#include "tocsin/config/table_reader.hpp"
#include "tocsin/core/duration.hpp"

namespace tocsin::config {

void read_daemon(TableReader& root, DaemonConfig& out);
// Needs the daemon section first: a relative storage path lives in state_dir.
void read_storage(TableReader& root, const DaemonConfig& daemon, StorageConfig& out);
void read_log(TableReader& root, LogConfig& out);
void read_api(TableReader& root, ApiConfig& out);

void read_targets(TableReader& root, std::vector<TargetConfig>& out);
void read_scrapes(TableReader& root, std::vector<ScrapeConfig>& out);
// [rules] (rule engine settings) and [[rule]] (alerting rules, read_rules in
// rule_reader.hpp): rule_sections.cpp.
void read_rules_section(TableReader& root, RulesConfig& out);

// The incident sections (read_incident_sections in incident_reader.hpp joins
// them). [severity.*] and [incidents]: severity_sections.cpp. `first_tier` is
// set to the first [severity.*] table in the file (nullptr when there is
// none), where a problem caused by replacing the default tiers is reported.
std::vector<SeverityConfig> read_severities(TableReader& root, const toml::node*& first_tier);
void read_incidents(TableReader& root, const std::vector<SeverityConfig>& tiers, const toml::node* first_tier,
                    IncidentsConfig& out);
void read_components(TableReader& root, std::vector<ComponentConfig>& out);  // component_sections.cpp
void read_maintenance(TableReader& root, const std::vector<ComponentConfig>& components,
                      std::vector<MaintenanceConfig>& out);  // maintenance_sections.cpp

// Checks that the string `name` (the value of `key` in `r`'s table) is one of
// `tiers`, reporting it at the value with the tiers and a "did you mean".
bool check_severity_reference(TableReader& r, std::string_view key, const std::string& name,
                              const std::vector<SeverityConfig>& tiers);
// "\"P0\", \"P1\" or \"P2\"": the tiers' names, most severe first.
std::string severity_choices(const std::vector<SeverityConfig>& tiers);

// `s` in double quotes, as messages show what was written.
std::string quoted(std::string_view s);

// A name that appears in pages and logs (rule, component, window): reports
// control characters at `key`; false when there are some.
bool check_printable(TableReader& r, std::string_view key, const std::string& name);

// An integer or a float, finite and at least `min`.
bool read_number(TableReader& r, std::string_view key, double& out, double min);

// A label name tocsin may read from alerts: valid and not reserved (__*).
// Returns an error message or "".
std::string check_label_name(const std::string& name);

// Parses HOST:PORT (IPv6 in brackets); returns an error message or empty.
// Listen addresses must be IP literals or localhost; probe addresses may be
// any host name (`any_host`).
std::string parse_host_port(const std::string& text, std::string& host, std::uint16_t& port, bool any_host = false);
inline std::string parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
    return parse_host_port(text, host, port, false);
}

}  // namespace tocsin::config
