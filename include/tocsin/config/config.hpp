// The typed configuration. Every field has the default documented in
// docs/configuration.md; the loader fills and validates it from TOML.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/secret.hpp"

namespace tocsin::config {

using namespace std::chrono_literals;

struct DaemonConfig {
    // Directory for the database and other state. Default: $STATE_DIRECTORY
    // (set by systemd's StateDirectory=) else /var/lib/tocsin.
    std::string state_dir;
    // How long SIGTERM waits for in-flight requests and writes.
    Duration shutdown_timeout = 5s;
    // How often the daemon proves the store writable (health and watchdog).
    Duration health_interval = 5s;
    // Probes and scrapes in flight at once; more wait for a slot.
    std::int64_t max_concurrent_checks = 64;

    bool operator==(const DaemonConfig&) const = default;
};

struct StorageConfig {
    std::string path;  // absolute after loading; default <state_dir>/tocsin.db
    Duration busy_timeout = 5s;
    // The in-memory series store is saved here on stop and every
    // snapshot_interval, and reloaded at start (absolute after loading).
    std::string snapshot_path;  // default <state_dir>/series.snapshot
    Duration snapshot_interval = 1min;
    // Keep series that no rule can read (normally dropped to bound memory).
    bool keep_unmatched = false;

    bool operator==(const StorageConfig&) const = default;
};

enum class LogLevel { trace, debug, info, warn, error, critical, off };
enum class LogFormat { automatic, text, journal };

struct LogConfig {
    LogLevel level = LogLevel::info;
    // automatic: journal format when JOURNAL_STREAM is set, else text.
    LogFormat format = LogFormat::automatic;

    bool operator==(const LogConfig&) const = default;
};

enum class TokenScope { read_only, read_write };

// An [[api.tokens]] entry: a named bearer token. The name goes into the
// audit trail of every change made with it; the value never goes anywhere.
struct ApiTokenConfig {
    std::string name;  // unique, [A-Za-z0-9._-]
    TokenScope scope = TokenScope::read_only;
    Secret token;

    bool operator==(const ApiTokenConfig&) const = default;
};

struct ApiConfig {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 9464;
    Duration request_timeout = 10s;
    std::uint64_t max_body_bytes = 1 << 20;
    // The single read-write token of earlier versions, named "api.token" in
    // the audit trail; absent (and no [[api.tokens]]): writes are refused.
    std::optional<Secret> token;
    std::vector<ApiTokenConfig> tokens;
    // Whether /api/v1 reads work without a token. Default: true unless
    // [[api.tokens]] are configured (the legacy api.token guards writes only).
    bool anonymous_reads = true;
    // Per client address: a token bucket of `rate_burst` requests refilled
    // at `rate_limit` per second; 0 turns limiting off. /healthz, /readyz
    // and /metrics are not limited.
    std::int64_t rate_limit = 100;
    std::int64_t rate_burst = 200;

    std::string listen() const;  // "127.0.0.1:9464" or "[::1]:9464"
    bool operator==(const ApiConfig&) const = default;
};

using StringPairs = std::vector<std::pair<std::string, std::string>>;

enum class IpVersion { any, ipv4, ipv6 };

struct TlsConfig {
    std::string ca_file;      // empty: the system CA store
    std::string cert_file;    // client certificate, optional
    std::string key_file;     // required with cert_file
    std::string server_name;  // SNI and verified name; empty: the URL's host
    bool insecure_skip_verify = false;

    bool operator==(const TlsConfig&) const = default;
};

struct StatusRange {
    int min = 200;
    int max = 299;
    bool contains(int status) const { return status >= min && status <= max; }
    bool operator==(const StatusRange&) const = default;
};

enum class ProbeKind { http, tcp };

// A [[target]]: a health probe tocsin runs itself (blackbox_exporter-like).
struct TargetConfig {
    std::string name;
    ProbeKind kind = ProbeKind::http;  // http when `url` is set, tcp when `address` is
    std::string url;
    std::string address;  // tcp: HOST:PORT
    Duration interval = 15s;
    Duration timeout = 10s;  // the whole probe; default min(10s, interval)
    Duration connect_timeout = 5s;
    Duration tls_timeout = 5s;
    std::string method = "GET";
    StringPairs headers;
    std::string body;
    std::optional<Secret> bearer_token;
    std::vector<StatusRange> expected_status{StatusRange{}};
    std::vector<std::string> body_must_match;
    std::vector<std::string> body_must_not_match;
    std::int64_t max_redirects = 10;
    IpVersion ip_version = IpVersion::any;
    StringPairs labels;
    TlsConfig tls;

