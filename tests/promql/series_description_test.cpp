// Series descriptions and the expanding notation. Expectations follow
// Prometheus v2.42's own parser tests (promql/parser/parse_test.go,
// testSeries; lex_test.go, "series descriptions") and its grammar.
#include "tocsin/promql/series_description.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tocsin::promql {
namespace {

constexpr double k_inf = std::numeric_limits<double>::infinity();

SeriesValue num(double v) { return SeriesValue::number(v); }
const SeriesValue k_blank = SeriesValue::blank();

std::vector<SeriesValue> nums(std::initializer_list<double> vs) {
    std::vector<SeriesValue> out;
    for (double v : vs) out.push_back(num(v));
    return out;
}

SeriesDescription parse_ok(std::string_view text) {
    auto r = parse_series_description(text);
    EXPECT_TRUE(r.ok()) << text << " -> " << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? *r : SeriesDescription{};
}

SeriesDescError parse_err(std::string_view text) {
    auto r = parse_series_description(text);
    EXPECT_FALSE(r.ok()) << text << " parsed";
    return r.ok() ? SeriesDescError{} : r.error();
}

const Labels k_my_metric_ab{{"__name__", "my_metric"}, {"a", "b"}};

// --- parse_test.go's testSeries ---

TEST(SeriesDescription, EmptyBracesAndPlainValues) {
    auto d = parse_ok(R"({} 1 2 3)");
    EXPECT_TRUE(d.labels.empty());
    EXPECT_EQ(d.values, nums({1, 2, 3}));
}

TEST(SeriesDescription, LabelsWithoutName) {
    auto d = parse_ok(R"({a="b"} -1 2 3)");
    EXPECT_EQ(d.labels, (Labels{{"a", "b"}}));
    EXPECT_EQ(d.values, nums({-1, 2, 3}));
}

TEST(SeriesDescription, NameWithAndWithoutBraces) {
    const Labels name_only{{"__name__", "my_metric"}};
    EXPECT_EQ(parse_ok("my_metric 1 2 3").labels, name_only);
    EXPECT_EQ(parse_ok("my_metric{} 1 2 3").labels, name_only);
    auto d = parse_ok(R"(my_metric{a="b"} 1 2 3)");
    EXPECT_EQ(d.labels, k_my_metric_ab);
    EXPECT_EQ(d.values, nums({1, 2, 3}));
}

TEST(SeriesDescription, DecreasingExpansion) {
    EXPECT_EQ(parse_ok(R"(my_metric{a="b"} 1 2 3-10x4)").values, nums({1, 2, 3, -7, -17, -27, -37}));
    EXPECT_EQ(parse_ok(R"(my_metric{a="b"} 1 2 3-0x4)").values, nums({1, 2, 3, 3, 3, 3, 3}));
}

TEST(SeriesDescription, BlanksAndBlankRepetitionIsNotPlusOne) {
    auto d = parse_ok(R"(my_metric{a="b"} 1 3 _ 5 _x4)");
    EXPECT_EQ(d.values,
              (std::vector<SeriesValue>{num(1), num(3), k_blank, num(5), k_blank, k_blank, k_blank, k_blank}));
}

TEST(SeriesDescription, SignedValues) {
    EXPECT_EQ(parse_ok(R"(my_metric{a="b"} 1 -1)").values, nums({1, -1}));
    EXPECT_EQ(parse_ok(R"(my_metric{a="b"} 1 +1)").values, nums({1, 1}));
    EXPECT_EQ(parse_ok(R"(my_metric{a="b"} 1 -1 -3-10x4 7 9 +5)").values,
              nums({1, -1, -3, -13, -23, -33, -43, 7, 9, 5}));
    EXPECT_EQ(parse_ok(R"(my_metric{a="b"} 1 +1 +4 -6 -2 8)").values, nums({1, 1, 4, -6, -2, 8}));
}

TEST(SeriesDescription, TrailingSpaces) {
    auto d = parse_ok(R"(my_metric{a="b"} 1 2 3    )");
    EXPECT_EQ(d.labels, k_my_metric_ab);
    EXPECT_EQ(d.values, nums({1, 2, 3}));
}

TEST(SeriesDescription, UnicodeEscapesInLabelValues) {
    EXPECT_EQ(parse_ok(R"(my_metric{a="\u70ac"} 1 2 3)").labels.get("a"), "\xe7\x82\xac");  // U+70AC
    EXPECT_EQ(parse_ok(R"(my_metric{a="\u70ac = torch"} 1 2 3)").labels.get("a"), "\xe7\x82\xac = torch");
}

TEST(SeriesDescription, RejectedByPrometheus) {
    for (const char* text :
         {R"(my_metric{a="b"} 1 3 _ 5 _a4)", R"(my_metric{a="b"} -3-3 -3)", R"(my_metric{a="b"} -3 -3-3)",
          R"(my_metric{a="b"} -3 _-2)", R"(my_metric{a="b"} -3 3+3x4-4)", "{} _ 1 x .3"}) {
        EXPECT_FALSE(parse_series_description(text).ok()) << text;
    }
}

// --- lex_test.go's series descriptions ---

TEST(SeriesDescription, InfinitiesAndNaN) {
    auto d = parse_ok("metric +Inf Inf NaN -Inf inf nan NAN");
    ASSERT_EQ(d.values.size(), 7u);
    EXPECT_EQ(d.values[0].value, k_inf);
    EXPECT_EQ(d.values[1].value, k_inf);
    EXPECT_TRUE(std::isnan(d.values[2].value));
    EXPECT_FALSE(d.values[2].is_stale());
    EXPECT_EQ(d.values[3].value, -k_inf);
    EXPECT_EQ(d.values[4].value, k_inf);
    EXPECT_TRUE(std::isnan(d.values[5].value));
    EXPECT_TRUE(std::isnan(d.values[6].value));
}

TEST(SeriesDescription, IncreasingExpansionGivesNPlusOneValues) {
    EXPECT_EQ(parse_ok("metric 1+1x4").values, nums({1, 2, 3, 4, 5}));
    EXPECT_EQ(parse_ok("metric 0+10x2 100").values, nums({0, 10, 20, 100}));
}

// --- the rest of the grammar ---

TEST(SeriesDescription, RepetitionWithoutStepGivesNPlusOneCopies) {
    EXPECT_EQ(parse_ok("m 7x3").values, nums({7, 7, 7, 7}));
    EXPECT_EQ(parse_ok("m 1x0 2+1x0 _x0").values, nums({1, 2}));  // _x0 is nothing
    EXPECT_EQ(parse_ok("m -2x1").values, nums({-2, -2}));
}

TEST(SeriesDescription, NoHexadecimalLeadingZeroIsOctal) {
    // "0x3" is 0 repeated: hex would be ambiguous with the repetition.
    EXPECT_EQ(parse_ok("m 0x3").values, nums({0, 0, 0, 0}));
    EXPECT_FALSE(parse_series_description("m 0x1f").ok());
    // Prometheus converts numbers with strconv.ParseInt(s, 0, 64) first.
    EXPECT_EQ(parse_ok("m 010 08 0").values, nums({8, 8, 0}));
}

TEST(SeriesDescription, DecimalForms) {
    EXPECT_EQ(parse_ok("m 1e3 1.5 .5 5. 2E-2 1e+2").values, nums({1000, 1.5, 0.5, 5, 0.02, 100}));
    EXPECT_EQ(parse_ok("m 1e3+1e3x2").values, nums({1000, 2000, 3000}));
}

TEST(SeriesDescription, ExpansionIsRepeatedAdditionLikePrometheus) {
    auto d = parse_ok("m 0.1+0.1x9");
    ASSERT_EQ(d.values.size(), 10u);
    double v = 0.1;
    for (int i = 0; i < 9; ++i) v += 0.1;
    EXPECT_EQ(d.values[9].value, v);
    EXPECT_NE(d.values[9].value, 1.0);  // 0.1 + 9 * 0.1 would round to 1
}

TEST(SeriesDescription, Stale) {
    auto d = parse_ok("m 1 stale 2");
    ASSERT_EQ(d.values.size(), 3u);
    EXPECT_TRUE(d.values[1].is_stale());
    EXPECT_TRUE(is_stale_marker(d.values[1].value));
    EXPECT_EQ(d.values[1], SeriesValue::stale());
    EXPECT_NE(d.values[1], num(std::nan("")));
}

TEST(SeriesDescription, StaleWithStepTurnsIntoPlainNaN) {
    // The grammar allows it; stale + 1 is an ordinary NaN.
    auto d = parse_ok("m stale+1x2");
    ASSERT_EQ(d.values.size(), 3u);
    EXPECT_TRUE(d.values[0].is_stale());
    EXPECT_TRUE(std::isnan(d.values[1].value));
    EXPECT_FALSE(d.values[1].is_stale());
    EXPECT_FALSE(parse_series_description("m stalex2").ok());
    EXPECT_FALSE(parse_series_description("m STALE").ok());
}

TEST(SeriesDescription, InfWithStep) {
    EXPECT_EQ(parse_ok("m Inf+1x2").values, nums({k_inf, k_inf, k_inf}));
    EXPECT_FALSE(parse_series_description("m Infinity").ok());
}

TEST(SeriesDescription, NoValuesAtAll) {
    auto d = parse_ok("up");
    EXPECT_EQ(d.labels, (Labels{{"__name__", "up"}}));
    EXPECT_TRUE(d.values.empty());
    EXPECT_TRUE(parse_ok(R"(up{a="b"})").values.empty());
    auto empty = parse_ok("");
    EXPECT_TRUE(empty.labels.empty());
    EXPECT_TRUE(empty.values.empty());
}

TEST(SeriesDescription, MetricNames) {
    EXPECT_EQ(parse_ok("a:b:c 1").labels.metric_name(), "a:b:c");
    EXPECT_EQ(parse_ok(":x 1").labels.metric_name(), ":x");
    EXPECT_EQ(parse_ok("sum 1").labels.metric_name(), "sum");  // keywords may name metrics...
    EXPECT_EQ(parse_ok("Start 1").labels.metric_name(), "Start");
    EXPECT_FALSE(parse_series_description("on 1").ok());  // ...except these
    EXPECT_FALSE(parse_series_description("bool 1").ok());
    EXPECT_FALSE(parse_series_description("Inf 1").ok());
    EXPECT_EQ(parse_ok("stale 1").labels.metric_name(), "stale");
}

TEST(SeriesDescription, NameBeatsNameLabel) {
    EXPECT_EQ(parse_ok(R"(foo{__name__="bar"} 1)").labels.metric_name(), "foo");
    EXPECT_EQ(parse_ok(R"({__name__="bar"} 1)").labels.metric_name(), "bar");
}

TEST(SeriesDescription, LabelSetSyntax) {
    auto d = parse_ok("m{ b = 'x' , a=\"y\", } 1");  // spaces, single quotes, trailing comma
    EXPECT_EQ(d.labels, (Labels{{"__name__", "m"}, {"a", "y"}, {"b", "x"}}));
    EXPECT_EQ(parse_ok(R"(m{by="1", on="2"} 1)").labels.get("on"), "2");  // keywords are plain inside braces
    EXPECT_FALSE(parse_series_description(R"(m{,} 1)").ok());
}

TEST(SeriesDescription, StringEscapes) {
    EXPECT_EQ(parse_ok(R"(m{a="q\"\\\n\t"})").labels.get("a"), "q\"\\\n\t");
    EXPECT_EQ(parse_ok(R"(m{a='it\'s'})").labels.get("a"), "it's");
    EXPECT_EQ(parse_ok(R"(m{a='say "hi"'})").labels.get("a"), "say \"hi\"");
    EXPECT_EQ(parse_ok(R"(m{a=`raw\n`})").labels.get("a"), "raw\\n");
    EXPECT_EQ(parse_ok(R"(m{a="\x41\101\u00e9\U0001F600"})").labels.get("a"), "AA\xc3\xa9\xf0\x9f\x98\x80");
    EXPECT_EQ(parse_ok(R"(m{a="\a\b\f\r\v"})").labels.get("a"), "\a\b\f\r\v");
    EXPECT_EQ(parse_ok("m{a=\"\xc3\xa9\"}").labels.get("a"), "\xc3\xa9");  // raw UTF-8
}

