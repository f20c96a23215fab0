// Rule unit-test scenarios (`tocsin test`): reading the file and running it
// through the real PromQL engine and AlertRule in virtual time.
#include "tocsin/rules/scenario.hpp"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace tocsin::rules {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using tocsin::test::TempDir;

std::vector<std::string> messages(const ScenarioLoad& load) {
    std::vector<std::string> out;
    for (const auto& d : load.diagnostics) out.push_back(d.to_string());
    return out;
}

ScenarioLoad load(const std::string& text) { return load_scenario_string(text, "s.toml"); }

Scenario must_load(const std::string& text, const std::string& name = "s.toml") {
    ScenarioLoad l = load_scenario_string(text, name);
    EXPECT_EQ(l.problem, ScenarioProblem::none) << testing::PrintToString(messages(l));
    return l.scenario.value_or(Scenario{});
}

// Every failure line of the report, prefixed FILE:LINE: as the CLI prints them.
std::vector<std::string> failures(const ScenarioReport& report) {
    std::vector<std::string> out;
    for (const auto& c : report.cases) {
        for (const auto& f : c.failures) out.push_back(c.file + ":" + std::to_string(c.line) + ": " + f);
    }
    return out;
}

const char* const k_ingest =
    "evaluation_interval = \"15s\"\n"
    "\n"
    "[[rule]]\n"
    "name = \"IngestErrors\"\n"
    "expr = 'sum by (job) (rate(http_requests_total{code=~\"5..\"}[1m])) > 0'\n"
    "for = \"5m\"\n"
    "keep_firing_for = \"1m\"\n"
    "\n"
    "[[series]]\n"
    "series = 'http_requests_total{job=\"ingest\",code=\"500\"}'\n"
    "values = '0+0x20 0+6x40'\n";

TEST(ScenarioReader, ReadsTheIssueExample) {
    Scenario s = must_load(std::string(k_ingest) +
                           "\n[[expect]]\n"
                           "at = \"10m\"\n"
                           "rule = \"IngestErrors\"\n"
                           "firing = ['{job=\"ingest\"}']\n"
                           "pending = []\n");
    EXPECT_EQ(s.evaluation_interval, std::chrono::seconds(15));
    ASSERT_EQ(s.rules.size(), 1u);
    EXPECT_EQ(s.rules[0].for_duration, std::chrono::minutes(5));
    EXPECT_EQ(s.rules[0].keep_firing_for, std::chrono::minutes(1));
    ASSERT_EQ(s.series.size(), 1u);
    EXPECT_EQ(s.series[0].labels, (Labels{{"__name__", "http_requests_total"}, {"job", "ingest"}, {"code", "500"}}));
    EXPECT_EQ(s.series[0].values.size(), 62u);
    EXPECT_EQ(s.series[0].interval, std::chrono::seconds(15));  // defaults to evaluation_interval
    ASSERT_EQ(s.expectations.size(), 1u);
    EXPECT_EQ(s.expectations[0].line, 13u);
    EXPECT_EQ(s.expectations[0].at, std::chrono::minutes(10));
    EXPECT_THAT(s.expectations[0].firing, ElementsAre(Labels{{"job", "ingest"}}));
    ASSERT_TRUE(s.expectations[0].pending.has_value());
    EXPECT_TRUE(s.expectations[0].pending->empty());
}

TEST(ScenarioReader, DefaultsAndOptionalKeys) {
    Scenario s = must_load(
        "[[rule]]\nname = \"A\"\nexpr = 'vector(1)'\n"
        "[[expect]]\nat = \"0s\"\nrule = \"A\"\nfiring = ['{}']\n");
    EXPECT_EQ(s.evaluation_interval, std::chrono::minutes(1));  // promtool's default
    EXPECT_FALSE(s.expectations[0].pending.has_value());        // not checked
    EXPECT_THAT(s.expectations[0].firing, ElementsAre(Labels{}));
    EXPECT_TRUE(s.series.empty());
}

TEST(ScenarioReader, LabelSetsAreSetsInAnyOrderAndSpacing) {
    Scenario s = must_load(
        "[[rule]]\nname = \"A\"\nexpr = 'up'\n"
        "[[expect]]\nat = \"0s\"\nrule = \"A\"\n"
        "firing = ['{b=\"2\", a=\"1\"}', \"{ a = 'x' }\", '{a=\"0\"}']\n");
    EXPECT_THAT(s.expectations[0].firing,
                ElementsAre(Labels{{"a", "0"}}, (Labels{{"a", "1"}, {"b", "2"}}), Labels{{"a", "x"}}));
}

