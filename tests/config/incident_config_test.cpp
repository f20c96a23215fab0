// [severity.*], [incidents] and [[component]]: defaults, every key, custom
// tiers replacing the defaults, the --print round trip, and each mistake
// located at its line and column.
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "tocsin/config/incident_reader.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/config/rule_reader.hpp"

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

// A tier with these incident keys and the struct's defaults for the rest
// (the paging keys: paging_config_test.cpp).
SeverityConfig tier(std::string name, std::int64_t rank, std::string status, std::string description, bool page,
                    std::optional<Duration> auto_resolve_after) {
    SeverityConfig t;
    t.name = std::move(name);
    t.rank = rank;
    t.status = std::move(status);
    t.description = std::move(description);
    t.page = page;
    t.auto_resolve_after = auto_resolve_after;
    return t;
}

// `t` with the paging keys reset to the struct's defaults.
SeverityConfig without_paging(const SeverityConfig& t) {
    return tier(t.name, t.rank, t.status, t.description, t.page, t.auto_resolve_after);
}

// --- Defaults

TEST(SeverityConfig, DefaultTiersFollowTheSeeds) {
    const auto tiers = default_severities();
    ASSERT_EQ(tiers.size(), 4u);
    EXPECT_EQ(without_paging(tiers[0]), tier("P0", 0, "major outage", "customer data loss or exposure", true, 30min));
    EXPECT_EQ(without_paging(tiers[1]),
              tier("P1", 1, "major outage", "ingest or alarm path down: a critical service failing", true, 30min));
    EXPECT_EQ(without_paging(tiers[2]), tier("P2", 2, "degraded performance", "degraded but functional", true, 30min));
    EXPECT_EQ(tiers[3], tier("declassified", 3, "operational", "not severe: recorded, never paged", false, 30min));
}

TEST(SeverityConfig, EmptyFileGivesTheDefaults) {
    Config c = load_ok("");
    EXPECT_EQ(c.severities, default_severities());
    EXPECT_EQ(c.incidents, IncidentsConfig{});
    EXPECT_EQ(c.incidents.default_severity, "P2");
    EXPECT_EQ(c.incidents.security_severity, "P1");
    EXPECT_EQ(c.incidents.group_by, (std::vector<std::string>{"alertname", "component"}));
    EXPECT_EQ(c.incidents.component_label, "component");
    EXPECT_TRUE(c.components.empty());
    EXPECT_TRUE(c.maintenance.empty());
    const std::string printed = to_toml(c);
    for (const char* line : {"[severity.P0]", "[severity.declassified]", "auto_resolve_after = '30m'",
                             "page = false", "default_severity = 'P2'", "group_by = [ 'alertname', 'component' ]"}) {
        EXPECT_NE(printed.find(line), std::string::npos) << line << "\n" << printed;
    }
    // A default-constructed Config has the same incident defaults.
    Config d;
    d.source_file = c.source_file;
    d.daemon = c.daemon;
    d.storage = c.storage;
    EXPECT_EQ(c, d);
    expect_round_trip(c);
}

// --- Custom tiers

const char* const k_custom = R"(
[severity."Tier 1"]
rank = 0
status = "major outage"
description = "global outage"
auto_resolve_after = "never"

[severity.Declassified]
rank = 9
status = "operational"
page = false

[severity."Tier 3"]
rank = 2
status = "degraded performance"
auto_resolve_after = "2h"

[severity."Tier 2"]
rank = 1
status = "partial outage"
description = "security or a critical service"

[incidents]
default_severity = "Tier 3"
security_severity = "Tier 2"
group_by = ["alertname", "service", "region"]
component_label = "service"
)";

TEST(SeverityConfig, CustomTiersReplaceTheDefaultsSortedByRank) {
    Config c = load_ok(k_custom);
    ASSERT_EQ(c.severities.size(), 4u);
    EXPECT_EQ(c.severities[0], tier("Tier 1", 0, "major outage", "global outage", true, std::nullopt));
    EXPECT_EQ(c.severities[1],
              tier("Tier 2", 1, "partial outage", "security or a critical service", true, 30min));
    EXPECT_EQ(c.severities[2], tier("Tier 3", 2, "degraded performance", "", true, 2h));
    EXPECT_EQ(c.severities[3], tier("Declassified", 9, "operational", "", false, 30min));
    EXPECT_EQ(c.incidents, (IncidentsConfig{"Tier 3", "Tier 2", {"alertname", "service", "region"}, "service"}));
    EXPECT_NE(to_toml(c).find("auto_resolve_after = 'never'"), std::string::npos) << to_toml(c);
    expect_round_trip(c);
}

