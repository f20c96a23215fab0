#include "tocsin/store/rule_state_repository.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>

#include "tocsin/store/database.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::store {
namespace {

Status finish(Result<Statement>& stmt) {
    if (!stmt) return stmt.error();
    auto done = stmt->step();
    if (!done) return done.error();
    return Ok{};
}

std::optional<TimePoint> optional_time(const Statement& stmt, int col) {
    if (stmt.column_is_null(col)) return std::nullopt;
    return stmt.column_time(col);
}

std::string fingerprint_of(const Labels& labels) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(labels.hash()));
    return buf;
}

}  // namespace

std::string RuleStateRow::fingerprint() const { return fingerprint_of(labels); }

std::string labels_to_json(const Labels& labels) {
    boost::json::object object;
    for (const auto& label : labels) object[label.name] = label.value;
    return boost::json::serialize(object);
}

std::optional<Labels> labels_from_json(std::string_view json) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(json, ec);
    if (ec || !value.is_object()) return std::nullopt;
    std::vector<Label> labels;
    for (const auto& [key, v] : value.as_object()) {
        if (!v.is_string()) return std::nullopt;
        labels.push_back(Label{std::string(key), std::string(v.as_string())});
    }
    return Labels(std::move(labels));
}

Status RuleStateRepository::save(const RuleStateRow& row) {
    auto stmt = m_db->prepare(
        "INSERT OR REPLACE INTO rule_state (rule, fingerprint, labels, state, active_at, fired_at, resolved_at, "
        "last_eval_at, keep_firing_since, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(row.rule))
        .bind(2, std::string_view(row.fingerprint()))
        .bind(3, std::string_view(labels_to_json(row.labels)))
        .bind(4, std::string_view(row.state))
        .bind(5, row.active_at)
        .bind(6, row.fired_at)
        .bind(7, row.resolved_at)
        .bind(8, row.last_eval_at)
        .bind(9, row.keep_firing_since);
    if (row.value && !std::isnan(*row.value)) stmt->bind(10, *row.value);
    else stmt->bind(10, nullptr);
    return finish(stmt);
}

Status RuleStateRepository::remove(std::string_view rule, const Labels& labels) {
    auto stmt = m_db->prepare("DELETE FROM rule_state WHERE rule = ? AND fingerprint = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, rule).bind(2, std::string_view(fingerprint_of(labels)));
    return finish(stmt);
}

Status RuleStateRepository::remove_rule(std::string_view rule) {
    auto stmt = m_db->prepare("DELETE FROM rule_state WHERE rule = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, rule);
    return finish(stmt);
}

Status RuleStateRepository::touch(std::string_view rule, TimePoint at) {
    auto stmt = m_db->prepare(
        "UPDATE rule_state SET last_eval_at = ? WHERE rule = ? AND state IN ('pending', 'firing')");
    if (!stmt) return stmt.error();
    stmt->bind(1, at).bind(2, rule);
    return finish(stmt);
}

Result<RuleStateLoad> RuleStateRepository::load_all() {
    auto stmt = m_db->prepare(
        "SELECT rule, fingerprint, labels, state, active_at, fired_at, resolved_at, last_eval_at, "
        "keep_firing_since, value FROM rule_state ORDER BY rule, fingerprint");
    if (!stmt) return stmt.error();
    RuleStateLoad load;
    while (true) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        RuleStateRow r;
        r.rule = stmt->column_text(0);
        std::string fingerprint = stmt->column_text(1);
        std::string where = "rule_state row (" + r.rule + ", " + fingerprint + ")";
        auto labels = labels_from_json(stmt->column_text(2));
        if (!labels) {
            load.warnings.push_back(where + ": labels are not a JSON object of strings; row ignored");
            continue;
        }
        r.labels = std::move(*labels);
        r.state = stmt->column_text(3);
        if (r.state != "inactive" && r.state != "pending" && r.state != "firing") {
            load.warnings.push_back(where + ": unknown state \"" + r.state + "\"; row ignored");
            continue;
        }
        r.active_at = optional_time(*stmt, 4);
        r.fired_at = optional_time(*stmt, 5);
        r.resolved_at = optional_time(*stmt, 6);
        r.last_eval_at = stmt->column_time(7);
        r.keep_firing_since = optional_time(*stmt, 8);
        if (!stmt->column_is_null(9)) r.value = stmt->column_double(9);
        if ((r.state != "inactive" && !r.active_at) || (r.state == "firing" && !r.fired_at)) {
            load.warnings.push_back(where + ": " + r.state + " without its start time; row ignored");
            continue;
        }
        if (r.state == "inactive" && !r.resolved_at) {
            load.warnings.push_back(where + ": inactive without resolved_at; row ignored");
            continue;
        }
        if (r.fingerprint() != fingerprint) {
            // Still usable: the labels are the identity, the column a key.
            load.warnings.push_back(where + ": fingerprint does not match the labels (expected " + r.fingerprint() +
                                    ")");
        }
        load.rows.push_back(std::move(r));
    }
    return load;
}

}  // namespace tocsin::store
