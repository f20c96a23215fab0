// [[person]], [[schedule]] (layers and overrides) and [business_hours]:
// every key and its default, the --print round trip, and each mistake
// located at its line and column with the message an operator reads.
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;
using testing::diagnostic_strings;
using testing::fake_env;

const std::string f = "/etc/tocsin/t.toml";

LoadResult load(const std::string& text) { return load_string(text, f, fake_env()); }

std::vector<std::string> problems(const std::string& text) { return diagnostic_strings(load(text)); }

Config load_ok(const std::string& text) {
    LoadResult r = load(text);
    EXPECT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    return r.config.value_or(Config{});
}

// Seconds since 1970-01-01T00:00 of a wall clock.
std::chrono::seconds local(int y, unsigned mo, unsigned d, int h, int mi) {
    using namespace std::chrono;
    return (sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi}).time_since_epoch();
}

TimePoint utc(int y, unsigned mo, unsigned d, int h, int mi) {
    using namespace std::chrono;
    return TimePoint{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi}};
}

std::chrono::days date(int y, unsigned mo, unsigned d) {
    using namespace std::chrono;
    return sys_days{year{y} / month{mo} / day{d}}.time_since_epoch();
}

const std::string k_people = R"([[person]]
name = "alice"
email = "alice@example.com"

[[person]]
name = "bob"
telegram_chat_id = 12345
)";

