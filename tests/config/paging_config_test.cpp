// Paging configuration: cadences, the paging keys of [severity.NAME] with
// [[severity.NAME.escalation]], the default tiers' cadence (seed 004),
// [channel.email], [channel.telegram], [channel.webhook] and [paging]: every
// key, the --print round trip, and each mistake located at its line and
// column with the exact key path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "config_test_support.hpp"
#include "sections.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/config/rule_reader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;
using testing::diagnostic_strings;
using testing::expect_round_trip;
using testing::fake_env;
using testing::load_ok;
using testing::problems;

const std::string& f = testing::k_test_file;

std::vector<std::string> one(const std::string& where, const std::string& message) {
    return {f + ":" + where + ": " + message};
}

// The problems of a text defining [severity.P1], with [severity.P2] added
// at its end so that the [incidents] defaults (P2, P1) name tiers.
std::vector<std::string> tier_problems(const std::string& text) {
    return problems(text + "\n[severity.P2]\nrank = 2\n");
}

// ---- cadences ----

struct GoodCadence {
    std::string text;
    Cadence expected;
    std::string printed;
};

TEST(Cadence, AcceptedForms) {
    const std::vector<GoodCadence> cases = {
        {"30m", Cadence::wall(30min), "30m"},
        {"1h30m", Cadence::wall(90min), "1h30m"},
        {"90s", Cadence::wall(90s), "1m30s"},
        {"1d", Cadence::wall(24h), "1d"},
        {"4 business hours", Cadence::business(4h), "4h business"},
        {"1 business hour", Cadence::business(1h), "1h business"},
        {"1.5 business hours", Cadence::business(90min), "1h30m business"},
        {"0.25 business hours", Cadence::business(15min), "15m business"},
        {"2.50 business hours", Cadence::business(150min), "2h30m business"},
        {"8 business hours", Cadence::business(8h), "8h business"},
        {"90 business minutes", Cadence::business(90min), "1h30m business"},
        {"1 business minute", Cadence::business(1min), "1m business"},
        {"0.5 business minutes", Cadence::business(30s), "30s business"},
        {"4h business", Cadence::business(4h), "4h business"},
        {"1h30m business", Cadence::business(90min), "1h30m business"},
        {"  4h   business ", Cadence::business(4h), "4h business"},
        {"4 Business Hours", Cadence::business(4h), "4h business"},
        {"1 business day", Cadence::business_days_of(1), "1 business day"},
        {"1 business days", Cadence::business_days_of(1), "1 business day"},
        {"5 business days", Cadence::business_days_of(5), "5 business days"},
        {"365 business days", Cadence::business_days_of(365), "365 business days"},
        {"52w", Cadence::wall(24h * 7 * 52), "52w"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto parsed = parse_cadence(c.text);
        ASSERT_TRUE(std::holds_alternative<Cadence>(parsed)) << std::get<std::string>(parsed);
        EXPECT_EQ(std::get<Cadence>(parsed), c.expected);
        EXPECT_EQ(to_string(c.expected), c.printed);
        // What to_string prints reads back the same.
        auto again = parse_cadence(to_string(c.expected));
        ASSERT_TRUE(std::holds_alternative<Cadence>(again));
        EXPECT_EQ(std::get<Cadence>(again), c.expected);
    }
}

TEST(Cadence, RefusedForms) {
    const std::string usage =
        " (use a duration such as \"30m\" or \"1h30m\", business time such as \"4 business hours\", "
        "\"1.5 business hours\" or \"4h business\", or business days such as \"1 business day\" or "
        "\"5 business days\")";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "invalid cadence \"\"" + usage},
        {"soon", "invalid cadence \"soon\"" + usage},
        {"30 minutes", "invalid cadence \"30 minutes\"" + usage},
        {"4 business", "invalid cadence \"4 business\"" + usage},
        {"4h business hours", "invalid cadence \"4h business hours\"" + usage},
        {"4 business weeks", "invalid cadence \"4 business weeks\"" + usage},
        {"4 office hours", "invalid cadence \"4 office hours\"" + usage},
        {"4 buisness hours", "invalid cadence \"4 buisness hours\"" + usage + "; did you mean \"4 business hours\"?"},
        {"4h bussiness", "invalid cadence \"4h bussiness\"" + usage + "; did you mean \"4h business\"?"},
        {"4 buisness weeks", "invalid cadence \"4 buisness weeks\"" + usage},
        {".5 business hours", "invalid cadence \".5 business hours\"" + usage},
        {"1.5.2 business hours", "invalid cadence \"1.5.2 business hours\"" + usage},
        {"1h business day", "invalid cadence \"1h business day\"" + usage},
        {"1 business day please", "invalid cadence \"1 business day please\"" + usage},
        {"0m", "must be longer than 0, got \"0m\""},
        {"0s", "must be longer than 0, got \"0s\""},
        {"-30m", "must be longer than 0, got \"-30m\""},
        {"0 business hours", "must be longer than 0, got \"0 business hours\""},
        {"0.0 business hours", "must be longer than 0, got \"0.0 business hours\""},
        {"0h business", "must be longer than 0, got \"0h business\""},
        {"-4 business hours", "must be longer than 0, got \"-4 business hours\""},
        {"0 business days", "must be longer than 0, got \"0 business days\""},
        {"-1 business day", "must be longer than 0, got \"-1 business day\""},
        {"1.5 business days",
         "business days must be a whole number, got \"1.5 business days\" (use e.g. \"2 business days\", or business "
         "hours such as \"12 business hours\")"},
        {"1.0000001 business hours",
         "\"1.0000001 business hours\" is not a whole number of milliseconds (use fewer decimals)"},
        {"53w", "must be at most 52w, got \"53w\""},
        {"9000 business hours", "must be at most 52w, got \"9000 business hours\""},
        {"9999999 business hours", "must be at most 52w, got \"9999999 business hours\""},
        {"366 business days", "must be at most 365 business days, got \"366 business days\""},
        {"99999999999 business days", "must be at most 365 business days, got \"99999999999 business days\""},
    };
    for (const auto& [text, message] : cases) {
        SCOPED_TRACE(text);
        auto parsed = parse_cadence(text);
        ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << to_string(std::get<Cadence>(parsed));
        EXPECT_EQ(std::get<std::string>(parsed), message);
    }
}

TEST(Cadence, ErrorsNameTheKey) {
    const std::string head = "[severity.P1]\nrank = 1\n";
    EXPECT_EQ(tier_problems(head + "ack_within = \"0m\"\n"),
              one("3:14", "severity.P1.ack_within: must be longer than 0, got \"0m\""));
    EXPECT_EQ(tier_problems(head + "update_every = \"hourly\"\n"),
              one("3:16",
                  "severity.P1.update_every: invalid cadence \"hourly\" (use a duration such as \"30m\" or \"1h30m\", "
                  "business time such as \"4 business hours\", \"1.5 business hours\" or \"4h business\", or "
                  "business days such as \"1 business day\" or \"5 business days\")"));
    EXPECT_EQ(tier_problems(head + "resolve_within = 8\n"),
              one("3:18", "severity.P1.resolve_within: expected a cadence such as \"30m\", \"4 business hours\" or "
                          "\"1 business day\", got an integer"));
    EXPECT_EQ(tier_problems(head + "resolve_within = \"-1 business day\"\n"),
              one("3:18", "severity.P1.resolve_within: must be longer than 0, got \"-1 business day\""));
}

// ---- default tiers ----

