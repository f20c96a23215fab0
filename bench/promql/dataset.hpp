// The deterministic data set of the PromQL benchmarks (bench/promql) and of
// the side-by-side comparison with Prometheus (bench/compare/promql.sh): the
// same series and samples go into tocsin's SeriesStore directly, or into an
// OpenMetrics file that promtool turns into a Prometheus TSDB block and
// tocsin_promql_compare loads back into a SeriesStore.
//
// - 100,000 counters http_requests_total{job, instance, handler, method, code}
//   (100 instances in 10 jobs, 25 handlers, 4 methods, 10 codes); each
//   grows at its own rate, uniform in [0, 10) requests/s, with integer
//   increments as a real counter has.
// - 10,000 classic histograms http_request_duration_seconds_bucket{job,
//   instance, handler, method, le} with 12 buckets each (120,000 series);
//   every histogram has its own latency scale, so quantiles differ.
// - One sample every 15 s per series, 34 samples (8 min 15 s: the 5-minute
//   window plus a margin) from k_start_ms; each instance scrapes at its own
//   whole-second phase, as targets spread over the interval do.
//
// Queries run at k_query_ms, when every series has a sample from the last
// 15 s.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tocsin/series/series_store.hpp"

namespace tocsin::bench {

inline constexpr std::int64_t k_interval_ms = 15'000;
inline constexpr int k_samples_per_series = 34;
// Inside one 2-hour block of promtool's (1,700,000,400 s is 1,200 s past a
// 2-hour boundary), so the comparison reads a single block.
inline constexpr std::int64_t k_start_ms = 1'700'000'400'000;
inline constexpr std::int64_t k_query_ms = k_start_ms + (k_samples_per_series - 1) * k_interval_ms + 14'000;

inline constexpr int k_instances = 100;
inline constexpr int k_jobs = 10;
inline constexpr int k_handlers = 25;
inline constexpr int k_methods = 4;
inline constexpr int k_codes = 10;
inline constexpr int k_counters = k_instances * k_handlers * k_methods * k_codes;  // 100,000
inline constexpr int k_histograms = k_instances * k_handlers * k_methods;           // 10,000
inline constexpr int k_buckets = 12;

// Thresholds for `rate(http_requests_total[5m]) > t`: rates are uniform in
// [0, 10), so about half the series pass 5, none pass 1e9, all pass -1.
inline constexpr double k_threshold_half = 5;
inline constexpr double k_threshold_none = 1e9;
inline constexpr double k_threshold_all = -1;

struct DatasetSeries {
    std::string name;
    std::vector<std::pair<std::string, std::string>> labels;  // without __name__, in page order
    int instance = 0;
};

class Dataset {
public:
    // counters/histograms: how many of each (the benchmark may take fewer).
    explicit Dataset(int counters = k_counters, int histograms = k_histograms) {
        static constexpr std::array<const char*, k_jobs> jobs = {
            "api-gateway", "auth", "billing", "catalog", "checkout", "inventory", "notifications", "orders",
            "search", "users"};
        static constexpr std::array<const char*, k_methods> methods = {"GET", "POST", "PUT", "DELETE"};
        static constexpr std::array<const char*, k_codes> codes = {"200", "201", "204", "301", "304",
                                                                   "400", "401", "404", "500", "503"};
        static constexpr std::array<const char*, k_buckets> les = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                                                   "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
        static constexpr std::array<double, k_buckets> bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                 0.5,   1,    2.5,   5,    10,  INFINITY};
        std::vector<std::string> instances;
        for (int i = 0; i < k_instances; ++i) {
            instances.push_back("10.20." + std::to_string(i / 16) + "." + std::to_string(10 + i % 16 * 8) + ":8080");
        }
        std::vector<std::string> handlers;
        static constexpr std::array<const char*, 5> resources = {"users", "orders", "items", "sessions", "reports"};
        static constexpr std::array<const char*, 5> actions = {"", "/{id}", "/search", "/{id}/history", "/export"};
        for (int h = 0; h < k_handlers; ++h) {
            handlers.push_back(std::string("/api/v1/") + resources[h % 5] + actions[h / 5]);
        }

        m_values.resize(static_cast<std::size_t>(counters + histograms * k_buckets) * k_samples_per_series);
        std::uint64_t rng = 0x243f6a8885a308d3ULL;
        auto next = [&rng] {  // splitmix64
            std::uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            return z ^ (z >> 31);
        };
        auto unit = [&next] { return static_cast<double>(next() >> 11) * 0x1.0p-53; };

