// Effective configuration back to TOML (`tocsin check --print`): what the
// daemon will actually use, defaults included, secrets by reference only.
#include <date/date.h>

#include <sstream>

#include <toml++/toml.h>

#include "oncall_sections.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/core/duration.hpp"

namespace tocsin::config {
namespace {

void put_secret(toml::table& table, const std::string& key, const std::optional<Secret>& secret) {
    if (!secret) return;
    const std::string& source = secret->source();
    if (source.starts_with("file:")) {
        table.insert(key + "_file", source.substr(5));
    } else {
        table.insert(key, source);
    }
}

toml::table pairs_table(const StringPairs& pairs) {
    toml::table t;
    for (const auto& [k, v] : pairs) t.insert(k, v);
    return t;
}

toml::array string_array(const std::vector<std::string>& values) {
    toml::array a;
    for (const auto& v : values) a.push_back(v);
    return a;
}

toml::table tls_table(const TlsConfig& tls) {
    toml::table t;
    if (!tls.ca_file.empty()) t.insert("ca_file", tls.ca_file);
    if (!tls.cert_file.empty()) t.insert("cert_file", tls.cert_file);
    if (!tls.key_file.empty()) t.insert("key_file", tls.key_file);
    if (!tls.server_name.empty()) t.insert("server_name", tls.server_name);
    t.insert("insecure_skip_verify", tls.insecure_skip_verify);
    return t;
}

toml::table target_table(const TargetConfig& t) {
    toml::table out{{"name", t.name}};
    if (t.kind == ProbeKind::http) out.insert("url", t.url);
    else out.insert("address", t.address);
    out.insert("interval", format_duration(t.interval));
    out.insert("timeout", format_duration(t.timeout));
    out.insert("connect_timeout", format_duration(t.connect_timeout));
    out.insert("ip_version", to_string(t.ip_version));
    if (!t.labels.empty()) out.insert("labels", pairs_table(t.labels));
    if (t.kind == ProbeKind::tcp) return out;
    out.insert("tls_timeout", format_duration(t.tls_timeout));
    out.insert("method", t.method);
    if (!t.headers.empty()) out.insert("headers", pairs_table(t.headers));
    if (!t.body.empty()) out.insert("body", t.body);
    put_secret(out, "bearer_token", t.bearer_token);
    toml::array statuses;
    for (const auto& range : t.expected_status) statuses.push_back(to_string(range));
    out.insert("expected_status", std::move(statuses));
    if (!t.body_must_match.empty()) out.insert("body_must_match", string_array(t.body_must_match));
    if (!t.body_must_not_match.empty()) out.insert("body_must_not_match", string_array(t.body_must_not_match));
    out.insert("max_redirects", t.max_redirects);
    out.insert("tls", tls_table(t.tls));
    return out;
}

toml::table scrape_table(const ScrapeConfig& s) {
    toml::table out{{"job", s.job}, {"url", s.url}, {"instance", s.instance}};
    out.insert("interval", format_duration(s.interval));
    out.insert("timeout", format_duration(s.timeout));
    out.insert("honor_labels", s.honor_labels);
    if (!s.labels.empty()) out.insert("labels", pairs_table(s.labels));
    put_secret(out, "bearer_token", s.bearer_token);
    out.insert("body_size_limit", static_cast<std::int64_t>(s.body_size_limit));
    out.insert("sample_limit", s.sample_limit);
    out.insert("label_limit", s.label_limit);
    out.insert("label_value_length_limit", s.label_value_length_limit);
    out.insert("tls", tls_table(s.tls));
    return out;
}

toml::table rule_table(const RuleConfig& r) {
    toml::table out{{"name", r.name}, {"expr", r.expr}};
    out.insert("for", format_duration(r.for_duration));
    out.insert("keep_firing_for", format_duration(r.keep_firing_for));
    if (!r.labels.empty()) out.insert("labels", pairs_table(r.labels));
    out.insert("summary", r.summary);
    out.insert("description", r.description);
    out.insert("incident", r.incident);
    if (!r.impact.empty()) out.insert("impact", r.impact);
    if (r.min_impact) out.insert("min_impact", *r.min_impact);
    if (!r.severity.empty()) out.insert("severity", r.severity);
    out.insert("security", r.security);
    if (!r.component.empty()) out.insert("component", r.component);
    out.insert("title", r.title);
    if (!r.escalate.empty()) {
        toml::array escalate;
        for (const auto& e : r.escalate) {
            toml::table t{{"severity", e.severity}};
            if (e.min_impact) t.insert("min_impact", *e.min_impact);
            if (e.after) t.insert("after", format_duration(*e.after));
            t.insert("critical", e.critical);
            escalate.push_back(std::move(t));
        }
        out.insert("escalate", std::move(escalate));
    }
    return out;
}

toml::table severity_table(const SeverityConfig& s) {
    toml::table out{{"rank", s.rank}, {"status", s.status}, {"description", s.description}, {"page", s.page}};
    out.insert("auto_resolve_after", s.auto_resolve_after ? format_duration(*s.auto_resolve_after) : "never");
    return out;
}

toml::table component_table(const ComponentConfig& c) {
    toml::table out{{"name", c.name}, {"description", c.description}};
    out.insert("depends_on", string_array(c.depends_on));
    out.insert("critical", c.critical);
    return out;
}

const char* to_string(MaintenanceRepeat repeat) {
    switch (repeat) {
        case MaintenanceRepeat::none: return "none";
        case MaintenanceRepeat::daily: return "daily";
        case MaintenanceRepeat::weekly: return "weekly";
    }
    return "none";
}

toml::table maintenance_table(const MaintenanceConfig& m) {
    static constexpr const char* k_days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    toml::table out{{"name", m.name}};
    if (!m.components.empty()) out.insert("components", string_array(m.components));
    if (!m.match.empty()) out.insert("match", m.match);
    // Always the wall clock of time_zone, whatever offset the file used.
    out.insert("start", date::format("%Y-%m-%dT%H:%M:%S", date::local_seconds(m.start_local)));
    out.insert("duration", format_duration(m.length));
    out.insert("repeat", to_string(m.repeat));
    if (m.repeat == MaintenanceRepeat::weekly) {
        toml::array days;
        for (int d : m.weekdays) days.push_back(d >= 0 && d < 7 ? k_days[d] : "?");
        out.insert("weekdays", std::move(days));
    }
    out.insert("time_zone", m.time_zone);
    return out;
}

}  // namespace

std::string to_toml(const Config& c) {
    toml::table root;
    root.insert("daemon", toml::table{
                              {"state_dir", c.daemon.state_dir},
                              {"shutdown_timeout", format_duration(c.daemon.shutdown_timeout)},
                              {"health_interval", format_duration(c.daemon.health_interval)},
                              {"max_concurrent_checks", c.daemon.max_concurrent_checks},
                          });
    root.insert("storage", toml::table{
                               {"path", c.storage.path},
                               {"busy_timeout", format_duration(c.storage.busy_timeout)},
                               {"snapshot_path", c.storage.snapshot_path},
                               {"snapshot_interval", format_duration(c.storage.snapshot_interval)},
                               {"keep_unmatched", c.storage.keep_unmatched},
                           });
    root.insert("log", toml::table{
                           {"level", to_string(c.log.level)},
                           {"format", to_string(c.log.format)},
                       });
    toml::table api{
        {"listen", c.api.listen()},
        {"request_timeout", format_duration(c.api.request_timeout)},
        {"max_body_bytes", static_cast<std::int64_t>(c.api.max_body_bytes)},
    };
    put_secret(api, "token", c.api.token);
    root.insert("api", std::move(api));
    if (!c.targets.empty()) {
        toml::array targets;
        for (const auto& t : c.targets) targets.push_back(target_table(t));
        root.insert("target", std::move(targets));
    }
    if (!c.scrapes.empty()) {
        toml::array scrapes;
        for (const auto& s : c.scrapes) scrapes.push_back(scrape_table(s));
        root.insert("scrape", std::move(scrapes));
    }
    root.insert("rules", toml::table{
                             {"outage_tolerance", format_duration(c.rules_config.outage_tolerance)},
                             {"grace_period", format_duration(c.rules_config.grace_period)},
                             {"evaluation_interval", format_duration(c.rules_config.evaluation_interval)},
                         });
    if (!c.rules.empty()) {
        toml::array rules;
        for (const auto& r : c.rules) rules.push_back(rule_table(r));
        root.insert("rule", std::move(rules));
    }
    toml::table severities;
    for (const auto& s : c.severities) severities.insert(s.name, severity_table(s));
    root.insert("severity", std::move(severities));
    root.insert("incidents", toml::table{
                                 {"default_severity", c.incidents.default_severity},
                                 {"security_severity", c.incidents.security_severity},
                                 {"group_by", string_array(c.incidents.group_by)},
                                 {"component_label", c.incidents.component_label},
                             });
    if (!c.components.empty()) {
        toml::array components;
        for (const auto& component : c.components) components.push_back(component_table(component));
        root.insert("component", std::move(components));
    }
    if (!c.maintenance.empty()) {
        toml::array windows;
        for (const auto& m : c.maintenance) windows.push_back(maintenance_table(m));
        root.insert("maintenance", std::move(windows));
    }
    write_oncall_sections(c, root);

    std::ostringstream out;
    out << toml::toml_formatter(root) << '\n';
    return out.str();
}

}  // namespace tocsin::config
