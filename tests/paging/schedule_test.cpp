// Schedules over weeks of simulated time: rotations (daily, weekly, custom),
// layers and their active days and hours, overrides, and daylight-saving
// changes in Madrid and New York, against expectations worked out from the
// published rules (paging_test_support.hpp), not from the zone library.
#include "tocsin/paging/schedule.hpp"

#include <gtest/gtest.h>

#include <map>

#include "paging_test_support.hpp"

namespace tocsin::paging {
namespace {

using namespace testing;
using namespace std::chrono;
using Source = Assignment::Source;

constexpr Duration k_day = hours(24);
constexpr Duration k_week = hours(24 * 7);

config::ScheduleLayerConfig layer(std::string name, std::vector<std::string> people, Duration rotation,
                                  int handoff_hour, seconds start_local,
                                  std::optional<int> handoff_day = std::nullopt) {
    config::ScheduleLayerConfig l;
    l.name = std::move(name);
    l.people = std::move(people);
    l.rotation = rotation;
    l.handoff = hours(handoff_hour);
    l.start_local = start_local;
    l.handoff_day = handoff_day;
    return l;
}

config::ScheduleConfig schedule_config(std::string zone, std::vector<config::ScheduleLayerConfig> layers,
                                       std::vector<config::ScheduleOverrideConfig> overrides = {}) {
    config::ScheduleConfig c;
    c.name = "primary";
    c.time_zone = std::move(zone);
    c.layers = std::move(layers);
    c.overrides = std::move(overrides);
    return c;
}

Schedule make(const config::ScheduleConfig& c) {
    auto s = Schedule::make(c);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return std::move(s).value();
}

std::string who(const Schedule& s, TimePoint t) {
    auto a = s.on_call(t);
    return a ? a->person : "-";
}

struct Handoff {
    TimePoint at;
    std::string person;
    bool operator==(const Handoff&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Handoff& h) {
    return out << h.person << " at " << duration_cast<seconds>(h.at.time_since_epoch()).count() << "s";
}

std::vector<Handoff> handoffs(const Schedule& s, TimePoint from, int count) {
    std::vector<Handoff> out;
    for (int i = 0; i < count; ++i) {
        auto next = s.next_handoff_after(from);
        if (!next) break;
        out.push_back({*next, who(s, *next)});
        from = *next;
    }
    return out;
}

TimePoint date_plus(int y, unsigned m, unsigned d, int add_days, int hh, bool in_madrid) {
    const year_month_day ymd{sys_days{year{y} / month{m} / day{d}} + days{add_days}};
    const auto mo = static_cast<unsigned>(ymd.month());
    const auto da = static_cast<unsigned>(ymd.day());
    return in_madrid ? madrid(mo, da, hh) : new_york(mo, da, hh);
}

TEST(Schedule, WeeklyHandoffStaysAtNineLocalAcrossBothMadridChanges) {
    // 2026-03-02 is a Monday. Alice, Bob and Carol take a week each.
    auto s = make(schedule_config("Europe/Madrid",
                                  {layer("weekly", {"alice", "bob", "carol"}, k_week, 9, wall(2026, 3, 2, 9, 0), 1)}));
    EXPECT_EQ(who(s, madrid(3, 2, 8, 59)), "-");  // before the start
    EXPECT_EQ(who(s, madrid(3, 2, 9, 0)), "alice");
    EXPECT_EQ(s.next_handoff_after(madrid(3, 1, 12)), madrid(3, 2, 9));

    std::vector<Handoff> expected;
    const std::vector<std::string> people{"alice", "bob", "carol"};
    for (int w = 1; w <= 40; ++w) {
        expected.push_back({date_plus(2026, 3, 2, 7 * w, 9, true), people[static_cast<std::size_t>(w % 3)]});
    }
    EXPECT_EQ(handoffs(s, madrid(3, 2, 9), 40), expected);
    // Spot checks in UTC: 08:00 in winter, 07:00 in summer, 08:00 again.
    EXPECT_EQ(expected[2].at, utc(2026, 3, 23, 8));
    EXPECT_EQ(expected[3].at, utc(2026, 3, 30, 7));
    EXPECT_EQ(expected[32].at, utc(2026, 10, 19, 7));
    EXPECT_EQ(expected[33].at, utc(2026, 10, 26, 8));

    // The week that contains the spring change is an hour short.
    auto a = s.on_call(madrid(3, 28, 12));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->person, "alice");
    EXPECT_EQ(a->source, Source::layer);
    EXPECT_EQ(a->layer, "weekly");
    EXPECT_EQ(a->start, utc(2026, 3, 23, 8));
    EXPECT_EQ(a->end, utc(2026, 3, 30, 7));
    EXPECT_EQ(a->end - a->start, k_week - hours(1));
}

TEST(Schedule, NewYorkDailyTurnsLast23And25HoursOnTheChangeDays) {
    auto s =
        make(schedule_config("America/New_York", {layer("daily", {"alice", "bob"}, k_day, 8, wall(2026, 3, 1, 8, 0))}));
    // Day 6 (2026-03-07) is Alice's; the night of the 8th springs forward.
    auto a = s.on_call(new_york(3, 7, 12));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->person, "alice");
    EXPECT_EQ(a->start, utc(2026, 3, 7, 13));  // 08:00 EST
    EXPECT_EQ(a->end, utc(2026, 3, 8, 12));    // 08:00 EDT
    EXPECT_EQ(a->end - a->start, hours(23));
    // Day 244 (2026-10-31) is Alice's again; the night of 1 November falls back.
    a = s.on_call(new_york(10, 31, 20));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->person, "alice");
    EXPECT_EQ(a->start, utc(2026, 10, 31, 12));
    EXPECT_EQ(a->end, utc(2026, 11, 1, 13));
    EXPECT_EQ(a->end - a->start, hours(25));

