// Business hours: open or not, the next opening, and business-time
// arithmetic across evenings, weekends, holidays and daylight-saving changes.
#include "tocsin/paging/business_hours.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "paging_test_support.hpp"

namespace tocsin::paging {
namespace {

using namespace testing;
using namespace std::chrono;

std::chrono::days date_of(int y, unsigned m, unsigned d) {
    return sys_days{year{y} / month{m} / day{d}}.time_since_epoch();
}

// Madrid, Monday to Friday 09:00-18:00, with Good Friday and Christmas off.
config::BusinessHoursConfig madrid_office() {
    config::BusinessHoursConfig c;
    c.time_zone = "Europe/Madrid";
    c.start = hours(9);
    c.end = hours(18);
    c.holidays = {date_of(2026, 4, 3), date_of(2026, 12, 25), date_of(2026, 1, 1)};
    std::sort(c.holidays.begin(), c.holidays.end());
    return c;
}

BusinessHours make(const config::BusinessHoursConfig& c) {
    auto b = BusinessHours::make(c);
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    return std::move(b).value();
}

TEST(BusinessHours, OpenOnWeekdaysDuringHoursExceptHolidays) {
    auto b = make(madrid_office());
    EXPECT_FALSE(b.is_open(madrid(3, 6, 8, 59)));  // Friday
    EXPECT_TRUE(b.is_open(madrid(3, 6, 9)));
    EXPECT_TRUE(b.is_open(madrid(3, 6, 17, 59)));
    EXPECT_FALSE(b.is_open(madrid(3, 6, 18)));
    EXPECT_FALSE(b.is_open(madrid(3, 7, 12)));  // Saturday
    EXPECT_FALSE(b.is_open(madrid(3, 8, 12)));  // Sunday
    EXPECT_TRUE(b.is_open(madrid(3, 9, 9)));
    EXPECT_FALSE(b.is_open(madrid(4, 3, 12)));  // Good Friday
    EXPECT_TRUE(b.is_open(madrid(4, 2, 12)));
    // Summer time: 09:00 CEST is 07:00 UTC.
    EXPECT_TRUE(b.is_open(utc(2026, 6, 1, 7)));
    EXPECT_FALSE(b.is_open(utc(2026, 6, 1, 6, 59)));
    EXPECT_FALSE(b.is_open(utc(2026, 6, 1, 16)));

    // The defaults: UTC, Monday to Friday, 09:00-17:00.
    auto d = make(config::BusinessHoursConfig{});
    EXPECT_TRUE(d.is_open(utc(2026, 3, 6, 16, 59)));
    EXPECT_FALSE(d.is_open(utc(2026, 3, 6, 17)));
}

TEST(BusinessHours, NextOpen) {
    auto b = make(madrid_office());
    EXPECT_EQ(b.next_open(madrid(3, 6, 12)), madrid(3, 6, 12));  // open: itself
    EXPECT_EQ(b.next_open(madrid(3, 6, 7)), madrid(3, 6, 9));
    EXPECT_EQ(b.next_open(madrid(3, 6, 18)), madrid(3, 9, 9));
    EXPECT_EQ(b.next_open(madrid(3, 7, 10)), madrid(3, 9, 9));
    EXPECT_EQ(b.next_open(madrid(4, 2, 19)), madrid(4, 6, 9));  // over Good Friday and the weekend
    // Christmas 2026 is a Friday: from Christmas Eve's evening to Monday.
    EXPECT_EQ(b.next_open(madrid(12, 24, 19)), madrid(12, 28, 9));
    // The weekend the clocks change: Monday 09:00 CEST.
    EXPECT_EQ(b.next_open(madrid(3, 27, 20)), utc(2026, 3, 30, 7));
}

TEST(BusinessHours, AddBusinessTime) {
    auto b = make(madrid_office());
    // The seeds' "4 business hours": from Friday 17:00, one hour on Friday
    // and three on Monday.
    EXPECT_EQ(b.add_business_time(madrid(3, 6, 17), hours(4)), madrid(3, 9, 12));
    // Exactly to the close: the close itself, not Monday's opening.
    EXPECT_EQ(b.add_business_time(madrid(3, 6, 17), hours(1)), madrid(3, 6, 18));
    EXPECT_EQ(b.add_business_time(madrid(3, 6, 17), hours(1) + milliseconds(1)), madrid(3, 9, 9) + milliseconds(1));
    // From outside hours, counting starts at the next opening.
    EXPECT_EQ(b.add_business_time(madrid(3, 7, 15), minutes(30)), madrid(3, 9, 9, 30));
    EXPECT_EQ(b.add_business_time(madrid(3, 9, 3), hours(9)), madrid(3, 9, 18));
    // A whole week of business time.
    EXPECT_EQ(b.add_business_time(madrid(3, 9, 9), hours(45)), madrid(3, 13, 18));
    EXPECT_EQ(b.add_business_time(madrid(3, 9, 9, 1), hours(45)), madrid(3, 16, 9, 1));
    // Over Good Friday.
    EXPECT_EQ(b.add_business_time(madrid(4, 2, 17), hours(4)), madrid(4, 6, 12));
    // Over the spring change: Friday 17:00 CET to Monday 12:00 CEST is 4
    // business hours (and 66 real ones, not 67).
    EXPECT_EQ(b.add_business_time(madrid(3, 27, 17), hours(4)), utc(2026, 3, 30, 10));
    EXPECT_EQ(utc(2026, 3, 30, 10) - madrid(3, 27, 17), hours(66));
    // Nothing to add.
    EXPECT_EQ(b.add_business_time(madrid(3, 7, 15), Duration::zero()), madrid(3, 7, 15));
    EXPECT_EQ(b.add_business_time(madrid(3, 7, 15), -hours(1)), madrid(3, 7, 15));
}

TEST(BusinessHours, AddBusinessDays) {
    auto b = make(madrid_office());
    EXPECT_EQ(b.add_business_days(madrid(3, 6, 17), 1), madrid(3, 9, 17));  // Friday to Monday
    EXPECT_EQ(b.add_business_days(madrid(3, 9, 10), 1), madrid(3, 10, 10));
    EXPECT_EQ(b.add_business_days(madrid(3, 9, 10), 5), madrid(3, 16, 10));
    // Outside hours: a day's worth from the next opening, which ends at that
    // day's close.
    EXPECT_EQ(b.add_business_days(madrid(3, 6, 20), 1), madrid(3, 9, 18));
    EXPECT_EQ(b.add_business_days(madrid(3, 9, 9), 1), madrid(3, 9, 18));
    EXPECT_EQ(b.add_business_days(madrid(3, 7, 12), 2), madrid(3, 10, 18));
    // Holidays do not count; the clock change keeps the local time.
    EXPECT_EQ(b.add_business_days(madrid(4, 2, 11), 1), madrid(4, 6, 11));
    EXPECT_EQ(b.add_business_days(madrid(3, 27, 11), 1), utc(2026, 3, 30, 9));
    EXPECT_EQ(b.add_business_days(madrid(12, 24, 15), 1), madrid(12, 28, 15));
    EXPECT_EQ(b.add_business_days(madrid(3, 9, 10), 0), madrid(3, 9, 10));
}

TEST(BusinessHours, BusinessTimeBetween) {
    auto b = make(madrid_office());
    EXPECT_EQ(b.business_time_between(madrid(3, 6, 17), madrid(3, 9, 12)), hours(4));
    EXPECT_EQ(b.business_time_between(madrid(3, 9, 0), madrid(3, 16, 0)), hours(45));
    EXPECT_EQ(b.business_time_between(madrid(3, 30, 0), madrid(4, 6, 0)), hours(36));  // Good Friday off
    EXPECT_EQ(b.business_time_between(madrid(3, 9, 12), madrid(3, 6, 17)), Duration::zero());
}

TEST(BusinessHours, AddingAndMeasuringAgree) {
    // Whatever the start and amount, the business time between t and
    // add_business_time(t, d) is d, and the result is open or a close.
    auto b = make(madrid_office());
    for (TimePoint t = madrid(3, 20, 0); t < madrid(4, 10, 0); t += minutes(97)) {
        for (Duration d : {Duration(minutes(1)), Duration(hours(4)), Duration(hours(9)),
                           Duration(hours(31) + minutes(7)), Duration(hours(200))}) {
            const TimePoint end = b.add_business_time(t, d);
            ASSERT_EQ(b.business_time_between(t, end), d) << t.time_since_epoch().count() << " + " << d.count();
            ASSERT_TRUE(b.is_open(end - milliseconds(1)));
        }
    }
}

TEST(BusinessHours, DaysThatTheClockChangeShortensOrLengthens) {
    // Open all Sunday in Madrid: 29 March has 23 hours, 25 October 25.
    config::BusinessHoursConfig c;
    c.time_zone = "Europe/Madrid";
    c.weekdays = {0};
    c.start = hours(0);
    c.end = hours(24);
    auto b = make(c);
    EXPECT_EQ(b.business_time_between(madrid(3, 29, 0), madrid(3, 30, 0)), hours(23));
    EXPECT_EQ(b.business_time_between(madrid(10, 25, 0), madrid(10, 26, 0)), hours(25));
    EXPECT_EQ(b.add_business_time(madrid(3, 22, 0), hours(24)), madrid(3, 23, 0));
    EXPECT_EQ(b.add_business_time(madrid(3, 22, 0), hours(47)), madrid(3, 30, 0));
    EXPECT_EQ(b.add_business_time(madrid(3, 22, 0), hours(48)), madrid(4, 5, 0) + hours(1));

    // New York, 01:00-04:00 on Sundays: 2 hours on 8 March, 4 on 1 November.
    c.time_zone = "America/New_York";
    c.start = hours(1);
    c.end = hours(4);
    b = make(c);
    EXPECT_EQ(b.business_time_between(new_york(3, 8, 0), new_york(3, 9, 0)), hours(2));
    EXPECT_EQ(b.business_time_between(new_york(11, 1, 0), new_york(11, 2, 0)), hours(4));
    EXPECT_EQ(b.add_business_time(new_york(3, 8, 0), hours(2)), utc(2026, 3, 8, 8));  // 04:00 EDT
}

TEST(BusinessHours, MakeRefusesWhatTheLoaderRefuses) {
    config::BusinessHoursConfig c;
    c.weekdays.clear();
    EXPECT_FALSE(BusinessHours::make(c).ok());
    c = {};
    c.end = c.start;
    EXPECT_FALSE(BusinessHours::make(c).ok());
    c = {};
    c.time_zone = "Mars/Olympus";
    auto bad = BusinessHours::make(c);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "business hours: unknown time zone \"Mars/Olympus\"");
}

}  // namespace
}  // namespace tocsin::paging
