// [[rule]] and [rules]: defaults, every key, the --print round trip, and each
// kind of mistake located at its line and column, inside expressions and
// templates too.
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;
using testing::diagnostic_strings;
using testing::fake_env;

LoadResult load(const std::string& text) { return load_string(text, "/etc/tocsin/t.toml", fake_env()); }

std::vector<std::string> problems(const std::string& text) { return diagnostic_strings(load(text)); }

TEST(RuleConfig, NameAndExprAreEnough) {
    auto r = load("[[rule]]\nname = \"ApiDown\"\nexpr = 'probe_success{target=\"api\"} == 0'\n");
    ASSERT_TRUE(r.ok()) << diagnostic_strings(r)[0];
    ASSERT_EQ(r.config->rules.size(), 1u);
    const RuleConfig& rule = r.config->rules[0];
    EXPECT_EQ(rule.name, "ApiDown");
    EXPECT_EQ(rule.expr, "probe_success{target=\"api\"} == 0");
    EXPECT_EQ(rule.for_duration, 0s);
    EXPECT_EQ(rule.keep_firing_for, 0s);
    EXPECT_TRUE(rule.labels.empty());
    EXPECT_EQ(rule.summary, "");
    EXPECT_EQ(rule.description, "");
    EXPECT_EQ(r.config->rules_config.outage_tolerance, 1h);
    EXPECT_EQ(r.config->rules_config.grace_period, 10min);
    EXPECT_EQ(r.config->rules_config.evaluation_interval, 30s);
}

const char* const k_full = R"(
[rules]
outage_tolerance = "2h"
grace_period = "5m"
evaluation_interval = "10s"

[[rule]]
name = "ApiDown"
expr = 'probe_success{target="api"} == 0'
for = "15m"
keep_firing_for = "5m"
labels = { severity = "critical", team = "{{ $labels.target }}" }
summary = "{{ $labels.target }} is down"
description = """
{{ $labels.instance }} has failed its probe for {{ $value | humanizeDuration }}.
"""

[[rule]]
name = "Scalar"
expr = "time() > bool 0"
)";

TEST(RuleConfig, EveryKeyLoadsAndPrintsBackEqual) {
    auto r = load(k_full);
    ASSERT_TRUE(r.ok()) << diagnostic_strings(r)[0];
    const Config& c = *r.config;
    EXPECT_EQ(c.rules_config.outage_tolerance, 2h);
    EXPECT_EQ(c.rules_config.grace_period, 5min);
    EXPECT_EQ(c.rules_config.evaluation_interval, 10s);
    ASSERT_EQ(c.rules.size(), 2u);
    const RuleConfig& rule = c.rules[0];
    EXPECT_EQ(rule.for_duration, 15min);
    EXPECT_EQ(rule.keep_firing_for, 5min);
    EXPECT_EQ(rule.labels, (StringPairs{{"severity", "critical"}, {"team", "{{ $labels.target }}"}}));
    EXPECT_EQ(rule.summary, "{{ $labels.target }} is down");
    EXPECT_EQ(rule.description, "{{ $labels.instance }} has failed its probe for {{ $value | humanizeDuration }}.\n");
    std::string printed = to_toml(c);
    EXPECT_NE(printed.find("[rules]"), std::string::npos) << printed;
    EXPECT_NE(printed.find("[[rule]]"), std::string::npos) << printed;
    auto again = load_string(printed, "/etc/tocsin/t.toml", fake_env());
    ASSERT_TRUE(again.ok()) << diagnostic_strings(again)[0] << "\n" << printed;
    Config copy = *again.config;
    copy.source_file = c.source_file;
    EXPECT_EQ(copy.rules, c.rules);
    EXPECT_EQ(copy.rules_config, c.rules_config);
    EXPECT_EQ(to_toml(*again.config), printed);
}

TEST(RuleConfig, MissingNameAndExpr) {
    EXPECT_EQ(problems("[[rule]]\nfor = \"1m\"\n"),
              (std::vector<std::string>{"/etc/tocsin/t.toml:1:1: rule[0]: missing required key \"name\"",
                                        "/etc/tocsin/t.toml:1:1: rule[0]: missing required key \"expr\""}));
    EXPECT_EQ(problems("[[rule]]\nname = \"\"\nexpr = \"up\"\n"),
              std::vector<std::string>{"/etc/tocsin/t.toml:2:8: rule[0].name: must not be empty"});
}

TEST(RuleConfig, ExpressionErrorsPointInsideTheExpression) {
    // Column 8 is the opening quote; the parser's column 6 is the 6th character inside it.
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up == \"\n"),
              std::vector<std::string>{"/etc/tocsin/t.toml:3:15: rule[0].expr: parse error: unexpected end of input"});
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = 'rate(up[5m) > 0'\n"),
              std::vector<std::string>{
                  "/etc/tocsin/t.toml:3:19: rule[0].expr: parse error: unexpected \")\" in subquery or range, expected \":\" or \"]\""});
}