    // Every handoff from March to December is at 08:00 local.
    std::vector<Handoff> expected;
    for (int d = 1; d <= 290; ++d) {
        expected.push_back({date_plus(2026, 3, 1, d, 8, false), d % 2 == 0 ? "alice" : "bob"});
    }
    EXPECT_EQ(handoffs(s, new_york(3, 1, 8), 290), expected);
}

TEST(Schedule, CustomRotationsCountLocalWallClockTime) {
    // Three days at 10:00 in Madrid, across the spring change: 71 real hours.
    auto three = make(
        schedule_config("Europe/Madrid", {layer("3d", {"alice", "bob"}, hours(72), 10, wall(2026, 3, 27, 10, 0))}));
    EXPECT_EQ(
        handoffs(three, madrid(3, 27, 10), 3),
        (std::vector<Handoff>{{madrid(3, 30, 10), "bob"}, {madrid(4, 2, 10), "alice"}, {madrid(4, 5, 10), "bob"}}));
    auto a = three.on_call(madrid(3, 29, 12));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->end - a->start, hours(71));

    // Twelve hours from 08:00 in New York: 08:00 and 20:00 local, so the
    // night the clocks spring forward is an 11-hour turn.
    auto twelve = make(schedule_config(
        "America/New_York", {layer("12h", {"alice", "bob", "carol"}, hours(12), 8, wall(2026, 3, 1, 8, 0))}));
    EXPECT_EQ(handoffs(twelve, new_york(3, 7, 12), 4), (std::vector<Handoff>{{new_york(3, 7, 20), "bob"},
                                                                             {new_york(3, 8, 8), "carol"},
                                                                             {new_york(3, 8, 20), "alice"},
                                                                             {new_york(3, 9, 8), "bob"}}));
    a = twelve.on_call(new_york(3, 8, 1));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->end - a->start, hours(11));

    // 36 hours does not divide a day: handoffs walk around the clock.
    auto odd =
        make(schedule_config("Europe/Madrid", {layer("36h", {"alice", "bob"}, hours(36), 8, wall(2026, 3, 1, 8, 0))}));
    EXPECT_EQ(handoffs(odd, madrid(3, 1, 8), 3),
              (std::vector<Handoff>{{madrid(3, 2, 20), "bob"}, {madrid(3, 4, 8), "alice"}, {madrid(3, 5, 20), "bob"}}));
}

