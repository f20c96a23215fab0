// Range-vector functions (Prometheus 2.42 promql/functions.go semantics).
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "kernels.hpp"

namespace tocsin::promql::kernels {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// Go's time.Duration.Seconds() for a whole number of milliseconds: whole
// seconds plus the remainder, which can differ in the last bit from ms/1000.
double duration_seconds(std::int64_t ms) {
    std::int64_t sec = ms / 1000;
    std::int64_t rem_ns = (ms % 1000) * 1'000'000;
    return static_cast<double>(sec) + static_cast<double>(rem_ns) / 1e9;
}

// Go's %f: six decimals, with Go's spelling of the special values.
std::string go_percent_f(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[512];
    std::snprintf(buf, sizeof buf, "%f", v);
    return buf;
}

Error invalid(std::string message) { return Error::make(ErrorCategory::invalid_argument, std::move(message)); }

}  // namespace

double kahan_sum_inc(double inc, double sum, double& c) {
    double t = sum + inc;
    // Neumaier's variant: compensate with whichever operand lost bits.
    if (std::fabs(sum) >= std::fabs(inc)) {
        c += (sum - t) + inc;
    } else {
        c += (inc - t) + sum;
    }
    return t;
}

std::optional<double> extrapolated_rate(std::span<const Sample> samples, std::int64_t range_start_ms,
                                        std::int64_t range_end_ms, bool is_counter, bool is_rate) {
    if (samples.size() < 2) return std::nullopt;
    const Sample& first = samples.front();
    const Sample& last = samples.back();

    double result = last.v - first.v;
    if (is_counter) {
        // A drop is a reset to zero: the value before it was lost from the
        // difference and is added back.
        double prev = first.v;
        for (const Sample& s : samples.subspan(1)) {
            if (s.v < prev) result += prev;
            prev = s.v;
        }
    }

    double to_start = static_cast<double>(first.t - range_start_ms) / 1000;
    double to_end = static_cast<double>(range_end_ms - last.t) / 1000;
    double sampled = static_cast<double>(last.t - first.t) / 1000;
    double avg_interval = sampled / static_cast<double>(samples.size() - 1);

    if (is_counter && result > 0 && first.v >= 0) {
        // A counter does not go below zero: do not extrapolate further back
        // than where the observed slope reaches zero.
        double to_zero = sampled * (first.v / result);
        if (to_zero < to_start) to_start = to_zero;
    }

    // Extrapolate to a boundary only if it is about one interval away;
    // otherwise the series probably started or ended inside the range.
    double threshold = avg_interval * 1.1;
    double interval = sampled;
    interval += to_start < threshold ? to_start : avg_interval / 2;
    interval += to_end < threshold ? to_end : avg_interval / 2;

    double factor = interval / sampled;
    if (is_rate) factor /= duration_seconds(range_end_ms - range_start_ms);
    return result * factor;
}

std::optional<double> rate(std::span<const Sample> samples, std::int64_t range_start_ms, std::int64_t range_end_ms) {
    return extrapolated_rate(samples, range_start_ms, range_end_ms, true, true);
}

std::optional<double> increase(std::span<const Sample> samples, std::int64_t range_start_ms,
                               std::int64_t range_end_ms) {
    return extrapolated_rate(samples, range_start_ms, range_end_ms, true, false);
}

std::optional<double> delta(std::span<const Sample> samples, std::int64_t range_start_ms, std::int64_t range_end_ms) {
    return extrapolated_rate(samples, range_start_ms, range_end_ms, false, false);
}

namespace {

std::optional<double> instant_value(std::span<const Sample> samples, bool is_rate) {
    if (samples.size() < 2) return std::nullopt;
    const Sample& last = samples[samples.size() - 1];
    const Sample& prev = samples[samples.size() - 2];
    double result = (is_rate && last.v < prev.v) ? last.v : last.v - prev.v;
    std::int64_t interval_ms = last.t - prev.t;
    if (interval_ms == 0) return std::nullopt;
    if (is_rate) result /= static_cast<double>(interval_ms) / 1000;
    return result;
}

}  // namespace

std::optional<double> irate(std::span<const Sample> samples) { return instant_value(samples, true); }
std::optional<double> idelta(std::span<const Sample> samples) { return instant_value(samples, false); }

Regression linear_regression(std::span<const Sample> samples, std::int64_t intercept_time_ms) {
    double n = 0;
    double sum_x = 0, c_x = 0;
    double sum_y = 0, c_y = 0;
    double sum_xy = 0, c_xy = 0;
    double sum_x2 = 0, c_x2 = 0;
    const double init_y = samples.front().v;
    bool const_y = true;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const Sample& s = samples[i];
        // != is false for NaN: a series of NaNs is not "constant".
        if (const_y && i > 0 && s.v != init_y) const_y = false;
        n += 1.0;
        double x = static_cast<double>(s.t - intercept_time_ms) / 1e3;
        sum_x = kahan_sum_inc(x, sum_x, c_x);
        sum_y = kahan_sum_inc(s.v, sum_y, c_y);
        sum_xy = kahan_sum_inc(x * s.v, sum_xy, c_xy);
        sum_x2 = kahan_sum_inc(x * x, sum_x2, c_x2);
    }
    if (const_y) {
        // Exact answer for a flat line, free of rounding noise in the sums.
        if (std::isinf(init_y)) return {k_nan, k_nan};
        return {0, init_y};
    }
    sum_x += c_x;
    sum_y += c_y;
    sum_xy += c_xy;
    sum_x2 += c_x2;

    double cov_xy = sum_xy - sum_x * sum_y / n;
    double var_x = sum_x2 - sum_x * sum_x / n;
    double slope = cov_xy / var_x;
    double intercept = sum_y / n - slope * sum_x / n;
    return {slope, intercept};
}

