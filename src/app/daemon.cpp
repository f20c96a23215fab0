#include "daemon.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <spdlog/spdlog.h>

#include "check_scheduler.hpp"
#include "logging.hpp"
#include "maintenance_service.hpp"
#include "oncall_command.hpp"
#include "paging_service.hpp"
#include "incident_hooks.hpp"
#include "external_alerts.hpp"
#include "status_hooks.hpp"
#include "rule_runner.hpp"
#include "self_metrics.hpp"
#include "storage_alarm.hpp"
#include "systemd_notifier.hpp"
#include "tocsin/api/api.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/net/http_server.hpp"
#include "tocsin/notify/channel.hpp"
#include "tocsin/paging/ack_link.hpp"
#include "tocsin/probe/http_probe.hpp"
#include "tocsin/scrape/scraper.hpp"
#include "tocsin/series/series_store.hpp"
#include "tocsin/store/migrations.hpp"
#include "tocsin/store/store.hpp"

namespace tocsin::app {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

struct Daemon::Impl {
    Impl(config::Config cfg, std::optional<config::LogLevel> level)
        : config(std::move(cfg)), level_override(level), signals(io), health_timer(io), watchdog_timer(io),
          shutdown_timer(io), snapshot_timer(io), rule_deadline_timer(io), rule_safety_timer(io), rule_batch_timer(io) {}

    config::Config config;
    std::optional<config::LogLevel> level_override;
    SystemClock clock;
    asio::io_context io{1};
    asio::signal_set signals;
    asio::steady_timer health_timer;
    asio::steady_timer watchdog_timer;
    asio::steady_timer shutdown_timer;
    asio::steady_timer snapshot_timer;
    asio::steady_timer rule_deadline_timer;  // the next `for` / keep_firing_for deadline
    asio::steady_timer rule_safety_timer;    // the periodic evaluation of every rule
    asio::steady_timer rule_batch_timer;     // a round held back by the pacing below
    steady::time_point rule_round_end{};     // when the last round finished
    steady::duration rule_round_cost{};      // and what it cost
    SystemdNotifier notifier;
    SelfMetrics metrics;
    std::optional<store::Store> store;
    std::unique_ptr<api::Api> api;
    std::unique_ptr<net::HttpServer> server;
    series::SeriesStore series;
    std::unique_ptr<CheckScheduler> scheduler;
    std::map<std::string, std::string> last_reason;  // per check: log a state once per change
    std::map<std::string, std::shared_ptr<scrape::Scraper>> scrapers;  // by job/instance, kept across reloads
    std::map<std::string, config::TargetConfig> probed;  // by target name, as last installed
    std::unique_ptr<RuleRunner> rules;
    std::unique_ptr<PagingService> paging;
    std::unique_ptr<MaintenanceService> maintenance;  // windows and silences from the API
    std::unique_ptr<ExternalAlerts> external_alerts;  // POST /api/v1/alerts (Alertmanager)
    RuleRunner* rules_view = nullptr;  // what the API's incident hooks see
    bool rules_posted = false;  // an evaluation round is queued on the io_context
    // After start-up, rules wait until every check has landed once (or the
    // warm-up deadline passes): judged on a store that has not heard from
    // its checks yet, a restored firing alert would resolve and fire again.
    std::set<std::string> warming;
    bool rules_warm = false;
    asio::steady_timer warmup_timer{io};
    // Writes to the state directory failing (a full disk): counted, logged
    // once per change, and told straight through the channels.
    StorageAlarm storage_alarm;
    asio::steady_timer storage_timer{io};
    // Skipped ticks in the log: the first at once, then a summary a minute.
    SkipDigest skip_digest;
    asio::steady_timer skip_timer{io};
    bool skip_timer_armed = false;
    bool ready = false;
    bool stopping = false;
    steady::time_point started = steady::now();

    // The last store write probe; /healthz reuses it for a second so a
    // scraper hammering the endpoint cannot turn into an fsync storm.
    api::Check last_health;
    steady::time_point last_health_at{};
    steady::time_point last_tick = steady::now();

