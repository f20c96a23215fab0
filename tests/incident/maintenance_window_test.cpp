#include "tocsin/incident/maintenance_window.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace tocsin::incident {
namespace {

using namespace std::chrono;
using std::chrono::days;
using Occurrence = std::pair<TimePoint, TimePoint>;

// An instant given in UTC.
TimePoint utc(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
    return TimePoint{sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss}};
}

// Wall-clock time as MaintenanceConfig::start_local holds it.
seconds wall(int y, unsigned m, unsigned d, int hh, int mm) {
    return (sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm}).time_since_epoch();
}

config::MaintenanceConfig window_config(std::string zone, seconds start, Duration length,
                                        config::MaintenanceRepeat repeat = config::MaintenanceRepeat::none,
                                        std::vector<int> weekdays = {}) {
    config::MaintenanceConfig c;
    c.name = "nightly";
    c.time_zone = std::move(zone);
    c.start_local = start;
    c.length = length;
    c.repeat = repeat;
    c.weekdays = std::move(weekdays);
    return c;
}

MaintenanceWindow make_window(const config::MaintenanceConfig& c) {
    auto window = MaintenanceWindow::make(c);
    EXPECT_TRUE(window.ok()) << (window.ok() ? "" : window.error().message);
    return std::move(window).value();
}

std::vector<TimePoint> changes(const MaintenanceWindow& window, TimePoint from, int count) {
    std::vector<TimePoint> out;
    for (int i = 0; i < count; ++i) {
        auto next = window.next_change_after(from);
        if (!next) break;
        out.push_back(*next);
        from = *next;
    }
    return out;
}

constexpr Duration k_ms{1};

TEST(MaintenanceWindow, OneOffStartInclusiveEndExclusive) {
    auto w = make_window(window_config("UTC", wall(2024, 5, 1, 22, 0), hours{2}));
    EXPECT_FALSE(w.active_at(utc(2024, 5, 1, 22, 0) - k_ms));
    EXPECT_EQ(w.occurrence_at(utc(2024, 5, 1, 22, 0)), Occurrence(utc(2024, 5, 1, 22, 0), utc(2024, 5, 2, 0, 0)));
    EXPECT_TRUE(w.active_at(utc(2024, 5, 2, 0, 0) - k_ms));
    EXPECT_FALSE(w.active_at(utc(2024, 5, 2, 0, 0)));
    EXPECT_FALSE(w.active_at(utc(2024, 5, 3, 22, 30)));  // does not repeat

    EXPECT_EQ(w.next_change_after(utc(2024, 1, 1, 0, 0)), utc(2024, 5, 1, 22, 0));
    EXPECT_EQ(w.next_change_after(utc(2024, 5, 1, 22, 0) - k_ms), utc(2024, 5, 1, 22, 0));
    EXPECT_EQ(w.next_change_after(utc(2024, 5, 1, 22, 0)), utc(2024, 5, 2, 0, 0));  // strictly after
    EXPECT_EQ(w.next_change_after(utc(2024, 5, 1, 23, 0)), utc(2024, 5, 2, 0, 0));
    EXPECT_EQ(w.next_change_after(utc(2024, 5, 2, 0, 0)), std::nullopt);
}

TEST(MaintenanceWindow, OneOffInAZoneUsesItsOffset) {
    // 10:00 in Madrid in summer is 08:00 UTC.
    auto w = make_window(window_config("Europe/Madrid", wall(2024, 7, 1, 10, 0), minutes{30}));
    EXPECT_EQ(w.occurrence_at(utc(2024, 7, 1, 8, 10)), Occurrence(utc(2024, 7, 1, 8, 0), utc(2024, 7, 1, 8, 30)));
    EXPECT_FALSE(w.active_at(utc(2024, 7, 1, 10, 10)));
}