TEST(RuleConfig, ExpressionErrorsAreLocatedThroughEscapesAndLines) {
    // \" is two characters in the file, one in the expression.
    auto p = problems("[[rule]]\nname = \"A\"\nexpr = \"x{a=\\\"b\\\"} +\"\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_TRUE(p[0].starts_with("/etc/tocsin/t.toml:3:21: rule[0].expr: parse error: ")) << p[0];
    // A multi-line string: the error is on the expression's second line (the
    // parser places this one just after the parenthesis, as Prometheus does).
    p = problems("[[rule]]\nname = \"A\"\nexpr = '''\nsum(up)\n  by (job) +\n'''\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_TRUE(p[0].starts_with("/etc/tocsin/t.toml:6:1: rule[0].expr: parse error: ")) << p[0];
    p = problems("[[rule]]\nname = \"A\"\nexpr = '''\nsum(up)\n  by (job) )\n'''\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_TRUE(p[0].starts_with("/etc/tocsin/t.toml:5:13: rule[0].expr: parse error: ")) << p[0];
}

TEST(RuleConfig, ExpressionMustBeAVectorOrScalar) {
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up[5m]\"\n"),
              std::vector<std::string>{
                  "/etc/tocsin/t.toml:3:8: rule[0].expr: must be an instant vector or a scalar, got range vector"});
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = '\"text\"'\n"),
              std::vector<std::string>{
                  "/etc/tocsin/t.toml:3:8: rule[0].expr: must be an instant vector or a scalar, got string"});
}

TEST(RuleConfig, BadDurations) {
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up\"\nfor = \"5 minutes\"\nkeep_firing_for = \"-1m\"\n"),
              (std::vector<std::string>{
                  "/etc/tocsin/t.toml:4:7: rule[0].for: invalid duration \"5 minutes\" (use e.g. 90s, 5m, 1h30m)",
                  "/etc/tocsin/t.toml:5:19: rule[0].keep_firing_for: invalid duration \"-1m\" (use e.g. 90s, 5m, 1h30m)"}));
    EXPECT_EQ(problems("[rules]\noutage_tolerance = \"60d\"\ngrace_period = 5\n"),
              (std::vector<std::string>{
                  "/etc/tocsin/t.toml:2:20: rules.outage_tolerance: must be at most 4w2d, got 60d",
                  "/etc/tocsin/t.toml:3:16: rules.grace_period: expected a duration string such as \"90s\", got an integer"}));
}

TEST(RuleConfig, BadLabels) {
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up\"\n"
                       "labels = { \"bad-name\" = \"x\", __name__ = \"y\", alertname = \"z\" }\n"),
              (std::vector<std::string>{
                  "/etc/tocsin/t.toml:4:25: rule[0].labels.bad-name: invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)",
                  "/etc/tocsin/t.toml:4:41: rule[0].labels.__name__: label names starting with __ are reserved",
                  "/etc/tocsin/t.toml:4:58: rule[0].labels.alertname: \"alertname\" is the rule's name and cannot be set"}));
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up\"\nlabels = { n = 1 }\n"),
              std::vector<std::string>{"/etc/tocsin/t.toml:4:16: rule[0].labels.n: expected a string, got an integer"});
}

TEST(RuleConfig, TemplateErrorsPointInsideTheTemplate) {
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up\"\nsummary = \"{{ $labels.job | humanise }}\"\n"),
              std::vector<std::string>{
                  "/etc/tocsin/t.toml:4:29: rule[0].summary: template error: function \"humanise\" not defined"});
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up\"\ndescription = \"\"\"\nline one\n{{ if }}\n\"\"\"\n"),
              std::vector<std::string>{
                  "/etc/tocsin/t.toml:6:7: rule[0].description: template error: missing value for if"});
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up\"\nlabels = { team = \"{{ .Team }}\" }\n"),
              std::vector<std::string>{
                  "/etc/tocsin/t.toml:4:23: rule[0].labels.team: template error: can't evaluate field Team (the alert "
                  "data has Labels, Value, ExternalLabels and ExternalURL)"});
}

TEST(RuleConfig, DuplicateNames) {
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up\"\n[[rule]]\nname = \"A\"\nexpr = \"up\"\n"),
              std::vector<std::string>{
                  "/etc/tocsin/t.toml:5:8: rule[1].name: duplicate rule name \"A\" (first defined on line 2)"});
}

TEST(RuleConfig, UnknownKeysGetASuggestion) {
    EXPECT_EQ(problems("[[rule]]\nname = \"A\"\nexpr = \"up\"\nkeep_firing = \"1m\"\nsumary = \"x\"\n"),
              (std::vector<std::string>{
                  "/etc/tocsin/t.toml:4:1: rule[0].keep_firing: unknown key; did you mean \"keep_firing_for\"?",
                  "/etc/tocsin/t.toml:5:1: rule[0].sumary: unknown key; did you mean \"summary\"?"}));
    EXPECT_EQ(problems("[rules]\ngrace = \"1m\"\n"),
              std::vector<std::string>{
                  "/etc/tocsin/t.toml:2:1: rules.grace: unknown key; did you mean \"grace_period\"?"});
}

TEST(RuleConfig, ControlCharactersInNamesAreRefused) {
    EXPECT_EQ(problems("[[rule]]\nname = \"A\\nB\"\nexpr = \"up\"\n"),
              std::vector<std::string>{"/etc/tocsin/t.toml:2:8: rule[0].name: must not contain control characters"});
}

}  // namespace
}  // namespace tocsin::config
