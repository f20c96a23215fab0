// Differential cases: the inputs of Prometheus 2.42's own parser tests
// (model/textparse/promparse_test.go and openmetricsparse_test.go at
// v2.42.0), with the outcome Prometheus' test asserts for each: the samples
// it expects (name, label set, value, timestamp), or that the input is
// rejected. Prometheus reports no line numbers, so the line of each error is
// read off the input; the message column is tocsin's wording of the reason
// Prometheus gives, noted next to it when the two differ in substance.
// Sample types are tocsin's addition (Prometheus returns TYPE entries
// separately) and follow from each page's TYPE lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "scrape_test_support.hpp"

namespace tocsin::scrape {
namespace {

using namespace std::string_literals;
using testing::LabelPairs;
using testing::Sample;
using testing::sample;

constexpr auto k_text = ExpositionFormat::prometheus_text;
constexpr auto k_om = ExpositionFormat::openmetrics;

// Prometheus hands out label sets sorted by name; compare the same way.
std::vector<Sample> sorted_labels(std::vector<Sample> samples) {
    for (auto& s : samples) std::sort(s.labels.begin(), s.labels.end());
    return samples;
}

void expect_page(ExpositionFormat format, const std::string& page, const std::vector<Sample>& want) {
    auto o = testing::parse_page(format, page);
    ASSERT_FALSE(o.error) << "line " << o.error->line << ": " << o.error->message;
    auto got = sorted_labels(o.samples);
    auto expected = sorted_labels(want);
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << "sample " << i;
}

// ---- TestPromParse: one page through the text parser ----

TEST(PrometheusCases, TestPromParse) {
    std::string page = R"(# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# 	TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
go_gc_duration_seconds{quantile="0.8", a="b"} 8.3835e-05
go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05
# Hrandom comment starting with prefix of HELP
#
wind_speed{A="2",c="3"} 12345
# comment with escaped \n newline
# comment with escaped \ escape character
# HELP nohelp1
# HELP nohelp2 
go_gc_duration_seconds{ quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile= "1.0", a= "b", } 8.3835e-05
go_gc_duration_seconds { quantile = "1.0", a = "b" } 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"}	1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33  	123123
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\"bar\""} 1)";
    page += "\n# HELP metric foo\x00" "bar"s;
    page += "\nnull_byte_metric{a=\"abc\x00\"} 1"s;

    const auto summary = MetricType::summary;
    const auto unknown = MetricType::unknown;
    const std::string gc = "go_gc_duration_seconds";
    expect_page(k_text, page,
                {
                    sample(gc, {{"quantile", "0"}}, 4.9351e-05, 3, summary),
                    sample(gc, {{"quantile", "0.25"}}, 7.424100000000001e-05, 4, summary),
                    sample(gc, {{"quantile", "0.5"}, {"a", "b"}}, 8.3835e-05, 5, summary),
                    sample(gc, {{"quantile", "0.8"}, {"a", "b"}}, 8.3835e-05, 6, summary),
                    sample(gc, {{"quantile", "0.9"}, {"a", "b"}}, 8.3835e-05, 7, summary),
                    sample("wind_speed", {{"A", "2"}, {"c", "3"}}, 12345, 10, unknown),
                    sample(gc, {{"quantile", "1.0"}, {"a", "b"}}, 8.3835e-05, 15, summary),
                    sample(gc, {{"quantile", "1.0"}, {"a", "b"}}, 8.3835e-05, 16, summary),
                    sample(gc, {{"quantile", "1.0"}, {"a", "b"}}, 8.3835e-05, 17, summary),
                    sample(gc, {{"quantile", "1.0"}, {"a", "b"}}, 8.3835e-05, 18, summary),
                    sample("go_gc_duration_seconds_count", {}, 99, 19, summary),
                    sample("some:aggregate:rate5m", {{"a_b", "c"}}, 1, 20, unknown),
                    sample("go_goroutines", {}, 33, 23, MetricType::gauge, 123123),
                    sample("_metric_starting_with_underscore", {}, 1, 24, unknown),
                    sample("testmetric", {{"_label_starting_with_underscore", "foo"}}, 1, 25, unknown),
                    sample("testmetric", {{"label", "\"bar\""}}, 1, 26, unknown),
                    sample("null_byte_metric", {{"a", "abc\x00"s}}, 1, 28, unknown),
                });
}