    int run();
    api::Check health();
    api::Check readiness() const;
    void schedule_health_tick();
    void schedule_watchdog(Duration interval);
    void wait_for_signal();
    void reload();
    void apply_maintenance();
    void begin_stop(const char* why);
    bool install_checks(const config::Config& cfg);
    void on_probe(const probe::Probe& probe, const probe::ProbeOutcome& outcome, TimePoint started);
    void on_scrape(const scrape::Scraper& scraper, const scrape::ScrapeReport& report);
    void log_change(const std::string& what, const std::string& reason, const std::string& detail);
    std::int64_t now_ms() const;
    void load_series_snapshot();
    void save_series_snapshot();
    void schedule_snapshot();
    void install_rules(const config::Config& cfg);
    void post_rule_round();
    void run_rules(bool all, bool periodic = false);
    void schedule_rule_safety();
    void check_landed(const std::string& key);
    void begin_warmup(const config::Config& cfg);
    void finish_warmup(const char* why);
    StorageAlarmOptions storage_options() const;
    void storage_outcome(const std::string& operation, const Status& outcome);
    void check_storage();
    void check_skipped(const std::string& key);
    void arm_skip_summary();
    net::HttpResponse demo_flaky() const;
    void announce_demo(const std::string& where) const;
};

// The embedded demo's flaky service: up for demo.up, then 503 for
// demo.down, repeating from the start of the daemon.
net::HttpResponse Daemon::Impl::demo_flaky() const {
    const auto cycle = config.demo.up + config.demo.down;
    const auto into = std::chrono::duration_cast<Duration>(steady::now() - started) % cycle;
    if (into < config.demo.up) return net::HttpResponse::text(200, "ok: the demo service is up\n");
    return net::HttpResponse::text(503, "the demo service is failing (it recovers by itself)\n");
}

// Tells a newcomer running the embedded default what happens and what to do.
void Daemon::Impl::announce_demo(const std::string& where) const {
    if (!config.demo.flaky_target) return;
    spdlog::info("demo: a flaky service at http://{}/demo/flaky fails after {} for {}; tocsin declares an incident "
                 "and prints the page here (the [channel.console] sink)",
                 where, format_duration(config.demo.up), format_duration(config.demo.down));
    spdlog::info("demo: to acknowledge, open the link printed in the page and press the button; list incidents "
                 "with: curl -s http://{}/api/v1/incidents",
                 where);
    if (config.status_page.enabled) {
        spdlog::info("demo: the public status page is at http://{}/status (JSON: http://{}/api/v1/status)", where,
                     where);
    }
}

void Daemon::Impl::install_rules(const config::Config& cfg) {
    rules->install(cfg.rules, cfg.rules_config);
    rules->install_incidents(maintenance ? maintenance->with_windows(cfg, clock.now()) : cfg);
    series.set_retention(rules->retention());
    if (rules->size() == 0) {
        series.set_admission({}, true);  // nothing to derive admission from: keep everything
    } else {
        series.set_admission(rules->admission_selectors(), cfg.storage.keep_unmatched);
    }
    for (auto& [key, scraper] : scrapers) scraper->forget_refusals();  // rules may now read what was refused
    rules->mark_all();
    spdlog::info("{} rule(s); series kept {} s", rules->size(),
                 std::chrono::duration_cast<std::chrono::seconds>(rules->retention()).count());
}

void Daemon::Impl::begin_warmup(const config::Config& cfg) {
    Duration longest{0};
    for (const auto& t : cfg.targets) {
        warming.insert("target " + t.name);
        longest = std::max(longest, t.interval + t.timeout);
    }
    for (const auto& sc : cfg.scrapes) {
        warming.insert("scrape " + sc.job + "/" + sc.instance);
        longest = std::max(longest, sc.interval + sc.timeout);
    }
    if (warming.empty() || rules->size() == 0) {
        finish_warmup("no checks to wait for");
        return;
    }
    spdlog::info("rules wait for every check to report once (at most {} s)",
                 std::chrono::duration_cast<std::chrono::seconds>(longest).count());
    warmup_timer.expires_after(longest);
    warmup_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !stopping && !rules_warm) finish_warmup("warm-up deadline passed");
    });
}

void Daemon::Impl::finish_warmup(const char* why) {
    rules_warm = true;
    warming.clear();
    warmup_timer.cancel();
    if (rules->size() > 0) spdlog::info("rules evaluating ({})", why);
    run_rules(true);
    schedule_rule_safety();
}