TEST(Schedule, HandoffsInTheSkippedAndRepeatedHours) {
    // Daily at 02:30 in Madrid. On 29 March 02:30 does not exist: the
    // handoff is the change itself (03:00 CEST, 01:00 UTC). On 25 October
    // 02:30 happens twice: the first one (00:30 UTC).
    auto s =
        make(schedule_config("Europe/Madrid", {layer("daily", {"alice", "bob"}, k_day, 2, wall(2026, 3, 27, 2, 30))}));
    auto c = s.config();
    c.layers[0].handoff = hours(2) + minutes(30);
    s = make(c);
    EXPECT_EQ(handoffs(s, utc(2026, 3, 28, 0), 3), (std::vector<Handoff>{{utc(2026, 3, 28, 1, 30), "bob"},
                                                                         {utc(2026, 3, 29, 1, 0), "alice"},
                                                                         {utc(2026, 3, 30, 0, 30), "bob"}}));
    EXPECT_EQ(s.next_handoff_after(utc(2026, 10, 24, 12)), utc(2026, 10, 25, 0, 30));
    EXPECT_EQ(s.next_handoff_after(utc(2026, 10, 25, 0, 30)), utc(2026, 10, 26, 1, 30));

    // Hourly in New York on the night it falls back: the turn that starts
    // at the first 01:00 (05:00 UTC) lasts until 02:00 EST (07:00 UTC).
    auto hourly = make(
        schedule_config("America/New_York", {layer("hourly", {"alice", "bob"}, hours(1), 0, wall(2026, 11, 1, 0, 0))}));
    auto a = hourly.on_call(utc(2026, 11, 1, 6, 30));  // the second 01:30
    ASSERT_TRUE(a);
    EXPECT_EQ(a->person, "bob");
    EXPECT_EQ(a->start, utc(2026, 11, 1, 5));
    EXPECT_EQ(a->end, utc(2026, 11, 1, 7));
    EXPECT_EQ(who(hourly, utc(2026, 11, 1, 7)), "alice");
}

