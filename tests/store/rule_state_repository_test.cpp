// rule_state rows in a real SQLite file: round trips, deletes, touch, rows
// that cannot be read, and durability across a process killed with SIGKILL.
#include "tocsin/store/rule_state_repository.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>

#include "temp_dir.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::store {
namespace {

using namespace std::chrono_literals;

const TimePoint k_t0 = from_unix_millis(1'700'000'000'000);

RuleStateRow firing_row(std::string instance) {
    RuleStateRow row;
    row.rule = "ApiDown";
    row.labels = Labels{{"alertname", "ApiDown"}, {"instance", std::move(instance)}, {"quote", "a\"b\\c é"}};
    row.state = "firing";
    row.active_at = k_t0;
    row.fired_at = k_t0 + 5min;
    row.keep_firing_since = k_t0 + 6min;
    row.last_eval_at = k_t0 + 7min;
    row.value = 0.25;
    return row;
}

class RuleStateRepositoryTest : public ::testing::Test {
protected:
    Store open() { return Store::open(m_dir.file("tocsin.db")); }
    testing::TempDir m_dir;
};

TEST_F(RuleStateRepositoryTest, SavedRowsLoadBackEqual) {
    Store store = open();
    RuleStateRepository repo(store.database());
    RuleStateRow firing = firing_row("a");
    RuleStateRow pending;
    pending.rule = "Slow";
    pending.labels = Labels{{"alertname", "Slow"}};
    pending.state = "pending";
    pending.active_at = k_t0;
    pending.last_eval_at = k_t0;
    RuleStateRow resolved = firing_row("b");
    resolved.state = "inactive";
    resolved.resolved_at = k_t0 + 8min;
    resolved.value = std::nan("");  // stored as NULL
    ASSERT_TRUE(repo.save(firing).ok());
    ASSERT_TRUE(repo.save(pending).ok());
    ASSERT_TRUE(repo.save(resolved).ok());
    auto load = repo.load_all();
    ASSERT_TRUE(load.ok()) << load.error().message;
    EXPECT_TRUE(load->warnings.empty());
    ASSERT_EQ(load->rows.size(), 3u);
    resolved.value.reset();
    EXPECT_EQ(load->rows[0], firing.fingerprint() < resolved.fingerprint() ? firing : resolved);
    EXPECT_EQ(load->rows[1], firing.fingerprint() < resolved.fingerprint() ? resolved : firing);
    EXPECT_EQ(load->rows[2], pending);
}

TEST_F(RuleStateRepositoryTest, SaveReplacesRemoveDeletesTouchMovesActiveRows) {
    Store store = open();
    RuleStateRepository repo(store.database());
    RuleStateRow row = firing_row("a");
    ASSERT_TRUE(repo.save(row).ok());
    row.value = 3;
    ASSERT_TRUE(repo.save(row).ok());
    RuleStateRow resolved = firing_row("b");
    resolved.state = "inactive";
    resolved.resolved_at = k_t0;
    ASSERT_TRUE(repo.save(resolved).ok());
    ASSERT_TRUE(repo.touch("ApiDown", k_t0 + 1h).ok());
    auto load = repo.load_all();
    ASSERT_EQ(load->rows.size(), 2u);
    for (const auto& r : load->rows) {
        if (r.state == "firing") {
            EXPECT_EQ(r.value, 3);
            EXPECT_EQ(r.last_eval_at, k_t0 + 1h);
        } else {
            EXPECT_EQ(r.last_eval_at, k_t0 + 7min);  // resolved rows keep theirs
        }
    }
    ASSERT_TRUE(repo.remove("ApiDown", row.labels).ok());
    ASSERT_TRUE(repo.remove("ApiDown", row.labels).ok());  // absent: fine
    EXPECT_EQ(repo.load_all()->rows.size(), 1u);
    ASSERT_TRUE(repo.remove_rule("ApiDown").ok());
    EXPECT_TRUE(repo.load_all()->rows.empty());
}

TEST_F(RuleStateRepositoryTest, UnreadableRowsAreSkippedWithAWarning) {
    Store store = open();
    RuleStateRepository repo(store.database());
    ASSERT_TRUE(repo.save(firing_row("good")).ok());
    Database& db = store.database();
    // json_valid() guards the column; a damaged file or a hand edit can still
    // get past it.
    ASSERT_TRUE(db.exec("PRAGMA ignore_check_constraints = ON").ok());
    ASSERT_TRUE(db.exec("INSERT INTO rule_state (rule, fingerprint, labels, state, active_at, last_eval_at) VALUES "
                        "('ApiDown', 'f1', '{not json', 'pending', 0, 0),"
                        "('ApiDown', 'f2', '{\"a\": 1}', 'pending', 0, 0),"
                        "('ApiDown', 'f3', '[]', 'pending', 0, 0),"
                        "('ApiDown', 'f4', '{}', 'exploded', 0, 0),"
                        "('ApiDown', 'f5', '{}', 'firing', 0, 0),"
                        "('ApiDown', 'f6', '{}', 'inactive', NULL, 0),"
                        "('ApiDown', 'f7', '{\"alertname\": \"ApiDown\"}', 'pending', 0, 0)")
                    .ok());
    auto load = repo.load_all();
    ASSERT_TRUE(load.ok());
    ASSERT_EQ(load->rows.size(), 2u);
    // Ordered by fingerprint; the good row's is a hash.
    bool good_first = load->rows[0].labels.get("instance") == "good";
    EXPECT_EQ(load->rows[good_first ? 0 : 1].labels.get("instance"), "good");
    EXPECT_EQ(load->rows[good_first ? 1 : 0].labels, (Labels{{"alertname", "ApiDown"}}));
    ASSERT_EQ(load->warnings.size(), 7u);
    EXPECT_EQ(load->warnings[0], "rule_state row (ApiDown, f1): labels are not a JSON object of strings; row ignored");
    EXPECT_EQ(load->warnings[1], "rule_state row (ApiDown, f2): labels are not a JSON object of strings; row ignored");
    EXPECT_EQ(load->warnings[2], "rule_state row (ApiDown, f3): labels are not a JSON object of strings; row ignored");
    EXPECT_EQ(load->warnings[3], "rule_state row (ApiDown, f4): unknown state \"exploded\"; row ignored");
    EXPECT_EQ(load->warnings[4], "rule_state row (ApiDown, f5): firing without its start time; row ignored");
    EXPECT_EQ(load->warnings[5], "rule_state row (ApiDown, f6): inactive without resolved_at; row ignored");
    EXPECT_TRUE(load->warnings[6].starts_with("rule_state row (ApiDown, f7): fingerprint does not match the labels"))
        << load->warnings[6];
}

TEST_F(RuleStateRepositoryTest, CommittedStateSurvivesSigkill) {
    const std::string path = m_dir.file("tocsin.db");
    { Store::open(path); }
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // No gtest assertions here: exit codes only, then die without cleanup.
        try {
            Store store = Store::open(path);
            RuleStateRepository repo(store.database());
            auto tx = Transaction::begin(store.database());
            if (!tx || !repo.save(firing_row("survivor")).ok() || !tx->commit().ok()) ::_exit(2);
            ::raise(SIGKILL);
        } catch (...) {
        }
        ::_exit(3);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    Store store = Store::open(path);
    auto load = RuleStateRepository(store.database()).load_all();
    ASSERT_TRUE(load.ok());
    ASSERT_EQ(load->rows.size(), 1u);
    EXPECT_EQ(load->rows[0], firing_row("survivor"));
}

TEST(LabelsJson, RoundTripAndRefusals) {
    Labels labels{{"a", "1"}, {"b", "x\"y\n"}};
    EXPECT_EQ(labels_to_json(labels), R"({"a":"1","b":"x\"y\n"})");
    EXPECT_EQ(labels_from_json(labels_to_json(labels)), labels);
    EXPECT_EQ(labels_from_json("{}"), Labels{});
    EXPECT_FALSE(labels_from_json("").has_value());
    EXPECT_FALSE(labels_from_json("{\"a\": null}").has_value());
    EXPECT_FALSE(labels_from_json("\"a\"").has_value());
}

}  // namespace
}  // namespace tocsin::store