    std::string instance() const { return kind == ProbeKind::http ? url : address; }
    bool operator==(const TargetConfig&) const = default;
};

// A [[scrape]]: a Prometheus metrics page tocsin reads.
struct ScrapeConfig {
    std::string job;
    std::string url;
    std::string instance;  // default: the URL's host:port
    Duration interval = 15s;
    Duration timeout = 10s;  // default min(10s, interval)
    bool honor_labels = false;
    StringPairs labels;
    std::optional<Secret> bearer_token;
    // Limits as in Prometheus; 0 means no limit, except body_size_limit
    // which defaults to 64 MiB so a runaway page cannot exhaust memory.
    std::uint64_t body_size_limit = 64ULL << 20;
    std::int64_t sample_limit = 0;
    std::int64_t label_limit = 0;
    std::int64_t label_value_length_limit = 0;
    TlsConfig tls;

    bool operator==(const ScrapeConfig&) const = default;
};

// A [[rule.escalate]]: raises the incident's severity to `severity` when
// every condition given holds (at least one is given).
struct EscalationConfig {
    std::string severity;               // a configured tier, more severe than the rule's
    std::optional<double> min_impact;   // the incident's current impact >= this
    std::optional<Duration> after;      // the incident has been open this long (since detected)
    bool critical = false;              // the incident's component is marked critical

    bool operator==(const EscalationConfig&) const = default;
};

// A [[rule]]: an alerting rule with Prometheus' semantics (docs/rules.md).
// Every key but name and expr has a default, and so must every key added
// later, so that a rule needs only those two.
struct RuleConfig {
    std::string name;  // the alertname label; unique
    std::string expr;  // PromQL, an instant vector or a scalar; checked at load
    // How long the expression must hold before pending becomes firing (`for`).
    Duration for_duration = Duration::zero();
    // How long a firing alert stays firing after its expression stops
    // returning it.
    Duration keep_firing_for = Duration::zero();
    // Added to every alert, overriding the result's labels; values are
    // templates like summary and description.
    StringPairs labels;
    std::string summary;      // template; "" when not set
    std::string description;  // template; "" when not set

    // Incidents (docs/incidents.md). A firing alert declares an incident
    // when `incident` is true and the impact condition holds.
    bool incident = true;
    // PromQL whose value is the number of affected users/customers: the sum
    // of its samples (an empty result is 0). "" when not set.
    std::string impact;
    // Declare only when impact >= this; needs `impact`.
    std::optional<double> min_impact;
    std::string severity;   // base tier; "" means [incidents] default_severity
    bool security = false;  // never below [incidents] security_severity
    // The component when the alert has no component label ("" : none).
    std::string component;
    // Incident title template; "" : the first alert's summary, else
    // "RULE on COMPONENT" (or the rule name).
    std::string title;
    std::vector<EscalationConfig> escalate;  // [[rule.escalate]], in file order

    bool operator==(const RuleConfig&) const = default;
};

// [rules]: how rule state survives a restart (Prometheus'
// --rules.alert.for-outage-tolerance and --rules.alert.for-grace-period).
struct RulesConfig {
    // Saved state older than this at start-up is not restored.
    Duration outage_tolerance = std::chrono::hours(1);
    // A restored pending alert fires no sooner than this after start-up
    // (rules whose `for` is shorter than this start over instead).
    Duration grace_period = std::chrono::minutes(10);
    // Besides evaluating a rule when the checks feeding it land and at its
    // deadlines, the daemon evaluates every rule this often: the safety net
    // for expressions no landing marks (absent(), time()), and the clock of
    // the outage tolerance.
    Duration evaluation_interval = std::chrono::seconds(30);

    bool operator==(const RulesConfig&) const = default;
};

// A paging cadence: wall time ("30m"), open business time
// ("4 business hours", counted with [business_hours]) or business days
// ("1 business day": the same local time on the next open day).
struct Cadence {
    enum class Clock { wall, business_time, business_days };
    Clock clock = Clock::wall;
    Duration length{};  // wall and business_time
    int days = 0;       // business_days, >= 1