TEST(Schedule, LaterLayersWinWhereTheyHaveSomeoneOn) {
    auto base = layer("base", {"alice", "bob"}, k_week, 9, wall(2026, 3, 2, 9, 0), 1);
    auto nights = layer("nights", {"carol", "dave"}, k_day, 22, wall(2026, 3, 2, 22, 0));
    nights.active_hours = config::DailyHours{hours(22), hours(7)};
    auto weekend = layer("weekend", {"erin"}, k_week, 0, wall(2026, 3, 7, 0, 0), 6);
    weekend.active_days = {0, 6};
    auto s = make(schedule_config("Europe/Madrid", {base, nights, weekend}));

    EXPECT_EQ(who(s, madrid(3, 3, 10)), "alice");
    EXPECT_EQ(who(s, madrid(3, 3, 21, 59)), "alice");
    EXPECT_EQ(who(s, madrid(3, 3, 22)), "dave");  // the second night
    EXPECT_EQ(who(s, madrid(3, 4, 6, 59)), "dave");
    EXPECT_EQ(who(s, madrid(3, 4, 7)), "alice");
    EXPECT_EQ(who(s, madrid(3, 6, 23)), "carol");  // Friday night: the fifth
    EXPECT_EQ(who(s, madrid(3, 7, 0)), "erin");    // Saturday: the weekend layer
    EXPECT_EQ(who(s, madrid(3, 8, 23, 59)), "erin");
    EXPECT_EQ(who(s, madrid(3, 9, 0, 30)), "carol");  // Sunday's night, after the weekend
    EXPECT_EQ(who(s, madrid(3, 9, 9)), "bob");

    auto cover = s.coverage(madrid(3, 3, 23));
    ASSERT_EQ(cover.size(), 2u);
    EXPECT_EQ(cover[0], (Assignment{"dave", Source::layer, 1, "nights", madrid(3, 3, 22), madrid(3, 4, 7)}));
    EXPECT_EQ(cover[1], (Assignment{"alice", Source::layer, 0, "base", madrid(3, 2, 9), madrid(3, 9, 9)}));
    EXPECT_EQ(s.on_call(madrid(3, 3, 23)), cover[0]);

    cover = s.coverage(madrid(3, 7, 3));
    ASSERT_EQ(cover.size(), 3u);
    // One person, so no handoff ends the weekend layer's stretch; its
    // active days (Saturday and Sunday joined) do.
    EXPECT_EQ(cover[0], (Assignment{"erin", Source::layer, 2, "weekend", madrid(3, 7, 0), madrid(3, 9, 0)}));
    EXPECT_EQ(cover[1].person, "carol");
    EXPECT_EQ(cover[2].person, "alice");

    EXPECT_EQ(handoffs(s, madrid(3, 3, 10), 5), (std::vector<Handoff>{{madrid(3, 3, 22), "dave"},
                                                                      {madrid(3, 4, 7), "alice"},
                                                                      {madrid(3, 4, 22), "carol"},
                                                                      {madrid(3, 5, 7), "alice"},
                                                                      {madrid(3, 5, 22), "dave"}}));
    // Monday 07:00 is still Alice's week; Bob's starts at 09:00.
    EXPECT_EQ(handoffs(s, madrid(3, 6, 12), 5), (std::vector<Handoff>{{madrid(3, 6, 22), "carol"},
                                                                      {madrid(3, 7, 0), "erin"},
                                                                      {madrid(3, 9, 0), "carol"},
                                                                      {madrid(3, 9, 7), "alice"},
                                                                      {madrid(3, 9, 9), "bob"}}));
}

TEST(Schedule, OverridesWinAndSayWhomTheyCoverFor) {
    config::ScheduleOverrideConfig frank{"frank", madrid(3, 4, 18), madrid(3, 5, 9)};
    config::ScheduleOverrideConfig alice{"alice", madrid(3, 3, 12), madrid(3, 3, 13)};
    auto s = make(schedule_config(
        "Europe/Madrid", {layer("base", {"alice", "bob"}, k_week, 9, wall(2026, 3, 2, 9, 0), 1)}, {frank, alice}));
    auto a = s.on_call(madrid(3, 4, 20));
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, (Assignment{"frank", Source::override, 0, "", madrid(3, 4, 18), madrid(3, 5, 9)}));
    auto cover = s.coverage(madrid(3, 4, 20));
    ASSERT_EQ(cover.size(), 2u);
    EXPECT_EQ(cover[1].person, "alice");
    EXPECT_EQ(cover[1].source, Source::layer);

    EXPECT_EQ(who(s, madrid(3, 4, 17, 59)), "alice");
    EXPECT_EQ(who(s, madrid(3, 5, 9)), "alice");
    // Alice's own override on her own turn changes nobody.
    EXPECT_EQ(s.on_call(madrid(3, 3, 12, 30))->source, Source::override);
    EXPECT_EQ(s.next_handoff_after(madrid(3, 3, 11)), madrid(3, 4, 18));
    EXPECT_EQ(s.next_handoff_after(madrid(3, 4, 18)), madrid(3, 5, 9));
    EXPECT_EQ(s.next_handoff_after(madrid(3, 5, 9)), madrid(3, 9, 9));

    // An override before the layers start, and past their end of a gap.
    auto lone = make(schedule_config("Europe/Madrid", {layer("base", {"alice"}, k_week, 9, wall(2026, 3, 2, 9, 0), 1)},
                                     {{"bob", madrid(2, 27, 9), madrid(2, 28, 9)}}));
    EXPECT_EQ(who(lone, madrid(2, 27, 12)), "bob");
    EXPECT_EQ(handoffs(lone, madrid(2, 26, 0), 4),
              (std::vector<Handoff>{{madrid(2, 27, 9), "bob"}, {madrid(2, 28, 9), "-"}, {madrid(3, 2, 9), "alice"}}));
}