TEST(PagingDefaults, DefaultTiersHaveTheSeedsCadence) {
    const auto tiers = default_severities();
    ASSERT_EQ(tiers.size(), 4u);
    const SeverityConfig& p0 = tiers[0];
    EXPECT_EQ(p0.name, "P0");
    EXPECT_EQ(p0.ack_within, Cadence::wall(30min));
    EXPECT_EQ(p0.repage_every, std::optional<Duration>(5min));
    EXPECT_EQ(p0.update_every, Cadence::wall(1h));
    EXPECT_EQ(p0.resolve_within, std::nullopt);
    EXPECT_EQ(p0.channels, (std::vector<std::string>{"telegram", "email"}));
    EXPECT_EQ(p0.hours, PagingHours::always);
    EXPECT_EQ(p0.repeat, 0);
    EXPECT_TRUE(p0.escalation.empty());

    const SeverityConfig& p1 = tiers[1];
    EXPECT_EQ(p1.name, "P1");
    EXPECT_EQ(p1.ack_within, Cadence::wall(30min));
    EXPECT_EQ(p1.repage_every, std::nullopt);
    EXPECT_EQ(p1.update_every, Cadence::wall(1h));
    EXPECT_EQ(p1.resolve_within, Cadence::business(8h));
    EXPECT_EQ(p1.channels, (std::vector<std::string>{"telegram", "email"}));
    EXPECT_EQ(p1.hours, PagingHours::always);

    const SeverityConfig& p2 = tiers[2];
    EXPECT_EQ(p2.name, "P2");
    EXPECT_EQ(p2.ack_within, Cadence::business(4h));
    EXPECT_EQ(p2.repage_every, std::nullopt);
    EXPECT_EQ(p2.update_every, Cadence::business_days_of(1));
    EXPECT_EQ(p2.resolve_within, Cadence::business_days_of(5));
    EXPECT_EQ(p2.channels, (std::vector<std::string>{"email"}));
    EXPECT_EQ(p2.hours, PagingHours::business);

    EXPECT_EQ(tiers[3].name, "declassified");
    EXPECT_FALSE(tiers[3].page);

    // --print shows them and reads them back.
    Config c = load_ok("");
    EXPECT_EQ(c.severities, tiers);
    const std::string printed = to_toml(c);
    for (const char* line : {"ack_within = '4h business'", "update_every = '1 business day'",
                             "resolve_within = '5 business days'", "resolve_within = '8h business'",
                             "repage_every = '5m'", "hours = 'business'", "channels = [ 'email' ]"}) {
        EXPECT_NE(printed.find(line), std::string::npos) << line << "\n" << printed;
    }
    expect_round_trip(c);
}

TEST(PagingDefaults, AnOmittedKeyTakesTheStructDefaultNotTheDefaultTiers) {
    Config c = load_ok("[severity.P2]\nrank = 2\n[severity.P1]\nrank = 1\n");
    ASSERT_EQ(c.severities.size(), 2u);
    for (const SeverityConfig& tier : c.severities) {
        SCOPED_TRACE(tier.name);
        EXPECT_EQ(tier.ack_within, Cadence::wall(30min));
        EXPECT_EQ(tier.repeat, 0);
        EXPECT_EQ(tier.repage_every, std::nullopt);
        EXPECT_EQ(tier.update_every, std::nullopt);
        EXPECT_EQ(tier.resolve_within, std::nullopt);
        EXPECT_EQ(tier.channels, (std::vector<std::string>{"telegram", "email"}));
        EXPECT_EQ(tier.hours, PagingHours::always);
        EXPECT_TRUE(tier.escalation.empty());
    }
    expect_round_trip(c);
}

TEST(PagingDefaults, NoChannelOrPagingSectionByDefault) {
    Config c = load_ok("");
    EXPECT_EQ(c.channels, ChannelsConfig{});
    EXPECT_FALSE(c.channels.email.has_value());
    EXPECT_FALSE(c.channels.telegram.has_value());
    EXPECT_FALSE(c.channels.webhook.has_value());
    EXPECT_EQ(c.paging, PagingConfig{});
    EXPECT_EQ(c.paging.retry_base, 2s);
    EXPECT_EQ(c.paging.retry_cap, 2min);
    EXPECT_EQ(c.paging.max_attempts, 10);
    EXPECT_EQ(c.paging.max_in_flight, 8u);
    EXPECT_EQ(c.paging.digest_after, 3u);
    EXPECT_EQ(c.paging.public_url, "");
    const std::string printed = to_toml(c);
    EXPECT_EQ(printed.find("[channel"), std::string::npos) << printed;
    EXPECT_NE(printed.find("[paging]"), std::string::npos) << printed;
}

// ---- [severity.NAME] paging keys ----

const std::string k_oncall = R"(
[[person]]
name = "alice"
email = "alice@example.com"

[[person]]
name = "bob"
telegram_chat_id = 12345

[[schedule]]
name = "primary"

[[schedule.layer]]
people = ["alice", "bob"]
start = 2026-03-02

[[schedule]]
name = "secondary"

[[schedule.layer]]
people = ["bob"]
start = 2026-03-02
)";

TEST(SeverityPaging, EveryKey) {
    // The tiers come before the schedules and people they name.
    Config c = load_ok(R"(
[severity.P1]
rank = 1
ack_within = "15m"
repeat = 2
repage_every = "10m"
update_every = "1h30m"
resolve_within = "8 business hours"
channels = ["email", "webhook", "telegram"]
hours = "always"

[[severity.P1.escalation]]
schedules = ["primary"]

[[severity.P1.escalation]]
schedules = ["secondary"]
people = ["alice"]
after = "20m"

[[severity.P1.escalation]]
people = ["bob", "alice"]

[severity.P2]
rank = 2
ack_within = "4 business hours"
update_every = "1 business day"
resolve_within = "5 business days"
channels = []
hours = "business"
)" + k_oncall);
    ASSERT_EQ(c.severities.size(), 2u);
    const SeverityConfig& p1 = c.severities[0];
    EXPECT_EQ(p1.ack_within, Cadence::wall(15min));
    EXPECT_EQ(p1.repeat, 2);
    EXPECT_EQ(p1.repage_every, std::optional<Duration>(10min));
    EXPECT_EQ(p1.update_every, Cadence::wall(90min));
    EXPECT_EQ(p1.resolve_within, Cadence::business(8h));
    EXPECT_EQ(p1.channels, (std::vector<std::string>{"email", "webhook", "telegram"}));
    EXPECT_EQ(p1.hours, PagingHours::always);
    ASSERT_EQ(p1.escalation.size(), 3u);
    EXPECT_EQ(p1.escalation[0], (EscalationLevelConfig{{"primary"}, {}, std::nullopt}));
    EXPECT_EQ(p1.escalation[1], (EscalationLevelConfig{{"secondary"}, {"alice"}, Cadence::wall(20min)}));
    EXPECT_EQ(p1.escalation[2], (EscalationLevelConfig{{}, {"bob", "alice"}, std::nullopt}));

    const SeverityConfig& p2 = c.severities[1];
    EXPECT_EQ(p2.ack_within, Cadence::business(4h));
    EXPECT_EQ(p2.update_every, Cadence::business_days_of(1));
    EXPECT_EQ(p2.resolve_within, Cadence::business_days_of(5));
    EXPECT_TRUE(p2.channels.empty());  // never paged on a channel
    EXPECT_EQ(p2.hours, PagingHours::business);
    EXPECT_TRUE(p2.escalation.empty());
    expect_round_trip(c);

    const std::string printed = to_toml(c);
    EXPECT_NE(printed.find("[[severity.P1.escalation]]"), std::string::npos) << printed;
    EXPECT_NE(printed.find("after = '20m'"), std::string::npos) << printed;
    EXPECT_NE(printed.find("channels = []"), std::string::npos) << printed;
}

