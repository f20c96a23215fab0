// Rule-by-rule tests of the exposition parser. Each expectation was checked
// against Prometheus 2.42's lexers and parsers (model/textparse); the
// differential cases in prometheus_cases_test.cpp mirror its own tests.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "scrape_test_support.hpp"
#include "tocsin/core/labels.hpp"

namespace tocsin::scrape {
namespace {

using namespace std::string_literals;
using testing::normal_nan;
using testing::parse_om;
using testing::parse_text;
using testing::sample;
using testing::Sample;

constexpr double k_inf = std::numeric_limits<double>::infinity();

// The error, or a failure naming the samples that parsed.
ParseError error_of(const testing::Outcome& o) {
    EXPECT_TRUE(o.error.has_value()) << "expected an error, parsed " << o.samples.size() << " samples";
    return o.error.value_or(ParseError{0, "<no error>"});
}

void expect_error(const testing::Outcome& o, std::size_t line, std::string_view message) {
    ParseError e = error_of(o);
    EXPECT_EQ(e.line, line) << e.message;
    EXPECT_EQ(e.message, message);
}

std::vector<Sample> ok_text(std::string_view page) {
    auto o = parse_text(page);
    EXPECT_FALSE(o.error) << "line " << o.error->line << ": " << o.error->message;
    return o.samples;
}

std::vector<Sample> ok_om(std::string_view page) {
    auto o = parse_om(page);
    EXPECT_FALSE(o.error) << "line " << o.error->line << ": " << o.error->message;
    return o.samples;
}

double value_of_text(std::string_view token) {
    auto s = ok_text("m " + std::string(token) + "\n");
    return s.size() == 1 ? s[0].value : -12345.0;
}

// ---- content type and API basics ----

TEST(ExpositionParser, EmptyPageIsValidTextAndInvalidOpenMetrics) {
    auto text = parse_text("");
    EXPECT_FALSE(text.error);
    EXPECT_EQ(text.stats.samples, 0u);
    EXPECT_EQ(text.stats.lines, 0u);
    expect_error(parse_om(""), 1, "page does not end with \"# EOF\"");
}

TEST(ExpositionParser, StatsCountSamplesAndLines) {
    auto o = parse_text("# HELP a x\na 1\n\nb 2");
    ASSERT_FALSE(o.error);
    EXPECT_EQ(o.stats.samples, 2u);
    EXPECT_EQ(o.stats.lines, 4u);
    auto om = parse_om("a 1\n# EOF\n");
    ASSERT_FALSE(om.error);
    EXPECT_EQ(om.stats.samples, 1u);
    EXPECT_EQ(om.stats.lines, 2u);
}

TEST(ExpositionParser, ReusedParserForgetsThePreviousPage) {
    ExpositionParser parser(ExpositionFormat::prometheus_text);
    testing::CollectingSink first;
    ASSERT_TRUE(std::holds_alternative<ParseStats>(parser.parse("# TYPE a counter\na{x=\"1\\n\"} 1\n", first)));
    testing::CollectingSink second;
    auto r = parser.parse("a{y=\"2\"} 2\n", second);
    ASSERT_TRUE(std::holds_alternative<ParseStats>(r));
    ASSERT_EQ(second.samples.size(), 1u);
    EXPECT_EQ(second.samples[0], sample("a", {{"y", "2"}}, 2, 1));  // no type carried over
    testing::CollectingSink third;
    auto bad = parser.parse("a 1\nb{", third);
    ASSERT_TRUE(std::holds_alternative<ParseError>(bad));
    EXPECT_EQ(std::get<ParseError>(bad).line, 2u);
    EXPECT_EQ(parser.format(), ExpositionFormat::prometheus_text);
}

TEST(ExpositionParser, FuzzSeedPagesAreValid) {
    // The fuzzer starts from these; they must stay realistic, valid pages.
    std::size_t pages = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(TOCSIN_SOURCE_DIR) / "tests/fuzz/corpus/exposition")) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto format = entry.path().extension() == ".om" ? ExpositionFormat::openmetrics
                                                        : ExpositionFormat::prometheus_text;
        auto o = testing::parse_page(format, page);
        EXPECT_FALSE(o.error) << entry.path() << " line " << o.error->line << ": " << o.error->message;
        EXPECT_GT(o.samples.size(), 0u) << entry.path();
        ++pages;
    }
    EXPECT_GE(pages, 4u);
}

TEST(ExpositionParser, MetricTypeNames) {
    EXPECT_EQ(to_string(MetricType::gaugehistogram), "gaugehistogram");
    EXPECT_EQ(to_string(MetricType::unknown), "unknown");
    EXPECT_EQ(to_string(MetricType::stateset), "stateset");
}

// ---- text format: samples, names, labels ----

TEST(TextFormat, SampleWithLabelsInPageOrder) {
    auto s = ok_text("http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0], sample("http_requests_total", {{"method", "post"}, {"code", "200"}}, 1027, 1, MetricType::unknown,
                           1395066363000));
}

TEST(TextFormat, NamesMayUseColonsAndUnderscores) {
    auto s = ok_text("some:aggregate:rate5m{a_b=\"c\"} 1\n_under 2\nx{_l=\"v\"} 3\n");
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].name, "some:aggregate:rate5m");
    EXPECT_EQ(s[1].name, "_under");
    EXPECT_EQ(s[2].labels[0].first, "_l");
}

