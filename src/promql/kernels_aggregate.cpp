// Arithmetic of the aggregation operators and sort functions (Prometheus 2.42
// promql/engine.go and functions.go semantics).
#include <cmath>

#include "kernels.hpp"
#include "tocsin/core/go_format.hpp"

namespace tocsin::promql::kernels {

void AvgAggregator::add(double v) {
    ++m_count;
    if (std::isinf(m_mean)) {
        // Inf - Inf would spoil an already correct infinite mean.
        if (std::isinf(v) && (m_mean > 0) == (v > 0)) return;
        if (!std::isinf(v) && !std::isnan(v)) return;
    }
    // Dividing each term first keeps two huge values from overflowing.
    double n = static_cast<double>(m_count);
    m_mean += v / n - m_mean / n;
}

void VarianceAggregator::add(double v) {
    ++m_count;
    double d = v - m_mean;
    m_mean += d / static_cast<double>(m_count);
    m_m2 += d * (v - m_mean);
}

double VarianceAggregator::stdvar() const { return m_m2 / static_cast<double>(m_count); }
double VarianceAggregator::stddev() const { return std::sqrt(stdvar()); }

double max_step(double acc, double v) { return (acc < v || std::isnan(acc)) ? v : acc; }
double min_step(double acc, double v) { return (acc > v || std::isnan(acc)) ? v : acc; }

bool convertible_to_int64(double v) {
    // 2.42's bounds: the largest double below 2^63, and -2^63.
    return v <= 9223372036854774784.0 && v >= -9223372036854775808.0;
}

// Go's strconv.FormatFloat(v, 'f', -1, 64), as count_values writes values.
std::string format_count_value(double v) { return gofmt::format_float(v, 'f', -1); }

bool sort_ascending_less(double a, double b) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    return a < b;
}

bool sort_descending_less(double a, double b) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    return a > b;
}

}  // namespace tocsin::promql::kernels
