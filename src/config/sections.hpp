// One reader per top-level section. Later sections ([[target]], [[rule]], ...)
// get a function here and a line in loader.cpp.
#pragma once

#include "tocsin/config/rule_reader.hpp"
#include "tocsin/config/table_reader.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/config/config.hpp"

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

// Parses HOST:PORT (IPv6 in brackets); returns an error message or empty.
// Listen addresses must be IP literals or localhost; probe addresses may be
// any host name (`any_host`).
std::string parse_host_port(const std::string& text, std::string& host, std::uint16_t& port, bool any_host = false);
inline std::string parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
    return parse_host_port(text, host, port, false);
}

}  // namespace tocsin::config