TEST(TextFormat, InvalidMetricAndLabelNames) {
    expect_error(parse_text("9metric 1\n"), 1, "expected a metric name or \"#\" at the start of a line, got \"9\"");
    expect_error(parse_text("a{b:c=\"1\"} 1\n"), 1, "expected \"=\" after label name, got \":\"");
    expect_error(parse_text("a{1b=\"1\"} 1\n"), 1, "expected label name, got \"1\"");
    expect_error(parse_text("a{\xff=\"foo\"} 1\n"), 1, "expected label name, got byte 0xff");
    expect_error(parse_text("{a=\"ok\"} 1\n"), 1, "expected a metric name or \"#\" at the start of a line, got \"{\"");
    expect_error(parse_text("a{=\"\"} 0\n"), 1, "expected label name, got \"=\"");
}

TEST(TextFormat, LabelValueEscapes) {
    auto s = ok_text(R"(a{q="\"x\"",b="back\\slash",n="line\nbreak",t="tab\t",u="\u00e9",end="\\"} 1)");
    ASSERT_EQ(s.size(), 1u);
    testing::LabelPairs want{{"q", "\"x\""},      {"b", "back\\slash"}, {"n", "line\nbreak"},
                             {"t", "tab\\t"},     {"u", "\\u00e9"},     {"end", "\\"}};
    EXPECT_EQ(s[0].labels, want);
}

TEST(TextFormat, EscapedBackslashBeforeN) {
    // "\\n" is an escaped backslash followed by a plain n, not a line break.
    auto s = ok_text(R"(a{v="\\n"} 1)");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].labels[0].second, "\\n");
}

TEST(TextFormat, UnescapedValuesSurviveManyLabels) {
    // Enough escaped values that the scratch buffer must grow mid-line.
    std::string page = "a{";
    testing::LabelPairs want;
    for (int i = 0; i < 40; ++i) {
        std::string name = "l" + std::to_string(i);
        page += name + "=\"" + std::string(static_cast<std::size_t>(i * 7), 'x') + "\\\"\",";
        want.emplace_back(name, std::string(static_cast<std::size_t>(i * 7), 'x') + "\"");
    }
    page += "} 1\n";
    auto s = ok_text(page);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].labels, want);
}

TEST(TextFormat, LabelSeparatorsAndWhitespace) {
    auto s = ok_text(
        "a{x=\"1\",} 1\n"
        "a { x = \"1\" , y = \"2\" } 2\n"
        "a{x=\"1\" y=\"2\"} 3\n"
        "a{} 4\n"
        "a { } 5\n"
        "a\t{\tx=\"1\"\t}\t6\t7\n");
    ASSERT_EQ(s.size(), 6u);
    EXPECT_EQ(s[0], sample("a", {{"x", "1"}}, 1, 1));
    EXPECT_EQ(s[1], sample("a", {{"x", "1"}, {"y", "2"}}, 2, 2));
    EXPECT_EQ(s[2], sample("a", {{"x", "1"}, {"y", "2"}}, 3, 3));
    EXPECT_EQ(s[3], sample("a", {}, 4, 4));
    EXPECT_EQ(s[4], sample("a", {}, 5, 5));
    EXPECT_EQ(s[5], sample("a", {{"x", "1"}}, 6, 6, MetricType::unknown, 7));
}

