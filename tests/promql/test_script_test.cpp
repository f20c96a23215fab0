// Prometheus' PromQL test scripts (promql/test.go of v2.42): parsing, load
// expansion and the result comparison.
#include "tocsin/promql/test_script.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

namespace tocsin::promql {
namespace {

using namespace std::chrono_literals;

constexpr double k_inf = std::numeric_limits<double>::infinity();

TestScript parse_ok(std::string_view text) {
    auto r = parse_test_script(text);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string("t"));
    return r.ok() ? *r : TestScript{};
}

ScriptError parse_err(std::string_view text) {
    auto r = parse_test_script(text);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? ScriptError{} : r.error();
}

template <typename T>
const T& as(const ScriptCommand& c) {
    static const T k_empty{};
    EXPECT_TRUE(std::holds_alternative<T>(c));
    return std::holds_alternative<T>(c) ? std::get<T>(c) : k_empty;
}

EvalCommand eval_of(std::string_view text) {
    auto script = parse_ok(text);
    EXPECT_EQ(script.commands.size(), 1u);
    return script.commands.empty() ? EvalCommand{} : as<EvalCommand>(script.commands.front());
}

// --- parsing ---

TEST(TestScript, ParsesAllCommandKinds) {
    auto script = parse_ok(R"(# A comment.
load 5m
    http_requests{job="api-server", instance="0"} 0+10x10
  http_requests{job="api-server", instance="1"} 0+20x10

eval instant at 50m sum by (job) (http_requests)
    {job="api-server"} 300

eval_ordered instant at 50m sort(http_requests)
  http_requests{job="api-server", instance="0"} 100
  http_requests{job="api-server", instance="1"} 200

eval_fail instant at 0m rate(x)

clear
)");
    ASSERT_EQ(script.commands.size(), 5u);

    const auto& load = as<LoadCommand>(script.commands[0]);
    EXPECT_EQ(load.line, 2u);
    EXPECT_EQ(load.interval, 5min);
    ASSERT_EQ(load.series.size(), 2u);
    EXPECT_EQ(load.series[0].line, 3u);
    EXPECT_EQ(load.series[1].line, 4u);
    EXPECT_EQ(load.series[1].series.labels.get("instance"), "1");
    EXPECT_EQ(load.series[1].series.values.size(), 11u);

    const auto& eval = as<EvalCommand>(script.commands[1]);
    EXPECT_EQ(eval.line, 6u);
    EXPECT_EQ(eval.mode, EvalCommand::Mode::plain);
    EXPECT_EQ(eval.at, 50min);
    EXPECT_EQ(eval.eval_time_ms(), 3'000'000);
    EXPECT_EQ(eval.expr, "sum by (job) (http_requests)");
    EXPECT_EQ(eval.expr_column, 21u);
    ASSERT_EQ(eval.expected.size(), 1u);
    EXPECT_EQ(eval.expected[0].line, 7u);
    EXPECT_EQ(eval.expected[0].position, 1u);
    EXPECT_EQ(eval.expected[0].labels, (Labels{{"job", "api-server"}}));
    EXPECT_EQ(eval.expected[0].value, SeriesValue::number(300));
    EXPECT_FALSE(eval.expected_scalar);

    const auto& ordered = as<EvalCommand>(script.commands[2]);
    EXPECT_TRUE(ordered.ordered());
    ASSERT_EQ(ordered.expected.size(), 2u);
    EXPECT_EQ(ordered.expected[1].position, 2u);

    const auto& fail = as<EvalCommand>(script.commands[3]);
    EXPECT_TRUE(fail.fail());
    EXPECT_EQ(fail.line, 13u);
    EXPECT_EQ(fail.at, 0ms);
    EXPECT_TRUE(fail.expected.empty());

    EXPECT_EQ(as<ClearCommand>(script.commands[4]).line, 15u);
}

TEST(TestScript, ExpressionColumnCountsIndentation) {
    auto eval = eval_of("   eval instant at 1m    foo  ");
    EXPECT_EQ(eval.expr, "foo");
    EXPECT_EQ(eval.expr_column, 26u);
}

TEST(TestScript, ExpectedScalarsUseGoNumberSyntax) {
    struct Case {
        const char* line;
        double value;
    };
    const Case cases[] = {
        {"1", 1},         {"-2.5", -2.5},      {"1e3", 1000},    {".5", 0.5},     {"0x1F", 31},
        {"017", 15},      {"0o17", 15},        {"0b101", 5},     {"1_000", 1000}, {"+Inf", k_inf},
        {"-inf", -k_inf}, {"Infinity", k_inf}, {"0x1p-2", 0.25}, {"08", 8},       {"99999999999999999999", 1e20}};
    for (const Case& c : cases) {
        auto eval = eval_of(std::string("eval instant at 0 x\n  ") + c.line + "\n");
        ASSERT_TRUE(eval.expected_scalar) << c.line;
        EXPECT_EQ(*eval.expected_scalar, c.value) << c.line;
        EXPECT_EQ(eval.expected_scalar_line, 2u);
    }
    auto nan = eval_of("eval instant at 0 x\n  NaN\n");
    ASSERT_TRUE(nan.expected_scalar);
    EXPECT_TRUE(std::isnan(*nan.expected_scalar));
}

TEST(TestScript, ScalarLineEndsTheExpectations) {
    // test.go stops after a scalar; the next line is read as a command.
    auto e = parse_err("eval instant at 0 1\n  1\n  2\n");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.message, R"(invalid command "2")");
}

