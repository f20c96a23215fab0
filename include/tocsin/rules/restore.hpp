// Rule state across restarts: alerts as rule_state rows, and putting them
// back at start-up with Prometheus' outage tolerance and grace period
// (rules/manager.go RestoreForState, --rules.alert.for-outage-tolerance and
// --rules.alert.for-grace-period). docs/rules.md explains the choices.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/rules/alert_rule.hpp"
#include "tocsin/store/rule_state_repository.hpp"

namespace tocsin::rules {

struct RestoreOptions {
    // Rows whose last evaluation is older than this are not restored.
    Duration outage_tolerance = std::chrono::hours(1);
    // A restored pending alert fires no sooner than this after start-up;
    // rules whose `for` is shorter than this are not restored (they start
    // over, which is sooner).
    Duration grace_period = std::chrono::minutes(10);

    static RestoreOptions from(const config::RulesConfig& config) {
        return RestoreOptions{config.outage_tolerance, config.grace_period};
    }
};

struct DiscardedRow {
    store::RuleStateRow row;
    std::string reason;  // for the log: "last evaluated 2h ago, beyond the outage tolerance (1h)"
};

struct RestoreReport {
    // Alerts put back, with their restored times: save them (active_at may
    // have moved) before the first evaluation's transitions.
    std::vector<Alert> restored;
    // Rows of this rule that were not put back: delete them.
    std::vector<DiscardedRow> discarded;
};

// Restores `rule`'s alerts from `rows` (rows of other rules are skipped) at
// start-up time `now`, before the rule's first evaluation at `now`:
//  - a row last evaluated before now - outage_tolerance is discarded;
//  - pending: discarded if the rule's `for` < grace_period; otherwise its
//    active_at moves as Prometheus moves it: time already spent pending
//    counts, the outage does not, and at least grace_period remains;
//  - firing (also held by keep_firing_for): restored as it was; the first
//    evaluation keeps it firing, or resolves it;
//  - inactive (resolved): restored until k_resolved_retention after its
//    resolution, so it is still reported as resolved.
// Summary and description are expanded from the alert's own labels and
// saved value until the next evaluation returns the alert.
RestoreReport restore_state(AlertRule& rule, std::span<const store::RuleStateRow> rows, TimePoint now,
                            const RestoreOptions& options = {});

// An alert as a rule_state row, and back (nullopt for an unknown state or
// missing times). NaN values are stored as NULL.
store::RuleStateRow to_row(std::string_view rule, const Alert& alert, TimePoint last_eval_at);
std::optional<Alert> from_row(const store::RuleStateRow& row);

// The rows to write for one evaluation's transitions: saved alerts (upserts)
// and the label sets whose rows go (dropped and forgotten alerts).
struct RowChanges {
    std::vector<store::RuleStateRow> save;
    std::vector<Labels> remove;
};
RowChanges row_changes(std::string_view rule, const std::vector<Transition>& transitions, TimePoint t);

}  // namespace tocsin::rules
