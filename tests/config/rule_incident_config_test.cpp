// The [[rule]] keys for incidents: incident, impact, min_impact, severity,
// security, component, title and [[rule.escalate]]; defaults, tier
// references checked against the same file's tiers, and each mistake located.
#include <gtest/gtest.h>

#include "config_test_support.hpp"
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
const std::string k_rule = "[[rule]]\nname = \"A\"\nexpr = \"up == 0\"\n";  // 3 lines
const std::string k_choices = "(expected \"P0\", \"P1\", \"P2\" or \"declassified\")";

TEST(RuleIncidentConfig, Defaults) {
    auto r = load_test(k_rule);
    ASSERT_TRUE(r.ok()) << diagnostic_strings(r)[0];
    const RuleConfig& rule = r.config->rules[0];
    EXPECT_TRUE(rule.incident);
    EXPECT_EQ(rule.impact, "");
    EXPECT_FALSE(rule.min_impact.has_value());
    EXPECT_EQ(rule.severity, "");
    EXPECT_FALSE(rule.security);
    EXPECT_EQ(rule.component, "");
    EXPECT_EQ(rule.title, "");
    EXPECT_TRUE(rule.escalate.empty());
}

const char* const k_every_key = R"toml(
[[component]]
name = "ingest"
critical = true

[[rule]]
name = "IngestErrors"
expr = 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1'
incident = true
impact = 'count(sum by (customer) (rate(http_requests_total{code=~"5.."}[5m])) > 0)'
min_impact = 5
severity = "P2"
security = false
component = "ingest"
title = "Ingest failing for {{ $value }} customers"

[[rule.escalate]]
severity = "P1"
min_impact = 50.5
after = "30m"

[[rule.escalate]]
severity = "P0"
critical = true

[[rule]]
name = "Login"
expr = "up == 0"
incident = false
security = true
min_impact = 0.5
impact = "vector(3)"
)toml";

TEST(RuleIncidentConfig, EveryKeyLoadsAndPrintsBackEqual) {
    auto r = load_test(k_every_key);
    ASSERT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    const RuleConfig& rule = r.config->rules[0];
    EXPECT_TRUE(rule.incident);
    EXPECT_EQ(rule.impact, "count(sum by (customer) (rate(http_requests_total{code=~\"5..\"}[5m])) > 0)");
    EXPECT_EQ(rule.min_impact, 5.0);
    EXPECT_EQ(rule.severity, "P2");
    EXPECT_FALSE(rule.security);
    EXPECT_EQ(rule.component, "ingest");
    EXPECT_EQ(rule.title, "Ingest failing for {{ $value }} customers");
    ASSERT_EQ(rule.escalate.size(), 2u);
    EXPECT_EQ(rule.escalate[0], (EscalationConfig{"P1", 50.5, 30min, false}));
    EXPECT_EQ(rule.escalate[1], (EscalationConfig{"P0", std::nullopt, std::nullopt, true}));
    const RuleConfig& login = r.config->rules[1];
    EXPECT_FALSE(login.incident);
    EXPECT_TRUE(login.security);
    EXPECT_EQ(login.min_impact, 0.5);

    std::string printed = to_toml(*r.config);
    EXPECT_NE(printed.find("[[rule.escalate]]"), std::string::npos) << printed;
    auto again = load_string(printed, f, fake_env());
    ASSERT_TRUE(again.ok()) << format_diagnostics(again.diagnostics) << printed;
    EXPECT_EQ(*again.config, *r.config);
    EXPECT_EQ(to_toml(*again.config), printed);
}