TEST(SeverityPaging, KeyMistakes) {
    const std::string head = "[severity.P1]\nrank = 1\n";  // the key on line 3
    EXPECT_EQ(tier_problems(head + "repeat = 101\n"), one("3:10", "severity.P1.repeat: must be between 0 and 100, got 101"));
    EXPECT_EQ(tier_problems(head + "repeat = -1\n"), one("3:10", "severity.P1.repeat: must be between 0 and 100, got -1"));
    EXPECT_EQ(tier_problems(head + "repeat = \"2\"\n"), one("3:10", "severity.P1.repeat: expected an integer, got a string"));
    EXPECT_EQ(tier_problems(head + "repage_every = \"500ms\"\n"),
              one("3:16", "severity.P1.repage_every: must be at least 1s, got 500ms"));
    EXPECT_EQ(tier_problems(head + "repage_every = \"0s\"\n"),
              one("3:16", "severity.P1.repage_every: must be at least 1s, got 0s"));
    EXPECT_EQ(tier_problems(head + "repage_every = \"2w\"\n"),
              one("3:16", "severity.P1.repage_every: must be at most 1w, got 2w"));
    EXPECT_EQ(tier_problems(head + "repage_every = \"4 business hours\"\n"),
              one("3:16", "severity.P1.repage_every: invalid duration \"4 business hours\" (use e.g. 90s, 5m, 1h30m)"));
    EXPECT_EQ(tier_problems(head + "channels = [\"emial\", \"sms\"]\n"),
              (std::vector<std::string>{
                  f + ":3:13: severity.P1.channels[0]: unknown channel \"emial\" (expected \"email\", \"telegram\", \"webhook\" or "
                      "\"console\"); did you mean \"email\"?",
                  f + ":3:22: severity.P1.channels[1]: unknown channel \"sms\" (expected \"email\", \"telegram\", \"webhook\" or "
                      "\"console\")"}));
    EXPECT_EQ(tier_problems(head + "channels = [\"email\", \"telegram\", \"email\"]\n"),
              one("3:34", "severity.P1.channels[2]: \"email\" is listed twice"));
    EXPECT_EQ(tier_problems(head + "channels = \"email\"\n"),
              one("3:12", "severity.P1.channels: expected an array, got a string"));
    EXPECT_EQ(tier_problems(head + "channels = [\"email\", 1]\n"),
              one("3:22", "severity.P1.channels[1]: expected a string, got an integer"));
    EXPECT_EQ(tier_problems(head + "hours = \"weekdays\"\n"),
              one("3:9", "severity.P1.hours: invalid value \"weekdays\" (expected \"always\" or \"business\")"));
    EXPECT_EQ(tier_problems(head + "hours = \"busines\"\n"),
              one("3:9", "severity.P1.hours: invalid value \"busines\" (expected \"always\" or \"business\"); did you "
                         "mean \"business\"?"));
    EXPECT_EQ(tier_problems(head + "ack_whithin = \"10m\"\n"),
              one("3:1", "severity.P1.ack_whithin: unknown key; did you mean \"ack_within\"?"));
    EXPECT_EQ(tier_problems(head + "repage_evry = \"5m\"\n"),
              one("3:1", "severity.P1.repage_evry: unknown key; did you mean \"repage_every\"?"));
}

TEST(SeverityPaging, EscalationMistakes) {
    // [severity.P1] on lines 1-2, the first level from line 3.
    const std::string head = "[severity.P1]\nrank = 1\n[[severity.P1.escalation]]\n";
    EXPECT_EQ(tier_problems(head + "schedules = [\"primary\"]\nafter = \"10m\"\n" + k_oncall),
              one("5:9", "severity.P1.escalation[0].after: the first level is paged when the incident is declared; "
                         "`after` applies from the second level on (the first level has ack_within to acknowledge)"));
    EXPECT_EQ(tier_problems(head + k_oncall.substr(1)),
              one("3:1", "severity.P1.escalation[0]: a level needs at least one schedule or person (schedules = "
                         "[\"primary\"], people = [\"alice\"])"));
    EXPECT_EQ(tier_problems(head + "schedules = []\npeople = []\n" + k_oncall),
              one("3:1", "severity.P1.escalation[0]: a level needs at least one schedule or person (schedules = "
                         "[\"primary\"], people = [\"alice\"])"));
    const std::string level2 = "schedules = [\"primary\"]\n[[severity.P1.escalation]]\n";  // lines 4-5
    EXPECT_EQ(tier_problems(head + level2 + "people = [\"bob\"]\nafter = \"0m\"\n" + k_oncall),
              one("7:9", "severity.P1.escalation[1].after: must be longer than 0, got \"0m\""));
    EXPECT_EQ(tier_problems(head + level2 + "people = [\"bob\"]\nafter = \"2 business hours\"\n" + k_oncall),
              std::vector<std::string>{});
    EXPECT_EQ(tier_problems(head + "schedule = [\"primary\"]\n" + k_oncall),
              (std::vector<std::string>{
                  f + ":3:1: severity.P1.escalation[0]: a level needs at least one schedule or person (schedules = "
                      "[\"primary\"], people = [\"alice\"])",
                  f + ":4:1: severity.P1.escalation[0].schedule: unknown key; did you mean \"schedules\"?"}));
    EXPECT_EQ(tier_problems(head + "people = [\"bob\", \"alice\", \"bob\"]\n" + k_oncall),
              one("4:27", "severity.P1.escalation[0].people[2]: \"bob\" is listed twice"));
    EXPECT_EQ(tier_problems(head + "people = [\"\"]\n" + k_oncall),
              one("4:11", "severity.P1.escalation[0].people[0]: must not be empty"));
    EXPECT_EQ(tier_problems("[severity.P1]\nrank = 1\nescalation = []\n"),
              one("3:14", "severity.P1.escalation: must have at least one level (leave it out to page whoever is on "
                          "call in every [[schedule]])"));
    EXPECT_EQ(tier_problems("[severity.P1]\nrank = 1\nescalation = \"primary\"\n"),
              one("3:14", "severity.P1.escalation: expected an array, got a string"));
}

TEST(SeverityPaging, EscalationNamesMustExist) {
    const std::string text = R"([severity."Tier 1"]
rank = 0
[[severity."Tier 1".escalation]]
schedules = ["primry", "nightly"]
people = ["alcie", "carol"]
)" + k_oncall + "[incidents]\ndefault_severity = \"Tier 1\"\nsecurity_severity = \"Tier 1\"\n";
    EXPECT_EQ(problems(text),
              (std::vector<std::string>{
                  f + ":4:14: severity.\"Tier 1\".escalation[0].schedules[0]: unknown schedule \"primry\"; did you "
                      "mean \"primary\"?",
                  f + ":4:24: severity.\"Tier 1\".escalation[0].schedules[1]: unknown schedule \"nightly\"",
                  f + ":5:11: severity.\"Tier 1\".escalation[0].people[0]: unknown person \"alcie\"; did you mean "
                      "\"alice\"?",
                  f + ":5:20: severity.\"Tier 1\".escalation[0].people[1]: unknown person \"carol\""}));
    // Without any schedule or person, the message says so.
    EXPECT_EQ(tier_problems("[severity.P1]\nrank = 1\n[[severity.P1.escalation]]\nschedules = [\"primary\"]\n"),
              one("4:14", "severity.P1.escalation[0].schedules[0]: unknown schedule \"primary\" (no schedule is "
                          "defined)"));
    // The people and schedules may come before the tiers as well.
    Config c = load_ok(k_oncall + "[severity.P2]\nrank = 2\n[severity.P1]\nrank = 1\n[[severity.P1.escalation]]\n"
                                  "schedules = [\"secondary\"]\n");
    EXPECT_EQ(c.severities.at(0).escalation.at(0).schedules, (std::vector<std::string>{"secondary"}));
    // `tocsin test` scenarios have no [[schedule]]: their tiers' names are not checked there.
    RulesLoadResult rules = load_rules_string(
        "[severity.P2]\nrank = 2\n[severity.P1]\nrank = 1\n[[severity.P1.escalation]]\nschedules = [\"primary\"]\n",
        "scenario.toml");
    EXPECT_TRUE(rules.diagnostics.empty()) << format_diagnostics(rules.diagnostics);
}

