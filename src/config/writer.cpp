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
    out.insert("ack_within", to_string(s.ack_within));
    out.insert("repeat", s.repeat);
    if (s.repage_every) out.insert("repage_every", format_duration(*s.repage_every));
    if (s.update_every) out.insert("update_every", to_string(*s.update_every));
    if (s.resolve_within) out.insert("resolve_within", to_string(*s.resolve_within));
    out.insert("postmortem_after", s.postmortem_after ? format_duration(*s.postmortem_after) : std::string("never"));
    out.insert("postmortem_within", to_string(s.postmortem_within));
    out.insert("channels", string_array(s.channels));
    out.insert("hours", s.hours == PagingHours::business ? "business" : "always");
    if (s.auto_publish) out.insert("auto_publish", true);
    if (!s.escalation.empty()) {
        toml::array levels;
        for (const auto& level : s.escalation) {
            toml::table t;
            if (!level.schedules.empty()) t.insert("schedules", string_array(level.schedules));
            if (!level.people.empty()) t.insert("people", string_array(level.people));
            if (level.after && &level != &s.escalation.front()) t.insert("after", to_string(*level.after));
            levels.push_back(std::move(t));
        }
        out.insert("escalation", std::move(levels));
    }
    return out;
}

// A channel's tls table only when something differs from the system CAs.
void put_tls(toml::table& table, const TlsConfig& tls) {
    if (tls != TlsConfig{}) table.insert("tls", tls_table(tls));
}

toml::table email_table(const EmailChannelConfig& e) {
    toml::table out{{"host", e.host}, {"port", static_cast<std::int64_t>(e.port)}, {"security", e.security}};
    if (e.insecure_local_relay) out.insert("insecure_local_relay", true);
    put_tls(out, e.tls);
    if (!e.username.empty()) out.insert("username", e.username);
    put_secret(out, "password", e.password);
    out.insert("auth", e.auth);
    if (e.allow_plain_auth_without_tls) out.insert("allow_plain_auth_without_tls", true);
    out.insert("from", e.from);
    out.insert("from_name", e.from_name);
    out.insert("helo_name", e.helo_name);
    out.insert("connect_timeout", format_duration(e.connect_timeout));
    out.insert("command_timeout", format_duration(e.command_timeout));
    out.insert("send_timeout", format_duration(e.send_timeout));
    return out;
}

toml::array id_array(const std::vector<std::int64_t>& ids) {
    toml::array a;
    for (auto id : ids) a.push_back(id);
    return a;
}

toml::table telegram_table(const TelegramChannelConfig& t) {
    toml::table out{{"api_url", t.api_url}};
    put_secret(out, "bot_token", t.bot_token);
    put_tls(out, t.tls);
    put_secret(out, "callback_key", t.callback_key);
    if (!t.allowed_chat_ids.empty()) out.insert("allowed_chat_ids", id_array(t.allowed_chat_ids));
    if (!t.allowed_user_ids.empty()) out.insert("allowed_user_ids", id_array(t.allowed_user_ids));
    out.insert("poll_updates", t.poll_updates);
    out.insert("poll_timeout", format_duration(t.poll_timeout));
    out.insert("request_timeout", format_duration(t.request_timeout));
    return out;
}

toml::table webhook_table(const WebhookChannelConfig& w) {
    toml::table out{{"url", w.url}};
    put_secret(out, "secret", w.secret);
    if (!w.headers.empty()) out.insert("headers", pairs_table(w.headers));
    put_tls(out, w.tls);
    out.insert("timeout", format_duration(w.timeout));
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
    api.insert("anonymous_reads", c.api.anonymous_reads);
    api.insert("rate_limit", c.api.rate_limit);
    api.insert("rate_burst", c.api.rate_burst);
    if (!c.api.tokens.empty()) {
        toml::array tokens;
        for (const auto& t : c.api.tokens) {
            toml::table entry{{"name", t.name},
                              {"scope", t.scope == TokenScope::read_write ? "read-write" : "read-only"}};
            put_secret(entry, "token", t.token);
            tokens.push_back(std::move(entry));
        }
        api.insert("tokens", std::move(tokens));
    }
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
    toml::table channels;
    if (c.channels.email) channels.insert("email", email_table(*c.channels.email));
    if (c.channels.telegram) channels.insert("telegram", telegram_table(*c.channels.telegram));
    if (c.channels.webhook) channels.insert("webhook", webhook_table(*c.channels.webhook));
    if (c.channels.console) channels.insert("console", toml::table{{"path", c.channels.console->path}});
    if (!channels.empty()) root.insert("channel", std::move(channels));
    toml::table paging{
        {"retry_base", format_duration(c.paging.retry_base)},
        {"retry_cap", format_duration(c.paging.retry_cap)},
        {"max_attempts", c.paging.max_attempts},
        {"max_in_flight", static_cast<std::int64_t>(c.paging.max_in_flight)},
        {"digest_after", static_cast<std::int64_t>(c.paging.digest_after)},
        {"public_url", c.paging.public_url},
        {"ack_link_ttl", format_duration(c.paging.ack_link_ttl)},
        {"channel_failure_after", format_duration(c.paging.channel_failure_after)},
    };
    if (!c.paging.channel_failure_severity.empty()) {
        paging.insert("channel_failure_severity", c.paging.channel_failure_severity);
    }
    if (c.paging.link_key && c.paging.link_key->source() == "random") {
        paging.insert("link_key", "random");
    } else {
        put_secret(paging, "link_key", c.paging.link_key);
    }
    root.insert("paging", std::move(paging));
    if (!c.subscribers.empty()) {
        toml::array list;
        for (const auto& sub : c.subscribers) {
            toml::table t{{"name", sub.name}};
            auto strings = [](const std::vector<std::string>& v) {
                toml::array a;
                for (const auto& x : v) a.push_back(x);
                return a;
            };
            if (!sub.components.empty()) t.insert("components", strings(sub.components));
            if (!sub.severities.empty()) t.insert("severities", strings(sub.severities));
            if (!sub.emails.empty()) t.insert("emails", strings(sub.emails));
            if (!sub.telegram_chats.empty()) {
                toml::array a;
                for (auto id : sub.telegram_chats) a.push_back(id);
                t.insert("telegram_chats", std::move(a));
            }
            list.push_back(std::move(t));
        }
        root.insert("subscribers", std::move(list));
    }
    if (c.status_page != StatusPageConfig{}) {
        root.insert("status_page", toml::table{{"enabled", c.status_page.enabled}, {"title", c.status_page.title}});
    }
    if (c.demo != DemoConfig{}) {
        root.insert("demo", toml::table{{"flaky_target", c.demo.flaky_target},
                                        {"up", format_duration(c.demo.up)},
                                        {"down", format_duration(c.demo.down)}});
    }
    if (!c.heartbeat.url.empty()) {
        toml::table heartbeat{
            {"url", c.heartbeat.url},
            {"interval", format_duration(c.heartbeat.interval)},
            {"timeout", format_duration(c.heartbeat.timeout)},
        };
        if (c.heartbeat.tls != TlsConfig{}) heartbeat.insert("tls", tls_table(c.heartbeat.tls));
        root.insert("heartbeat", std::move(heartbeat));
    }

    std::ostringstream out;
    out << toml::toml_formatter(root) << '\n';
    return out.str();
}

}  // namespace tocsin::config