TEST(RuleIncidentConfig, TiersComeFromTheSameFile) {
    const std::string tiers = "[severity.high]\nrank = 0\n[severity.low]\nrank = 1\n"
                              "[incidents]\ndefault_severity = \"low\"\nsecurity_severity = \"high\"\n";  // 7 lines
    auto r = load_test(tiers + k_rule + "severity = \"high\"\n");
    ASSERT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    EXPECT_EQ(r.config->rules[0].severity, "high");
    EXPECT_EQ(problems(tiers + k_rule + "severity = \"P1\"\n"),
              std::vector<std::string>{f + ":11:12: rule[0].severity: unknown severity \"P1\" (expected \"high\" or "
                                           "\"low\")"});
    EXPECT_EQ(problems(tiers + k_rule + "[[rule.escalate]]\nseverity = \"hihg\"\nafter = \"1h\"\n"),
              std::vector<std::string>{f + ":12:12: rule[0].escalate[0].severity: unknown severity \"hihg\" (expected "
                                           "\"high\" or \"low\"); did you mean \"high\"?"});
}

TEST(RuleIncidentConfig, SeverityMistakes) {
    EXPECT_EQ(problems(k_rule + "severity = \"P3\"\n"),
              std::vector<std::string>{f + ":4:12: rule[0].severity: unknown severity \"P3\" " + k_choices});
    EXPECT_EQ(problems(k_rule + "severity = \"Declassified\"\n"),
              std::vector<std::string>{f + ":4:12: rule[0].severity: unknown severity \"Declassified\" " + k_choices +
                                       "; did you mean \"declassified\"?"});
    EXPECT_EQ(problems(k_rule + "severity = \"\"\nsecurity = 1\ncomponent = \"\"\nincident = \"yes\"\n"),
              (std::vector<std::string>{f + ":4:12: rule[0].severity: must not be empty",
                                        f + ":5:12: rule[0].security: expected a boolean, got an integer",
                                        f + ":6:13: rule[0].component: must not be empty",
                                        f + ":7:12: rule[0].incident: expected a boolean, got a string"}));
}

TEST(RuleIncidentConfig, ImpactMistakes) {
    EXPECT_EQ(problems(k_rule + "impact = \"count(up\"\nmin_impact = -1\n"),
              (std::vector<std::string>{
                  f + ":4:19: rule[0].impact: parse error: unclosed left parenthesis",
                  f + ":5:14: rule[0].min_impact: must not be negative"}));
    EXPECT_EQ(problems(k_rule + "impact = \"up[5m]\"\n"),
              std::vector<std::string>{
                  f + ":4:10: rule[0].impact: must be an instant vector or a scalar, got range vector"});
    EXPECT_EQ(problems(k_rule + "min_impact = 5\n"),
              std::vector<std::string>{
                  f + ":4:14: rule[0].min_impact: needs impact (the expression counting who is affected)"});
    EXPECT_EQ(problems(k_rule + "impact = \"up\"\nmin_impact = \"5\"\n"),
              std::vector<std::string>{f + ":5:14: rule[0].min_impact: expected a number, got a string"});
    EXPECT_EQ(problems(k_rule + "impact = \"up\"\nmin_impact = nan\n"),
              std::vector<std::string>{f + ":5:14: rule[0].min_impact: must be a finite number"});
    EXPECT_EQ(problems(k_rule + "title = \"{{ .Nope }}\"\n"),
              std::vector<std::string>{
                  f + ":4:13: rule[0].title: template error: can't evaluate field Nope (the alert data has Labels, "
                      "Value, ExternalLabels and ExternalURL)"});
}