TEST(TextFormat, BlanksBeforeTheMetricNameFailTheScrape) {
    // Prometheus' parser takes them into the name, which then fails
    // Prometheus' metric name check; blank lines and indented comments are fine.
    expect_error(parse_text("a 1\n  b 2\n"), 2, "blank before the metric name");
    expect_error(parse_text("\tb 2\n"), 1, "blank before the metric name");
    auto s = ok_text("  # indented comment\n \t \na 1\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].line, 3u);
}

TEST(TextFormat, BadLabelSeparators) {
    expect_error(parse_text("a{x=\"1\",,y=\"2\"} 1\n"), 1, "expected label name, got \",\"");
    expect_error(parse_text("a{,x=\"1\"} 1\n"), 1, "expected label name, got \",\"");
    expect_error(parse_text("a{x='1'} 1\n"), 1, "expected label value, got \"'\"");
    expect_error(parse_text("a{x=1} 1\n"), 1, "expected label value, got \"1\"");
    expect_error(parse_text("a{x} 1\n"), 1, "expected \"=\" after label name, got \"}\"");
    expect_error(parse_text("a{x=\"1\"\n"), 1, "expected label name, got line break");
    expect_error(parse_text("a{x=\"1\""), 1, "expected label name or \"}\", got end of input");
    expect_error(parse_text("a{x=\"1\"} 1 {\n"), 1, "expected timestamp or end of line after value, got \"{\"");
    expect_error(parse_text("a{x=\"1\"}{y=\"2\"} 1\n"), 1, "expected value after metric name, got \"{\"");
}

TEST(TextFormat, DuplicateLabelNamesFailLikePrometheusStorage) {
    expect_error(parse_text("a 1\na{x=\"1\",y=\"2\",x=\"3\"} 1\n"), 2, "duplicate label name \"x\"");
    expect_error(parse_text("a{x=\"1\",x=\"1\"} 1\n"), 1, "duplicate label name \"x\"");
    // When one of the repeats is empty Prometheus' label builder drops the name.
    auto s = ok_text("a{x=\"\",y=\"2\",x=\"3\"} 1\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].labels, (testing::LabelPairs{{"y", "2"}}));
    // Many labels take the sorting path.
    std::string page = "a{";
    for (int i = 0; i < 30; ++i) page += "l" + std::to_string(i) + "=\"v\",";
    expect_error(parse_text(page + "l7=\"w\"} 1\n"), 1, "duplicate label name \"l7\"");
    auto many = ok_text(page + "l7=\"\"} 1\n");
    ASSERT_EQ(many.size(), 1u);
    EXPECT_EQ(many[0].labels.size(), 29u);
}

TEST(TextFormat, MetricNameLabelConflicts) {
    expect_error(parse_text("a{__name__=\"b\"} 1\n"), 1, "label \"__name__\" conflicts with the metric name");
    expect_error(parse_text("a{__name__=\"\"} 1\n"), 1, "label \"__name__\" conflicts with the metric name");
}

TEST(TextFormat, EmptyLabelValuesArePassedThrough) {
    auto s = ok_text("a{x=\"\"} 1\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].labels, (testing::LabelPairs{{"x", ""}}));
}

TEST(TextFormat, LabelValuesMustBeValidUtf8) {
    auto s = ok_text("a{x=\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"} 1\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].labels[0].second, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_error(parse_text("a{b=\"\xff\"} 1\n"), 1, "label value is not valid UTF-8");
    expect_error(parse_text("a{b=\"\xc0\xaf\"} 1\n"), 1, "label value is not valid UTF-8");      // overlong
    expect_error(parse_text("a{b=\"\xed\xa0\x80\"} 1\n"), 1, "label value is not valid UTF-8");  // surrogate
    expect_error(parse_text("a{b=\"\xf4\x90\x80\x80\"} 1\n"), 1, "label value is not valid UTF-8");
    expect_error(parse_text("a{b=\"\xe2\x82\"} 1\n"), 1, "label value is not valid UTF-8");  // truncated
    expect_error(parse_text("a{b=\"\\\xff\"} 1\n"), 1, "label value is not valid UTF-8");    // escaped byte
}

TEST(TextFormat, RawLineBreakInsideLabelValueIsAccepted) {
    // promlex.l's label value pattern excludes only '"' and '\\'.
    auto s = ok_text("a{x=\"one\ntwo\"} 1\nb 2\n");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0], sample("a", {{"x", "one\ntwo"}}, 1, 1));
    EXPECT_EQ(s[1], sample("b", {}, 2, 3));
    expect_error(parse_text("a{x=\"one\\\ntwo\"} 1\n"), 1, "line break after a backslash in a label value");
    expect_error(parse_text("a{x=\"open\n"), 2, "unterminated label value, got end of input");
}

TEST(TextFormat, VeryLongLine) {
    std::string big(1 << 20, 'v');
    auto s = ok_text("a{x=\"" + big + "\"} 1\nb 2\n");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].labels[0].second.size(), big.size());
    EXPECT_EQ(s[1].line, 2u);
}

// ---- text format: values and timestamps ----

TEST(TextFormat, SpecialValues) {
    for (const char* nan : {"NaN", "nan", "NAN", "nAn"}) {
        double v = value_of_text(nan);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(v), testing::k_normal_nan) << nan;
        EXPECT_FALSE(is_stale_marker(v));
    }
    for (const char* inf : {"+Inf", "Inf", "inf", "+inf", "INF", "Infinity", "+infinity", "iNfInItY"}) {
        EXPECT_EQ(value_of_text(inf), k_inf) << inf;
    }
    for (const char* inf : {"-Inf", "-inf", "-Infinity"}) EXPECT_EQ(value_of_text(inf), -k_inf) << inf;
    double neg_zero = value_of_text("-0");
    EXPECT_EQ(std::bit_cast<std::uint64_t>(neg_zero), 0x8000000000000000ULL);
}

TEST(TextFormat, StaleMarkerBitsCannotBeExposed) {
    // Every NaN spelling collapses to Prometheus' ordinary NaN.
    auto s = ok_text("a NaN\nb nan\n");
    for (const auto& x : s) EXPECT_FALSE(is_stale_marker(x.value));
}

TEST(TextFormat, NumberSpellingsGoAccepts) {
    EXPECT_EQ(value_of_text("1e3"), 1000);
    EXPECT_EQ(value_of_text("1E3"), 1000);
    EXPECT_EQ(value_of_text("1e+3"), 1000);
    EXPECT_EQ(value_of_text("1e-3"), 0.001);
    EXPECT_EQ(value_of_text(".5"), 0.5);
    EXPECT_EQ(value_of_text("5."), 5);
    EXPECT_EQ(value_of_text("+5"), 5);
    EXPECT_EQ(value_of_text("-2.5"), -2.5);
    EXPECT_EQ(value_of_text("007"), 7);
    EXPECT_EQ(value_of_text("1.7976931348623157e308"), 1.7976931348623157e308);
    EXPECT_EQ(value_of_text("4.9e-324"), 4.9e-324);
    EXPECT_EQ(value_of_text("1e-400"), 0);  // Go rounds an underflow to zero without an error
    EXPECT_EQ(std::bit_cast<std::uint64_t>(value_of_text("-1e-400")), 0x8000000000000000ULL);
    EXPECT_EQ(value_of_text("123456789012345678901234567890"), 123456789012345678901234567890.0);
}