TEST(Schedule, ActiveHoursThatWrapBelongToTheDayTheyStartOn) {
    auto evenings = layer("evenings", {"alice"}, k_week, 18, wall(2026, 3, 2, 18, 0), 1);
    evenings.active_days = {1, 2, 3, 4, 5};
    evenings.active_hours = config::DailyHours{hours(18), hours(9)};
    auto s = make(schedule_config("America/New_York", {evenings}));
    EXPECT_EQ(who(s, new_york(3, 6, 23)), "alice");     // Friday night
    EXPECT_EQ(who(s, new_york(3, 7, 8, 59)), "alice");  // still Friday's
    EXPECT_EQ(who(s, new_york(3, 7, 9)), "-");
    EXPECT_EQ(who(s, new_york(3, 7, 20)), "-");  // Saturday is not listed
    EXPECT_EQ(who(s, new_york(3, 9, 8)), "-");   // nor is Sunday's night
    EXPECT_EQ(who(s, new_york(3, 9, 18)), "alice");
    EXPECT_EQ(s.on_call(new_york(3, 7, 3))->end, new_york(3, 7, 9));
    EXPECT_EQ(handoffs(s, new_york(3, 6, 12), 4), (std::vector<Handoff>{{new_york(3, 6, 18), "alice"},
                                                                        {new_york(3, 7, 9), "-"},
                                                                        {new_york(3, 9, 18), "alice"},
                                                                        {new_york(3, 10, 9), "-"}}));

    // Every evening, across the change: Saturday 18:00 EST to Sunday 09:00
    // EDT is 14 hours.
    auto every = layer("every", {"alice", "bob"}, k_day, 18, wall(2026, 3, 2, 18, 0));
    every.active_hours = config::DailyHours{hours(18), hours(9)};
    auto e = make(schedule_config("America/New_York", {every}));
    auto a = e.on_call(new_york(3, 8, 1));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->start, utc(2026, 3, 7, 23));
    EXPECT_EQ(a->end, utc(2026, 3, 8, 13));
    EXPECT_EQ(a->end - a->start, hours(14));
}

TEST(Schedule, StartingBetweenHandoffs) {
    // Starts on a Wednesday at noon with Monday handoffs: Alice covers the
    // rest of that week, then Bob takes the first full one.
    auto s = make(
        schedule_config("Europe/Madrid", {layer("weekly", {"alice", "bob"}, k_week, 9, wall(2026, 3, 4, 12, 0), 1)}));
    EXPECT_EQ(who(s, madrid(3, 4, 11, 59)), "-");
    auto a = s.on_call(madrid(3, 4, 12));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->start, madrid(3, 4, 12));
    EXPECT_EQ(a->end, madrid(3, 9, 9));
    EXPECT_EQ(who(s, madrid(3, 9, 9)), "bob");
    EXPECT_EQ(who(s, madrid(3, 16, 9)), "alice");

    // A start at 08:00 on a handoff day, before the 09:00 handoff.
    auto early = make(
        schedule_config("Europe/Madrid", {layer("weekly", {"alice", "bob"}, k_week, 9, wall(2026, 3, 2, 8, 0), 1)}));
    EXPECT_EQ(who(early, madrid(3, 2, 8)), "alice");
    EXPECT_EQ(who(early, madrid(3, 2, 9)), "bob");
}