// ---- [channel.*] ----

class ChannelConfigTest : public testing::TempDirTest {
protected:
    // Loads `text` as dir()/tocsin.toml; "@DIR@" stands for dir().
    LoadResult load(const std::string& text, std::map<std::string, std::string> env = {}) {
        m_env = fake_env(std::move(env));
        return load_string(testing::replace_all(text, "@DIR@", dir()), file(), m_env);
    }
    std::vector<std::string> problems(const std::string& text, std::map<std::string, std::string> env = {}) {
        return diagnostic_strings(load(text, std::move(env)));
    }
    Config load_ok(const std::string& text, std::map<std::string, std::string> env = {}) {
        LoadResult r = load(text, std::move(env));
        EXPECT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
        return r.config.value_or(Config{});
    }
    // --print loads back to an equal config and prints the same, and never
    // shows `secret_value`.
    void round_trip(const Config& c, const std::string& secret_value) {
        const std::string printed = to_toml(c);
        SCOPED_TRACE(printed);
        EXPECT_EQ(printed.find(secret_value), std::string::npos);
        LoadResult again = load_string(printed, c.source_file, m_env);
        ASSERT_TRUE(again.ok()) << format_diagnostics(again.diagnostics);
        EXPECT_EQ(*again.config, c);
        EXPECT_EQ(to_toml(*again.config), printed);
    }
    std::string file() const { return dir() + "/tocsin.toml"; }
    // "FILE:WHERE: MESSAGE" for this test's file.
    std::vector<std::string> at(const std::string& where, const std::string& message) const {
        return {file() + ":" + where + ": " + message};
    }

    Environment m_env = fake_env();
};

TEST_F(ChannelConfigTest, EmailEveryKey) {
    write_file("smtp-password", "hunter2-smtp\n");
    Config c = load_ok(R"(
[channel.email]
host = "smtp.example.com"
port = 2587
security = "starttls"
username = "tocsin@example.com"
password_file = "smtp-password"
auth = "login"
from = "alerts@example.com"
from_name = "OpenSense alerts"
helo_name = "tocsin.example.com"
connect_timeout = "5s"
command_timeout = "20s"
send_timeout = "1m"

[channel.email.tls]
ca_file = "/etc/ssl/relay-ca.pem"
server_name = "relay.internal"
)");
    ASSERT_TRUE(c.channels.email.has_value());
    const EmailChannelConfig& e = *c.channels.email;
    EXPECT_EQ(e.host, "smtp.example.com");
    EXPECT_EQ(e.port, 2587);
    EXPECT_EQ(e.security, "starttls");
    EXPECT_FALSE(e.insecure_local_relay);
    EXPECT_EQ(e.tls.ca_file, "/etc/ssl/relay-ca.pem");
    EXPECT_EQ(e.tls.server_name, "relay.internal");
    EXPECT_EQ(e.username, "tocsin@example.com");
    ASSERT_TRUE(e.password.has_value());
    EXPECT_EQ(e.password->reveal(), "hunter2-smtp");
    EXPECT_EQ(e.password->source(), "file:" + dir() + "/smtp-password");
    EXPECT_EQ(e.auth, "login");
    EXPECT_FALSE(e.allow_plain_auth_without_tls);
    EXPECT_EQ(e.from, "alerts@example.com");
    EXPECT_EQ(e.from_name, "OpenSense alerts");
    EXPECT_EQ(e.helo_name, "tocsin.example.com");
    EXPECT_EQ(e.connect_timeout, 5s);
    EXPECT_EQ(e.command_timeout, 20s);
    EXPECT_EQ(e.send_timeout, 1min);
    round_trip(c, "hunter2-smtp");
    EXPECT_NE(to_toml(c).find("password_file = '" + dir() + "/smtp-password'"), std::string::npos) << to_toml(c);
}

TEST_F(ChannelConfigTest, EmailDefaults) {
    Config c = load_ok("[channel.email]\nhost = \"smtp.example.com\"\nfrom = \"alerts@example.com\"\n");
    const EmailChannelConfig& e = c.channels.email.value();
    EXPECT_EQ(e.port, 587);
    EXPECT_EQ(e.security, "starttls");
    EXPECT_EQ(e.tls, TlsConfig{});
    EXPECT_EQ(e.username, "");
    EXPECT_FALSE(e.password.has_value());
    EXPECT_EQ(e.auth, "auto");
    EXPECT_EQ(e.from_name, "tocsin");
    EXPECT_EQ(e.helo_name, "localhost");
    EXPECT_EQ(e.connect_timeout, 10s);
    EXPECT_EQ(e.command_timeout, 30s);
    EXPECT_EQ(e.send_timeout, 2min);
    round_trip(c, "\x01");

    // The port follows the security unless given.
    c = load_ok("[channel.email]\nhost = \"smtp.example.com\"\nsecurity = \"tls\"\nfrom = \"a@example.com\"\n"
                "auth = \"plain\"\n");
    EXPECT_EQ(c.channels.email->auth, "plain");
    EXPECT_EQ(c.channels.email->port, 465);
    round_trip(c, "\x01");
    c = load_ok("[channel.email]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\ninsecure_local_relay = true\n"
                "from = \"a@example.com\"\nfrom_name = \"\"\n");
    EXPECT_EQ(c.channels.email->port, 25);
    EXPECT_TRUE(c.channels.email->insecure_local_relay);
    EXPECT_EQ(c.channels.email->from_name, "");
    round_trip(c, "\x01");
}

TEST_F(ChannelConfigTest, EmailPlainTextRelay) {
    // A local relay with AUTH over plain text: every flag said out loud.
    Config c = load_ok(R"([channel.email]
host = "localhost"
port = 1025
security = "none"
insecure_local_relay = true
username = "tocsin"
password = "env:SMTP_PASSWORD"
allow_plain_auth_without_tls = true
auth = "plain"
from = "tocsin@localhost"
)",
                       {{"SMTP_PASSWORD", "relay-pass"}});
    const EmailChannelConfig& e = c.channels.email.value();
    EXPECT_TRUE(e.allow_plain_auth_without_tls);
    EXPECT_EQ(e.password->source(), "env:SMTP_PASSWORD");
    round_trip(c, "relay-pass");
    // With the relay, a username needs no password.
    load_ok("[channel.email]\nhost = \"localhost\"\nsecurity = \"none\"\ninsecure_local_relay = true\n"
            "username = \"tocsin\"\nallow_plain_auth_without_tls = true\nfrom = \"tocsin@localhost\"\n");
}