void Daemon::Impl::check_landed(const std::string& key) {
    if (rules_warm) return;
    warming.erase(key);
    if (warming.empty()) finish_warmup("every check has reported");
}

// Landings are coalesced: one round per pass of the event loop, and rounds
// are paced so that they take at most about a tenth of the time: the next
// one starts no sooner than ten times the last one's cost after it ended
// (at most 200 ms). A quiet daemon evaluates at once; one with 10k targets
// landing a thousand probes a second no longer re-evaluates its rules for
// every one of them (which put the scheduler itself behind).
void Daemon::Impl::post_rule_round() {
    if (!rules_warm || rules_posted || stopping || !rules->has_dirty()) return;
    rules_posted = true;
    const auto gap = std::min<steady::duration>(rule_round_cost * 10, std::chrono::milliseconds(200));
    const auto earliest = rule_round_end + gap;
    if (steady::now() >= earliest) {
        asio::post(io, [this] {
            rules_posted = false;
            if (!stopping) run_rules(false);
        });
        return;
    }
    rule_batch_timer.expires_at(earliest);
    rule_batch_timer.async_wait([this](const boost::system::error_code& ec) {
        rules_posted = false;
        if (ec || stopping) return;
        run_rules(false);
    });
}

void Daemon::Impl::run_rules(bool all, bool periodic) {
    if (!rules_warm) return;
    const TimePoint now = clock.now();
    const auto started = steady::now();
    RuleRoundReport report = rules->evaluate(now, all, periodic);
    rule_round_end = steady::now();
    rule_round_cost = rule_round_end - started;
    rule_deadline_timer.cancel();
    if (report.next_deadline) {
        rule_deadline_timer.expires_after(*report.next_deadline - now);
        rule_deadline_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec || stopping) return;
            rules->mark_all();
            run_rules(false);
        });
    }
}

// The periodic evaluation of every rule, besides the event-driven ones: it
// catches what no landing marks (absent(), time-based expressions) and keeps
// the saved state's last-evaluation time fresh for the outage tolerance.
void Daemon::Impl::schedule_rule_safety() {
    rule_safety_timer.expires_after(config.rules_config.evaluation_interval);
    rule_safety_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping) return;
        run_rules(true, /*periodic=*/true);
        schedule_rule_safety();
    });
}

std::int64_t Daemon::Impl::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

// A restart must not blind a 15-minute rule for 15 minutes: series come back
// from the last snapshot. A bad snapshot costs history, never the start.
void Daemon::Impl::load_series_snapshot() {
    auto loaded = series.load_snapshot(config.storage.snapshot_path, now_ms());
    if (loaded) {
        spdlog::info("series snapshot {}: {} series, {} samples restored ({} series and {} samples past retention dropped)",
                     config.storage.snapshot_path, loaded->series, loaded->samples, loaded->series_dropped,
                     loaded->samples_dropped);
        if (loaded->ignored_bytes > 0) {
            // A save torn by a crash, or damage: history up to the save before it came back.
            spdlog::warn("series snapshot {}: ignored the last {} bytes ({}); restored as of the save before",
                         config.storage.snapshot_path, loaded->ignored_bytes, loaded->ignored_reason);
        }
    } else if (loaded.error().category == ErrorCategory::not_found) {
        spdlog::info("no series snapshot at {}: starting with empty series", config.storage.snapshot_path);
    } else {
        spdlog::warn("discarding series snapshot {}: {}", config.storage.snapshot_path, loaded.error().message);
    }
}

// Periodic saves append what changed since the last one; the last save
// before stopping rewrites the file whole, so the next start reads one base.
void Daemon::Impl::save_series_snapshot() {
    auto started = steady::now();
    series.gc(now_ms());
    const std::string& path = config.storage.snapshot_path;
    bool full = true;
    std::size_t bytes = 0;
    if (stopping) {
        if (Status s = series.write_snapshot(path); !s) {
            spdlog::error("cannot write series snapshot {}: {}", path, s.error().message);
            return;
        }
    } else {
        auto saved = series.save_snapshot(path);
        // A failed save leaves the last complete one loadable (a torn append
        // is ignored, a rewrite goes to path.tmp first); logged once per change.
        storage_outcome("snapshot", saved ? Status(Ok{}) : Status(saved.error()));
        if (!saved) {
            spdlog::debug("cannot write series snapshot {}: {}", path, saved.error().message);
            return;
        }
        full = saved->full;
        bytes = saved->bytes;
    }
    auto stats = series.stats();
    metrics.series_stats(stats.series, stats.memory_bytes);
    spdlog::debug("series snapshot written: {} series in {:.3f} s ({})", stats.series,
                  std::chrono::duration<double>(steady::now() - started).count(),
                  full ? std::string("whole file") : std::to_string(bytes) + " bytes appended");
}

