// People: quiet hours in their own time zone, wrapping past midnight and
// following daylight-saving changes.
#include "tocsin/paging/person.hpp"

#include <gtest/gtest.h>

#include "paging_test_support.hpp"

namespace tocsin::paging {
namespace {

using namespace testing;
using namespace std::chrono;

Person make(const config::PersonConfig& c) {
    auto p = Person::make(c);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return std::move(p).value();
}

TEST(Person, QuietHoursWrapPastMidnightInTheirZone) {
    config::PersonConfig c;
    c.name = "alice";
    c.email = "alice@example.com";
    c.time_zone = "Europe/Madrid";
    c.quiet_hours = config::DailyHours{hours(22), hours(7)};
    auto p = make(c);
    EXPECT_EQ(p.name(), "alice");
    EXPECT_FALSE(p.quiet_at(madrid(3, 6, 21, 59)));
    EXPECT_TRUE(p.quiet_at(madrid(3, 6, 22)));
    EXPECT_TRUE(p.quiet_at(madrid(3, 7, 3)));
    EXPECT_TRUE(p.quiet_at(madrid(3, 7, 6, 59)));
    EXPECT_FALSE(p.quiet_at(madrid(3, 7, 7)));
    // 22:00 is 21:00 UTC in winter and 20:00 UTC in summer.
    EXPECT_TRUE(p.quiet_at(utc(2026, 3, 2, 21)));
    EXPECT_FALSE(p.quiet_at(utc(2026, 3, 2, 20, 30)));
    EXPECT_TRUE(p.quiet_at(utc(2026, 6, 2, 20, 30)));
    // The night the clocks go forward is an hour shorter: 07:00 CEST is 05:00 UTC.
    EXPECT_TRUE(p.quiet_at(utc(2026, 3, 29, 4, 59)));
    EXPECT_FALSE(p.quiet_at(utc(2026, 3, 29, 5)));
}

TEST(Person, NoQuietHours) {
    config::PersonConfig c;
    c.name = "bob";
    c.telegram_chat_id = -1001234567890;
    auto p = make(c);
    EXPECT_FALSE(p.quiet_at(utc(2026, 3, 7, 3)));
    c.time_zone = "Europe/Nowhere";
    auto bad = Person::make(c);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "person \"bob\": unknown time zone \"Europe/Nowhere\"");
}

}  // namespace
}  // namespace tocsin::paging
