// The daemon's rules: builds AlertRules from the config, evaluates them with
// the PromQL engine over the series store when the checks that feed them
// land (and when a `for` or keep_firing_for deadline passes, and
// periodically as a safety net), and persists every transition in SQLite in
// one transaction per evaluation round. No Asio and no clock reads: the
// daemon passes `now` and arms its timers from what evaluate() returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/core/sample.hpp"
#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/promql/engine.hpp"
#include "tocsin/rules/alert_rule.hpp"
#include "tocsin/rules/restore.hpp"
#include "tocsin/series/matcher.hpp"
#include "tocsin/series/series_store.hpp"

namespace tocsin::store {
class Database;
}

namespace tocsin::app {

class SelfMetrics;
class PagingRunner;
class ExternalAlerts;

struct RuleRoundReport {
    std::size_t evaluated = 0;
    std::size_t failed = 0;
    std::size_t transitions = 0;
    std::size_t incident_updates = 0;
    // The earliest moment a pending alert's `for` or a firing alert's
    // keep_firing_for hold ends, or an incident is due to change (auto
    // resolution, escalation by duration, a maintenance window ending):
    // evaluate again then, not a tick later.
    std::optional<TimePoint> next_deadline;
};

class RuleRunner {
public:
    // `db` may be null (no persistence); `metrics` may be null.
    RuleRunner(const series::SeriesStore& store, store::Database* db, SelfMetrics* metrics);
    ~RuleRunner();

    // Replaces the rule set. A rule whose config is unchanged keeps its
    // alerts; a removed rule's saved state is deleted. The config was
    // validated at load, so building a rule cannot fail.
    void install(const std::vector<config::RuleConfig>& rules, const config::RulesConfig& options);
    // Puts saved state back (before the first evaluation after start-up).
    void restore(TimePoint now);

    // Turns firing alerts into incidents with the config's incident policy
    // (severities, components, maintenance). The first call loads the open
    // incidents from the database; later calls (reloads) keep them. Call
    // after install(): the policy refers to the installed rules.
    void install_incidents(const config::Config& config);
    incident::IncidentManager* incidents() { return m_incidents.get(); }
    // Commits what a person's command changed (with anything a failed round
    // left unsaved); false when the database refused it (kept for retry).
    bool commit_incident_updates(std::vector<incident::IncidentUpdate> updates, TimePoint now);
    // Pages what incident changes call for, in the same transaction (null:
    // no paging). Set after install_incidents().
    void set_paging(PagingRunner* paging) { m_paging = paging; }
    // Alerts from Alertmanager (null: none): every round drops those whose
    // endsAt or staleness passed before the incident step, and their
    // deadlines join the round's.
    void set_external_alerts(ExternalAlerts* alerts) { m_external = alerts; }
    // A person asks for the next escalation level now: an `escalated` event
    // the paging runner acts on. Errors for an unknown or resolved incident.
    Status escalate(std::int64_t incident_id, const incident::Actor& actor, TimePoint now);
    // Decides the paging cadences due at `now` (re-pages, escalations,
    // reminders) and commits them with anything left unsaved; false when
    // the database refused (retried next time).
    bool run_paging(TimePoint now);

    // What the rules read, for the series store.
    std::chrono::milliseconds retention() const;
    std::vector<std::vector<series::Matcher>> admission_selectors() const;
    std::size_t size() const { return m_rules.size(); }

    // Marks the rules a landed check may feed.
    void probe_landed(std::span<const tocsin::Sample> samples);
    void scrape_landed(const config::ScrapeConfig& scrape);
    void mark_all();
    bool has_dirty() const;

    // Evaluates the marked rules (every rule when `all`) at `now`. The
    // `periodic` round (all rules, from the evaluation_interval timer) skips
    // rules evaluated within 90% of the interval that nothing marked since:
    // a rule is evaluated at most about two intervals apart when its checks
    // stop landing, and exactly every interval when nothing ever marks it.
    RuleRoundReport evaluate(TimePoint now, bool all, bool periodic = false);

    // Told the outcome of every commit attempt (the daemon's storage alarm);
    // failures are logged once until a commit succeeds again, not per round.
    void set_commit_observer(std::function<void(const Status&)> observer) { m_commit_observer = std::move(observer); }
    // Declarations not committed yet (held after a failed commit), in order.
    std::vector<incident::Incident> held_declarations() const;

private:
    struct Entry;
    bool may_feed(const Entry& rule, const config::ScrapeConfig& scrape) const;

    Status save_round(const std::vector<std::pair<std::string, rules::RowChanges>>& changes,
                      const std::vector<std::string>& touched, TimePoint now);

    const series::SeriesStore& m_store;
    promql::Engine m_engine;
    store::Database* m_db;
    SelfMetrics* m_metrics;
    config::RulesConfig m_options;
    std::vector<std::unique_ptr<Entry>> m_rules;
    std::unique_ptr<incident::IncidentManager> m_incidents;
    // Incident updates not yet committed (a failed transaction): saved first
    // next time, in order, so no event is lost.
    std::vector<incident::IncidentUpdate> m_unsaved;
    PagingRunner* m_paging = nullptr;
    ExternalAlerts* m_external = nullptr;
    std::function<void(const Status&)> m_commit_observer;
    bool m_commit_failing = false;  // the last commit failed: said once, until one succeeds
};

}  // namespace tocsin::app