void Daemon::Impl::schedule_snapshot() {
    snapshot_timer.expires_after(config.storage.snapshot_interval);
    snapshot_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping) return;
        save_series_snapshot();
        schedule_snapshot();
    });
}

void Daemon::Impl::log_change(const std::string& what, const std::string& reason, const std::string& detail) {
    auto [it, first] = last_reason.try_emplace(what, reason);
    if (!first && it->second == reason) return;
    std::string was = first ? "" : " (was: " + it->second + ")";
    it->second = reason;
    if (reason == "ok") {
        spdlog::info("{}: up{}", what, was);
    } else {
        spdlog::warn("{}: down: {}: {}{}", what, reason, detail, was);
    }
}

// Builds every probe and scraper first, so a bad TLS file rejects the whole
// config (at start or on reload) instead of silently dropping one check.
bool Daemon::Impl::install_checks(const config::Config& cfg) {
    std::vector<ScheduledCheck> checks;
    std::map<std::string, config::TargetConfig> next_probed;
    for (const auto& target : cfg.targets) {
        auto created = probe::Probe::create(target);
        if (!created) {
            spdlog::error("{}: {}", cfg.source_file, created.error().message);
            return false;
        }
        std::shared_ptr<probe::Probe> p = std::move(*created);
        next_probed.emplace(target.name, target);
        checks.push_back(ScheduledCheck{"target/" + target.name, target.interval, [this, p](std::function<void()> done) {
                                            TimePoint started = clock.now();
                                            p->run(io, [this, p, started, done = std::move(done)](probe::ProbeOutcome o) {
                                                on_probe(*p, o, started);
                                                done();
                                            });
                                        }});
    }
    std::map<std::string, std::shared_ptr<scrape::Scraper>> next_scrapers;
    for (const auto& sc : cfg.scrapes) {
        std::string key = sc.job + "/" + sc.instance;
        auto old = scrapers.find(key);
        std::shared_ptr<scrape::Scraper> scraper;
        if (old != scrapers.end() && old->second->config() == sc) {
            scraper = old->second;  // unchanged: keeps its series for staleness tracking
            scraper->forget_refusals();  // rules may now read what they refused
        } else {
            auto created = scrape::Scraper::create(sc);
            if (!created) {
                spdlog::error("{}: {}", cfg.source_file, created.error().message);
                return false;
            }
            scraper = std::move(*created);
        }
        next_scrapers.emplace(key, scraper);
        checks.push_back(ScheduledCheck{"scrape/" + key, sc.interval, [this, scraper](std::function<void()> done) {
                                            scraper->run(io, series, clock,
                                                         [this, scraper, done = std::move(done)](const scrape::ScrapeReport& r) {
                                                             on_scrape(*scraper, r);
                                                             done();
                                                         });
                                        }});
    }
    // What the new config no longer reads, or reads differently, goes stale
    // now, as in Prometheus; a changed check starts its series afresh.
    for (auto& [key, scraper] : scrapers) {
        auto next = next_scrapers.find(key);
        if (next == next_scrapers.end() || next->second != scraper) scraper->mark_stale(series, now_ms());
    }
    for (const auto& [name, target] : probed) {
        auto next = next_probed.find(name);
        if (next != next_probed.end() && next->second == target) continue;
        auto matcher = series::Matcher::equals("target", name);
        for (auto ref : series.select(std::span<const series::Matcher>(&matcher, 1))) series.append(ref, now_ms(), stale_marker());
    }
    scrapers = std::move(next_scrapers);
    probed = std::move(next_probed);
    if (!scheduler) {
        SchedulerObserver observer{[this](const std::string&, double late) { metrics.check_started(late); },
                                   [this](const std::string& key) { check_skipped(key); }};
        scheduler = std::make_unique<CheckScheduler>(io, clock, static_cast<std::size_t>(cfg.daemon.max_concurrent_checks),
                                                     std::move(observer));
    }
    scheduler->set_max_concurrent(static_cast<std::size_t>(cfg.daemon.max_concurrent_checks));
    scheduler->set_checks(std::move(checks));
    return true;
}

