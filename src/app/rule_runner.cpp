#include "rule_runner.hpp"

#include "paging_runner.hpp"
#include "external_alerts.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "self_metrics.hpp"
#include "tocsin/promql/ast.hpp"
#include "tocsin/rules/incident_observation.hpp"
#include "tocsin/rules/restore.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/rule_state_repository.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::app {

namespace {

std::int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

const char* describe(rules::TransitionKind kind) {
    switch (kind) {
        case rules::TransitionKind::pending: return "pending";
        case rules::TransitionKind::firing: return "firing";
        case rules::TransitionKind::resolved: return "resolved";
        case rules::TransitionKind::dropped: return "dropped (condition cleared while pending)";
        case rules::TransitionKind::forgotten: return "forgotten";
        case rules::TransitionKind::keep_firing_started: return "held firing (keep_firing_for)";
        case rules::TransitionKind::keep_firing_ended: return "no longer held (condition back)";
        case rules::TransitionKind::back_to_pending: return "back to pending";
    }
    return "?";
}

// One line per incident change, at info: operators follow incidents in the
// journal as well as in the database.
void log_incident_updates(const std::vector<incident::IncidentUpdate>& updates) {
    for (const auto& u : updates) {
        for (const auto& e : u.events) {
            spdlog::info("incident #{} [{} {}] {}: {}{}", u.incident.id, u.incident.severity,
                         incident::to_string(u.incident.state), incident::to_string(e.kind), e.message,
                         e.detail.empty() ? "" : " (" + e.detail + ")");
        }
    }
}

}  // namespace

struct RuleRunner::Entry {
    rules::AlertRule rule;
    std::vector<std::vector<series::Matcher>> selectors;
    bool dirty = true;
    bool observed = false;  // evaluated this round: the incident manager hears of it
    std::optional<TimePoint> last_evaluated;
};

RuleRunner::RuleRunner(const series::SeriesStore& store, store::Database* db, SelfMetrics* metrics)
    : m_store(store), m_engine(store), m_db(db), m_metrics(metrics) {}

RuleRunner::~RuleRunner() = default;

void RuleRunner::install(const std::vector<config::RuleConfig>& configs, const config::RulesConfig& options) {
    m_options = options;
    std::vector<std::unique_ptr<Entry>> next;
    std::vector<std::pair<std::string, Labels>> restarted;  // pending alerts of rules with a new expression
    for (const auto& c : configs) {
        auto same = std::find_if(m_rules.begin(), m_rules.end(),
                                 [&](const auto& e) { return e && e->rule.config() == c; });
        if (same != m_rules.end()) {
            next.push_back(std::move(*same));
            continue;
        }
        auto made = rules::AlertRule::make(c);
        if (!made) {
            // Validated at load; a failure here is a bug, not an operator error.
            spdlog::error("rule {}: {}", c.name, made.error().message);
            continue;
        }
        auto entry = std::make_unique<Entry>(Entry{std::move(*made), {}, true, false, std::nullopt});
        for (const promql::VectorSelector* s : promql::selectors(entry->rule.expr())) entry->selectors.push_back(s->matchers);
        // A changed rule keeps the alerts of its previous version: same name,
        // same alert identities; the state machine re-judges them at once.
        // With a new expression a pending hold measured another condition:
        // it starts over (and its saved row goes); firing alerts stay, so
        // their incidents are not disturbed.
        auto old = std::find_if(m_rules.begin(), m_rules.end(),
                                [&](const auto& e) { return e && e->rule.name() == c.name; });
        if (old != m_rules.end()) {
            const bool same_expr = promql::to_string((*old)->rule.expr()) == promql::to_string(entry->rule.expr());
            for (auto alert : (*old)->rule.alerts()) {
                if (!same_expr && alert.state == rules::AlertState::pending) {
                    restarted.emplace_back(c.name, std::move(alert.labels));
                } else {
                    entry->rule.restore(std::move(alert));
                }
            }
        }
        next.push_back(std::move(entry));
    }
    if (m_db != nullptr) {
        store::RuleStateRepository repo(*m_db);
        for (const auto& [rule, labels] : restarted) {
            if (Status s = repo.remove(rule, labels); !s) {
                spdlog::warn("rule {}: cannot delete the saved state of {}: {}", rule, labels.to_string(), s.error().message);
            }
        }
        for (const auto& old : m_rules) {
            if (!old) continue;
            const bool kept = std::any_of(next.begin(), next.end(),
                                          [&](const auto& e) { return e->rule.name() == old->rule.name(); });
            if (!kept) {
                if (Status s = repo.remove_rule(old->rule.name()); !s) {
                    spdlog::warn("rule {}: cannot delete its saved state: {}", old->rule.name(), s.error().message);
                }
            }
        }
    }
    m_rules = std::move(next);
}

