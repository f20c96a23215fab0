// The evaluator's API beyond the conformance scripts: error messages as 2.42
// gives them, the lookback and range boundaries, staleness, offset and @,
// subquery step alignment, __name__ handling and the sample limit.
#include "tocsin/promql/engine.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <variant>

#include "tocsin/promql/parser.hpp"
#include "tocsin/promql/test_runner.hpp"

namespace tocsin::promql {
namespace {

using testing::HasSubstr;

constexpr std::int64_t k_s = 1000;
constexpr std::int64_t k_m = 60 * k_s;

class EngineTest : public testing::Test {
protected:
    EngineTest() { m_store.set_retention(std::chrono::hours(24)); }

    void add(const Labels& labels, std::initializer_list<series::Sample> samples) {
        auto ref = m_store.get_or_create(labels);
        for (const auto& s : samples) ASSERT_EQ(m_store.append(ref, s.t, s.v), series::AppendResult::appended);
    }

    Result<Value> eval(const std::string& text, std::int64_t t, EngineOptions options = {}) {
        ParseResult parsed = parse_expr(text);
        if (auto* err = std::get_if<ParseError>(&parsed)) {
            ADD_FAILURE() << text << ": " << err->to_string();
            return Error::make(ErrorCategory::invalid_argument, "parse error");
        }
        m_expr = std::move(std::get<ExprPtr>(parsed));
        Engine engine(m_store, options);
        return engine.instant(*m_expr, t);
    }

    // The vector result as "labels value" lines, in result order.
    std::vector<std::string> lines(const std::string& text, std::int64_t t) {
        auto r = eval(text, t);
        EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
        std::vector<std::string> out;
        if (!r.ok()) return out;
        EXPECT_EQ(r->type, ValueType::vector) << text;
        for (const auto& s : r->vector) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%g", s.value);
            out.push_back(format_labels(s.labels) + " " + buf);
        }
        return out;
    }

    std::string error(const std::string& text, std::int64_t t, EngineOptions options = {}) {
        auto r = eval(text, t, options);
        EXPECT_FALSE(r.ok()) << text << " should fail";
        return r.ok() ? "" : r.error().message;
    }

    series::SeriesStore m_store;
    ExprPtr m_expr;
};

using Lines = std::vector<std::string>;

TEST_F(EngineTest, LookbackIncludesTheSampleExactlyFiveMinutesOld) {
    add({{"__name__", "x"}}, {{0, 1}});
    EXPECT_EQ(lines("x", 5 * k_m), Lines{"{__name__=\"x\"} 1"});
    EXPECT_EQ(lines("x", 5 * k_m + 1), Lines{});
    EngineOptions shorter;
    shorter.lookback_delta = std::chrono::minutes(1);
    auto r = eval("x", 2 * k_m, shorter);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->vector.empty());
}

TEST_F(EngineTest, StalenessMarkerEndsTheSeriesUntilTheNextSample) {
    add({{"__name__", "x"}}, {{0, 1}, {10 * k_s, stale_marker()}, {20 * k_s, 2}});
    EXPECT_EQ(lines("x", 5 * k_s), Lines{"{__name__=\"x\"} 1"});
    EXPECT_EQ(lines("x", 15 * k_s), Lines{});
    EXPECT_EQ(lines("x", 20 * k_s), Lines{"{__name__=\"x\"} 2"});
    // Ranges leave the marker out.
    EXPECT_EQ(lines("count_over_time(x[1m])", 30 * k_s), Lines{"{} 2"});
}

TEST_F(EngineTest, RangesIncludeBothEnds) {
    add({{"__name__", "x"}}, {{0, 1}, {30 * k_s, 2}, {60 * k_s, 3}, {90 * k_s, 4}});
    EXPECT_EQ(lines("count_over_time(x[1m])", 60 * k_s), Lines{"{} 3"});
    EXPECT_EQ(lines("count_over_time(x[1m])", 61 * k_s), Lines{"{} 2"});
}

TEST_F(EngineTest, TopLevelRangeSelectorIsAMatrix) {
    add({{"__name__", "x"}, {"a", "1"}}, {{0, 1}, {30 * k_s, 2}});
    auto r = eval("x[1m]", 30 * k_s);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->type, ValueType::matrix);
    ASSERT_EQ(r->matrix.size(), 1u);
    EXPECT_EQ(r->matrix[0].labels, (Labels{{"__name__", "x"}, {"a", "1"}}));
    ASSERT_EQ(r->matrix[0].samples.size(), 2u);
    EXPECT_EQ(r->matrix[0].samples[1].t, 30 * k_s);
}