        for (int c = 0; c < counters; ++c) {
            int k = c;
            const int code = k % k_codes;
            k /= k_codes;
            const int method = k % k_methods;
            k /= k_methods;
            const int handler = k % k_handlers;
            const int instance = k / k_handlers;
            m_series.push_back(DatasetSeries{"http_requests_total",
                                             {{"job", jobs[static_cast<std::size_t>(instance % k_jobs)]},
                                              {"instance", instances[static_cast<std::size_t>(instance)]},
                                              {"handler", handlers[static_cast<std::size_t>(handler)]},
                                              {"method", methods[static_cast<std::size_t>(method)]},
                                              {"code", codes[static_cast<std::size_t>(code)]}},
                                             instance});
            const double rate = 10 * unit();
            double v = std::floor(1e6 * unit());
            double* out = value_row(c);
            for (int s = 0; s < k_samples_per_series; ++s) {
                if (s > 0) v += std::floor(rate * 15 * (0.8 + 0.4 * unit()));
                out[s] = v;
            }
        }
        for (int hi = 0; hi < histograms; ++hi) {
            int k = hi;
            const int method = k % k_methods;
            k /= k_methods;
            const int handler = k % k_handlers;
            const int instance = k / k_handlers;
            const double rate = 10 * unit();
            const double median = 0.01 * std::exp(4 * unit());  // 10 ms .. 0.5 s
            // Share of requests at or below each bound: a log-logistic latency.
            std::array<double, k_buckets> share{};
            for (int b = 0; b < k_buckets; ++b) {
                share[b] = std::isinf(bounds[b]) ? 1.0 : 1.0 / (1.0 + std::pow(median / bounds[b], 2.5));
            }
            const std::size_t first = m_series.size();
            for (int b = 0; b < k_buckets; ++b) {
                m_series.push_back(DatasetSeries{"http_request_duration_seconds_bucket",
                                                 {{"job", jobs[static_cast<std::size_t>(instance % k_jobs)]},
                                                  {"instance", instances[static_cast<std::size_t>(instance)]},
                                                  {"handler", handlers[static_cast<std::size_t>(handler)]},
                                                  {"method", methods[static_cast<std::size_t>(method)]},
                                                  {"le", les[static_cast<std::size_t>(b)]}},
                                                 instance});
            }
            // Bucket b counts the observations so far at or below its bound.
            double observed = std::floor(1e5 * unit());
            for (int s = 0; s < k_samples_per_series; ++s) {
                if (s > 0) observed += std::floor(rate * 15 * (0.8 + 0.4 * unit()));
                for (int b = 0; b < k_buckets; ++b) {
                    value_row(static_cast<int>(first) + b)[s] = std::floor(observed * share[b]);
                }
            }
        }
        for (int i = 0; i < k_instances; ++i) m_phase_ms.push_back(static_cast<std::int64_t>(next() % 15) * 1000);
    }

    const std::vector<DatasetSeries>& series() const { return m_series; }
    std::int64_t timestamp(std::size_t series, int sample) const {
        return k_start_ms + m_phase_ms[static_cast<std::size_t>(m_series[series].instance)] + sample * k_interval_ms;
    }
    double value(std::size_t series, int sample) const {
        return m_values[series * k_samples_per_series + static_cast<std::size_t>(sample)];
    }
    std::size_t sample_count() const { return m_series.size() * k_samples_per_series; }

    // Scrape by scrape, as the daemon fills it, so that chunks of different
    // series interleave in memory as they would.
    void fill(series::SeriesStore& store) const {
        std::vector<series::SeriesRef> refs(m_series.size());
        std::vector<series::LabelView> views;
        for (std::size_t i = 0; i < m_series.size(); ++i) {
            views.clear();
            for (const auto& [n, v] : m_series[i].labels) views.push_back(series::LabelView{n, v});
            refs[i] = store.get_or_create(m_series[i].name, views);
        }
        for (int s = 0; s < k_samples_per_series; ++s) {
            for (std::size_t i = 0; i < m_series.size(); ++i) store.append(refs[i], timestamp(i, s), value(i, s));
        }
    }

    // The same data as OpenMetrics text, series by series (promtool wants
    // each series in time order; families stay contiguous), with "# EOF".
    // Timestamps are whole seconds, so both parsers read them exactly.
    bool write_openmetrics(std::FILE* out) const {
        std::string buf;
        buf.reserve(1 << 20);
        char num[32];
        for (std::size_t i = 0; i < m_series.size(); ++i) {
            std::string head = m_series[i].name;
            head += '{';
            bool first = true;
            for (const auto& [n, v] : m_series[i].labels) {
                if (!first) head += ',';
                first = false;
                head += n;
                head += "=\"";
                head += v;
                head += '"';
            }
            head += "} ";
            for (int s = 0; s < k_samples_per_series; ++s) {
                buf += head;
                buf.append(num, static_cast<std::size_t>(std::to_chars(num, num + sizeof num, value(i, s)).ptr - num));
                buf += ' ';
                buf.append(num, static_cast<std::size_t>(std::to_chars(num, num + sizeof num, timestamp(i, s) / 1000).ptr - num));
                buf += '\n';
            }
            if (buf.size() > (1 << 20) - 4096) {
                if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) return false;
                buf.clear();
            }
        }
        buf += "# EOF\n";
        return std::fwrite(buf.data(), 1, buf.size(), out) == buf.size();
    }

private:
    double* value_row(int series) { return m_values.data() + static_cast<std::size_t>(series) * k_samples_per_series; }

    std::vector<DatasetSeries> m_series;
    std::vector<double> m_values;
    std::vector<std::int64_t> m_phase_ms;
};

// The queries of the benchmark and the comparison, by name.
struct NamedQuery {
    const char* name;
    std::string expr;
    std::size_t series;  // input series, for µs per series
};

inline std::string threshold_query(double t) {
    char num[32];
    const auto end = std::to_chars(num, num + sizeof num, t).ptr;
    return "rate(http_requests_total[5m]) > " + std::string(num, end);
}

inline std::vector<NamedQuery> comparison_queries() {
    return {
        {"rate_gt_half", threshold_query(k_threshold_half), k_counters},
        {"histogram_quantile", "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
         static_cast<std::size_t>(k_histograms) * k_buckets},
        {"sum_by_job_rate", "sum by (job) (rate(http_requests_total[5m]))", k_counters},
        {"selector", "http_requests_total", k_counters},
    };
}

}  // namespace tocsin::bench