void RuleRunner::restore(TimePoint now) {
    if (m_db == nullptr) return;
    store::RuleStateRepository repo(*m_db);
    auto loaded = repo.load_all();
    if (!loaded) {
        spdlog::warn("cannot read saved rule state, starting without it: {}", loaded.error().message);
        return;
    }
    for (const auto& w : loaded->warnings) spdlog::warn("saved rule state: {}", w);
    const auto options = rules::RestoreOptions::from(m_options);
    auto tx = store::Transaction::begin(*m_db);
    for (auto& entry : m_rules) {
        std::vector<store::RuleStateRow> rows;
        for (const auto& row : loaded->rows) {
            if (row.rule == entry->rule.name()) rows.push_back(row);
        }
        if (rows.empty()) continue;
        auto report = rules::restore_state(entry->rule, rows, now, options);
        for (const auto& alert : report.restored) {
            (void)repo.save(rules::to_row(entry->rule.name(), alert, now));
        }
        for (const auto& d : report.discarded) {
            spdlog::info("rule {}: not restoring {}: {}", entry->rule.name(), d.row.labels.to_string(), d.reason);
            (void)repo.remove(entry->rule.name(), d.row.labels);
        }
        if (!report.restored.empty()) {
            spdlog::info("rule {}: restored {} alert(s) from saved state", entry->rule.name(), report.restored.size());
        }
    }
    if (tx) (void)tx->commit();
}

std::chrono::milliseconds RuleRunner::retention() const {
    using std::chrono::milliseconds;
    if (m_rules.empty()) return series::SeriesStore::k_default_retention;
    milliseconds longest{0};
    for (const auto& e : m_rules) {
        // The bound: what the expression reads (ranges, offsets,
        // subqueries; lookback for instant selectors), plus for and
        // keep_firing_for, plus the lookback delta.
        milliseconds need = promql::max_lookback(e->rule.expr()) +
                            std::chrono::duration_cast<milliseconds>(e->rule.hold() + e->rule.keep_firing_for()) +
                            std::chrono::minutes(5);
        longest = std::max(longest, need);
    }
    return std::max(longest, series::SeriesStore::k_default_retention);
}

std::vector<std::vector<series::Matcher>> RuleRunner::admission_selectors() const {
    std::vector<std::vector<series::Matcher>> out;
    for (const auto& e : m_rules) out.insert(out.end(), e->selectors.begin(), e->selectors.end());
    return out;
}

void RuleRunner::probe_landed(std::span<const tocsin::Sample> samples) {
    for (auto& e : m_rules) {
        if (e->dirty) continue;
        e->dirty = std::any_of(e->selectors.begin(), e->selectors.end(), [&](const auto& matchers) {
            return std::any_of(samples.begin(), samples.end(), [&](const tocsin::Sample& s) {
                return std::all_of(matchers.begin(), matchers.end(),
                                   [&](const series::Matcher& m) { return m.matches(s.labels.get(m.name())); });
            });
        });
    }
}