// ---- TestOpenMetricsParse: one page through the OpenMetrics parser ----

TEST(PrometheusCases, TestOpenMetricsParse) {
    std::string page = R"(# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
# UNIT go_gc_duration_seconds seconds
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
# HELP nohelp1 
# HELP help2 escape \ \n \\ \" \x chars
# UNIT nounit 
go_gc_duration_seconds{quantile="1.0",a="b"} 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"} 1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33 123.123
# TYPE hh histogram
hh_bucket{le="+Inf"} 1
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 1
# TYPE hhh histogram
hhh_bucket{le="+Inf"} 1 # {aa="bb"} 4
# TYPE ggh gaugehistogram
ggh_bucket{le="+Inf"} 1 # {cc="dd",xx="yy"} 4 123.123
# TYPE ii info
ii{foo="bar"} 1
# TYPE ss stateset
ss{ss="foo"} 1
ss{ss="bar"} 0
ss{A="a"} 0
# TYPE un unknown
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\"bar\""} 1
# TYPE foo counter
foo_total 17.0 1520879607.789 # {xx="yy"} 5)";
    page += "\n# HELP metric foo\x00" "bar"s;
    page += "\nnull_byte_metric{a=\"abc\x00\"} 1"s;
    page += "\n# EOF\n";

    const auto summary = MetricType::summary;
    const auto unknown = MetricType::unknown;
    const std::string gc = "go_gc_duration_seconds";
    // Exemplars (lines 21, 23, 35) are validated and dropped by tocsin.
    expect_page(k_om, page,
                {
                    sample(gc, {{"quantile", "0"}}, 4.9351e-05, 4, summary),
                    sample(gc, {{"quantile", "0.25"}}, 7.424100000000001e-05, 5, summary),
                    sample(gc, {{"quantile", "0.5"}, {"a", "b"}}, 8.3835e-05, 6, summary),
                    sample(gc, {{"quantile", "1.0"}, {"a", "b"}}, 8.3835e-05, 10, summary),
                    sample("go_gc_duration_seconds_count", {}, 99, 11, summary),
                    sample("some:aggregate:rate5m", {{"a_b", "c"}}, 1, 12, unknown),
                    sample("go_goroutines", {}, 33, 15, MetricType::gauge, 123123),
                    sample("hh_bucket", {{"le", "+Inf"}}, 1, 17, MetricType::histogram),
                    sample("gh_bucket", {{"le", "+Inf"}}, 1, 19, MetricType::gaugehistogram),
                    sample("hhh_bucket", {{"le", "+Inf"}}, 1, 21, MetricType::histogram),
                    sample("ggh_bucket", {{"le", "+Inf"}}, 1, 23, MetricType::gaugehistogram),
                    sample("ii", {{"foo", "bar"}}, 1, 25, MetricType::info),
                    sample("ss", {{"ss", "foo"}}, 1, 27, MetricType::stateset),
                    sample("ss", {{"ss", "bar"}}, 0, 28, MetricType::stateset),
                    sample("ss", {{"A", "a"}}, 0, 29, MetricType::stateset),
                    sample("_metric_starting_with_underscore", {}, 1, 31, unknown),
                    sample("testmetric", {{"_label_starting_with_underscore", "foo"}}, 1, 32, unknown),
                    sample("testmetric", {{"label", "\"bar\""}}, 1, 33, unknown),
                    sample("foo_total", {}, 17, 35, MetricType::counter, 1520879607789),
                    sample("null_byte_metric", {{"a", "abc\x00"s}}, 1, 37, unknown),
                });
}

// ---- single inputs: accepted (with their samples) or rejected (with a line) ----

struct InputCase {
    std::string input;
    // Rejected: the line and tocsin's message. Accepted: error_line == 0.
    std::size_t error_line = 0;
    std::string message;
    std::vector<Sample> samples;
};

InputCase rejected(std::string input, std::size_t line, std::string message) {
    return InputCase{std::move(input), line, std::move(message), {}};
}

InputCase accepted(std::string input, std::vector<Sample> samples = {}) {
    return InputCase{std::move(input), 0, {}, std::move(samples)};
}