TEST(TextFormat, NumberSpellingsGoRejects) {
    expect_error(parse_text("a true\n"), 1, "invalid sample value \"true\"");
    expect_error(parse_text("a +nan\n"), 1, "invalid sample value \"+nan\"");
    expect_error(parse_text("a infinit\n"), 1, "invalid sample value \"infinit\"");
    expect_error(parse_text("a 1e\n"), 1, "invalid sample value \"1e\"");
    expect_error(parse_text("a .\n"), 1, "invalid sample value \".\"");
    expect_error(parse_text("a 1.2.3\n"), 1, "invalid sample value \"1.2.3\"");
    expect_error(parse_text("a 0x10\n"), 1, "invalid sample value \"0x10\"");
    expect_error(parse_text("a 1e400\n"), 1, "sample value \"1e400\" is out of range");
    expect_error(parse_text("a -1.8e308\n"), 1, "sample value \"-1.8e308\" is out of range");
    const std::string unsupported = " (hex floats and '_' separators are not accepted)";
    expect_error(parse_text("a 1_000\n"), 1, "unsupported character in sample value \"1_000\"" + unsupported);
    expect_error(parse_text("a 0x1p3\n"), 1, "unsupported character in sample value \"0x1p3\"" + unsupported);
    expect_error(parse_text("a 0x1P-3\n"), 1, "unsupported character in sample value \"0x1P-3\"" + unsupported);
}

TEST(TextFormat, MissingValue) {
    expect_error(parse_text("a\n"), 1, "expected value after metric name, got line break");
    expect_error(parse_text("a"), 1, "expected value after metric name, got end of input");
    expect_error(parse_text("ok 1\na{b=\"c\"}\n"), 2, "expected value after metric name, got line break");
}

TEST(TextFormat, Timestamps) {
    auto s = ok_text("a 1 0\nb 1 9223372036854775807\n");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].timestamp_ms, 0);
    EXPECT_EQ(s[1].timestamp_ms, std::numeric_limits<std::int64_t>::max());
    expect_error(parse_text("a 1 9223372036854775808\n"), 1, "timestamp \"9223372036854775808\" is out of range");
    expect_error(parse_text("a 1 -5\n"), 1, "expected timestamp or end of line after value, got \"-\"");
    expect_error(parse_text("a 1 1.5\n"), 1, "expected end of line after timestamp, got \".\"");
    expect_error(parse_text("a 1 2 3\n"), 1, "expected end of line after timestamp, got \"3\"");
    expect_error(parse_text("a 1 1_2\n"), 1, "expected end of line after timestamp, got \"_\"");
    auto trailing = ok_text("a 1 5 \t\n");
    ASSERT_EQ(trailing.size(), 1u);
    EXPECT_EQ(trailing[0].timestamp_ms, 5);
}

TEST(TextFormat, NoExemplars) {
    expect_error(parse_text("a_total 1 # {t=\"x\"} 1\n"), 1,
                 "expected timestamp or end of line after value, got \"#\"");
}

TEST(TextFormat, CarriageReturnsAreNotLineEnds) {
    expect_error(parse_text("a 1\r\n"), 1, "invalid sample value \"1\\x0d\"");
    expect_error(parse_text("# TYPE a counter\r\n"), 1, "invalid metric type \"counter\\x0d\"");
    auto s = ok_text("# just a comment\r\na 1\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].line, 2u);
}

TEST(TextFormat, MissingTrailingNewline) {
    auto s = ok_text("a 1\nb{x=\"y\"} 2 3");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[1], sample("b", {{"x", "y"}}, 2, 2, MetricType::unknown, 3));
}

// ---- text format: comments and metadata ----