void Daemon::Impl::on_probe(const probe::Probe& p, const probe::ProbeOutcome& o, TimePoint started) {
    const std::string& name = p.target().name;
    metrics.probe_finished(name, o.duration_seconds, o.success, o.reason);
    metrics.checks_in_flight(scheduler->in_flight(), scheduler->queued());
    // Stamped with the probe's start, like a scrape of blackbox_exporter.
    auto t = std::chrono::duration_cast<std::chrono::milliseconds>(started.time_since_epoch()).count();
    for (const auto& sample : o.samples) {
        if (auto ref = series.get_or_create(sample.labels)) series.append(ref, t, sample.value);
    }
    log_change("target " + name, o.reason, o.detail);
    rules->probe_landed(o.samples);
    check_landed("target " + name);
    post_rule_round();
}

void Daemon::Impl::on_scrape(const scrape::Scraper& s, const scrape::ScrapeReport& r) {
    metrics.scrape_finished(s.config().job, s.config().instance, r.duration_seconds + r.ingest_seconds,
                            r.samples_scraped, r.reason);
    metrics.checks_in_flight(scheduler->in_flight(), scheduler->queued());
    if (r.out_of_order + r.duplicates > 0) {
        spdlog::debug("scrape {}: {} out-of-order and {} duplicate samples ignored", s.key(), r.out_of_order, r.duplicates);
    }
    log_change("scrape " + s.key(), r.reason, r.error);
    rules->scrape_landed(s.config());
    check_landed("scrape " + s.key());
    post_rule_round();
}

Daemon::Daemon(config::Config config, std::optional<config::LogLevel> level_override)
    : m_impl(std::make_unique<Impl>(std::move(config), level_override)) {}

Daemon::~Daemon() = default;

int Daemon::run() { return m_impl->run(); }