TEST(SeverityConfig, OnlyRankIsRequired) {
    Config c = load_ok("[severity.P2]\nrank = 0\n[severity.P1]\nrank = 1\n");
    ASSERT_EQ(c.severities.size(), 2u);
    EXPECT_EQ(c.severities[0], tier("P2", 0, "degraded performance", "", true, 30min));
    EXPECT_EQ(c.severities[1].name, "P1");
}

TEST(SeverityConfig, EveryStatus) {
    for (const char* status : {"major outage", "partial outage", "degraded performance", "operational"}) {
        Config c = load_ok(std::string("[severity.P1]\nrank = 0\nstatus = \"") + status +
                           "\"\n[severity.P2]\nrank = 1\n");
        EXPECT_EQ(c.severities[0].status, status);
    }
}

TEST(SeverityConfig, RenamedTiersNeedTheIncidentDefaultsSet) {
    EXPECT_EQ(problems("\n[severity.critical]\nrank = 0\n[severity.minor]\nrank = 1\n"),
              (std::vector<std::string>{
                  f + ":2:1: incidents.default_severity: the default \"P2\" is not a configured severity; set "
                      "[incidents] default_severity to one of \"critical\" or \"minor\"",
                  f + ":2:1: incidents.security_severity: the default \"P1\" is not a configured severity; set "
                      "[incidents] security_severity to one of \"critical\" or \"minor\""}));
    // With an [incidents] table, at its header.
    EXPECT_EQ(problems("[severity.critical]\nrank = 0\n[severity.minor]\nrank = 1\n"
                       "[incidents]\ndefault_severity = \"minor\"\n"),
              (std::vector<std::string>{
                  f + ":5:1: incidents.security_severity: the default \"P1\" is not a configured severity; set "
                      "[incidents] security_severity to one of \"critical\" or \"minor\""}));
    load_ok("[severity.critical]\nrank = 0\n[severity.minor]\nrank = 1\n"
            "[incidents]\ndefault_severity = \"minor\"\nsecurity_severity = \"critical\"\n");
}

TEST(SeverityConfig, Mistakes) {
    const std::string choices = "(expected \"P0\", \"P1\", \"P2\" or \"declassified\")";
    // Tiers named P1 and P2 keep the [incidents] defaults valid.
    EXPECT_EQ(problems("[severity.P1]\nstatus = \"major outage\"\n[severity.P2]\nrank = 1\n"),
              std::vector<std::string>{f + ":1:1: severity.P1: missing required key \"rank\""});
    EXPECT_EQ(problems("[severity.P0]\nrank = -1\n[severity.P1]\nrank = 0\n[severity.P2]\nrank = 0\n"),
              (std::vector<std::string>{
                  f + ":2:8: severity.P0.rank: must be between 0 and 100, got -1",
                  f + ":6:8: severity.P2.rank: rank 0 is already the rank of \"P1\" (line 4); every tier needs its own"}));
    EXPECT_EQ(problems("[severity.P1]\nrank = 0\nstatus = \"major outag\"\n[severity.P2]\nrank = 1\nstatus = \"down\"\n"),
              (std::vector<std::string>{
                  f + ":3:10: severity.P1.status: invalid value \"major outag\" (expected \"major outage\", \"partial "
                      "outage\", \"degraded performance\" or \"operational\"); did you mean \"major outage\"?",
                  f + ":6:10: severity.P2.status: invalid value \"down\" (expected \"major outage\", \"partial "
                      "outage\", \"degraded performance\" or \"operational\")"}));
    EXPECT_EQ(problems("[severity.P0]\nrank = 0\nauto_resolve_after = \"nevr\"\npage = \"no\"\n"
                       "[severity.P1]\nrank = 1\nauto_resolve_after = \"0s\"\n"
                       "[severity.P2]\nrank = 2\nauto_resolve_after = 30\npgae = false\n"),
              (std::vector<std::string>{
                  f + ":3:22: severity.P0.auto_resolve_after: invalid duration \"nevr\" (use e.g. 30m, 4h, or \"never\")",
                  f + ":4:8: severity.P0.page: expected a boolean, got a string",
                  f + ":7:22: severity.P1.auto_resolve_after: must be at least 1s, got 0s",
                  f + ":10:22: severity.P2.auto_resolve_after: expected a duration string such as \"90s\", got an "
                      "integer",
                  f + ":11:1: severity.P2.pgae: unknown key; did you mean \"page\"?"}));
    EXPECT_EQ(problems("[severity]\nP0 = 1\n[severity.\"\"]\nrank = 0\n"),
              (std::vector<std::string>{f + ":2:6: severity.P0: expected a table ([severity.NAME]), got an integer",
                                        f + ":3:1: severity.\"\": a severity name must not be empty"}));
    EXPECT_EQ(problems("[severity]\n"),
              std::vector<std::string>{
                  f + ":1:1: severity: no tier defined; add [severity.NAME] tables with a rank, or remove [severity] "
                      "to use the default tiers \"P0\", \"P1\", \"P2\" or \"declassified\""});
    EXPECT_EQ(problems("severity = \"P1\"\n"),
              std::vector<std::string>{f + ":1:12: severity: expected a table, got a string"});
    // [incidents]
    EXPECT_EQ(problems("[incidents]\ndefault_severity = \"p2\"\nsecurity_severity = \"P7\"\n"),
              (std::vector<std::string>{
                  f + ":2:20: incidents.default_severity: unknown severity \"p2\" " + choices + "; did you mean \"P2\"?",
                  f + ":3:21: incidents.security_severity: unknown severity \"P7\" " + choices}));
    EXPECT_EQ(problems("[incidents]\ndefault_severity = \"\"\ngroup_by = []\ncomponent_label = \"a-b\"\n"),
              (std::vector<std::string>{
                  f + ":2:20: incidents.default_severity: must not be empty",
                  f + ":3:12: incidents.group_by: must list at least one label (\"alertname\" is the rule)",
                  f + ":4:19: incidents.component_label: invalid label name \"a-b\" (use [a-zA-Z_][a-zA-Z0-9_]*)"}));
    EXPECT_EQ(problems("[incidents]\ngroup_by = [\"alertname\", \"1x\", \"__name__\", \"alertname\", 3]\n"
                       "component_lable = \"x\"\n"),
              (std::vector<std::string>{
                  f + ":2:57: incidents.group_by[4]: expected a string, got an integer",
                  f + ":3:1: incidents.component_lable: unknown key; did you mean \"component_label\"?"}));
    EXPECT_EQ(problems("[incidents]\ngroup_by = [\"alertname\", \"1x\", \"__name__\", \"alertname\"]\n"),
              (std::vector<std::string>{
                  f + ":2:26: incidents.group_by[1]: invalid label name \"1x\" (use [a-zA-Z_][a-zA-Z0-9_]*)",
                  f + ":2:32: incidents.group_by[2]: label names starting with __ are reserved",
                  f + ":2:44: incidents.group_by[3]: \"alertname\" is listed twice"}));
}