TEST(TextFormat, CommentsAndBlankLines) {
    auto s = ok_text(
        "# a comment\n"
        "#\n"
        "#no space\n"
        "   \n"
        "\t\n"
        "\n"
        "# HELP\n"            // keyword without a name after it: a comment
        "# HELPER text\n"     // not the keyword
        "# Hrandom\n"
        "# UNIT a seconds\n"  // no UNIT in this format: a comment
        "# EOF\n"             // and no EOF either
        "  # indented comment\n"
        "a 1\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].line, 13u);
}

TEST(TextFormat, HelpLines) {
    auto s = ok_text(
        "# HELP a Some help with \\\\ and \\n escapes, \"quotes\" and \xc3\xa9\n"
        "# HELP b\n"
        "# HELP c   \n"
        "#\t HELP\t d\ttabbed help\n"
        "a 1\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].line, 5u);
    expect_error(parse_text("# HELP a \xff\n"), 1, "HELP text is not valid UTF-8");
    expect_error(parse_text("# HELP #\n"), 1, "expected metric name after HELP, got \"#\"");
    expect_error(parse_text("# HELP \n"), 1, "expected metric name after HELP, got line break");
    expect_error(parse_text("ok 1\n# HELP 9a x\n"), 2, "expected metric name after HELP, got \"9\"");
}

TEST(TextFormat, TypeLines) {
    auto s = ok_text(
        "# TYPE c counter\nc 1\n"
        "# TYPE g gauge\ng 1\n"
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"
        "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\n"
        "# TYPE u untyped\nu 1\n"
        "#\tTYPE\tt\tgauge\nt 1\n");
    ASSERT_EQ(s.size(), 10u);
    EXPECT_EQ(s[0].type, MetricType::counter);
    EXPECT_EQ(s[1].type, MetricType::gauge);
    for (int i = 2; i <= 4; ++i) EXPECT_EQ(s[i].type, MetricType::histogram) << s[i].name;
    for (int i = 5; i <= 7; ++i) EXPECT_EQ(s[i].type, MetricType::summary) << s[i].name;
    EXPECT_EQ(s[8].type, MetricType::unknown);
    EXPECT_EQ(s[9].type, MetricType::gauge);
}

TEST(TextFormat, TypeTextIsExact) {
    expect_error(parse_text("# TYPE a unknown\n"), 1, "invalid metric type \"unknown\"");
    expect_error(parse_text("# TYPE a gaugehistogram\n"), 1, "invalid metric type \"gaugehistogram\"");
    expect_error(parse_text("# TYPE a Counter\n"), 1, "invalid metric type \"Counter\"");
    expect_error(parse_text("# TYPE a counter \n"), 1, "invalid metric type \"counter \"");
    // Prometheus drops exactly one byte after the name, so a second blank stays.
    expect_error(parse_text("# TYPE a  counter\n"), 1, "invalid metric type \" counter\"");
    expect_error(parse_text("# TYPE a\n"), 1, "invalid metric type \"\"");
    expect_error(parse_text("# TYPE a \n"), 1, "invalid metric type \"\"");
    expect_error(parse_text("# TYPE #\n"), 1, "expected metric name after TYPE, got \"#\"");
    // ...and that byte need not be a blank.
    auto s = ok_text("# TYPE a{counter\na 1\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, MetricType::counter);
}

TEST(TextFormat, TypeAfterSamplesAppliesFromThereOn) {
    auto s = ok_text("a 1\n# TYPE a gauge\na 2\n# TYPE a counter\na 3\n");
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].type, MetricType::unknown);
    EXPECT_EQ(s[1].type, MetricType::gauge);
    EXPECT_EQ(s[2].type, MetricType::counter);
}

TEST(TextFormat, FamilyTypeBySuffix) {
    auto s = ok_text(
        "# TYPE h histogram\n"
        "# TYPE s summary\n"
        "# TYPE s_count gauge\n"  // an exact TYPE wins over the suffix rule
        "# TYPE c counter\n"
        "h_bucket{le=\"1\"} 0\nh_count 0\nh_total 0\nh_other 0\n"
        "s_sum 0\ns_count 0\ns_bucket 0\n"
        "c_total 0\nc_sum 0\nzzz 0\n");
    ASSERT_EQ(s.size(), 10u);
    std::vector<MetricType> want{MetricType::histogram, MetricType::histogram, MetricType::unknown,
                                 MetricType::unknown,   MetricType::summary,   MetricType::gauge,
                                 MetricType::unknown,   MetricType::counter,   MetricType::unknown,
                                 MetricType::unknown};
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(s[i].type, want[i]) << s[i].name;
}

// ---- text format: NUL bytes, as promlex.l treats them ----

TEST(TextFormat, NulBytes) {
    // Inside label values, HELP text and "# " comments a NUL is just a byte.
    auto s = ok_text("a{b=\"x\0y\"} 1\n# HELP a foo\0bar\n# some \0 comment\nb 2\n"s);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].labels[0].second, "x\0y"s);
    // At the start of a token in a new line, or in a "#..." comment, it ends the page.
    auto stop = parse_text("a 1\n\0b{ 2\n"s);
    ASSERT_FALSE(stop.error);
    EXPECT_EQ(stop.samples.size(), 1u);
    auto stop2 = parse_text("a 1\n#x\0\nb{\n"s);
    ASSERT_FALSE(stop2.error);
    EXPECT_EQ(stop2.samples.size(), 1u);
    // Elsewhere it is an error.
    expect_error(parse_text("a\0 1\n"s), 1, "expected value after metric name, got NUL byte");
    expect_error(parse_text("a{b\0=\"1\"} 1\n"s), 1, "expected \"=\" after label name, got NUL byte");
    expect_error(parse_text("a{b=\0\"1\"} 1\n"s), 1, "expected label value, got NUL byte");
    expect_error(parse_text("a 1 2\0\n"s), 1, "expected end of line after timestamp, got NUL byte");
    // ...except where the Go lexer's NUL-skipping states read it.
    auto skipped = ok_text("a{b= \0\"1\"} 1\n"s);
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_EQ(skipped[0].labels, (testing::LabelPairs{{"b", "1"}}));
    // NULs right after the closing quote are read into the value token, and
    // Prometheus then cuts the last of them instead of the quote.
    auto trailing = ok_text("a{b=\"1\"\0\0\0} 1\n"s);
    ASSERT_EQ(trailing.size(), 1u);
    EXPECT_EQ(trailing[0].labels, (testing::LabelPairs{{"b", "1\"\0\0"s}}));
}

