// quantile() and histogram_quantile() over classic buckets (Prometheus 2.42
// promql/quantile.go semantics).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.hpp"

namespace tocsin::promql::kernels {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();

// NaN before every number (2.42 sorts "NaN is less"); a strict weak order.
bool nan_first_less(double a, double b) {
    if (std::isnan(b)) return false;
    if (std::isnan(a)) return true;
    return a < b;
}

}  // namespace

double quantile(double q, std::vector<double>& values) {
    if (values.empty() || std::isnan(q)) return k_nan;
    if (q < 0) return -k_inf;
    if (q > 1) return k_inf;
    std::sort(values.begin(), values.end(), nan_first_less);

    double n = static_cast<double>(values.size());
    double rank = q * (n - 1);
    double lower = std::max(0.0, std::floor(rank));
    double upper = std::min(n - 1, lower + 1);
    double weight = rank - std::floor(rank);
    return values[static_cast<std::size_t>(lower)] * (1 - weight) + values[static_cast<std::size_t>(upper)] * weight;
}

double bucket_quantile(double q, std::vector<Bucket> buckets) {
    if (std::isnan(q)) return k_nan;
    if (q < 0) return -k_inf;
    if (q > 1) return k_inf;
    if (buckets.empty()) return k_nan;
    std::stable_sort(buckets.begin(), buckets.end(),
                     [](const Bucket& a, const Bucket& b) { return nan_first_less(a.upper_bound, b.upper_bound); });
    if (!(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0)) return k_nan;

    // Equal bounds (le="0.2" and le="2e-1") are one bucket: add their counts.
    std::size_t out = 0;
    for (std::size_t i = 1; i < buckets.size(); ++i) {
        if (buckets[i].upper_bound == buckets[out].upper_bound) {
            buckets[out].count += buckets[i].count;
        } else {
            buckets[++out] = buckets[i];
        }
    }
    buckets.resize(out + 1);

    // Cumulative counts cannot fall; a lower one comes from a scrape race.
    double max = buckets.front().count;
    for (std::size_t i = 1; i < buckets.size(); ++i) {
        if (buckets[i].count > max) {
            max = buckets[i].count;
        } else if (buckets[i].count < max) {
            buckets[i].count = max;
        }
    }

    if (buckets.size() < 2) return k_nan;
    double observations = buckets.back().count;
    if (observations == 0) return k_nan;
    double rank = q * observations;

    // The first finite bucket whose cumulative count reaches the rank; the
    // +Inf bucket when none does.
    // Bisect exactly as Go's sort.Search, so NaN counts probe the same way.
    std::size_t finite = buckets.size() - 1;
    std::size_t b = 0;
    for (std::size_t hi = finite; b < hi;) {
        std::size_t mid = b + (hi - b) / 2;
        if (buckets[mid].count >= rank) {
            hi = mid;
        } else {
            b = mid + 1;
        }
    }

    // In the +Inf bucket nothing can be interpolated: the highest finite
    // bound is the best estimate.
    if (b == finite) return buckets[finite - 1].upper_bound;
    // A non-positive lowest bucket has no known lower bound.
    if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;

    double start = 0;
    double end = buckets[b].upper_bound;
    double count = buckets[b].count;
    if (b > 0) {
        start = buckets[b - 1].upper_bound;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    return start + (end - start) * (rank / count);
}

}  // namespace tocsin::promql::kernels
