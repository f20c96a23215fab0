// [[maintenance]]: what a window covers, when it starts (wall clock of its
// time zone, offsets converted), how long it lasts, how it repeats, the
// --print round trip, and each mistake located at its line and column.
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;
using testing::diagnostic_strings;
using testing::expect_round_trip;
using testing::fake_env;
using testing::load_test;
using testing::load_ok;
using testing::problems;

const std::string& f = testing::k_test_file;

MaintenanceConfig window(const std::string& keys) {
    Config c = load_ok("[[component]]\nname = \"db\"\n[[component]]\nname = \"api\"\n[[maintenance]]\nname = \"w\"\n" +
                       keys);
    return c.maintenance.empty() ? MaintenanceConfig{} : c.maintenance[0];
}

// Seconds since 1970-01-01T00:00 of a wall clock.
std::chrono::seconds local(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
    // days_from_civil (Howard Hinnant's algorithm), to keep date.h out of the test.
    y -= mo <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const long days = era * 146097L + static_cast<long>(doe) - 719468L;
    return std::chrono::seconds(days * 86400L + h * 3600L + mi * 60L + s);
}

TEST(MaintenanceConfig, OneOffWindowWithDefaults) {
    MaintenanceConfig w = window("components = [\"db\"]\nstart = \"2026-05-02 22:00\"\nduration = \"2h\"\n");
    EXPECT_EQ(w.name, "w");
    EXPECT_EQ(w.components, std::vector<std::string>{"db"});
    EXPECT_EQ(w.match, "");
    EXPECT_EQ(w.start_local, local(2026, 5, 2, 22, 0));
    EXPECT_EQ(w.length, 2h);
    EXPECT_EQ(w.repeat, MaintenanceRepeat::none);
    EXPECT_TRUE(w.weekdays.empty());
    EXPECT_EQ(w.time_zone, "UTC");
}

TEST(MaintenanceConfig, EveryKey) {
    Config c = load_ok(R"(
[[component]]
name = "db"
[[component]]
name = "api"

[[maintenance]]
name = "patch tuesday"
components = ["db", "api"]
match = '{env="staging", service=~"db.*"}'
start = "2026-03-03T23:30:15"
duration = "1h30m"
repeat = "weekly"
weekdays = ["fri", "Tue", "sunday"]
time_zone = "Europe/Madrid"

[[maintenance]]
name = "nightly backup"
match = '{job="backup"}'
start = 2026-01-01T02:00:00
end = 2026-01-01T02:45:00
repeat = "daily"
time_zone = "America/New_York"
)");
    ASSERT_EQ(c.maintenance.size(), 2u);
    const MaintenanceConfig& w = c.maintenance[0];
    EXPECT_EQ(w.name, "patch tuesday");
    EXPECT_EQ(w.components, (std::vector<std::string>{"db", "api"}));
    EXPECT_EQ(w.match, "{env=\"staging\", service=~\"db.*\"}");
    EXPECT_EQ(w.start_local, local(2026, 3, 3, 23, 30, 15));
    EXPECT_EQ(w.length, 90min);
    EXPECT_EQ(w.repeat, MaintenanceRepeat::weekly);
    EXPECT_EQ(w.weekdays, (std::vector<int>{0, 2, 5}));
    EXPECT_EQ(w.time_zone, "Europe/Madrid");
    const MaintenanceConfig& b = c.maintenance[1];
    EXPECT_EQ(b.start_local, local(2026, 1, 1, 2, 0));
    EXPECT_EQ(b.length, 45min);
    EXPECT_EQ(b.repeat, MaintenanceRepeat::daily);
    EXPECT_TRUE(b.components.empty());
    expect_round_trip(c);
}