TEST(ScenarioReader, UnknownKeysWithSuggestions) {
    ScenarioLoad l = load(
        "evalution_interval = \"15s\"\n"
        "[[rule]]\nname = \"A\"\nexpr = 'up'\nfro = \"5m\"\n"
        "[[series]]\nseries = 'up'\nvalues = '1'\nintervall = \"1m\"\n"
        "[[expect]]\nat = \"0s\"\nrule = \"A\"\nfiring = []\npendin = []\n"
        "[[expects]]\n");
    EXPECT_EQ(l.problem, ScenarioProblem::malformed);
    EXPECT_THAT(messages(l),
                ElementsAre("s.toml:1:1: evalution_interval: unknown key; did you mean \"evaluation_interval\"?",
                            "s.toml:5:1: rule[0].fro: unknown key; did you mean \"for\"?",
                            "s.toml:9:1: series[0].intervall: unknown key; did you mean \"interval\"?",
                            "s.toml:14:1: expect[0].pendin: unknown key; did you mean \"pending\"?",
                            "s.toml:15:3: expects: unknown section; did you mean \"expect\"?"));
}

TEST(ScenarioReader, RuleSchemaIsTheConfigs) {
    ScenarioLoad l = load(
        "[[rule]]\nname = \"A\"\nexpr = 'sum(rate(x[5m])'\nfor = \"5 minutes\"\n"
        "labels = { alertname = \"B\" }\nsummary = '{{ .Nope }}'\n"
        "[[rule]]\nname = \"A\"\nexpr = 'up'\n"
        "[[rule]]\nexpr = 'up'\n"
        "[[expect]]\nat = \"0s\"\nrule = \"A\"\nfiring = []\n");
    EXPECT_EQ(l.problem, ScenarioProblem::malformed);
    const auto m = messages(l);
    ASSERT_EQ(m.size(), 6u) << testing::PrintToString(m);
    EXPECT_THAT(m[0], HasSubstr("s.toml:3:24: rule[0].expr: parse error:"));
    EXPECT_EQ(m[1], "s.toml:4:7: rule[0].for: invalid duration \"5 minutes\" (use e.g. 90s, 5m, 1h30m)");
    EXPECT_THAT(m[2], HasSubstr("rule[0].labels.alertname:"));
    EXPECT_THAT(m[3], HasSubstr("s.toml:6:15: rule[0].summary: template error:"));
    EXPECT_THAT(m[4], HasSubstr("s.toml:8:8: rule[1].name: duplicate"));
    EXPECT_EQ(m[5], "s.toml:10:1: rule[2]: missing required key \"name\"");
}

TEST(ScenarioReader, ExpectationProblems) {
    ScenarioLoad l = load(
        "evaluation_interval = \"15s\"\n"
        "[[rule]]\nname = \"IngestErrors\"\nexpr = 'up'\n"
        "[[expect]]\nat = \"10m7s\"\nrule = \"IngestError\"\n"
        "firing = ['up{a=\"b\"}', '{alertname=\"x\"}', '{a=\"1\"}', '{ a = \"1\" }', 3, '{a=}']\n"
        "pending = '{a=\"1\"}'\n"
        "[[expect]]\n");
    EXPECT_EQ(l.problem, ScenarioProblem::malformed);
    EXPECT_THAT(
        messages(l),
        ElementsAre(
            "s.toml:6:6: expect[0].at: must be a multiple of evaluation_interval (15s): rules are evaluated at 10m and "
            "10m15s, not at 10m7s",
            "s.toml:7:8: expect[0].rule: unknown rule \"IngestError\"; did you mean \"IngestErrors\"?",
            "s.toml:8:11: expect[0].firing[0]: alerts have no metric name; write the labels only, e.g. {a=\"b\"}",
            "s.toml:8:24: expect[0].firing[1]: leave out alertname: it is always the rule's name",
            "s.toml:8:54: expect[0].firing[3]: {a=\"1\"} is listed twice (also expect[0].firing[2])",
            "s.toml:8:69: expect[0].firing[4]: expected a label set such as '{job=\"api\"}', got an integer",
            "s.toml:8:76: expect[0].firing[5]: unexpected \"}\" in label set, expected string",
            "s.toml:9:11: expect[0].pending: expected an array of label sets such as ['{job=\"api\"}'], got a string",
            "s.toml:10:1: expect[1]: missing required key \"at\"",
            "s.toml:10:1: expect[1]: missing required key \"rule\"",
            "s.toml:10:1: expect[1]: missing required key \"firing\""));
}