TEST(Schedule, GapsAndLoneLayers) {
    auto office = layer("office", {"alice"}, k_week, 9, wall(2026, 3, 2, 9, 0), 1);
    office.active_hours = config::DailyHours{hours(9), hours(17)};
    auto s = make(schedule_config("UTC", {office}));
    EXPECT_FALSE(s.on_call(utc(2026, 3, 3, 18)));
    EXPECT_TRUE(s.coverage(utc(2026, 3, 3, 18)).empty());
    EXPECT_EQ(s.next_handoff_after(utc(2026, 3, 3, 18)), utc(2026, 3, 4, 9));
    EXPECT_EQ(s.next_handoff_after(utc(2026, 3, 4, 9)), utc(2026, 3, 4, 17));

    // Always the same person: no handoff within the two years looked at.
    auto lone = make(schedule_config("UTC", {layer("lone", {"alice", "alice"}, hours(1), 0, wall(2026, 3, 2, 0, 0))}));
    EXPECT_EQ(lone.next_handoff_after(utc(2026, 3, 3)), std::nullopt);
    auto a = lone.on_call(utc(2027, 1, 1));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->start, utc(2026, 3, 2));
    EXPECT_EQ(a->end, TimePoint::max());

    // Repeats in the rotation: consecutive turns of one person are one stretch.
    auto repeats =
        make(schedule_config("UTC", {layer("r", {"alice", "alice", "bob"}, k_day, 0, wall(2026, 3, 1, 0, 0))}));
    a = repeats.on_call(utc(2026, 3, 2, 12));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->start, utc(2026, 3, 1));
    EXPECT_EQ(a->end, utc(2026, 3, 3));
    EXPECT_EQ(handoffs(repeats, utc(2026, 3, 1), 3),
              (std::vector<Handoff>{{utc(2026, 3, 3), "bob"}, {utc(2026, 3, 4), "alice"}, {utc(2026, 3, 6), "bob"}}));
}

TEST(Schedule, MakeRefusesWhatTheLoaderRefuses) {
    auto bad_zone = Schedule::make(schedule_config("Europe/Madird", {layer("x", {"a"}, k_day, 9, wall(2026, 1, 1))}));
    ASSERT_FALSE(bad_zone.ok());
    EXPECT_EQ(bad_zone.error().message, "schedule \"primary\": unknown time zone \"Europe/Madird\"");
    auto empty = Schedule::make(schedule_config("UTC", {layer("x", {}, k_day, 9, wall(2026, 1, 1))}));
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().message, "schedule \"primary\": layer \"x\": no people");
    auto zero = Schedule::make(schedule_config("UTC", {layer("x", {"a"}, Duration::zero(), 9, wall(2026, 1, 1))}));
    EXPECT_FALSE(zero.ok());
}