TEST_F(ChannelConfigTest, EmailMistakes) {
    EXPECT_EQ(problems("[channel.email]\nport = 25\n"),
              (std::vector<std::string>{file() + ":1:1: channel.email: missing required key \"host\"",
                                        file() + ":1:1: channel.email: missing required key \"from\""}));
    const std::string head = "[channel.email]\nhost = \"smtp.example.com\"\nfrom = \"alerts@example.com\"\n";
    // The key under test on line 4.
    EXPECT_EQ(problems(head + "security = \"none\"\n"),
              at("4:12", "channel.email.security: security = \"none\" sends mail and any password in plain text; it "
                         "is only for a relay on this host or a trusted local network: set insecure_local_relay = "
                         "true to say so, or use \"starttls\" or \"tls\""));
    EXPECT_EQ(problems(head + "security = \"startls\"\n"),
              at("4:12", "channel.email.security: invalid value \"startls\" (expected \"starttls\", \"tls\" or "
                         "\"none\"); did you mean \"starttls\"?"));
    EXPECT_EQ(problems(head + "security = \"none\"\ninsecure_local_relay = true\n[channel.email.tls]\n"
                              "ca_file = \"/etc/ca.pem\"\n"),
              at("6:1", "channel.email.tls: only applies with security = \"starttls\" or \"tls\""));
    EXPECT_EQ(problems(head + "port = 0\n"), at("4:8", "channel.email.port: must be between 1 and 65535, got 0"));
    EXPECT_EQ(problems(head + "username = \"tocsin\"\n"),
              at("4:12", "channel.email.username: needs password_file (or password = \"env:NAME\" / \"cred:NAME\")"));
    EXPECT_EQ(problems(head + "password = \"env:SMTP_PASSWORD\"\n", {{"SMTP_PASSWORD", "secret-pass"}}),
              at("4:12", "channel.email.password: a password needs a username"));
    EXPECT_EQ(problems(head + "password = \"hunter2\"\nusername = \"u\"\n"),
              at("4:12", "channel.email.password: inline secrets are not allowed; use password_file = "
                         "\"/etc/tocsin/NAME\" (mode 0600), password = \"env:NAME\" or password = \"cred:NAME\" "
                         "(systemd LoadCredential=)"));
    write_file("open-password", "pw\n", 0644);
    EXPECT_EQ(problems(head + "password_file = \"open-password\"\nusername = \"u\"\n"),
              at("4:17", "channel.email.password_file: secret file \"" + dir() +
                             "/open-password\" has permissions 0644, which lets group or others access it (chmod 600 "
                             "it)"));
    EXPECT_EQ(problems(head + "allow_plain_auth_without_tls = true\n"),
              at("4:32", "channel.email.allow_plain_auth_without_tls: only applies with security = \"none\"; with "
                         "\"starttls\" authentication is always encrypted"));
    EXPECT_EQ(problems(head + "security = \"none\"\ninsecure_local_relay = true\nusername = \"u\"\n"),
              at("6:12", "channel.email.username: authenticating over a plain-text connection (security = \"none\") "
                         "needs allow_plain_auth_without_tls = true"));
    EXPECT_EQ(problems(head + "auth = \"cram-md5\"\n"),
              at("4:8", "channel.email.auth: invalid value \"cram-md5\" (expected \"auto\", \"plain\" or \"login\")"));
    EXPECT_EQ(problems(head + "connect_timeout = \"0s\"\n"),
              at("4:19", "channel.email.connect_timeout: must be at least 100ms, got 0s"));
    EXPECT_EQ(problems(head + "send_timeout = \"2h\"\n"),
              at("4:16", "channel.email.send_timeout: must be at most 1h, got 2h"));
    EXPECT_EQ(problems(head + "helo_name = \"my host\"\n"),
              at("4:13", "channel.email.helo_name: must be a host name without spaces"));
    EXPECT_EQ(problems(head + "from_name = \"a\\r\\nBcc: x@example.com\"\n"),
              at("4:13", "channel.email.from_name: must not contain control characters"));
    EXPECT_EQ(problems(head + "tls_ca = \"x\"\n"), at("4:1", "channel.email.tls_ca: unknown key; did you mean \"tls\"?"));
    EXPECT_EQ(problems(head + "pasword_file = \"x\"\n"),
              at("4:1", "channel.email.pasword_file: unknown key; did you mean \"password_file\"?"));

    const std::string from_head = "[channel.email]\nhost = \"smtp.example.com\"\n";  // from on line 3
    const std::string usage = " (use a bare address such as alice@example.com)";
    EXPECT_EQ(problems(from_head + "from = \"Tocsin <alerts@example.com>\"\n"),
              at("3:8", "channel.email.from: invalid email address \"Tocsin <alerts@example.com>\": spaces are not "
                        "allowed" +
                            usage));
    EXPECT_EQ(problems(from_head + "from = \"<alerts@example.com>\"\n"),
              at("3:8", "channel.email.from: invalid email address \"<alerts@example.com>\": \"<\" is not allowed "
                        "before \"@\"" +
                            usage));
    EXPECT_EQ(problems(from_head + "from = \"alerts@example.com\\r\\nBcc: x@example.com\"\n"),
              at("3:8", "channel.email.from: invalid email address \"alerts@example.com\r\nBcc: x@example.com\": "
                        "control characters are not allowed"));
    EXPECT_EQ(problems(from_head + "from = \"alerts\"\n"),
              at("3:8", "channel.email.from: invalid email address \"alerts\": missing \"@\"" + usage));
}

TEST_F(ChannelConfigTest, TelegramEveryKey) {
    write_file("callback.key", "0123456789abcdef0123456789abcdef\n");
    Config c = load_ok(R"(
[channel.telegram]
api_url = "https://tg-proxy.example.com/"
bot_token = "env:TELEGRAM_BOT_TOKEN"
callback_key_file = "callback.key"
allowed_chat_ids = [-1001234567890, 12345]
allowed_user_ids = [12345, 67890]
poll_updates = false
poll_timeout = "20s"
request_timeout = "5s"

[channel.telegram.tls]
ca_file = "proxy-ca.pem"
)",
                       {{"TELEGRAM_BOT_TOKEN", "123456789:AAHfake-token_value"}});
    const TelegramChannelConfig& t = c.channels.telegram.value();
    EXPECT_EQ(t.api_url, "https://tg-proxy.example.com/");
    EXPECT_EQ(t.bot_token->reveal(), "123456789:AAHfake-token_value");
    EXPECT_EQ(t.bot_token->source(), "env:TELEGRAM_BOT_TOKEN");
    EXPECT_EQ(t.tls.ca_file, dir() + "/proxy-ca.pem");
    EXPECT_EQ(t.callback_key->reveal(), "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(t.allowed_chat_ids, (std::vector<std::int64_t>{-1001234567890, 12345}));
    EXPECT_EQ(t.allowed_user_ids, (std::vector<std::int64_t>{12345, 67890}));
    EXPECT_FALSE(t.poll_updates);
    EXPECT_EQ(t.poll_timeout, 20s);
    EXPECT_EQ(t.request_timeout, 5s);
    round_trip(c, "AAHfake");
    round_trip(c, "0123456789abcdef");
}

TEST_F(ChannelConfigTest, TelegramDefaults) {
    write_file("bot.token", "123:abc\n");
    Config c = load_ok("[channel.telegram]\nbot_token_file = \"bot.token\"\n");
    const TelegramChannelConfig& t = c.channels.telegram.value();
    EXPECT_EQ(t.api_url, "https://api.telegram.org");
    EXPECT_EQ(t.bot_token->source(), "file:" + dir() + "/bot.token");
    EXPECT_EQ(t.tls, TlsConfig{});
    EXPECT_FALSE(t.callback_key.has_value());
    EXPECT_TRUE(t.allowed_chat_ids.empty());
    EXPECT_TRUE(t.allowed_user_ids.empty());
    EXPECT_TRUE(t.poll_updates);
    EXPECT_EQ(t.poll_timeout, 30s);
    EXPECT_EQ(t.request_timeout, 15s);
    round_trip(c, "123:abc");
    // A local Bot API server (or a test fake) may be plain HTTP.
    for (const char* url : {"http://127.0.0.1:8081", "http://[::1]:8081/", "http://localhost:8081",
                            "http://LOCALHOST"}) {
        SCOPED_TRACE(url);
        Config local = load_ok(std::string("[channel.telegram]\nbot_token_file = \"bot.token\"\napi_url = \"") + url +
                               "\"\n");
        EXPECT_EQ(local.channels.telegram->api_url, url);
    }
}

