// Arithmetic of the aggregation operators and sort functions (Prometheus 2.42
// promql/engine.go and functions.go semantics).
#include <charconv>
#include <cmath>
#include <string_view>

#include "kernels.hpp"

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

std::string format_count_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    // Go's 'f', -1: the shortest round-trip digits, written out positionally
    // and padded with zeros (1e23 gives 1 and 23 zeros, not the exact value).
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    std::size_t e = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e)) {
        if (c != '.') digits += c;
    }
    int exp = 0;
    std::string_view exp_text = sci.substr(e + 1);
    if (exp_text.front() == '+') exp_text.remove_prefix(1);
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
    // The decimal point goes after digit number exp + 1.
    int point = exp + 1;
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        out += digits;
        out.append(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
        out += digits.substr(0, static_cast<std::size_t>(point));
        out += '.';
        out += digits.substr(static_cast<std::size_t>(point));
    }
    return out;
}

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
