// Numeric kernels of the PromQL evaluator: the arithmetic behind functions,
// aggregations and binary operators, with the semantics of Prometheus v2.42
// for float samples (native histograms are out of scope). Pure functions over
// values and samples: no AST, no store, no clock. Private to the promql module.
//
// Conventions:
// - Range kernels take the samples of one series inside the range, ascending
//   by timestamp, staleness markers already removed. They return nullopt when
//   2.42 emits no output for that series. 2.42's engine never calls a range
//   function with an empty range, so every kernel returns nullopt for one.
// - Timestamps are Unix milliseconds; results "in seconds" are float seconds.
// - Errors that 2.42 raises by panicking inside a function come back as
//   Error{invalid_argument, <2.42's message>}.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/series/series_store.hpp"

namespace re2 {
class RE2;
}

namespace tocsin::promql::kernels {

using Sample = series::Sample;  // {t: Unix ms, v}

// ---------------------------------------------------------------------------
// Range-vector functions (matrix argument)

// rate/increase/delta as 2.42's extrapolatedRate. The range is
// [range_start_ms, range_end_ms] as the evaluator selected it (eval time
// minus offset, minus the range); rate divides by the range's length.
// Fewer than two samples: nullopt.
std::optional<double> extrapolated_rate(std::span<const Sample> samples, std::int64_t range_start_ms,
                                        std::int64_t range_end_ms, bool is_counter, bool is_rate);
std::optional<double> rate(std::span<const Sample> samples, std::int64_t range_start_ms, std::int64_t range_end_ms);
std::optional<double> increase(std::span<const Sample> samples, std::int64_t range_start_ms, std::int64_t range_end_ms);
std::optional<double> delta(std::span<const Sample> samples, std::int64_t range_start_ms, std::int64_t range_end_ms);

// irate/idelta from the last two samples (2.42's instantValue). nullopt with
// fewer than two samples or when the last two share a timestamp.
std::optional<double> irate(std::span<const Sample> samples);
std::optional<double> idelta(std::span<const Sample> samples);

// Least-squares fit with x in seconds relative to intercept_time_ms;
// intercept is the fitted value at that time. A constant series gives slope 0
// (NaN, NaN if the constant is ±Inf). Requires at least one sample.
struct Regression {
    double slope = 0;
    double intercept = 0;
};
Regression linear_regression(std::span<const Sample> samples, std::int64_t intercept_time_ms);

// deriv: slope of the fit (intercept at the first sample). <2 samples: nullopt.
std::optional<double> deriv(std::span<const Sample> samples);
// predict_linear(v, duration_s): fitted value at eval_time + duration_s.
// eval_time_ms is the step's evaluation time (2.42's enh.Ts), not shifted by
// offset or @. <2 samples: nullopt.
std::optional<double> predict_linear(std::span<const Sample> samples, std::int64_t eval_time_ms, double duration_s);

// holt_winters(v, sf, tf): double exponential smoothing. Factors outside
// (0, 1) are an error (NaN passes, as in 2.42), checked before the sample
// count; one sample: nullopt (empty: nullopt, 2.42 never gets there).
Result<std::optional<double>> holt_winters(std::span<const Sample> samples, double sf, double tf);

std::optional<double> resets(std::span<const Sample> samples);
std::optional<double> changes(std::span<const Sample> samples);  // NaN -> NaN is no change

// The *_over_time family. avg, sum, stddev and stdvar use 2.42's Neumaier
// (Kahan) compensated sums; min/max let a later number replace a NaN.
std::optional<double> avg_over_time(std::span<const Sample> samples);
std::optional<double> sum_over_time(std::span<const Sample> samples);
std::optional<double> count_over_time(std::span<const Sample> samples);
std::optional<double> min_over_time(std::span<const Sample> samples);
std::optional<double> max_over_time(std::span<const Sample> samples);
std::optional<double> last_over_time(std::span<const Sample> samples);
std::optional<double> present_over_time(std::span<const Sample> samples);
std::optional<double> stddev_over_time(std::span<const Sample> samples);
std::optional<double> stdvar_over_time(std::span<const Sample> samples);
std::optional<double> quantile_over_time(double q, std::span<const Sample> samples);

// One step of Neumaier's compensated summation (2.42's kahanSumInc): returns
// the new sum and updates the compensation `c`.
double kahan_sum_inc(double inc, double sum, double& c);

// ---------------------------------------------------------------------------
// Quantiles

// 2.42's quantile(): sorts `values` (NaN first), interpolates linearly
// between closest ranks. Empty or NaN q: NaN; q < 0: -Inf; q > 1: +Inf.
double quantile(double q, std::vector<double>& values);

// A classic histogram bucket: upper bound (the `le` label) and cumulative
// count.
struct Bucket {
    double upper_bound = 0;
    double count = 0;
};

// histogram_quantile over classic buckets (2.42's bucketQuantile). Buckets
// may be unsorted and repeat a bound (counts of equal bounds are added).
// NaN q: NaN; q < 0: -Inf; q > 1: +Inf (checked first); no +Inf bucket,
// fewer than two distinct bounds or zero observations: NaN. Non-monotonic
// counts are raised to the running maximum. Empty input: NaN.
double bucket_quantile(double q, std::vector<Bucket> buckets);

// ---------------------------------------------------------------------------
// Aggregation operators (2.42's engine.go aggregation); the evaluator feeds
// values in input-vector order, starting each group with its first value.

// avg: incremental mean, each term divided by the count first so that large
// values do not overflow; an infinite mean stays put unless a NaN or an
// opposite infinity arrives.
class AvgAggregator {
public:
    explicit AvgAggregator(double first) : m_mean(first) {}
    void add(double v);
    double value() const { return m_mean; }
    std::int64_t count() const { return m_count; }

private:
    double m_mean;
    std::int64_t m_count = 1;
};

// stddev/stdvar: Welford's online variance (population), no compensation.
class VarianceAggregator {
public:
    explicit VarianceAggregator(double first) : m_mean(first) {}
    void add(double v);
    double stdvar() const;
    double stddev() const;

private:
    double m_mean;
    double m_m2 = 0;
    std::int64_t m_count = 1;
};

// sum is a plain running sum in 2.42's aggregation (no compensation).
inline double sum_step(double acc, double v) { return acc + v; }
// max/min: a NaN accumulator is replaced by whatever comes next.
double max_step(double acc, double v);
double min_step(double acc, double v);

// topk/bottomk's k must satisfy this (2.42's convertibleToInt64) before it is
// truncated; else "Scalar value <k> overflows int64".
bool convertible_to_int64(double v);

// count_values: the label value of a sample value, Go's
// strconv.FormatFloat(v, 'f', -1, 64) ("1", "0.5", "1000000000000000000000",
// "+Inf", "NaN").
std::string format_count_value(double v);

// sort()/sort_desc() order with NaN last; strict weak orderings.
bool sort_ascending_less(double a, double b);
bool sort_descending_less(double a, double b);

// ---------------------------------------------------------------------------
// Instant-vector math

enum class MathFn : std::uint8_t {
    abs,
    ceil,
    floor,
    exp,
    sqrt,
    ln,
    log2,   // exact for powers of two, as Go's math.Log2
    log10,  // ln(x) * log10(e), as Go's math.Log10
    sgn,
    deg,
    rad,
    sin,
    cos,
    tan,
    asin,
    acos,
    atan,
    sinh,
    cosh,
    tanh,
    asinh,
    acosh,
    atanh,
};
double math_fn(MathFn fn, double v);

// round(v, to_nearest) as 2.42: with inv = 1 / to_nearest,
// floor(v * inv + 0.5) / inv; ties round up, to_nearest 0 gives NaN.
double round_to(double v, double to_nearest = 1);

// Go's math.Max/math.Min: +Inf (Max) / -Inf (Min) wins over NaN, then NaN
// wins over numbers; signed zeros ordered.
double go_max(double a, double b);
double go_min(double a, double b);

// clamp(v, min, max): nullopt when max < min (2.42 drops every sample).
std::optional<double> clamp(double v, double min, double max);
double clamp_min(double v, double min);
double clamp_max(double v, double max);

// Binary operators.
enum class ArithOp : std::uint8_t { add, sub, mul, div, mod, pow, atan2, eq, ne, gt, lt, ge, le };
bool is_comparison(ArithOp op);

// scalar-scalar (2.42's scalarBinop): comparisons give 1 or 0; `%` is Go's
// math.Mod (sign of the dividend), `^` math.Pow.
double binary_arith(ArithOp op, double lhs, double rhs);

// An element of a vector operation (2.42's vectorElemBinop): for comparisons
// `keep` is the comparison and `value` the left-hand value.
struct ElemResult {
    double value = 0;
    bool keep = true;
};
ElemResult vector_elem_binop(ArithOp op, double lhs, double rhs);

// vector-scalar operation, `scalar_on_left` when the scalar was written on the
// left. Comparisons keep the vector element's value (or 1/0 with `bool`);
// nullopt when a comparison without `bool` filters the element out. With
// scalar_on_left = false it is also the vector-vector element rule.
std::optional<double> vector_scalar_binop(ArithOp op, double vector_value, double scalar, bool scalar_on_left,
                                          bool return_bool);

// ---------------------------------------------------------------------------
// Time

// timestamp()/time(): milliseconds to float seconds.
double timestamp_seconds(std::int64_t t_ms);

enum class DatePart : std::uint8_t { day_of_month, day_of_week, day_of_year, days_in_month, hour, minute, month, year };

// The date functions of a sample value in seconds, as 2.42's
// time.Unix(int64(v), 0).UTC(): the value is truncated towards zero; NaN, ±Inf
// and values outside int64 become math.MinInt64 (amd64 conversion), which Go's
// calendar arithmetic wraps around to a year near 292277026596. Day of week:
// 0 = Sunday.
double date_part(DatePart part, double unix_seconds);
// The same without argument: of the evaluation time (seconds = ms / 1000,
// truncated).
double date_part_at(DatePart part, std::int64_t eval_time_ms);

// ---------------------------------------------------------------------------
// Label functions

// label_replace(v, dst, replacement, src, regex): the regex is anchored as
// ^(?:regex)$ (RE2, Go's syntax); on a match of the src label's value (""
// when absent) dst is set to the expansion of `replacement` (Go's
// regexp.Expand: $1, ${1}, $name, ${name}, $$; "$1x" names the group "1x"),
// removed when the expansion is empty. No match: labels unchanged.
class LabelReplacer {
public:
    // Errors as 2.42: "invalid regular expression in label_replace(): <regex>"
    // (checked first), "invalid destination label name in label_replace(): <dst>".
    static Result<LabelReplacer> create(std::string_view dst, std::string_view replacement, std::string_view src,
                                        std::string_view regex);
    Labels apply(const Labels& labels) const;