int Daemon::Impl::run() {
    std::error_code ec;
    std::filesystem::create_directories(config.daemon.state_dir, ec);
    if (ec) {
        spdlog::critical("cannot create state directory {}: {}", config.daemon.state_dir, ec.message());
        return exit_code::io_error;
    }
    try {
        store.emplace(store::Store::open(config.storage.path, config.storage.busy_timeout));
    } catch (const store::StoreOpenError& e) {
        spdlog::critical("{}", e.what());
        return e.exit_code();
    }
    spdlog::info("store {} open (schema version {})", config.storage.path, store::k_latest_schema_version);
    metrics.store_schema_version(store::k_latest_schema_version);

    api::ApiHooks hooks;
    hooks.health = [this] { return health(); };
    hooks.ready = [this] { return readiness(); };
    hooks.access = api::AccessPolicy::from_config(config.api);
    hooks.now = [this] { return clock.now(); };
    if (!config.paging.public_url.empty() && config.paging.link_key) {
        auto signer = paging::AckLinkSigner::create(*config.paging.link_key);
        if (!signer) {
            spdlog::critical("paging.link_key: {}", signer.error().message);
            return exit_code::config;
        }
        hooks.ack_links = std::move(*signer);
    }
    add_incident_hooks(hooks, rules_view, store->database(), clock);
    maintenance = std::make_unique<MaintenanceService>(store->database());
    if (Status loaded = maintenance->load(clock.now()); !loaded) {
        spdlog::critical("cannot read maintenance windows: {}", loaded.error().message);
        return exit_code::io_error;
    }
    hooks.list_maintenance = [this](bool all) { return maintenance->list(all, config, clock.now()); };
    hooks.create_maintenance = [this](const api::MaintenanceRequest& r) {
        auto result = maintenance->create(r, config, clock.now());
        if (result.window) apply_maintenance();
        return result;
    };
    hooks.end_maintenance = [this](std::int64_t id, const incident::Actor& actor) {
        auto result = maintenance->end(id, actor, clock.now());
        if (result.window) apply_maintenance();
        return result;
    };
    hooks.oncall = [this](TimePoint at) { return oncall_at(config, at); };
    add_alert_hooks(hooks, external_alerts, rules_view, clock, [this] { run_rules(false); });
    add_status_hooks(hooks, config, store->database(), clock,
                     [this](TimePoint now) { return maintenance->public_windows(now); });
    api = std::make_unique<api::Api>(metrics.registry(), std::move(hooks));
    net::HttpServerOptions options;
    options.host = config.api.listen_host;
    options.port = config.api.listen_port;
    options.request_timeout = config.api.request_timeout;
    options.max_body_bytes = config.api.max_body_bytes;
    server = std::make_unique<net::HttpServer>(io, options, [this](const net::HttpRequest& r) {
        if (config.demo.flaky_target && r.path == "/demo/flaky") return demo_flaky();
        return api->handle(r);
    });
    try {
        server->start();
    } catch (const std::system_error& e) {
        spdlog::critical("cannot listen on {} (api.listen): {}", config.api.listen(), e.code().message());
        return exit_code::os_error;
    }
    std::string where = config.api.listen_host.find(':') != std::string::npos
                            ? "[" + config.api.listen_host + "]:" + std::to_string(server->port())
                            : config.api.listen_host + ":" + std::to_string(server->port());
    spdlog::info("serving /healthz, /readyz, /metrics, /status and /api/v1 on http://{}", where);

    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.add(SIGHUP);
    wait_for_signal();
    schedule_health_tick();
    if (auto interval = notifier.watchdog_interval()) {
        spdlog::info("systemd watchdog enabled: pinging every {} ms", interval->count());
        schedule_watchdog(*interval);
    }

    rules = std::make_unique<RuleRunner>(series, &store->database(), &metrics);
    rules_view = rules.get();
    storage_alarm.set_options(storage_options());
    rules->set_commit_observer([this](const Status& outcome) { storage_outcome("database", outcome); });
    install_rules(config);  // retention and admission before the snapshot loads
    external_alerts = std::make_unique<ExternalAlerts>(metrics.registry().get());
    external_alerts->configure(config);
    external_alerts->restore(rules->incidents()->open_incidents(), clock.now());
    rules->set_external_alerts(external_alerts.get());
    paging = std::make_unique<PagingService>(io, store->database(), clock, &metrics);
    if (Status ok = paging->start(config, *rules); !ok) {
        spdlog::critical("cannot start paging: {}", ok.error().message);
        return exit_code::config;
    }
    load_series_snapshot();
    rules->restore(clock.now());
    if (!install_checks(config)) return exit_code::config;
    begin_warmup(config);
    spdlog::info("{} probe target(s) and {} scrape(s) scheduled", config.targets.size(), config.scrapes.size());
    schedule_snapshot();

    metrics.started(clock.now());
    health();  // prove the store writable before declaring readiness
    ready = true;
    notifier.ready("serving on " + where);
    spdlog::info("tocsin ready (config {})", config.source_file);
    announce_demo(where);

    io.run();
    paging.reset();  // before the store closes: in-flight pages stay 'sending' and are recovered next start
    save_series_snapshot();
    store.reset();  // closes SQLite, checkpointing the WAL
    spdlog::info("tocsin stopped");
    return exit_code::ok;
}

api::Check Daemon::Impl::health() {
    auto now = steady::now();
    if (last_health_at != steady::time_point{} && now - last_health_at < std::chrono::seconds(1)) return last_health;
    api::Check check{true, {}};
    // The tick proves the loop turns; a stall of three intervals is a hang.
    if (now - last_tick > 3 * config.daemon.health_interval + std::chrono::seconds(1)) {
        check = {false, "event loop stalled"};
    } else {
        Status s = store->check_writable(clock.now());
        if (!s) check = {false, "store not writable: " + s.error().message};
        if (rules) storage_outcome("database", s);
    }
    if (check.ok != last_health.ok || last_health_at == steady::time_point{}) {
        if (check.ok) spdlog::info("health: ok");
        else spdlog::error("health: {}", check.detail);
    }
    metrics.store_writable(check.ok);
    last_health = check;
    last_health_at = now;
    return check;
}

api::Check Daemon::Impl::readiness() const {
    if (stopping) return {false, "shutting down"};
    if (!ready) return {false, "starting"};
    return {true, {}};
}

void Daemon::Impl::schedule_health_tick() {
    health_timer.expires_after(config.daemon.health_interval);
    health_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping) return;
        last_tick = steady::now();
        health();
        schedule_health_tick();
    });
}

