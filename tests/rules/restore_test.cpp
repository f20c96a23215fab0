// Rule state across a restart: transitions saved in a real SQLite file, the
// file reopened, rows restored with Prometheus' outage tolerance and grace
// period (rules/manager.go RestoreForState), then evaluation carries on.
#include "tocsin/rules/restore.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "../store/temp_dir.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::rules {
namespace {

using namespace std::chrono_literals;

const TimePoint k_t0 = TimePoint{} + std::chrono::hours(24 * 365 * 50);
TimePoint at(Duration d) { return k_t0 + d; }

const Labels k_api{{"__name__", "probe_success"}, {"target", "api"}};
const Labels k_api_alert{{"alertname", "ApiDown"}, {"target", "api"}};

config::RuleConfig rule_config(Duration hold, Duration keep = 0s) {
    config::RuleConfig c;
    c.name = "ApiDown";
    c.expr = "probe_success == 0";
    c.for_duration = hold;
    c.keep_firing_for = keep;
    c.summary = "{{ $labels.target }} down ({{ $value }})";
    return c;
}

AlertRule make(Duration hold, Duration keep = 0s) { return std::move(AlertRule::make(rule_config(hold, keep))).value(); }

std::vector<TransitionKind> kinds(const std::vector<Transition>& transitions) {
    std::vector<TransitionKind> out;
    for (const auto& t : transitions) out.push_back(t.kind);
    return out;
}

// The shell's part, reduced: evaluate, then persist the transitions and the
// evaluation time in one transaction.
class RestoreTest : public ::testing::Test {
protected:
    store::Store open() { return store::Store::open(m_dir.file("tocsin.db")); }

    std::vector<TransitionKind> step(store::Store& db, AlertRule& rule, bool down, TimePoint t) {
        std::vector<Sample> result;
        if (down) result.push_back(Sample{k_api, 0});
        auto transitions = rule.eval(result, t);
        EXPECT_TRUE(transitions.ok());
        store::RuleStateRepository repo(db.database());
        auto tx = store::Transaction::begin(db.database());
        EXPECT_TRUE(tx.ok());
        RowChanges changes = row_changes(rule.name(), *transitions, t);
        for (const auto& row : changes.save) EXPECT_TRUE(repo.save(row).ok());
        for (const auto& labels : changes.remove) EXPECT_TRUE(repo.remove(rule.name(), labels).ok());
        EXPECT_TRUE(repo.touch(rule.name(), t).ok());
        EXPECT_TRUE(tx->commit().ok());
        return kinds(*transitions);
    }

    RestoreReport restart(AlertRule& fresh, TimePoint now, RestoreOptions options = {}) {
        store::Store db = open();
        auto load = store::RuleStateRepository(db.database()).load_all();
        EXPECT_TRUE(load.ok());
        EXPECT_TRUE(load->warnings.empty());
        return restore_state(fresh, load->rows, now, options);
    }