TEST(MaintenanceConfig, AnOffsetStartIsConvertedToTheZonesWallClock) {
    // Spain's clocks go forward at 01:00 UTC that day: 00:30 UTC is 01:30 CET.
    MaintenanceConfig w = window("match = '{a=\"b\"}'\nstart = \"2026-03-29T00:30:00Z\"\nduration = \"1h\"\n"
                                 "time_zone = \"Europe/Madrid\"\n");
    EXPECT_EQ(w.start_local, local(2026, 3, 29, 1, 30));
    // One hour later it is 03:30 CEST.
    w = window("match = '{a=\"b\"}'\nstart = \"2026-03-29T01:30:00Z\"\nduration = \"1h\"\n"
               "time_zone = \"Europe/Madrid\"\n");
    EXPECT_EQ(w.start_local, local(2026, 3, 29, 3, 30));
    // Numeric offsets, lower-case separators, TOML offset date-times.
    w = window("match = '{a=\"b\"}'\nstart = \"2026-07-01t10:00+02:00\"\nduration = \"1h\"\n"
               "time_zone = \"America/New_York\"\n");
    EXPECT_EQ(w.start_local, local(2026, 7, 1, 4, 0));
    w = window("match = '{a=\"b\"}'\nstart = 2026-07-01T08:00:00-04:00\nduration = \"1h\"\n"
               "time_zone = \"Asia/Kolkata\"\n");
    EXPECT_EQ(w.start_local, local(2026, 7, 1, 17, 30));
    // --print shows the wall clock, and it loads back to the same window.
    Config c = load_ok("[[maintenance]]\nname = \"w\"\nmatch = '{a=\"b\"}'\nstart = \"2026-03-29T00:30:00Z\"\n"
                       "end = \"2026-03-29T03:00:00+02:00\"\ntime_zone = \"Europe/Madrid\"\n");
    EXPECT_EQ(c.maintenance.at(0).length, 30min);
    const std::string printed = to_toml(c);
    EXPECT_NE(printed.find("start = '2026-03-29T01:30:00'"), std::string::npos) << printed;
    EXPECT_NE(printed.find("duration = '30m'"), std::string::npos) << printed;
    expect_round_trip(c);
    // In UTC an instant is its own wall clock.
    w = window("match = '{a=\"b\"}'\nstart = \"2026-07-01 08:00:00z\"\nduration = \"1h\"\n");
    EXPECT_EQ(w.start_local, local(2026, 7, 1, 8, 0));
}

TEST(MaintenanceConfig, EndIsTheRealTimeBetweenTheInstants) {
    // 01:00 to 04:00 local on the night the clocks go forward lasts two hours.
    MaintenanceConfig w = window("match = '{a=\"b\"}'\nstart = \"2026-03-29 01:00\"\nend = \"2026-03-29 04:00\"\n"
                                 "time_zone = \"Europe/Madrid\"\n");
    EXPECT_EQ(w.length, 2h);
    // An offset end is an instant too.
    w = window("match = '{a=\"b\"}'\nstart = \"2026-06-01 10:00\"\nend = \"2026-06-01T09:30:00Z\"\n"
               "time_zone = \"Europe/Madrid\"\n");
    EXPECT_EQ(w.length, 90min);
}