// --- [[component]]

TEST(ComponentConfig, EveryKeyAndDefaults) {
    Config c = load_ok(R"(
[[component]]
name = "api"
description = "the public API"
depends_on = ["db", "cache"]
critical = true

[[component]]
name = "db"

[[component]]
name = "cache"
depends_on = ["db"]
)");
    ASSERT_EQ(c.components.size(), 3u);
    EXPECT_EQ(c.components[0], (ComponentConfig{"api", "the public API", {"db", "cache"}, true}));
    EXPECT_EQ(c.components[1], (ComponentConfig{"db", "", {}, false}));
    EXPECT_EQ(c.components[2], (ComponentConfig{"cache", "", {"db"}, false}));
    expect_round_trip(c);
}

TEST(ComponentConfig, Mistakes) {
    EXPECT_EQ(problems("[[component]]\ndescription = \"x\"\n[[component]]\nname = \"\"\n"),
              (std::vector<std::string>{f + ":1:1: component[0]: missing required key \"name\"",
                                        f + ":4:8: component[1].name: must not be empty"}));
    EXPECT_EQ(problems("[[component]]\nname = \"api\"\n[[component]]\nname = \"api\"\ncritcal = true\n"),
              (std::vector<std::string>{
                  f + ":4:8: component[1].name: duplicate component name \"api\" (first defined on line 2)",
                  f + ":5:1: component[1].critcal: unknown key; did you mean \"critical\"?"}));
    EXPECT_EQ(problems("[[component]]\nname = \"api\"\ndepends_on = [\"api\", \"dbb\", \"cache\", \"dbb\"]\n"
                       "[[component]]\nname = \"db\"\n"),
              (std::vector<std::string>{
                  f + ":3:15: component[0].depends_on[0]: a component cannot depend on itself",
                  f + ":3:22: component[0].depends_on[1]: unknown component \"dbb\"; did you mean \"db\"?",
                  f + ":3:29: component[0].depends_on[2]: unknown component \"cache\"",
                  f + ":3:38: component[0].depends_on[3]: \"dbb\" is listed twice"}));
    EXPECT_EQ(problems("[[component]]\nname = \"api\"\ndepends_on = \"db\"\n"),
              std::vector<std::string>{f + ":3:14: component[0].depends_on: expected an array, got a string"});
}

