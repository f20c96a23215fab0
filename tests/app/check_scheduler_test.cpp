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