// Whether the rule may read a series of this scrape: the scrape's own labels
// (job, instance, configured ones) are known, the page's are not.
bool RuleRunner::may_feed(const Entry& e, const config::ScrapeConfig& scrape) const {
    auto known = [&](const std::string& name) -> std::optional<std::string_view> {
        if (scrape.honor_labels) return std::nullopt;  // the page may override them
        if (name == "job") return scrape.job;
        if (name == "instance") return scrape.instance;
        for (const auto& [k, v] : scrape.labels) {
            if (k == name) return std::string_view(v);
        }
        return std::nullopt;
    };
    return std::any_of(e.selectors.begin(), e.selectors.end(), [&](const auto& matchers) {
        return std::all_of(matchers.begin(), matchers.end(), [&](const series::Matcher& m) {
            auto value = known(m.name());
            return !value || m.matches(*value);
        });
    });
}

void RuleRunner::scrape_landed(const config::ScrapeConfig& scrape) {
    for (auto& e : m_rules) {
        if (!e->dirty && may_feed(*e, scrape)) e->dirty = true;
    }
}

void RuleRunner::mark_all() {
    for (auto& e : m_rules) e->dirty = true;
}

bool RuleRunner::has_dirty() const {
    return std::any_of(m_rules.begin(), m_rules.end(), [](const auto& e) { return e->dirty; });
}

RuleRoundReport RuleRunner::evaluate(TimePoint now, bool all, bool periodic) {
    RuleRoundReport report;
    std::vector<std::pair<std::string, rules::RowChanges>> changes;
    std::vector<std::string> touched;
    for (auto& e : m_rules) {
        // The periodic round is a safety net: a rule its checks evaluated
        // within most of the interval is fresh (its saved state is touched
        // all the same). Without this, a rule fed by a scrape every interval
        // was evaluated twice per interval.
        const bool fresh = periodic && !e->dirty && e->last_evaluated &&
                           now - *e->last_evaluated < m_options.evaluation_interval * 9 / 10;
        if ((!all && !e->dirty) || fresh) {
            // Not evaluated now, but its deadlines still count.
            if (fresh) touched.push_back(e->rule.name());
        } else {
            e->dirty = false;
            e->last_evaluated = now;
            const auto started = std::chrono::steady_clock::now();
            auto value = m_engine.instant(e->rule.expr(), to_ms(now));
            std::vector<tocsin::Sample> samples;
            Result<std::vector<rules::Transition>> transitions = std::vector<rules::Transition>{};
            if (!value) {
                transitions = value.error();
            } else if (value->type == promql::ValueType::scalar) {
                samples.push_back(tocsin::Sample{Labels{}, value->scalar});
                transitions = e->rule.eval(samples, now);
            } else {
                samples.reserve(value->vector.size());
                for (auto& s : value->vector) samples.push_back(tocsin::Sample{std::move(s.labels), s.value});
                transitions = e->rule.eval(samples, now);
            }
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            ++report.evaluated;
            if (!transitions) {
                ++report.failed;
                spdlog::warn("rule {}: evaluation failed: {}", e->rule.name(), transitions.error().message);
                if (m_metrics) m_metrics->rule_evaluated(e->rule.name(), seconds, false);
            } else {
                if (m_metrics) m_metrics->rule_evaluated(e->rule.name(), seconds, true);
                for (const auto& t : *transitions) {
                    const bool loud = t.kind == rules::TransitionKind::firing || t.kind == rules::TransitionKind::resolved;
                    if (loud) {
                        spdlog::info("alert {}{}: {}", e->rule.name(), t.alert.labels.without({"alertname"}).to_string(),
                                     describe(t.kind));
                    } else {
                        spdlog::debug("alert {}{}: {}", e->rule.name(), t.alert.labels.without({"alertname"}).to_string(),
                                      describe(t.kind));
                    }
                }
                e->observed = true;
                report.transitions += transitions->size();
                if (!transitions->empty()) changes.emplace_back(e->rule.name(), rules::row_changes(e->rule.name(), *transitions, now));
                if (all) touched.push_back(e->rule.name());
            }
        }
        for (const auto& alert : e->rule.alerts()) {
            std::optional<TimePoint> due;
            if (alert.state == rules::AlertState::pending) due = alert.active_at + e->rule.hold();
            if (alert.state == rules::AlertState::firing && alert.keep_firing_since) {
                due = *alert.keep_firing_since + e->rule.keep_firing_for();
            }
            if (due && *due > now && (!report.next_deadline || *due < *report.next_deadline)) report.next_deadline = due;
        }
    }
    if (m_metrics) {
        std::size_t pending = 0, firing = 0;
        for (const auto& e : m_rules) {
            for (const auto& a : e->rule.alerts()) {
                pending += a.state == rules::AlertState::pending;
                firing += a.state == rules::AlertState::firing;
            }
        }
        m_metrics->alerts(pending, firing);
    }
    if (m_incidents) {
        for (auto& e : m_rules) {
            if (!e->observed) continue;
            e->observed = false;
            incident::RuleObservation observation = rules::observation_of(e->rule);
            // Impact is read only while it matters: something fires, or an
            // incident of the rule is open (its current impact is kept).
            if (e->rule.impact() != nullptr &&
                (!observation.firing.empty() || m_incidents->has_open_for_rule(e->rule.name()))) {
                Result<double> impact = rules::evaluate_impact(m_engine, *e->rule.impact(), to_ms(now));
                if (impact) {
                    observation.impact = *impact;
                } else {
                    spdlog::warn("rule {}: impact evaluation failed: {}", e->rule.name(), impact.error().message);
                }
            }
            for (auto& u : m_incidents->observe(observation, now)) m_unsaved.push_back(std::move(u));
        }
        if (m_external != nullptr) {
            for (const auto& observation : m_external->expire(now)) {
                for (auto& u : m_incidents->observe(observation, now)) m_unsaved.push_back(std::move(u));
            }
        }
        for (auto& u : m_incidents->tick(now)) m_unsaved.push_back(std::move(u));
        report.incident_updates = m_unsaved.size();
        if (auto due = m_incidents->next_deadline(now);
            due && (!report.next_deadline || *due < *report.next_deadline)) {
            report.next_deadline = due;
        }
        if (auto due = m_external != nullptr ? m_external->next_deadline() : std::nullopt;
            due && (!report.next_deadline || *due < *report.next_deadline)) {
            report.next_deadline = std::max(*due, now + std::chrono::milliseconds(1));
        }
    }
    if (m_db != nullptr &&
        (!changes.empty() || !touched.empty() || !m_unsaved.empty() || (m_paging && m_paging->due(now)))) {
        (void)save_round(changes, touched, now);  // a failure is logged there, once
    } else if (m_db == nullptr) {
        m_unsaved.clear();
    }
    return report;
}

