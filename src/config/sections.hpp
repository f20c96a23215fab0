// One reader per top-level section. Later sections ([[target]], [[rule]], ...)
// get a function here and a line in loader.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
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
// A `tls` sub-table (ca_file, cert_file + key_file, server_name,
// insecure_skip_verify) of `parent`'s table: [[target]], [[scrape]] and the
// [channel.*] tables (check_sections.cpp).
void read_tls(TableReader& parent, TlsConfig& out);
// http(s)://host[:port]/path, as the HTTP client accepts it; reports at `key`.
bool check_http_url(TableReader& r, std::string_view key, const std::string& url);

// A bare address, local@domain ([[person]] email, [channel.email] from);
// returns a problem or "" (oncall_sections.cpp).
std::string check_email(const std::string& address);

// ---- paging (paging_sections.cpp) ----

// "30m" (wall time), "4 business hours", "1.5 business hours", "4h business"
// (open business time) or "1 business day", "5 business days"; an error
// message (naming what was written and the accepted forms) otherwise.
std::variant<Cadence, std::string> parse_cadence(std::string_view text);
// A cadence under `key`; false when absent or bad (reported at the value).
bool read_cadence(TableReader& r, std::string_view key, Cadence& out);
// The paging keys of one [severity.NAME] table: escalation, ack_within,
// repeat, repage_every, update_every, resolve_within, channels, hours.
// Schedule and person names are checked later, by check_escalation_references.
void read_severity_paging(TableReader& r, SeverityConfig& tier);
// Every [[severity.NAME.escalation]] schedule and person must be declared
// ([[schedule]] and [[person]] are read after the tiers, anywhere in the file).
void check_escalation_references(TableReader& root, const std::vector<PersonConfig>& people,
                                 const std::vector<ScheduleConfig>& schedules);
void read_channels(TableReader& root, ChannelsConfig& out);  // [channel.*]
void read_paging(TableReader& root, PagingConfig& out, const std::vector<SeverityConfig>& tiers);  // [paging]
void read_heartbeat(TableReader& root, HeartbeatConfig& out);  // [heartbeat]
void read_demo(TableReader& root, DemoConfig& out);            // [demo]
void read_status_page(TableReader& root, StatusPageConfig& out);  // [status_page]: status_page_sections.cpp
// [[subscribers]]: components and severities must exist.
void read_subscribers(TableReader& root, const std::vector<ComponentConfig>& components,
                      const std::vector<SeverityConfig>& tiers, std::vector<SubscribersConfig>& out);

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

// PromQL label matchers for alert labels (`{env="staging", service=~"db.*"}`),
// the value of `key`: [[maintenance]] and [[alertmanager.route]] `match`.
void check_alert_matchers(TableReader& r, std::string_view key, const std::string& text);
// [alertmanager] (alertmanager_sections.cpp): tiers and components must exist.
void read_alertmanager(TableReader& root, const std::vector<SeverityConfig>& tiers,
                       const std::vector<ComponentConfig>& components, const std::vector<RuleConfig>& rules,
                       AlertmanagerConfig& out);

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