TEST_F(EngineTest, ScalarAndStringResults) {
    auto s = eval("1 + 2 * 3", 0);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->type, ValueType::scalar);
    EXPECT_EQ(s->scalar, 7);
    auto t = eval("time()", 90 * k_s);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->scalar, 90);
    auto str = eval("\"hello\"", 0);
    ASSERT_TRUE(str.ok());
    EXPECT_EQ(str->type, ValueType::string);
    EXPECT_EQ(str->string, "hello");
}

TEST_F(EngineTest, OffsetAndAtModifiers) {
    add({{"__name__", "x"}}, {{0, 0}, {60 * k_s, 1}, {120 * k_s, 2}, {180 * k_s, 3}});
    EXPECT_EQ(lines("x offset 1m", 180 * k_s), Lines{"{__name__=\"x\"} 2"});
    EXPECT_EQ(lines("x offset -1m", 60 * k_s), Lines{"{__name__=\"x\"} 2"});
    EXPECT_EQ(lines("x @ 60", 180 * k_s), Lines{"{__name__=\"x\"} 1"});
    EXPECT_EQ(lines("x @ 120 offset 1m", 0), Lines{"{__name__=\"x\"} 1"});
    // For an instant query start() and end() are the evaluation time.
    EXPECT_EQ(lines("x @ start()", 120 * k_s), Lines{"{__name__=\"x\"} 2"});
    EXPECT_EQ(lines("x @ end()", 180 * k_s), Lines{"{__name__=\"x\"} 3"});
    EXPECT_EQ(lines("timestamp(x @ 100)", 0), Lines{"{} 60"});
    EXPECT_EQ(lines("timestamp(x offset 30s)", 170 * k_s), Lines{"{} 120"});
    // Not a selector: the evaluation time.
    EXPECT_EQ(lines("timestamp(abs(x))", 170 * k_s), Lines{"{} 170"});
    // @ start() inside a subquery is still the query's time, not the step's.
    EXPECT_EQ(lines("max_over_time((x @ start())[2m:1m])", 120 * k_s), Lines{"{} 2"});
}

TEST_F(EngineTest, SubqueryStepsAreAlignedToAbsoluteMultiples) {
    // Steps of 20s in [10s, 70s]: 20s, 40s, 60s.
    EXPECT_EQ(lines("count_over_time(vector(time())[1m:20s])", 70 * k_s), Lines{"{} 3"});
    EXPECT_EQ(lines("min_over_time(vector(time())[1m:20s])", 70 * k_s), Lines{"{} 20"});
    EXPECT_EQ(lines("max_over_time(vector(time())[1m:20s])", 70 * k_s), Lines{"{} 60"});
    // The range's first instant counts when it is a step.
    EXPECT_EQ(lines("min_over_time(vector(time())[1m:20s])", 80 * k_s), Lines{"{} 20"});
    // No step: the default subquery step (1m).
    EXPECT_EQ(lines("count_over_time(vector(time())[5m:])", 330 * k_s), Lines{"{} 5"});
    // offset and @ move the whole window.
    EXPECT_EQ(lines("max_over_time(vector(time())[1m:20s] offset 30s)", 70 * k_s), Lines{"{} 40"});
    EXPECT_EQ(lines("max_over_time(vector(time())[1m:20s] @ 200)", 70 * k_s), Lines{"{} 200"});
    // Nested subqueries.
    EXPECT_EQ(lines("max_over_time(max_over_time(vector(time())[1m:10s])[2m:1m])", 150 * k_s), Lines{"{} 120"});
}

TEST_F(EngineTest, SubqueryInnerSelectorsUseLookbackAndStaleness) {
    add({{"__name__", "x"}}, {{0, 1}, {60 * k_s, 2}, {90 * k_s, stale_marker()}});
    // Steps 0..150s by 30s: 1 1 2 2 (stale from 90s on).
    EXPECT_EQ(lines("count_over_time(x[150s:30s])", 150 * k_s), Lines{"{} 3"});
    EXPECT_EQ(lines("sum_over_time(x[150s:30s])", 150 * k_s), Lines{"{} 4"});
}

