// The storage alarm (app/storage_alarm.hpp) over virtual time: a blip
// shorter than alert_after is only logged; a lasting failure is told once,
// with what is held, then updated for new declarations (spaced), reminded,
// and its recovery announced; state changes (what the daemon logs) are
// reported once per change, not per failed write.
#include "storage_alarm.hpp"

#include <gtest/gtest.h>

namespace tocsin::app {
namespace {

using namespace std::chrono_literals;

const TimePoint k_t0 = TimePoint{} + std::chrono::hours(24 * 20000);

StorageAlarm make() {
    StorageAlarmOptions o;
    o.alert_after = 2min;
    o.remind_every = 1h;
    o.state_dir = "/var/lib/tocsin";
    return StorageAlarm(o);
}

TEST(StorageAlarm, StateChangesAreReportedOncePerChange) {
    StorageAlarm a = make();
    EXPECT_TRUE(a.failed("database", "database or disk is full", k_t0));
    EXPECT_FALSE(a.failed("database", "database or disk is full", k_t0 + 1s));
    EXPECT_FALSE(a.failed("database", "disk I/O error", k_t0 + 2s));
    EXPECT_TRUE(a.failed("snapshot", "No space left on device", k_t0 + 3s));
    EXPECT_EQ(a.errors("database"), 3u);
    EXPECT_TRUE(a.failing("snapshot"));
    EXPECT_FALSE(a.succeeded("other"));
    EXPECT_TRUE(a.succeeded("database"));
    EXPECT_FALSE(a.succeeded("database"));
    EXPECT_TRUE(a.failing());  // the snapshot still fails
    EXPECT_EQ(a.failing_since(), k_t0);
    EXPECT_TRUE(a.succeeded("snapshot"));
    EXPECT_FALSE(a.failing());
}

TEST(StorageAlarm, ABlipShorterThanAlertAfterIsNotTold) {
    StorageAlarm a = make();
    a.failed("database", "database is locked", k_t0);
    EXPECT_EQ(a.next_deadline(k_t0), k_t0 + 2min);
    EXPECT_FALSE(a.due(k_t0 + 1min, {}).has_value());
    a.succeeded("database");
    EXPECT_FALSE(a.due(k_t0 + 1min + 1s, {}).has_value());  // ended quietly: no "works again" either
    EXPECT_FALSE(a.failing_since().has_value());
    EXPECT_FALSE(a.next_deadline(k_t0 + 1min + 1s).has_value());
}

TEST(StorageAlarm, FailingThenUpdateForNewDeclarationsThenReminderThenRecovered) {
    StorageAlarm a = make();
    a.failed("database", "running `COMMIT`: database or disk is full", k_t0);
    const std::vector<HeldIncident> one = {{4, "P1", "svc t3 down"}};
    auto n = a.due(k_t0 + 2min, one);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->kind, StorageNotice::Kind::failing);
    EXPECT_EQ(n->subject, "tocsin: state storage failing");
    EXPECT_EQ(n->key, "storage/" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                      k_t0.time_since_epoch())
                                                      .count()) +
                          "/failing");
    EXPECT_NE(n->text.find("/var/lib/tocsin"), std::string::npos) << n->text;
    EXPECT_NE(n->text.find("database (failing for 2m, 1 failed write): running `COMMIT`: database or disk is full"),
              std::string::npos)
        << n->text;
    EXPECT_NE(n->text.find("- #4 [P1] svc t3 down"), std::string::npos) << n->text;
    EXPECT_FALSE(a.due(k_t0 + 2min, one).has_value());  // told once

    // A new declaration is held: told, but not sooner than alert_after after the last notice.
    const std::vector<HeldIncident> two = {{4, "P1", "svc t3 down"}, {5, "P2", "svc t2 down"}};
    EXPECT_FALSE(a.due(k_t0 + 3min, two).has_value());
    EXPECT_EQ(a.next_deadline(k_t0 + 3min), k_t0 + 4min);
    n = a.due(k_t0 + 4min, two);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->kind, StorageNotice::Kind::update);
    EXPECT_NE(n->text.find("- #5 [P2] svc t2 down"), std::string::npos) << n->text;
    EXPECT_FALSE(a.due(k_t0 + 10min, two).has_value());  // nothing new
    EXPECT_EQ(a.next_deadline(k_t0 + 10min), k_t0 + 4min + 1h);

    // A reminder every remind_every while it lasts.
    n = a.due(k_t0 + 4min + 1h, two);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->kind, StorageNotice::Kind::reminder);
    EXPECT_NE(n->key.find("/reminder/1"), std::string::npos);

    // Writes work again: one "works again", then nothing.
    a.failed("database", "database or disk is full", k_t0 + 2h);
    a.succeeded("database");
    n = a.due(k_t0 + 2h + 1s, {});
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->kind, StorageNotice::Kind::recovered);
    EXPECT_EQ(n->subject, "tocsin: state storage works again");
    EXPECT_NE(n->text.find("after 2h1s"), std::string::npos) << n->text;
    EXPECT_NE(n->text.find("(database 2)"), std::string::npos) << n->text;
    EXPECT_FALSE(a.due(k_t0 + 2h + 2s, {}).has_value());

    // The next episode starts afresh, with its own keys.
    a.failed("snapshot", "No space left on device", k_t0 + 3h);
    n = a.due(k_t0 + 3h + 2min, {});
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->kind, StorageNotice::Kind::failing);
    EXPECT_NE(n->text.find("No incident was declared since"), std::string::npos) << n->text;
}

}  // namespace
}  // namespace tocsin::app