TEST_F(ChannelConfigTest, TelegramMistakes) {
    EXPECT_EQ(problems("[channel.telegram]\npoll_updates = true\n"),
              at("1:1", "channel.telegram: missing required key \"bot_token_file\" (or bot_token = \"env:NAME\" / "
                        "bot_token = \"cred:NAME\")"));
    const std::string head = "[channel.telegram]\nbot_token = \"env:TOKEN\"\n";  // the key under test on line 3
    const std::map<std::string, std::string> env = {{"TOKEN", "123456:ABC-def_ghi"}};
    EXPECT_EQ(problems(head + "api_url = \"http://api.telegram.org\"\n", env),
              at("3:11", "channel.telegram.api_url: http:// is only allowed for a Bot API server on this host "
                         "(127.0.0.1, ::1 or localhost): the bot token travels in the URL; use https://"));
    EXPECT_EQ(problems(head + "api_url = \"http://10.0.0.5:8081\"\n", env),
              at("3:11", "channel.telegram.api_url: http:// is only allowed for a Bot API server on this host "
                         "(127.0.0.1, ::1 or localhost): the bot token travels in the URL; use https://"));
    EXPECT_EQ(problems(head + "api_url = \"ftp://api.telegram.org\"\n", env),
              at("3:11", "channel.telegram.api_url: URL must start with http:// or https://"));
    EXPECT_EQ(problems(head + "api_url = \"http://127.0.0.1:8081\"\n[channel.telegram.tls]\nca_file = \"/x\"\n", env),
              at("4:1", "channel.telegram.tls: only applies to an https:// api_url"));
    EXPECT_EQ(problems("[channel.telegram]\nbot_token = \"123456:ABC\"\n"),
              at("2:13", "channel.telegram.bot_token: inline secrets are not allowed; use bot_token_file = "
                         "\"/etc/tocsin/NAME\" (mode 0600), bot_token = \"env:NAME\" or bot_token = \"cred:NAME\" "
                         "(systemd LoadCredential=)"));
    {
        const auto diagnostics = problems(head, {{"TOKEN", "123456:ABC def"}});
        EXPECT_EQ(diagnostics, at("2:13", "channel.telegram.bot_token: the bot token has characters a token never has "
                                          "(expected digits, letters, ':', '_' and '-', as BotFather gives)"));
        for (const auto& d : diagnostics) EXPECT_EQ(d.find("ABC def"), std::string::npos) << d;
    }
    write_file("short.key", "too-short\n");
    EXPECT_EQ(problems(head + "callback_key_file = \"short.key\"\n", env),
              at("3:21", "channel.telegram.callback_key_file: must be at least 16 bytes (e.g. openssl rand -base64 "
                         "32), got 9"));
    EXPECT_EQ(problems(head + "callback_key = \"env:KEY\"\n", {{"TOKEN", "1:a"}, {"KEY", "0123456789abcde"}}),
              at("3:16", "channel.telegram.callback_key: must be at least 16 bytes (e.g. openssl rand -base64 32), "
                         "got 15"));
    EXPECT_EQ(problems(head + "allowed_chat_ids = [0, \"-100\", 5, 5]\n", env),
              (std::vector<std::string>{
                  file() + ":3:21: channel.telegram.allowed_chat_ids[0]: must not be 0 (a user's chat id is "
                           "positive, a group's negative)",
                  file() + ":3:24: channel.telegram.allowed_chat_ids[1]: expected an integer, got a string",
                  file() + ":3:35: channel.telegram.allowed_chat_ids[3]: 5 is listed twice"}));
    EXPECT_EQ(problems(head + "allowed_user_ids = [-5]\n", env),
              at("3:21", "channel.telegram.allowed_user_ids[0]: must be positive (a Telegram user id), got -5"));
    EXPECT_EQ(problems(head + "allowed_user_ids = 5\n", env),
              at("3:20", "channel.telegram.allowed_user_ids: expected an array of integers, got an integer"));
    EXPECT_EQ(problems(head + "poll_timeout = \"60s\"\n", env),
              at("3:16", "channel.telegram.poll_timeout: must be at most 50s, got 60s"));
    EXPECT_EQ(problems(head + "poll_timeout = \"0s\"\n", env),
              at("3:16", "channel.telegram.poll_timeout: must be at least 1s, got 0s"));
    EXPECT_EQ(problems(head + "poll_timeout = \"1500ms\"\n", env),
              at("3:16", "channel.telegram.poll_timeout: must be whole seconds, got 1s500ms"));
    EXPECT_EQ(problems(head + "request_timeout = \"0s\"\n", env),
              at("3:19", "channel.telegram.request_timeout: must be at least 100ms, got 0s"));
    EXPECT_EQ(problems(head + "allowed_chats = [1]\n", env),
              at("3:1", "channel.telegram.allowed_chats: unknown key; did you mean \"allowed_chat_ids\"?"));
}

TEST_F(ChannelConfigTest, WebhookEveryKey) {
    write_file("webhook.secret", "webhook-signing-secret\n");
    Config c = load_ok(R"(
[channel.webhook]
url = "https://hooks.example.com/tocsin?team=core"
secret_file = "webhook.secret"
headers = { Authorization = "Bearer abc", "X-Team" = "core" }
timeout = "3s"

[channel.webhook.tls]
insecure_skip_verify = true
)");
    const WebhookChannelConfig& w = c.channels.webhook.value();
    EXPECT_EQ(w.url, "https://hooks.example.com/tocsin?team=core");
    EXPECT_EQ(w.secret->reveal(), "webhook-signing-secret");
    EXPECT_EQ(w.headers, (StringPairs{{"Authorization", "Bearer abc"}, {"X-Team", "core"}}));
    EXPECT_TRUE(w.tls.insecure_skip_verify);
    EXPECT_EQ(w.timeout, 3s);
    round_trip(c, "webhook-signing-secret");

    c = load_ok("[channel.webhook]\nurl = \"http://10.0.0.7:9000/hook\"\nsecret = \"env:HOOK\"\n", {{"HOOK", "s"}});
    EXPECT_TRUE(c.channels.webhook->headers.empty());
    EXPECT_EQ(c.channels.webhook->tls, TlsConfig{});
    EXPECT_EQ(c.channels.webhook->timeout, 10s);
    round_trip(c, "\x01");
}

