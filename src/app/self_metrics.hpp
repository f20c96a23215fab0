// tocsin's own metrics (tocsin_*), served on /metrics next to the API's.
#pragma once

#include <memory>

#include "tocsin/core/clock.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tocsin/incident/incident.hpp"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
class Histogram;
template <typename T> class Family;
}  // namespace prometheus

namespace tocsin::app {

class SelfMetrics {
public:
    SelfMetrics();

    std::shared_ptr<prometheus::Registry> registry() const { return m_registry; }

    void started(TimePoint now);
    void reload_succeeded(TimePoint now);
    void reload_failed();
    void store_writable(bool writable);
    void store_schema_version(int version);

    void probe_finished(const std::string& target, double seconds, bool success, const std::string& reason);
    void check_started(double lateness_seconds);
    void check_skipped(const std::string& key);
    void checks_in_flight(std::size_t running, std::size_t queued);
    void scrape_finished(const std::string& job, const std::string& instance, double seconds, std::size_t samples,
                         const std::string& reason);
    void series_stats(std::size_t series, std::size_t memory_bytes);
    void rule_evaluated(const std::string& rule, double seconds, bool ok);
    void alerts(std::size_t pending, std::size_t firing);
    // Open incidents by state and severity (combinations seen before and now
    // gone are set to 0, so dashboards see the drop).
    void open_incidents(const std::vector<incident::Incident>& open);
    // Audit events committed, by kind; and what waits in memory after a
    // failed commit (0 once saved).
    void incident_events_saved(const std::vector<incident::IncidentUpdate>& updates);
    void incident_updates_unsaved(std::size_t count);
    // A page delivery attempt finished: outcome "sent", "pending" (retried)
    // or "failed".
    void page_attempt(const std::string& channel, const std::string& outcome);
    // The dead man's switch: the last heartbeat's outcome and time.
    void heartbeat(bool ok);
    // Writes to the state directory by operation ("database", "snapshot"):
    // each failure counted, and whether the operation is failing now; the
    // notices about it sent straight through the channels, by kind.
    void storage_error(const std::string& operation);
    void storage_failing(const std::string& operation, bool failing);
    void storage_notice(const std::string& kind);

private:
    std::shared_ptr<prometheus::Registry> m_registry;
    prometheus::Gauge* m_start_time = nullptr;
    prometheus::Gauge* m_reload_ok = nullptr;
    prometheus::Gauge* m_reload_ok_time = nullptr;
    prometheus::Gauge* m_store_writable = nullptr;
    prometheus::Gauge* m_schema_version = nullptr;
    prometheus::Family<prometheus::Histogram>* m_probe_duration = nullptr;
    prometheus::Family<prometheus::Counter>* m_probe_failures = nullptr;
    prometheus::Family<prometheus::Counter>* m_skipped = nullptr;
    prometheus::Histogram* m_lateness = nullptr;
    prometheus::Gauge* m_in_flight = nullptr;
    prometheus::Gauge* m_queued = nullptr;
    prometheus::Family<prometheus::Histogram>* m_scrape_duration = nullptr;
    prometheus::Family<prometheus::Gauge>* m_scrape_samples = nullptr;
    prometheus::Family<prometheus::Counter>* m_scrape_failures = nullptr;
    prometheus::Gauge* m_series = nullptr;
    prometheus::Gauge* m_series_memory = nullptr;
    prometheus::Family<prometheus::Counter>* m_rule_evaluations = nullptr;
    prometheus::Family<prometheus::Counter>* m_rule_failures = nullptr;
    prometheus::Histogram* m_rule_duration = nullptr;
    prometheus::Family<prometheus::Counter>* m_page_attempts = nullptr;
    prometheus::Family<prometheus::Counter>* m_heartbeats = nullptr;
    prometheus::Gauge* m_alerts_pending = nullptr;
    prometheus::Gauge* m_alerts_firing = nullptr;
    prometheus::Family<prometheus::Gauge>* m_incidents = nullptr;
    std::set<std::pair<std::string, std::string>> m_incident_labels;  // (state, severity) ever set
    prometheus::Family<prometheus::Counter>* m_incident_events = nullptr;
    prometheus::Gauge* m_incident_unsaved = nullptr;
    prometheus::Family<prometheus::Counter>* m_storage_errors = nullptr;
    prometheus::Family<prometheus::Gauge>* m_storage_failing = nullptr;
    prometheus::Family<prometheus::Counter>* m_storage_notices = nullptr;
};

}  // namespace tocsin::app
