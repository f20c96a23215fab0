#include "self_metrics.hpp"

#include <map>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "build_info.hpp"

namespace tocsin::app {
namespace {

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

SelfMetrics::SelfMetrics() : m_registry(std::make_shared<prometheus::Registry>()) {
    prometheus::BuildGauge()
        .Name("tocsin_build_info")
        .Help("A metric with a constant '1' value labelled by version, commit and compiler of this tocsin.")
        .Register(*m_registry)
        .Add({{"version", build::k_version}, {"commit", build::k_commit}, {"compiler", build::k_compiler}})
        .Set(1);
    m_start_time = &gauge(*m_registry, "tocsin_start_time_seconds", "Unix time when tocsin started.");
    m_reload_ok = &gauge(*m_registry, "tocsin_config_last_reload_successful",
                         "Whether the last configuration load or reload succeeded (1) or was rejected (0).");
    m_reload_ok_time = &gauge(*m_registry, "tocsin_config_last_reload_success_timestamp_seconds",
                              "Unix time of the last successful configuration load or reload.");
    m_store_writable = &gauge(*m_registry, "tocsin_store_writable",
                              "Whether the last write probe of the SQLite store succeeded.");
    m_schema_version = &gauge(*m_registry, "tocsin_store_schema_version", "Schema version of the SQLite store.");
    m_probe_duration = &prometheus::BuildHistogram()
                            .Name("tocsin_probe_duration_seconds")
                            .Help("Duration of each probe run, by target.")
                            .Register(*m_registry);
    m_probe_failures = &prometheus::BuildCounter()
                            .Name("tocsin_probe_failures_total")
                            .Help("Failed probe runs by target and reason.")
                            .Register(*m_registry);
    m_skipped = &prometheus::BuildCounter()
                     .Name("tocsin_scheduler_skipped_ticks_total")
                     .Help("Runs skipped because the previous run of the same check was still going.")
                     .Register(*m_registry);
    m_lateness = &prometheus::BuildHistogram()
                      .Name("tocsin_scheduler_lateness_seconds")
                      .Help("How late checks started after their scheduled slot (loop lag, concurrency limit).")
                      .Register(*m_registry)
                      // Up to 30 s: an overloaded daemon starts checks seconds late (docs/reliability.md, "Overload").
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30});
    m_scrape_duration = &prometheus::BuildHistogram()
                             .Name("tocsin_scrape_duration_seconds")
                             .Help("Duration of each scrape (fetch, decode, parse, ingest), by job.")
                             .Register(*m_registry);
    m_scrape_samples = &prometheus::BuildGauge()
                            .Name("tocsin_scrape_samples")
                            .Help("Samples on the page at the last scrape, by job and instance.")
                            .Register(*m_registry);
    m_scrape_failures = &prometheus::BuildCounter()
                             .Name("tocsin_scrape_failures_total")
                             .Help("Failed scrapes by job and reason.")
                             .Register(*m_registry);
    m_series = &gauge(*m_registry, "tocsin_series", "Series in the in-memory store.");
    m_series_memory = &gauge(*m_registry, "tocsin_series_memory_bytes", "Estimated memory of the in-memory series store.");
    m_in_flight = &gauge(*m_registry, "tocsin_checks_in_flight", "Probes and scrapes running now.");
    m_queued = &gauge(*m_registry, "tocsin_checks_queued", "Probes and scrapes due but waiting for a concurrency slot.");
    m_rule_evaluations = &prometheus::BuildCounter()
                              .Name("tocsin_rule_evaluations_total")
                              .Help("Rule evaluations, by rule.")
                              .Register(*m_registry);
    m_rule_failures = &prometheus::BuildCounter()
                           .Name("tocsin_rule_evaluation_failures_total")
                           .Help("Rule evaluations that failed (PromQL error, duplicate alert label sets), by rule.")
                           .Register(*m_registry);
    m_rule_duration = &prometheus::BuildHistogram()
                           .Name("tocsin_rule_evaluation_duration_seconds")
                           .Help("Time to evaluate one rule and update its alerts.")
                           .Register(*m_registry)
                           .Add({}, prometheus::Histogram::BucketBoundaries{1e-5, 1e-4, 1e-3, 0.01, 0.1, 1});
    auto& alerts = prometheus::BuildGauge().Name("tocsin_alerts").Help("Active alerts by state.").Register(*m_registry);
    m_alerts_pending = &alerts.Add({{"state", "pending"}});
    m_alerts_firing = &alerts.Add({{"state", "firing"}});
    m_incidents = &prometheus::BuildGauge()
                       .Name("tocsin_incidents")
                       .Help("Open incidents by state and severity.")
                       .Register(*m_registry);
    m_incident_events = &prometheus::BuildCounter()
                             .Name("tocsin_incident_events_total")
                             .Help("Audit events committed, by kind.")
                             .Register(*m_registry);
    m_incident_unsaved = &prometheus::BuildGauge()
                              .Name("tocsin_incident_updates_unsaved")
                              .Help("Incident changes kept in memory because the database refused them; retried every round.")
                              .Register(*m_registry)
                              .Add({});
    m_storage_errors = &prometheus::BuildCounter()
                            .Name("tocsin_storage_errors_total")
                            .Help("Failed writes to the state directory, by operation (database, snapshot).")
                            .Register(*m_registry);
    m_storage_failing = &prometheus::BuildGauge()
                             .Name("tocsin_storage_failing")
                             .Help("Whether writes of the operation are failing now (1) or work (0).")
                             .Register(*m_registry);
    for (const char* op : {"database", "snapshot"}) {
        m_storage_errors->Add({{"operation", op}});
        m_storage_failing->Add({{"operation", op}}).Set(0);
    }
    m_storage_notices = &prometheus::BuildCounter()
                             .Name("tocsin_storage_notices_total")
                             .Help("Notices about failing state storage sent straight through the channels, by kind "
                                   "(failing, update, reminder, recovered).")
                             .Register(*m_registry);
    m_page_attempts = &prometheus::BuildCounter()
                           .Name("tocsin_page_attempts_total")
                           .Help("Page delivery attempts by channel and outcome (sent, pending: retried, failed).")
                           .Register(*m_registry);
}

