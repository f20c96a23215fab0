#include "tocsin/rules/restore.hpp"

#include <cmath>

#include "tocsin/core/duration.hpp"

namespace tocsin::rules {
namespace {

std::string ago(Duration d) { return format_duration(d) + " ago"; }

}  // namespace

store::RuleStateRow to_row(std::string_view rule, const Alert& alert, TimePoint last_eval_at) {
    store::RuleStateRow row;
    row.rule = std::string(rule);
    row.labels = alert.labels;
    row.state = to_string(alert.state);
    if (alert.state != AlertState::inactive || alert.active_at != TimePoint{}) row.active_at = alert.active_at;
    row.fired_at = alert.fired_at;
    row.resolved_at = alert.resolved_at;
    row.keep_firing_since = alert.keep_firing_since;
    row.last_eval_at = last_eval_at;
    if (!std::isnan(alert.value)) row.value = alert.value;
    return row;
}

std::optional<Alert> from_row(const store::RuleStateRow& row) {
    auto state = parse_alert_state(row.state);
    if (!state) return std::nullopt;
    if (*state != AlertState::inactive && !row.active_at) return std::nullopt;
    if (*state == AlertState::firing && !row.fired_at) return std::nullopt;
    if (*state == AlertState::inactive && !row.resolved_at) return std::nullopt;
    Alert alert;
    alert.labels = row.labels;
    alert.state = *state;
    alert.value = row.value ? *row.value : std::nan("");
    alert.active_at = row.active_at.value_or(TimePoint{});
    alert.fired_at = row.fired_at;
    alert.resolved_at = row.resolved_at;
    alert.keep_firing_since = row.keep_firing_since;
    return alert;
}

RowChanges row_changes(std::string_view rule, const std::vector<Transition>& transitions, TimePoint t) {
    RowChanges changes;
    for (const Transition& tr : transitions) {
        if (tr.kind == TransitionKind::dropped || tr.kind == TransitionKind::forgotten) {
            changes.remove.push_back(tr.alert.labels);
        } else {
            changes.save.push_back(to_row(rule, tr.alert, t));
        }
    }
    return changes;
}

RestoreReport restore_state(AlertRule& rule, std::span<const store::RuleStateRow> rows, TimePoint now,
                            const RestoreOptions& options) {
    RestoreReport report;
    const Duration hold = rule.hold();
    auto discard = [&](const store::RuleStateRow& row, std::string reason) {
        report.discarded.push_back(DiscardedRow{row, std::move(reason)});
    };
    for (const store::RuleStateRow& row : rows) {
        if (row.rule != rule.name()) continue;
        auto alert = from_row(row);
        if (!alert) {
            discard(row, "state \"" + row.state + "\" without its times");
            continue;
        }
        // Prometheus reads the ALERTS_FOR_STATE series over
        // [now - outage_tolerance, now]: an older last sample is not found.
        if (row.last_eval_at < now - options.outage_tolerance) {
            discard(row, "last evaluated " +
                             ago(std::chrono::duration_cast<Duration>(now - row.last_eval_at)) +
                             ", beyond the outage tolerance (" + format_duration(options.outage_tolerance) + ")");
            continue;
        }
        switch (alert->state) {
            case AlertState::pending: {
                if (hold < options.grace_period) {
                    discard(row, "for (" + format_duration(hold) + ") is shorter than the grace period (" +
                                     format_duration(options.grace_period) + "): the alert starts over");
                    continue;
                }
                const TimePoint down_at = row.last_eval_at;
                const auto spent = down_at - alert->active_at;
                const auto remaining = hold - spent;
                if (remaining <= decltype(remaining)::zero()) {
                    // Its `for` had already passed: it fires at the first evaluation that returns it.
                } else if (remaining < options.grace_period) {
                    alert->active_at = now + options.grace_period - hold;
                } else {
                    // Time pending before the outage counts; the outage does not.
                    auto down = now - down_at;
                    if (down < decltype(down)::zero()) down = decltype(down)::zero();
                    alert->active_at += down;
                }
                break;
            }
            case AlertState::firing:
                break;
            case AlertState::inactive:
                if (now - *alert->resolved_at > k_resolved_retention) {
                    discard(row, "resolved " + ago(std::chrono::duration_cast<Duration>(now - *alert->resolved_at)) +
                                     ", beyond the retention of resolved alerts (" +
                                     format_duration(k_resolved_retention) + ")");
                    continue;
                }
                break;
        }
        auto [summary, description] = rule.annotations(alert->labels, alert->value);
        alert->summary = std::move(summary);
        alert->description = std::move(description);
        rule.restore(*alert);
        report.restored.push_back(std::move(*alert));
    }
    return report;
}

}  // namespace tocsin::rules