std::optional<double> deriv(std::span<const Sample> samples) {
    if (samples.size() < 2) return std::nullopt;
    // x relative to the first sample keeps the sums small (precision).
    return linear_regression(samples, samples.front().t).slope;
}

std::optional<double> predict_linear(std::span<const Sample> samples, std::int64_t eval_time_ms, double duration_s) {
    if (samples.size() < 2) return std::nullopt;
    Regression r = linear_regression(samples, eval_time_ms);
    return r.slope * duration_s + r.intercept;
}

Result<std::optional<double>> holt_winters(std::span<const Sample> samples, double sf, double tf) {
    if (samples.empty()) return std::optional<double>{};
    // Written so that NaN factors pass, as in 2.42.
    if (sf <= 0 || sf >= 1) {
        return invalid("invalid smoothing factor. Expected: 0 < sf < 1, got: " + go_percent_f(sf));
    }
    if (tf <= 0 || tf >= 1) {
        return invalid("invalid trend factor. Expected: 0 < tf < 1, got: " + go_percent_f(tf));
    }
    if (samples.size() < 2) return std::optional<double>{};

    double s0 = 0;
    double s1 = samples[0].v;
    double b = samples[1].v - samples[0].v;
    for (std::size_t i = 1; i < samples.size(); ++i) {
        double x = sf * samples[i].v;
        // The trend of the first step is the initial difference itself.
        if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
        double y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    return std::optional<double>{s1};
}

std::optional<double> resets(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    int count = 0;
    double prev = samples.front().v;
    for (const Sample& s : samples.subspan(1)) {
        if (s.v < prev) ++count;
        prev = s.v;
    }
    return static_cast<double>(count);
}

std::optional<double> changes(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    int count = 0;
    double prev = samples.front().v;
    for (const Sample& s : samples.subspan(1)) {
        if (s.v != prev && !(std::isnan(s.v) && std::isnan(prev))) ++count;
        prev = s.v;
    }
    return static_cast<double>(count);
}

std::optional<double> avg_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    double mean = 0, c = 0, count = 0;
    for (const Sample& s : samples) {
        count += 1;
        if (std::isinf(mean)) {
            // Inf - Inf would turn a correct infinite mean into NaN: keep it
            // unless the new value is NaN or the opposite infinity.
            if (std::isinf(s.v) && (mean > 0) == (s.v > 0)) continue;
            if (!std::isinf(s.v) && !std::isnan(s.v)) continue;
        }
        // Divide before subtracting so that huge values do not overflow.
        mean = kahan_sum_inc(s.v / count - mean / count, mean, c);
    }
    if (std::isinf(mean)) return mean;
    return mean + c;
}

std::optional<double> sum_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    double sum = 0, c = 0;
    for (const Sample& s : samples) sum = kahan_sum_inc(s.v, sum, c);
    if (std::isinf(sum)) return sum;
    return sum + c;
}

std::optional<double> count_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    return static_cast<double>(samples.size());
}

std::optional<double> min_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    double min = samples.front().v;
    for (const Sample& s : samples) {
        if (s.v < min || std::isnan(min)) min = s.v;
    }
    return min;
}

std::optional<double> max_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    double max = samples.front().v;
    for (const Sample& s : samples) {
        if (s.v > max || std::isnan(max)) max = s.v;
    }
    return max;
}

std::optional<double> last_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    return samples.back().v;
}

std::optional<double> present_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    return 1.0;
}

namespace {

// Welford's update with compensated sums for both the mean and the squares.
double variance_over_time(std::span<const Sample> samples) {
    double count = 0;
    double mean = 0, c_mean = 0;
    double aux = 0, c_aux = 0;
    for (const Sample& s : samples) {
        count += 1;
        double d = s.v - (mean + c_mean);
        mean = kahan_sum_inc(d / count, mean, c_mean);
        aux = kahan_sum_inc(d * (s.v - (mean + c_mean)), aux, c_aux);
    }
    return (aux + c_aux) / count;
}

}  // namespace

std::optional<double> stddev_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    return std::sqrt(variance_over_time(samples));
}

std::optional<double> stdvar_over_time(std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    return variance_over_time(samples);
}

std::optional<double> quantile_over_time(double q, std::span<const Sample> samples) {
    if (samples.empty()) return std::nullopt;
    std::vector<double> values;
    values.reserve(samples.size());
    for (const Sample& s : samples) values.push_back(s.v);
    return quantile(q, values);
}

}  // namespace tocsin::promql::kernels
