// PromQL kernels: parsing typical rule expressions, and evaluating instant
// queries over the deterministic data set of dataset.hpp (100k counters, 10k
// classic histograms of 12 buckets) at one evaluation time, as the rule
// engine does. The goals: `rate(x[5m]) > t` over 100k series in at most
// 1 µs per series, and histogram_quantile over 10k histograms well under
// Prometheus 2.42 (bench/compare/promql.sh measures both side by side).
// Results and commands: docs/benchmarks.md, "PromQL evaluation".
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "dataset.hpp"
#include "tocsin/promql/engine.hpp"
#include "tocsin/promql/parser.hpp"
#include "tocsin/series/series_store.hpp"

namespace {

using namespace tocsin;
using namespace tocsin::promql;

// Alerting and recording rules in the shapes people write (the Prometheus
// docs, kube-prometheus and node-mixin rules, SLO burn rates).
const std::vector<std::string> k_rule_exprs = {
    "up == 0",
    "rate(http_requests_total[5m]) > 10",
    "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05",
    "histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket{job=\"api\"}[5m]))) > 2",
    "(node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay\"} / node_filesystem_size_bytes * 100 < 10) and "
    "node_filesystem_readonly == 0",
    "predict_linear(node_filesystem_free_bytes{job=\"node\"}[6h], 4 * 3600) < 0",
    "100 - (avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m])) * 100) > 90",
    "increase(kube_pod_container_status_restarts_total[1h]) > 3",
    "absent(up{job=\"alertmanager\"} == 1)",
    "sum(rate(errors_total[1h])) / sum(rate(requests_total[1h])) > (14.4 * 0.001) and "
    "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > (14.4 * 0.001)",
    "max_over_time(probe_success{job=\"blackbox\"}[10m]) < 1 unless on (instance) maintenance_mode == 1",
    "count by (cluster) (changes(process_start_time_seconds[30m]) > 2) >= 3",
};

void BM_Parse(benchmark::State& state) {
    std::size_t bytes = 0;
    for (const auto& e : k_rule_exprs) {
        bytes += e.size();
        auto r = parse_expr(e);
        if (std::holds_alternative<ParseError>(r)) {
            state.SkipWithError(("parse error: " + std::get<ParseError>(r).to_string() + " in " + e).c_str());
            return;
        }
    }
    for (auto _ : state) {
        for (const auto& e : k_rule_exprs) {
            auto r = parse_expr(e);
            benchmark::DoNotOptimize(r);
        }
    }
    const auto n = static_cast<double>(state.iterations()) * static_cast<double>(k_rule_exprs.size());
    state.counters["ns_per_expr"] = benchmark::Counter(n * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["exprs"] = static_cast<double>(k_rule_exprs.size());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Parse);

// One store for every evaluation benchmark, filled on first use.
const series::SeriesStore& store() {
    static const std::unique_ptr<series::SeriesStore> s = [] {
        auto st = std::make_unique<series::SeriesStore>();
        // What a rule `rate(x[5m]) > t` with `for: 5m` needs: range + for +
        // lookback delta. Chunks are cut at a third of it.
        st->set_retention(std::chrono::minutes(15));
        bench::Dataset().fill(*st);
        return st;
    }();
    return *s;
}

void run_query(benchmark::State& state, const std::string& text, double series) {
    const auto& st = store();
    auto parsed = parse_expr(text);
    if (std::holds_alternative<ParseError>(parsed)) {
        state.SkipWithError(std::get<ParseError>(parsed).to_string().c_str());
        return;
    }
    const Expr& expr = *std::get<ExprPtr>(parsed);
    Engine engine(st);
    std::size_t out = 0;
    for (auto _ : state) {
        auto v = engine.instant(expr, bench::k_query_ms);
        if (!v) {
            state.SkipWithError(v.error().message.c_str());
            return;
        }
        out = v->type == ValueType::matrix ? v->matrix.size() : v->vector.size();
        benchmark::DoNotOptimize(v);
    }
    const auto iters = static_cast<double>(state.iterations());
    state.counters["us_per_series"] =
        benchmark::Counter(iters * series * 1e-6, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["series_in"] = series;
    state.counters["series_out"] = static_cast<double>(out);
}

void BM_RateGreater(benchmark::State& state) {
    const double t = state.range(0) == 0 ? bench::k_threshold_none
                     : state.range(0) == 1 ? bench::k_threshold_half
                                           : bench::k_threshold_all;
    run_query(state, bench::threshold_query(t), bench::k_counters);
}
// 0: none pass, 1: about half, 2: all.
BENCHMARK(BM_RateGreater)->ArgName("pass")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->MinTime(2);

void BM_HistogramQuantile(benchmark::State& state) {
    run_query(state, "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
              static_cast<double>(bench::k_histograms) * bench::k_buckets);
    state.counters["us_per_histogram"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * bench::k_histograms * 1e-6,
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_HistogramQuantile)->Unit(benchmark::kMillisecond)->MinTime(2);

void BM_SumByJobRate(benchmark::State& state) {
    run_query(state, "sum by (job) (rate(http_requests_total[5m]))", bench::k_counters);
}
BENCHMARK(BM_SumByJobRate)->Unit(benchmark::kMillisecond)->MinTime(2);

void BM_Selector(benchmark::State& state) { run_query(state, "http_requests_total", bench::k_counters); }
BENCHMARK(BM_Selector)->Unit(benchmark::kMillisecond)->MinTime(2);

void BM_SelectorOneJob(benchmark::State& state) {
    run_query(state, "rate(http_requests_total{job=\"checkout\", code=~\"5..\"}[5m]) > 1",
              bench::k_counters / bench::k_jobs / 5);
}
BENCHMARK(BM_SelectorOneJob)->Unit(benchmark::kMicrosecond);

}  // namespace