// Ten weeks in Madrid around the spring change, every quarter of an hour,
// against an independent reading of the rules: a weekly base layer, nights
// from Monday to Thursday, and two overrides (one spanning the change).
TEST(Schedule, TenSimulatedWeeksInMadrid) {
    auto base = layer("base", {"alice", "bob", "carol"}, k_week, 9, wall(2026, 3, 2, 9, 0), 1);
    auto nights = layer("nights", {"dave", "erin"}, k_day, 22, wall(2026, 3, 2, 22, 0));
    nights.active_days = {1, 2, 3, 4};
    nights.active_hours = config::DailyHours{hours(22), hours(7)};
    const config::ScheduleOverrideConfig frank{"frank", madrid(3, 25, 18), madrid(3, 30, 9)};
    const config::ScheduleOverrideConfig alice{"alice", madrid(4, 8, 0), madrid(4, 9, 0)};
    auto s = make(schedule_config("Europe/Madrid", {base, nights}, {frank, alice}));

    const TimePoint base_start_local = utc(2026, 3, 2, 9);  // wall clock read as UTC fields
    const sys_days nights_first{year{2026} / 3 / 2};
    auto oracle = [&](TimePoint t) -> std::string {
        if (t >= frank.start && t < frank.end) return "frank";
        if (t >= alice.start && t < alice.end) return "alice";
        const TimePoint l = madrid_local(t);
        const minutes tod = time_of_day(l);
        std::optional<sys_days> evening;
        if (tod >= hours(22)) evening = floor<days>(l);
        if (tod < hours(7)) evening = floor<days>(l) - days(1);
        if (evening && *evening >= nights_first) {
            const int wd = static_cast<int>(weekday{*evening}.c_encoding());
            if (wd >= 1 && wd <= 4) return (*evening - nights_first).count() % 2 == 0 ? "dave" : "erin";
        }
        if (l < base_start_local) return "-";
        const auto week = floor<days>(l - base_start_local).count() / 7;
        static const char* people[] = {"alice", "bob", "carol"};
        return people[week % 3];
    };

    std::vector<TimePoint> grid;
    for (TimePoint t = utc(2026, 3, 1); t < utc(2026, 5, 11); t += minutes(15)) grid.push_back(t);
    std::vector<std::string> expected;
    for (TimePoint t : grid) expected.push_back(oracle(t));
    int mismatches = 0;
    std::optional<TimePoint> next_change;  // filled walking backwards
    std::vector<std::optional<TimePoint>> next_changes(grid.size());
    for (std::size_t i = grid.size(); i-- > 0;) {
        next_changes[i] = next_change;
        if (i > 0 && expected[i] != expected[i - 1]) next_change = grid[i];
    }
    int handoffs_seen = 0;
    for (std::size_t i = 0; i < grid.size() && mismatches < 10; ++i) {
        const std::string got = who(s, grid[i]);
        if (got != expected[i]) {
            ++mismatches;
            ADD_FAILURE() << "at " << duration_cast<seconds>(grid[i].time_since_epoch()).count() << "s: " << got
                          << ", expected " << expected[i];
        }
        if (next_changes[i]) {
            ++handoffs_seen;
            EXPECT_EQ(s.next_handoff_after(grid[i]), next_changes[i])
                << "after " << duration_cast<seconds>(grid[i].time_since_epoch()).count() << "s";
        }
    }
    EXPECT_GT(handoffs_seen, 6000);
}

// Six weeks in New York across each change: twelve-hour turns at 08:00 and
// 20:00, and a weekend layer with its own weekly rotation on top.
TEST(Schedule, SimulatedWeeksInNewYork) {
    auto base = layer("base", {"alice", "bob", "carol"}, hours(12), 8, wall(2026, 2, 1, 8, 0));
    auto weekend = layer("weekend", {"wendy", "walt"}, k_week, 0, wall(2026, 2, 7, 0, 0), 6);
    weekend.active_days = {0, 6};
    auto s = make(schedule_config("America/New_York", {base, weekend}));
    const TimePoint base_start_local = utc(2026, 2, 1, 8);
    const TimePoint weekend_start_local = utc(2026, 2, 7, 0);
    auto oracle = [&](TimePoint t) -> std::string {
        const TimePoint l = new_york_local(t);
        const int wd = weekday_of(l);
        if ((wd == 0 || wd == 6) && l >= weekend_start_local) {
            return floor<days>(l - weekend_start_local).count() / 7 % 2 == 0 ? "wendy" : "walt";
        }
        static const char* people[] = {"alice", "bob", "carol"};
        return people[floor<hours>(l - base_start_local).count() / 12 % 3];
    };
    for (auto [from, to] :
         {std::pair{utc(2026, 2, 20), utc(2026, 4, 3)}, std::pair{utc(2026, 10, 16), utc(2026, 11, 27)}}) {
        int mismatches = 0;
        std::string previous;
        TimePoint previous_t{};
        for (TimePoint t = from; t < to && mismatches < 10; t += minutes(30)) {
            const std::string expected = oracle(t);
            if (who(s, t) != expected) {
                ++mismatches;
                ADD_FAILURE() << "at " << duration_cast<seconds>(t.time_since_epoch()).count() << "s: " << who(s, t)
                              << ", expected " << expected;
            }
            if (!previous.empty() && previous != expected) {
                EXPECT_EQ(s.next_handoff_after(previous_t), t);
            }
            previous = expected;
            previous_t = t;
        }
    }
}

}  // namespace
}  // namespace tocsin::paging