// ---- OpenMetrics ----

TEST(OpenMetrics, MinimalPage) {
    auto s = ok_om("a 1\n# EOF\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0], sample("a", {}, 1, 1));
    EXPECT_EQ(ok_om("# EOF").size(), 0u);
    EXPECT_EQ(ok_om("# EOF\n").size(), 0u);
}

TEST(OpenMetrics, EofRules) {
    expect_error(parse_om("a 1\n"), 2, "page does not end with \"# EOF\"");
    expect_error(parse_om("a 1"), 1, "page does not end with \"# EOF\"");
    expect_error(parse_om("# EOF\na 1"), 2, "unexpected data after \"# EOF\"");
    expect_error(parse_om("# EOF\n\n"), 2, "unexpected data after \"# EOF\"");
    expect_error(parse_om("# EOF \n"), 1, "unexpected data after \"# EOF\"");
    expect_error(parse_om("# EOFa 1"), 1, "unexpected data after \"# EOF\"");
    expect_error(parse_om("#EOF\n"), 1, "expected a space after \"#\", got \"E\"");
    expect_error(parse_om(" # EOF\n"), 1, "expected a metric name or \"#\" at the start of a line, got space");
    // NULs after "# EOF" are skipped by the Go lexer.
    EXPECT_EQ(ok_om("# EOF\n\0\0"s).size(), 0u);
}

TEST(OpenMetrics, OnlyMetadataComments) {
    expect_error(parse_om("# a comment\n# EOF\n"), 1, "expected HELP, TYPE, UNIT or EOF after \"# \", got \"a\"");
    expect_error(parse_om("\n# EOF\n"), 1, "expected a metric name or \"#\" at the start of a line, got line break");
    expect_error(parse_om("a 1\n\n# EOF\n"), 2,
                 "expected a metric name or \"#\" at the start of a line, got line break");
    expect_error(parse_om("#\tTYPE a counter\n"), 1, "expected a space after \"#\", got tab");
    expect_error(parse_om("#  TYPE a counter\n# EOF\n"), 1, "expected HELP, TYPE, UNIT or EOF after \"# \", got space");
    expect_error(parse_om("#"), 1, "expected a space after \"#\", got end of input");
}

TEST(OpenMetrics, TypeLines) {
    auto s = ok_om(
        "# TYPE c counter\nc_total 1\nc_created 1\n"
        "# TYPE g gauge\ng 1\n"
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\nh_created 1\n"
        "# TYPE gh gaugehistogram\ngh_bucket{le=\"+Inf\"} 1\ngh_gsum 1\ngh_gcount 1\n"
        "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\n"
        "# TYPE i info\ni_info{v=\"1\"} 1\n"
        "# TYPE st stateset\nst{st=\"a\"} 1\n"
        "# TYPE u unknown\nu 1\n"
        "# EOF\n");
    std::vector<MetricType> want{MetricType::counter,        MetricType::counter,        MetricType::gauge,
                                 MetricType::histogram,      MetricType::histogram,      MetricType::histogram,
                                 MetricType::histogram,      MetricType::gaugehistogram, MetricType::gaugehistogram,
                                 MetricType::gaugehistogram, MetricType::summary,        MetricType::summary,
                                 MetricType::summary,        MetricType::info,           MetricType::stateset,
                                 MetricType::unknown};
    ASSERT_EQ(s.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(s[i].type, want[i]) << s[i].name;
    expect_error(parse_om("# TYPE u untyped\n# EOF\n"), 1, "invalid metric type \"untyped\"");
    expect_error(parse_om("# TYPE c counter \n# EOF\n"), 1, "invalid metric type \"counter \"");
    expect_error(parse_om("# TYPE c  counter\n# EOF\n"), 1, "invalid metric type \" counter\"");
    expect_error(parse_om("# TYPE \n# EOF\n"), 1, "expected metric name after TYPE, got line break");
    expect_error(parse_om("# TYPE m\n# EOF\n"), 1,
                 "expected a space and text after the metric name in TYPE, got line break");
    expect_error(parse_om("# TYPE m counter"), 1, "TYPE line does not end with a line break");
}

TEST(OpenMetrics, HelpAndUnitLines) {
    auto s = ok_om(
        "# HELP a help with \\\\ \\n \\\" \\x and \xe2\x82\xac\n"
        "# HELP b \n"
        "# UNIT a_seconds seconds\n"
        "# UNIT nounit \n"
        "# UNIT x_bytes_total bytes_total\n"
        "a 1\n# EOF\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].line, 6u);
    expect_error(parse_om("# HELP a \xff\n# EOF\n"), 1, "HELP text is not valid UTF-8");
    expect_error(parse_om("# HELP m\n# EOF\n"), 1,
                 "expected a space and text after the metric name in HELP, got line break");
    expect_error(parse_om("# UNIT metric suffix\n# EOF\n"), 1, "unit \"suffix\" is not a suffix of metric \"metric\"");
    expect_error(parse_om("# UNIT metricsuffix suffix\n# EOF\n"), 1,
                 "unit \"suffix\" is not a suffix of metric \"metricsuffix\"");
    expect_error(parse_om("# UNIT suffix suffix\n# EOF\n"), 1, "unit \"suffix\" is not a suffix of metric \"suffix\"");
    expect_error(parse_om("# UNIT \n# EOF\n"), 1, "expected metric name after UNIT, got line break");
}

TEST(OpenMetrics, LabelsAreStrict) {
    auto s = ok_om("a{x=\"1\",y=\"\\\"2\\\"\"} 1\na{} 2\n# EOF\n");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0], sample("a", {{"x", "1"}, {"y", "\"2\""}}, 1, 1));
    EXPECT_EQ(s[1], sample("a", {}, 2, 2));
    expect_error(parse_om("a{x=\"1\",} 1\n# EOF\n"), 1, "expected label name after \",\", got \"}\"");
    expect_error(parse_om("a{,x=\"1\"} 1\n# EOF\n"), 1, "expected label name or \"}\", got \",\"");
    expect_error(parse_om("a{x=\"1\"y=\"2\"} 1\n# EOF\n"), 1, "expected \",\" between labels, got \"y\"");
    expect_error(parse_om("a{x=\"1\",,y=\"2\"} 1\n# EOF\n"), 1, "expected label name after \",\", got \",\"");
    expect_error(parse_om("a{x=\"1\", y=\"2\"} 1\n# EOF\n"), 1, "expected label name after \",\", got space");
    expect_error(parse_om("a{ x=\"1\"} 1\n# EOF\n"), 1, "expected label name or \"}\", got space");
    expect_error(parse_om("a{x =\"1\"} 1\n# EOF\n"), 1, "expected \"=\" after label name, got space");
    expect_error(parse_om("a{x= \"1\"} 1\n# EOF\n"), 1, "expected label value, got space");
    expect_error(parse_om("a{x=\"1\" } 1\n# EOF\n"), 1, "expected \",\" or \"}\", got space");
    expect_error(parse_om("a {x=\"1\"} 1\n# EOF\n"), 1, "invalid sample value \"{x=\\\"1\\\"}\"");
    expect_error(parse_om("a{x=\"1\n\"} 1\n# EOF\n"), 1, "line break in a label value");
    expect_error(parse_om("a{x=\"\xff\"} 1\n# EOF\n"), 1, "label value is not valid UTF-8");
    expect_error(parse_om("a{x=\"1\",x=\"2\"} 1\n# EOF\n"), 1, "duplicate label name \"x\"");
}

TEST(OpenMetrics, SingleSpacesOnly) {
    expect_error(parse_om("a  1\n# EOF\n"), 1, "expected a space and a value after the metric name, got space");
    expect_error(parse_om("a\t1\n# EOF\n"), 1, "expected a space and a value after the metric name, got tab");
    expect_error(parse_om("a 1\t2\n# EOF\n"), 1, "invalid sample value \"1\\x092\"");
    expect_error(parse_om("a 1 2 \n# EOF\n"), 1, "expected exemplar or end of line after timestamp, got space");
    expect_error(parse_om("a 1 \n# EOF\n"), 1,
                 "expected timestamp, exemplar or end of line after value, got line break");
    expect_error(parse_om("a\n# EOF\n"), 1, "expected a space and a value after the metric name, got line break");
    expect_error(parse_om("a"), 1, "expected a space and a value after the metric name, got end of input");
}

TEST(OpenMetrics, TimestampsAreFloatSeconds) {
    auto s = ok_om(
        "a 1 1520879607.789\n"
        "a 1 -1.5\n"
        "a 1 1e3\n"
        "a 1 0.0015\n"  // 1.5 ms truncates toward zero
        "a 1 -0.0015\n"
        "a 1 1e300\n"  // does not fit: Go on amd64 yields the minimum int64
        "# EOF\n");
    ASSERT_EQ(s.size(), 6u);
    EXPECT_EQ(s[0].timestamp_ms, 1520879607789);
    EXPECT_EQ(s[1].timestamp_ms, -1500);
    EXPECT_EQ(s[2].timestamp_ms, 1000000);
    EXPECT_EQ(s[3].timestamp_ms, 1);
    EXPECT_EQ(s[4].timestamp_ms, -1);
    EXPECT_EQ(s[5].timestamp_ms, std::numeric_limits<std::int64_t>::min());
    expect_error(parse_om("a 1 NaN\n# EOF\n"), 1, "timestamp must be finite, got \"NaN\"");
    expect_error(parse_om("a 1 +Inf\n# EOF\n"), 1, "timestamp must be finite, got \"+Inf\"");
    expect_error(parse_om("a 1 1z\n# EOF\n"), 1, "invalid timestamp \"1z\"");
    expect_error(parse_om("a 1 1_2\n# EOF\n"), 1,
                 "unsupported character in timestamp \"1_2\" (hex floats and '_' separators are not accepted)");
    expect_error(parse_om("a 1 1 1\n# EOF\n"), 1, "expected exemplar or end of line after timestamp, got space");
    expect_error(parse_om("a 1 2 #\n# EOF\n"), 1, "expected exemplar or end of line after timestamp, got space");
    expect_error(parse_om("a 1 2"), 1, "expected end of line after timestamp, got end of input");
}

TEST(OpenMetrics, SpecialValues) {
    auto s = ok_om("a NaN\nb +Inf\nc -Inf\nd 1.5e-3\n# EOF\n");
    ASSERT_EQ(s.size(), 4u);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(s[0].value), testing::k_normal_nan);
    EXPECT_EQ(s[1].value, k_inf);
    EXPECT_EQ(s[2].value, -k_inf);
    EXPECT_EQ(s[3].value, 1.5e-3);
    expect_error(parse_om("a 0x1p-3\n# EOF\n"), 1,
                 "unsupported character in sample value \"0x1p-3\" (hex floats and '_' separators are not accepted)");
}