    static Cadence wall(Duration d) { return Cadence{Clock::wall, d, 0}; }
    static Cadence business(Duration d) { return Cadence{Clock::business_time, d, 0}; }
    static Cadence business_days_of(int n) { return Cadence{Clock::business_days, {}, n}; }
    bool operator==(const Cadence&) const = default;
};

std::string to_string(const Cadence& cadence);  // "30m", "4h business", "1 business day"

// One [[severity.NAME.escalation]] level: whom to page. Level 1 is paged at
// declaration; each next level when the previous one has not acknowledged
// within its `after` (default: the tier's ack_within).
struct EscalationLevelConfig {
    std::vector<std::string> schedules;  // the person on call in each
    std::vector<std::string> people;     // [[person]] names
    std::optional<Cadence> after;        // ignored on level 1

    bool operator==(const EscalationLevelConfig&) const = default;
};

// When a tier's pages go out.
enum class PagingHours {
    always,    // day and night
    business,  // held until [business_hours] open ("P2: email during business hours")
};

// [severity.NAME]: one severity tier. Defaults (when no [severity.*] table
// is given) follow the seeds: P0 data loss or exposure, P1 ingest or alarm
// path down, P2 degraded but functional, declassified (recorded, never paged).
struct SeverityConfig {
    std::string name;        // the table's key: "P0", "Tier 1", "Critical"
    std::int64_t rank = 0;   // 0 is the most severe; unique among tiers
    // Status-page label: "major outage", "partial outage",
    // "degraded performance" or "operational".
    std::string status = "degraded performance";
    std::string description;
    bool page = true;        // false: incidents are recorded but never paged
    // An incident in monitoring whose condition stayed clear this long is
    // resolved by tocsin; nullopt ("never"): a human must resolve it.
    std::optional<Duration> auto_resolve_after = std::chrono::minutes(30);

    // Paging cadence (docs/paging.md). Empty escalation: one level with the
    // person on call in every [[schedule]].
    std::vector<EscalationLevelConfig> escalation;
    Cadence ack_within = Cadence::wall(std::chrono::minutes(30));
    int repeat = 0;  // run the whole chain this many more times, then stay on the last level
    std::optional<Duration> repage_every;  // page the current level again until acknowledged
    // After acknowledgement, remind the owner when no status update was
    // posted within this.
    std::optional<Cadence> update_every;
    // Tell the owner and the next level when the incident is still open this
    // long after declaration.
    std::optional<Cadence> resolve_within;
    std::vector<std::string> channels{"telegram", "email"};  // [channel.*] names, in preference order
    PagingHours hours = PagingHours::always;
    // The first public notice to [[subscribers]] is due within ack_within:
    // the current level is reminded before it lapses, and with auto_publish
    // tocsin sends a default notice itself when it lapses.
    bool auto_publish = false;
    // A postmortem is due for incidents of this tier open at least this
    // long (nullopt: never), within postmortem_within of the resolution;
    // the owner is reminded each business day until it is marked published.
    std::optional<Duration> postmortem_after;
    Cadence postmortem_within = Cadence::business_days_of(7);

    bool operator==(const SeverityConfig&) const = default;
};

// [incidents]: how alerts become incidents.
struct IncidentsConfig {
    std::string default_severity = "P2";   // tier of rules without `severity`
    std::string security_severity = "P1";  // floor for `security = true` rules
    // Alert labels naming an incident's group: alerts of one rule with the
    // same values join one open incident ("alertname" is the rule).
    std::vector<std::string> group_by{"alertname", "component"};
    // The alert label naming the component (see [[component]]).
    std::string component_label = "component";

    bool operator==(const IncidentsConfig&) const = default;
};

// A [[component]]: something incidents affect.
struct ComponentConfig {
    std::string name;  // unique
    std::string description;
    // While one of these (or what they depend on) has an open incident, this
    // component's alerts join that incident instead of opening their own.
    std::vector<std::string> depends_on;
    bool critical = false;  // [[rule.escalate]] critical = true applies

    bool operator==(const ComponentConfig&) const = default;
};

enum class MaintenanceRepeat { none, daily, weekly };

// A [[maintenance]] window: planned work, during which matching alerts do
// not declare incidents.
struct MaintenanceConfig {
    std::string name;                     // unique
    std::vector<std::string> components;  // alerts of these components...
    // ...and/or alerts whose labels match this PromQL matcher list, e.g.
    // `{env="staging", service=~"db.*"}`; "" when not set. When both are
    // given, both must match.
    std::string match;
    // The first window's start as wall-clock time in time_zone, in seconds
    // since 1970-01-01T00:00 of that wall clock (date::local_seconds). A start
    // written with an offset (Z, +02:00) is converted into time_zone.
    std::chrono::seconds start_local{0};
    Duration length{};  // from `duration`, or `end` - `start`
    MaintenanceRepeat repeat = MaintenanceRepeat::none;
    // weekly: the days it repeats on, 0 = Sunday .. 6 = Saturday, sorted;
    // default the start's weekday.
    std::vector<int> weekdays;
    std::string time_zone = "UTC";  // an IANA zone name