TEST(MaintenanceConfig, WeekdaysDefaultToTheStartsLocalWeekday) {
    // 2026-03-29 is a Sunday in Madrid (and still Saturday in New York).
    MaintenanceConfig w = window("match = '{a=\"b\"}'\nstart = \"2026-03-29T00:30:00Z\"\nduration = \"1h\"\n"
                                 "repeat = \"weekly\"\ntime_zone = \"Europe/Madrid\"\n");
    EXPECT_EQ(w.weekdays, std::vector<int>{0});
    w = window("match = '{a=\"b\"}'\nstart = \"2026-03-29T00:30:00Z\"\nduration = \"1h\"\n"
               "repeat = \"weekly\"\ntime_zone = \"America/New_York\"\n");
    EXPECT_EQ(w.weekdays, std::vector<int>{6});
    w = window("match = '{a=\"b\"}'\nstart = \"2026-03-30 00:00\"\nduration = \"1h\"\nrepeat = \"weekly\"\n"
               "weekdays = [\"mon\", \"TUE\", \"Wednesday\", \"thu\", \"fri\", \"sat\", \"sun\"]\n");
    EXPECT_EQ(w.weekdays, (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(MaintenanceConfig, WhatItCovers) {
    const std::string when = "start = \"2026-01-01 00:00\"\nduration = \"1h\"\n";
    EXPECT_EQ(problems("[[maintenance]]\nname = \"w\"\n" + when),
              std::vector<std::string>{
                  f + ":1:1: maintenance[0]: missing \"components\" or \"match\": say which alerts the window covers"});
    EXPECT_EQ(problems("[[component]]\nname = \"db\"\n[[maintenance]]\nname = \"w\"\n"
                       "components = [\"dbs\", \"frontend\", \"db\", \"db\"]\n" + when),
              (std::vector<std::string>{
                  f + ":5:15: maintenance[0].components[0]: unknown component \"dbs\"; did you mean \"db\"?",
                  f + ":5:22: maintenance[0].components[1]: unknown component \"frontend\"",
                  f + ":5:40: maintenance[0].components[3]: \"db\" is listed twice"}));
    EXPECT_EQ(problems("[[maintenance]]\nname = \"w\"\ncomponents = [\"db\"]\n" + when),
              std::vector<std::string>{
                  f + ":3:15: maintenance[0].components[0]: unknown component \"db\" (no component is defined)"});
    EXPECT_EQ(problems("[[maintenance]]\nname = \"w\"\ncomponents = []\n" + when),
              std::vector<std::string>{f + ":3:14: maintenance[0].components: must list at least one component"});
}

TEST(MaintenanceConfig, MatchMustBeOnlyLabelMatchers) {
    const std::string head = "[[maintenance]]\nname = \"w\"\nstart = \"2026-01-01 00:00\"\nduration = \"1h\"\n";
    const std::string usage = " (write label matchers in braces, such as {env=\"staging\", service=~\"db.*\"})";
    EXPECT_EQ(problems(head + "match = '{env=\"staging\",}'\n"), std::vector<std::string>{});
    EXPECT_EQ(problems(head + "match = '{env=\"staging\" service=\"x\"}'\n"),
              std::vector<std::string>{f + ":5:25: maintenance[0].match: parse error: unexpected identifier "
                                           "\"service\" in label matching, expected \",\" or \"}\""});
    EXPECT_EQ(problems(head + "match = 'up{env=\"x\"}'\n"),
              std::vector<std::string>{f + ":5:9: maintenance[0].match: a metric name is not allowed: alerts have none" +
                                       usage});
    EXPECT_EQ(problems(head + "match = '{env=\"x\"}[5m]'\n"),
              std::vector<std::string>{f + ":5:9: maintenance[0].match: must be only label matchers" + usage});
    EXPECT_EQ(problems(head + "match = 'sum({env=\"x\"})'\n"),
              std::vector<std::string>{f + ":5:9: maintenance[0].match: must be only label matchers" + usage});
    EXPECT_EQ(problems(head + "match = '{env=\"x\"} offset 5m'\n"),
              std::vector<std::string>{f + ":5:9: maintenance[0].match: offset and @ are not allowed: a window matches "
                                           "alert labels" + usage});
    EXPECT_EQ(problems(head + "match = '{__name__=\"up\"}'\n"),
              std::vector<std::string>{f + ":5:9: maintenance[0].match: alerts have no __name__ label" + usage});
    EXPECT_EQ(problems(head + "match = ''\n"),
              std::vector<std::string>{f + ":5:9: maintenance[0].match: must not be empty"});
}

TEST(MaintenanceConfig, TimeMistakes) {
    const std::string head = "[[maintenance]]\nname = \"w\"\nmatch = '{a=\"b\"}'\n";
    const std::string usage =
        " (use \"YYYY-MM-DD HH:MM[:SS]\" for a wall-clock time in time_zone, or an instant such as "
        "\"2026-03-29T00:30:00Z\" or \"2026-03-29T02:30:00+02:00\")";
    EXPECT_EQ(problems(head),
              (std::vector<std::string>{
                  f + ":1:1: maintenance[0]: missing required key \"start\"",
                  f + ":1:1: maintenance[0]: missing \"duration\" or \"end\": say how long the window lasts"}));
    EXPECT_EQ(problems(head + "start = \"2026-01-01\"\nduration = \"1h\"\n"),
              std::vector<std::string>{f + ":4:9: maintenance[0].start: invalid date and time \"2026-01-01\"" + usage});
    EXPECT_EQ(problems(head + "start = \"2026-02-30 10:00\"\nduration = \"1h\"\n"),
              std::vector<std::string>{
                  f + ":4:9: maintenance[0].start: invalid date and time \"2026-02-30 10:00\": no such date"});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 24:00\"\nduration = \"1h\"\n"),
              std::vector<std::string>{
                  f + ":4:9: maintenance[0].start: invalid date and time \"2026-02-03 24:00\": no such time of day"});
    EXPECT_EQ(problems(head + "start = \"1969-12-31 10:00\"\nduration = \"1h\"\n"),
              std::vector<std::string>{
                  f + ":4:9: maintenance[0].start: invalid date and time \"1969-12-31 10:00\": must not be before 1970"});
    EXPECT_EQ(problems(head + "start = \"1970-01-01T03:00:00+05:00\"\nduration = \"1h\"\n"),
              std::vector<std::string>{f + ":4:9: maintenance[0].start: is outside the years 1970 to 9999 in UTC"});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00+2\"\nduration = \"1h\"\n"),
              std::vector<std::string>{
                  f + ":4:9: maintenance[0].start: invalid date and time \"2026-02-03 10:00+2\"" + usage});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00+25:00\"\nduration = \"1h\"\n"),
              std::vector<std::string>{f + ":4:9: maintenance[0].start: invalid offset \"+25:00\" (use +HH:MM or "
                                           "-HH:MM, e.g. +02:00)"});
    EXPECT_EQ(problems(head + "start = 2026-02-03\nduration = \"1h\"\n"),
              std::vector<std::string>{f + ":4:9: maintenance[0].start: expected a date and time such as "
                                           "\"2026-03-29 01:30\", got a date"});
    EXPECT_EQ(problems(head + "start = 2026-02-03T10:00:00.5\nduration = \"1h\"\n"),
              std::vector<std::string>{f + ":4:9: maintenance[0].start: fractions of a second are not supported"});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00\"\nduration = \"0s\"\n"),
              std::vector<std::string>{f + ":5:12: maintenance[0].duration: must be at least 1s, got 0s"});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00\"\nduration = \"1h\"\nend = \"2026-02-03 11:00\"\n"),
              std::vector<std::string>{f + ":6:7: maintenance[0].end: set either duration or end, not both"});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00\"\nend = \"2026-02-03 10:00\"\n"),
              std::vector<std::string>{f + ":5:7: maintenance[0].end: must be after start"});
    // 10:00 in Madrid is 09:00 UTC: an end at 09:00Z is not after it.
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00\"\nend = \"2026-02-03T09:00:00Z\"\n"
                              "time_zone = \"Europe/Madrid\"\n"),
              std::vector<std::string>{f + ":5:7: maintenance[0].end: must be after start"});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00\"\nend = \"2028-02-03 10:00\"\n"),
              std::vector<std::string>{
                  f + ":5:7: maintenance[0].end: a window must last at most 52w, this one lasts 104w2d"});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00\"\nduration = \"1h\"\ntime_zone = \"Europe/Madird\"\n"),
              std::vector<std::string>{f + ":6:13: maintenance[0].time_zone: unknown time zone \"Europe/Madird\" (use "
                                           "an IANA name such as \"Europe/Madrid\" or \"UTC\"); did you mean "
                                           "\"Europe/Madrid\"?"});
    EXPECT_EQ(problems(head + "start = \"2026-02-03 10:00\"\nduration = \"1h\"\ntime_zone = \"CEST\"\n"),
              std::vector<std::string>{f + ":6:13: maintenance[0].time_zone: unknown time zone \"CEST\" (use an IANA "
                                           "name such as \"Europe/Madrid\" or \"UTC\"); did you mean \"CET\"?"});
}