// Every transition of the round and every incident change in one
// transaction; last_eval_at (the outage-tolerance clock) is refreshed by the
// periodic round only.
Status RuleRunner::save_round(const std::vector<std::pair<std::string, rules::RowChanges>>& changes,
                              const std::vector<std::string>& touched, TimePoint now) {
    store::RuleStateRepository repo(*m_db);
    auto tx = store::Transaction::begin(*m_db);
    Status ok = tx ? Status(Ok{}) : Status(tx.error());
    for (const auto& [rule, c] : changes) {
        for (const auto& row : c.save) {
            if (ok) ok = repo.save(row);
        }
        for (const auto& labels : c.remove) {
            if (ok) ok = repo.remove(rule, labels);
        }
    }
    for (const auto& rule : touched) {
        if (ok) ok = repo.touch(rule, now);
    }
    std::vector<incident::IncidentEvent> stored;
    if (ok && !m_unsaved.empty()) {
        auto saved = store::IncidentRepository(*m_db).save(m_unsaved);
        if (!saved) ok = saved.error();
        else stored = std::move(*saved);
    }
    if (ok && m_paging && m_incidents) ok = m_paging->stage(*m_db, m_unsaved, stored, *m_incidents, now);
    if (ok) ok = tx->commit();
    if (m_paging) m_paging->finish(static_cast<bool>(ok));
    // A full disk fails every round: one line when it starts, one when it ends.
    if (!ok && !m_commit_failing) {
        spdlog::error("cannot save rule state and incidents (kept in memory, retried every round): {}",
                      ok.error().message);
    } else if (!ok) {
        spdlog::debug("cannot save rule state and incidents (still): {}", ok.error().message);
    } else if (m_commit_failing) {
        spdlog::info("rule state and incidents saved again ({} held incident change(s) committed)", m_unsaved.size());
    }
    m_commit_failing = !ok;
    if (m_commit_observer) m_commit_observer(ok);
    if (ok) {
        log_incident_updates(m_unsaved);
        if (m_metrics) m_metrics->incident_events_saved(m_unsaved);
        m_unsaved.clear();
    }
    if (m_metrics) {
        m_metrics->incident_updates_unsaved(m_unsaved.size());
        if (m_incidents) m_metrics->open_incidents(m_incidents->open_incidents());
    }
    return ok;
}