TEST(TestScript, ExpectedLinesOfAllShapes) {
    auto eval = eval_of("eval instant at 1m x\n  {} 3600\n  foo\n  bar _\n  baz stale\n  qux -1x0\n");
    ASSERT_EQ(eval.expected.size(), 5u);
    EXPECT_TRUE(eval.expected[0].labels.empty());
    EXPECT_EQ(eval.expected[0].value, SeriesValue::number(3600));
    EXPECT_FALSE(eval.expected[1].value);  // accepted, fails when compared
    EXPECT_TRUE(eval.expected[2].value->omitted);
    EXPECT_TRUE(eval.expected[3].value->is_stale());
    EXPECT_EQ(eval.expected[4].value, SeriesValue::number(-1));
    EXPECT_EQ(eval.expected[4].position, 5u);
}

TEST(TestScript, MultipleValuesInAnExpectationAreRejected) {
    auto e = parse_err("eval instant at 0 foo\n   foo 1 2\n");
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.column, 4u);
    EXPECT_EQ(e.message, "expecting multiple values in instant evaluation not allowed");
}

TEST(TestScript, CommentEndsALoadBlock) {
    auto e = parse_err("load 5m\n  a 1\n  # comment\n  b 2\n");
    EXPECT_EQ(e.line, 4u);
    EXPECT_EQ(e.column, 3u);
    EXPECT_EQ(e.message, R"(invalid command "b 2")");
}

TEST(TestScript, LoadWithoutSeriesAndAtEndOfFile) {
    auto script = parse_ok("load 1m");
    ASSERT_EQ(script.commands.size(), 1u);
    EXPECT_TRUE(as<LoadCommand>(script.commands[0]).series.empty());
}

TEST(TestScript, CommandsAreCaseInsensitiveOnlyWhereTestGoIs) {
    EXPECT_EQ(parse_ok("CLEAR\nclear now\n").commands.size(), 2u);  // the rest of a clear line is ignored
    EXPECT_EQ(parse_err("Load 5m\n").message, "invalid load command. (load <step:duration>)");
    EXPECT_EQ(parse_err("EVAL instant at 0 x\n").message,
              "invalid evaluation command. (eval[_fail|_ordered] instant [at <offset:duration>] <query>");
}