TEST(RuleIncidentConfig, EscalationMistakes) {
    EXPECT_EQ(problems(k_rule + "[[rule.escalate]]\nafter = \"1h\"\n"),
              std::vector<std::string>{f + ":4:1: rule[0].escalate[0]: missing required key \"severity\""});
    EXPECT_EQ(problems(k_rule + "[[rule.escalate]]\nseverity = \"P1\"\n"),
              std::vector<std::string>{
                  f + ":4:1: rule[0].escalate[0]: needs a condition: min_impact, after or critical = true"});
    EXPECT_EQ(problems(k_rule + "[[rule.escalate]]\nseverity = \"P1\"\ncritical = false\n"),
              std::vector<std::string>{f + ":6:12: rule[0].escalate[0].critical: critical = false is no condition; "
                                           "give min_impact, after or critical = true"});
    // The default tier is P2: P2 and declassified are no escalation.
    EXPECT_EQ(problems(k_rule + "[[rule.escalate]]\nseverity = \"P2\"\nafter = \"1h\"\n"
                                "[[rule.escalate]]\nseverity = \"declassified\"\nafter = \"2h\"\n"),
              (std::vector<std::string>{
                  f + ":5:12: rule[0].escalate[0].severity: must be more severe than the rule's severity \"P2\" "
                      "(rank 2), got \"P2\" (rank 2); an escalation raises the severity",
                  f + ":8:12: rule[0].escalate[1].severity: must be more severe than the rule's severity \"P2\" "
                      "(rank 2), got \"declassified\" (rank 3); an escalation raises the severity"}));
    // A security rule starts at security_severity (P1).
    EXPECT_EQ(problems(k_rule + "security = true\n[[rule.escalate]]\nseverity = \"P1\"\nafter = \"1h\"\n"),
              std::vector<std::string>{
                  f + ":6:12: rule[0].escalate[0].severity: must be more severe than the rule's severity \"P1\" "
                      "(rank 1) (its security_severity, as security = true), got \"P1\" (rank 1); an escalation "
                      "raises the severity"});
    EXPECT_EQ(problems(k_rule + "severity = \"P1\"\n[[rule.escalate]]\nseverity = \"P0\"\nmin_impact = 10\n"
                                "after = \"0s\"\nseverty = \"P0\"\n"),
              (std::vector<std::string>{
                  f + ":7:14: rule[0].escalate[0].min_impact: needs the rule's impact (the expression counting who "
                      "is affected)",
                  f + ":8:9: rule[0].escalate[0].after: must be at least 1s, got 0s",
                  f + ":9:1: rule[0].escalate[0].severty: unknown key; did you mean \"severity\"?"}));
    // An unknown rule severity is reported once; escalations are not compared with it.
    EXPECT_EQ(problems(k_rule + "severity = \"P9\"\n[[rule.escalate]]\nseverity = \"P2\"\nafter = \"1h\"\n"),
              std::vector<std::string>{f + ":4:12: rule[0].severity: unknown severity \"P9\" " + k_choices});
    EXPECT_EQ(problems(k_rule + "escalate = { severity = \"P1\" }\n"),
              std::vector<std::string>{f + ":4:12: rule[0].escalate: expected an array, got a table"});
}

TEST(RuleIncidentConfig, ReadRulesChecksTiersOnlyWhenGiven) {
    const std::string text = k_rule + "severity = \"Sev1\"\n[[rule.escalate]]\nseverity = \"Sev0\"\nafter = \"1h\"\n";
    toml::table document = toml::parse(text, f);
    const Environment env = fake_env();
    for (bool with_tiers : {false, true}) {
        LoadContext ctx;
        ctx.file = f;
        ctx.text = text;
        ctx.env = &env;
        TableReader root(ctx, document, "");
        std::vector<RuleConfig> rules;
        IncidentSections sections;
        read_rules(root, rules, with_tiers ? &sections : nullptr);
        std::vector<std::string> p;
        for (const auto& d : ctx.diagnostics) p.push_back(d.to_string());
        if (!with_tiers) {
            EXPECT_EQ(p, std::vector<std::string>{});
            EXPECT_EQ(rules[0].severity, "Sev1");
            EXPECT_EQ(rules[0].escalate[0].severity, "Sev0");
        } else {
            EXPECT_EQ(p, (std::vector<std::string>{
                             f + ":4:12: rule[0].severity: unknown severity \"Sev1\" " + k_choices,
                             f + ":6:12: rule[0].escalate[0].severity: unknown severity \"Sev0\" " + k_choices}));
        }
    }
}

}  // namespace
}  // namespace tocsin::config