TEST(ScenarioReader, SeriesProblemsAreLocatedInsideTheString) {
    ScenarioLoad l = load(
        "[[rule]]\nname = \"A\"\nexpr = 'up'\n"
        "[[series]]\nseries = 'up{job=\"a\"'\nvalues = '0+0x20 0+6y40'\n"
        "[[series]]\nseries = '{job=\"a\"}'\nvalues = '1'\n"
        "[[series]]\nseries = 'up{job=\"b\"}'\nvalues = '1'\n"
        "[[series]]\nseries = 'up{job=\"b\"}'\nvalues = '1'\ninterval = \"0s\"\n"
        "[[expect]]\nat = \"0s\"\nrule = \"A\"\nfiring = []\n");
    EXPECT_THAT(messages(l),
                ElementsAre("s.toml:5:21: series[0].series: unexpected end of input inside braces",
                            "s.toml:6:20: series[0].values: bad number syntax: \"6y\"",
                            "s.toml:8:10: series[1].series: needs a metric name, e.g. up{job=\"a\"}",
                            "s.toml:14:10: series[3].series: up{job=\"b\"} is given twice (also at line 11)",
                            "s.toml:16:12: series[3].interval: must be at least 1ms, got 0s"));
}

TEST(ScenarioReader, SyntaxErrorsAndEmptyScenarios) {
    ScenarioLoad syntax = load("[[expect]\n");
    EXPECT_EQ(syntax.problem, ScenarioProblem::malformed);
    ASSERT_EQ(syntax.diagnostics.size(), 1u);
    EXPECT_THAT(syntax.diagnostics[0].to_string(), HasSubstr("s.toml:1:"));
    EXPECT_THAT(syntax.diagnostics[0].to_string(), HasSubstr("syntax error"));

    ScenarioLoad empty = load("evaluation_interval = \"15s\"\n");
    EXPECT_EQ(empty.problem, ScenarioProblem::malformed);
    EXPECT_THAT(messages(empty), ElementsAre("s.toml: no [[expect]] tables: nothing to test"));

    ScenarioLoad no_rules = load("[[expect]]\nat = \"0s\"\nrule = \"A\"\nfiring = []\n");
    EXPECT_THAT(messages(no_rules),
                ElementsAre("s.toml:3:8: expect[0].rule: unknown rule \"A\" (the scenario has no rules: add [[rule]] "
                            "tables or config = \"tocsin.toml\")"));
}

TEST(ScenarioReader, ABadIntervalIsReportedOnce) {
    ScenarioLoad l = load(
        "evaluation_interval = \"15 s\"\n[[rule]]\nname = \"A\"\nexpr = 'up'\n"
        "[[expect]]\nat = \"10m7s\"\nrule = \"A\"\nfiring = []\n");
    EXPECT_THAT(messages(l),
                ElementsAre("s.toml:1:23: evaluation_interval: invalid duration \"15 s\" (use e.g. 90s, 5m, 1h30m)"));
}

TEST(ScenarioReader, TooManyEvaluationsIsRefused) {
    ScenarioLoad l = load(
        "evaluation_interval = \"1ms\"\n[[rule]]\nname = \"A\"\nexpr = 'up'\n"
        "[[expect]]\nat = \"1d\"\nrule = \"A\"\nfiring = []\n");
    EXPECT_THAT(messages(l), ElementsAre(HasSubstr("s.toml:6:6: expect[0].at: needs 86400000 evaluations at 1ms")));
}

TEST(ScenarioReader, MissingFileIsUnreadable) {
    ScenarioLoad l = load_scenario_file("/nonexistent/scenario.toml");
    EXPECT_EQ(l.problem, ScenarioProblem::unreadable);
    EXPECT_THAT(messages(l), ElementsAre("/nonexistent/scenario.toml: cannot read: No such file or directory"));
    TempDir dir;
    EXPECT_EQ(load_scenario_file(dir.path()).problem, ScenarioProblem::unreadable);
}