TEST(OpenMetrics, ExemplarsAreValidatedAndDropped) {
    auto s = ok_om(
        "# TYPE foo counter\n"
        "foo_total 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
        "# TYPE h histogram\n"
        "h_bucket{le=\"0.5\"} 1 # {a=\"b\",c=\"d\\\"\"} 0.4 123.456\n"
        "h_bucket{le=\"+Inf\"} 2 # {} 1\n"
        "# EOF\n");
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0], sample("foo_total", {}, 17, 2, MetricType::counter, 1520879607789));
    EXPECT_EQ(s[1], sample("h_bucket", {{"le", "0.5"}}, 1, 4, MetricType::histogram));
    EXPECT_EQ(s[2], sample("h_bucket", {{"le", "+Inf"}}, 2, 5, MetricType::histogram));
}

TEST(OpenMetrics, ExemplarErrors) {
    expect_error(parse_om("m 1 # {a=\"b\"} 1\n# EOF\n"), 1, "metric name \"m\" does not support exemplars");
    expect_error(parse_om("m_sum 1 # {a=\"b\"} 1\n# EOF\n"), 1, "metric name \"m_sum\" does not support exemplars");
    expect_error(parse_om("m_total 1 # {a=bb}\n# EOF\n"), 1, "expected label value, got \"b\"");
    expect_error(parse_om("m_total 1 # {a=\"b\"}\n# EOF\n"), 1,
                 "expected a space and a value after exemplar labels, got line break");
    expect_error(parse_om("m_total 1 # {a=\"b\"}"), 1,
                 "expected a space and a value after exemplar labels, got end of input");
    expect_error(parse_om("m_total 1 # {a=\"b\"} 1"), 1, "page does not end with \"# EOF\"");
    expect_error(parse_om("m_total 1 # {a=\"b\",,c=\"d\"} 1\n# EOF\n"), 1, "expected label name after \",\", got \",\"");
    expect_error(parse_om("m_total 1 # {a=\"b\"} 1_2\n# EOF\n"), 1,
                 "unsupported character in exemplar value \"1_2\" (hex floats and '_' separators are not accepted)");
    expect_error(parse_om("m_total 1 # {a=\"b\"} true\n# EOF\n"), 1, "invalid exemplar value \"true\"");
    expect_error(parse_om("m_total 1 # {a=\"b\",c=}\n# EOF\n"), 1, "expected label value, got \"}\"");
    expect_error(parse_om("m_total 1 # {a=\"b\"} 1 NaN\n# EOF\n"), 1, "exemplar timestamp must be finite, got \"NaN\"");
    expect_error(parse_om("m_total 1 # {a=\"b\"} 1 -Inf\n# EOF\n"), 1,
                 "exemplar timestamp must be finite, got \"-Inf\"");
    expect_error(parse_om("m_total 1 # {a=\"b\"} 1 2 3\n# EOF\n"), 1,
                 "expected end of line after exemplar timestamp, got space");
    expect_error(parse_om("m_total 1 # {a=\"\xff\"} 1\n# EOF\n"), 1, "label value is not valid UTF-8");
    expect_error(parse_om("m_total 1 # {a=\"\0\"} 1\n# EOF\n"s), 1, "NUL byte in an exemplar label value");
    expect_error(parse_om("m_total 1 # x\n# EOF\n"), 1, "invalid timestamp \"#\"");
}