TEST(SeriesDescription, BadEscapes) {
    EXPECT_EQ(parse_err(R"(m{a="\q"})").message, "unknown escape sequence U+0071 'q'");
    EXPECT_EQ(parse_err(R"(m{a="\'"})").message, "unknown escape sequence U+0027 '''");
    EXPECT_EQ(parse_err(R"(m{a='\"'})").message, "unknown escape sequence U+0022 '\"'");
    EXPECT_EQ(parse_err(R"(m{a="\ud800"})").message, "escape sequence is an invalid Unicode code point");
    EXPECT_EQ(parse_err(R"(m{a="\400"})").message, "escape sequence is an invalid Unicode code point");
    EXPECT_EQ(parse_err(R"(m{a="\x4"})").message, "illegal character U+0022 '\"' in escape sequence");
    EXPECT_EQ(parse_err("m{a=\"\\").message, "escape sequence not terminated");
    EXPECT_EQ(parse_err("m{a=\"\xff\"}").message, "invalid UTF-8 rune");
}

TEST(SeriesDescription, ErrorsCarryColumns) {
    struct Case {
        const char* text;
        std::size_t column;
        const char* message;
    };
    const Case cases[] = {
        {R"(foo{a="b"} 1 2 bar)", 16, R"(unexpected identifier "bar" in series values, expected number or "stale")"},
        {R"(foo{a="b} 1)", 7, "unterminated quoted string"},
        {R"(foo{a="\q"})", 8, "unknown escape sequence U+0071 'q'"},
        {"foo 1x3.5", 7, R"(invalid repetition in series values: strconv.ParseUint: parsing "3.5": invalid syntax)"},
        {"foo 1x99999999999999999999", 7,
         R"(invalid repetition in series values: strconv.ParseUint: parsing "99999999999999999999": value out of range)"},
        {"foo 1e", 5, R"(error parsing number: strconv.ParseFloat: parsing "1e": invalid syntax)"},
        {"foo 1e999", 5, R"(error parsing number: strconv.ParseFloat: parsing "1e999": value out of range)"},
        {"foo 1a", 5, R"(bad number syntax: "1a")"},
        {"foo 1 # c", 7, "unexpected character in series values: '#'"},
        {R"(on{a="b"} 1)", 1, R"(unexpected keyword "on", expected a metric name or "{")"},
        {R"(foo{a!="b"} 1)", 6, R"(unexpected "!=" in label set, expected "=")"},
        {R"(foo{a=~"b"} 1)", 6, R"(unexpected "=~" in label set, expected "=")"},
        {R"(foo{1="b"} 1)", 5, "unexpected character inside braces: '1'"},
        {R"(foo{a="b" c="d"} 1)", 11, R"(unexpected identifier "c" in label set, expected "," or "}")"},
        {R"(foo{a=b} 1)", 7, R"(unexpected identifier "b" in label set, expected string)"},
        {R"(foo{a="b"}1)", 11, R"(unexpected number "1" in series values, expected a space)"},
        {R"(foo{a="b")", 10, "unexpected end of input inside braces"},
        {"foo 1+2", 8, R"(unexpected end of input in series values, expected "x")"},
        {"foo 1+2 x3", 8, R"(unexpected space in series values, expected "x")"},
        {"foo 1x", 7, "unexpected end of input in series values, expected repetition count"},
        {"foo _-2", 6, R"(unexpected "-" in series values, expected a space)"},
        {"foo x3", 5, R"(unexpected "x" in series values, expected number, "_" or "stale")"},
        {"foo sum", 5, R"(unexpected keyword "sum" in series values, expected number, "_" or "stale")"},
        {"foo +x", 6, R"(unexpected "x" in series values, expected number)"},
        {"foo {a=\"b\"} 1", 5, "unexpected character in series values: '{'"},
        {"1 2", 1, R"(unexpected '1', expected a metric name or "{")"},
        {"foo{a=\"b\"}{", 11, "unexpected character in series values: '{'"},
        {"foo{{", 5, "unexpected left brace '{'"},
    };
    for (const Case& c : cases) {
        auto e = parse_err(c.text);
        EXPECT_EQ(e.column, c.column) << c.text;
        EXPECT_EQ(e.message, c.message) << c.text;
    }
    EXPECT_EQ(parse_err("foo 1x").to_string(),
              "7: unexpected end of input in series values, expected repetition count");
}

TEST(SeriesDescription, ExpansionLimit) {
    EXPECT_EQ(parse_err("m 1x10000000").message, "series expands to more than 10000000 values");
    EXPECT_EQ(parse_err("m _x10000001").message, "series expands to more than 10000000 values");
    EXPECT_EQ(parse_err("m 1+1x18446744073709551615").message, "series expands to more than 10000000 values");
    EXPECT_EQ(parse_ok("m 1x99999").values.size(), 100000u);
}

TEST(SeriesDescription, LeadingSpaceAndComment) {
    EXPECT_EQ(parse_ok("   foo 1").values, nums({1}));
    auto d = parse_ok("# just a comment");
    EXPECT_TRUE(d.labels.empty());
    EXPECT_TRUE(d.values.empty());
}

TEST(SeriesValues, PromtoolValuesField) {
    auto v = parse_series_values("0+0x20 0+6x40");
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    ASSERT_EQ(v->size(), 62u);
    EXPECT_EQ((*v)[20], num(0));
    EXPECT_EQ((*v)[21], num(0));
    EXPECT_EQ((*v)[61], num(240));
    auto spaced = parse_series_values("  1 _x2 stale ");
    ASSERT_TRUE(spaced.ok());
    EXPECT_EQ(*spaced, (std::vector<SeriesValue>{num(1), k_blank, k_blank, SeriesValue::stale()}));
    auto empty = parse_series_values("");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
    auto bad = parse_series_values("1 foo");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().column, 3u);
    EXPECT_FALSE(parse_series_values(R"(up{a="b"} 1)").ok());
}

TEST(ParseMetric, PromtoolLabels) {
    auto m = parse_metric(R"(up{job="api", instance='x:1'})");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(*m, (Labels{{"__name__", "up"}, {"instance", "x:1"}, {"job", "api"}}));
    ASSERT_TRUE(parse_metric("{}").ok());
    EXPECT_TRUE(parse_metric("{}")->empty());
    auto bad = parse_metric("up 1");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().column, 4u);
}

TEST(SeriesValue, Printing) {
    EXPECT_EQ(to_string(k_blank), "_");
    EXPECT_EQ(to_string(SeriesValue::stale()), "stale");
    EXPECT_EQ(to_string(num(1)), "1");
    EXPECT_EQ(to_string(num(-2.5)), "-2.5");
    EXPECT_EQ(to_string(num(1e6)), "1e+06");
    EXPECT_EQ(to_string(num(123456)), "123456");
    EXPECT_EQ(to_string(num(0.0001)), "0.0001");
    EXPECT_EQ(to_string(num(0.00001)), "1e-05");
    EXPECT_EQ(to_string(num(1.5e300)), "1.5e+300");
    EXPECT_EQ(to_string(num(k_inf)), "+Inf");
    EXPECT_EQ(to_string(num(-k_inf)), "-Inf");
    EXPECT_EQ(to_string(num(std::nan(""))), "NaN");
    EXPECT_EQ(to_string(num(0)), "0");
}

}  // namespace
}  // namespace tocsin::promql