TEST(ComponentConfig, CyclesAreReportedWithTheirPath) {
    EXPECT_EQ(problems("[[component]]\nname = \"a\"\ndepends_on = [\"b\"]\n"
                       "[[component]]\nname = \"b\"\ndepends_on = [\"a\"]\n"),
              std::vector<std::string>{f + ":6:15: component[1].depends_on[0]: dependency cycle: a -> b -> a"});
    // A longer cycle, entered from outside it, and a second, separate one.
    EXPECT_EQ(problems("[[component]]\nname = \"web\"\ndepends_on = [\"api\"]\n"
                       "[[component]]\nname = \"api\"\ndepends_on = [\"db\"]\n"
                       "[[component]]\nname = \"db\"\ndepends_on = [\"storage\"]\n"
                       "[[component]]\nname = \"storage\"\ndepends_on = [\"x\", \"api\"]\n"
                       "[[component]]\nname = \"x\"\ndepends_on = [\"y\"]\n"
                       "[[component]]\nname = \"y\"\ndepends_on = [\"x\"]\n"),
              (std::vector<std::string>{
                  f + ":12:20: component[3].depends_on[1]: dependency cycle: api -> db -> storage -> api",
                  f + ":18:15: component[5].depends_on[0]: dependency cycle: x -> y -> x"}));
    // A diamond is no cycle.
    load_ok("[[component]]\nname = \"a\"\ndepends_on = [\"b\", \"c\"]\n[[component]]\nname = \"b\"\n"
            "depends_on = [\"d\"]\n[[component]]\nname = \"c\"\ndepends_on = [\"d\"]\n[[component]]\nname = \"d\"\n");
}

TEST(ComponentConfig, ALongChainIsFine) {
    std::string text;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
        text += "[[component]]\nname = \"c" + std::to_string(i) + "\"\n";
        if (i + 1 < n) text += "depends_on = [\"c" + std::to_string(i + 1) + "\"]\n";
    }
    EXPECT_EQ(load_ok(text).components.size(), static_cast<std::size_t>(n));
    text += "[[component]]\nname = \"last\"\ndepends_on = [\"c0\"]\n";
    text = testing::replace_all(text, "name = \"c19999\"\n", "name = \"c19999\"\ndepends_on = [\"c0\"]\n");
    auto p = problems(text);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_TRUE(p[0].find("component[19999].depends_on[0]: dependency cycle: c0 -> c1 -> ") != std::string::npos)
        << p[0].substr(0, 200);
}

// --- The sections without the rest of the config

TEST(IncidentSections, LoadRulesStringReadsThemToo) {
    auto r = load_rules_string(std::string(k_custom) +
                                   "[[component]]\nname = \"api\"\n[[rule]]\nname = \"A\"\nexpr = \"up == 0\"\n"
                                   "severity = \"Tier 1\"\n[api]\ntoken_file = \"/nonexistent\"\n",
                               f);
    ASSERT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    EXPECT_EQ(r.sections.severities.size(), 4u);
    EXPECT_EQ(r.sections.severities[0].name, "Tier 1");
    EXPECT_EQ(r.sections.incidents.default_severity, "Tier 3");
    ASSERT_EQ(r.sections.components.size(), 1u);
    ASSERT_EQ(r.rules.size(), 1u);
    EXPECT_EQ(r.rules[0].severity, "Tier 1");
    EXPECT_EQ(r.sections.find_severity("Tier 2")->rank, 1);
    EXPECT_EQ(r.sections.find_severity("P2"), nullptr);

    auto bad = load_rules_string("[severity.A]\nrank = 0\n[incidents]\ndefault_severity = \"A\"\n"
                                 "security_severity = \"A\"\n[[rule]]\nname = \"A\"\nexpr = \"up\"\nseverity = \"P1\"\n",
                                 f);
    std::vector<std::string> p;
    for (const auto& d : bad.diagnostics) p.push_back(d.to_string());
    EXPECT_EQ(p, std::vector<std::string>{f + ":9:12: rule[0].severity: unknown severity \"P1\" (expected \"A\")"});
}

TEST(IncidentSections, ReadIncidentSectionsDirectly) {
    const std::string text = "[severity.high]\nrank = 0\n[severity.low]\nrank = 1\n"
                             "[incidents]\ndefault_severity = \"low\"\nsecurity_severity = \"high\"\n"
                             "[[component]]\nname = \"db\"\n";
    toml::table document = toml::parse(text, f);
    const Environment env = fake_env();
    LoadContext ctx;
    ctx.file = f;
    ctx.text = text;
    ctx.env = &env;
    TableReader root(ctx, document, "");
    IncidentSections s = read_incident_sections(root);
    root.finish();
    EXPECT_TRUE(ctx.diagnostics.empty()) << format_diagnostics(ctx.diagnostics);
    EXPECT_EQ(s.severities.size(), 2u);
    EXPECT_EQ(s.incidents.security_severity, "high");
    EXPECT_EQ(s.components.size(), 1u);

    RuleConfig rule;
    EXPECT_EQ(base_severity(rule, s)->name, "low");
    rule.security = true;
    EXPECT_EQ(base_severity(rule, s)->name, "high");
    rule.severity = "nope";
    EXPECT_EQ(base_severity(rule, s), nullptr);
}

}  // namespace
}  // namespace tocsin::config