TEST(TestScript, CommandErrors) {
    struct Case {
        const char* text;
        std::size_t line;
        std::size_t column;
        const char* message;
    };
    const Case cases[] = {
        {"\n\nfoo bar\n", 3, 1, R"(invalid command "foo bar")"},
        {"load\n", 1, 1, "invalid load command. (load <step:duration>)"},
        {"load 5x\n", 1, 6, R"(invalid step definition "5x": not a valid duration string: "5x")"},
        {"load 1m 2m\n", 1, 6, R"(invalid step definition "1m 2m": not a valid duration string: "1m 2m")"},
        {"eval instant foo\n", 1, 1,
         "invalid evaluation command. (eval[_fail|_ordered] instant [at <offset:duration>] <query>"},
        {"eval range from 0 to 1m step 30s foo\n", 1, 1,
         "invalid evaluation command. (eval[_fail|_ordered] instant [at <offset:duration>] <query>"},
        {"eval_failed instant at 0 foo\n", 1, 1,
         "invalid evaluation command. (eval[_fail|_ordered] instant [at <offset:duration>] <query>"},
        {"eval instant at 1m\n", 1, 1,
         "invalid evaluation command. (eval[_fail|_ordered] instant [at <offset:duration>] <query>"},
        {"eval instant  foo\n", 1, 15, R"(invalid step definition "": empty duration string)"},
        {"eval instant at 5 foo\n", 1, 17, R"(invalid step definition "5": not a valid duration string: "5")"},
        {"eval instant at 1000y foo\n", 1, 17, R"(invalid step definition "1000y": duration out of range)"},
        {"load 1m\n    foo{a=\"b\"} 1 x\n", 2, 18,
         R"(unexpected "x" in series values, expected number, "_" or "stale")"},
        {"eval instant at 0 foo\n\tfoo{a=\"b} 1\n", 2, 8, "unterminated quoted string"},
    };
    for (const Case& c : cases) {
        auto e = parse_err(c.text);
        EXPECT_EQ(e.line, c.line) << c.text;
        EXPECT_EQ(e.column, c.column) << c.text;
        EXPECT_EQ(e.message, c.message) << c.text;
    }
}

TEST(TestScript, ErrorFormatting) {
    EXPECT_EQ((ScriptError{12, 5, "bad"}).to_string("functions.test"), "functions.test:12:5: bad");
    EXPECT_EQ((ScriptError{12, 0, "bad"}).to_string("functions.test"), "functions.test:12: bad");
}

TEST(TestScript, CrLfAndTabs) {
    auto script = parse_ok("load 1m\r\n\tm 1 2\r\n\r\neval instant at 1m m\r\n\tm 2\r\n");
    ASSERT_EQ(script.commands.size(), 2u);
    EXPECT_EQ(as<LoadCommand>(script.commands[0]).series.size(), 1u);
    EXPECT_EQ(as<EvalCommand>(script.commands[1]).expr, "m");
}

TEST(TestScript, ReadFile) {
    const auto dir = std::filesystem::temp_directory_path() / "tocsin_promql_script_test";
    std::filesystem::create_directories(dir);
    const auto good = dir / "good.test";
    const auto bad = dir / "bad.test";
    std::ofstream(good) << "load 1m\n  m 1\n\neval instant at 0 m\n  m 1\n";
    std::ofstream(bad) << "load 1m\n  m 1\n\nnonsense\n";
    auto ok = read_test_script(good);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->commands.size(), 2u);
    auto err = read_test_script(bad);
    ASSERT_FALSE(err.ok());
    EXPECT_EQ(err.error().message, bad.string() + R"(:4:1: invalid command "nonsense")");
    auto missing = read_test_script(dir / "missing.test");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().category, ErrorCategory::io);
    std::filesystem::remove_all(dir);
}

// --- durations ---