    bool operator==(const MaintenanceConfig&) const = default;
};

// A span of local time of day, [start, end), in minutes after midnight:
// "09:00-18:00" is {540, 1080}. An end at or before the start wraps past
// midnight ("22:00-07:00"); an end of 24:00 (1440) is the end of the day.
struct DailyHours {
    std::chrono::minutes start{0};
    std::chrono::minutes end{24 * 60};

    bool operator==(const DailyHours&) const = default;
};

// A [[person]]: someone who can be on call (docs/oncall.md).
struct PersonConfig {
    std::string name;          // unique; what schedules and overrides name
    std::string display_name;  // default: name
    std::string email;         // "" when not set
    // A Telegram chat id: a user's is positive, a group's negative.
    std::optional<std::int64_t> telegram_chat_id;
    // Local hours (in time_zone) at which this person is paged by email only
    // unless the tier is the most severe; stored here, applied by the router.
    std::optional<DailyHours> quiet_hours;
    std::string time_zone = "UTC";  // an IANA zone name

    bool operator==(const PersonConfig&) const = default;
};

// A [[schedule.layer]]: people taking turns. Handoffs happen at local
// wall-clock times of the schedule's zone (start's handoff plus whole
// rotations), so a weekly 09:00 handoff stays at 09:00 across DST changes.
struct ScheduleLayerConfig {
    std::string name;                 // unique in its schedule; default "layer N" (N from 1, file order)
    std::vector<std::string> people;  // [[person]] names in rotation order (repeats allowed)
    // The length of one turn in local wall-clock time: "daily" is 1d,
    // "weekly" 1w, or a duration from 1h to 52w in whole minutes.
    Duration rotation = std::chrono::hours(24 * 7);
    std::chrono::minutes handoff{9 * 60};  // local time of day of every handoff
    // Rotations of whole weeks: the weekday handoffs fall on (0 = Sunday ..
    // 6 = Saturday), default the start's weekday; nullopt for other rotations.
    std::optional<int> handoff_day;
    // When the layer begins, as wall-clock time in the schedule's zone, in
    // seconds since 1970-01-01T00:00 of that clock (date::local_seconds);
    // a start written as a date begins at `handoff` that day. people[0]
    // is on from the start until the first handoff after it.
    std::chrono::seconds start_local{0};
    // Restriction: the layer has someone on only on these days (0 = Sunday,
    // sorted; empty: every day) during these hours (nullopt: all day). A
    // span that wraps past midnight belongs to the day it starts on.
    std::vector<int> active_days;
    std::optional<DailyHours> active_hours;

    bool operator==(const ScheduleLayerConfig&) const = default;
};

// A [[schedule.override]]: `person` covers [start, end), whatever the layers say.
struct ScheduleOverrideConfig {
    std::string person;
    TimePoint start{};  // instants: written wall-clock times are read in the schedule's zone
    TimePoint end{};

    bool operator==(const ScheduleOverrideConfig&) const = default;
};

// A [[schedule]]: who is on call when. Later layers win where they have
// someone on; overrides win over layers (they never overlap each other).
struct ScheduleConfig {
    std::string name;               // unique
    std::string time_zone = "UTC";  // handoffs, restrictions and written times use it
    std::vector<ScheduleLayerConfig> layers;        // lowest precedence first; at least one
    std::vector<ScheduleOverrideConfig> overrides;  // in file order

    bool operator==(const ScheduleConfig&) const = default;
};

// [business_hours]: when "4 business hours" and "1 business day" count.
struct BusinessHoursConfig {
    std::string time_zone = "UTC";
    std::vector<int> weekdays{1, 2, 3, 4, 5};  // 0 = Sunday .. 6 = Saturday, sorted
    std::chrono::minutes start{9 * 60};        // local opening time
    std::chrono::minutes end{17 * 60};         // local closing time, after start (24:00 allowed)
    // Closed all day: local dates as days since 1970-01-01, sorted, unique.
    std::vector<std::chrono::days> holidays;