TEST(MaintenanceWindow, DailyAcrossMidnight) {
    auto w = make_window(window_config("UTC", wall(2024, 5, 1, 23, 0), hours{2}, config::MaintenanceRepeat::daily));
    EXPECT_FALSE(w.active_at(utc(2024, 5, 1, 0, 30)));  // before the first occurrence
    EXPECT_FALSE(w.active_at(utc(2024, 4, 30, 23, 30)));
    EXPECT_FALSE(w.active_at(utc(2024, 5, 1, 22, 59)));
    EXPECT_EQ(w.occurrence_at(utc(2024, 5, 1, 23, 0)), Occurrence(utc(2024, 5, 1, 23, 0), utc(2024, 5, 2, 1, 0)));
    // Started the previous day and still covering.
    EXPECT_EQ(w.occurrence_at(utc(2024, 5, 3, 0, 30)), Occurrence(utc(2024, 5, 2, 23, 0), utc(2024, 5, 3, 1, 0)));
    EXPECT_FALSE(w.active_at(utc(2024, 5, 3, 1, 0)));
    EXPECT_TRUE(w.active_at(utc(2025, 1, 1, 0, 59)));  // long after the start

    EXPECT_EQ(changes(w, utc(2024, 5, 1, 0, 0), 5),
              (std::vector<TimePoint>{utc(2024, 5, 1, 23, 0), utc(2024, 5, 2, 1, 0), utc(2024, 5, 2, 23, 0),
                                      utc(2024, 5, 3, 1, 0), utc(2024, 5, 3, 23, 0)}));
    EXPECT_EQ(w.next_change_after(utc(2024, 5, 3, 0, 30)), utc(2024, 5, 3, 1, 0));
}

TEST(MaintenanceWindow, OverlappingOccurrencesReportTheLatest) {
    // 26 hours every day: occurrences overlap; the latest start ends last.
    auto w = make_window(window_config("UTC", wall(2024, 5, 1, 12, 0), hours{26}, config::MaintenanceRepeat::daily));
    EXPECT_EQ(w.occurrence_at(utc(2024, 5, 2, 13, 0)), Occurrence(utc(2024, 5, 2, 12, 0), utc(2024, 5, 3, 14, 0)));
    EXPECT_EQ(w.occurrence_at(utc(2024, 5, 2, 11, 0)), Occurrence(utc(2024, 5, 1, 12, 0), utc(2024, 5, 2, 14, 0)));
    EXPECT_EQ(changes(w, utc(2024, 5, 2, 11, 0), 3),
              (std::vector<TimePoint>{utc(2024, 5, 2, 12, 0), utc(2024, 5, 2, 14, 0), utc(2024, 5, 3, 12, 0)}));
}

TEST(MaintenanceWindow, WeeklyOnSeveralWeekdays) {
    // 2024-05-01 is a Wednesday; Monday, Wednesday and Friday at 02:00.
    auto w = make_window(
        window_config("UTC", wall(2024, 5, 1, 2, 0), hours{1}, config::MaintenanceRepeat::weekly, {1, 3, 5}));
    EXPECT_FALSE(w.active_at(utc(2024, 4, 29, 2, 30)));  // a Monday before the start date
    EXPECT_TRUE(w.active_at(utc(2024, 5, 1, 2, 30)));    // Wednesday
    EXPECT_FALSE(w.active_at(utc(2024, 5, 2, 2, 30)));   // Thursday
    EXPECT_TRUE(w.active_at(utc(2024, 5, 3, 2, 30)));    // Friday
    EXPECT_FALSE(w.active_at(utc(2024, 5, 4, 2, 30)));   // Saturday
    EXPECT_FALSE(w.active_at(utc(2024, 5, 5, 2, 30)));   // Sunday
    EXPECT_TRUE(w.active_at(utc(2024, 5, 6, 2, 30)));    // Monday
    EXPECT_FALSE(w.active_at(utc(2024, 5, 6, 3, 0)));

    EXPECT_EQ(changes(w, utc(2024, 5, 1, 2, 30), 5),
              (std::vector<TimePoint>{utc(2024, 5, 1, 3, 0), utc(2024, 5, 3, 2, 0), utc(2024, 5, 3, 3, 0),
                                      utc(2024, 5, 6, 2, 0), utc(2024, 5, 6, 3, 0)}));
}

