// The alert state machine, evaluation by evaluation, with the cases of
// Prometheus' rules/alerting_test.go and manager_test.go (same answers at
// the same evaluation times) and the boundaries around `for`,
// keep_firing_for and the retention of resolved alerts.
#include "tocsin/rules/alert_rule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tocsin::rules {
namespace {

using namespace std::chrono_literals;

const TimePoint k_t0 = TimePoint{} + std::chrono::hours(24 * 365 * 50);

TimePoint at(Duration d) { return k_t0 + d; }

config::RuleConfig rule_config(std::string name, Duration hold = 0s, Duration keep = 0s) {
    config::RuleConfig c;
    c.name = std::move(name);
    c.expr = "http_requests > 50";
    c.for_duration = hold;
    c.keep_firing_for = keep;
    return c;
}

AlertRule make(const config::RuleConfig& c) {
    auto rule = AlertRule::make(c);
    EXPECT_TRUE(rule.ok()) << (rule.ok() ? "" : rule.error().message);
    return std::move(rule).value();
}

Sample sample(Labels labels, double value) { return Sample{std::move(labels), value}; }

const Labels k_app0{{"__name__", "http_requests"}, {"job", "app-server"}, {"instance", "0"}};
const Labels k_app1{{"__name__", "http_requests"}, {"job", "app-server"}, {"instance", "1"}};

std::vector<Transition> eval(AlertRule& rule, std::vector<Sample> result, TimePoint t) {
    auto out = rule.eval(result, t);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    return out.ok() ? std::move(out).value() : std::vector<Transition>{};
}

std::vector<TransitionKind> kinds(const std::vector<Transition>& transitions) {
    std::vector<TransitionKind> out;
    for (const auto& t : transitions) out.push_back(t.kind);
    return out;
}

Labels alert_labels(std::string_view instance, std::string_view name = "HTTPRequestRateHigh") {
    return Labels{{"alertname", std::string(name)}, {"instance", std::string(instance)}, {"job", "app-server"}};
}

TEST(AlertRule, PendingUntilForThenFiring) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh", 5min));
    auto t = eval(rule, {sample(k_app0, 75)}, at(0min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::pending});
    EXPECT_EQ(t[0].alert.labels, alert_labels("0"));
    EXPECT_EQ(t[0].alert.state, AlertState::pending);
    EXPECT_EQ(t[0].alert.active_at, at(0min));
    // One step before `for`: still pending, nothing to report.
    EXPECT_TRUE(eval(rule, {sample(k_app0, 75)}, at(4min)).empty());
    EXPECT_TRUE(eval(rule, {sample(k_app0, 75)}, at(5min) - 1ms).empty());
    EXPECT_EQ(rule.state(), AlertState::pending);
    // Exactly at `for`: firing (now - active_at >= for).
    t = eval(rule, {sample(k_app0, 75)}, at(5min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::firing});
    EXPECT_EQ(t[0].alert.fired_at, at(5min));
    EXPECT_EQ(t[0].alert.active_at, at(0min));
    // After: firing stays firing quietly.
    EXPECT_TRUE(eval(rule, {sample(k_app0, 80)}, at(6min)).empty());
    EXPECT_EQ(rule.state(), AlertState::firing);
}

TEST(AlertRule, ForZeroFiresAtTheFirstEvaluation) {
    AlertRule rule = make(rule_config("Now"));
    auto t = eval(rule, {sample(k_app0, 1)}, at(0min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::firing});
    EXPECT_EQ(t[0].alert.active_at, at(0min));
    EXPECT_EQ(t[0].alert.fired_at, at(0min));
}

TEST(AlertRule, PendingThatClearsIsDropped) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh", 5min));
    eval(rule, {sample(k_app0, 75)}, at(0min));
    auto t = eval(rule, {}, at(1min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::dropped});
    EXPECT_EQ(t[0].alert.state, AlertState::inactive);
    EXPECT_TRUE(rule.alerts().empty());
    EXPECT_EQ(rule.state(), AlertState::inactive);
    // It starts over when it comes back.
    t = eval(rule, {sample(k_app0, 75)}, at(2min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::pending});
    EXPECT_EQ(t[0].alert.active_at, at(2min));
}