TEST(PrometheusDuration, MatchesModelParseDuration) {
    EXPECT_EQ(*parse_prometheus_duration("5m"), 5min);
    EXPECT_EQ(*parse_prometheus_duration("1h30m"), 90min);
    EXPECT_EQ(*parse_prometheus_duration("0"), 0ms);
    EXPECT_EQ(*parse_prometheus_duration("0s"), 0ms);
    EXPECT_EQ(*parse_prometheus_duration("1m1ms"), 60001ms);
    EXPECT_EQ(*parse_prometheus_duration("1y"), 365 * 24h);
    EXPECT_EQ(*parse_prometheus_duration("1y2w3d4h5m6s7ms"), 365 * 24h + 14 * 24h + 3 * 24h + 4h + 5min + 6s + 7ms);
    EXPECT_EQ(*parse_prometheus_duration("106751d"), 106751 * 24h);
    for (const char* bad : {"", "5", "1.5h", "-5m", "30s1m", "1h1h", "1d1y", "5 m", "1msm", "m"}) {
        EXPECT_FALSE(parse_prometheus_duration(bad).ok()) << bad;
    }
    EXPECT_EQ(parse_prometheus_duration("").error().message, "empty duration string");
    EXPECT_EQ(parse_prometheus_duration("106752d").error().message, "duration out of range");
    EXPECT_EQ(parse_prometheus_duration("293y").error().message, "duration out of range");
    EXPECT_EQ(parse_prometheus_duration("99999999999999999999s").error().message, "duration out of range");
}

// --- load expansion ---

TEST(ExpandLoad, TimestampsBlanksAndStaleness) {
    auto script = parse_ok("load 5m\n  a 1 _ 3 stale _x2 4\n  b{x=\"y\"} _x3\n");
    const auto& load = as<LoadCommand>(script.commands[0]);
    auto loaded = expand_load(load);
    ASSERT_EQ(loaded.size(), 2u);
    EXPECT_EQ(loaded[0].first, (Labels{{"__name__", "a"}}));
    const auto& s = loaded[0].second;
    ASSERT_EQ(s.size(), 4u);
    EXPECT_EQ(s[0].t, 0);
    EXPECT_EQ(s[0].v, 1);
    EXPECT_EQ(s[1].t, 600'000);
    EXPECT_EQ(s[1].v, 3);
    EXPECT_EQ(s[2].t, 900'000);
    EXPECT_TRUE(is_stale_marker(s[2].v));
    EXPECT_EQ(s[3].t, 1'800'000);
    EXPECT_EQ(s[3].v, 4);
    EXPECT_TRUE(loaded[1].second.empty());  // only blanks: nothing to append
}

TEST(ExpandLoad, LaterDefinitionReplacesEarlierInPlace) {
    auto script = parse_ok("load 1m\n  a 1 2 3\n  b 9\n  a 7\n");
    auto loaded = expand_load(as<LoadCommand>(script.commands[0]));
    ASSERT_EQ(loaded.size(), 2u);
    EXPECT_EQ(loaded[0].first.metric_name(), "a");
    ASSERT_EQ(loaded[0].second.size(), 1u);
    EXPECT_EQ(loaded[0].second[0].v, 7);
    EXPECT_EQ(loaded[1].first.metric_name(), "b");
}

TEST(ExpandLoad, MillisecondInterval) {
    auto script = parse_ok("load 1ms\n  a 0+1x2\n");
    auto loaded = expand_load(as<LoadCommand>(script.commands[0]));
    ASSERT_EQ(loaded[0].second.size(), 3u);
    EXPECT_EQ(loaded[0].second[2].t, 2);
    EXPECT_EQ(loaded[0].second[2].v, 2);
}

// --- comparison ---

EvalOutput vector_of(std::vector<ResultSample> samples) {
    EvalOutput out;
    out.type = EvalOutput::Type::vector;
    out.vector = std::move(samples);
    return out;
}

EvalOutput scalar_of(double v) {
    EvalOutput out;
    out.type = EvalOutput::Type::scalar;
    out.scalar = v;
    return out;
}

const Labels k_a{{"__name__", "m"}, {"i", "a"}};
const Labels k_b{{"__name__", "m"}, {"i", "b"}};
const Labels k_c{{"__name__", "m"}, {"i", "c"}};

const char* const k_two = "eval instant at 1m m\n  m{i=\"a\"} 1\n  m{i=\"b\"} 2\n";
const char* const k_two_ordered = "eval_ordered instant at 1m m\n  m{i=\"a\"} 1\n  m{i=\"b\"} 2\n";

TEST(CompareResult, UnorderedMatchIgnoresOrder) {
    auto eval = eval_of(k_two);
    EXPECT_EQ(compare_result(eval, vector_of({{k_b, 2}, {k_a, 1}})), std::nullopt);
    EXPECT_EQ(check_eval(eval, vector_of({{k_a, 1}, {k_b, 2}})), std::nullopt);
}

TEST(CompareResult, UnexpectedMetric) {
    auto eval = eval_of(k_two);
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, 1}, {k_c, 3}, {k_b, 2}})),
              R"(unexpected metric m{i="c"} in result)");
}