const char* const k_config =
    "[api]\n"
    "token_file = \"/nonexistent/secret\"\n"  // not read: only [[rule]] tables are
    "\n"
    "[[rule]]\n"
    "name = \"ApiDown\"\n"
    "expr = 'probe_success == 0'\n"
    "for = \"2m\"\n";

TEST(ScenarioConfig, RulesComeFromTheConfigRelativeToTheScenario) {
    TempDir dir;
    std::filesystem::create_directories(dir.file("etc"));
    std::filesystem::create_directories(dir.file("tests"));
    dir.write("etc/tocsin.toml", k_config);
    dir.write("tests/api.toml",
              "config = \"../etc/tocsin.toml\"\n"
              "[[rule]]\nname = \"Other\"\nexpr = 'vector(1)'\n"
              "[[series]]\nseries = 'probe_success{target=\"api\"}'\nvalues = '0x5'\n"
              "[[expect]]\nat = \"1m\"\nrule = \"ApiDown\"\nfiring = []\npending = ['{target=\"api\"}']\n"
              "[[expect]]\nat = \"2m\"\nrule = \"ApiDown\"\nfiring = ['{target=\"api\"}']\n"
              "[[expect]]\nat = \"0s\"\nrule = \"Other\"\nfiring = ['{}']\n");
    ScenarioLoad l = load_scenario_file(dir.file("tests/api.toml"));
    ASSERT_EQ(l.problem, ScenarioProblem::none) << testing::PrintToString(messages(l));
    EXPECT_EQ(l.scenario->config_file, dir.file("etc/tocsin.toml"));
    ASSERT_EQ(l.scenario->rules.size(), 2u);
    EXPECT_EQ(l.scenario->rules[0].name, "ApiDown");  // the config's first
    EXPECT_EQ(l.scenario->rules[1].name, "Other");
    ScenarioReport report = run_scenario(*l.scenario);
    EXPECT_THAT(failures(report), ElementsAre());
    EXPECT_EQ(report.passed(), 3u);
}

TEST(ScenarioConfig, DuplicateNamesAcrossConfigAndScenario) {
    TempDir dir;
    dir.write("tocsin.toml", k_config);
    dir.write("s.toml",
              "config = \"tocsin.toml\"\n"
              "[[rule]]\nname = \"ApiDown\"\nexpr = 'up == 0'\n"
              "[[expect]]\nat = \"0s\"\nrule = \"ApiDown\"\nfiring = []\n");
    ScenarioLoad l = load_scenario_file(dir.file("s.toml"));
    EXPECT_EQ(l.problem, ScenarioProblem::malformed);
    EXPECT_THAT(messages(l),
                ElementsAre(dir.file("s.toml") + ":3:8: rule[0].name: rule \"ApiDown\" is also defined in \"" +
                            dir.file("tocsin.toml") + "\""));
}

TEST(ScenarioConfig, InvalidConfigRulesAndMissingConfig) {
    TempDir dir;
    dir.write("tocsin.toml", "[[rule]]\nname = \"ApiDown\"\nexpr = 'probe_success =='\n");
    dir.write("s.toml", "config = \"tocsin.toml\"\n[[expect]]\nat = \"0s\"\nrule = \"ApiDown\"\nfiring = []\n");
    ScenarioLoad bad = load_scenario_file(dir.file("s.toml"));
    EXPECT_EQ(bad.problem, ScenarioProblem::invalid_config);
    const auto m = messages(bad);
    ASSERT_EQ(m.size(), 2u) << testing::PrintToString(m);
    EXPECT_EQ(m[0],
              dir.file("s.toml") + ":1:10: config: invalid rules in \"" + dir.file("tocsin.toml") + "\" (1 problem)");
    EXPECT_THAT(m[1], HasSubstr(dir.file("tocsin.toml") + ":3:"));
    EXPECT_THAT(m[1], HasSubstr("rule[0].expr: parse error"));

    dir.write("syntax.toml", "[[rule\n");
    dir.write("s2.toml", "config = \"syntax.toml\"\n[[expect]]\nat = \"0s\"\nrule = \"ApiDown\"\nfiring = []\n");
    EXPECT_EQ(load_scenario_file(dir.file("s2.toml")).problem, ScenarioProblem::invalid_config);

    dir.write("s3.toml", "config = \"missing.toml\"\n[[expect]]\nat = \"0s\"\nrule = \"ApiDown\"\nfiring = []\n");
    ScenarioLoad missing = load_scenario_file(dir.file("s3.toml"));
    EXPECT_EQ(missing.problem, ScenarioProblem::unreadable);
    EXPECT_THAT(messages(missing), ElementsAre(dir.file("s3.toml") + ":1:10: config: cannot read \"" +
                                               dir.file("missing.toml") + "\": No such file or directory"));
}