    store::testing::TempDir m_dir;
};

TEST_F(RestoreTest, APendingTimerSurvivesARestartWithoutCountingTheOutage) {
    {
        store::Store db = open();
        AlertRule rule = make(15min);
        EXPECT_EQ(step(db, rule, true, at(0min)), std::vector{TransitionKind::pending});
        for (int m = 1; m <= 5; ++m) EXPECT_TRUE(step(db, rule, true, at(std::chrono::minutes(m))).empty());
    }  // down at 5m, back at 10m: 5 minutes pending, 10 to go
    AlertRule rule = make(15min);
    RestoreReport report = restart(rule, at(10min));
    ASSERT_EQ(report.restored.size(), 1u);
    EXPECT_TRUE(report.discarded.empty());
    EXPECT_EQ(report.restored[0].state, AlertState::pending);
    EXPECT_EQ(report.restored[0].active_at, at(5min));  // moved by the 5-minute outage
    EXPECT_EQ(report.restored[0].summary, "api down (0)");
    store::Store db = open();
    EXPECT_TRUE(step(db, rule, true, at(10min)).empty());
    EXPECT_TRUE(step(db, rule, true, at(19min)).empty());
    EXPECT_EQ(step(db, rule, true, at(20min)), std::vector{TransitionKind::firing});
}

TEST_F(RestoreTest, AtLeastTheGracePeriodRemainsAfterARestart) {
    {
        store::Store db = open();
        AlertRule rule = make(15min);
        step(db, rule, true, at(0min));
        step(db, rule, true, at(10min));  // 5 minutes to go when it went down
    }
    AlertRule rule = make(15min);
    RestoreReport report = restart(rule, at(11min));
    ASSERT_EQ(report.restored.size(), 1u);
    // now + grace - for: fires 10 minutes after start-up, not 4.
    EXPECT_EQ(report.restored[0].active_at, at(11min) + 10min - 15min);
    store::Store db = open();
    EXPECT_TRUE(step(db, rule, true, at(20min)).empty());
    EXPECT_EQ(step(db, rule, true, at(21min)), std::vector{TransitionKind::firing});
}

TEST_F(RestoreTest, ADueAlertFiresAtTheFirstEvaluation) {
    {
        store::Store db = open();
        AlertRule rule = make(15min);
        step(db, rule, true, at(0min));
        step(db, rule, true, at(15min) - 1ms);  // killed before the evaluation that would fire it
        EXPECT_TRUE(store::RuleStateRepository(db.database()).touch("ApiDown", at(15min)).ok());
    }
    AlertRule rule = make(15min);
    RestoreReport report = restart(rule, at(20min));
    ASSERT_EQ(report.restored.size(), 1u);
    EXPECT_EQ(report.restored[0].active_at, at(0min));
    store::Store db = open();
    EXPECT_EQ(step(db, rule, true, at(20min)), std::vector{TransitionKind::firing});
}

TEST_F(RestoreTest, RulesWithAForShorterThanTheGracePeriodStartOver) {
    {
        store::Store db = open();
        AlertRule rule = make(5min);
        step(db, rule, true, at(0min));
        step(db, rule, true, at(4min));
    }
    AlertRule rule = make(5min);
    RestoreReport report = restart(rule, at(6min));
    EXPECT_TRUE(report.restored.empty());
    ASSERT_EQ(report.discarded.size(), 1u);
    EXPECT_EQ(report.discarded[0].reason, "for (5m) is shorter than the grace period (10m): the alert starts over");
    store::Store db = open();
    EXPECT_EQ(step(db, rule, true, at(6min)), std::vector{TransitionKind::pending});
    EXPECT_EQ(step(db, rule, true, at(11min)), std::vector{TransitionKind::firing});
}

TEST_F(RestoreTest, StateOlderThanTheOutageToleranceIsNotRestored) {
    {
        store::Store db = open();
        AlertRule rule = make(30min);
        step(db, rule, true, at(0min));
    }
    AlertRule rule = make(30min);
    RestoreReport report = restart(rule, at(1h) + 1ms);
    EXPECT_TRUE(report.restored.empty());
    ASSERT_EQ(report.discarded.size(), 1u);
    EXPECT_EQ(report.discarded[0].reason, "last evaluated 1h1ms ago, beyond the outage tolerance (1h)");
    // Exactly at the tolerance it still counts, as Prometheus' query range is inclusive.
    AlertRule again = make(30min);
    EXPECT_EQ(restart(again, at(1h)).restored.size(), 1u);
    // The tolerance is configurable.
    AlertRule longer = make(30min);
    EXPECT_EQ(restart(longer, at(3h), RestoreOptions{4h, 10min}).restored.size(), 1u);
}

TEST_F(RestoreTest, AFiringAlertStaysFiringAcrossARestart) {
    {
        store::Store db = open();
        AlertRule rule = make(0s);
        EXPECT_EQ(step(db, rule, true, at(0min)), std::vector{TransitionKind::firing});
        step(db, rule, true, at(1min));
    }
    AlertRule rule = make(0s);
    RestoreReport report = restart(rule, at(3min));
    ASSERT_EQ(report.restored.size(), 1u);
    EXPECT_EQ(report.restored[0].state, AlertState::firing);
    EXPECT_EQ(report.restored[0].fired_at, at(0min));
    store::Store db = open();
    EXPECT_TRUE(step(db, rule, true, at(3min)).empty());  // no second "firing"
    EXPECT_EQ(step(db, rule, false, at(4min)), std::vector{TransitionKind::resolved});
    EXPECT_EQ(rule.find(k_api_alert)->fired_at, at(0min));
}

TEST_F(RestoreTest, KeepFiringSinceIsRestored) {
    {
        store::Store db = open();
        AlertRule rule = make(0s, 10min);
        step(db, rule, true, at(0min));
        EXPECT_EQ(step(db, rule, false, at(1min)), std::vector{TransitionKind::keep_firing_started});
    }
    AlertRule rule = make(0s, 10min);
    RestoreReport report = restart(rule, at(5min));
    ASSERT_EQ(report.restored.size(), 1u);
    EXPECT_EQ(report.restored[0].keep_firing_since, at(1min));
    store::Store db = open();
    EXPECT_TRUE(step(db, rule, false, at(10min)).empty());
    EXPECT_EQ(step(db, rule, false, at(11min)), std::vector{TransitionKind::resolved});
}

TEST_F(RestoreTest, ResolvedAlertsAreRestoredUntilTheirRetentionEnds) {
    {
        store::Store db = open();
        AlertRule rule = make(0s);
        step(db, rule, true, at(0min));
        EXPECT_EQ(step(db, rule, false, at(1min)), std::vector{TransitionKind::resolved});
    }
    AlertRule soon = make(0s);
    RestoreReport report = restart(soon, at(10min));
    ASSERT_EQ(report.restored.size(), 1u);
    EXPECT_EQ(report.restored[0].state, AlertState::inactive);
    EXPECT_EQ(report.restored[0].resolved_at, at(1min));
    AlertRule late = make(0s);
    report = restart(late, at(17min));
    EXPECT_TRUE(report.restored.empty());
    ASSERT_EQ(report.discarded.size(), 1u);
    EXPECT_EQ(report.discarded[0].reason, "resolved 16m ago, beyond the retention of resolved alerts (15m)");
}

TEST_F(RestoreTest, DroppedAndForgottenAlertsLeaveNoRows) {
    store::Store db = open();
    AlertRule rule = make(5min);
    step(db, rule, true, at(0min));
    EXPECT_EQ(step(db, rule, false, at(1min)), std::vector{TransitionKind::dropped});
    auto load = store::RuleStateRepository(db.database()).load_all();
    EXPECT_TRUE(load->rows.empty());
    AlertRule now = make(0s);
    step(db, now, true, at(2min));
    step(db, now, false, at(3min));
    EXPECT_EQ(store::RuleStateRepository(db.database()).load_all()->rows.size(), 1u);
    EXPECT_EQ(step(db, now, false, at(19min)), std::vector{TransitionKind::forgotten});
    EXPECT_TRUE(store::RuleStateRepository(db.database()).load_all()->rows.empty());
}

TEST_F(RestoreTest, RowsOfOtherRulesAreLeftAlone) {
    store::RuleStateRow other;
    other.rule = "Other";
    other.labels = Labels{{"alertname", "Other"}};
    other.state = "firing";
    other.active_at = at(0min);
    other.fired_at = at(0min);
    other.last_eval_at = at(0min);
    AlertRule rule = make(0s);
    RestoreReport report = restore_state(rule, std::vector{other}, at(1min));
    EXPECT_TRUE(report.restored.empty());
    EXPECT_TRUE(report.discarded.empty());
}

TEST(RuleStateRows, AlertsRoundTripThroughRows) {
    Alert a;
    a.labels = k_api_alert;
    a.state = AlertState::firing;
    a.value = std::nan("");
    a.active_at = at(0min);
    a.fired_at = at(1min);
    a.keep_firing_since = at(2min);
    store::RuleStateRow row = to_row("ApiDown", a, at(3min));
    EXPECT_EQ(row.state, "firing");
    EXPECT_FALSE(row.value.has_value());
    EXPECT_EQ(row.last_eval_at, at(3min));
    auto back = from_row(row);
    ASSERT_TRUE(back.has_value());
    EXPECT_TRUE(std::isnan(back->value));
    back->value = a.value = 0;
    EXPECT_EQ(*back, a);
    row.fired_at.reset();
    EXPECT_FALSE(from_row(row).has_value());
    row.state = "bogus";
    EXPECT_FALSE(from_row(row).has_value());
}

}  // namespace
}  // namespace tocsin::rules