TEST(CompareResult, MissingMetric) {
    auto eval = eval_of(k_two);
    EXPECT_EQ(compare_result(eval, vector_of({{k_b, 2}})), R"(expected metric m{i="a"} with [1] not found)");
    EXPECT_EQ(compare_result(eval, vector_of({})), R"(expected metric m{i="a"} with [1] not found)");
}

TEST(CompareResult, WrongValue) {
    auto eval = eval_of(k_two);
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, 1}, {k_b, 2.5}})), R"(expected 2 for m{i="b"} but got 2.5)");
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, 1e6}, {k_b, 2}})), R"(expected 1 for m{i="a"} but got 1e+06)");
}

TEST(CompareResult, Ordered) {
    auto eval = eval_of(k_two_ordered);
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, 1}, {k_b, 2}})), std::nullopt);
    EXPECT_EQ(compare_result(eval, vector_of({{k_b, 2}, {k_a, 1}})),
              R"(expected metric m{i="b"} with [2] at position 2 but was at 1)");
}

TEST(CompareResult, EmptyExpectationMatchesEmptyVector) {
    auto eval = eval_of("eval instant at 1m m\n");
    EXPECT_EQ(compare_result(eval, vector_of({})), std::nullopt);
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, 1}})), R"(unexpected metric m{i="a"} in result)");
}

TEST(CompareResult, DuplicateExpectationLaterLineWins) {
    auto eval = eval_of("eval_ordered instant at 1m m\n  m{i=\"a\"} 1\n  m{i=\"b\"} 2\n  m{i=\"a\"} 3\n");
    EXPECT_EQ(compare_result(eval, vector_of({{k_b, 2}, {k_a, 3}})),
              R"(expected metric m{i="b"} with [2] at position 2 but was at 1)");
    auto unordered = eval_of("eval instant at 1m m\n  m{i=\"a\"} 1\n  m{i=\"a\"} 3\n");
    EXPECT_EQ(compare_result(unordered, vector_of({{k_a, 3}})), std::nullopt);
    EXPECT_EQ(compare_result(unordered, vector_of({{k_a, 1}})), R"(expected 3 for m{i="a"} but got 1)");
}

TEST(CompareResult, ExpectationWithoutValue) {
    auto eval = eval_of("eval instant at 1m m\n  m{i=\"a\"}\n");
    EXPECT_EQ(compare_result(eval, vector_of({})), R"(expected metric m{i="a"} with [] not found)");
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, 0}})),
              R"(expected metric m{i="a"} has no value to compare with (line 2))");
}

TEST(CompareResult, BlankExpectsZeroAndStaleExpectsAnyNaN) {
    auto blank = eval_of("eval instant at 1m m\n  m{i=\"a\"} _\n");
    EXPECT_EQ(compare_result(blank, vector_of({{k_a, 0}})), std::nullopt);
    EXPECT_TRUE(compare_result(blank, vector_of({{k_a, 1}})));
    auto stale = eval_of("eval instant at 1m m\n  m{i=\"a\"} stale\n");
    EXPECT_EQ(compare_result(stale, vector_of({{k_a, std::nan("")}})), std::nullopt);
    EXPECT_EQ(compare_result(stale, vector_of({{k_a, 1}})), R"(expected stale for m{i="a"} but got 1)");
}