TEST_F(ChannelConfigTest, WebhookMistakes) {
    EXPECT_EQ(problems("[channel.webhook]\ntimeout = \"5s\"\n"),
              (std::vector<std::string>{
                  file() + ":1:1: channel.webhook: missing required key \"url\"",
                  file() + ":1:1: channel.webhook: missing required key \"secret_file\" (or secret = \"env:NAME\" / "
                           "secret = \"cred:NAME\")"}));
    const std::string head = "[channel.webhook]\nsecret = \"env:HOOK\"\n";  // the key under test on line 3
    const std::map<std::string, std::string> env = {{"HOOK", "hook-secret"}};
    EXPECT_EQ(problems(head + "url = \"hooks.example.com/tocsin\"\n", env),
              at("3:7", "channel.webhook.url: invalid URL \"hooks.example.com/tocsin\""));
    EXPECT_EQ(problems(head + "url = \"ftp://hooks.example.com/\"\n", env),
              at("3:7", "channel.webhook.url: URL must start with http:// or https://"));
    const std::string body = head + "url = \"https://hooks.example.com/\"\n";  // then line 4
    EXPECT_EQ(problems(body + "headers = { \"content-type\" = \"text/plain\", \"X-Tocsin-Signature\" = \"x\", "
                              "\"Bad Header\" = \"1\", Content-Length = \"5\", X-Tocsin-Timestamp = \"1\", "
                              "X-Ok = \"a\\nb\" }\n",
                       env),
              (std::vector<std::string>{
                  file() + ":4:30: channel.webhook.headers.content-type: \"content-type\" is set by tocsin and cannot "
                           "be configured",
                  file() + ":4:67: channel.webhook.headers.X-Tocsin-Signature: \"X-Tocsin-Signature\" is set by tocsin "
                           "and cannot be configured",
                  file() + ":4:87: channel.webhook.headers.\"Bad Header\": invalid header name \"Bad Header\"",
                  file() + ":4:109: channel.webhook.headers.Content-Length: \"Content-Length\" is set by tocsin and "
                           "cannot be configured",
                  file() + ":4:135: channel.webhook.headers.X-Tocsin-Timestamp: \"X-Tocsin-Timestamp\" is set by "
                           "tocsin and cannot be configured",
                  file() + ":4:147: channel.webhook.headers.X-Ok: a header value must not contain control characters"}));
    EXPECT_EQ(problems(body + "headers = { X-Count = 5 }\n", env),
              at("4:23", "channel.webhook.headers.X-Count: expected a string, got an integer"));
    EXPECT_EQ(problems(body + "timeout = \"0s\"\n", env),
              at("4:11", "channel.webhook.timeout: must be at least 100ms, got 0s"));
    EXPECT_EQ(problems(body + "[channel.webhook.tls]\ncert_file = \"/c.pem\"\n", env),
              at("5:13", "channel.webhook.tls.cert_file: cert_file and key_file go together"));
    EXPECT_EQ(problems("[channel.webhook]\nurl = \"https://h.example.com/\"\nsecret_file = \"missing\"\n"),
              at("3:15", "channel.webhook.secret_file: cannot read secret file \"" + dir() +
                             "/missing\": No such file or directory"));
}

TEST_F(ChannelConfigTest, UnknownChannels) {
    EXPECT_EQ(problems("[channel.sms]\nnumber = \"+34600000000\"\n"),
              at("1:10", "channel.sms: unknown channel \"sms\" (expected \"email\", \"telegram\", \"webhook\" or \"console\")"));
    EXPECT_EQ(problems("[channel.emial]\nhost = \"x\"\n"),
              at("1:10", "channel.emial: unknown channel \"emial\" (expected \"email\", \"telegram\", \"webhook\" or \"console\"); "
                         "did you mean \"email\"?"));
    EXPECT_EQ(problems("[channel]\nemail = \"smtp.example.com\"\n"),
              at("2:9", "channel.email: expected a table, got a string"));
    EXPECT_EQ(problems("channel = \"email\"\n"), at("1:11", "channel: expected a table, got a string"));
    EXPECT_EQ(problems("[channels.email]\n"), at("1:2", "channels: unknown section; did you mean \"channel\"?"));
}

TEST_F(ChannelConfigTest, EveryChannelAndTiersRoundTrip) {
    write_file("smtp-password", "pw-1\n");
    write_file("bot.token", "42:token\n");
    write_file("hook.secret", "hook-1\n");
    write_file("link.key", "link-key-0123456789abcdef\n");
    Config c = load_ok(k_oncall + R"(
[severity.P2]
rank = 2

[severity.P1]
rank = 1
channels = ["telegram", "email", "webhook"]
repage_every = "5m"
[[severity.P1.escalation]]
people = ["alice"]
[[severity.P1.escalation]]
schedules = ["primary", "secondary"]
after = "1 business day"

[channel.email]
host = "smtp.example.com"
security = "tls"
username = "tocsin"
password_file = "smtp-password"
from = "alerts@example.com"

[channel.telegram]
bot_token_file = "bot.token"
allowed_chat_ids = [12345]

[channel.webhook]
url = "https://hooks.example.com/"
secret_file = "hook.secret"

[paging]
retry_base = "1s"
retry_cap = "5m"
max_attempts = 5
max_in_flight = 16
digest_after = 10
public_url = "https://tocsin.example.com/"
link_key_file = "link.key"
)");
    EXPECT_TRUE(c.channels.email && c.channels.telegram && c.channels.webhook);
    EXPECT_EQ(c.severities.at(0).escalation.at(1).after, Cadence::business_days_of(1));
    round_trip(c, "pw-1");
    round_trip(c, "42:token");
    round_trip(c, "hook-1");
}

// ---- [paging] ----

TEST_F(ChannelConfigTest, PagingEveryKey) {
    const std::string key = "0123456789abcdef-link-key";
    Config c = load_ok(R"([paging]
retry_base = "500ms"
retry_cap = "10m"
max_attempts = 100
max_in_flight = 256
digest_after = 1000
public_url = "http://tocsin.internal:9464/"
link_key = "env:TOCSIN_LINK_KEY"
ack_link_ttl = "2h"
channel_failure_after = "90s"
channel_failure_severity = "P0"

[heartbeat]
url = "https://hc.example.com/ping/abc"
interval = "30s"
timeout = "5s"
)",
                       {{"TOCSIN_LINK_KEY", key}});
    EXPECT_EQ(c.paging.retry_base, 500ms);
    EXPECT_EQ(c.paging.retry_cap, 10min);
    EXPECT_EQ(c.paging.max_attempts, 100);
    EXPECT_EQ(c.paging.max_in_flight, 256u);
    EXPECT_EQ(c.paging.digest_after, 1000u);
    EXPECT_EQ(c.paging.public_url, "http://tocsin.internal:9464/");
    ASSERT_TRUE(c.paging.link_key.has_value());
    EXPECT_EQ(c.paging.link_key->reveal(), key);
    EXPECT_EQ(c.paging.ack_link_ttl, 2h);
    EXPECT_EQ(c.paging.channel_failure_after, 90s);
    EXPECT_EQ(c.paging.channel_failure_severity, "P0");
    EXPECT_EQ(c.heartbeat.url, "https://hc.example.com/ping/abc");
    EXPECT_EQ(c.heartbeat.interval, 30s);
    EXPECT_EQ(c.heartbeat.timeout, 5s);
    round_trip(c, key);
    c = load_ok("[paging]\nmax_attempts = 1\nmax_in_flight = 1\ndigest_after = 0\npublic_url = \"\"\n");
    EXPECT_EQ(c.paging.max_attempts, 1);
    EXPECT_EQ(c.paging.digest_after, 0u);
    EXPECT_EQ(c.paging.public_url, "");
    EXPECT_EQ(c.heartbeat.url, "");
    round_trip(c, key);
    // Equal base and cap: every retry waits up to the same ceiling.
    load_ok("[paging]\nretry_base = \"1m\"\nretry_cap = \"1m\"\n");
}

TEST_F(ChannelConfigTest, PagingLinkAndHealthMistakes) {
    using ::testing::ElementsAre;
    using ::testing::EndsWith;
    EXPECT_THAT(problems("[paging]\npublic_url = \"https://tocsin.example.com\"\n"),
                ElementsAre(EndsWith(":2:14: paging.public_url: acknowledgement links need a key: set link_key_file "
                                     "(or link_key = \"env:NAME\")")));
    EXPECT_THAT(problems("[paging]\nlink_key = \"env:K\"\n", {{"K", "short"}}),
                ElementsAre(EndsWith(
                    ":2:12: paging.link_key: must be at least 16 bytes (e.g. openssl rand -base64 32), got 5")));
    EXPECT_THAT(problems("[paging]\nchannel_failure_severity = \"P7\"\n"),
                ElementsAre(::testing::HasSubstr("paging.channel_failure_severity: unknown severity \"P7\"")));
    EXPECT_THAT(problems("[paging]\nack_link_ttl = \"10s\"\n"),
                ElementsAre(EndsWith(":2:16: paging.ack_link_ttl: must be at least 1m, got 10s")));
    EXPECT_THAT(problems("[heartbeat]\nurl = \"ftp://x\"\n"),
                ElementsAre(EndsWith(":2:7: heartbeat.url: URL must start with http:// or https://")));
    EXPECT_THAT(problems("[heartbeat]\nurl = \"https://x.example\"\nintervl = \"1m\"\n"),
                ElementsAre(EndsWith(":3:1: heartbeat.intervl: unknown key; did you mean \"interval\"?")));
}