TEST(AlertRule, ResolvedIsKeptFifteenMinutesThenForgotten) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh"));
    eval(rule, {sample(k_app0, 75)}, at(0min));
    auto t = eval(rule, {}, at(1min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::resolved});
    EXPECT_EQ(t[0].alert.state, AlertState::inactive);
    EXPECT_EQ(t[0].alert.resolved_at, at(1min));
    EXPECT_EQ(t[0].alert.fired_at, at(0min));
    // Kept while now - resolved_at <= 15m (Prometheus deletes only past it).
    EXPECT_TRUE(eval(rule, {}, at(16min)).empty());
    ASSERT_EQ(rule.alerts().size(), 1u);
    EXPECT_EQ(rule.alerts()[0].state, AlertState::inactive);
    t = eval(rule, {}, at(16min) + 1ms);
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::forgotten});
    EXPECT_TRUE(rule.alerts().empty());
}

TEST(AlertRule, RefiringAfterResolveStartsAFreshAlert) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh", 2min));
    eval(rule, {sample(k_app0, 75)}, at(0min));
    eval(rule, {sample(k_app0, 75)}, at(2min));  // firing
    eval(rule, {}, at(3min));                     // resolved
    auto t = eval(rule, {sample(k_app0, 90)}, at(4min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::pending});
    EXPECT_EQ(t[0].alert.active_at, at(4min));
    EXPECT_FALSE(t[0].alert.fired_at.has_value());
    EXPECT_FALSE(t[0].alert.resolved_at.has_value());
    t = eval(rule, {sample(k_app0, 90)}, at(6min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::firing});
    EXPECT_EQ(t[0].alert.fired_at, at(6min));
}

// Prometheus' TestKeepFiringFor: 75 85 70 70 10x5 > 50, for 1m, keep_firing_for 1m.
TEST(AlertRule, KeepFiringForHoldsThenResolves) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh", 1min, 1min));
    const double series[] = {75, 85, 70, 70, 10, 10, 10};
    std::vector<std::vector<TransitionKind>> got;
    std::vector<AlertState> states;
    for (int i = 0; i < 7; ++i) {
        std::vector<Sample> result;
        if (series[i] > 50) result.push_back(sample(k_app0, series[i]));
        got.push_back(kinds(eval(rule, result, at(std::chrono::minutes(i)))));
        states.push_back(rule.state());
    }
    using K = TransitionKind;
    EXPECT_EQ(got[0], std::vector{K::pending});
    EXPECT_EQ(got[1], std::vector{K::firing});
    EXPECT_TRUE(got[2].empty());
    EXPECT_TRUE(got[3].empty());
    EXPECT_EQ(got[4], std::vector{K::keep_firing_started});  // condition gone, still firing
    EXPECT_EQ(got[5], std::vector{K::resolved});             // 5m - 4m is not < 1m
    EXPECT_TRUE(got[6].empty());
    EXPECT_EQ(states[4], AlertState::firing);
    EXPECT_EQ(states[5], AlertState::inactive);
    const Alert* a = rule.find(alert_labels("0"));
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->resolved_at, at(5min));
    EXPECT_EQ(a->keep_firing_since, at(4min));
    EXPECT_EQ(a->value, 70);  // the last value the expression returned
}

TEST(AlertRule, KeepFiringEndsWhenTheConditionReturns) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh", 0s, 10min));
    eval(rule, {sample(k_app0, 75)}, at(0min));
    EXPECT_EQ(kinds(eval(rule, {}, at(1min))), std::vector{TransitionKind::keep_firing_started});
    EXPECT_TRUE(eval(rule, {}, at(10min)).empty());
    auto t = eval(rule, {sample(k_app0, 80)}, at(10min) + 30s);
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::keep_firing_ended});
    EXPECT_FALSE(t[0].alert.keep_firing_since.has_value());
    EXPECT_EQ(t[0].alert.fired_at, at(0min));
    // The hold starts afresh at the next clearing.
    EXPECT_EQ(kinds(eval(rule, {}, at(12min))), std::vector{TransitionKind::keep_firing_started});
    EXPECT_TRUE(eval(rule, {}, at(22min) - 1ms).empty());
    EXPECT_EQ(kinds(eval(rule, {}, at(22min))), std::vector{TransitionKind::resolved});
}