    bool operator==(const BusinessHoursConfig&) const = default;
};

// [channel.email]: tocsin's SMTP client (docs/email.md).
struct EmailChannelConfig {
    std::string host;  // required
    std::uint16_t port = 587;
    std::string security = "starttls";  // "starttls", "tls" (implicit, 465) or "none"
    bool insecure_local_relay = false;  // required with security = "none"
    TlsConfig tls;                      // [channel.email.tls]: ca_file, server_name, client cert
    std::string username;               // "" : no AUTH
    std::optional<Secret> password;     // password_file / password = "env:..." / "cred:..."
    std::string auth = "auto";          // "auto", "plain" or "login"
    bool allow_plain_auth_without_tls = false;
    std::string from;       // the From address (and envelope sender); required
    std::string from_name;  // display name; default "tocsin"
    std::string helo_name = "localhost";
    Duration connect_timeout = std::chrono::seconds(10);
    Duration command_timeout = std::chrono::seconds(30);
    Duration send_timeout = std::chrono::minutes(2);

    bool operator==(const EmailChannelConfig&) const = default;
};

// [channel.telegram]: the Bot API (docs/telegram.md).
struct TelegramChannelConfig {
    std::string api_url = "https://api.telegram.org";
    std::optional<Secret> bot_token;  // required: bot_token_file / bot_token = "env:..." / "cred:..."
    TlsConfig tls;
    // Signs the buttons; default: derived from the bot token.
    std::optional<Secret> callback_key;
    // Button presses are accepted from these chats and users only. Chats
    // default to every [[person]]'s telegram_chat_id; users to those same
    // ids (a private chat's id is its user's id) unless given.
    std::vector<std::int64_t> allowed_chat_ids;
    std::vector<std::int64_t> allowed_user_ids;
    bool poll_updates = true;  // long-poll getUpdates for button presses
    std::chrono::seconds poll_timeout{30};
    Duration request_timeout = std::chrono::seconds(15);

    bool operator==(const TelegramChannelConfig&) const = default;
};

// [channel.webhook]: a JSON POST signed with HMAC-SHA256.
struct WebhookChannelConfig {
    // Required. Every page for a person goes here once, naming the person
    // in the body (the outbox recipient is the person's name).
    std::string url;
    std::optional<Secret> secret;  // signs the body (X-Tocsin-Signature: sha256=HEX); required
    StringPairs headers;
    TlsConfig tls;
    Duration timeout = std::chrono::seconds(10);

    bool operator==(const WebhookChannelConfig&) const = default;
};

// [paging]: the outbox dispatcher and storm control.
struct PagingConfig {
    Duration retry_base = std::chrono::seconds(2);
    Duration retry_cap = std::chrono::minutes(2);
    int max_attempts = 10;
    std::size_t max_in_flight = 8;
    // Storm control: when more than this many pages for one person on one
    // channel are due at once, they go out as one digest (0: never).
    std::size_t digest_after = 3;
    // Where signed acknowledgement links in emails point ("" : no links);
    // needs link_key.
    std::string public_url;
    // Signs the links (>= 16 bytes): link_key_file / "env:..." / "cred:...",
    // or "random": a fresh key each start (links die with a restart).
    std::optional<Secret> link_key;
    Duration ack_link_ttl = std::chrono::hours(24);
    // The paging path is monitored: a channel failing this long (no
    // delivery since its first failure) gets an incident of this tier
    // ("" : [incidents] security_severity, P1 by default), paged through
    // the channels that still work.
    Duration channel_failure_after = std::chrono::minutes(5);
    std::string channel_failure_severity;

    bool operator==(const PagingConfig&) const = default;
};

// A [[subscribers]] list: the public side of the cadence. They hear that an
// incident of their components is known, each public status update (a
// person's state change and its message; notes stay internal), "still
// investigating" when the update cadence passes in silence, and the
// resolution.
struct SubscribersConfig {
    std::string name;                     // unique
    std::vector<std::string> components;  // empty: every component
    std::vector<std::string> severities;  // empty: every paging tier
    std::vector<std::string> emails;
    std::vector<std::int64_t> telegram_chats;  // channels and groups are negative

    bool operator==(const SubscribersConfig&) const = default;
};

// [heartbeat]: a dead man's switch. tocsin calls the URL every interval
// (GET), so an external monitor notices when tocsin itself is down.
struct HeartbeatConfig {
    std::string url;  // "" : off
    Duration interval = std::chrono::minutes(1);
    Duration timeout = std::chrono::seconds(10);
    TlsConfig tls;

    bool operator==(const HeartbeatConfig&) const = default;
};

// [channel.console]: a sink that prints every page as the email and the
// Telegram message would say it (the demo, dry runs). It receives every
// page of every tier, besides the tier's own channels.
struct ConsoleChannelConfig {
    std::string path = "-";  // "-": standard output; else a file, appended

