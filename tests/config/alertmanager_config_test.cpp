// [alertmanager]: the receiver's switch, its routes (matchers, rule,
// component, severity mapping, title) and each mistake located, with
// suggestions for tiers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;
using testing::load_ok;
using testing::problems;

const std::string& f = testing::k_test_file;

TEST(AlertmanagerConfig, OffByDefault) {
    Config c = load_ok("");
    EXPECT_FALSE(c.alertmanager.enabled);
    EXPECT_TRUE(c.alertmanager.routes.empty());
    EXPECT_FALSE(c.alertmanager.default_route);
}

TEST(AlertmanagerConfig, EveryKey) {
    Config c = load_ok(R"(
[[component]]
name = "db"

[alertmanager]
enabled = true
stale_after = "6h"
max_alerts = 500

[[alertmanager.route]]
match = '{team="db", severity=~"critical|warning"}'
rule_label = "alertname"
component = "db"
severity_label = "severity"
severity_map = { critical = "P1", warning = "P2" }
group_by = ["alertname", "instance"]
title = '{{ $labels.alertname }} on {{ $labels.instance }}'
description_annotation = "details"

[[alertmanager.route]]
rule = "Watchdog"
component_label = "service"
severity = "declassified"

[alertmanager.default_route]
title_annotation = "message"
)");
    const auto& am = c.alertmanager;
    EXPECT_TRUE(am.enabled);
    EXPECT_EQ(am.stale_after, std::optional<Duration>(6h));
    EXPECT_EQ(am.max_alerts, 500);
    ASSERT_EQ(am.routes.size(), 2u);
    const auto& r = am.routes[0];
    EXPECT_EQ(r.match, R"({team="db", severity=~"critical|warning"})");
    EXPECT_EQ(r.rule, "");
    EXPECT_EQ(r.rule_label, "alertname");
    EXPECT_EQ(r.component, "db");
    EXPECT_EQ(r.severity_map, (StringPairs{{"critical", "P1"}, {"warning", "P2"}}));
    EXPECT_EQ(r.group_by, (std::vector<std::string>{"alertname", "instance"}));
    EXPECT_EQ(r.title_annotation, "summary");
    EXPECT_EQ(r.description_annotation, "details");
    EXPECT_EQ(am.routes[1].rule, "Watchdog");
    EXPECT_EQ(am.routes[1].component_label, "service");
    EXPECT_EQ(am.routes[1].severity, "declassified");
    ASSERT_TRUE(am.default_route);
    EXPECT_EQ(am.default_route->title_annotation, "message");
    EXPECT_EQ(am.default_route->match, "");
}

TEST(AlertmanagerConfig, ComponentsAreFreeWithoutComponentTables) {
    Config c = load_ok("[alertmanager]\nenabled = true\n[[alertmanager.route]]\ncomponent = \"anything\"\n");
    EXPECT_EQ(c.alertmanager.routes.at(0).component, "anything");
}

TEST(AlertmanagerConfig, Mistakes) {
    EXPECT_EQ(problems("[alertmanager]\nenabled = true\n"),
              std::vector<std::string>{f + ":2:11: alertmanager.enabled: no [[alertmanager.route]] and no "
                                           "[alertmanager.default_route]: every alert would be dropped; add a route "
                                           "(an empty [alertmanager.default_route] takes every alert)"});
    EXPECT_EQ(problems("[[alertmanager.route]]\nseverity = \"P7\"\n"),
              std::vector<std::string>{f + ":2:12: alertmanager.route[0].severity: unknown severity \"P7\" (expected "
                                           "\"P0\", \"P1\", \"P2\" or \"declassified\")"});
    EXPECT_EQ(problems("[[alertmanager.route]]\nseverity_map = { critical = \"p1\" }\n"),
              std::vector<std::string>{f + ":2:29: alertmanager.route[0].severity_map.critical: unknown severity "
                                           "\"p1\" (expected \"P0\", \"P1\", \"P2\" or \"declassified\"); "
                                           "did you mean \"P1\"?"});
    EXPECT_EQ(problems("[[component]]\nname = \"db\"\n[[alertmanager.route]]\ncomponent = \"dv\"\n"),
              std::vector<std::string>{f + ":4:13: alertmanager.route[0].component: unknown component \"dv\"; did "
                                           "you mean \"db\"?"});
    EXPECT_EQ(problems("[[alertmanager.route]]\nmatch = 'up{a=\"b\"}'\n"),
              std::vector<std::string>{f + ":2:9: alertmanager.route[0].match: a metric name is not allowed: alerts "
                                           "have none (write label matchers in braces, such as {env=\"staging\", "
                                           "service=~\"db.*\"})"});
    EXPECT_EQ(problems("[[alertmanager.route]]\nrule_label = \"alert-name\"\n").size(), 1u);
    EXPECT_EQ(problems("[[alertmanager.route]]\nrule = \"A\"\nrule_label = \"x\"\n"),
              std::vector<std::string>{f + ":3:14: alertmanager.route[0].rule_label: set either rule or rule_label, "
                                           "not both"});
    EXPECT_EQ(problems("[[rule]]\nname = \"Up\"\nexpr = \"up == 0\"\n[[alertmanager.route]]\nrule = \"Up\"\n"),
              std::vector<std::string>{f + ":5:8: alertmanager.route[0].rule: \"Up\" is a [[rule]] of this file: "
                                           "Alertmanager's alerts keep their own incidents, choose another name"});
    EXPECT_EQ(problems("[alertmanager.default_route]\nmatch = '{a=\"b\"}'\n"),
              std::vector<std::string>{f + ":2:9: alertmanager.default_route.match: the default route takes every "
                                           "alert no route matched: no match here"});
    EXPECT_EQ(problems("[alertmanager]\nstale_after = \"10s\"\n").size(), 1u);
    EXPECT_THAT(problems("[[alertmanager.route]]\ntitle = '{{ $labels.x | nope }}'\n").at(0),
                ::testing::HasSubstr("alertmanager.route[0].title"));
    EXPECT_EQ(problems("[[alertmanager.route]]\nseverty = \"P1\"\n"),
              std::vector<std::string>{f + ":2:1: alertmanager.route[0].severty: unknown key; did you mean "
                                           "\"severity\"?"});
}

}  // namespace
}  // namespace tocsin::config