// Prometheus' TestPendingAndKeepFiringFor: keep_firing_for holds firing alerts only.
TEST(AlertRule, KeepFiringForDoesNotHoldPendingAlerts) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh", 1min, 1min));
    eval(rule, {sample(k_app0, 75)}, at(0min));
    EXPECT_EQ(kinds(eval(rule, {}, at(1min))), std::vector{TransitionKind::dropped});
    EXPECT_TRUE(rule.alerts().empty());
}

TEST(AlertRule, EachLabelSetIsItsOwnAlert) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh", 1min));
    auto t = eval(rule, {sample(k_app1, 60), sample(k_app0, 75)}, at(0min));
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].alert.labels, alert_labels("0"));  // in label order
    EXPECT_EQ(t[1].alert.labels, alert_labels("1"));
    t = eval(rule, {sample(k_app0, 75)}, at(1min));
    ASSERT_EQ(kinds(t), (std::vector{TransitionKind::firing, TransitionKind::dropped}));
    EXPECT_EQ(t[0].alert.labels, alert_labels("0"));
    EXPECT_EQ(t[1].alert.labels, alert_labels("1"));
    t = eval(rule, {sample(k_app0, 75), sample(k_app1, 60)}, at(2min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::pending});
    EXPECT_EQ(t[0].alert.labels, alert_labels("1"));
    EXPECT_EQ(rule.alerts().size(), 2u);
}

TEST(AlertRule, RuleLabelsOverrideResultLabelsAndAlertnameIsTheRule) {
    config::RuleConfig c = rule_config("HTTPRequestRateHigh");
    c.labels = {{"job", "overridden"}, {"severity", "critical"}, {"where", "{{ $labels.instance }}-{{ $labels.__name__ }}"}};
    AlertRule rule = make(c);
    Labels result{{"__name__", "http_requests"}, {"job", "app-server"}, {"instance", "0"}, {"alertname", "other"}};
    auto t = eval(rule, {sample(result, 75)}, at(0min));
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].alert.labels, (Labels{{"alertname", "HTTPRequestRateHigh"},
                                         {"instance", "0"},
                                         {"job", "overridden"},
                                         {"severity", "critical"},
                                         {"where", "0-http_requests"}}));
}

// Prometheus' TestAlertingRuleEmptyLabelFromTemplate.
TEST(AlertRule, ALabelExpandingToEmptyIsDropped) {
    config::RuleConfig c = rule_config("EmptyLabel");
    c.labels = {{"empty_label", ""}, {"job", "{{ $labels.missing }}"}};
    AlertRule rule = make(c);
    auto t = eval(rule, {sample(k_app0, 75)}, at(0min));
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].alert.labels, (Labels{{"alertname", "EmptyLabel"}, {"instance", "0"}}));
}

// Prometheus' TestAlertingRuleDuplicate: labels that merge two results fail the evaluation.
TEST(AlertRule, DuplicateLabelSetsFailTheEvaluationAndChangeNothing) {
    config::RuleConfig c = rule_config("HTTPRequestRateHigh");
    c.labels = {{"instance", "all"}};
    AlertRule rule = make(c);
    eval(rule, {sample(k_app0, 75)}, at(0min));
    auto out = rule.eval({sample(k_app0, 75), sample(k_app1, 80)}, at(1min));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().message,
              "rule HTTPRequestRateHigh: vector contains metrics with the same labelset after applying alert labels");
    ASSERT_EQ(rule.alerts().size(), 1u);
    EXPECT_EQ(rule.alerts()[0].value, 75);
    EXPECT_EQ(rule.alerts()[0].state, AlertState::firing);
}

TEST(AlertRule, ValueAndAnnotationsFollowEveryEvaluation) {
    config::RuleConfig c = rule_config("HTTPRequestRateHigh", 10min);
    c.summary = "{{ $labels.job }}/{{ $labels.instance }} at {{ $value | humanize }}";
    c.description = "{{ .Labels.__name__ }} = {{ .Value }}";
    AlertRule rule = make(c);
    auto t = eval(rule, {sample(k_app0, 1500)}, at(0min));
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].alert.summary, "app-server/0 at 1.5k");
    EXPECT_EQ(t[0].alert.description, "http_requests = 1500");
    EXPECT_TRUE(eval(rule, {sample(k_app0, 2e6)}, at(1min)).empty());
    const Alert* a = rule.find(alert_labels("0"));
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->value, 2e6);
    EXPECT_EQ(a->summary, "app-server/0 at 2M");
    EXPECT_EQ(a->description, "http_requests = 2e+06");
    EXPECT_EQ(a->active_at, at(0min));
}