void SelfMetrics::heartbeat(bool ok) {
    if (m_heartbeats == nullptr) {
        m_heartbeats = &prometheus::BuildCounter()
                            .Name("tocsin_heartbeats_total")
                            .Help("Dead man's switch calls by outcome (ok, failed).")
                            .Register(*m_registry);
    }
    m_heartbeats->Add({{"outcome", ok ? "ok" : "failed"}}).Increment();
}

void SelfMetrics::storage_error(const std::string& operation) {
    m_storage_errors->Add({{"operation", operation}}).Increment();
}

void SelfMetrics::storage_failing(const std::string& operation, bool failing) {
    m_storage_failing->Add({{"operation", operation}}).Set(failing ? 1 : 0);
}

void SelfMetrics::storage_notice(const std::string& kind) { m_storage_notices->Add({{"kind", kind}}).Increment(); }

void SelfMetrics::page_attempt(const std::string& channel, const std::string& outcome) {
    m_page_attempts->Add({{"channel", channel}, {"outcome", outcome}}).Increment();
}

void SelfMetrics::open_incidents(const std::vector<incident::Incident>& open) {
    std::map<std::pair<std::string, std::string>, double> counts;
    for (const auto& key : m_incident_labels) counts[key] = 0;
    for (const auto& i : open) counts[{incident::to_string(i.state), i.severity}] += 1;
    for (const auto& [key, n] : counts) {
        m_incidents->Add({{"state", key.first}, {"severity", key.second}}).Set(n);
        m_incident_labels.insert(key);
    }
}

void SelfMetrics::incident_events_saved(const std::vector<incident::IncidentUpdate>& updates) {
    for (const auto& u : updates) {
        for (const auto& e : u.events) m_incident_events->Add({{"kind", incident::to_string(e.kind)}}).Increment();
    }
}

void SelfMetrics::incident_updates_unsaved(std::size_t count) { m_incident_unsaved->Set(static_cast<double>(count)); }

void SelfMetrics::rule_evaluated(const std::string& rule, double seconds, bool ok) {
    m_rule_evaluations->Add({{"rule", rule}}).Increment();
    if (!ok) m_rule_failures->Add({{"rule", rule}}).Increment();
    m_rule_duration->Observe(seconds);
}

void SelfMetrics::alerts(std::size_t pending, std::size_t firing) {
    m_alerts_pending->Set(static_cast<double>(pending));
    m_alerts_firing->Set(static_cast<double>(firing));
}

void SelfMetrics::probe_finished(const std::string& target, double seconds, bool success, const std::string& reason) {
    m_probe_duration
        ->Add({{"target", target}},
              prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
        .Observe(seconds);
    if (!success) m_probe_failures->Add({{"target", target}, {"reason", reason}}).Increment();
}

void SelfMetrics::scrape_finished(const std::string& job, const std::string& instance, double seconds,
                                  std::size_t samples, const std::string& reason) {
    m_scrape_duration
        ->Add({{"job", job}}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
        .Observe(seconds);
    m_scrape_samples->Add({{"job", job}, {"instance", instance}}).Set(static_cast<double>(samples));
    if (reason != "ok") m_scrape_failures->Add({{"job", job}, {"reason", reason}}).Increment();
}

void SelfMetrics::series_stats(std::size_t series, std::size_t memory_bytes) {
    m_series->Set(static_cast<double>(series));
    m_series_memory->Set(static_cast<double>(memory_bytes));
}

void SelfMetrics::check_started(double lateness_seconds) { m_lateness->Observe(lateness_seconds); }
void SelfMetrics::check_skipped(const std::string& key) { m_skipped->Add({{"check", key}}).Increment(); }

void SelfMetrics::checks_in_flight(std::size_t running, std::size_t queued) {
    m_in_flight->Set(static_cast<double>(running));
    m_queued->Set(static_cast<double>(queued));
}

void SelfMetrics::started(TimePoint now) {
    m_start_time->Set(to_unix_seconds(now));
    reload_succeeded(now);  // the initial load counts, as in Prometheus
}

void SelfMetrics::reload_succeeded(TimePoint now) {
    m_reload_ok->Set(1);
    m_reload_ok_time->Set(to_unix_seconds(now));
}

void SelfMetrics::reload_failed() { m_reload_ok->Set(0); }
void SelfMetrics::store_writable(bool writable) { m_store_writable->Set(writable ? 1 : 0); }
void SelfMetrics::store_schema_version(int version) { m_schema_version->Set(version); }

}  // namespace tocsin::app