    bool operator==(const ConsoleChannelConfig&) const = default;
};

// [demo]: the embedded default's flaky service, answered by tocsin's own
// HTTP server at /demo/flaky: up for `up`, then 503 for `down`, repeating.
struct DemoConfig {
    bool flaky_target = false;
    Duration up = std::chrono::seconds(30);
    Duration down = std::chrono::seconds(60);

    bool operator==(const DemoConfig&) const = default;
};

// [status_page]: the public status page, GET /status and /api/v1/status
// (docs/status-page.md).
struct StatusPageConfig {
    bool enabled = true;
    std::string title = "tocsin status";  // the page's heading and summary.json's page name

    bool operator==(const StatusPageConfig&) const = default;
};

// An [[alertmanager.route]]: which Alertmanager alerts it takes (label
// matchers) and what they become in tocsin (docs/alertmanager.md).
struct AlertmanagerRouteConfig {
    std::string match;             // PromQL label matchers, `{team="db"}`; "" : every alert
    std::string rule;              // literal rule name; "" : the value of rule_label
    std::string rule_label = "alertname";
    std::string component;         // literal; "" : the value of component_label ("" : none)
    std::string component_label;
    std::string severity;          // literal tier; "" : severity_map[severity_label], else default_severity
    std::string severity_label = "severity";
    StringPairs severity_map;      // label value -> tier, e.g. critical -> P1
    std::vector<std::string> group_by;  // empty: [incidents] group_by
    std::string title;             // template over $labels; "" : the title_annotation
    std::string title_annotation = "summary";
    std::string description_annotation = "description";

    bool operator==(const AlertmanagerRouteConfig&) const = default;
};

// [alertmanager]: POST /api/v1/alerts takes Alertmanager's webhook.
struct AlertmanagerConfig {
    bool enabled = false;
    // A firing alert not refreshed this long counts as resolved (nullopt:
    // only `resolved` or a past endsAt clears it).
    std::optional<Duration> stale_after;
    std::int64_t max_alerts = 10000;  // alerts tocsin tracks at once
    std::vector<AlertmanagerRouteConfig> routes;  // first match wins
    // Used when no route matches; nullopt: such alerts are dropped (counted).
    std::optional<AlertmanagerRouteConfig> default_route;

    bool operator==(const AlertmanagerConfig&) const = default;
};

// [channel.*]
struct ChannelsConfig {
    std::optional<EmailChannelConfig> email;
    std::optional<TelegramChannelConfig> telegram;
    std::optional<WebhookChannelConfig> webhook;
    std::optional<ConsoleChannelConfig> console;

    bool operator==(const ChannelsConfig&) const = default;
};

// The tiers used when the file has no [severity.*] table.
std::vector<SeverityConfig> default_severities();

struct Config {
    std::string source_file;  // the file it was loaded from, as given
    DaemonConfig daemon;
    StorageConfig storage;
    LogConfig log;
    ApiConfig api;
    std::vector<TargetConfig> targets;
    std::vector<ScrapeConfig> scrapes;
    RulesConfig rules_config;  // [rules]
    std::vector<RuleConfig> rules;  // [[rule]]
    // [severity.*] sorted by rank (most severe first); the defaults when the
    // file has none (and in a default-constructed Config).
    std::vector<SeverityConfig> severities = default_severities();
    IncidentsConfig incidents;                    // [incidents]
    std::vector<ComponentConfig> components;      // [[component]]
    std::vector<MaintenanceConfig> maintenance;   // [[maintenance]]
    std::vector<PersonConfig> people;             // [[person]]
    std::vector<ScheduleConfig> schedules;        // [[schedule]]
    BusinessHoursConfig business_hours;           // [business_hours]
    ChannelsConfig channels;                      // [channel.*]
    PagingConfig paging;                          // [paging]
    HeartbeatConfig heartbeat;                    // [heartbeat]
    std::vector<SubscribersConfig> subscribers;   // [[subscribers]]
    DemoConfig demo;                              // [demo]
    StatusPageConfig status_page;                 // [status_page]
    AlertmanagerConfig alertmanager;              // [alertmanager]

    bool operator==(const Config&) const = default;
};

const char* to_string(LogLevel level) noexcept;
const char* to_string(LogFormat format) noexcept;
const char* to_string(IpVersion version) noexcept;
std::string to_string(const StatusRange& range);  // "2xx", "404" or "200-399"

}  // namespace tocsin::config