TEST(PagingSection, Mistakes) {
    const std::string head = "[paging]\n";  // the key under test on line 2
    EXPECT_EQ(problems(head + "retry_base = \"5m\"\nretry_cap = \"1m\"\n"),
              one("2:14", "paging.retry_base: must not be longer than retry_cap (1m)"));
    EXPECT_EQ(problems(head + "retry_base = \"5m\"\n"),
              one("2:14", "paging.retry_base: must not be longer than retry_cap (2m)"));
    EXPECT_EQ(problems(head + "retry_cap = \"1s\"\n"),
              one("2:13", "paging.retry_cap: must not be shorter than retry_base (2s, the default)"));
    EXPECT_EQ(problems(head + "retry_base = \"0s\"\n"), one("2:14", "paging.retry_base: must be at least 100ms, got 0s"));
    EXPECT_EQ(problems(head + "retry_cap = \"2d\"\n"), one("2:13", "paging.retry_cap: must be at most 1d, got 2d"));
    EXPECT_EQ(problems(head + "max_attempts = 0\n"),
              one("2:16", "paging.max_attempts: must be between 1 and 100, got 0"));
    EXPECT_EQ(problems(head + "max_attempts = 101\n"),
              one("2:16", "paging.max_attempts: must be between 1 and 100, got 101"));
    EXPECT_EQ(problems(head + "max_in_flight = 257\n"),
              one("2:17", "paging.max_in_flight: must be between 1 and 256, got 257"));
    EXPECT_EQ(problems(head + "digest_after = 1001\n"),
              one("2:16", "paging.digest_after: must be between 0 and 1000, got 1001"));
    EXPECT_EQ(problems(head + "public_url = \"tocsin.example.com\"\n"),
              one("2:14", "paging.public_url: invalid URL \"tocsin.example.com\""));
    EXPECT_EQ(problems(head + "public_url = \"mailto:ops@example.com\"\n"),
              one("2:14", "paging.public_url: URL must start with http:// or https://"));
    EXPECT_EQ(problems(head + "max_attempt = 3\n"),
              one("2:1", "paging.max_attempt: unknown key; did you mean \"max_attempts\"?"));
    EXPECT_EQ(problems("[pagng]\n"), one("1:2", "pagng: unknown section; did you mean \"paging\"?"));
}

}  // namespace
}  // namespace tocsin::config

namespace tocsin::config {
namespace {

TEST(Subscribers, EveryKeyAndRoundTrip) {
    Config c = load_ok(R"(
[[component]]
name = "api"

[severity.P1]
rank = 1
auto_publish = true

[incidents]
default_severity = "P1"
security_severity = "P1"

[[subscribers]]
name = "customers"
components = ["api"]
severities = ["P1"]
emails = ["ops@customer.example", "cto@customer.example"]
telegram_chats = [-100500]

[[subscribers]]
name = "everyone"
emails = ["status@example.org"]
)");
    ASSERT_EQ(c.subscribers.size(), 2u);
    EXPECT_EQ(c.subscribers[0].name, "customers");
    EXPECT_EQ(c.subscribers[0].components, std::vector<std::string>{"api"});
    EXPECT_EQ(c.subscribers[0].severities, std::vector<std::string>{"P1"});
    EXPECT_EQ(c.subscribers[0].emails.size(), 2u);
    EXPECT_EQ(c.subscribers[0].telegram_chats, std::vector<std::int64_t>{-100500});
    EXPECT_TRUE(c.subscribers[1].components.empty());
    EXPECT_TRUE(c.severities.at(0).auto_publish);
    expect_round_trip(c);
}

TEST(Subscribers, Mistakes) {
    using ::testing::ElementsAre;
    using ::testing::HasSubstr;
    EXPECT_THAT(problems("[[subscribers]]\nname = \"x\"\ncomponents = [\"nope\"]\nemails = [\"a@b.example\"]\n"),
                ElementsAre(HasSubstr("subscribers[0].components[0]: unknown component \"nope\"")));
    EXPECT_THAT(problems("[[subscribers]]\nname = \"x\"\nseverities = [\"P9\"]\nemails = [\"a@b.example\"]\n"),
                ElementsAre(HasSubstr("subscribers[0].severities[0]: unknown severity \"P9\"")));
    EXPECT_THAT(problems("[[subscribers]]\nname = \"x\"\nemails = [\"not an address\"]\n"),
                ElementsAre(HasSubstr("subscribers[0].emails[0]: invalid email address")));
    EXPECT_THAT(problems("[[subscribers]]\nname = \"x\"\n"),
                ElementsAre(HasSubstr("subscribers[0].name: subscribers need emails or telegram_chats")));
    EXPECT_THAT(problems("[[subscribers]]\nname = \"x\"\nemails = [\"a@b.example\"]\n[[subscribers]]\nname = \"x\"\n"
                         "telegram_chats = [-1]\n"),
                ElementsAre(HasSubstr("subscribers[1].name:")));
    EXPECT_THAT(problems("[[subscribers]]\nname = \"x\"\ntelegram_chats = [0]\n"),
                ElementsAre(HasSubstr("subscribers[0].telegram_chats[0]: must not be 0")));
}

}  // namespace
}  // namespace tocsin::config

namespace tocsin::config {
namespace {

TEST(ConsoleAndDemo, ReadAndPrinted) {
    Config c = load_ok(R"(
[channel.console]
path = "/var/log/tocsin/pages.txt"

[demo]
flaky_target = true
up = "10s"
down = "20s"

[paging]
public_url = "http://127.0.0.1:9464"
link_key = "random"
)");
    ASSERT_TRUE(c.channels.console.has_value());
    EXPECT_EQ(c.channels.console->path, "/var/log/tocsin/pages.txt");
    EXPECT_TRUE(c.demo.flaky_target);
    EXPECT_EQ(c.demo.up, 10s);
    EXPECT_EQ(c.demo.down, 20s);
    ASSERT_TRUE(c.paging.link_key.has_value());
    EXPECT_EQ(c.paging.link_key->source(), "random");
    EXPECT_EQ(c.paging.link_key->reveal().size(), 32u);
    const std::string printed = to_toml(c);
    EXPECT_NE(printed.find("link_key = 'random'"), std::string::npos) << printed;
    EXPECT_EQ(printed.find(c.paging.link_key->reveal()), std::string::npos);
    // Each load draws a new key: equal otherwise.
    Config again = load_ok(printed);
    EXPECT_NE(again.paging.link_key->reveal(), c.paging.link_key->reveal());
    again.paging.link_key = c.paging.link_key;
    again.source_file = c.source_file;
    EXPECT_EQ(again, c);
    EXPECT_EQ(load_ok("[channel.console]\n").channels.console->path, "-");
}

TEST(ConsoleAndDemo, Mistakes) {
    using ::testing::ElementsAre;
    using ::testing::HasSubstr;
    EXPECT_THAT(problems("[demo]\nup = \"0s\"\n"), ElementsAre(HasSubstr("demo.up: must be at least 1s")));
    EXPECT_THAT(problems("[demo]\nflaky = true\n"), ElementsAre(HasSubstr("demo.flaky: unknown key")));
    EXPECT_THAT(problems("[channel.consol]\n"), ElementsAre(HasSubstr("did you mean \"console\"")));
}

}  // namespace
}  // namespace tocsin::config