TEST(OpenMetrics, CarriageReturns) {
    expect_error(parse_om("a 1\r\n# EOF\n"), 1, "invalid sample value \"1\\x0d\"");
    expect_error(parse_om("a 1\n# EOF\r\n"), 2, "unexpected data after \"# EOF\"");
}

TEST(OpenMetrics, NulBytes) {
    auto s = ok_om("a{b=\"\0x\0\"} 1\n# HELP a x\0y\n\0b 2\n# EOF\n"s);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].labels[0].second, "\0x\0"s);
    EXPECT_EQ(s[1], sample("b", {}, 2, 3));
    expect_error(parse_om("a{b=\0\"x\"} 1\n# EOF\n"s), 1, "expected label value, got NUL byte");
    // NULs after a TYPE line's line break end up in its text, with the break.
    expect_error(parse_om("# TYPE a gauge\n\0\0a 1\n# EOF\n"s), 1, "invalid metric type \"gauge\\x0a\\x00\"");
    auto quoted = ok_om("a{b=\"x\"\0} 1\n# EOF\n"s);
    ASSERT_EQ(quoted.size(), 1u);
    EXPECT_EQ(quoted[0].labels, (testing::LabelPairs{{"b", "x\""}}));
    expect_error(parse_om("a\0{b=\"x\"} 1\n# EOF\n"s), 1,
                 "expected a space and a value after the metric name, got NUL byte");
}

}  // namespace
}  // namespace tocsin::scrape