TEST(CompareResult, NaNEqualsNaN) {
    auto eval = eval_of("eval instant at 1m m\n  m{i=\"a\"} NaN\n");
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, std::nan("")}})), std::nullopt);
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, 0}})), R"(expected NaN for m{i="a"} but got 0)");
}

TEST(CompareResult, Scalars) {
    auto eval = eval_of("eval instant at 1m 1 + 1\n  2\n");
    EXPECT_EQ(compare_result(eval, scalar_of(2)), std::nullopt);
    EXPECT_EQ(compare_result(eval, scalar_of(2.0000001)), std::nullopt);
    EXPECT_EQ(compare_result(eval, scalar_of(3)), "expected scalar 2 but got 3");
    EXPECT_EQ(compare_result(eval, vector_of({})), "expected scalar 2 but got a vector of 0 samples");
    EXPECT_EQ(compare_result(eval, vector_of({{k_a, 2}})), R"(unexpected metric m{i="a"} in result)");
    auto vector_expected = eval_of(k_two);
    EXPECT_EQ(compare_result(vector_expected, scalar_of(1)), "got scalar 1 but expected a vector of 2 series");
}

TEST(CompareResult, MatrixAndStringResults) {
    auto eval = eval_of(k_two);
    EvalOutput matrix;
    matrix.type = EvalOutput::Type::matrix;
    EXPECT_EQ(compare_result(eval, matrix), "received range result on instant evaluation");
    EvalOutput str;
    str.type = EvalOutput::Type::string;
    str.string_value = "hi";
    EXPECT_EQ(compare_result(eval, str), R"(unexpected string result "hi" on instant evaluation)");
}

TEST(AlmostEqual, EpsilonEdges) {
    EXPECT_TRUE(almost_equal(1, 1));
    EXPECT_TRUE(almost_equal(1, 1 + 1.9e-6));   // relative error 0.95e-6
    EXPECT_FALSE(almost_equal(1, 1 + 2.1e-6));  // relative error 1.05e-6
    EXPECT_TRUE(almost_equal(-1e9, -1e9 - 1000));
    EXPECT_FALSE(almost_equal(-1e9, -1e9 - 3000));
    EXPECT_FALSE(almost_equal(1, -1));
    EXPECT_TRUE(almost_equal(0, -0.0));
    EXPECT_FALSE(almost_equal(0, 1e-300));  // next to zero only (near-)denormal noise is equal
    EXPECT_TRUE(almost_equal(0, 1e-320));
    EXPECT_TRUE(almost_equal(std::nan(""), std::nan("")));
    EXPECT_TRUE(almost_equal(stale_marker(), std::nan("")));
    EXPECT_FALSE(almost_equal(std::nan(""), 1));
    EXPECT_TRUE(almost_equal(k_inf, k_inf));
    EXPECT_FALSE(almost_equal(k_inf, -k_inf));
    EXPECT_FALSE(almost_equal(k_inf, 1e308));
}

