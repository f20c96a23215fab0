// Times as operators type them, the instants they stand for in a zone, and
// how instants are shown.
#include "tocsin/paging/wall_clock.hpp"

#include <gtest/gtest.h>

#include "paging_test_support.hpp"

namespace tocsin::paging {
namespace {

using namespace testing;
using namespace std::chrono;

TEST(WallClock, ParsesInstantsAndWallClockTimes) {
    auto t = parse_typed_time("2026-03-04T10:00:00Z");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->instant, utc(2026, 3, 4, 10));
    t = parse_typed_time("2026-03-04T11:00:00+01:00");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->instant, utc(2026, 3, 4, 10));
    t = parse_typed_time("2026-03-04t05:30:00.25-04:30");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->instant, utc(2026, 3, 4, 10) + milliseconds(250));
    t = parse_typed_time("2026-03-04 10:00z");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->instant, utc(2026, 3, 4, 10));

    t = parse_typed_time("2026-03-04 11:00");
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE(t->instant);
    EXPECT_EQ(t->local, wall(2026, 3, 4, 11, 0));
    t = parse_typed_time("2026-03-04T11:00:30");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->local, wall(2026, 3, 4, 11, 0) + seconds(30));
}

TEST(WallClock, RefusesWhatIsNotATime) {
    const std::string usage =
        " (use an instant such as 2026-03-04T10:00:00Z or 2026-03-04T11:00:00+01:00, or a wall-clock time such as "
        "\"2026-03-04 11:00\")";
    for (const char* text :
         {"tomorrow", "2026-03-04", "2026-03-04 1100", "2026-03-04T10:00:00+1", "2026-03-04 10:00 CET"}) {
        auto t = parse_typed_time(text);
        ASSERT_FALSE(t.ok()) << text;
        EXPECT_EQ(t.error().message, "invalid time \"" + std::string(text) + "\"" + usage);
    }
    auto t = parse_typed_time("2026-02-30 10:00");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().message, "invalid time \"2026-02-30 10:00\": no such date" + usage);
    t = parse_typed_time("2026-02-03 24:00");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().message, "invalid time \"2026-02-03 24:00\": no such time of day" + usage);
}

TEST(WallClock, InstantsOfWallClockTimes) {
    EXPECT_EQ(*instant_of(wall(2026, 3, 4, 11, 0), "Europe/Madrid"), utc(2026, 3, 4, 10));
    EXPECT_EQ(*instant_of(wall(2026, 7, 4, 11, 0), "Europe/Madrid"), utc(2026, 7, 4, 9));
    // Skipped: the change itself; repeated: the first.
    EXPECT_EQ(*instant_of(wall(2026, 3, 29, 2, 30), "Europe/Madrid"), utc(2026, 3, 29, 1));
    EXPECT_EQ(*instant_of(wall(2026, 11, 1, 1, 30), "America/New_York"), utc(2026, 11, 1, 5, 30));
    EXPECT_FALSE(instant_of(wall(2026, 3, 4, 11, 0), "Europe/Madird").ok());
    TypedTime typed;
    typed.instant = utc(2026, 1, 1);
    EXPECT_EQ(*resolve(typed, "America/New_York"), utc(2026, 1, 1));
    typed.instant.reset();
    typed.local = wall(2026, 1, 1, 0, 0);
    EXPECT_EQ(*resolve(typed, "America/New_York"), utc(2026, 1, 1, 5));
}

TEST(WallClock, Formats) {
    EXPECT_EQ(format_wall_clock(utc(2026, 3, 9, 8), "Europe/Madrid"), "Mon 2026-03-09 09:00 CET");
    EXPECT_EQ(format_wall_clock(utc(2026, 3, 30, 7), "Europe/Madrid"), "Mon 2026-03-30 09:00 CEST");
    EXPECT_EQ(format_wall_clock(utc(2026, 3, 30, 7, 0, 5), "America/New_York"), "Mon 2026-03-30 03:00:05 EDT");
    EXPECT_EQ(format_wall_clock(utc(2026, 3, 30, 7), "UTC"), "Mon 2026-03-30 07:00 UTC");
    EXPECT_EQ(format_wall_clock(utc(2026, 3, 30, 7), "Nowhere"), "Mon 2026-03-30 07:00 UTC");
}

}  // namespace
}  // namespace tocsin::paging