TEST(ScenarioConfig, ConfigPathIsShownAsTypedFromHere) {
    // A relative scenario path keeps the config's path relative in messages.
    ScenarioLoad l = load_scenario_string(
        "config = \"../etc/none.toml\"\n[[expect]]\nat = \"0s\"\nrule = \"A\"\nfiring = []\n", "tests/s.toml");
    EXPECT_THAT(messages(l),
                ElementsAre("tests/s.toml:1:10: config: cannot read \"etc/none.toml\": No such file or directory"));
}

// --- running ---

TEST(ScenarioRunner, IssueExampleBoundaries) {
    // 0 until 5m, then +6 every 15 s from 5m15s: rate > 0 from 5m30s, so
    // pending at 5m30s and firing at 10m30s.
    Scenario s =
        must_load(std::string(k_ingest) +
                  "[[expect]]\nat = \"5m15s\"\nrule = \"IngestErrors\"\nfiring = []\npending = []\n"
                  "[[expect]]\nat = \"5m30s\"\nrule = \"IngestErrors\"\nfiring = []\npending = ['{job=\"ingest\"}']\n"
                  "[[expect]]\nat = \"10m15s\"\nrule = \"IngestErrors\"\nfiring = []\npending = ['{job=\"ingest\"}']\n"
                  "[[expect]]\nat = \"10m30s\"\nrule = \"IngestErrors\"\nfiring = ['{job=\"ingest\"}']\npending = []\n"
                  "[[expect]]\nat = \"15m15s\"\nrule = \"IngestErrors\"\nfiring = ['{job=\"ingest\"}']\n"
                  // The series ends at 15m15s: rate() over 1m has two samples until 16m,
                  // then keep_firing_for holds it from 16m15s until 17m15s.
                  "[[expect]]\nat = \"17m\"\nrule = \"IngestErrors\"\nfiring = ['{job=\"ingest\"}']\n"
                  "[[expect]]\nat = \"17m15s\"\nrule = \"IngestErrors\"\nfiring = []\n");
    ScenarioReport report = run_scenario(s);
    EXPECT_THAT(failures(report), ElementsAre());
    EXPECT_EQ(report.passed(), 7u);
}

TEST(ScenarioRunner, FailuresPrintExpectedAndGotSorted) {
    Scenario s = must_load(
        "[[rule]]\nname = \"Down\"\nexpr = 'up == 0'\nfor = \"2m\"\n"
        "[[series]]\nseries = 'up{job=\"b\"}'\nvalues = '0x10'\n"
        "[[series]]\nseries = 'up{job=\"a\"}'\nvalues = '0x10'\n"
        "[[series]]\nseries = 'up{job=\"c\"}'\nvalues = '1 0x10'\n"
        "[[expect]]\nat = \"2m\"\nrule = \"Down\"\nfiring = ['{job=\"b\"}', '{job=\"a\"}', '{job=\"c\"}']\n"
        "pending = []\n"
        "[[expect]]\nat = \"2m\"\nrule = \"Down\"\nfiring = ['{job=\"a\"}', '{job=\"b\"}']\n",
        "x.toml");
    ScenarioReport report = run_scenario(s);
    EXPECT_EQ(report.passed(), 1u);
    EXPECT_EQ(report.failed(), 1u);
    EXPECT_THAT(failures(report),
                ElementsAre("x.toml:14: rule Down at 2m: firing: expected [{job=\"a\"}, {job=\"b\"}, {job=\"c\"}] got "
                            "[{job=\"a\"}, {job=\"b\"}]",
                            "x.toml:14: rule Down at 2m: pending: expected [] got [{job=\"c\"}]"));
}