TEST(MaintenanceConfig, RepeatMistakes) {
    const std::string head =
        "[[maintenance]]\nname = \"w\"\nmatch = '{a=\"b\"}'\nstart = \"2026-02-03 10:00\"\n";  // a Tuesday
    EXPECT_EQ(problems(head + "duration = \"1h\"\nrepeat = \"weakly\"\nweekdays = [\"mon\"]\n"),
              std::vector<std::string>{f + ":6:10: maintenance[0].repeat: invalid value \"weakly\" (expected \"none\", "
                                           "\"daily\" or \"weekly\"); did you mean \"weekly\"?"});
    EXPECT_EQ(problems(head + "duration = \"1h\"\nrepeat = \"daily\"\nweekdays = [\"mon\"]\n"),
              std::vector<std::string>{f + ":7:12: maintenance[0].weekdays: only applies to repeat = \"weekly\""});
    EXPECT_EQ(problems(head + "duration = \"1h\"\nweekdays = [\"mon\"]\n"),
              std::vector<std::string>{f + ":6:12: maintenance[0].weekdays: only applies to repeat = \"weekly\""});
    EXPECT_EQ(problems(head + "duration = \"1h\"\nrepeat = \"weekly\"\nweekdays = [\"tues\", \"mon\", \"Monday\", \"x\"]\n"),
              (std::vector<std::string>{
                  f + ":7:13: maintenance[0].weekdays[0]: invalid weekday \"tues\" (expected \"mon\", \"tue\", "
                      "\"wed\", \"thu\", \"fri\", \"sat\" or \"sun\"); did you mean \"tue\"?",
                  f + ":7:28: maintenance[0].weekdays[2]: \"Monday\" is listed twice",
                  f + ":7:38: maintenance[0].weekdays[3]: invalid weekday \"x\" (expected \"mon\", \"tue\", \"wed\", "
                      "\"thu\", \"fri\", \"sat\" or \"sun\")"}));
    EXPECT_EQ(problems(head + "duration = \"1h\"\nrepeat = \"weekly\"\nweekdays = []\n"),
              std::vector<std::string>{f + ":7:12: maintenance[0].weekdays: must list at least one day"});
    EXPECT_EQ(problems(head + "duration = \"1d\"\nrepeat = \"daily\"\n"),
              std::vector<std::string>{f + ":5:12: maintenance[0].duration: a daily window must last less than 1d "
                                           "(occurrences would overlap), this one lasts 1d"});
    EXPECT_EQ(problems(head + "end = \"2026-02-04 11:00\"\nrepeat = \"daily\"\n"),
              std::vector<std::string>{f + ":5:7: maintenance[0].end: a daily window must last less than 1d "
                                           "(occurrences would overlap), this one lasts 1d1h"});
    EXPECT_EQ(problems(head + "duration = \"1w\"\nrepeat = \"weekly\"\n"),
              std::vector<std::string>{f + ":5:12: maintenance[0].duration: a weekly window must last less than 1w "
                                           "(occurrences would overlap), this one lasts 1w"});
    EXPECT_EQ(problems(head + "duration = \"1d12h\"\nrepeat = \"weekly\"\nweekdays = [\"mon\", \"tue\", \"fri\"]\n"),
              std::vector<std::string>{f + ":5:12: maintenance[0].duration: this window repeats 1d apart at the "
                                           "closest of its weekdays, so it must last less (occurrences would "
                                           "overlap), this one lasts 1d12h"});
    // Saturday to Monday is two days apart across the week's end.
    load_ok(head + "duration = \"1d12h\"\nrepeat = \"weekly\"\nweekdays = [\"sat\", \"mon\"]\n");
    load_ok(head + "duration = \"23h59m\"\nrepeat = \"daily\"\n");
}

TEST(MaintenanceConfig, NamesAndUnknownKeys) {
    const std::string body = "match = '{a=\"b\"}'\nstart = \"2026-02-03 10:00\"\nduration = \"1h\"\n";
    EXPECT_EQ(problems("[[maintenance]]\n" + body + "[[maintenance]]\nname = \"\"\n" + body +
                       "[[maintenance]]\nname = \"x\"\n" + body + "[[maintenance]]\nname = \"x\"\n" + body +
                       "timezone = \"UTC\"\n"),
              (std::vector<std::string>{
                  f + ":1:1: maintenance[0]: missing required key \"name\"",
                  f + ":6:8: maintenance[1].name: must not be empty",
                  f + ":16:8: maintenance[3].name: duplicate maintenance window name \"x\" (first defined on line 11)",
                  f + ":20:1: maintenance[3].timezone: unknown key; did you mean \"time_zone\"?"}));
}

}  // namespace
}  // namespace tocsin::config