TEST(MaintenanceWindow, WeeklyStartsOnTheFirstListedDayFromTheStartDate) {
    // Starts on a Wednesday but repeats on Sundays only.
    auto w =
        make_window(window_config("UTC", wall(2024, 5, 1, 2, 0), hours{1}, config::MaintenanceRepeat::weekly, {0}));
    EXPECT_FALSE(w.active_at(utc(2024, 5, 1, 2, 30)));
    EXPECT_EQ(w.next_change_after(utc(2024, 1, 1, 0, 0)), utc(2024, 5, 5, 2, 0));
    EXPECT_TRUE(w.active_at(utc(2024, 5, 12, 2, 59)));

    // No weekdays: the start's own weekday.
    auto own = make_window(window_config("UTC", wall(2024, 5, 1, 2, 0), hours{1}, config::MaintenanceRepeat::weekly));
    EXPECT_TRUE(own.active_at(utc(2024, 5, 8, 2, 0)));
    EXPECT_FALSE(own.active_at(utc(2024, 5, 9, 2, 0)));
}

TEST(MaintenanceWindow, MadridSpringForwardStartsAfterTheGap) {
    // 2024-03-31: 02:00 CET becomes 03:00 CEST (01:00 UTC). 02:30 does not
    // exist that day: the window starts at 03:00 CEST and lasts one hour.
    auto w = make_window(
        window_config("Europe/Madrid", wall(2024, 3, 29, 2, 30), hours{1}, config::MaintenanceRepeat::daily));
    EXPECT_EQ(w.occurrence_at(utc(2024, 3, 30, 1, 45)), Occurrence(utc(2024, 3, 30, 1, 30), utc(2024, 3, 30, 2, 30)));
    EXPECT_FALSE(w.active_at(utc(2024, 3, 31, 1, 0) - k_ms));
    EXPECT_EQ(w.occurrence_at(utc(2024, 3, 31, 1, 0)), Occurrence(utc(2024, 3, 31, 1, 0), utc(2024, 3, 31, 2, 0)));
    EXPECT_FALSE(w.active_at(utc(2024, 3, 31, 2, 0)));
    EXPECT_EQ(w.occurrence_at(utc(2024, 4, 1, 1, 0)), Occurrence(utc(2024, 4, 1, 0, 30), utc(2024, 4, 1, 1, 30)));

    EXPECT_EQ(changes(w, utc(2024, 3, 30, 12, 0), 4),
              (std::vector<TimePoint>{utc(2024, 3, 31, 1, 0), utc(2024, 3, 31, 2, 0), utc(2024, 4, 1, 0, 30),
                                      utc(2024, 4, 1, 1, 30)}));
}

TEST(MaintenanceWindow, MadridFallBackUsesTheEarlierInstant) {
    // 2024-10-27: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:30 happens
    // twice. The window starts at the first (00:30 UTC) and lasts one real
    // hour, so the second 02:30 (01:30 UTC) is already outside.
    auto w = make_window(
        window_config("Europe/Madrid", wall(2024, 10, 25, 2, 30), hours{1}, config::MaintenanceRepeat::daily));
    EXPECT_EQ(w.occurrence_at(utc(2024, 10, 26, 0, 45)),
              Occurrence(utc(2024, 10, 26, 0, 30), utc(2024, 10, 26, 1, 30)));
    EXPECT_EQ(w.occurrence_at(utc(2024, 10, 27, 1, 29)),
              Occurrence(utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 30)));
    EXPECT_FALSE(w.active_at(utc(2024, 10, 27, 1, 30)));
    EXPECT_EQ(w.occurrence_at(utc(2024, 10, 28, 1, 30)),
              Occurrence(utc(2024, 10, 28, 1, 30), utc(2024, 10, 28, 2, 30)));

    // Length is elapsed time: 01:00 CEST + 3 h ends at 03:00 CET (02:00 UTC),
    // not at the wall clock's 04:00.
    auto night = make_window(window_config("Europe/Madrid", wall(2024, 10, 27, 1, 0), hours{3}));
    EXPECT_EQ(night.occurrence_at(utc(2024, 10, 27, 0, 0)),
              Occurrence(utc(2024, 10, 26, 23, 0), utc(2024, 10, 27, 2, 0)));
}