void run_cases(ExpositionFormat format, const std::vector<InputCase>& cases) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        SCOPED_TRACE("case " + std::to_string(i) + ": " + c.input);
        auto o = testing::parse_page(format, c.input);
        if (c.error_line == 0) {
            ASSERT_FALSE(o.error) << "line " << o.error->line << ": " << o.error->message;
            EXPECT_EQ(sorted_labels(o.samples), sorted_labels(c.samples));
        } else {
            ASSERT_TRUE(o.error) << "accepted, " << o.samples.size() << " samples";
            EXPECT_EQ(o.error->line, c.error_line);
            EXPECT_EQ(o.error->message, c.message);
        }
    }
}

// Mirrors TestPromParseErrors. Prometheus' reasons in the trailing comments.
TEST(PrometheusCases, TestPromParseErrors) {
    run_cases(k_text, {
        rejected("a", 1, "expected value after metric name, got end of input"),  // expected value after metric
        rejected("a{b='c'} 1\n", 1, "expected label value, got \"'\""),
        rejected("a{b=\n", 1, "expected label value, got line break"),
        rejected("a{\xff=\"foo\"} 1\n", 1, "expected label name, got byte 0xff"),
        rejected("a{b=\"\xff\"} 1\n", 1, "label value is not valid UTF-8"),
        rejected("a true\n", 1, "invalid sample value \"true\""),  // strconv.ParseFloat: invalid syntax
        rejected("something_weird{problem=\"", 1, "unterminated label value, got end of input"),  // expected label value
        rejected("empty_label_name{=\"\"} 0", 1, "expected label name, got \"=\""),
        rejected("foo 1_2\n", 1,
                 "unsupported character in sample value \"1_2\" (hex floats and '_' separators are not accepted)"),
        rejected("foo 0x1p-3\n", 1,
                 "unsupported character in sample value \"0x1p-3\" (hex floats and '_' separators are not accepted)"),
        rejected("foo 0x1P-3\n", 1,
                 "unsupported character in sample value \"0x1P-3\" (hex floats and '_' separators are not accepted)"),
        rejected("foo 0 1_2\n", 1, "expected end of line after timestamp, got \"_\""),
        rejected("{a=\"ok\"} 1", 1, "expected a metric name or \"#\" at the start of a line, got \"{\""),
        rejected("# TYPE #\n#EOF\n", 1, "expected metric name after TYPE, got \"#\""),
        rejected("# HELP #\n#EOF\n", 1, "expected metric name after HELP, got \"#\""),
    });
}

// Mirrors TestPromNullByteHandling.
TEST(PrometheusCases, TestPromNullByteHandling) {
    run_cases(k_text, {
        accepted("null_byte_metric{a=\"abc\x00\"} 1"s, {sample("null_byte_metric", {{"a", "abc\x00"s}}, 1, 1)}),
        accepted("a{b=\"\x00ss\"} 1\n"s, {sample("a", {{"b", "\x00ss"s}}, 1, 1)}),
        accepted("a{b=\"\x00\"} 1\n"s, {sample("a", {{"b", "\x00"s}}, 1, 1)}),
        accepted("a{b=\"\x00\"} 1\n"s, {sample("a", {{"b", "\x00"s}}, 1, 1)}),
        rejected("a{b=\x00\"ssss\"} 1\n"s, 1, "expected label value, got NUL byte"),
        rejected("a{b=\"\x00"s, 1, "unterminated label value, got end of input"),  // expected label value
        rejected("a{b\x00=\"hiih\"}\t1"s, 1, "expected \"=\" after label name, got NUL byte"),
        rejected("a\x00{b=\"ddd\"} 1"s, 1, "expected value after metric name, got NUL byte"),
        rejected("a 0 1\x00"s, 1, "expected end of line after timestamp, got NUL byte"),
    });
}

