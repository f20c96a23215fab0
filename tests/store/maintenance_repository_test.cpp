// Maintenance windows and silences in a real SQLite file: ids, current vs
// recent, ending early (and cancelling a future window), reopening.
#include "tocsin/store/maintenance_repository.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"

namespace tocsin::store {
namespace {

using namespace std::chrono_literals;
using incident::MaintenanceKind;
using incident::MaintenanceRecord;

const TimePoint k_t0 = from_unix_millis(1'700'000'000'000);

MaintenanceRecord window(MaintenanceKind kind, TimePoint starts, TimePoint ends) {
    MaintenanceRecord w;
    w.kind = kind;
    w.components = {"api", "db \"primary\""};
    w.match = "{env=\"prod\"}";
    w.starts = starts;
    w.ends = ends;
    w.reason = "deploy 42\nwith a second line";
    w.created_by = {"alice", "api:deploy-bot"};
    w.created = k_t0;
    return w;
}

TEST(MaintenanceRepository, StoresFindsEndsAndSurvivesReopening) {
    testing::TempDir dir;
    const std::string path = dir.file("tocsin.db");
    {
        Store store = Store::open(path);
        MaintenanceRepository repo(store.database());
        auto a = repo.insert(window(MaintenanceKind::silence, k_t0, k_t0 + 1h));
        auto b = repo.insert(window(MaintenanceKind::maintenance, k_t0 + 2h, k_t0 + 3h));
        ASSERT_TRUE(a && b);
        EXPECT_EQ(a->id, 1);
        EXPECT_EQ(b->id, 2);
        auto found = repo.find(1);
        ASSERT_TRUE(found && *found);
        EXPECT_EQ(**found, *a);

        // Ending a running window moves its end; ending a future one cancels it.
        auto ended = repo.end(1, k_t0 + 10min, {"bob", "api"});
        ASSERT_TRUE(ended && *ended);
        EXPECT_EQ((*ended)->ends, k_t0 + 10min);
        EXPECT_EQ((*ended)->ended, std::optional<TimePoint>(k_t0 + 10min));
        EXPECT_EQ((*ended)->ended_by.name, "bob");
        auto cancelled = repo.end(2, k_t0 + 10min, {"bob", "api"});
        ASSERT_TRUE(cancelled && *cancelled);
        EXPECT_EQ((*cancelled)->ends, k_t0 + 2h);
        auto missing = repo.end(3, k_t0, {"bob", "api"});
        ASSERT_TRUE(missing);
        EXPECT_FALSE(*missing);
    }
    Store store = Store::open(path);
    MaintenanceRepository repo(store.database());
    auto current = repo.load_current(k_t0 + 5min);
    ASSERT_TRUE(current);
    ASSERT_EQ(current->size(), 2u);  // one ends at +10 min, the cancelled one at +2 h
    EXPECT_EQ((*current)[0].components, (std::vector<std::string>{"api", "db \"primary\""}));
    EXPECT_EQ((*current)[0].reason, "deploy 42\nwith a second line");
    EXPECT_EQ(repo.load_current(k_t0 + 2h)->size(), 0u);
    auto recent = repo.load_recent(1);
    ASSERT_TRUE(recent);
    ASSERT_EQ(recent->size(), 1u);
    EXPECT_EQ((*recent)[0].id, 2);
}

TEST(MaintenanceRecord, BecomesAOneOffUtcWindowForThePolicy) {
    MaintenanceRecord w = window(MaintenanceKind::silence, k_t0 + 1500ms, k_t0 + 1h + 200ms);
    w.id = 9;
    const auto c = w.to_config();
    EXPECT_EQ(c.name, "api:silence/9");
    EXPECT_EQ(c.time_zone, "UTC");
    EXPECT_EQ(c.repeat, config::MaintenanceRepeat::none);
    EXPECT_EQ(c.start_local, std::chrono::seconds(1'700'000'001));  // whole seconds, widened outwards
    EXPECT_EQ(c.length, 1h);  // 1 s .. 3601 s after t0
    EXPECT_EQ(c.components, w.components);
    EXPECT_EQ(c.match, w.match);
}

}  // namespace
}  // namespace tocsin::store