TEST(OncallConfig, EveryKey) {
    Config c = load_ok(R"(
[[person]]
name = "alice"
display_name = "Alice Martín"
email = "alice.martin+oncall@mail.example.com"
telegram_chat_id = 123456789
quiet_hours = "22:00-07:00"
time_zone = "Europe/Madrid"

[[person]]
name = "ops-room"
telegram_chat_id = -1001234567890

[[schedule]]
name = "primary"
time_zone = "Europe/Madrid"

[[schedule.layer]]
name = "weekly"
people = ["alice", "ops-room"]
rotation = "weekly"
handoff = "10:30"
handoff_day = "Monday"
start = 2026-03-04

[[schedule.layer]]
name = "nights"
people = ["ops-room"]
rotation = "12h"
handoff = 22:00:00
start = "2026-03-02 22:00"
active_days = ["mon", "tue", "wed", "thu"]
active_hours = "22:00 - 07:00"

[[schedule.override]]
person = "ops-room"
start = "2026-03-29 01:00"
end = "2026-03-29T03:30:00+02:00"

[business_hours]
time_zone = "America/New_York"
weekdays = ["mon", "tue", "wed", "thu"]
start = "08:30"
end = "24:00"
holidays = [2026-12-25, "2026-07-03", 2026-01-01]
)");
    ASSERT_EQ(c.people.size(), 2u);
    const PersonConfig& a = c.people[0];
    EXPECT_EQ(a.name, "alice");
    EXPECT_EQ(a.display_name, "Alice Martín");
    EXPECT_EQ(a.email, "alice.martin+oncall@mail.example.com");
    EXPECT_EQ(a.telegram_chat_id, 123456789);
    EXPECT_EQ(a.quiet_hours, (DailyHours{22h, 7h}));
    EXPECT_EQ(a.time_zone, "Europe/Madrid");
    const PersonConfig& o = c.people[1];
    EXPECT_EQ(o.display_name, "ops-room");
    EXPECT_EQ(o.email, "");
    EXPECT_EQ(o.telegram_chat_id, -1001234567890);
    EXPECT_EQ(o.quiet_hours, std::nullopt);
    EXPECT_EQ(o.time_zone, "UTC");

    ASSERT_EQ(c.schedules.size(), 1u);
    const ScheduleConfig& s = c.schedules[0];
    EXPECT_EQ(s.name, "primary");
    EXPECT_EQ(s.time_zone, "Europe/Madrid");
    ASSERT_EQ(s.layers.size(), 2u);
    const ScheduleLayerConfig& weekly = s.layers[0];
    EXPECT_EQ(weekly.name, "weekly");
    EXPECT_EQ(weekly.people, (std::vector<std::string>{"alice", "ops-room"}));
    EXPECT_EQ(weekly.rotation, 168h);
    EXPECT_EQ(weekly.handoff, 10h + 30min);
    EXPECT_EQ(weekly.handoff_day, 1);
    EXPECT_EQ(weekly.start_local, local(2026, 3, 4, 10, 30));  // a date starts at the handoff
    EXPECT_TRUE(weekly.active_days.empty());
    EXPECT_EQ(weekly.active_hours, std::nullopt);
    const ScheduleLayerConfig& nights = s.layers[1];
    EXPECT_EQ(nights.rotation, 12h);
    EXPECT_EQ(nights.handoff, 22h);
    EXPECT_EQ(nights.handoff_day, std::nullopt);
    EXPECT_EQ(nights.start_local, local(2026, 3, 2, 22, 0));
    EXPECT_EQ(nights.active_days, (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(nights.active_hours, (DailyHours{22h, 7h}));
    ASSERT_EQ(s.overrides.size(), 1u);
    EXPECT_EQ(s.overrides[0].person, "ops-room");
    EXPECT_EQ(s.overrides[0].start, utc(2026, 3, 29, 0, 0));  // 01:00 CET
    EXPECT_EQ(s.overrides[0].end, utc(2026, 3, 29, 1, 30));   // 03:30 CEST

    const BusinessHoursConfig& b = c.business_hours;
    EXPECT_EQ(b.time_zone, "America/New_York");
    EXPECT_EQ(b.weekdays, (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(b.start, 8h + 30min);
    EXPECT_EQ(b.end, 24h);
    EXPECT_EQ(b.holidays, (std::vector<std::chrono::days>{date(2026, 1, 1), date(2026, 7, 3), date(2026, 12, 25)}));
    testing::expect_round_trip(c);

    const std::string printed = to_toml(c);
    EXPECT_NE(printed.find("start = '2026-03-29T01:00:00+01:00'"), std::string::npos) << printed;
    EXPECT_NE(printed.find("end = '2026-03-29T03:30:00+02:00'"), std::string::npos) << printed;
    EXPECT_NE(printed.find("start = '2026-03-04T10:30:00'"), std::string::npos) << printed;
    EXPECT_NE(printed.find("handoff_day = 'mon'"), std::string::npos) << printed;
    EXPECT_NE(printed.find("holidays = [ 2026-01-01, 2026-07-03, 2026-12-25 ]"), std::string::npos) << printed;
}

TEST(OncallConfig, Defaults) {
    Config c = load_ok(k_people + R"(
[[schedule]]
name = "primary"

[[schedule.layer]]
people = ["alice", "bob"]
start = "2026-03-05"
)");
    const ScheduleConfig& s = c.schedules.at(0);
    EXPECT_EQ(s.time_zone, "UTC");
    const ScheduleLayerConfig& l = s.layers.at(0);
    EXPECT_EQ(l.name, "layer 1");
    EXPECT_EQ(l.rotation, 168h);
    EXPECT_EQ(l.handoff, 9h);
    EXPECT_EQ(l.handoff_day, 4);  // 2026-03-05 is a Thursday
    EXPECT_EQ(l.start_local, local(2026, 3, 5, 9, 0));
    EXPECT_TRUE(s.overrides.empty());
    EXPECT_EQ(c.people.at(0).display_name, "alice");
    EXPECT_EQ(c.business_hours, BusinessHoursConfig{});
    EXPECT_EQ(c.business_hours.weekdays, (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_EQ(c.business_hours.start, 9h);
    EXPECT_EQ(c.business_hours.end, 17h);
    testing::expect_round_trip(c);
    // Without any of the sections, --print still shows [business_hours].
    Config empty = load_ok("");
    EXPECT_TRUE(empty.people.empty());
    EXPECT_TRUE(empty.schedules.empty());
    EXPECT_NE(to_toml(empty).find("[business_hours]"), std::string::npos);
    testing::expect_round_trip(empty);

    // Daily and custom rotations have no handoff day.
    c = load_ok(k_people +
                "[[schedule]]\nname = \"s\"\n[[schedule.layer]]\npeople = [\"bob\"]\nrotation = \"daily\"\n"
                "start = 2026-03-05T08:00:00Z\n");
    EXPECT_EQ(c.schedules.at(0).layers.at(0).rotation, 24h);
    EXPECT_EQ(c.schedules.at(0).layers.at(0).handoff_day, std::nullopt);
    EXPECT_EQ(c.schedules.at(0).layers.at(0).start_local, local(2026, 3, 5, 8, 0));
    testing::expect_round_trip(c);
}

TEST(OncallConfig, PersonMistakes) {
    EXPECT_EQ(problems("[[person]]\nname = \"alice\"\n"),
              std::vector<std::string>{
                  f + ":1:1: person[0]: missing \"email\" or \"telegram_chat_id\": say how to reach \"alice\""});
    EXPECT_EQ(problems("[[person]]\nemail = \"a@example.com\"\n"),
              std::vector<std::string>{f + ":1:1: person[0]: missing required key \"name\""});
    EXPECT_EQ(problems(k_people + "[[person]]\nname = \"alice\"\nemail = \"a2@example.com\"\n"),
              std::vector<std::string>{
                  f + ":9:8: person[2].name: duplicate person name \"alice\" (first defined on line 2)"});
    const std::string head = "[[person]]\nname = \"a\"\n";
    const std::string usage = " (use a bare address such as alice@example.com)";
    auto email = [&](const std::string& value) { return problems(head + "email = \"" + value + "\"\n"); };
    auto at = [&](const std::string& message) {
        return std::vector<std::string>{f + ":3:9: person[0].email: " + message};
    };
    EXPECT_EQ(email("alice.example.com"), at("invalid email address \"alice.example.com\": missing \"@\"" + usage));
    EXPECT_EQ(email("alice@"), at("invalid email address \"alice@\": nothing after \"@\"" + usage));
    EXPECT_EQ(email("@example.com"), at("invalid email address \"@example.com\": nothing before \"@\"" + usage));
    EXPECT_EQ(email("a@b@example.com"), at("invalid email address \"a@b@example.com\": more than one \"@\"" + usage));
    EXPECT_EQ(email("Alice <alice@example.com>"),
              at("invalid email address \"Alice <alice@example.com>\": spaces are not allowed" + usage));
    EXPECT_EQ(email("alice(work)@example.com"),
              at("invalid email address \"alice(work)@example.com\": \"(\" is not allowed before \"@\"" + usage));
    EXPECT_EQ(email("alice..m@example.com"),
              at("invalid email address \"alice..m@example.com\": dots before \"@\" must separate words" + usage));
    EXPECT_EQ(email("alice@example..com"),
              at("invalid email address \"alice@example..com\": invalid domain \"example..com\"" + usage));
    EXPECT_EQ(email("alice@-example.com"),
              at("invalid email address \"alice@-example.com\": invalid domain \"-example.com\"" + usage));
    EXPECT_EQ(email("alicé@example.com"),
              at("invalid email address \"alicé@example.com\": only ASCII addresses are supported"));
    EXPECT_EQ(email("root@localhost"), std::vector<std::string>{});

    EXPECT_EQ(problems(head + "telegram_chat_id = 0\n"),
              std::vector<std::string>{f + ":3:20: person[0].telegram_chat_id: must not be 0 (a user's chat id is "
                                           "positive, a group's negative)"});
    EXPECT_EQ(problems(head + "telegram_chat_id = \"-100123\"\n"),
              std::vector<std::string>{f + ":3:20: person[0].telegram_chat_id: expected an integer, got a string"});
    EXPECT_EQ(problems(head + "email = \"a@example.com\"\ntime_zone = \"Europe/Madird\"\nquiet_hours = \"22-7\"\n"
                              "emial = \"x\"\n"),
              (std::vector<std::string>{
                  f + ":4:13: person[0].time_zone: unknown time zone \"Europe/Madird\" (use an IANA name such as "
                      "\"Europe/Madrid\" or \"UTC\"); did you mean \"Europe/Madrid\"?",
                  f + ":5:15: person[0].quiet_hours: invalid time range \"22-7\": invalid time of day \"22\" (use "
                      "HH:MM, e.g. 09:00)",
                  f + ":6:1: person[0].emial: unknown key; did you mean \"email\"?"}));
}

TEST(OncallConfig, TimesOfDayAndRanges) {
    const std::string head = "[[person]]\nname = \"a\"\nemail = \"a@example.com\"\n";
    auto quiet = [&](const std::string& value) { return problems(head + "quiet_hours = \"" + value + "\"\n"); };
    auto at = [&](const std::string& message) {
        return std::vector<std::string>{f + ":4:15: person[0].quiet_hours: " + message};
    };
    EXPECT_EQ(quiet("22:00-25:00"),
              at("invalid time range \"22:00-25:00\": invalid time of day \"25:00\" (use HH:MM, e.g. 09:00)"));
    EXPECT_EQ(quiet("9:00-17:00"),
              at("invalid time range \"9:00-17:00\": invalid time of day \"9:00\" (use HH:MM, e.g. 09:00)"));
    EXPECT_EQ(quiet("24:00-07:00"),
              at("invalid time range \"24:00-07:00\": 24:00 can only end a span of time (use 00:00)"));
    EXPECT_EQ(quiet("09:00-09:00"), at("invalid time range \"09:00-09:00\": it starts and ends at the same time (use "
                                       "\"00:00-24:00\" for the whole day)"));
    EXPECT_EQ(quiet("00:00-24:00"), std::vector<std::string>{});
    EXPECT_EQ(load_ok(head + "quiet_hours = \"23:30-24:00\"\n").people.at(0).quiet_hours,
              (DailyHours{23h + 30min, 24h}));
}

// Lines 1-7, then the schedule on lines 8-9.
const std::string k_schedule = k_people + "[[schedule]]\nname = \"primary\"\n";

TEST(OncallConfig, LayerMistakes) {
    EXPECT_EQ(problems(k_schedule),
              std::vector<std::string>{f + ":8:1: schedule[0]: missing [[schedule.layer]]: a schedule needs at least "
                                           "one layer of people taking turns"});
    const std::string layer = "[[schedule.layer]]\n";  // line 10
    EXPECT_EQ(problems(k_schedule + layer),
              (std::vector<std::string>{f + ":10:1: schedule[0].layer[0]: missing required key \"people\"",
                                        f + ":10:1: schedule[0].layer[0]: missing required key \"start\""}));
    const std::string start = "start = \"2026-03-02\"\n";  // line 11
    EXPECT_EQ(problems(k_schedule + layer + start + "people = [\"alice\", \"bobb\", \"carol\"]\n"),
              (std::vector<std::string>{
                  f + ":12:20: schedule[0].layer[0].people[1]: unknown person \"bobb\"; did you mean \"bob\"?",
                  f + ":12:28: schedule[0].layer[0].people[2]: unknown person \"carol\""}));
    EXPECT_EQ(problems("[[schedule]]\nname = \"s\"\n[[schedule.layer]]\nstart = 2026-03-02\npeople = [\"alice\"]\n"),
              std::vector<std::string>{
                  f + ":5:11: schedule[0].layer[0].people[0]: unknown person \"alice\" (no person is defined)"});
    EXPECT_EQ(problems(k_schedule + layer + start + "people = []\n"),
              std::vector<std::string>{f + ":12:10: schedule[0].layer[0].people: must list at least one person"});

    const std::string body = k_schedule + layer + start + "people = [\"alice\"]\n";  // then line 13
    auto at = [&](const std::string& key, int column, const std::string& message) {
        return std::vector<std::string>{f + ":13:" + std::to_string(column) + ": schedule[0].layer[0]." + key + ": " +
                                        message};
    };
    const std::string rotation_usage = " (use \"daily\", \"weekly\" or a duration such as \"3d\", \"12h\" or \"2w\")";
    EXPECT_EQ(problems(body + "rotation = \"weakly\"\n"),
              at("rotation", 12, "invalid rotation \"weakly\"" + rotation_usage + "; did you mean \"weekly\"?"));
    EXPECT_EQ(problems(body + "rotation = \"fortnightly\"\n"),
              at("rotation", 12, "invalid rotation \"fortnightly\"" + rotation_usage));
    EXPECT_EQ(problems(body + "rotation = \"30m\"\n"), at("rotation", 12, "must be at least 1h, got 30m"));
    EXPECT_EQ(problems(body + "rotation = \"53w\"\n"), at("rotation", 12, "must be at most 52w, got 53w"));
    EXPECT_EQ(problems(body + "rotation = \"1h30s\"\n"), at("rotation", 12, "must be whole minutes, got 1h30s"));
    EXPECT_EQ(problems(body + "rotation = 7\n"),
              at("rotation", 12,
                 "expected \"daily\", \"weekly\" or a duration such as \"3d\", \"12h\" or \"2w\", got an integer"));
    EXPECT_EQ(problems(body + "handoff = \"9am\"\n"),
              at("handoff", 11, "invalid time of day \"9am\" (use HH:MM, e.g. 09:00)"));
    EXPECT_EQ(problems(body + "handoff = \"24:00\"\n"),
              at("handoff", 11, "24:00 can only end a span of time (use 00:00)"));
    EXPECT_EQ(problems(body + "handoff = 09:00:30\n"),
              at("handoff", 11, "seconds are not supported (use HH:MM, e.g. 09:00)"));
    EXPECT_EQ(problems(body + "handoff = 9\n"),
              at("handoff", 11, "expected a time of day such as \"09:00\", got an integer"));
    EXPECT_EQ(
        problems(body + "handoff_day = \"mnday\"\n"),
        at("handoff_day", 15,
           "invalid weekday \"mnday\" (expected \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" or \"sun\"); "
           "did you mean \"mon\"?"));
    EXPECT_EQ(problems(body + "handoff_day = \"mon\"\nrotation = \"3d\"\n"),
              at("handoff_day", 15,
                 "only applies to rotations of whole weeks (\"weekly\", \"2w\"); this layer rotates every 3d"));
    load_ok(body + "handoff_day = \"fri\"\nrotation = \"2w\"\n");
    EXPECT_EQ(
        problems(body + "active_days = [\"mon\", \"funday\"]\n"),
        std::vector<std::string>{f + ":13:23: schedule[0].layer[0].active_days[1]: invalid weekday \"funday\" "
                                     "(expected \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" or \"sun\"); "
                                     "did you mean \"sun\"?"});
    EXPECT_EQ(problems(body + "active_days = []\n"), at("active_days", 15, "must list at least one day"));
    EXPECT_EQ(problems(body + "active_hours = \"18:00\"\n"),
              at("active_hours", 16,
                 "invalid time range \"18:00\" (use \"HH:MM-HH:MM\", e.g. \"09:00-18:00\" or \"22:00-07:00\")"));
    EXPECT_EQ(problems(body + "restrict = \"mon\"\n"),
              std::vector<std::string>{f + ":13:1: schedule[0].layer[0].restrict: unknown key"});
    EXPECT_EQ(problems(body + "active_hour = \"09:00-17:00\"\n"),
              std::vector<std::string>{
                  f + ":13:1: schedule[0].layer[0].active_hour: unknown key; did you mean \"active_hours\"?"});
}

TEST(OncallConfig, LayerStarts) {
    const std::string body = k_schedule + "[[schedule.layer]]\npeople = [\"alice\"]\n";  // start on line 12
    const std::string usage =
        " (use \"YYYY-MM-DD\" to start at the handoff time that day, \"YYYY-MM-DD HH:MM[:SS]\" for a wall-clock time "
        "in the schedule's time_zone, or an instant such as \"2026-03-29T00:30:00Z\")";
    auto at = [&](const std::string& message) {
        return std::vector<std::string>{f + ":12:9: schedule[0].layer[0].start: " + message};
    };
    EXPECT_EQ(problems(body + "start = \"next monday\"\n"), at("invalid date and time \"next monday\"" + usage));
    EXPECT_EQ(problems(body + "start = \"2026-02-30\"\n"), at("invalid date \"2026-02-30\": no such date"));
    EXPECT_EQ(problems(body + "start = \"2026-02-03 25:00\"\n"),
              at("invalid date and time \"2026-02-03 25:00\": no such time of day"));
    EXPECT_EQ(problems(body + "start = 12:00:00\n"),
              at("expected a date such as \"2026-03-02\" or a date and time, got a time"));
    // An instant is the schedule's wall clock: 08:00 UTC is 09:00 in Madrid.
    Config c = load_ok(k_people +
                       "[[schedule]]\nname = \"s\"\ntime_zone = \"Europe/Madrid\"\n[[schedule.layer]]\n"
                       "people = [\"alice\"]\nstart = \"2026-03-02T08:00:00Z\"\n");
    EXPECT_EQ(c.schedules.at(0).layers.at(0).start_local, local(2026, 3, 2, 9, 0));
    EXPECT_EQ(c.schedules.at(0).layers.at(0).handoff_day, 1);
}

TEST(OncallConfig, ScheduleMistakes) {
    const std::string layer = "[[schedule.layer]]\npeople = [\"alice\"]\nstart = 2026-03-02\n";
    EXPECT_EQ(problems(k_people + "[[schedule]]\n" + layer),
              std::vector<std::string>{f + ":8:1: schedule[0]: missing required key \"name\""});
    EXPECT_EQ(problems(k_schedule + "time_zone = \"America/New_Yrok\"\n" + layer),
              std::vector<std::string>{f + ":10:13: schedule[0].time_zone: unknown time zone \"America/New_Yrok\" (use "
                                           "an IANA name such as \"Europe/Madrid\" or \"UTC\"); did you mean "
                                           "\"America/New_York\"?"});
    EXPECT_EQ(problems(k_schedule + layer + "name = \"weekly\"\n" + layer + "name = \"weekly\"\n" +
                       k_schedule.substr(k_people.size()) + layer),
              (std::vector<std::string>{
                  f + ":17:8: schedule[0].layer[1].name: duplicate layer name \"weekly\" (first defined on line 13)",
                  f + ":19:8: schedule[1].name: duplicate schedule name \"primary\" (first defined on line 9)"}));
    EXPECT_EQ(problems(k_schedule + "layers = []\n" + layer),
              std::vector<std::string>{f + ":10:1: schedule[0].layers: unknown key; did you mean \"layer\"?"});
    EXPECT_EQ(problems(k_schedule + "layer = []\n"),
              std::vector<std::string>{f + ":10:9: schedule[0].layer: must have at least one layer"});
}

TEST(OncallConfig, OverrideMistakes) {
    // The schedule and its layer take lines 8-13; overrides from line 14.
    const std::string body = k_schedule +
                             "time_zone = \"Europe/Madrid\"\n[[schedule.layer]]\npeople = [\"alice\"]\n"
                             "start = 2026-03-02\n";
    const std::string o = "[[schedule.override]]\n";
    EXPECT_EQ(problems(body + o),
              (std::vector<std::string>{f + ":14:1: schedule[0].override[0]: missing required key \"person\"",
                                        f + ":14:1: schedule[0].override[0]: missing required key \"start\"",
                                        f + ":14:1: schedule[0].override[0]: missing required key \"end\""}));
    EXPECT_EQ(problems(body + o + "person = \"alcie\"\nstart = \"2026-03-04 18:00\"\nend = \"2026-03-05 09:00\"\n"),
              std::vector<std::string>{
                  f + ":15:10: schedule[0].override[0].person: unknown person \"alcie\"; did you mean \"alice\"?"});
    EXPECT_EQ(problems(body + o + "person = \"bob\"\nstart = \"2026-03-04 18:00\"\nend = \"2026-03-04 18:00\"\n"),
              std::vector<std::string>{f + ":17:7: schedule[0].override[0].end: must be after start"});
    // 18:00 in Madrid is 17:00 UTC.
    EXPECT_EQ(problems(body + o + "person = \"bob\"\nstart = \"2026-03-04 18:00\"\nend = \"2026-03-04T17:00:00Z\"\n"),
              std::vector<std::string>{f + ":17:7: schedule[0].override[0].end: must be after start"});
    EXPECT_EQ(problems(body + o + "person = \"bob\"\nstart = \"2026-03-04\"\nend = 2026-03-05\n"),
              (std::vector<std::string>{
                  f + ":16:9: schedule[0].override[0].start: invalid date and time \"2026-03-04\" (use \"YYYY-MM-DD "
                      "HH:MM[:SS]\" for a wall-clock time in time_zone, or an instant such as \"2026-03-29T00:30:00Z\" "
                      "or \"2026-03-29T02:30:00+02:00\")",
                  f + ":17:7: schedule[0].override[0].end: expected a date and time such as \"2026-03-29 01:30\", got "
                      "a date"}));
    const std::string first = o + "person = \"bob\"\nstart = \"2026-03-04 18:00\"\nend = \"2026-03-05 09:00\"\n";
    EXPECT_EQ(
        problems(body + first + o + "person = \"alice\"\nstart = \"2026-03-05 08:00\"\nend = \"2026-03-06 09:00\"\n"),
        std::vector<std::string>{f + ":20:9: schedule[0].override[1].start: overlaps override[0] (bob, "
                                     "2026-03-04 18:00 to 2026-03-05 09:00); overrides of one schedule must not "
                                     "overlap"});
    // Touching is not overlapping.
    load_ok(body + first + o + "person = \"alice\"\nstart = \"2026-03-05 09:00\"\nend = \"2026-03-06 09:00\"\n");
}

TEST(OncallConfig, BusinessHoursMistakes) {
    const std::string head = "[business_hours]\n";
    EXPECT_EQ(problems(head + "start = \"18:00\"\nend = \"09:00\"\n"),
              std::vector<std::string>{
                  f + ":3:7: business_hours.end: must be after start (18:00): business hours cannot cross midnight"});
    EXPECT_EQ(problems(head + "start = \"17:00\"\n"),
              std::vector<std::string>{f + ":2:9: business_hours.start: must be before end (17:00, the default): "
                                           "business hours cannot cross midnight"});
    EXPECT_EQ(
        problems(head + "start = \"24:00\"\n"),
        std::vector<std::string>{f + ":2:9: business_hours.start: 24:00 can only end a span of time (use 00:00)"});
    EXPECT_EQ(problems(head + "weekdays = []\n"),
              std::vector<std::string>{f + ":2:12: business_hours.weekdays: must list at least one day"});
    EXPECT_EQ(problems(head + "holidays = [2026-12-25, \"2026-13-01\", 5, \"2026-12-25\"]\n"),
              (std::vector<std::string>{
                  f + ":2:25: business_hours.holidays[1]: invalid date \"2026-13-01\" (use YYYY-MM-DD)",
                  f + ":2:39: business_hours.holidays[2]: expected a date such as 2026-12-25, got an integer",
                  f + ":2:42: business_hours.holidays[3]: \"2026-12-25\" is listed twice"}));
    EXPECT_EQ(problems(head + "holidays = \"2026-12-25\"\n"),
              std::vector<std::string>{f + ":2:12: business_hours.holidays: expected an array of dates such as "
                                           "[2026-12-25], got a string"});
    EXPECT_EQ(
        problems(head + "time_zone = \"Madrid\"\nopen = \"09:00\"\n"),
        (std::vector<std::string>{f + ":2:13: business_hours.time_zone: unknown time zone \"Madrid\" (use an IANA "
                                      "name such as \"Europe/Madrid\" or \"UTC\")",
                                  f + ":3:1: business_hours.open: unknown key"}));
    EXPECT_EQ(problems("[bussiness_hours]\n"),
              std::vector<std::string>{f + ":1:2: bussiness_hours: unknown section; did you mean \"business_hours\"?"});
}

}  // namespace
}  // namespace tocsin::config