// Mirrors TestOpenMetricsParseErrors (its two happy cases first).
TEST(PrometheusCases, TestOpenMetricsParseErrors) {
    const std::string no_hex = " (hex floats and '_' separators are not accepted)";
    run_cases(k_om, {
        accepted("# EOF"),
        accepted("# EOF\n"),
        rejected("", 1, "page does not end with \"# EOF\""),
        rejected("\n", 1, "expected a metric name or \"#\" at the start of a line, got line break"),
        rejected("metric", 1, "expected a space and a value after the metric name, got end of input"),
        rejected("metric 1", 1, "page does not end with \"# EOF\""),
        rejected("metric 1\n", 2, "page does not end with \"# EOF\""),
        rejected("metric_total 1 # {aa=\"bb\"} 4", 1, "page does not end with \"# EOF\""),
        rejected("a\n#EOF\n", 1, "expected a space and a value after the metric name, got line break"),
        rejected("\n\n#EOF\n", 1, "expected a metric name or \"#\" at the start of a line, got line break"),
        rejected(" a 1\n#EOF\n", 1, "expected a metric name or \"#\" at the start of a line, got space"),
        rejected("9\n#EOF\n", 1, "expected a metric name or \"#\" at the start of a line, got \"9\""),
        rejected("# TYPE u untyped\n#EOF\n", 1, "invalid metric type \"untyped\""),
        rejected("# TYPE c counter \n#EOF\n", 1, "invalid metric type \"counter \""),
        rejected("#  TYPE c counter\n#EOF\n", 1, "expected HELP, TYPE, UNIT or EOF after \"# \", got space"),
        rejected("# TYPE \n#EOF\n", 1, "expected metric name after TYPE, got line break"),
        rejected("# TYPE m\n#EOF\n", 1, "expected a space and text after the metric name in TYPE, got line break"),
        rejected("# UNIT metric suffix\n#EOF\n", 1, "unit \"suffix\" is not a suffix of metric \"metric\""),
        rejected("# UNIT metricsuffix suffix\n#EOF\n", 1, "unit \"suffix\" is not a suffix of metric \"metricsuffix\""),
        rejected("# UNIT m suffix\n#EOF\n", 1, "unit \"suffix\" is not a suffix of metric \"m\""),
        rejected("# UNIT \n#EOF\n", 1, "expected metric name after UNIT, got line break"),
        rejected("# UNIT m\n#EOF\n", 1, "expected a space and text after the metric name in UNIT, got line break"),
        rejected("# HELP \n#EOF\n", 1, "expected metric name after HELP, got line break"),
        rejected("# HELP m\n#EOF\n", 1, "expected a space and text after the metric name in HELP, got line break"),
        rejected("a\t1\n#EOF\n", 1, "expected a space and a value after the metric name, got tab"),
        rejected("a 1\t2\n#EOF\n", 1, "invalid sample value \"1\\x092\""),
        rejected("a 1 2 \n#EOF\n", 1, "expected exemplar or end of line after timestamp, got space"),
        rejected("a 1 2 #\n#EOF\n", 1, "expected exemplar or end of line after timestamp, got space"),
        rejected("a 1 1z\n#EOF\n", 1, "invalid timestamp \"1z\""),
        rejected(" # EOF\n", 1, "expected a metric name or \"#\" at the start of a line, got space"),
        rejected("# EOF\na 1", 2, "unexpected data after \"# EOF\""),
        rejected("# EOF\n\n", 2, "unexpected data after \"# EOF\""),
        rejected("# EOFa 1", 1, "unexpected data after \"# EOF\""),
        rejected("#\tTYPE c counter\n", 1, "expected a space after \"#\", got tab"),
        rejected("# TYPE c  counter\n", 1, "invalid metric type \" counter\""),
        rejected("a 1 1 1\n# EOF\n", 1, "expected exemplar or end of line after timestamp, got space"),
        rejected("a{b='c'} 1\n# EOF\n", 1, "expected label value, got \"'\""),
        rejected("a{b=\"c\",} 1\n# EOF\n", 1, "expected label name after \",\", got \"}\""),
        rejected("a{,b=\"c\"} 1\n# EOF\n", 1, "expected label name or \"}\", got \",\""),
        rejected("a{b=\"c\"d=\"e\"} 1\n# EOF\n", 1, "expected \",\" between labels, got \"d\""),
        rejected("a{b=\"c\",,d=\"e\"} 1\n# EOF\n", 1, "expected label name after \",\", got \",\""),
        rejected("a{b=\n# EOF\n", 1, "expected label value, got line break"),
        rejected("a{\xff=\"foo\"} 1\n# EOF\n", 1, "expected label name or \"}\", got byte 0xff"),
        rejected("a{b=\"\xff\"} 1\n# EOF\n", 1, "label value is not valid UTF-8"),
        rejected("a true\n", 1, "invalid sample value \"true\""),
        rejected("something_weird{problem=\"\n# EOF\n", 1, "line break in a label value"),  // expected label value
        rejected("empty_label_name{=\"\"} 0\n# EOF\n", 1, "expected label name or \"}\", got \"=\""),
        rejected("foo 1_2\n\n# EOF\n", 1, "unsupported character in sample value \"1_2\"" + no_hex),
        rejected("foo 0x1p-3\n\n# EOF\n", 1, "unsupported character in sample value \"0x1p-3\"" + no_hex),
        rejected("foo 0x1P-3\n\n# EOF\n", 1, "unsupported character in sample value \"0x1P-3\"" + no_hex),
        rejected("foo 0 1_2\n\n# EOF\n", 1, "unsupported character in timestamp \"1_2\"" + no_hex),
        rejected("custom_metric_total 1 # {aa=bb}\n# EOF\n", 1, "expected label value, got \"b\""),
        rejected("custom_metric_total 1 # {aa=\"bb\"}\n# EOF\n", 1,
                 "expected a space and a value after exemplar labels, got line break"),
        rejected("custom_metric_total 1 # {aa=\"bb\"}", 1,
                 "expected a space and a value after exemplar labels, got end of input"),
        rejected("custom_metric 1 # {aa=\"bb\"}", 1, "metric name \"custom_metric\" does not support exemplars"),
        rejected("custom_metric_total 1 # {aa=\"bb\",,cc=\"dd\"} 1", 1, "expected label name after \",\", got \",\""),
        rejected("custom_metric_total 1 # {aa=\"bb\"} 1_2", 1, "unsupported character in exemplar value \"1_2\"" + no_hex),
        rejected("custom_metric_total 1 # {aa=\"bb\"} 0x1p-3", 1,
                 "unsupported character in exemplar value \"0x1p-3\"" + no_hex),
        rejected("custom_metric_total 1 # {aa=\"bb\"} true", 1, "invalid exemplar value \"true\""),
        rejected("custom_metric_total 1 # {aa=\"bb\",cc=}", 1, "expected label value, got \"}\""),
        // A Go raw string: the backslashes are literal.
        rejected(R"(custom_metric_total 1 # {aa=\"\xff\"} 9.0)", 1, "expected label value, got \"\\\""),
        rejected("{b=\"c\",} 1", 1, "expected a metric name or \"#\" at the start of a line, got \"{\""),
        rejected("a 1 NaN", 1, "timestamp must be finite, got \"NaN\""),
        rejected("a 1 -Inf", 1, "timestamp must be finite, got \"-Inf\""),
        rejected("a 1 Inf", 1, "timestamp must be finite, got \"Inf\""),
        rejected("# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 NaN", 2,
                 "exemplar timestamp must be finite, got \"NaN\""),
        rejected("# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 -Inf", 2,
                 "exemplar timestamp must be finite, got \"-Inf\""),
        rejected("# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 Inf", 2,
                 "exemplar timestamp must be finite, got \"Inf\""),
    });
}