TEST(CheckEval, ErrorExpectations) {
    auto fail = eval_of("eval_fail instant at 0 foo(\n");
    EvalOutput error = vector_of({});
    error.error = "parse error";
    EXPECT_EQ(check_eval(fail, error), std::nullopt);
    EXPECT_EQ(check_eval(fail, vector_of({})), R"(expected error evaluating query "foo(" (line 1) but got none)");

    auto plain = eval_of("\neval instant at 0 bar\n");
    EXPECT_EQ(check_eval(plain, error), R"(error evaluating query "bar" (line 2): parse error)");
    EXPECT_EQ(check_eval(plain, vector_of({{k_a, 1}})),
              R"(error in eval bar (line 2): unexpected metric m{i="a"} in result)");
}

TEST(CheckEval, EvalFailIgnoresExpectations) {
    auto fail = eval_of("eval_fail instant at 0 foo\n  foo 1\n");
    EvalOutput error;
    error.error = "boom";
    EXPECT_EQ(check_eval(fail, error), std::nullopt);
}

// --- Prometheus' own test files ---

struct FileCounts {
    const char* file;
    std::size_t load, clear, eval, eval_fail, eval_ordered, load_series, expected_series, expected_scalars;
};

// Counted with grep/awk over the v2.42 files, independently of this parser.
constexpr FileCounts k_counts[] = {
    {"aggregators.test", 10, 9, 72, 0, 11, 96, 168, 0}, {"collision.test", 2, 2, 1, 1, 0, 6, 3, 0},
    {"functions.test", 30, 31, 201, 4, 2, 99, 312, 2},  {"histograms.test", 7, 0, 37, 1, 0, 44, 66, 0},
    {"literals.test", 0, 0, 20, 0, 0, 0, 0, 20},        {"operators.test", 10, 5, 93, 1, 0, 29, 208, 7},
    {"selectors.test", 7, 4, 31, 0, 0, 22, 96, 0},      {"staleness.test", 2, 1, 14, 0, 0, 2, 10, 0},
};

TEST(ConformanceFiles, ParseWithExpectedCommandCounts) {
    const std::filesystem::path dir = "/work/shared/conformance/promql";
    if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not present";
    for (const FileCounts& c : k_counts) {
        SCOPED_TRACE(c.file);
        auto script = read_test_script(dir / c.file);
        ASSERT_TRUE(script.ok()) << script.error().message;
        FileCounts got{c.file, 0, 0, 0, 0, 0, 0, 0, 0};
        for (const ScriptCommand& cmd : script->commands) {
            if (const auto* load = std::get_if<LoadCommand>(&cmd)) {
                ++got.load;
                got.load_series += load->series.size();
                EXPECT_GT(load->interval.count(), 0);
            } else if (std::holds_alternative<ClearCommand>(cmd)) {
                ++got.clear;
            } else {
                const auto& eval = std::get<EvalCommand>(cmd);
                ++(eval.fail() ? got.eval_fail : eval.ordered() ? got.eval_ordered : got.eval);
                got.expected_series += eval.expected.size();
                got.expected_scalars += eval.expected_scalar ? 1 : 0;
                EXPECT_FALSE(eval.expr.empty());
                for (const auto& e : eval.expected) EXPECT_TRUE(e.value.has_value()) << "line " << e.line;
            }
        }
        EXPECT_EQ(got.load, c.load);
        EXPECT_EQ(got.clear, c.clear);
        EXPECT_EQ(got.eval, c.eval);
        EXPECT_EQ(got.eval_fail, c.eval_fail);
        EXPECT_EQ(got.eval_ordered, c.eval_ordered);
        EXPECT_EQ(got.load_series, c.load_series);
        EXPECT_EQ(got.expected_series, c.expected_series);
        EXPECT_EQ(got.expected_scalars, c.expected_scalars);
    }
}

TEST(ConformanceFiles, SpotChecks) {
    const std::filesystem::path dir = "/work/shared/conformance/promql";
    if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not present";
    auto staleness = read_test_script(dir / "staleness.test");
    ASSERT_TRUE(staleness.ok());
    const auto& load = std::get<LoadCommand>(staleness->commands.front());
    EXPECT_EQ(load.interval, 10s);
    auto loaded = expand_load(load);
    ASSERT_EQ(loaded.size(), 1u);
    std::size_t stale = 0;
    for (const auto& s : loaded[0].second) stale += is_stale_marker(s.v) ? 1 : 0;
    EXPECT_EQ(stale, 1u);
}

}  // namespace
}  // namespace tocsin::promql
