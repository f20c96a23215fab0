#include "tocsin/core/interval_schedule.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace std::chrono_literals;
using tocsin::IntervalSchedule;
using tocsin::TimePoint;

TEST(IntervalSchedule, SlotsAreOffsetAndEvenlySpaced) {
    IntervalSchedule s("api-health", 15s);
    EXPECT_GE(s.offset(), tocsin::Duration(0));
    EXPECT_LT(s.offset(), tocsin::Duration(15s));
    TimePoint now(1'700'000'000'123ms);
    TimePoint first = s.next_after(now);
    EXPECT_GT(first, now);
    EXPECT_LE(first - now, tocsin::Duration(15s));
    EXPECT_EQ(s.next_after(first), first + 15s);  // strictly after: no double run at a slot
    EXPECT_EQ(s.last_at_or_before(first), first);
    EXPECT_EQ((first.time_since_epoch() - s.offset()) % tocsin::Duration(15s), tocsin::Duration(0));
}

TEST(IntervalSchedule, NoDriftWhateverTheWakeUpLateness) {
    IntervalSchedule s("db", 10s);
    TimePoint slot = s.next_after(TimePoint(1'700'000'000s));
    for (int i = 0; i < 1000; ++i) {
        TimePoint woke = slot + std::chrono::milliseconds(i % 7 * 13);  // late by up to 78 ms
        TimePoint next = s.next_after(woke);
        EXPECT_EQ(next - slot, tocsin::Duration(10s));
        slot = next;
    }
}

TEST(IntervalSchedule, PhaseIsStableAndNamesSpread) {
    EXPECT_EQ(IntervalSchedule("x", 60s).offset(), IntervalSchedule("x", 60s).offset());
    std::set<tocsin::Duration::rep> seconds;
    for (int i = 0; i < 100; ++i) {
        seconds.insert(IntervalSchedule("target-" + std::to_string(i), 60s).offset().count() / 1000);
    }
    EXPECT_GT(seconds.size(), 40u);  // 100 names over 60 one-second buckets
}

TEST(IntervalSchedule, StableHashIsFnv1a) {
    EXPECT_EQ(tocsin::stable_hash(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(tocsin::stable_hash("a"), 0xaf63dc4c8601ec8cULL);
}
