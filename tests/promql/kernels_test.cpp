// The numeric kernels against Prometheus 2.42: cases translated from its
// promql/testdata/*.test (functions.test, histograms.test, aggregators.test,
// operators.test, trig_functions.test; "eval instant at T expr" quoted above
// each), plus edge cases whose expected values were computed with Go 1.19's
// math, time, strconv and regexp packages, which 2.42 uses.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "kernels.hpp"

namespace tocsin::promql::kernels {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr std::int64_t k_s = 1000;
constexpr std::int64_t k_m = 60 * k_s;

// Prometheus' test comparison (promql/test.go almostEqual, epsilon 1e-6).
bool almost_equal(double expected, double actual) {
    if (std::isnan(expected) && std::isnan(actual)) return true;
    if (expected == actual) return true;
    double diff = std::fabs(expected - actual);
    if (expected == 0 || actual == 0 || diff < std::numeric_limits<double>::min()) {
        return diff < 1e-6 * std::numeric_limits<double>::min();
    }
    return diff / (std::fabs(expected) + std::fabs(actual)) < 1e-6;
}

#define EXPECT_PROM(expected, actual) EXPECT_PRED2(almost_equal, expected, actual)

bool same_value(double expected, double actual) {
    if (std::isnan(expected)) return std::isnan(actual);
    return expected == actual && std::signbit(expected) == std::signbit(actual);
}
#define EXPECT_SAME(expected, actual) EXPECT_PRED2(same_value, expected, actual)

// A series as a test script's `load <step>` writes it: one value per step
// from t=0.
std::vector<Sample> load(std::int64_t step_ms, std::initializer_list<double> values) {
    std::vector<Sample> out;
    std::int64_t t = 0;
    for (double v : values) {
        out.push_back({t, v});
        t += step_ms;
    }
    return out;
}

// `start + increment x count` as in the test format: count + 1 values.
std::vector<double> expand(double start, double increment, int count) {
    std::vector<double> out;
    for (int i = 0; i <= count; ++i) out.push_back(start + increment * i);
    return out;
}

std::vector<Sample> load(std::int64_t step_ms, const std::vector<double>& values) {
    std::vector<Sample> out;
    for (std::size_t i = 0; i < values.size(); ++i) out.push_back({static_cast<std::int64_t>(i) * step_ms, values[i]});
    return out;
}

std::vector<double> concat(std::vector<double> a, const std::vector<double>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// What 2.42 selects for x[range] offset o at eval time: [T-o-range, T-o].
struct Window {
    std::vector<Sample> samples;
    std::int64_t start = 0;
    std::int64_t end = 0;
};
Window select(const std::vector<Sample>& series, std::int64_t eval_ms, std::int64_t range_ms,
              std::int64_t offset_ms = 0) {
    Window w;
    w.end = eval_ms - offset_ms;
    w.start = w.end - range_ms;
    for (const Sample& s : series) {
        if (s.t >= w.start && s.t <= w.end) w.samples.push_back(s);
    }
    return w;
}

std::optional<double> rate_at(const std::vector<Sample>& series, std::int64_t eval_ms, std::int64_t range_ms,
                              std::int64_t offset_ms = 0) {
    Window w = select(series, eval_ms, range_ms, offset_ms);
    return rate(w.samples, w.start, w.end);
}
std::optional<double> increase_at(const std::vector<Sample>& series, std::int64_t eval_ms, std::int64_t range_ms) {
    Window w = select(series, eval_ms, range_ms);
    return increase(w.samples, w.start, w.end);
}

// ---------------------------------------------------------------------------
// rate, increase, delta

TEST(ExtrapolatedRate, IncreaseWholeRange) {
    // eval instant at 50m increase(http_requests[50m]) -> /foo 100, /bar 90
    auto foo = load(5 * k_m, expand(0, 10, 10));
    auto bar = load(5 * k_m, concat(expand(0, 10, 5), expand(0, 10, 5)));
    EXPECT_PROM(100, *increase_at(foo, 50 * k_m, 50 * k_m));
    EXPECT_PROM(90, *increase_at(bar, 50 * k_m, 50 * k_m));
}

TEST(ExtrapolatedRate, IncreaseRangeLongerThanSeries) {
    // eval instant at 50m increase(http_requests[100m]): the zero point of the
    // counter limits extrapolation to the left.
    auto foo = load(5 * k_m, expand(0, 10, 10));
    auto bar = load(5 * k_m, concat(expand(0, 10, 5), expand(0, 10, 5)));
    EXPECT_PROM(100, *increase_at(foo, 50 * k_m, 100 * k_m));
    EXPECT_PROM(90, *increase_at(bar, 50 * k_m, 100 * k_m));
}

TEST(ExtrapolatedRate, IncreaseCounterResetAddsPreviousValue) {
    // eval instant at 30m increase(http_requests[30m]) for 0 1 2 3 2 3 4 -> 7
    auto s = load(5 * k_m, {0, 1, 2, 3, 2, 3, 4});
    EXPECT_PROM(7, *increase_at(s, 30 * k_m, 30 * k_m));
}

TEST(ExtrapolatedRate, RateResetInMiddle) {
    // eval instant at 50m rate(testcounter_reset_middle[50m]) -> 0.03
    auto s = load(5 * k_m, concat(expand(0, 10, 4), expand(0, 10, 5)));
    EXPECT_PROM(0.03, *rate_at(s, 50 * k_m, 50 * k_m));
}

TEST(ExtrapolatedRate, RateResetAtEndIsZero) {
    // eval instant at 50m rate(testcounter_reset_end[5m]) -> 0
    auto s = load(5 * k_m, concat(expand(0, 10, 9), {0, 10}));
    EXPECT_PROM(0, *rate_at(s, 50 * k_m, 5 * k_m));
}

TEST(ExtrapolatedRate, RatePerSecondAndOffset) {
    // eval instant at 50m rate(calculate_rate_window[50m]) -> 0.26666666666666666
    EXPECT_PROM(0.26666666666666666, *rate_at(load(5 * k_m, expand(0, 80, 10)), 50 * k_m, 50 * k_m));
    // eval instant at 50m rate(calculate_rate_offset[10m] offset 5m) -> a 0.0333.., b 0.0666..
    EXPECT_PROM(0.03333333333333333, *rate_at(load(5 * k_m, expand(0, 10, 10)), 50 * k_m, 10 * k_m, 5 * k_m));
    EXPECT_PROM(0.06666666666666667, *rate_at(load(5 * k_m, expand(0, 20, 10)), 50 * k_m, 10 * k_m, 5 * k_m));
}

TEST(ExtrapolatedRate, ZeroCutoffForLeftExtrapolation) {
    // eval instant at 10m rate(testcounter_zero_cutoff[20m])
    const double expected[] = {0.5, 0.55, 0.6, 0.65, 0.7, 0.6};
    for (int start = 0; start <= 5; ++start) {
        auto s = load(4 * k_m, expand(60.0 * start, 240, 10));
        EXPECT_PROM(expected[start], *rate_at(s, 10 * k_m, 20 * k_m)) << "start=" << start << "m";
    }
}

TEST(ExtrapolatedRate, HalfIntervalCutoffForLeftExtrapolation) {
    // eval instant at 50m rate(testcounter_zero_cutoff[20m]) -> 0.6 for all
    for (int start = 0; start <= 5; ++start) {
        auto s = load(4 * k_m, expand(60.0 * start, 240, 10));
        EXPECT_PROM(0.6, *rate_at(s, 50 * k_m, 20 * k_m)) << "start=" << start << "m";
    }
}

TEST(ExtrapolatedRate, Delta) {
    // eval instant at 20m delta(http_requests[20m]) -> /foo 200, /bar -200
    Window foo = select(load(5 * k_m, {0, 50, 100, 150, 200}), 20 * k_m, 20 * k_m);
    Window bar = select(load(5 * k_m, {200, 150, 100, 50, 0}), 20 * k_m, 20 * k_m);
    EXPECT_PROM(200, *delta(foo.samples, foo.start, foo.end));
    EXPECT_PROM(-200, *delta(bar.samples, bar.start, bar.end));
}

TEST(ExtrapolatedRate, DeltaIgnoresDropsAndMayExtrapolateBelowZero) {
    // A gauge falls: no reset handling, no zero clamp. Samples at 10s..50s in
    // [0, 60s]: both ends are 10s away, under 1.1 * 10s, so the 40s sampled
    // interval is extrapolated to 60s.
    std::vector<Sample> s = {{10 * k_s, 5}, {20 * k_s, 1}, {30 * k_s, 4}, {40 * k_s, 2}, {50 * k_s, 1}};
    EXPECT_PROM(-4 * 60.0 / 40.0, *delta(s, 0, 60 * k_s));
    // As a counter, every drop is a reset: 1-5 + 5 + 4 + 2 = 7, then the zero
    // point (40s * 5/7 back from 10s) is further than 10s, so no clamp.
    EXPECT_PROM(7 * 60.0 / 40.0, *increase(s, 0, 60 * k_s));
}

TEST(ExtrapolatedRate, NoExtrapolationBeyondThreshold) {
    // Samples every 10s from 100s to 200s in [0, 300s]: both gaps (100s) are
    // over 1.1 * 10s, so only half an interval is added on each side.
    std::vector<Sample> s;
    for (int i = 0; i <= 10; ++i) s.push_back({(100 + 10 * i) * k_s, 1000.0 + 10 * i});
    double expected = 100 * (100.0 + 5 + 5) / 100.0;
    EXPECT_PROM(expected, *increase(s, 0, 300 * k_s));
    EXPECT_PROM(expected / 300, *rate(s, 0, 300 * k_s));
}

TEST(ExtrapolatedRate, ThresholdBoundaryIsExclusive) {
    // Interval 10s; the start gap is exactly 11s (not < 1.1 * 10s): half an
    // interval (5s) is added. Values chosen so no zero clamp applies.
    std::vector<Sample> s = {{11 * k_s, 100}, {21 * k_s, 110}, {31 * k_s, 120}};
    // to_end = 0: interval = 20 + 5 + 0.
    EXPECT_PROM(20 * 25.0 / 20.0, *delta(s, 0, 31 * k_s));
    // A start gap of 10.999s is extrapolated in full.
    std::vector<Sample> s2 = {{10999, 100}, {20999, 110}, {30999, 120}};
    EXPECT_PROM(20 * (20 + 10.999) / 20.0, *delta(s2, 0, 30999));
}

TEST(ExtrapolatedRate, ZeroClampOnlyForNonNegativeFirstValue) {
    // A counter starting at 1 with slope 1/s would reach 0 one second before
    // its first sample: extrapolation to the left stops there.
    std::vector<Sample> s = {{5 * k_s, 1}, {10 * k_s, 6}, {15 * k_s, 11}};
    EXPECT_PROM(10 * (10.0 + 1 + 5) / 10.0, *increase(s, 0, 20 * k_s));
    // A negative first value disables the clamp.
    std::vector<Sample> neg = {{5 * k_s, -1}, {10 * k_s, 4}, {15 * k_s, 9}};
    EXPECT_PROM(10 * (10.0 + 5 + 5) / 10.0, *increase(neg, 0, 20 * k_s));
}

TEST(ExtrapolatedRate, NeedsTwoSamples) {
    std::vector<Sample> none;
    std::vector<Sample> one = {{0, 1}};
    EXPECT_FALSE(rate(none, 0, 1000));
    EXPECT_FALSE(rate(one, 0, 1000));
    EXPECT_FALSE(increase(one, 0, 1000));
    EXPECT_FALSE(delta(one, 0, 1000));
}

TEST(ExtrapolatedRate, NaNAndInfValues) {
    std::vector<Sample> nan = {{0, 1}, {10 * k_s, k_nan}, {20 * k_s, 3}};
    EXPECT_TRUE(std::isnan(*rate(nan, 0, 20 * k_s)) == false);  // NaN is never < prev: no reset; 3-1 = 2
    EXPECT_PROM(2.0 / 20, *rate(nan, 0, 20 * k_s));
    std::vector<Sample> nan_last = {{0, 1}, {10 * k_s, 2}, {20 * k_s, k_nan}};
    EXPECT_TRUE(std::isnan(*increase(nan_last, 0, 20 * k_s)));
    std::vector<Sample> inf = {{0, 1}, {10 * k_s, k_inf}};
    EXPECT_SAME(k_inf, *delta(inf, 0, 10 * k_s));
}

TEST(ExtrapolatedRate, RangeSecondsFromDuration) {
    // rate divides by the selector's range, not by the sampled interval.
    std::vector<Sample> s = {{1500, 0}, {2500, 3}};
    // [0, 2500]: the counter starts at 0, so nothing is extrapolated to the
    // left; to_end is 0: the increase stays 3, divided by 2.5s.
    EXPECT_PROM(3 / 2.5, *rate(s, 0, 2500));
    // Starting at 1, the zero point (1/3s back) is within the threshold and
    // becomes the extrapolated start.
    std::vector<Sample> s1 = {{1500, 1}, {2500, 4}};
    EXPECT_PROM(3 * (1 + 1.0 / 3) / 2.5, *rate(s1, 0, 2500));
    // Starting at 10, the zero point is far; 1.5s is beyond the 1.1s
    // threshold, so half an interval (0.5s) is added.
    std::vector<Sample> s10 = {{1500, 10}, {2500, 13}};
    EXPECT_PROM(3 * 1.5 / 2.5, *rate(s10, 0, 2500));
}

// ---------------------------------------------------------------------------
// irate, idelta

TEST(InstantValue, Irate) {
    // eval instant at 50m irate(http_requests[50m]) -> .0333..
    auto foo = load(5 * k_m, expand(0, 10, 10));
    EXPECT_PROM(0.03333333333333333, *irate(select(foo, 50 * k_m, 50 * k_m).samples));
    // eval instant at 30m irate(http_requests[50m]) -> /bar 0 (counter reset)
    auto bar = load(5 * k_m, concat(expand(0, 10, 5), expand(0, 10, 5)));
    EXPECT_PROM(0, *irate(select(bar, 30 * k_m, 50 * k_m).samples));
}

TEST(InstantValue, IrateResetUsesLastValue) {
    std::vector<Sample> s = {{0, 100}, {2 * k_s, 10}};
    EXPECT_PROM(5, *irate(s));
}

TEST(InstantValue, Idelta) {
    // eval instant at 20m idelta(http_requests[20m]) -> /foo 50, /bar -50
    EXPECT_PROM(50, *idelta(load(5 * k_m, {0, 50, 100, 150})));
    EXPECT_PROM(-50, *idelta(load(5 * k_m, {0, 50, 100, 50})));
}

TEST(InstantValue, EdgeCases) {
    std::vector<Sample> one = {{0, 1}};
    EXPECT_FALSE(irate(one));
    EXPECT_FALSE(idelta(one));
    std::vector<Sample> same_t = {{0, 1}, {5, 2}, {5, 3}};
    EXPECT_FALSE(irate(same_t));
    EXPECT_FALSE(idelta(same_t));
    std::vector<Sample> ms = {{0, 0}, {250, 1}};
    EXPECT_PROM(4, *irate(ms));
}

// ---------------------------------------------------------------------------
// deriv, predict_linear

std::vector<Sample> reset_middle() { return load(5 * k_m, concat(expand(0, 10, 4), expand(0, 10, 5))); }

TEST(Regression, DerivEqualsRateOnLine) {
    // eval instant at 50m deriv(http_requests{...}[50m]) -> 0.26666666666666666
    auto s = load(5 * k_m, expand(0, 80, 10));
    EXPECT_PROM(0.26666666666666666, *deriv(select(s, 50 * k_m, 50 * k_m).samples));
}

TEST(Regression, DerivResetMiddle) {
    // eval instant at 50m deriv(testcounter_reset_middle[100m]) -> 0.010606060606060607
    EXPECT_PROM(0.010606060606060607, *deriv(select(reset_middle(), 50 * k_m, 100 * k_m).samples));
}

TEST(Regression, PredictLinear) {
    // eval instant at 50m predict_linear(testcounter_reset_middle[100m], 3600) -> 76.81818181818181
    auto w = select(reset_middle(), 50 * k_m, 100 * k_m);
    EXPECT_PROM(76.81818181818181, *predict_linear(w.samples, 50 * k_m, 3600));
}

TEST(Regression, PredictLinearWithAtUsesEvalTime) {
    // eval instant at 10m predict_linear(testcounter_reset_middle[100m] @ 3000, 3600) -> 51.36363636363637
    // eval instant at 70m ... -> 89.54545454545455: the data is selected at
    // 3000s but the intercept is taken at the evaluation time.
    auto w = select(reset_middle(), 3000 * k_s, 100 * k_m);
    EXPECT_PROM(51.36363636363637, *predict_linear(w.samples, 10 * k_m, 3600));
    EXPECT_PROM(89.54545454545455, *predict_linear(w.samples, 70 * k_m, 3600));
    EXPECT_PROM(76.81818181818181, *predict_linear(w.samples, 50 * k_m, 3600));
}

TEST(Regression, JitteredConstantSeriesHasZeroSlope) {
    // promql/functions_test.go TestDeriv: 15 samples of 1 with jittered
    // timestamps must give exactly 0.
    std::vector<Sample> s;
    std::int64_t start = 1493712816939;
    for (std::int64_t i = 0; i < 15; ++i) s.push_back({start + 30 * k_s * i + 12 * i % 2, 1});
    EXPECT_SAME(0.0, *deriv(s));
}

TEST(Regression, ConstantInfAndEdgeCases) {
    std::vector<Sample> inf = {{0, k_inf}, {k_s, k_inf}};
    EXPECT_TRUE(std::isnan(*deriv(inf)));
    EXPECT_TRUE(std::isnan(*predict_linear(inf, k_s, 10)));
    std::vector<Sample> flat = {{0, 7}, {k_s, 7}, {2 * k_s, 7}};
    EXPECT_SAME(7.0, *predict_linear(flat, 2 * k_s, 1e6));
    std::vector<Sample> one = {{0, 1}};
    EXPECT_FALSE(deriv(one));
    EXPECT_FALSE(predict_linear(one, 0, 1));
    Regression r = linear_regression(std::vector<Sample>{{0, 1}, {2 * k_s, 5}}, k_s);
    EXPECT_PROM(2, r.slope);
    EXPECT_PROM(3, r.intercept);
}

// ---------------------------------------------------------------------------
// holt_winters

TEST(HoltWinters, PositiveTrends) {
    // eval instant at 8000s holt_winters(http_requests[1m], 0.01, 0.1)
    //   -> 8000, 16000, 24000, 32000
    struct Case {
        std::vector<double> values;
        double expected;
    };
    std::vector<Case> cases = {
        {concat(expand(0, 10, 1000), expand(100, 30, 1000)), 8000},
        {concat(expand(0, 20, 1000), expand(200, 30, 1000)), 16000},
        {concat(expand(0, 30, 1000), expand(300, 80, 1000)), 24000},
        {expand(0, 40, 2000), 32000},
    };
    for (const Case& c : cases) {
        auto w = select(load(10 * k_s, c.values), 8000 * k_s, k_m);
        auto r = holt_winters(w.samples, 0.01, 0.1);
        ASSERT_TRUE(r.ok());
        EXPECT_PROM(c.expected, **r);
    }
}

TEST(HoltWinters, NegativeTrends) {
    // negative trends: -> 0, -16000, 24000, -32000
    struct Case {
        std::vector<double> values;
        double expected;
    };
    std::vector<Case> cases = {
        {expand(8000, -10, 1000), 0},
        {expand(0, -20, 1000), -16000},
        {concat(expand(0, 30, 1000), expand(300, -80, 1000)), 24000},
        {concat(expand(0, -40, 1000), expand(0, 40, 1000)), -32000},
    };
    for (const Case& c : cases) {
        auto w = select(load(10 * k_s, c.values), 8000 * k_s, k_m);
        auto r = holt_winters(w.samples, 0.01, 0.1);
        ASSERT_TRUE(r.ok());
        EXPECT_PROM(c.expected, **r);
    }
}

TEST(HoltWinters, HandComputed) {
    // s1=1, b=2; i=1: s1 = .5*3 + .5*(1+2) = 3; i=2: b = .5*(3-1) + .5*2 = 2,
    // s1 = .5*4 + .5*(3+2) = 4.5.
    std::vector<Sample> s = {{0, 1}, {k_s, 3}, {2 * k_s, 4}};
    auto r = holt_winters(s, 0.5, 0.5);
    ASSERT_TRUE(r.ok());
    EXPECT_SAME(4.5, **r);
}

TEST(HoltWinters, InvalidFactors) {
    std::vector<Sample> s = {{0, 1}, {k_s, 2}};
    auto sf0 = holt_winters(s, 0, 0.5);
    ASSERT_FALSE(sf0.ok());
    EXPECT_EQ("invalid smoothing factor. Expected: 0 < sf < 1, got: 0.000000", sf0.error().message);
    EXPECT_EQ(ErrorCategory::invalid_argument, sf0.error().category);
    auto sf1 = holt_winters(s, 1, 0.5);
    ASSERT_FALSE(sf1.ok());
    EXPECT_EQ("invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000", sf1.error().message);
    auto tf = holt_winters(s, 0.5, -0.25);
    ASSERT_FALSE(tf.ok());
    EXPECT_EQ("invalid trend factor. Expected: 0 < tf < 1, got: -0.250000", tf.error().message);
    auto tf_inf = holt_winters(s, 0.5, k_inf);
    ASSERT_FALSE(tf_inf.ok());
    EXPECT_EQ("invalid trend factor. Expected: 0 < tf < 1, got: +Inf", tf_inf.error().message);
    // The factor check comes before the sample count check.
    std::vector<Sample> one = {{0, 1}};
    EXPECT_FALSE(holt_winters(one, 2, 0.5).ok());
}

TEST(HoltWinters, NaNFactorsPassAndFewSamples) {
    std::vector<Sample> s = {{0, 1}, {k_s, 2}};
    auto r = holt_winters(s, k_nan, 0.5);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(std::isnan(**r));
    std::vector<Sample> one = {{0, 1}};
    auto few = holt_winters(one, 0.5, 0.5);
    ASSERT_TRUE(few.ok());
    EXPECT_FALSE(*few);
}

// ---------------------------------------------------------------------------
// resets, changes

std::vector<Sample> path_foo() { return load(5 * k_m, {1, 2, 3, 0, 1, 0, 0, 1, 2, 0}); }
std::vector<Sample> path_bar() { return load(5 * k_m, {1, 2, 3, 4, 5, 1, 2, 3, 4, 5}); }
std::vector<Sample> path_biz() { return load(5 * k_m, {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}); }

TEST(ResetsChanges, Resets) {
    // eval instant at 50m resets(http_requests[R]) for R = 5m, 20m, 30m, 50m
    struct Case {
        std::int64_t range;
        double foo, bar, biz;
    };
    for (Case c : {Case{5 * k_m, 0, 0, 0}, Case{20 * k_m, 1, 0, 0}, Case{30 * k_m, 2, 1, 0}, Case{50 * k_m, 3, 1, 0}}) {
        EXPECT_EQ(c.foo, *resets(select(path_foo(), 50 * k_m, c.range).samples)) << c.range;
        EXPECT_EQ(c.bar, *resets(select(path_bar(), 50 * k_m, c.range).samples)) << c.range;
        EXPECT_EQ(c.biz, *resets(select(path_biz(), 50 * k_m, c.range).samples)) << c.range;
    }
}

TEST(ResetsChanges, Changes) {
    // eval instant at 50m changes(http_requests[R])
    struct Case {
        std::int64_t range;
        double foo, bar, biz;
    };
    for (Case c : {Case{5 * k_m, 0, 0, 0}, Case{20 * k_m, 3, 3, 0}, Case{30 * k_m, 4, 5, 1}, Case{50 * k_m, 8, 9, 1}}) {
        EXPECT_EQ(c.foo, *changes(select(path_foo(), 50 * k_m, c.range).samples)) << c.range;
        EXPECT_EQ(c.bar, *changes(select(path_bar(), 50 * k_m, c.range).samples)) << c.range;
        EXPECT_EQ(c.biz, *changes(select(path_biz(), 50 * k_m, c.range).samples)) << c.range;
    }
}

TEST(ResetsChanges, ChangesWithNaN) {
    // eval instant at 15m changes(x[15m]): NaN NaN NaN -> 0; 0 NaN 0 -> 2
    EXPECT_EQ(0, *changes(load(5 * k_m, {k_nan, k_nan, k_nan})));
    EXPECT_EQ(2, *changes(load(5 * k_m, {0, k_nan, 0})));
    // NaN never compares lower: no reset.
    EXPECT_EQ(0, *resets(load(5 * k_m, {5, k_nan, 1})));
}

TEST(ResetsChanges, EmptyAndSingle) {
    std::vector<Sample> none;
    EXPECT_FALSE(resets(none));
    EXPECT_FALSE(changes(none));
    EXPECT_EQ(0, *resets(load(k_s, {3})));
    EXPECT_EQ(0, *changes(load(k_s, {3})));
}

// ---------------------------------------------------------------------------
// *_over_time

TEST(OverTime, AvgAndSumWithInfinities) {
    // Tests for avg_over_time (functions.test), eval instant at 1m over [1m].
    struct Case {
        const char* name;
        std::vector<double> values;
        double avg;
        double sum_div_count;
    };
    const double big = 9.988465674311579e+307;
    std::vector<Case> cases = {
        {"metric", {1, 2, 3, 4, 5}, 3, 3},
        {"metric2", {1, 2, 3, 4, k_inf}, k_inf, k_inf},
        {"metric3", {1, 2, 3, 4, -k_inf}, -k_inf, -k_inf},
        {"metric4", {1, 2, 3, k_inf, -k_inf}, k_nan, k_nan},
        {"metric5", {k_inf, 0, k_inf}, k_inf, k_inf},
        {"metric5c", {k_inf, k_inf, k_inf, -k_inf}, k_nan, k_nan},
        {"metric6", {1, 2, 3, -k_inf, -k_inf}, -k_inf, -k_inf},
        {"metric6b", {-k_inf, 0, -k_inf}, -k_inf, -k_inf},
        {"metric6c", {-k_inf, -k_inf, -k_inf, k_inf}, k_nan, k_nan},
        {"metric7", {1, 2, -k_inf, -k_inf, k_inf}, k_nan, k_nan},
        {"metric8", {big, big}, big, k_inf},
        {"metric9", {-big, -big, -big}, -big, -k_inf},
        {"metric10", {-big, big}, 0, 0},
    };
    for (const Case& c : cases) {
        auto s = load(10 * k_s, c.values);
        EXPECT_PROM(c.avg, *avg_over_time(s)) << c.name;
        EXPECT_PROM(c.sum_div_count, *sum_over_time(s) / *count_over_time(s)) << c.name;
    }
}

TEST(OverTime, SumIsCompensated) {
    // promql/functions_test.go TestKahanSum: 1 + 1e100 + 1 - 1e100 = 2.
    auto s = load(k_s, {1.0, 1e100, 1.0, -1e100});
    EXPECT_SAME(2.0, *sum_over_time(s));
    // The incremental mean is compensated too, but not exact: Go 1.19 running
    // 2.42's avg_over_time gives these.
    EXPECT_SAME(-2.4283361152821613e+83, *avg_over_time(s));
    EXPECT_SAME(0.19999999999999998, *avg_over_time(load(k_s, {0.1, 0.2, 0.3})));
}

TEST(OverTime, StddevStdvar) {
    // eval instant at 1m stdvar_over_time(metric[1m]) -> 10.56, stddev 3.249615
    auto s = load(10 * k_s, {0, 8, 8, 2, 3});
    EXPECT_PROM(10.56, *stdvar_over_time(s));
    EXPECT_PROM(3.249615, *stddev_over_time(s));
    // #4927: identical values give exactly 0.
    auto same = load(10 * k_s, {1.5990505637277868, 1.5990505637277868, 1.5990505637277868});
    EXPECT_SAME(0.0, *stdvar_over_time(same));
    EXPECT_SAME(0.0, *stddev_over_time(same));
    EXPECT_SAME(0.0, *stdvar_over_time(load(k_s, {42})));
    EXPECT_TRUE(std::isnan(*stddev_over_time(load(k_s, {1, k_nan}))));
}

TEST(OverTime, Quantile) {
    // Tests for quantile_over_time: two / three / uneven samples.
    auto two = load(10 * k_s, {0, 1});
    auto three = load(10 * k_s, {0, 1, 2});
    auto uneven = load(10 * k_s, {0, 1, 4});
    struct Case {
        double q, two, three, uneven;
    };
    for (Case c : {Case{0, 0, 0, 0}, Case{0.5, 0.5, 1, 1}, Case{0.75, 0.75, 1.5, 2.5}, Case{0.8, 0.8, 1.6, 2.8},
                   Case{1, 1, 2, 4}, Case{-1, -k_inf, -k_inf, -k_inf}, Case{2, k_inf, k_inf, k_inf}}) {
        EXPECT_PROM(c.two, *quantile_over_time(c.q, two)) << c.q;
        EXPECT_PROM(c.three, *quantile_over_time(c.q, three)) << c.q;
        EXPECT_PROM(c.uneven, *quantile_over_time(c.q, uneven)) << c.q;
    }
    EXPECT_TRUE(std::isnan(*quantile_over_time(k_nan, two)));
}

TEST(OverTime, MinMaxLastWithNaN) {
    // Tests for *_over_time: numbers, some_nan, some_nan2, some_nan3, only_nan.
    struct Case {
        std::vector<double> values;
        double min, max, last;
    };
    std::vector<Case> cases = {
        {{2, 0, 3}, 0, 3, 3},
        {{2, 0, k_nan}, 0, 2, k_nan},
        {{2, k_nan, 1}, 1, 2, 1},
        {{k_nan, 0, 1}, 0, 1, 1},
        {{k_nan, k_nan, k_nan}, k_nan, k_nan, k_nan},
    };
    for (const Case& c : cases) {
        auto s = load(10 * k_s, c.values);
        EXPECT_SAME(c.min, *min_over_time(s));
        EXPECT_SAME(c.max, *max_over_time(s));
        EXPECT_SAME(c.last, *last_over_time(s));
    }
}

TEST(OverTime, CountPresentAndEmpty) {
    auto s = load(k_s, {k_nan, 1, 2});
    EXPECT_EQ(3, *count_over_time(s));
    EXPECT_EQ(1, *present_over_time(s));
    std::vector<Sample> none;
    EXPECT_FALSE(avg_over_time(none));
    EXPECT_FALSE(sum_over_time(none));
    EXPECT_FALSE(count_over_time(none));
    EXPECT_FALSE(min_over_time(none));
    EXPECT_FALSE(max_over_time(none));
    EXPECT_FALSE(last_over_time(none));
    EXPECT_FALSE(present_over_time(none));
    EXPECT_FALSE(stddev_over_time(none));
    EXPECT_FALSE(stdvar_over_time(none));
    EXPECT_FALSE(quantile_over_time(0.5, none));
}

TEST(OverTime, KahanSumIncNeumaier) {
    double c = 0;
    double sum = kahan_sum_inc(1e100, 1.0, c);  // |inc| > |sum|: 1 is kept in c
    EXPECT_SAME(1e100, sum);
    EXPECT_SAME(1.0, c);
}

// ---------------------------------------------------------------------------
// quantile (aggregation)

TEST(Quantile, AggregationCases) {
    // eval instant at 1m quantile without(point)(0.8, data) -> 0.8, 1.6, 2.8
    std::vector<double> two = {1, 0};
    std::vector<double> three = {2, 0, 1};
    std::vector<double> uneven = {4, 1, 0};
    EXPECT_PROM(0.8, quantile(0.8, two));
    EXPECT_PROM(1.6, quantile(0.8, three));
    EXPECT_PROM(2.8, quantile(0.8, uneven));
    // ... (NaN, data) -> NaN
    EXPECT_TRUE(std::isnan(quantile(k_nan, two)));
}

TEST(Quantile, EdgeCases) {
    std::vector<double> empty;
    EXPECT_TRUE(std::isnan(quantile(0.5, empty)));
    EXPECT_TRUE(std::isnan(quantile(-1, empty)));  // empty is checked first
    std::vector<double> one = {7};
    EXPECT_SAME(7.0, quantile(0, one));
    EXPECT_SAME(7.0, quantile(1, one));
    EXPECT_SAME(-k_inf, quantile(-0.01, one));
    EXPECT_SAME(k_inf, quantile(1.01, one));
}

TEST(Quantile, NaNSortsFirst) {
    std::vector<double> v = {3, k_nan, 1, 2};
    EXPECT_TRUE(std::isnan(quantile(0, v)));
    EXPECT_SAME(3.0, quantile(1, v));
    EXPECT_TRUE(std::isnan(v[0]));
    EXPECT_EQ(1, v[1]);
    // Interpolating with NaN gives NaN; between numbers it does not.
    std::vector<double> w = {k_nan, 1, 2, 3};
    EXPECT_TRUE(std::isnan(quantile(0.2, w)));
    EXPECT_SAME(2.5, quantile(5.0 / 6.0, w));
}

TEST(Quantile, InfinitiesInterpolate) {
    // Both neighbours are always weighted, even with weight 0: Inf * 0 is
    // NaN, so q=0.5 and q=1 give NaN here (as in 2.42).
    std::vector<double> v = {-k_inf, 0, k_inf};
    EXPECT_SAME(-k_inf, quantile(0.25, v));
    EXPECT_TRUE(std::isnan(quantile(0.5, v)));
    EXPECT_TRUE(std::isnan(quantile(1, v)));
    EXPECT_SAME(-k_inf, quantile(0, v));
}

// ---------------------------------------------------------------------------
// histogram_quantile over classic buckets

std::vector<Bucket> positive_histogram() {
    // testhistogram{start="positive"} at 50m
    return {{0.1, 50}, {0.2, 70}, {1, 110}, {k_inf, 120}};
}
std::vector<Bucket> negative_histogram() {
    // testhistogram{start="negative"} at 50m
    return {{-0.2, 10}, {-0.1, 20}, {0.3, 20}, {k_inf, 30}};
}

TEST(BucketQuantile, QuantileOutOfRange) {
    // eval instant at 50m histogram_quantile(-0.1 | 1.01 | NaN, testhistogram_bucket)
    EXPECT_SAME(-k_inf, bucket_quantile(-0.1, positive_histogram()));
    EXPECT_SAME(k_inf, bucket_quantile(1.01, negative_histogram()));
    EXPECT_TRUE(std::isnan(bucket_quantile(k_nan, positive_histogram())));
    // q is checked before the buckets: even without a +Inf bucket.
    EXPECT_SAME(k_inf, bucket_quantile(2, {{1, 1}}));
    EXPECT_SAME(-k_inf, bucket_quantile(-2, {}));
}

TEST(BucketQuantile, TestHistogram) {
    struct Case {
        double q, positive, negative;
    };
    // histogram_quantile(q, testhistogram_bucket) at 50m for q = 0 (positive
    // lowest bucket -> 0; negative -> its bound), 1 (highest finite bound),
    // 0.2, 0.5, 0.8.
    for (Case c :
         {Case{0, 0, -0.2}, Case{1, 1, 0.3}, Case{0.2, 0.048, -0.2}, Case{0.5, 0.15, -0.15}, Case{0.8, 0.72, 0.3}}) {
        EXPECT_PROM(c.positive, bucket_quantile(c.q, positive_histogram())) << c.q;
        EXPECT_PROM(c.negative, bucket_quantile(c.q, negative_histogram())) << c.q;
    }
}

TEST(BucketQuantile, MiddleOfBuckets) {
    // eval instant at 7m histogram_quantile(1./6. | 0.5 | 5./6., testhistogram2_bucket) -> 1, 3, 5
    std::vector<Bucket> b = {{0, 0}, {2, 1}, {4, 2}, {6, 3}, {k_inf, 3}};
    EXPECT_PROM(1, bucket_quantile(1. / 6., b));
    EXPECT_PROM(3, bucket_quantile(0.5, b));
    EXPECT_PROM(5, bucket_quantile(5. / 6., b));
}

TEST(BucketQuantile, AggregatedAndUnsorted) {
    // histogram_quantile(q, sum(rate(request_duration_seconds_bucket[5m])) by (le))
    // -> 0.075 (q=0.3), 0.1277777777777778 (q=0.5); rates are counts / 300s.
    std::vector<Bucket> b = {{k_inf, 25.0 / 300}, {0.1, 10.0 / 300}, {0.2, 19.0 / 300}};
    EXPECT_PROM(0.075, bucket_quantile(0.3, b));
    EXPECT_PROM(0.1277777777777778, bucket_quantile(0.5, b));
    // By job: job2 = ins1 + ins2 = {0.1: 7, 0.2: 11, +Inf: 15} -> 0.0642857142857143, 0.1125
    std::vector<Bucket> job2 = {{0.2, 11}, {k_inf, 15}, {0.1, 7}};
    EXPECT_PROM(0.0642857142857143, bucket_quantile(0.3, job2));
    EXPECT_PROM(0.1125, bucket_quantile(0.5, job2));
}

TEST(BucketQuantile, NonMonotonic) {
    // eval instant at 50m histogram_quantile(0.01 | 0.5 | 0.99, nonmonotonic_bucket)
    std::vector<Bucket> b = {{0.1, 20}, {1, 10}, {10, 50}, {100, 40}, {1000, 90}, {k_inf, 80}};
    EXPECT_PROM(0.0045, bucket_quantile(0.01, b));
    EXPECT_PROM(8.5, bucket_quantile(0.5, b));
    EXPECT_PROM(979.75, bucket_quantile(0.99, b));
}

TEST(BucketQuantile, DuplicateBoundsAreAdded) {
    // Buckets with different representations of the same upper bound
    // (le="0.2", "2e-1", "2.0e-1"): -> 0.15, 0.2, 0.2 for q = 0.5, 0.75, 1.
    std::vector<Bucket> b = {{0.1, 1}, {0.2, 1}, {0.2, 1}, {0.2, 1}, {k_inf, 4}};
    EXPECT_PROM(0.15, bucket_quantile(0.5, b));
    EXPECT_PROM(0.2, bucket_quantile(0.75, b));
    EXPECT_PROM(0.2, bucket_quantile(1, b));
    // Only two +Inf buckets (le="+inf" and "+Inf"): one bucket after merging.
    EXPECT_TRUE(std::isnan(bucket_quantile(0.5, {{k_inf, 0}, {k_inf, 0}})));
}

TEST(BucketQuantile, NaNResults) {
    // eval instant at 50m histogram_quantile(0.2, rate(empty_bucket[5m])) -> NaN
    EXPECT_TRUE(std::isnan(bucket_quantile(0.2, {{0.1, 0}, {0.2, 0}, {k_inf, 0}})));
    // No +Inf bucket.
    EXPECT_TRUE(std::isnan(bucket_quantile(0.5, {{0.1, 1}, {0.2, 2}})));
    // Only the +Inf bucket.
    EXPECT_TRUE(std::isnan(bucket_quantile(0.5, {{k_inf, 5}})));
    // No buckets at all.
    EXPECT_TRUE(std::isnan(bucket_quantile(0.5, {})));
}

TEST(BucketQuantile, RankInInfBucketGivesSecondHighestBound) {
    // 90% of observations are above the highest finite bound.
    std::vector<Bucket> b = {{1, 1}, {2, 1}, {k_inf, 10}};
    EXPECT_SAME(2.0, bucket_quantile(0.5, b));
    EXPECT_SAME(2.0, bucket_quantile(1, b));
    EXPECT_PROM(0.5, bucket_quantile(0.05, b));
}

TEST(BucketQuantile, LowestBucketBounds) {
    // A positive lowest bucket interpolates from 0; a zero or negative one
    // returns its bound.
    EXPECT_PROM(0.5, bucket_quantile(0.25, {{1, 2}, {2, 4}, {k_inf, 4}}));
    EXPECT_SAME(0.0, bucket_quantile(0.25, {{0, 2}, {2, 4}, {k_inf, 4}}));
    EXPECT_SAME(-1.0, bucket_quantile(0.25, {{-1, 2}, {2, 4}, {k_inf, 4}}));
    // q = 0 with an empty lowest bucket: 0 * (0 / 0) is NaN, as in 2.42.
    EXPECT_TRUE(std::isnan(bucket_quantile(0, {{1, 0}, {2, 4}, {k_inf, 4}})));
}

// ---------------------------------------------------------------------------
// Aggregation operators

TEST(Aggregation, AvgWithInfinities) {
    // Tests for avg (aggregators.test), values in input order.
    struct Case {
        const char* name;
        std::vector<double> values;
        double expected;
    };
    const double big = 9.988465674311579e+307;
    std::vector<Case> cases = {
        {"ten", {8, 10, 12}, 10},
        {"inf", {0, k_inf, k_inf, 0}, k_inf},
        {"inf2", {k_inf, 0, k_inf}, k_inf},
        {"inf3", {k_inf, k_inf, -k_inf}, k_nan},
        {"-inf", {-k_inf, -k_inf, 0}, -k_inf},
        {"-inf2", {-k_inf, 0, -k_inf}, -k_inf},
        {"-inf3", {-k_inf, -k_inf, k_inf}, k_nan},
        {"nan", {-k_inf, 0, k_inf}, k_nan},
        {"big", {big, big, big, big}, big},
        {"-big", {-big, -big, -big, -big}, -big},
        {"bigzero", {-big, -big, big, big}, 0},
    };
    for (const Case& c : cases) {
        AvgAggregator avg(c.values.front());
        for (std::size_t i = 1; i < c.values.size(); ++i) avg.add(c.values[i]);
        EXPECT_PROM(c.expected, avg.value()) << c.name;
        EXPECT_EQ(static_cast<std::int64_t>(c.values.size()), avg.count());
    }
}

TEST(Aggregation, StddevStdvar) {
    // eval instant at 50m stddev(http_requests) -> 229.12878474779, stdvar 52500
    VarianceAggregator all(100);
    for (double v : {200, 300, 400, 500, 600, 700, 800}) all.add(v);
    EXPECT_PROM(229.12878474779, all.stddev());
    EXPECT_PROM(52500, all.stdvar());
    // by (instance): 100,300,500,700 -> stdvar 50000, stddev 223.60679774998
    VarianceAggregator inst(100);
    for (double v : {300, 500, 700}) inst.add(v);
    EXPECT_PROM(50000, inst.stdvar());
    EXPECT_PROM(223.60679774998, inst.stddev());
    // Float precision test: three equal values -> 0.0
    double v = 0 + 1.33 * 10;
    VarianceAggregator same(v);
    same.add(v);
    same.add(v);
    EXPECT_SAME(0.0, same.stddev());
    EXPECT_SAME(0.0, VarianceAggregator(5).stdvar());
}

TEST(Aggregation, MinMaxSkipNaN) {
    // Tests for min/max: 1 2 NaN 3 4 -> max 4, min 1; by group canary (NaN 3 4) -> 4, 3
    auto fold = [](double (*step)(double, double), std::vector<double> values) {
        double acc = values.front();
        for (std::size_t i = 1; i < values.size(); ++i) acc = step(acc, values[i]);
        return acc;
    };
    EXPECT_EQ(4, fold(max_step, {1, 2, k_nan, 3, 4}));
    EXPECT_EQ(1, fold(min_step, {1, 2, k_nan, 3, 4}));
    EXPECT_EQ(4, fold(max_step, {k_nan, 3, 4}));
    EXPECT_EQ(3, fold(min_step, {k_nan, 3, 4}));
    EXPECT_TRUE(std::isnan(fold(max_step, {k_nan, k_nan})));
    EXPECT_EQ(5, fold(max_step, {5, k_nan}));
}

TEST(Aggregation, SumIsPlain) {
    // 2.42's sum aggregation is not compensated: 1 + 1e100 + 1 - 1e100 = 0.
    double acc = 1;
    for (double v : {1e100, 1.0, -1e100}) acc = sum_step(acc, v);
    EXPECT_SAME(0.0, acc);
}

TEST(Aggregation, TopkParameterBounds) {
    EXPECT_TRUE(convertible_to_int64(9999999999));
    EXPECT_TRUE(convertible_to_int64(-9223372036854775808.0));
    EXPECT_TRUE(convertible_to_int64(9223372036854774784.0));
    EXPECT_FALSE(convertible_to_int64(9223372036854775808.0));
    EXPECT_FALSE(convertible_to_int64(k_nan));
    EXPECT_FALSE(convertible_to_int64(k_inf));
}

TEST(Aggregation, CountValuesFormat) {
    // Expected strings from Go's strconv.FormatFloat(v, 'f', -1, 64).
    EXPECT_EQ("1", format_count_value(1));
    EXPECT_EQ("0.5", format_count_value(0.5));
    EXPECT_EQ("1000000000000000000000", format_count_value(1e21));
    EXPECT_EQ("100000000000000000000000", format_count_value(1e23));
    EXPECT_EQ("0.00000015", format_count_value(1.5e-7));
    EXPECT_EQ("123456789.125", format_count_value(123456789.125));
    EXPECT_EQ("-0", format_count_value(-0.0));
    EXPECT_EQ("0.1", format_count_value(0.1));
    EXPECT_EQ("100", format_count_value(100));
    EXPECT_EQ("-2.5", format_count_value(-2.5));
    EXPECT_EQ("+Inf", format_count_value(k_inf));
    EXPECT_EQ("-Inf", format_count_value(-k_inf));
    EXPECT_EQ("NaN", format_count_value(k_nan));
    std::string tiny = format_count_value(5e-324);
    EXPECT_EQ("0.", tiny.substr(0, 2));
    EXPECT_EQ(2 + 323 + 1, tiny.size());
    EXPECT_EQ('5', tiny.back());
}

TEST(Aggregation, SortOrders) {
    // sort / sort_desc put NaN last either way.
    std::vector<double> v = {300, k_nan, 100, 800, 200};
    std::sort(v.begin(), v.end(), sort_ascending_less);
    EXPECT_EQ((std::vector<double>{100, 200, 300, 800}), std::vector<double>(v.begin(), v.begin() + 4));
    EXPECT_TRUE(std::isnan(v.back()));
    std::sort(v.begin(), v.end(), sort_descending_less);
    EXPECT_EQ((std::vector<double>{800, 300, 200, 100}), std::vector<double>(v.begin(), v.begin() + 4));
    EXPECT_TRUE(std::isnan(v.back()));
}

// ---------------------------------------------------------------------------
// Instant-vector math

TEST(Math, ExpLnSqrtLog) {
    // Testing exp() sqrt() log2() log10() ln() (functions.test), x=10, y=20.
    EXPECT_PROM(22026.465794806718, math_fn(MathFn::exp, 10));
    EXPECT_PROM(485165195.4097903, math_fn(MathFn::exp, 20));
    EXPECT_PROM(4.5399929762484854e-05, math_fn(MathFn::exp, -10));
    EXPECT_PROM(2.302585092994046, math_fn(MathFn::ln, 10));
    EXPECT_PROM(2.995732273553991, math_fn(MathFn::ln, 20));
    EXPECT_SAME(-k_inf, math_fn(MathFn::ln, 0));
    EXPECT_TRUE(std::isnan(math_fn(MathFn::ln, -10)));
    EXPECT_PROM(3.1622776601683795, math_fn(MathFn::sqrt, 10));
    EXPECT_PROM(4.47213595499958, math_fn(MathFn::sqrt, 20));
    EXPECT_PROM(3.3219280948873626, math_fn(MathFn::log2, 10));
    EXPECT_PROM(4.321928094887363, math_fn(MathFn::log2, 20));
    EXPECT_SAME(-k_inf, math_fn(MathFn::log2, 0));
    EXPECT_TRUE(std::isnan(math_fn(MathFn::log2, -10)));
    EXPECT_SAME(1.0, math_fn(MathFn::log10, 10));
    EXPECT_PROM(1.301029995663981, math_fn(MathFn::log10, 20));
    EXPECT_SAME(-k_inf, math_fn(MathFn::log10, 0));
    EXPECT_TRUE(std::isnan(math_fn(MathFn::log10, -10)));
}

TEST(Math, GoLogFormulas) {
    // Values printed by Go 1.19's math.Log2 / math.Log10.
    EXPECT_SAME(3.0, math_fn(MathFn::log2, 8));
    EXPECT_SAME(-1074.0, math_fn(MathFn::log2, 5e-324));
    EXPECT_SAME(1.5849625007211563, math_fn(MathFn::log2, 3));
    EXPECT_SAME(-3.321928094887362, math_fn(MathFn::log2, 0.1));
    EXPECT_SAME(3.0, math_fn(MathFn::log10, 1000));
    EXPECT_SAME(-5.0, math_fn(MathFn::log10, 1e-5));
    EXPECT_SAME(0.6989700043360187, math_fn(MathFn::log10, 5));
    EXPECT_SAME(2.0915122016277716, math_fn(MathFn::log10, 123.456));
    EXPECT_SAME(k_inf, math_fn(MathFn::log2, k_inf));
    EXPECT_SAME(k_inf, math_fn(MathFn::log10, k_inf));
    EXPECT_TRUE(std::isnan(math_fn(MathFn::log2, k_nan)));
}

TEST(Math, Trigonometry) {
    // trig_functions.test: trig{l="x"} 10, {l="y"} 20.
    EXPECT_PROM(-0.5440211108893699, math_fn(MathFn::sin, 10));
    EXPECT_PROM(0.9129452507276277, math_fn(MathFn::sin, 20));
    EXPECT_PROM(-0.8390715290764524, math_fn(MathFn::cos, 10));
    EXPECT_PROM(0.6483608274590867, math_fn(MathFn::tan, 10));
    EXPECT_PROM(2.2371609442247427, math_fn(MathFn::tan, 20));
    EXPECT_PROM(-0.10016742116155944, math_fn(MathFn::asin, 10 - 10.1));
    EXPECT_TRUE(std::isnan(math_fn(MathFn::asin, 20 - 10.1)));
    EXPECT_PROM(1.670963747956456, math_fn(MathFn::acos, 10 - 10.1));
    EXPECT_PROM(1.4711276743037345, math_fn(MathFn::atan, 10));
    EXPECT_PROM(11013.232920103324, math_fn(MathFn::sinh, 10));
    EXPECT_PROM(2.4258259770489514e+08, math_fn(MathFn::cosh, 20));
    EXPECT_PROM(0.9999999958776927, math_fn(MathFn::tanh, 10));
    EXPECT_PROM(1, math_fn(MathFn::tanh, 20));
    EXPECT_PROM(2.99822295029797, math_fn(MathFn::asinh, 10));
    EXPECT_PROM(3.6882538673612966, math_fn(MathFn::acosh, 20));
    EXPECT_PROM(-0.10033534773107522, math_fn(MathFn::atanh, 10 - 10.1));
    EXPECT_TRUE(std::isnan(math_fn(MathFn::atanh, 20 - 10.1)));
    for (MathFn fn :
         {MathFn::sin, MathFn::cos, MathFn::tan, MathFn::asin, MathFn::acos, MathFn::atan, MathFn::sinh, MathFn::cosh,
          MathFn::tanh, MathFn::asinh, MathFn::acosh, MathFn::atanh, MathFn::deg, MathFn::rad}) {
        EXPECT_TRUE(std::isnan(math_fn(fn, k_nan)));
    }
}

TEST(Math, DegRad) {
    // rad(trig) -> 0.17453292519943295, 0.3490658503988659; deg -> 572.9577951308232, 1145.9155902616465
    EXPECT_SAME(0.17453292519943295, math_fn(MathFn::rad, 10));
    EXPECT_SAME(0.3490658503988659, math_fn(MathFn::rad, 20));
    EXPECT_SAME(-0.17453292519943295, math_fn(MathFn::rad, -10));
    EXPECT_SAME(572.9577951308232, math_fn(MathFn::deg, 10));
    EXPECT_SAME(1145.9155902616465, math_fn(MathFn::deg, 20));
    EXPECT_SAME(0.0, math_fn(MathFn::deg, 0));
}

TEST(Math, AbsCeilFloorSgn) {
    // floor/ceil(0.004 * http_requests) for 100, 200 -> 0, 0 / 1, 1
    EXPECT_EQ(0, math_fn(MathFn::floor, 0.004 * 100));
    EXPECT_EQ(1, math_fn(MathFn::ceil, 0.004 * 200));
    EXPECT_SAME(-0.0, math_fn(MathFn::ceil, -0.5));
    EXPECT_SAME(3.5, math_fn(MathFn::abs, -3.5));
    EXPECT_SAME(k_inf, math_fn(MathFn::abs, -k_inf));
    // Test cases for sgn: -Inf Inf NaN -50 0 100 -> -1 1 NaN -1 0 1
    EXPECT_SAME(-1.0, math_fn(MathFn::sgn, -k_inf));
    EXPECT_SAME(1.0, math_fn(MathFn::sgn, k_inf));
    EXPECT_TRUE(std::isnan(math_fn(MathFn::sgn, k_nan)));
    EXPECT_SAME(-1.0, math_fn(MathFn::sgn, -50));
    EXPECT_SAME(0.0, math_fn(MathFn::sgn, 0));
    EXPECT_SAME(-0.0, math_fn(MathFn::sgn, -0.0));
    EXPECT_SAME(1.0, math_fn(MathFn::sgn, 100));
}

TEST(Math, Round) {
    // aggregators.test round cases with http_requests 100 and 200.
    EXPECT_EQ(0, round_to(0.004 * 100));
    EXPECT_EQ(1, round_to(0.004 * 200));
    EXPECT_SAME(0.0, round_to(-1 * (0.004 * 100)));  // floor(0.1) is +0
    EXPECT_EQ(-1, round_to(-1 * (0.004 * 200)));
    EXPECT_EQ(1, round_to(0.005 * 100));  // half rounds up
    EXPECT_SAME(0.0, round_to(-1 * (0.005 * 100)));
    EXPECT_EQ(-1, round_to(-1 * (0.005 * 200)));
    EXPECT_EQ(2, round_to(1 + 0.005 * 100));
    EXPECT_EQ(-1, round_to(-1 * (1 + 0.005 * 100)));
    EXPECT_EQ(-2, round_to(-1 * (1 + 0.005 * 200)));
    EXPECT_PROM(0.1, round_to(0.0005 * 100, 0.1));
    EXPECT_PROM(2.2, round_to(2.1 + 0.0005 * 200, 0.1));
    EXPECT_PROM(5.3, round_to(5.2 + 0.0005 * 100, 0.1));
    EXPECT_PROM(-5.2, round_to(-1 * (5.2 + 0.0005 * 100), 0.1));
    EXPECT_PROM(-5.3, round_to(-1 * (5.2 + 0.0005 * 200), 0.1));
    EXPECT_EQ(5, round_to(0.025 * 100, 5));
    EXPECT_EQ(5, round_to(0.045 * 100, 5));
    EXPECT_EQ(10, round_to(0.045 * 200, 5));
    // Go 1.19: floor(v * (1/to) + 0.5) / (1/to).
    EXPECT_SAME(3.0, round_to(2.5));
    EXPECT_SAME(-2.0, round_to(-2.5));
    EXPECT_SAME(0.2, round_to(0.15, 0.1));
    EXPECT_SAME(1.25, round_to(1.125, 0.25));
    EXPECT_SAME(15.0, round_to(12.5, 5));
    EXPECT_SAME(6.0, round_to(7, -2));
    EXPECT_TRUE(std::isnan(round_to(3, 0)));
    EXPECT_SAME(k_inf, round_to(k_inf));
    EXPECT_TRUE(std::isnan(round_to(k_nan)));
}

TEST(Math, Clamp) {
    // Tests for clamp_max, clamp_min(), and clamp(): -50 0 100
    EXPECT_EQ(-50, clamp_max(-50, 75));
    EXPECT_EQ(75, clamp_max(100, 75));
    EXPECT_EQ(-25, clamp_min(-50, -25));
    EXPECT_EQ(100, clamp_min(100, -25));
    EXPECT_EQ(-25, *clamp(-50, -25, 75));
    EXPECT_EQ(0, *clamp(0, -25, 75));
    EXPECT_EQ(75, *clamp(100, -25, 75));
    EXPECT_EQ(-20, clamp_max(clamp_min(-50, -20), 70));
    // clamp(test_clamp, 0, NaN) and clamp(test_clamp, NaN, 0) -> NaN for all
    for (double v : {-50.0, 0.0, 100.0}) {
        EXPECT_TRUE(std::isnan(*clamp(v, 0, k_nan)));
        EXPECT_TRUE(std::isnan(*clamp(v, k_nan, 0)));
    }
    // clamp(test_clamp, 5, -5) -> no output
    EXPECT_FALSE(clamp(0, 5, -5));
}

TEST(Math, GoMinMaxSpecialCases) {
    EXPECT_SAME(k_inf, go_max(k_inf, k_nan));
    EXPECT_SAME(-k_inf, go_min(k_nan, -k_inf));
    EXPECT_TRUE(std::isnan(go_max(1, k_nan)));
    EXPECT_TRUE(std::isnan(go_min(k_nan, 1)));
    EXPECT_SAME(0.0, go_max(-0.0, 0.0));
    EXPECT_SAME(-0.0, go_min(0.0, -0.0));
    // clamp_min(NaN, -Inf) stays NaN; clamp_max(NaN, +Inf) too.
    EXPECT_TRUE(std::isnan(clamp_min(k_nan, -k_inf)));
    EXPECT_SAME(k_inf, clamp_min(k_nan, k_inf));
    EXPECT_SAME(-k_inf, clamp_max(k_nan, -k_inf));
}

// ---------------------------------------------------------------------------
// Binary operators

TEST(BinaryOp, ModAndPow) {
    // operators.test at 50m: SUM BY (job) is 1000 (api) and 2600 (app).
    EXPECT_EQ(1, binary_arith(ArithOp::mod, 1000, 3));
    EXPECT_EQ(2, binary_arith(ArithOp::mod, 2600, 3));
    EXPECT_PROM(0.1, binary_arith(ArithOp::mod, 1000, 0.3));
    EXPECT_PROM(0.2, binary_arith(ArithOp::mod, 2600, 0.3));
    EXPECT_EQ(1000000, binary_arith(ArithOp::pow, 1000, 2));
    EXPECT_EQ(488, binary_arith(ArithOp::mod, 1000, binary_arith(ArithOp::pow, 2, 9)));
    EXPECT_EQ(256, binary_arith(ArithOp::pow, 4, 4));
    // -2^---1*3 = -(2^-1)*3 = -1.5
    EXPECT_EQ(-1.5, -binary_arith(ArithOp::pow, 2, -1) * 3);
    // 0 * x % 0 -> NaN
    EXPECT_TRUE(std::isnan(binary_arith(ArithOp::mod, 0, 0)));
    EXPECT_SAME(k_inf, binary_arith(ArithOp::div, 1000, 0));
    EXPECT_TRUE(std::isnan(binary_arith(ArithOp::div, 0, 0)));
}

TEST(BinaryOp, GoModSemantics) {
    // Go 1.19 math.Mod: sign of the dividend, NaN for x % 0 and Inf % y.
    EXPECT_SAME(1.5, binary_arith(ArithOp::mod, 5.5, 2));
    EXPECT_SAME(-1.5, binary_arith(ArithOp::mod, -5.5, 2));
    EXPECT_SAME(1.5, binary_arith(ArithOp::mod, 5.5, -2));
    EXPECT_SAME(-0.0, binary_arith(ArithOp::mod, -4, 2));
    EXPECT_SAME(-0.0, binary_arith(ArithOp::mod, -0.0, 1));
    EXPECT_TRUE(std::isnan(binary_arith(ArithOp::mod, 1, 0)));
    EXPECT_TRUE(std::isnan(binary_arith(ArithOp::mod, k_inf, 2)));
    EXPECT_SAME(3.0, binary_arith(ArithOp::mod, 3, k_inf));
    EXPECT_SAME(1.765761626199355, binary_arith(ArithOp::mod, 1e300, 3.7));
}

TEST(BinaryOp, GoPowSpecialCases) {
    // Go 1.19 math.Pow.
    EXPECT_SAME(1.4142135623730951, binary_arith(ArithOp::pow, 2, 0.5));
    EXPECT_SAME(0.01, binary_arith(ArithOp::pow, 10, -2));
    EXPECT_TRUE(std::isnan(binary_arith(ArithOp::pow, -8, 1.0 / 3)));
    EXPECT_SAME(-8.0, binary_arith(ArithOp::pow, -2, 3));
    EXPECT_SAME(k_inf, binary_arith(ArithOp::pow, 0, -1));
    EXPECT_SAME(1.0, binary_arith(ArithOp::pow, -1, k_inf));
    EXPECT_SAME(1.0, binary_arith(ArithOp::pow, 1, k_nan));
    EXPECT_SAME(1.0, binary_arith(ArithOp::pow, k_nan, 0));
}

TEST(BinaryOp, Atan2) {
    // Testing atan2: 10 atan2 20 -> 0.4636476090008061; 10 atan2 NaN -> NaN
    EXPECT_PROM(0.4636476090008061, binary_arith(ArithOp::atan2, 10, 20));
    EXPECT_TRUE(std::isnan(binary_arith(ArithOp::atan2, 10, k_nan)));
    EXPECT_SAME(2.356194490192345, binary_arith(ArithOp::atan2, 1, -1));
    EXPECT_SAME(-3.141592653589793, binary_arith(ArithOp::atan2, -0.0, -1));
}

TEST(BinaryOp, ScalarComparisons) {
    EXPECT_EQ(1, binary_arith(ArithOp::eq, 1, 1));
    EXPECT_EQ(0, binary_arith(ArithOp::eq, k_nan, k_nan));
    EXPECT_EQ(1, binary_arith(ArithOp::ne, k_nan, k_nan));
    EXPECT_EQ(1, binary_arith(ArithOp::gt, 2, 1));
    EXPECT_EQ(0, binary_arith(ArithOp::lt, 2, 1));
    EXPECT_EQ(1, binary_arith(ArithOp::ge, 1, 1));
    EXPECT_EQ(1, binary_arith(ArithOp::le, -k_inf, 1));
    EXPECT_TRUE(is_comparison(ArithOp::le));
    EXPECT_FALSE(is_comparison(ArithOp::atan2));
}

TEST(BinaryOp, VectorElement) {
    ElemResult r = vector_elem_binop(ArithOp::gt, 5, 3);
    EXPECT_TRUE(r.keep);
    EXPECT_EQ(5, r.value);
    r = vector_elem_binop(ArithOp::gt, 3, 5);
    EXPECT_FALSE(r.keep);
    r = vector_elem_binop(ArithOp::sub, 3, 5);
    EXPECT_TRUE(r.keep);
    EXPECT_EQ(-2, r.value);
}

TEST(BinaryOp, VectorScalar) {
    // x > 3 and 3 < x keep x's value; with bool they give 1/0.
    EXPECT_EQ(5, *vector_scalar_binop(ArithOp::gt, 5, 3, false, false));
    EXPECT_EQ(5, *vector_scalar_binop(ArithOp::lt, 5, 3, true, false));
    EXPECT_FALSE(vector_scalar_binop(ArithOp::lt, 5, 3, false, false));
    EXPECT_EQ(0, *vector_scalar_binop(ArithOp::lt, 5, 3, false, true));
    EXPECT_EQ(1, *vector_scalar_binop(ArithOp::lt, 5, 3, true, true));
    // Arithmetic respects the written order: 10 - x and x - 10.
    EXPECT_EQ(7, *vector_scalar_binop(ArithOp::sub, 3, 10, true, false));
    EXPECT_EQ(-7, *vector_scalar_binop(ArithOp::sub, 3, 10, false, false));
    EXPECT_EQ(1, *vector_scalar_binop(ArithOp::mod, 3, 10, true, false));
    // NaN == NaN is false: filtered out, or 0 with bool.
    EXPECT_FALSE(vector_scalar_binop(ArithOp::eq, k_nan, k_nan, false, false));
    EXPECT_EQ(0, *vector_scalar_binop(ArithOp::eq, k_nan, k_nan, false, true));
}

// ---------------------------------------------------------------------------
// Time

TEST(Time, TimestampSeconds) {
    // eval instant at 10s timestamp(metric) -> 10; at 1ms time() -> 0.001
    EXPECT_EQ(10, timestamp_seconds(10 * k_s));
    EXPECT_EQ(0.001, timestamp_seconds(1));
    EXPECT_EQ(3000, timestamp_seconds(50 * k_m));
    EXPECT_EQ(-1.5, timestamp_seconds(-1500));
}

TEST(Time, DateFunctionsAtEpochAndVector) {
    // Test time-related functions (functions.test).
    EXPECT_EQ(1970, date_part_at(DatePart::year, 0));
    EXPECT_EQ(1, date_part_at(DatePart::month, 0));
    EXPECT_EQ(1, date_part_at(DatePart::day_of_month, 0));
    EXPECT_EQ(1, date_part_at(DatePart::day_of_year, 0));
    EXPECT_EQ(4, date_part_at(DatePart::day_of_week, 0));  // Thursday
    EXPECT_EQ(0, date_part_at(DatePart::hour, 0));
    EXPECT_EQ(0, date_part_at(DatePart::minute, 0));
    const double t = 1136239445;  // 2006-01-02T22:04:05Z
    EXPECT_EQ(2006, date_part(DatePart::year, t));
    EXPECT_EQ(1, date_part(DatePart::month, t));
    EXPECT_EQ(2, date_part(DatePart::day_of_month, t));
    EXPECT_EQ(2, date_part(DatePart::day_of_year, t));
    EXPECT_EQ(1, date_part(DatePart::day_of_week, t));
    EXPECT_EQ(22, date_part(DatePart::hour, t));
    EXPECT_EQ(4, date_part(DatePart::minute, t));
}

TEST(Time, LeapYearsAndBoundaries) {
    EXPECT_EQ(2008, date_part(DatePart::year, 1230767999));
    EXPECT_EQ(2009, date_part(DatePart::year, 1230768000));
    // month(...) + day_of_month(...) / 100 -> 2.29 and 3.01
    EXPECT_PROM(2.29, date_part(DatePart::month, 1456790399) + date_part(DatePart::day_of_month, 1456790399) / 100);
    EXPECT_PROM(3.01, date_part(DatePart::month, 1456790400) + date_part(DatePart::day_of_month, 1456790400) / 100);
    EXPECT_EQ(366, date_part(DatePart::day_of_year, 1483191420));
    EXPECT_EQ(365, date_part(DatePart::day_of_year, 1672493820));
    EXPECT_EQ(29, date_part(DatePart::days_in_month, 1454284800));
    EXPECT_EQ(28, date_part(DatePart::days_in_month, 1485907200));
    EXPECT_EQ(29, date_part(DatePart::days_in_month, 951782400));  // 2000-02-29: 400-year rule
    EXPECT_EQ(31, date_part(DatePart::days_in_month, 0));
    EXPECT_EQ(30, date_part(DatePart::days_in_month, 1143849600));  // 2006-04-01
}

TEST(Time, NegativeAndFractionalSeconds) {
    // Go 1.19: time.Unix(int64(v), 0).UTC(); int64() truncates towards zero.
    EXPECT_EQ(1969, date_part(DatePart::year, -1));
    EXPECT_EQ(12, date_part(DatePart::month, -1));
    EXPECT_EQ(31, date_part(DatePart::day_of_month, -1));
    EXPECT_EQ(365, date_part(DatePart::day_of_year, -1));
    EXPECT_EQ(3, date_part(DatePart::day_of_week, -1));
    EXPECT_EQ(23, date_part(DatePart::hour, -1));
    EXPECT_EQ(59, date_part(DatePart::minute, -1));
    // -86401.5 -> -86401 -> 1969-12-30T23:59:59Z, Tuesday.
    EXPECT_EQ(30, date_part(DatePart::day_of_month, -86401.5));
    EXPECT_EQ(2, date_part(DatePart::day_of_week, -86401.5));
    EXPECT_EQ(364, date_part(DatePart::day_of_year, -86401.5));
    // 0001-01-01 and the day before it (year 0 is a leap year).
    EXPECT_EQ(1, date_part(DatePart::year, -62135596800.0));
    EXPECT_EQ(1, date_part(DatePart::day_of_week, -62135596800.0));
    EXPECT_EQ(0, date_part(DatePart::year, -62135596801.0));
    EXPECT_EQ(366, date_part(DatePart::day_of_year, -62135596801.0));
    EXPECT_EQ(10000, date_part(DatePart::year, 253402300800.0));
    EXPECT_EQ(6, date_part(DatePart::day_of_week, 253402300800.0));
}

TEST(Time, HugeValuesAsGo) {
    // Go 1.19 on amd64.
    EXPECT_EQ(31690708, date_part(DatePart::year, 1e15));
    EXPECT_EQ(7, date_part(DatePart::month, 1e15));
    EXPECT_EQ(5, date_part(DatePart::day_of_month, 1e15));
    EXPECT_EQ(187, date_part(DatePart::day_of_year, 1e15));
    EXPECT_EQ(0, date_part(DatePart::day_of_week, 1e15));
    EXPECT_EQ(1, date_part(DatePart::hour, 1e15));
    EXPECT_EQ(46, date_part(DatePart::minute, 1e15));
    EXPECT_EQ(291536396232, date_part(DatePart::year, 9.2e18));
    EXPECT_EQ(8, date_part(DatePart::month, 9.2e18));
    EXPECT_EQ(31, date_part(DatePart::day_of_month, 9.2e18));
    EXPECT_EQ(5, date_part(DatePart::day_of_week, 9.2e18));
    EXPECT_EQ(-291536392293, date_part(DatePart::year, -9.2e18));
    EXPECT_EQ(5, date_part(DatePart::month, -9.2e18));
    EXPECT_EQ(3, date_part(DatePart::day_of_month, -9.2e18));
    EXPECT_EQ(12, date_part(DatePart::hour, -9.2e18));
    EXPECT_EQ(26, date_part(DatePart::minute, -9.2e18));
}

TEST(Time, NaNAndInfBecomeMinInt64) {
    // int64(NaN), int64(±Inf) and int64(±1e19) are math.MinInt64 on amd64:
    // 292277026596-12-04T15:30:08Z, a Sunday.
    for (double v : {k_nan, k_inf, -k_inf, 1e19, -1e19}) {
        EXPECT_EQ(292277026596, date_part(DatePart::year, v)) << v;
        EXPECT_EQ(12, date_part(DatePart::month, v));
        EXPECT_EQ(4, date_part(DatePart::day_of_month, v));
        EXPECT_EQ(339, date_part(DatePart::day_of_year, v));
        EXPECT_EQ(0, date_part(DatePart::day_of_week, v));
        EXPECT_EQ(15, date_part(DatePart::hour, v));
        EXPECT_EQ(30, date_part(DatePart::minute, v));
        EXPECT_EQ(31, date_part(DatePart::days_in_month, v));
    }
}

TEST(Time, EvalTimeTruncatesMilliseconds) {
    EXPECT_EQ(59, date_part_at(DatePart::minute, 3599999));
    EXPECT_EQ(0, date_part_at(DatePart::hour, 3599999));
    // -1ms / 1000 truncates to 0 seconds, not -1.
    EXPECT_EQ(1970, date_part_at(DatePart::year, -1));
    EXPECT_EQ(1969, date_part_at(DatePart::year, -1000));
}

// ---------------------------------------------------------------------------
// label_replace

Labels testmetric(const char* src) {
    return Labels{{"__name__", "testmetric"}, {"src", src}, {"dst", "original-destination-value"}};
}

Labels replaced(const Labels& in, const char* dst, const char* repl, const char* src, const char* regex) {
    auto r = label_replace(in, dst, repl, src, regex);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : Labels{};
}

TEST(LabelReplace, FullStringMatch) {
    // label_replace(testmetric, "dst", "destination-value-$1", "src", "source-value-(.*)")
    auto out = replaced(testmetric("source-value-10"), "dst", "destination-value-$1", "src", "source-value-(.*)");
    EXPECT_EQ("destination-value-10", out.get("dst"));
    EXPECT_EQ("source-value-10", out.get("src"));
    EXPECT_EQ("testmetric", out.metric_name());
    // ... "value-(.*)": no substring match, labels unchanged.
    auto same = replaced(testmetric("source-value-10"), "dst", "destination-value-$1", "src", "value-(.*)");
    EXPECT_EQ(testmetric("source-value-10"), same);
}

TEST(LabelReplace, MultipleGroups) {
    // label_replace(testmetric, "dst", "$1-value-$2", "src", "(.*)-value-(.*)")
    auto out = replaced(testmetric("source-value-20"), "dst", "$1-value-$2", "src", "(.*)-value-(.*)");
    EXPECT_EQ("source-value-20", out.get("dst"));
}

TEST(LabelReplace, MissingAndEmptySource) {
    // "nonexistent-src" with "source-value-(.*)": no match, unchanged.
    auto a = replaced(testmetric("source-value-10"), "dst", "value-$1", "nonexistent-src", "source-value-(.*)");
    EXPECT_EQ("original-destination-value", a.get("dst"));
    // ... with "(.*)": the empty value matches, dst = "value-".
    auto b = replaced(testmetric("source-value-10"), "dst", "value-$1", "nonexistent-src", "(.*)");
    EXPECT_EQ("value-", b.get("dst"));
    // "non-matching-regex": unchanged.
    auto c = replaced(testmetric("source-value-10"), "dst", "value-$1", "src", "non-matching-regex");
    EXPECT_EQ(testmetric("source-value-10"), c);
}

TEST(LabelReplace, EmptyResultDropsLabel) {
    // label_replace(testmetric, "dst", "", "dst", ".*") drops dst.
    auto out = replaced(testmetric("source-value-10"), "dst", "", "dst", ".*");
    EXPECT_FALSE(out.has("dst"));
    EXPECT_EQ(2u, out.size());
    // A new label is created when it did not exist.
    auto created = replaced(Labels{{"a", "x"}}, "b", "<$1>", "a", "(x)");
    EXPECT_EQ("<x>", created.get("b"));
}

TEST(LabelReplace, Errors) {
    // eval_fail ... label_replace(testmetric, "dst", "value-$1", "src", "(.*")
    auto bad_re = label_replace(testmetric("a"), "dst", "value-$1", "src", "(.*");
    ASSERT_FALSE(bad_re.ok());
    EXPECT_EQ("invalid regular expression in label_replace(): (.*", bad_re.error().message);
    EXPECT_EQ(ErrorCategory::invalid_argument, bad_re.error().category);
    // eval_fail ... label_replace(testmetric, "invalid-label-name", "", "src", "(.*)")
    auto bad_dst = label_replace(testmetric("a"), "invalid-label-name", "", "src", "(.*)");
    ASSERT_FALSE(bad_dst.ok());
    EXPECT_EQ("invalid destination label name in label_replace(): invalid-label-name", bad_dst.error().message);
    // The regex is checked first.
    auto both = label_replace(testmetric("a"), "1abc", "", "src", "[");
    ASSERT_FALSE(both.ok());
    EXPECT_EQ("invalid regular expression in label_replace(): [", both.error().message);
    EXPECT_FALSE(LabelReplacer::create("", "", "src", ".*").ok());
    // A regex that closes the wrapping group early is still Go's string.
    EXPECT_FALSE(LabelReplacer::create("dst", "", "src", "a))(").ok());
}

TEST(LabelReplace, ReplacerIsReusable) {
    auto r = LabelReplacer::create("dst", "${1}x", "src", "s(\\d+)");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ("1x", r->apply(Labels{{"src", "s1"}}).get("dst"));
    EXPECT_EQ("22x", r->apply(Labels{{"src", "s22"}}).get("dst"));
    EXPECT_FALSE(r->apply(Labels{{"src", "t1"}}).has("dst"));
    LabelReplacer moved = std::move(*r);
    EXPECT_EQ("3x", moved.apply(Labels{{"src", "s3"}}).get("dst"));
}

TEST(LabelReplace, GoExpandSemantics) {
    // Expected values from Go 1.19 regexp.ExpandString with
    // ^(?:(?P<first>a+)(b)?(?P<x1>c*))$ on "aacc".
    struct Case {
        const char* tmpl;
        const char* expected;
    };
    const Case cases[] = {
        {"$1", "aa"},           {"${1}", "aa"},     {"$1x", ""},    {"${1}x", "aax"},       {"$first-$x1", "aa-cc"},
        {"$$1", "$1"},          {"$", "$"},         {"a$", "a$"},   {"${first", "${first"}, {"$2", ""},
        {"$3", "cc"},           {"$01", ""},        {"$0", "aacc"}, {"${0}", "aacc"},       {"$x1x", ""},
        {"$ first", "$ first"}, {"$999999999", ""}, {"${}", "${}"}, {"$\xC3\xA9", ""},      {"$_", ""},
    };
    for (const Case& c : cases) {
        auto out = replaced(Labels{{"src", "aacc"}}, "dst", c.tmpl, "src", "(?P<first>a+)(b)?(?P<x1>c*)");
        EXPECT_EQ(c.expected, out.get("dst")) << c.tmpl;
    }
}

TEST(LabelReplace, ExpandTemplateDirect) {
    std::vector<std::optional<std::string_view>> groups = {"whole", "one", std::nullopt};
    std::vector<std::string> names = {"", "", "opt"};
    EXPECT_EQ("[one][]", expand_template("[$1][$opt]", groups, names));
    EXPECT_EQ("one2", expand_template("${1}2", groups, names));
    // "$1é" names the group "1é" (letters are Unicode-aware); an invalid
    // UTF-8 byte ends a name.
    EXPECT_EQ("", expand_template("$1\xC3\xA9", groups, names));
    EXPECT_EQ("one\xFF", expand_template("$1\xFF", groups, names));
    EXPECT_EQ("$", expand_template("$", groups, names));
    EXPECT_EQ("$-", expand_template("$-", groups, names));
}

// ---------------------------------------------------------------------------
// label_join

Labels joinmetric(const char* a, const char* b, const char* c) {
    return Labels{
        {"__name__", "testmetric"}, {"src", a}, {"src1", b}, {"src2", c}, {"dst", "original-destination-value"}};
}

TEST(LabelJoin, JoinsInOrder) {
    // label_join(testmetric, "dst", "-", "src", "src1", "src2") -> a-b-c
    std::vector<std::string> srcs = {"src", "src1", "src2"};
    auto out = label_join(joinmetric("a", "b", "c"), "dst", "-", srcs);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ("a-b-c", out->get("dst"));
    EXPECT_EQ("testmetric", out->metric_name());
}

TEST(LabelJoin, MissingSourcesAreEmpty) {
    // label_join(testmetric, "dst", "-", "src", "src3", "src1") -> a--b
    std::vector<std::string> srcs = {"src", "src3", "src1"};
    EXPECT_EQ("a--b", label_join(joinmetric("a", "b", "c"), "dst", "-", srcs)->get("dst"));
}

TEST(LabelJoin, EmptyResultRemovesDst) {
    // label_join(testmetric, "dst", "", "emptysrc", "emptysrc1", "emptysrc2") -> no dst
    std::vector<std::string> srcs = {"emptysrc", "emptysrc1", "emptysrc2"};
    EXPECT_FALSE(label_join(joinmetric("a", "b", "c"), "dst", "", srcs)->has("dst"));
    // label_join(testmetric, "dst", ", ") without sources -> no dst
    EXPECT_FALSE(label_join(joinmetric("a", "b", "c"), "dst", ", ", {})->has("dst"));
    // Separators alone are not empty.
    std::vector<std::string> two = {"x", "y"};
    EXPECT_EQ(",", label_join(Labels{}, "dst", ",", two)->get("dst"));
}

TEST(LabelJoin, CreatesDst) {
    // label_join(testmetric1, "dst", ", ", "src", "src1", "src2") -> "foo, bar, foobar"
    Labels in{{"__name__", "testmetric1"}, {"src", "foo"}, {"src1", "bar"}, {"src2", "foobar"}};
    std::vector<std::string> srcs = {"src", "src1", "src2"};
    EXPECT_EQ("foo, bar, foobar", label_join(in, "dst", ", ", srcs)->get("dst"));
}

TEST(LabelJoin, Errors) {
    std::vector<std::string> bad_src = {"ok", "bad-src", "1bad"};
    auto a = label_join(Labels{}, "bad-dst", "-", bad_src);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ("invalid source label name in label_join(): bad-src", a.error().message);
    std::vector<std::string> good = {"ok"};
    auto b = label_join(Labels{}, "bad-dst", "-", good);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ("invalid destination label name in label_join(): bad-dst", b.error().message);
    EXPECT_TRUE(validate_label_join("__name__", good).ok());
    EXPECT_FALSE(validate_label_join("", good).ok());
}

}  // namespace
}  // namespace tocsin::promql::kernels