TEST(MaintenanceWindow, NewYorkWeeklyAcrossDaylightSaving) {
    // Sundays at 02:00 New York time for 30 minutes. 2024-03-10 springs
    // forward at 02:00 EST (07:00 UTC) to 03:00 EDT.
    auto w = make_window(
        window_config("America/New_York", wall(2024, 3, 3, 2, 0), minutes{30}, config::MaintenanceRepeat::weekly, {0}));
    EXPECT_EQ(w.occurrence_at(utc(2024, 3, 3, 7, 10)), Occurrence(utc(2024, 3, 3, 7, 0), utc(2024, 3, 3, 7, 30)));
    EXPECT_EQ(w.occurrence_at(utc(2024, 3, 10, 7, 10)), Occurrence(utc(2024, 3, 10, 7, 0), utc(2024, 3, 10, 7, 30)));
    EXPECT_EQ(w.occurrence_at(utc(2024, 3, 17, 6, 10)), Occurrence(utc(2024, 3, 17, 6, 0), utc(2024, 3, 17, 6, 30)));
    EXPECT_FALSE(w.active_at(utc(2024, 3, 17, 7, 10)));
    // 2024-11-03 falls back at 02:00 EDT (06:00 UTC) to 01:00 EST: 02:00
    // exists once, in EST.
    EXPECT_EQ(w.occurrence_at(utc(2024, 11, 3, 7, 0)), Occurrence(utc(2024, 11, 3, 7, 0), utc(2024, 11, 3, 7, 30)));
    EXPECT_EQ(w.next_change_after(utc(2024, 11, 2, 0, 0)), utc(2024, 11, 3, 7, 0));

    // 01:30 on that day is ambiguous: the EDT one (05:30 UTC).
    auto early = make_window(window_config("America/New_York", wall(2024, 11, 3, 1, 30), minutes{30}));
    EXPECT_EQ(early.next_change_after(utc(2024, 11, 1, 0, 0)), utc(2024, 11, 3, 5, 30));
}

TEST(MaintenanceWindow, AppliesToComponents) {
    auto c = window_config("UTC", wall(2024, 5, 1, 0, 0), hours{1});
    c.components = {"api", "db"};
    auto w = make_window(c);
    EXPECT_TRUE(w.applies_to(Labels{{"alertname", "ApiDown"}}, "api"));
    EXPECT_TRUE(w.applies_to(Labels{}, "db"));
    EXPECT_FALSE(w.applies_to(Labels{{"component", "api"}}, "web"));
    EXPECT_FALSE(w.applies_to(Labels{}, ""));
}

TEST(MaintenanceWindow, AppliesToEachMatcherType) {
    auto with_match = [](std::string match) {
        auto c = window_config("UTC", wall(2024, 5, 1, 0, 0), hours{1});
        c.match = std::move(match);
        return make_window(c);
    };
    auto eq = with_match(R"({env="staging"})");
    EXPECT_TRUE(eq.applies_to(Labels{{"env", "staging"}, {"x", "y"}}, "api"));
    EXPECT_FALSE(eq.applies_to(Labels{{"env", "prod"}}, "api"));
    EXPECT_FALSE(eq.applies_to(Labels{}, "api"));

    // All matchers match "": Prometheus refuses that as a selector, a
    // window takes it. A missing label counts as "".
    auto ne = with_match(R"({env!="prod"})");
    EXPECT_TRUE(ne.applies_to(Labels{{"env", "staging"}}, "api"));
    EXPECT_TRUE(ne.applies_to(Labels{}, "api"));
    EXPECT_FALSE(ne.applies_to(Labels{{"env", "prod"}}, "api"));

    auto re = with_match(R"({service=~"db.*"})");
    EXPECT_TRUE(re.applies_to(Labels{{"service", "db-main"}}, "api"));
    EXPECT_FALSE(re.applies_to(Labels{{"service", "mydb"}}, "api"));  // fully anchored

    auto anchored = with_match(R"({service=~"db"})");
    EXPECT_FALSE(anchored.applies_to(Labels{{"service", "db1"}}, "api"));
    EXPECT_TRUE(anchored.applies_to(Labels{{"service", "db"}}, "api"));

    auto nre = with_match(R"({service!~"db.*|cache"})");
    EXPECT_TRUE(nre.applies_to(Labels{{"service", "api"}}, "api"));
    EXPECT_FALSE(nre.applies_to(Labels{{"service", "cache"}}, "api"));
    EXPECT_FALSE(nre.applies_to(Labels{{"service", "db-2"}}, "api"));

    auto several = with_match(R"({ env = "staging" , service =~ "db.*" })");
    EXPECT_TRUE(several.applies_to(Labels{{"env", "staging"}, {"service", "db1"}}, "api"));
    EXPECT_FALSE(several.applies_to(Labels{{"env", "staging"}, {"service", "web"}}, "api"));
}

