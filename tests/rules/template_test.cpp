// Alert templates: expansions checked against Go 1.19's text/template with
// Prometheus 2.42's template functions (the expected strings were produced by
// running the same templates through Go), then every load-time error.
#include "tocsin/rules/template.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace tocsin::rules {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();

const Labels& node_labels() {
    static const Labels labels{{"instance", "host.example.com:9100"}, {"job", "node"}};
    return labels;
}

std::string expand(const std::string& text, double value, const Labels& labels = node_labels()) {
    auto parsed = Template::parse(text, "__alert_Test");
    if (auto* error = std::get_if<TemplateError>(&parsed)) return "PARSE ERROR " + error->to_string();
    return std::get<Template>(parsed).expand(TemplateData{labels, value});
}

TemplateError parse_error(const std::string& text) {
    auto parsed = Template::parse(text, "__alert_Test");
    if (auto* error = std::get_if<TemplateError>(&parsed)) return *error;
    ADD_FAILURE() << "parsed: " << text;
    return {};
}

struct GoCase {
    const char* text;
    double value;
    const char* expected;
};

// Generated with Go: template, $value, output (or Prometheus' error text).
const GoCase k_go_cases[] = {
    {"{{ $value }}", 0, "0"},
    {"{{ $value }}", 1, "1"},
    {"{{ $value }}", -1, "-1"},
    {"{{ $value }}", 0.5, "0.5"},
    {"{{ $value }}", 999, "999"},
    {"{{ $value }}", 1000, "1000"},
    {"{{ $value }}", 1234.5678, "1234.5678"},
    {"{{ $value }}", 1e+06, "1e+06"},
    {"{{ $value }}", 1.5e+09, "1.5e+09"},
    {"{{ $value }}", -2.5e+12, "-2.5e+12"},
    {"{{ $value }}", 1e+27, "1e+27"},
    {"{{ $value }}", 0.001, "0.001"},
    {"{{ $value }}", 0.000123, "0.000123"},
    {"{{ $value }}", 1e-30, "1e-30"},
    {"{{ $value }}", k_nan, "NaN"},
    {"{{ $value }}", k_inf, "+Inf"},
    {"{{ $value }}", -k_inf, "-Inf"},
    {"{{ humanize $value }}", 0, "0"},
    {"{{ humanize $value }}", 1, "1"},
    {"{{ humanize $value }}", -1, "-1"},
    {"{{ humanize $value }}", 0.5, "500m"},
    {"{{ humanize $value }}", 999, "999"},
    {"{{ humanize $value }}", 1000, "1k"},
    {"{{ humanize $value }}", 1234.5678, "1.235k"},
    {"{{ humanize $value }}", 1e+06, "1M"},
    {"{{ humanize $value }}", 1.5e+09, "1.5G"},
    {"{{ humanize $value }}", -2.5e+12, "-2.5T"},
    {"{{ humanize $value }}", 1e+27, "1000Y"},
    {"{{ humanize $value }}", 0.001, "1m"},
    {"{{ humanize $value }}", 0.000123, "123u"},
    {"{{ humanize $value }}", 1e-30, "1e-06y"},
    {"{{ humanize $value }}", k_nan, "NaN"},
    {"{{ humanize $value }}", k_inf, "+Inf"},
    {"{{ humanize $value }}", -k_inf, "-Inf"},
    {"{{ humanize1024 $value }}", 0, "0"},
    {"{{ humanize1024 $value }}", 1, "1"},
    {"{{ humanize1024 $value }}", 1023, "1023"},
    {"{{ humanize1024 $value }}", 1024, "1ki"},
    {"{{ humanize1024 $value }}", 1536, "1.5ki"},
    {"{{ humanize1024 $value }}", 1.048576e+06, "1Mi"},
    {"{{ humanize1024 $value }}", 1e+12, "931.3Gi"},
    {"{{ humanize1024 $value }}", -5000, "-4.883ki"},
    {"{{ humanize1024 $value }}", 0.5, "0.5"},
    {"{{ humanize1024 $value }}", k_nan, "NaN"},
    {"{{ humanize1024 $value }}", k_inf, "+Inf"},
    {"{{ humanizeDuration $value }}", 0, "0s"},
    {"{{ humanizeDuration $value }}", 0.5, "500ms"},
    {"{{ humanizeDuration $value }}", 0.000123, "123us"},
    {"{{ humanizeDuration $value }}", 1, "1s"},
    {"{{ humanizeDuration $value }}", 59.5, "59.5s"},
    {"{{ humanizeDuration $value }}", 60, "1m 0s"},
    {"{{ humanizeDuration $value }}", 61, "1m 1s"},
    {"{{ humanizeDuration $value }}", 3599, "59m 59s"},
    {"{{ humanizeDuration $value }}", 3600, "1h 0m 0s"},
    {"{{ humanizeDuration $value }}", 3661, "1h 1m 1s"},
    {"{{ humanizeDuration $value }}", 86400, "1d 0h 0m 0s"},
    {"{{ humanizeDuration $value }}", 90061, "1d 1h 1m 1s"},
    {"{{ humanizeDuration $value }}", 1e+09, "11574d 1h 46m 40s"},
    {"{{ humanizeDuration $value }}", -61, "-1m 1s"},
    {"{{ humanizeDuration $value }}", -0.002, "-2ms"},
    {"{{ humanizeDuration $value }}", k_nan, "NaN"},
    {"{{ humanizeDuration $value }}", -k_inf, "-Inf"},
    {"{{ humanizePercentage $value }}", 0, "0%"},
    {"{{ humanizePercentage $value }}", 0.5, "50%"},
    {"{{ humanizePercentage $value }}", 0.123456, "12.35%"},
    {"{{ humanizePercentage $value }}", 1, "100%"},
    {"{{ humanizePercentage $value }}", 2.5, "250%"},
    {"{{ humanizePercentage $value }}", k_nan, "NaN%"},
    {"{{ humanizeTimestamp $value }}", 0, "1970-01-01 00:00:00 +0000 UTC"},
    {"{{ humanizeTimestamp $value }}", 1.435065584128e+09, "2015-06-23 13:19:44.128 +0000 UTC"},
    {"{{ humanizeTimestamp $value }}", 1, "1970-01-01 00:00:01 +0000 UTC"},
    {"{{ humanizeTimestamp $value }}", -1, "1969-12-31 23:59:59 +0000 UTC"},
    {"{{ humanizeTimestamp $value }}", 1e+10, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <humanizeTimestamp $value>: error calling humanizeTimestamp: 1e+10 cannot be represented as a nanoseconds timestamp since it overflows int64>"},
    {"{{ humanizeTimestamp $value }}", k_nan, "NaN"},
    {"{{ humanizeTimestamp $value }}", k_inf, "+Inf"},
    {"{{ humanizeTimestamp $value }}", 1e+19, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <humanizeTimestamp $value>: error calling humanizeTimestamp: 1e+19 cannot be represented as a nanoseconds timestamp since it overflows int64>"},
    {"{{ printf \"%.2f\" $value }}", 3.14159, "3.14"},
    {"{{ printf \"%.2f\" $value }}", 1e+06, "1000000.00"},
    {"{{ printf \"%.2f\" $value }}", k_nan, "NaN"},
    {"{{ printf \"%.2f\" $value }}", -k_inf, "-Inf"},
    {"{{ printf \"%d %s %v %5.1f|%-6.2f|%06.2f|%+.1e|%g|%G|%x|%q|%t\" 3 \"s\" $value $value $value $value $value $value 1e21 255 \"q\" true }}", 2.5, "3 s 2.5   2.5|2.50  |002.50|+2.5e+00|2.5|1E+21|ff|\"q\"|true"},
    {"{{ printf \"%d %s %v %5.1f|%-6.2f|%06.2f|%+.1e|%g|%G|%x|%q|%t\" 3 \"s\" $value $value $value $value $value $value 1e21 255 \"q\" true }}", -2.5, "3 s -2.5  -2.5|-2.50 |-02.50|-2.5e+00|-2.5|1E+21|ff|\"q\"|true"},
    {"{{ printf \"%d\" $value }}{{ printf \"%s\" 1 }}{{ printf \"%d %d\" 1 }}{{ printf \"%d\" 1 2 }}{{ printf \"%\" }}", 1.5, "%!d(float64=1.5)%!s(int=1)1 %!d(MISSING)1%!(EXTRA int=2)%!(NOVERB)"},
    {"{{ $labels.instance | stripPort }} {{ stripPort \"[::1]:80\" }} {{ stripPort \"host\" }} {{ stripDomain \"a.b.c:9\" }} {{ stripDomain \"a.b.c\" }} {{ stripDomain \"10.0.0.1:9\" }} {{ stripDomain \"[::1]:80\" }}", 0, "host.example.com ::1 host a:9 a 10.0.0.1:9 [::1]:80"},
    {"{{ title \"hello wORLD foo_bar it's 3am\" }} {{ toUpper \"abc\" }} {{ toLower \"ABC\" }}", 0, "Hello WORLD Foo_bar It'S 3am ABC abc"},
    {"{{ match \"^a.c$\" \"abc\" }} {{ match \"b\" \"abc\" }} {{ reReplaceAll \"(a+)(b)?\" \"[$1|${2}|$$]\" \"aab xa c\" }} {{ reReplaceAll \"x*\" \"-\" \"abc\" }} {{ reReplaceAll \"(?P<n>\\\\w+)@(\\\\w+)\" \"$2 at ${n}\" \"me@host\" }}", 0, "true true [aa|b|$] x[a||$] c -a-b-c- host at me"},
    {"{{ if gt $value 10.0 }}big{{ else if gt $value 1.0 }}medium{{ else }}small{{ end }}", 100, "big"},
    {"{{ if gt $value 10.0 }}big{{ else if gt $value 1.0 }}medium{{ else }}small{{ end }}", 5, "medium"},
    {"{{ if gt $value 10.0 }}big{{ else if gt $value 1.0 }}medium{{ else }}small{{ end }}", 0, "small"},
    {"{{ with $labels.job }}job={{ . }}{{ else }}nojob{{ end }} {{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }} {{ range $labels }}[{{ . }}]{{ end }} {{ len $labels }} {{ index $labels \"instance\" }}", 0, "job=node instance=host.example.com:9100,job=node, [host.example.com:9100][node] 2 host.example.com:9100"},
    {"{{ and 1 0 }} {{ and 1 2 }} {{ or 0 \"\" }} {{ or 0 \"x\" }} {{ not 0 }} {{ eq 1 2 3 1 }} {{ ne \"a\" \"b\" }} {{ lt 1.5 2.5 }} {{ le 2 2 }} {{ ge \"b\" \"a\" }} {{ print 1 2 \"x\" 3 }} {{ println \"a\" 1 }}", 0, "0 2  x true true true true true true 1 2x3 a 1\n"},
    {"{{ html \"<a href='x'>&\" }} {{ urlquery \"a b&c=d/é\" }} {{ .Labels.job }} {{ .Value }} {{ .ExternalURL }}|{{ $externalLabels }} {{ .Labels }} {{ $labels.missing }}|", 7, "&lt;a href=&#39;x&#39;&gt;&amp; a+b%26c%3Dd%2F%C3%A9 node 7 |map[] map[instance:host.example.com:9100 job:node] |"},
    {"a  {{- /* comment */ -}}  b {{- 1 -}} \n c {{ 1e3 }} {{ 0x10 }} {{ 010 }} {{ -2 }} {{ 1.0 }} {{ \"tab\\tq\\\"\" }} {{ `raw` }} {{ (printf \"%s-%s\" \"x\" \"y\") }} {{ $x := 5 }}{{ $x }}{{ $x = 6 }}{{ $x }}", 0, "ab1c 1000 16 8 -2 1 tab\tq\" raw x-y 56"},
    {"{{ humanize $labels.job }}", 1, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <humanize $labels.job>: error calling humanize: strconv.ParseFloat: parsing \"node\": invalid syntax>"},
    {"{{ humanize \"1234.5\" }} {{ humanize 2048 }} {{ humanizeDuration \"90\" }}", 1, "1.234k 2.048k 1m 30s"},
    {"{{ gt $value 1 }}", 1, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <gt $value 1>: error calling gt: incompatible types for comparison>"},
    {"x\n  {{ len $value }}", 1, "<error expanding template: error executing template __alert_Test: template: __alert_Test:2:5: executing \"__alert_Test\" at <len $value>: error calling len: len of type float64>"},
    {"{{ lt true false }}", 1, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <lt true false>: error calling lt: invalid type for comparison>"},
    {"{{ index $value \"x\" }}", 1, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <index $value \"x\">: error calling index: can't index item of type float64>"},
    {"{{ humanizeTimestamp 1e12 }}", 1, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <humanizeTimestamp 1e12>: error calling humanizeTimestamp: 1e+12 cannot be represented as a nanoseconds timestamp since it overflows int64>"},
    {"{{ humanize true }}", 1, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <humanize true>: error calling humanize: can't convert bool to float>"},
    {"{{ eq 1 }}", 1, "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: executing \"__alert_Test\" at <eq 1>: error calling eq: missing argument for comparison>"},
};

TEST(Template, MatchesGoTextTemplateAndPrometheusFunctions) {
    for (const GoCase& c : k_go_cases) {
        EXPECT_EQ(expand(c.text, c.value), c.expected) << c.text << " with $value = " << c.value;
    }
}

TEST(Template, LabelsAndValueBothSpellings) {
    EXPECT_EQ(expand("{{ $labels.job }}/{{ .Labels.job }} {{ $value }}/{{ .Value }}", 0.25), "node/node 0.25/0.25");
    EXPECT_EQ(expand("{{$labels.instance}} down", 0), "host.example.com:9100 down");
}

TEST(Template, TextWithoutActionsIsConstant) {
    auto parsed = Template::parse("plain text, no braces");
    ASSERT_TRUE(std::holds_alternative<Template>(parsed));
    const Template& t = std::get<Template>(parsed);
    EXPECT_TRUE(t.is_constant());
    EXPECT_EQ(t.text(), "plain text, no braces");
    EXPECT_EQ(t.expand(TemplateData{node_labels(), 1}), "plain text, no braces");
    EXPECT_FALSE(std::get<Template>(Template::parse("{{ 1 }}")).is_constant());
    EXPECT_EQ(expand("", 1), "");
}

TEST(Template, RunTimeErrorsBecomeTheAnnotationAndAreReported) {
    auto parsed = Template::parse("{{ humanize $labels.job }}", "__alert_X");
    const Template& t = std::get<Template>(parsed);
    std::string error = "stale";
    std::string out = t.expand(TemplateData{node_labels(), 1}, &error);
    EXPECT_EQ(out, "<error expanding template: " + error + ">");
    EXPECT_NE(error.find("strconv.ParseFloat: parsing \"node\": invalid syntax"), std::string::npos) << error;
    t.expand(TemplateData{Labels{{"job", "12"}}, 1}, &error);
    EXPECT_EQ(error, "");
}

TEST(Template, BadRegexIsARunTimeError) {
    std::string out = expand("{{ reReplaceAll \"(\" \"x\" \"y\" }}", 1);
    EXPECT_TRUE(out.starts_with("<error expanding template: error executing template __alert_Test: template: "
                                "__alert_Test:1:115: executing \"__alert_Test\" at <reReplaceAll \"(\" \"x\" \"y\">: "
                                "error calling reReplaceAll: regexp: Compile(\"(\"): "))
        << out;
}

TEST(Template, WrongArgumentTypeIsARunTimeError) {
    EXPECT_NE(expand("{{ toUpper $value }}", 1).find("error calling toUpper: wrong type for value; expected string; got float64"),
              std::string::npos);
    EXPECT_NE(expand("{{ match 1 \"x\" }}", 1).find("expected string; got int"), std::string::npos);
}

TEST(Template, NaNComparesFalse) {
    EXPECT_EQ(expand("{{ if gt $value 1.0 }}up{{ else }}not{{ end }} {{ eq $value $value }}", k_nan), "not false");
}

TEST(Template, VariablesAreScopedToTheirBlock) {
    EXPECT_EQ(expand("{{ $a := 1 }}{{ if true }}{{ $a = 2 }}{{ $b := 3 }}{{ $b }}{{ end }}{{ $a }}", 0), "32");
    EXPECT_EQ(parse_error("{{ if true }}{{ $b := 3 }}{{ end }}{{ $b }}").message, "undefined variable \"$b\"");
}

TEST(Template, WithAndRangeChangeDot) {
    EXPECT_EQ(expand("{{ with $labels }}{{ .job }}{{ end }}", 0), "node");
    EXPECT_EQ(expand("{{ range $labels }}{{ else }}empty{{ end }}", 0, Labels{}), "empty");
    EXPECT_EQ(expand("{{ range $v := $labels }}{{ $v }};{{ end }}", 0), "host.example.com:9100;node;");
    EXPECT_EQ(expand("{{ if false }}a{{ else if false }}b{{ else if true }}c{{ else }}d{{ end }}", 0), "c");
    EXPECT_NE(expand("{{ range $value }}x{{ end }}", 1).find("range can't iterate over 1"), std::string::npos);
}

TEST(Template, ParseErrorsAreLocated) {
    struct Case {
        const char* text;
        std::size_t line, column;
        const char* message;
    };
    const Case cases[] = {
        {"{{ humanise $value }}", 1, 4, "function \"humanise\" not defined"},
        {"{{ query \"up\" }}", 1, 4, "function \"query\" is not supported by tocsin"},
        {"ok\n{{ $valu }}", 2, 4, "undefined variable \"$valu\""},
        {"{{ $value", 1, 10, "unclosed action"},
        {"{{ if true }}x", 1, 15, "unexpected EOF"},
        {"{{ end }}", 1, 4, "unexpected {{end}}"},
        {"{{ else }}", 1, 4, "unexpected {{else}}"},
        {"{{ if }}{{ end }}", 1, 7, "missing value for if"},
        {"{{ }}", 1, 4, "missing value for command"},
        {"{{ \"abc }}", 1, 4, "unterminated quoted string"},
        {"{{ `abc }}", 1, 4, "unterminated raw quoted string"},
        {"{{ 'a' }}", 1, 4, "character constants are not supported in alert templates"},
        {"{{ 1x }}", 1, 4, "bad number syntax: \"1x\""},
        {"{{ 0x }}", 1, 4, "bad number syntax: \"0x\""},
        {"{{ 99999999999999999999 }}", 1, 4, "bad number syntax: \"99999999999999999999\""},
        {"{{ \"\\q\" }}", 1, 4, "invalid syntax"},
        {"{{/* open", 1, 1, "unclosed comment"},
        {"{{/* c */ x }}", 1, 1, "comment ends before closing delimiter"},
        {"{{ humanize }}", 1, 4, "wrong number of args for humanize: want 1 got 0"},
        {"{{ $value | humanize 1 }}", 1, 13, "wrong number of args for humanize: want 1 got 2"},
        {"{{ reReplaceAll \"a\" \"b\" }}", 1, 4, "wrong number of args for reReplaceAll: want 3 got 2"},
        {"{{ ne 1 }}", 1, 4, "wrong number of args for ne: want 2 got 1"},
        {"{{ printf }}", 1, 4, "wrong number of args for printf: want at least 1 got 0"},
        {"{{ $value 1 }}", 1, 4, "can't give argument to non-function $value"},
        {"{{ 1 | $value }}", 1, 8, "can't give argument to non-function $value"},
        {"{{ nil }}", 1, 4, "nil is not a command"},
        {"{{ .Foo }}", 1, 4, "can't evaluate field Foo (the alert data has Labels, Value, ExternalLabels and ExternalURL)"},
        {"{{ $value.x }}", 1, 4, "can't evaluate field x in type float64"},
        {"{{ $labels.job.x }}", 1, 4, "can't evaluate field x in type string"},
        {"{{ define \"x\" }}{{ end }}", 1, 4, "{{define}} is not supported in alert templates"},
        {"{{ template \"x\" }}", 1, 4, "{{template}} is not supported in alert templates"},
        {"{{ $x = 1 }}", 1, 4, "undefined variable \"$x\""},
        {"{{ $a, $b := $labels }}", 1, 6, "too many declarations in command"},
        {"{{ (1 }}", 1, 7, "unclosed left paren"},
        {"{{ 1 ) }}", 1, 6, "unexpected \")\" in command"},
        {"{{ if true }}{{ else }}{{ else }}{{ end }}", 1, 27, "expected end; found {{else}}"},
        {"{{ 1 # }}", 1, 6, "unexpected \"#\" in operand"},
        {"{{ \"a\".x }}", 1, 7, "unexpected . after term \"a\""},
    };
    for (const Case& c : cases) {
        TemplateError e = parse_error(c.text);
        EXPECT_EQ(e.message, c.message) << c.text;
        EXPECT_EQ(e.line, c.line) << c.text;
        EXPECT_EQ(e.column, c.column) << c.text;
    }
    EXPECT_EQ(parse_error("{{ humanise 1 }}").to_string(), "1:4: function \"humanise\" not defined");
}

TEST(Template, FieldsOfDotInsideWithAndRangeAreNotCheckedEarly) {
    // Dot is not the alert data there; Go decides at run time.
    EXPECT_EQ(expand("{{ with $labels }}{{ .job }}{{ end }}", 0), "node");
    EXPECT_NE(expand("{{ with $value }}{{ .Foo }}{{ end }}", 1).find("can't evaluate field Foo in type float64"),
              std::string::npos);
}

TEST(Template, TrimMarkersNeedASpace) {
    EXPECT_EQ(expand("a {{- 3 }}", 0), "a3");
    EXPECT_EQ(expand("a {{-3 }}", 0), "a -3");
    EXPECT_EQ(expand("{{ 3 -}}\n\n b", 0), "3b");
    EXPECT_EQ(expand("{{- /* x */ -}}", 0), "");
}

TEST(Template, RunawayTemplatesStop) {
    // Nothing loops in this subset, so every template ends; deep nesting is refused.
    std::string deep;
    for (int i = 0; i < 200; ++i) deep += "{{ if true }}";
    EXPECT_EQ(parse_error(deep).message, "template nested too deeply");
}

}  // namespace
}  // namespace tocsin::rules