    LabelReplacer(LabelReplacer&&) noexcept;
    LabelReplacer& operator=(LabelReplacer&&) noexcept;
    ~LabelReplacer();

private:
    LabelReplacer() = default;
    std::string m_dst;
    std::string m_replacement;
    std::string m_src;
    std::unique_ptr<re2::RE2> m_re;
};

// One-shot form of LabelReplacer.
Result<Labels> label_replace(const Labels& labels, std::string_view dst, std::string_view replacement,
                             std::string_view src, std::string_view regex);

// Go's regexp.Expand of `replacement` given the capture groups of one match
// (groups[0] the whole match, nullopt for a group that did not participate)
// and the group names (names[i] for group i, "" when unnamed). Exposed for
// tests.
std::string expand_template(std::string_view replacement, std::span<const std::optional<std::string_view>> groups,
                            std::span<const std::string> names);

// label_join(v, dst, separator, srcs...): dst = the src values (absent: "")
// joined by separator; removed when that is empty. Errors as 2.42: the first
// invalid source name ("invalid source label name in label_join(): <src>"),
// then an invalid dst ("invalid destination label name in label_join(): <dst>").
Status validate_label_join(std::string_view dst, std::span<const std::string> srcs);
Labels label_join_unchecked(const Labels& labels, std::string_view dst, std::string_view separator,
                            std::span<const std::string> srcs);
Result<Labels> label_join(const Labels& labels, std::string_view dst, std::string_view separator,
                          std::span<const std::string> srcs);

}  // namespace tocsin::promql::kernels