TEST(AlertRule, TemplateErrorsLandInTheAnnotation) {
    config::RuleConfig c = rule_config("Bad");
    c.summary = "{{ humanize $labels.job }}";
    AlertRule rule = make(c);
    auto t = eval(rule, {sample(k_app0, 1)}, at(0min));
    ASSERT_EQ(t.size(), 1u);
    EXPECT_TRUE(t[0].alert.summary.starts_with("<error expanding template: error executing template __alert_Bad: "))
        << t[0].alert.summary;
}

TEST(AlertRule, NaNValuesAreAlertsLikeAnyOther) {
    config::RuleConfig c = rule_config("NaN", 1min);
    c.summary = "{{ $value }} {{ humanize $value }}";
    AlertRule rule = make(c);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto t = eval(rule, {sample(k_app0, nan)}, at(0min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::pending});
    EXPECT_TRUE(std::isnan(t[0].alert.value));
    EXPECT_EQ(t[0].alert.summary, "NaN NaN");
    EXPECT_EQ(kinds(eval(rule, {sample(k_app0, nan)}, at(1min))), std::vector{TransitionKind::firing});
}

TEST(AlertRule, AScalarResultIsOneAlertWithoutLabels) {
    config::RuleConfig c = rule_config("Scalar");
    c.expr = "vector(1) > 0";
    AlertRule rule = make(c);
    auto t = eval(rule, {sample(Labels{}, 1)}, at(0min));
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].alert.labels, (Labels{{"alertname", "Scalar"}}));
}

TEST(AlertRule, FiringGoesBackToPendingWhenForGrowsPastItsAge) {
    // A reload that raises `for` carries the alert over (restore()); Prometheus
    // then puts it back to pending.
    AlertRule before = make(rule_config("HTTPRequestRateHigh"));
    eval(before, {sample(k_app0, 75)}, at(0min));
    AlertRule after = make(rule_config("HTTPRequestRateHigh", 10min));
    for (const Alert& a : before.alerts()) after.restore(a);
    auto t = eval(after, {sample(k_app0, 75)}, at(1min));
    ASSERT_EQ(kinds(t), std::vector{TransitionKind::back_to_pending});
    EXPECT_EQ(t[0].alert.state, AlertState::pending);
    EXPECT_FALSE(t[0].alert.fired_at.has_value());
    EXPECT_EQ(kinds(eval(after, {sample(k_app0, 75)}, at(10min))), std::vector{TransitionKind::firing});
}

TEST(AlertRule, StateIsTheMostSevereAlert) {
    AlertRule rule = make(rule_config("HTTPRequestRateHigh", 1min));
    EXPECT_EQ(rule.state(), AlertState::inactive);
    eval(rule, {sample(k_app0, 75)}, at(0min));
    EXPECT_EQ(rule.state(), AlertState::pending);
    eval(rule, {sample(k_app0, 75), sample(k_app1, 75)}, at(1min));
    EXPECT_EQ(rule.state(), AlertState::firing);
    EXPECT_EQ(to_string(AlertState::firing), std::string("firing"));
    EXPECT_EQ(parse_alert_state("pending"), AlertState::pending);
    EXPECT_FALSE(parse_alert_state("bogus").has_value());
    EXPECT_EQ(to_string(TransitionKind::keep_firing_started), std::string("keep_firing_started"));
}

TEST(AlertRule, MakeRefusesWhatTheLoaderWouldRefuse) {
    config::RuleConfig c = rule_config("X");
    c.expr = "up ==";
    auto bad = AlertRule::make(c);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("rule X: expr: 1:6: parse error"), std::string::npos) << bad.error().message;
    c.expr = "up";
    c.summary = "{{ nope }}";
    bad = AlertRule::make(c);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "rule X: summary: 1:4: function \"nope\" not defined");
    c.summary = "";
    AlertRule ok = make(c);
    EXPECT_EQ(ok.name(), "X");
    EXPECT_EQ(ok.expr().type, promql::ValueType::vector);
}

}  // namespace
}  // namespace tocsin::rules
