// CheckScheduler on a real io_context with short intervals. Assertions are
// about counts that hold however slow the machine is, never about timing.
#include "check_scheduler.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <map>

using namespace std::chrono_literals;
using tocsin::app::CheckScheduler;
using tocsin::app::ScheduledCheck;
using tocsin::app::SchedulerObserver;

namespace {

struct Harness {
    boost::asio::io_context io;
    tocsin::SystemClock clock;
    std::map<std::string, int> starts;
    std::map<std::string, int> skips;
    std::vector<std::function<void()>> pending;  // runs left hanging until the test finishes them
    CheckScheduler scheduler{io, clock, 2,
                             SchedulerObserver{[this](const std::string& k, double) { ++starts[k]; },
                                               [this](const std::string& k) { ++skips[k]; }}};

    ScheduledCheck hanging(const std::string& key) {
        return ScheduledCheck{key, 20ms, [this](std::function<void()> done) { pending.push_back(std::move(done)); }};
    }
    ScheduledCheck instant(const std::string& key) {
        return ScheduledCheck{key, 20ms, [](std::function<void()> done) { done(); }};
    }
    void run_for(std::chrono::milliseconds d) {
        io.restart();
        io.run_for(d);
    }
};

}  // namespace

// Under overload thousands of checks skip a slot each minute: the log gets
// the first skip at once, then one summary per period, never a line a tick.
TEST(SkipDigest, FirstSkipAtOnceThenOneSummaryPerPeriod) {
    using tocsin::app::SkipDigest;
    SkipDigest d(60s);
    const SkipDigest::Time t0{std::chrono::hours(1)};
    EXPECT_FALSE(d.next_flush().has_value());
    EXPECT_TRUE(d.note("target/a", t0));
    EXPECT_FALSE(d.note("target/b", t0 + 1s));
    EXPECT_FALSE(d.note("target/b", t0 + 2s));
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(d.note("target/c" + std::to_string(i), t0 + 3s));
    EXPECT_EQ(d.next_flush(), t0 + 60s);
    EXPECT_FALSE(d.flush(t0 + 59s).has_value());
    auto s = d.flush(t0 + 60s);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->ticks, 7u);
    EXPECT_EQ(s->checks, 6u);
    EXPECT_EQ(s->examples, (std::vector<std::string>{"target/b", "target/c0", "target/c1"}));
    EXPECT_FALSE(d.next_flush().has_value());
    // Within the period after a summary: summed up again.
    EXPECT_FALSE(d.note("target/a", t0 + 61s));
    EXPECT_EQ(d.next_flush(), t0 + 120s);
    ASSERT_TRUE(d.flush(t0 + 120s).has_value());
    // Quiet for a period: the next skip is said at once again.
    EXPECT_TRUE(d.note("target/z", t0 + 200s));
    EXPECT_FALSE(d.flush(t0 + 300s).has_value());
}

TEST(CheckScheduler, BoundsConcurrencyAndSkipsBusyChecks) {
    Harness h;
    std::vector<ScheduledCheck> checks;
    for (int i = 0; i < 5; ++i) checks.push_back(h.hanging("c" + std::to_string(i)));
    h.scheduler.set_checks(std::move(checks));
    h.run_for(300ms);  // every check came due many times
    EXPECT_EQ(h.scheduler.in_flight(), 2u);
    EXPECT_EQ(h.scheduler.queued(), 3u);
    int started = 0, skipped = 0;
    for (auto& [k, n] : h.starts) started += n;
    for (auto& [k, n] : h.skips) skipped += n;
    EXPECT_EQ(started, 2);  // the hung ones never start twice
    EXPECT_GT(skipped, 10);

    // Finishing one run frees a slot for the next queued check.
    auto done = std::move(h.pending.front());
    h.pending.erase(h.pending.begin());
    done();
    EXPECT_EQ(h.scheduler.in_flight(), 2u);
    EXPECT_EQ(h.scheduler.queued(), 2u);
    h.scheduler.stop();
}

TEST(CheckScheduler, AHungCheckDoesNotDelayOthers) {
    Harness h;
    h.scheduler.set_checks({h.hanging("stuck"), h.instant("fine")});
    h.run_for(300ms);
    EXPECT_EQ(h.starts["stuck"], 1);
    EXPECT_GT(h.starts["fine"], 5);
    EXPECT_EQ(h.skips["fine"], 0);
    h.scheduler.stop();
}

TEST(CheckScheduler, ReloadKeepsInFlightRunsAndDropsRemovedChecks) {
    Harness h;
    h.scheduler.set_checks({h.hanging("a"), h.instant("b")});
    h.run_for(100ms);
    ASSERT_EQ(h.starts["a"], 1);
    h.scheduler.set_checks({h.hanging("a")});  // b removed, a redefined while running
    int b_before = h.starts["b"];
    h.run_for(100ms);
    EXPECT_EQ(h.starts["a"], 1);  // still running: not started again
    EXPECT_EQ(h.starts["b"], b_before);
    h.scheduler.stop();
}
