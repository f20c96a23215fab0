// Alert rule state in the rule_state table: one row per rule and alert label
// set, so a restart (even after kill -9) neither re-waits a rule's `for` nor
// forgets that an alert is firing. The rules module decides what a row
// means (rules/restore.hpp); this file only stores and reads rows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::store {

class Database;

struct RuleStateRow {
    std::string rule;    // the rule's name
    Labels labels;       // the alert's labels (stored as a JSON object)
    std::string state;   // "inactive" (resolved), "pending" or "firing"
    std::optional<TimePoint> active_at;  // set unless inactive
    std::optional<TimePoint> fired_at;   // set when firing (and when resolved after firing)
    std::optional<TimePoint> resolved_at;
    std::optional<TimePoint> keep_firing_since;
    TimePoint last_eval_at;              // the last evaluation that saw this state
    std::optional<double> value;         // NULL for NaN (SQLite has no NaN)

    // The row's key next to the rule: Labels::hash() as 16 hex digits.
    std::string fingerprint() const;

    bool operator==(const RuleStateRow&) const = default;
};

// What load_all() found: the rows it could read, and one message per row it
// skipped (unreadable labels, an unknown state, missing times).
struct RuleStateLoad {
    std::vector<RuleStateRow> rows;
    std::vector<std::string> warnings;
};

// Statements run on the caller's connection; several writes belong in one
// store::Transaction (one per evaluation round), which is also what makes
// them durable together.
class RuleStateRepository {
public:
    explicit RuleStateRepository(Database& db) : m_db(&db) {}

    // Inserts or replaces the row of (rule, fingerprint).
    Status save(const RuleStateRow& row);
    // Deletes the row of (rule, labels); absent rows are not an error.
    Status remove(std::string_view rule, const Labels& labels);
    // Deletes every row of a rule (a rule removed from the configuration).
    Status remove_rule(std::string_view rule);
    // Records that an evaluation at `at` still saw every pending or firing
    // alert of `rule`: the outage tolerance is measured from here.
    Status touch(std::string_view rule, TimePoint at);

    // Every row, ordered by rule and fingerprint.
    Result<RuleStateLoad> load_all();

private:
    Database* m_db;
};

// Labels as a flat JSON object, {"alertname":"X","target":"api"}.
std::string labels_to_json(const Labels& labels);
// nullopt unless `json` is an object whose values are all strings.
std::optional<Labels> labels_from_json(std::string_view json);

}  // namespace tocsin::store