TEST(MaintenanceWindow, AppliesToNeedsBothComponentAndMatch) {
    auto c = window_config("UTC", wall(2024, 5, 1, 0, 0), hours{1});
    c.components = {"db"};
    c.match = R"({env="staging"})";
    auto w = make_window(c);
    EXPECT_TRUE(w.applies_to(Labels{{"env", "staging"}}, "db"));
    EXPECT_FALSE(w.applies_to(Labels{{"env", "prod"}}, "db"));
    EXPECT_FALSE(w.applies_to(Labels{{"env", "staging"}}, "api"));

    // Neither: the whole system is in maintenance.
    auto all = make_window(window_config("UTC", wall(2024, 5, 1, 0, 0), hours{1}));
    EXPECT_TRUE(all.applies_to(Labels{{"env", "prod"}}, "api"));
}

TEST(MaintenanceWindow, MakeRefusesBadInput) {
    auto bad_zone = window_config("Mars/Olympus_Mons", wall(2024, 5, 1, 0, 0), hours{1});
    auto zone_result = MaintenanceWindow::make(bad_zone);
    ASSERT_FALSE(zone_result.ok());
    EXPECT_EQ(zone_result.error().category, ErrorCategory::invalid_argument);
    EXPECT_NE(zone_result.error().message.find("Mars/Olympus_Mons"), std::string::npos) << zone_result.error().message;

    for (std::string match : {R"({env="staging")", R"({env=~"(")", R"(up{env="x"})", R"(rate(x[5m]))",
                              R"({env="x"} offset 5m)", "{}", R"({__name__="up"})", "nonsense !"}) {
        auto c = window_config("UTC", wall(2024, 5, 1, 0, 0), hours{1});
        c.match = match;
        auto result = MaintenanceWindow::make(c);
        ASSERT_FALSE(result.ok()) << match;
        EXPECT_EQ(result.error().category, ErrorCategory::invalid_argument);
        EXPECT_NE(result.error().message.find("nightly"), std::string::npos) << result.error().message;
        EXPECT_NE(result.error().message.find("match"), std::string::npos) << result.error().message;
    }

    auto bad_day = window_config("UTC", wall(2024, 5, 1, 0, 0), hours{1}, config::MaintenanceRepeat::weekly, {7});
    EXPECT_FALSE(MaintenanceWindow::make(bad_day).ok());
}

TEST(MaintenanceWindow, EmptyLengthIsNeverActive) {
    auto w = make_window(window_config("UTC", wall(2024, 5, 1, 0, 0), Duration{0}, config::MaintenanceRepeat::daily));
    EXPECT_FALSE(w.active_at(utc(2024, 5, 1, 0, 0)));
    EXPECT_EQ(w.next_change_after(utc(2024, 5, 1, 0, 0)), utc(2024, 5, 2, 0, 0));
}

}  // namespace
}  // namespace tocsin::incident