TEST_F(EngineTest, MetricNameHandling) {
    add({{"__name__", "x"}, {"a", "1"}}, {{0, 1}, {60 * k_s, 3}});
    EXPECT_EQ(lines("x + 1", 60 * k_s), Lines{"{a=\"1\"} 4"});
    EXPECT_EQ(lines("x > 1", 60 * k_s), Lines{"{__name__=\"x\", a=\"1\"} 3"});
    EXPECT_EQ(lines("1 < x", 60 * k_s), Lines{"{__name__=\"x\", a=\"1\"} 3"});
    EXPECT_EQ(lines("x > bool 1", 60 * k_s), Lines{"{a=\"1\"} 1"});
    EXPECT_EQ(lines("x atan2 1", 60 * k_s).size(), 1u);
    EXPECT_THAT(lines("x atan2 1", 60 * k_s)[0], HasSubstr("__name__"));
    EXPECT_EQ(lines("-x", 60 * k_s), Lines{"{a=\"1\"} -3"});
    EXPECT_EQ(lines("+x", 60 * k_s), Lines{"{__name__=\"x\", a=\"1\"} 3"});
    EXPECT_EQ(lines("x == x", 60 * k_s), Lines{"{__name__=\"x\", a=\"1\"} 3"});
    EXPECT_EQ(lines("x * x", 60 * k_s), Lines{"{a=\"1\"} 9"});
    EXPECT_EQ(lines("rate(x[2m])", 60 * k_s).size(), 1u);
    EXPECT_THAT(lines("rate(x[2m])", 60 * k_s)[0], testing::StartsWith("{a=\"1\"}"));
    EXPECT_EQ(lines("last_over_time(x[2m])", 60 * k_s), Lines{"{__name__=\"x\", a=\"1\"} 3"});
    EXPECT_EQ(lines("max_over_time(x[2m])", 60 * k_s), Lines{"{a=\"1\"} 3"});
    EXPECT_EQ(lines("abs(x)", 60 * k_s), Lines{"{a=\"1\"} 3"});
    EXPECT_EQ(lines("sort(x)", 60 * k_s), Lines{"{__name__=\"x\", a=\"1\"} 3"});
    EXPECT_EQ(lines("label_replace(x, \"b\", \"$1\", \"a\", \"(.*)\")", 60 * k_s),
              Lines{"{__name__=\"x\", a=\"1\", b=\"1\"} 3"});
    EXPECT_EQ(lines("sum without (b) (x)", 60 * k_s), Lines{"{a=\"1\"} 3"});
    EXPECT_EQ(lines("sum by (__name__) (x)", 60 * k_s), Lines{"{__name__=\"x\"} 3"});
    EXPECT_EQ(lines("topk(1, x)", 60 * k_s), Lines{"{__name__=\"x\", a=\"1\"} 3"});
}

TEST_F(EngineTest, DuplicateLabelSetsAreErrors) {
    add({{"__name__", "a"}, {"job", "j"}}, {{0, 1}});
    add({{"__name__", "b"}, {"job", "j"}}, {{0, 2}});
    const std::string msg = "vector cannot contain metrics with the same labelset";
    EXPECT_EQ(error("-{__name__=~\"a|b\"}", 0), msg);
    EXPECT_EQ(error("{__name__=~\"a|b\"} + 1", 0), msg);
    EXPECT_EQ(error("abs({__name__=~\"a|b\"})", 0), msg);
    EXPECT_EQ(error("count_over_time({__name__=~\"a|b\"}[5m])", 0), msg);
    EXPECT_EQ(error("timestamp({__name__=~\"a|b\"})", 0), msg);
    // Filtering keeps the names, so nothing collides.
    EXPECT_EQ(lines("{__name__=~\"a|b\"} > 0", 0).size(), 2u);
}

