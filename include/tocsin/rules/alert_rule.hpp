// One alerting rule's state machine, as Prometheus 2.42's AlertingRule.Eval
// (rules/alerting.go) with keep_firing_for as later versions have it. Pure:
// the caller evaluates the expression at time t and hands over the result;
// eval() returns what changed. No clock, no I/O, no query.
//
//   inactive ──(in result)──► pending ──(t - active_at >= for)──► firing
//      ▲                        │ (gone)                            │ (gone, after keep_firing_for)
//      │                        ▼                                   ▼
//   forgotten ◄──(15 min)── (dropped)                           resolved (inactive)
//
// An alert's identity is its labels: the result's labels without __name__,
// then the rule's labels (templates, expanded), then alertname = the rule's
// name. docs/rules.md describes the rules in full.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/core/sample.hpp"
#include "tocsin/promql/ast.hpp"
#include "tocsin/rules/template.hpp"

namespace tocsin::rules {

enum class AlertState { inactive, pending, firing };

const char* to_string(AlertState state) noexcept;  // "inactive", "pending", "firing"
std::optional<AlertState> parse_alert_state(std::string_view text) noexcept;

// How long a resolved alert is kept (and reported as resolved) before it is
// forgotten: Prometheus' resolvedRetention.
inline constexpr Duration k_resolved_retention = std::chrono::minutes(15);

// One alert of a rule: a label set the expression returned.
struct Alert {
    Labels labels;  // identity, including alertname
    AlertState state = AlertState::pending;
    double value = 0;  // at the last evaluation that returned it
    std::string summary;      // expanded at the last evaluation that returned it
    std::string description;  // likewise
    TimePoint active_at{};                       // when it entered pending
    std::optional<TimePoint> fired_at;           // when it started firing
    std::optional<TimePoint> resolved_at;        // set once inactive (resolved)
    std::optional<TimePoint> keep_firing_since;  // set while held by keep_firing_for

    bool operator==(const Alert&) const = default;
};

enum class TransitionKind {
    pending,              // new alert: inactive → pending
    firing,               // pending → firing (also new → firing when `for` is 0)
    resolved,             // firing → inactive (kept for k_resolved_retention)
    dropped,              // pending → gone: the condition cleared before `for`
    forgotten,            // a resolved alert aged out of retention
    keep_firing_started,  // firing, condition cleared, held by keep_firing_for
    keep_firing_ended,    // firing, the condition came back while held
    back_to_pending,      // firing → pending: `for` grew (a reload) past its age
};

const char* to_string(TransitionKind kind) noexcept;

// What changed in one evaluation; `alert` is the state after the change.
struct Transition {
    TransitionKind kind = TransitionKind::pending;
    Alert alert;
};

class AlertRule {
public:
    // From a loaded (hence validated) rule; an error if its expression or a
    // template does not parse after all.
    static Result<AlertRule> make(const config::RuleConfig& config);

    const std::string& name() const { return m_config->name; }
    const config::RuleConfig& config() const { return *m_config; }
    // The parsed expression, for the evaluator.
    const promql::Expr& expr() const { return *m_expr; }
    Duration hold() const { return m_config->for_duration; }
    Duration keep_firing_for() const { return m_config->keep_firing_for; }

    // One evaluation: `result` is the expression's value at `t` (an instant
    // vector; a scalar result is one sample with no labels). Times must not go
    // backwards. Returns the transitions in label order, or an error when two
    // results end up with the same alert labels; then nothing changes.
    Result<std::vector<Transition>> eval(const std::vector<Sample>& result, TimePoint t);

    // Every alert held, resolved ones included, in label order.
    std::vector<Alert> alerts() const;
    const Alert* find(const Labels& labels) const;
    // The most severe state of any alert (firing > pending > inactive).
    AlertState state() const;

    // Puts an alert back as it was (restore.hpp, or a reload carrying state
    // over); replaces any alert with the same labels.
    void restore(Alert alert);

    // Summary and description for a result with `labels` and `value`.
    std::pair<std::string, std::string> annotations(const Labels& labels, double value) const;

    // The incident title for `alert`: the rule's title template expanded
    // with the alert's labels and value, else its summary (may be "").
    std::string title(const Alert& alert) const;
    // The parsed impact expression; nullptr when the rule has none.
    const promql::Expr* impact() const { return m_impact.get(); }

private:
    AlertRule() = default;

    std::shared_ptr<const config::RuleConfig> m_config;
    std::shared_ptr<const promql::Expr> m_expr;
    std::vector<std::pair<std::string, Template>> m_label_templates;
    std::optional<Template> m_summary;
    std::optional<Template> m_description;
    std::optional<Template> m_title;
    std::shared_ptr<const promql::Expr> m_impact;
    std::map<Labels, Alert> m_active;
};

}  // namespace tocsin::rules