void Daemon::Impl::schedule_watchdog(Duration interval) {
    watchdog_timer.expires_after(interval);
    watchdog_timer.async_wait([this, interval](const boost::system::error_code& ec) {
        if (ec || stopping) return;
        last_tick = steady::now();
        // The watchdog restarts a hung loop, and this one turns. A store that
        // refuses writes (a full disk, a read-only remount) is not something
        // a restart fixes; it would only lose the incident changes held in
        // memory and loop. /healthz (503) and the storage alarm report it.
        health();
        notifier.watchdog();
        schedule_watchdog(interval);
    });
}

void Daemon::Impl::check_skipped(const std::string& key) {
    metrics.check_skipped(key);
    if (skip_digest.note(key, steady::now())) {
        spdlog::warn("{}: previous run still going at its next slot; skipped (further skips are summed up once a "
                     "minute; tocsin_scheduler_skipped_ticks_total counts each)",
                     key);
    } else {
        arm_skip_summary();
    }
}

void Daemon::Impl::arm_skip_summary() {
    if (skip_timer_armed || stopping) return;
    auto due = skip_digest.next_flush();
    if (!due) return;
    skip_timer_armed = true;
    skip_timer.expires_at(*due);
    skip_timer.async_wait([this](const boost::system::error_code& ec) {
        skip_timer_armed = false;
        if (ec || stopping) return;
        if (auto s = skip_digest.flush(steady::now())) {
            std::string examples;
            for (const auto& k : s->examples) examples += (examples.empty() ? "" : ", ") + k;
            spdlog::warn("{} tick(s) of {} check(s) skipped in the last minute, the previous run still going (e.g. {}): "
                         "tocsin is behind its schedule (see tocsin_scheduler_lateness_seconds)",
                         s->ticks, s->checks, examples);
        }
        arm_skip_summary();
    });
}

StorageAlarmOptions Daemon::Impl::storage_options() const {
    StorageAlarmOptions o;
    o.alert_after = config.paging.channel_failure_after;  // the paging path's own grace
    o.state_dir = config.daemon.state_dir;
    return o;
}

// Every write to the state directory reports here: the database (each
// health probe, each commit of a rule round) and the series snapshot.
void Daemon::Impl::storage_outcome(const std::string& operation, const Status& outcome) {
    const TimePoint now = clock.now();
    if (!outcome) {
        metrics.storage_error(operation);
        if (storage_alarm.failed(operation, outcome.error().message, now)) {
            metrics.storage_failing(operation, true);
            spdlog::error("state storage failing: {}: {} (tocsin keeps running; held changes are retried)", operation,
                          outcome.error().message);
        }
    } else if (storage_alarm.succeeded(operation)) {
        metrics.storage_failing(operation, false);
        spdlog::info("state storage: {} writes again", operation);
        if (operation == "database" && storage_alarm.failing("snapshot")) {
            // Space is back: save now rather than at the next interval.
            asio::post(io, [this] {
                if (!stopping) save_series_snapshot();
            });
        }
    }
    check_storage();
}

// Sends what the storage alarm says is due (outside SQLite, through the
// channels) and wakes when the next notice may be.
void Daemon::Impl::check_storage() {
    if (stopping) return;
    const TimePoint now = clock.now();
    std::vector<HeldIncident> held;
    if (rules) {
        for (const auto& i : rules->held_declarations()) held.push_back(HeldIncident{i.id, i.severity, i.title});
    }
    if (auto notice = storage_alarm.due(now, held)) {
        notify::Notification n;
        n.idempotency_key = notice->key;
        n.subject = notice->subject;
        n.text = notice->text;
        const std::size_t sent = paging ? paging->notify_operators(n) : 0;
        metrics.storage_notice(to_string(notice->kind));
        spdlog::log(notice->kind == StorageNotice::Kind::recovered ? spdlog::level::info : spdlog::level::warn,
                    "storage notice \"{}\" going to {} destination(s)", n.subject, sent);
    }
    storage_timer.cancel();
    if (auto due = storage_alarm.next_deadline(now)) {
        storage_timer.expires_after(*due > now ? std::chrono::duration_cast<Duration>(*due - now) : Duration::zero());
        storage_timer.async_wait([this](const boost::system::error_code& ec) {
            if (!ec && !stopping) check_storage();
        });
    }
}