TEST(ScenarioRunner, EvaluationErrorsFailTheAffectedExpectations) {
    // From 3m on, two series give the same alert labels once `instance` is
    // overwritten: every evaluation of the rule fails from then on.
    Scenario s = must_load(
        "[[rule]]\nname = \"Dup\"\nexpr = 'up'\nlabels = { instance = \"x\" }\n"
        "[[rule]]\nname = \"Fine\"\nexpr = 'up'\n"
        "[[series]]\nseries = 'up{instance=\"a\"}'\nvalues = '1x10'\n"
        "[[series]]\nseries = 'up{instance=\"b\"}'\nvalues = '_x3 1x5'\n"
        "[[expect]]\nat = \"2m\"\nrule = \"Dup\"\nfiring = ['{instance=\"x\"}']\n"
        "[[expect]]\nat = \"3m\"\nrule = \"Dup\"\nfiring = ['{instance=\"x\"}']\n"
        "[[expect]]\nat = \"5m\"\nrule = \"Dup\"\nfiring = ['{instance=\"x\"}']\n"
        "[[expect]]\nat = \"5m\"\nrule = \"Fine\"\nfiring = ['{instance=\"a\"}', '{instance=\"b\"}']\n",
        "e.toml");
    ScenarioReport report = run_scenario(s);
    EXPECT_THAT(failures(report),
                ElementsAre("e.toml:18: rule Dup at 3m: evaluation failed at 3m: vector contains metrics with the same "
                            "labelset after applying alert labels",
                            "e.toml:22: rule Dup at 5m: evaluation failed at 3m: vector contains metrics with the same "
                            "labelset after applying alert labels"));
    EXPECT_EQ(report.passed(), 2u);
}

TEST(ScenarioRunner, PromqlErrorsAreEvaluationFailures) {
    Scenario s = must_load(
        "[[rule]]\nname = \"Ratio\"\nexpr = 'errors / on(job) requests > 0.1'\n"
        "[[series]]\nseries = 'errors{job=\"a\",path=\"/x\"}'\nvalues = '1x5'\n"
        "[[series]]\nseries = 'errors{job=\"a\",path=\"/y\"}'\nvalues = '_ 1x5'\n"
        "[[series]]\nseries = 'requests{job=\"a\"}'\nvalues = '2x5'\n"
        "[[expect]]\nat = \"0s\"\nrule = \"Ratio\"\nfiring = ['{job=\"a\"}']\n"
        "[[expect]]\nat = \"1m\"\nrule = \"Ratio\"\nfiring = ['{job=\"a\"}']\n",
        "p.toml");
    ScenarioReport report = run_scenario(s);
    const auto f = failures(report);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_THAT(f[0], HasSubstr("p.toml:17: rule Ratio at 1m: evaluation failed at 1m: multiple matches for labels"));
}

TEST(ScenarioRunner, ResolvedAlertsAreNeitherFiringNorPending) {
    Scenario s = must_load(
        "evaluation_interval = \"30s\"\n"
        "[[rule]]\nname = \"A\"\nexpr = 'x > 0'\n"
        "[[series]]\nseries = 'x'\nvalues = '1 0 0 0'\n"
        "[[expect]]\nat = \"0s\"\nrule = \"A\"\nfiring = ['{}']\npending = []\n"
        "[[expect]]\nat = \"30s\"\nrule = \"A\"\nfiring = []\npending = []\n");
    EXPECT_THAT(failures(run_scenario(s)), ElementsAre());
}

TEST(ScenarioRunner, SeriesIntervalDiffersFromEvaluationInterval) {
    // Scraped every 1m, evaluated every 15s: the last sample is used (lookback).
    Scenario s = must_load(
        "evaluation_interval = \"15s\"\n"
        "[[rule]]\nname = \"High\"\nexpr = 'load > 5'\nfor = \"1m\"\n"
        "[[series]]\nseries = 'load{host=\"h\"}'\nvalues = '1 9 9 9'\ninterval = \"1m\"\n"
        "[[expect]]\nat = \"1m45s\"\nrule = \"High\"\nfiring = []\npending = ['{host=\"h\"}']\n"
        "[[expect]]\nat = \"2m\"\nrule = \"High\"\nfiring = ['{host=\"h\"}']\n");
    EXPECT_THAT(failures(run_scenario(s)), ElementsAre());
}

TEST(ScenarioRunner, FormatLabelSets) {
    EXPECT_EQ(format_label_sets({}), "[]");
    EXPECT_EQ(format_label_sets({Labels{}, Labels{{"a", "x\"y"}, {"b", "1"}}}), "[{}, {a=\"x\\\"y\", b=\"1\"}]");
}

}  // namespace
}  // namespace tocsin::rules