TEST_F(EngineTest, MatchingErrors) {
    add({{"__name__", "l"}, {"job", "j"}, {"i", "1"}}, {{0, 1}});
    add({{"__name__", "l"}, {"job", "j"}, {"i", "2"}}, {{0, 2}});
    add({{"__name__", "r"}, {"job", "j"}}, {{0, 10}});
    EXPECT_EQ(error("r + on(job) l", 0),
              "found duplicate series for the match group {job=\"j\"} on the right hand-side of the operation: "
              "[{__name__=\"l\", i=\"2\", job=\"j\"}, {__name__=\"l\", i=\"1\", job=\"j\"}];many-to-many matching "
              "not allowed: matching labels must be unique on one side");
    EXPECT_EQ(error("l + on(job) group_right r", 0),
              "found duplicate series for the match group {job=\"j\"} on the left hand-side of the operation: "
              "[{__name__=\"l\", i=\"2\", job=\"j\"}, {__name__=\"l\", i=\"1\", job=\"j\"}];many-to-many matching "
              "not allowed: matching labels must be unique on one side");
    EXPECT_EQ(error("l + on(job) r", 0),
              "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
}

TEST_F(EngineTest, GroupLeftCopiesIncludedLabels) {
    add({{"__name__", "l"}, {"job", "j"}, {"i", "1"}}, {{0, 1}});
    add({{"__name__", "l"}, {"job", "j"}, {"i", "2"}}, {{0, 2}});
    add({{"__name__", "r"}, {"job", "j"}, {"team", "t"}}, {{0, 10}});
    EXPECT_EQ(lines("l * on(job) group_left(team) r", 0),
              (Lines{"{i=\"1\", job=\"j\", team=\"t\"} 10", "{i=\"2\", job=\"j\", team=\"t\"} 20"}));
    EXPECT_EQ(lines("l and on(job) r", 0).size(), 2u);
    EXPECT_EQ(lines("l unless on(job) r", 0).size(), 0u);
    EXPECT_EQ(lines("r or l", 0).size(), 3u);
}

TEST_F(EngineTest, FunctionAndAggregationErrors) {
    add({{"__name__", "x"}, {"a", "1"}}, {{0, 1}, {30 * k_s, 2}});
    EXPECT_EQ(error("topk(1e19, x)", 30 * k_s), "Scalar value 1e+19 overflows int64");
    EXPECT_EQ(error("holt_winters(x[1m], 2, 0.5)", 30 * k_s),
              "invalid smoothing factor. Expected: 0 < sf < 1, got: 2.000000");
    EXPECT_EQ(error("holt_winters(x[1m], 0.5, 0)", 30 * k_s),
              "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
    EXPECT_EQ(error("label_replace(x, \"dst\", \"\", \"a\", \"(.*\")", 30 * k_s),
              "invalid regular expression in label_replace(): (.*");
    EXPECT_EQ(error("label_replace(x, \"1dst\", \"\", \"a\", \".*\")", 30 * k_s),
              "invalid destination label name in label_replace(): 1dst");
    EXPECT_EQ(error("label_join(x, \"dst\", \",\", \"a\", \"b-c\")", 30 * k_s),
              "invalid source label name in label_join(): b-c");
    EXPECT_EQ(error("count_values(\"a-b\", x)", 30 * k_s), "invalid label name \"a-b\"");
    // 2.42 checks label_replace's arguments even with nothing to replace.
    EXPECT_EQ(error("label_replace(nothing, \"1dst\", \"\", \"a\", \".*\")", 30 * k_s),
              "invalid destination label name in label_replace(): 1dst");
}

TEST_F(EngineTest, TooManySamples) {
    for (int i = 0; i < 3; ++i) add({{"__name__", "x"}, {"i", std::to_string(i)}}, {{0, 1}, {10 * k_s, 2}});
    EngineOptions small;
    small.max_samples = 2;
    EXPECT_EQ(error("x", 10 * k_s, small),
              "query processing would load too many samples into memory in query execution");
    // Two windows of two samples pass; the third window on top of two
    // results does not.
    small.max_samples = 3;
    EXPECT_EQ(error("sum_over_time(x[1m])", 10 * k_s, small),
              "query processing would load too many samples into memory in query execution");
    small.max_samples = 10;
    EXPECT_TRUE(eval("sum(sum_over_time(x[1m]))", 10 * k_s, small).ok());
}

TEST_F(EngineTest, AbsentDerivesLabelsFromEqualityMatchers) {
    EXPECT_EQ(lines("absent(nope{job=\"a\", env=~\"p.*\", x=\"1\", x=\"2\"})", 0), Lines{"{job=\"a\"} 1"});
    EXPECT_EQ(lines("absent_over_time(nope{job=\"a\"}[1m])", 0), Lines{"{job=\"a\"} 1"});
    EXPECT_EQ(lines("absent(sum(nope{job=\"a\"}))", 0), Lines{"{} 1"});
    add({{"__name__", "x"}}, {{0, 1}});
    EXPECT_EQ(lines("absent(x)", 0), Lines{});
}

TEST_F(EngineTest, TopkOrderAndCountValues) {
    add({{"__name__", "x"}, {"i", "a"}}, {{0, 3}});
    add({{"__name__", "x"}, {"i", "b"}}, {{0, 1}});
    add({{"__name__", "x"}, {"i", "c"}}, {{0, 2}});
    add({{"__name__", "x"}, {"i", "d"}}, {{0, std::nan("")}});
    EXPECT_EQ(lines("topk(2, x)", 0), (Lines{"{__name__=\"x\", i=\"a\"} 3", "{__name__=\"x\", i=\"c\"} 2"}));
    EXPECT_EQ(lines("bottomk(2, x)", 0), (Lines{"{__name__=\"x\", i=\"b\"} 1", "{__name__=\"x\", i=\"c\"} 2"}));
    EXPECT_EQ(lines("topk(0, x)", 0), Lines{});
    EXPECT_EQ(lines("sort_desc(x)", 0).back(), "{__name__=\"x\", i=\"d\"} nan");
    EXPECT_EQ(lines("count_values(\"v\", x > 1)", 0), (Lines{"{v=\"3\"} 1", "{v=\"2\"} 1"}));
    EXPECT_EQ(lines("quantile(0.5, x < 10)", 0), Lines{"{} 2"});
}

TEST_F(EngineTest, HistogramQuantileGroupsByEverythingButLe) {
    add({{"__name__", "h_bucket"}, {"le", "1"}, {"job", "a"}}, {{0, 5}});
    add({{"__name__", "h_bucket"}, {"le", "+Inf"}, {"job", "a"}}, {{0, 10}});
    add({{"__name__", "h_bucket"}, {"le", "junk"}, {"job", "a"}}, {{0, 100}});
    EXPECT_EQ(lines("histogram_quantile(0.5, h_bucket)", 0), Lines{"{job=\"a\"} 1"});
    add({{"__name__", "g_bucket"}, {"le", "1"}, {"job", "a"}}, {{0, 5}});
    add({{"__name__", "g_bucket"}, {"le", "+Inf"}, {"job", "a"}}, {{0, 10}});
    EXPECT_EQ(error("histogram_quantile(0.5, {__name__=~\".*_bucket\"})", 0),
              "vector cannot contain metrics with the same labelset");
}

TEST_F(EngineTest, DeeplyNestedExpressionsEvaluate) {
    std::string text = "1";
    for (int i = 0; i < 120; ++i) text = "-(" + text + ")";
    auto r = eval(text, 0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->scalar, 1);
    std::string chain = "vector(1)";
    for (int i = 0; i < 900; ++i) chain += " + vector(1)";
    auto c = eval(chain, 0);
    ASSERT_TRUE(c.ok());
    ASSERT_EQ(c->vector.size(), 1u);
    EXPECT_EQ(c->vector[0].value, 901);
}

TEST(TestRunner, ReportsEveryEvalAndStopsAtParseErrors) {
    auto script = parse_test_script(
        "load 1m\n"
        "  x{a=\"1\"} 1 2 3\n"
        "\n"
        "eval instant at 2m x\n"
        "  x{a=\"1\"} 3\n"
        "\n"
        "eval instant at 2m x\n"
        "  x{a=\"1\"} 4\n"
        "\n"
        "clear\n"
        "\n"
        "eval instant at 2m x\n");
    ASSERT_TRUE(script.ok());
    auto report = run_test_script(*script, "t.test");
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->cases.size(), 3u);
    EXPECT_TRUE(report->cases[0].passed);
    EXPECT_FALSE(report->cases[1].passed);
    EXPECT_EQ(report->cases[1].line, 7u);
    EXPECT_THAT(report->cases[1].message, HasSubstr("expected 4 for x{a=\"1\"} but got 3"));
    EXPECT_TRUE(report->cases[2].passed);  // cleared: nothing expected, nothing there
    EXPECT_EQ(report->passed(), 2u);
    EXPECT_EQ(report->failed(), 1u);

    auto bad = parse_test_script("eval instant at 0m sum(x\n");
    ASSERT_TRUE(bad.ok());
    auto err = run_test_script(*bad, "b.test");
    ASSERT_FALSE(err.ok());
    EXPECT_THAT(err.error().message, testing::StartsWith("b.test:1:"));
    EXPECT_THAT(err.error().message, HasSubstr("parse error"));
}

// Range functions read series in memory order and sort what they keep; an
// aggregation over a selector or range function builds only its grouping
// labels. Neither may show: same order, same sums, same errors.
class EngineReadOrderTest : public EngineTest {
protected:
    void SetUp() override {
        // Created in an order unlike the label order.
        for (int i = 0; i < 300; ++i) {
            const int k = (i * 7919) % 300;
            const std::string job = "j" + std::to_string(k % 3);
            const std::string inst = "i" + std::to_string(k);
            const double slope = 1 + (k % 10) / 10.0 + 1e-9 * k;
            add({{"__name__", "c"}, {"job", job}, {"instance", inst}},
                {{0, 0}, {60 * k_s, 60 * slope}, {120 * k_s, 120 * slope}, {180 * k_s, 180 * slope}});
            add({{"__name__", "d"}, {"job", job}, {"instance", inst}}, {{0, 0}, {180 * k_s, 3.0 * k}});
        }
    }
};

TEST_F(EngineReadOrderTest, RangeFunctionResultsComeInLabelOrder) {
    const Lines all = lines("rate(c[5m])", 180 * k_s);
    ASSERT_EQ(all.size(), 300u);
    Lines sorted;
    {
        auto r = eval("rate(c[5m])", 180 * k_s);
        ASSERT_TRUE(r.ok());
        std::vector<Labels> sets;
        for (const auto& s : r->vector) sets.push_back(s.labels);
        EXPECT_TRUE(std::is_sorted(sets.begin(), sets.end()));
    }
    // A filter keeps the same relative order.
    const Lines some = lines("rate(c[5m]) > 0.87", 180 * k_s);
    ASSERT_FALSE(some.empty());
    ASSERT_LT(some.size(), all.size());
    Lines expected;
    for (const auto& l : all) {
        if (std::find(some.begin(), some.end(), l) != some.end()) expected.push_back(l);
    }
    EXPECT_EQ(some, expected);
}

TEST_F(EngineReadOrderTest, GroupedAggregationsMatchTheUngroupedPath) {
    // `x * 1` hides the argument from the grouping hint: the reference path.
    for (const char* agg : {"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"}) {
        for (const char* grouping : {"by (job)", "without (instance)", "by (__name__, job)", "without (job, __name__)", ""}) {
            for (const char* arg : {"rate(c[5m])", "c", "last_over_time(c[5m])"}) {
                const std::string fast = std::string(agg) + " " + grouping + " (" + arg + ")";
                const std::string slow = std::string(agg) + " " + grouping + " (" + arg + " * 1)";
                const std::string slow_keep = std::string(agg) + " " + grouping + " (" + arg + " > -1)";
                // Arithmetic drops __name__; a filter keeps it: compare each with its twin.
                const bool keeps_name = std::string(arg) != "rate(c[5m])";
                EXPECT_EQ(lines(fast, 180 * k_s), lines(keeps_name ? slow_keep : slow, 180 * k_s)) << fast;
            }
        }
    }
    EXPECT_EQ(lines("quantile by (job) (0.9, rate(c[5m]))", 180 * k_s),
              lines("quantile by (job) (0.9, rate(c[5m]) * 1)", 180 * k_s));
    EXPECT_EQ(lines("sum by (__name__) (c)", 180 * k_s), Lines{"{__name__=\"c\"} 78300"});
    EXPECT_EQ(lines("sum by (__name__) (rate(c[5m]))", 180 * k_s).size(), 1u);
    EXPECT_EQ(lines("sum by (__name__) (rate(c[5m]))", 180 * k_s)[0].substr(0, 3), "{} ");
}

TEST_F(EngineReadOrderTest, CollisionsStillFailUnderAnAggregation) {
    // Without a name to tell them apart, c and d collide after rate().
    EXPECT_EQ(error("sum by (job) (rate({__name__=~\"c|d\"}[5m]))", 180 * k_s),
              "vector cannot contain metrics with the same labelset");
    EXPECT_EQ(lines("sum by (job) ({__name__=~\"c|d\"})", 180 * k_s).size(), 3u);
}

TEST(TestRunner, AtModifierVariantsCatchTimeDependentResults) {
    // `x` pinned at 2m must give the same answer at every evaluation time;
    // test.go checks that, and so does the runner.
    auto script = parse_test_script(
        "load 1m\n"
        "  x 1 2 3\n"
        "\n"
        "eval instant at 2m x\n"
        "  x 3\n");
    ASSERT_TRUE(script.ok());
    auto report = run_test_script(*script, "t.test");
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->cases.size(), 1u);
    EXPECT_TRUE(report->cases[0].passed) << report->cases[0].message;
}

}  // namespace
}  // namespace tocsin::promql