void Daemon::Impl::wait_for_signal() {
    signals.async_wait([this](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
            if (!stopping) reload();
        } else if (stopping) {
            spdlog::warn("second {} received: exiting now", signo == SIGINT ? "SIGINT" : "SIGTERM");
            io.stop();
            return;
        } else {
            begin_stop(signo == SIGINT ? "SIGINT" : "SIGTERM");
        }
        wait_for_signal();
    });
}

// A window created or ended through the API: the incident policy takes it
// now, and held-back declarations are reconsidered at once.
void Daemon::Impl::apply_maintenance() {
    if (!rules) return;  // still starting: install_rules() will read it
    rules->install_incidents(maintenance->with_windows(config, clock.now()));
    run_rules(true);
}

void Daemon::Impl::reload() {
    notifier.reloading();
    spdlog::info("SIGHUP: reloading configuration from {}", config.source_file);
    config::LoadResult result = config::load_file(config.source_file);
    if (!result.ok()) {
        for (const auto& d : result.diagnostics) spdlog::error("{}", d.to_string());
        spdlog::error("configuration reload rejected ({} problem{}); keeping the running configuration",
                      result.diagnostics.size(), result.diagnostics.size() == 1 ? "" : "s");
        metrics.reload_failed();
        notifier.ready("reload rejected; running the previous configuration");
        return;
    }
    config::Config next = std::move(*result.config);
    if (!install_checks(next)) {
        spdlog::error("configuration reload rejected; keeping the running configuration");
        metrics.reload_failed();
        notifier.ready("reload rejected; running the previous configuration");
        return;
    }
    // These are bound at start-up; say so rather than half-apply them.
    if (next.daemon.state_dir != config.daemon.state_dir) spdlog::warn("daemon.state_dir changed: takes effect on restart");
    if (next.storage != config.storage) spdlog::warn("[storage] changed: takes effect on restart");
    if (next.api.listen() != config.api.listen() || next.api.request_timeout != config.api.request_timeout ||
        next.api.max_body_bytes != config.api.max_body_bytes) {
        spdlog::warn("[api] listen/request_timeout/max_body_bytes changed: takes effect on restart");
    }
    // A random link key lives as long as the process: links already sent
    // keep working, and the API's signer (bound at start) stays right.
    if (next.paging.link_key && next.paging.link_key->source() == "random" && config.paging.link_key &&
        config.paging.link_key->source() == "random") {
        next.paging.link_key = config.paging.link_key;
    }
    next.daemon.state_dir = config.daemon.state_dir;
    next.storage = config.storage;
    next.api.listen_host = config.api.listen_host;
    next.api.listen_port = config.api.listen_port;
    next.api.request_timeout = config.api.request_timeout;
    next.api.max_body_bytes = config.api.max_body_bytes;
    config = std::move(next);
    if (api) api->set_access(api::AccessPolicy::from_config(config.api));  // token rotation needs no restart
    install_rules(config);
    if (external_alerts) external_alerts->configure(config);
    if (paging) paging->reconfigure(config);
    storage_alarm.set_options(storage_options());
    run_rules(true);
    if (rules_warm) schedule_rule_safety();  // the interval may have changed
    configure_logging(config.log, level_override);
    metrics.reload_succeeded(clock.now());
    notifier.ready("configuration reloaded");
    spdlog::info("configuration reloaded");
}

void Daemon::Impl::begin_stop(const char* why) {
    stopping = true;
    notifier.stopping();
    spdlog::info("{}: stopping; finishing in-flight requests (up to {} ms)", why, config.daemon.shutdown_timeout.count());
    health_timer.cancel();
    watchdog_timer.cancel();
    if (scheduler) scheduler->stop();
    snapshot_timer.cancel();
    rule_deadline_timer.cancel();
    rule_safety_timer.cancel();
    rule_batch_timer.cancel();
    warmup_timer.cancel();
    storage_timer.cancel();
    skip_timer.cancel();
    if (paging) paging->stop();
    shutdown_timer.expires_after(config.daemon.shutdown_timeout);
    shutdown_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        spdlog::warn("shutdown_timeout reached with {} connection(s) open: closing them", server->connections());
        io.stop();
    });
    server->stop([this] {
        shutdown_timer.cancel();
        signals.cancel();
        io.stop();
    });
}

}  // namespace tocsin::app