namespace tocsin::rules {
namespace {

const char* k_incident_rule = R"(
evaluation_interval = "1m"
[[rule]]
name = "ApiDown"
expr = 'up{job="api"} == 0'
severity = "P1"
component = "api"
[[series]]
series = 'up{job="api"}'
values = '1 1 0x10 1x40'
)";

TEST(ScenarioIncidents, ExpectationsReadEveryKey) {
    Scenario s = must_load(std::string(k_incident_rule) + R"(
[[expect]]
at = "5m"
incidents = [{title = "t", rule = "ApiDown", component = "api", severity = "P1", state = "monitoring", impact = 3, peak_impact = 4.5, acknowledged = false, affected_components = ["web", "db"]}]
)");
    ASSERT_EQ(s.expectations.size(), 1u);
    const auto& e = s.expectations[0];
    EXPECT_TRUE(e.rule.empty());
    ASSERT_TRUE(e.incidents);
    ASSERT_EQ(e.incidents->size(), 1u);
    const auto& i = (*e.incidents)[0];
    EXPECT_EQ(i.title, "t");
    EXPECT_EQ(i.state, incident::IncidentState::monitoring);
    EXPECT_EQ(i.impact, 3);
    EXPECT_EQ(i.peak_impact, 4.5);
    EXPECT_EQ(i.acknowledged, false);
    EXPECT_EQ(i.affected_components, (std::vector<std::string>{"db", "web"}));
}

TEST(ScenarioIncidents, ExpectationProblemsAreLocated) {
    ScenarioLoad l = load(std::string(k_incident_rule) + R"(
[[expect]]
at = "5m"
incidents = [{state = "closed"}, "x", {impact = "3"}, {stat = "open"}]

[[expect]]
at = "6m"
incidents = {rule = "ApiDown"}

[[expect]]
at = "7m"
incidents = []
firing = []
)");
    EXPECT_EQ(l.problem, ScenarioProblem::malformed);
    EXPECT_THAT(messages(l),
                ElementsAre(HasSubstr("expect[0].incidents[0].state: unknown state \"closed\""),
                            HasSubstr("expect[0].incidents[1]: expected an inline table"),
                            HasSubstr("expect[0].incidents[2].impact: expected a number"),
                            HasSubstr("expect[0].incidents[3].stat: unknown key; did you mean \"state\"?"),
                            HasSubstr("expect[1].incidents: expected an array of inline tables"),
                            HasSubstr("expect[2]: missing required key \"rule\"")));
}

TEST(ScenarioIncidents, RunnerReportsExpectedAndGot) {
    Scenario s = must_load(std::string(k_incident_rule) + R"(
[[expect]]
at = "1m"
incidents = []

[[expect]]
at = "3m"
incidents = [{rule = "ApiDown", severity = "P1", state = "investigating", component = "api"}]

[[expect]]
at = "20m"
incidents = [{rule = "ApiDown", state = "investigating"}]

[[expect]]
at = "20m"
incidents = []
)");
    ScenarioReport report = run_scenario(s);
    EXPECT_THAT(failures(report),
                ElementsAre(HasSubstr("s.toml:20: incidents at 20m: incident 1: state: expected investigating got "
                                      "monitoring; all incidents: [#1 {rule=\"ApiDown\" component=\"api\" "
                                      "severity=\"P1\" state=monitoring title=\"ApiDown on api\"}]"),
                            HasSubstr("s.toml:24: incidents at 20m: expected 0 incident(s), got 1")));
}

TEST(ScenarioIncidents, UnknownTierFromAConfigFailsTheIncidentExpectations) {
    TempDir dir;
    dir.write("tocsin.toml", "[severity.Sev1]\nrank = 0\n[incidents]\ndefault_severity = \"Sev1\"\n"
                             "security_severity = \"Sev1\"\n");
    dir.write("s.toml", "config = \"tocsin.toml\"\n" + std::string(k_incident_rule) +
                            "\n[[expect]]\nat = \"3m\"\nincidents = []\n");
    ScenarioLoad l = load_scenario_file(dir.file("s.toml"));
    ASSERT_EQ(l.problem, ScenarioProblem::none) << testing::PrintToString(messages(l));
    ScenarioReport report = run_scenario(*l.scenario);
    EXPECT_THAT(failures(report), ElementsAre(HasSubstr("not a configured tier")));
}

}  // namespace
}  // namespace tocsin::rules