void RuleRunner::install_incidents(const config::Config& config) {
    auto policy = incident::IncidentPolicy::make(incident::policy_config(config));
    if (!policy) {
        // The loader validated the config; keep the previous policy if any.
        spdlog::error("incident policy: {}", policy.error().message);
        return;
    }
    if (m_incidents) {
        m_incidents->reconfigure(std::move(*policy));
        return;
    }
    std::vector<incident::Incident> open;
    std::int64_t max_id = 0;
    if (m_db != nullptr) {
        store::IncidentRepository repo(*m_db);
        auto loaded = repo.load_open();
        auto max = repo.max_id();
        if (!loaded || !max) {
            // Refuse to guess ids or lose open incidents: without them a
            // restart would declare duplicates.
            throw std::runtime_error("cannot read open incidents from " + m_db->path() + ": " +
                                     (!loaded ? loaded.error().message : max.error().message));
        }
        for (const auto& w : loaded->warnings) spdlog::warn("stored incidents: {}", w);
        open = std::move(loaded->incidents);
        max_id = *max;
        if (!open.empty()) spdlog::info("{} open incident(s) restored", open.size());
    }
    m_incidents = std::make_unique<incident::IncidentManager>(std::move(*policy), std::move(open), max_id);
    if (m_metrics) m_metrics->open_incidents(m_incidents->open_incidents());
}

bool RuleRunner::run_paging(TimePoint now) {
    if (m_db == nullptr || m_paging == nullptr || (!m_paging->due(now) && m_unsaved.empty())) return true;
    return static_cast<bool>(save_round({}, {}, now));  // a failure is logged there, once
}

Status RuleRunner::escalate(std::int64_t incident_id, const incident::Actor& actor, TimePoint now) {
    const incident::Incident* inc = m_incidents ? m_incidents->find(incident_id) : nullptr;
    if (inc == nullptr || !inc->open()) {
        return Error::make(ErrorCategory::not_found, "incident " + std::to_string(incident_id) + " is not open");
    }
    incident::IncidentUpdate update;
    update.incident = *inc;
    incident::IncidentEvent ev;
    ev.incident_id = incident_id;
    ev.at = now;
    ev.kind = incident::EventKind::escalated;
    ev.actor = actor;
    ev.message = "next escalation level requested";
    update.events.push_back(std::move(ev));
    if (!commit_incident_updates({std::move(update)}, now)) {
        return Error::make(ErrorCategory::storage, "cannot save the escalation now; it is kept and retried", true);
    }
    return Ok{};
}

bool RuleRunner::commit_incident_updates(std::vector<incident::IncidentUpdate> updates, TimePoint now) {
    for (auto& u : updates) m_unsaved.push_back(std::move(u));
    if (m_db == nullptr) {
        m_unsaved.clear();
        return true;
    }
    return static_cast<bool>(save_round({}, {}, now));  // a failure is logged there, once
}

std::vector<incident::Incident> RuleRunner::held_declarations() const {
    std::vector<incident::Incident> out;
    for (const auto& u : m_unsaved) {
        const bool opened = std::any_of(u.events.begin(), u.events.end(),
                                        [](const incident::IncidentEvent& e) { return e.kind == incident::EventKind::opened; });
        if (opened) out.push_back(u.incident);
    }
    return out;
}

}  // namespace tocsin::app