// Mirrors TestOMNullByteHandling.
TEST(PrometheusCases, TestOMNullByteHandling) {
    run_cases(k_om, {
        accepted("null_byte_metric{a=\"abc\x00\"} 1\n# EOF\n"s,
                 {sample("null_byte_metric", {{"a", "abc\x00"s}}, 1, 1)}),
        accepted("a{b=\"\x00ss\"} 1\n# EOF\n"s, {sample("a", {{"b", "\x00ss"s}}, 1, 1)}),
        accepted("a{b=\"\x00\"} 1\n# EOF\n"s, {sample("a", {{"b", "\x00"s}}, 1, 1)}),
        accepted("a{b=\"\x00\"} 1\n# EOF"s, {sample("a", {{"b", "\x00"s}}, 1, 1)}),
        rejected("a{b=\x00\"ssss\"} 1\n# EOF\n"s, 1, "expected label value, got NUL byte"),
        rejected("a{b=\"\x00"s, 1, "unterminated label value, got end of input"),  // expected label value
        rejected("a{b\x00=\"hiih\"}\t1"s, 1, "expected \"=\" after label name, got NUL byte"),
        rejected("a\x00{b=\"ddd\"} 1"s, 1, "expected a space and a value after the metric name, got NUL byte"),
        rejected("#", 1, "expected a space after \"#\", got end of input"),
        rejected("# H", 1, "expected HELP, TYPE, UNIT or EOF after \"# \", got \"H\""),
        rejected("custom_metric_total 1 # {b=\x00\"ssss\"} 1\n"s, 1, "expected label value, got NUL byte"),
        rejected("custom_metric_total 1 # {b=\"\x00ss\"} 1\n"s, 1, "NUL byte in an exemplar label value"),
    });
}

}  // namespace
}  // namespace tocsin::scrape
