// Series store kernels: append throughput on the scraper's path, select
// latency over 100k series, and memory for 1M series holding one hour of
// 15 s samples (the goal: under 600 bytes per series of overhead; Prometheus
// 2.42 needs about 3 KB). Results and commands: docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "tocsin/series/series_store.hpp"

namespace {

using namespace tocsin::series;

constexpr std::int64_t k_start = 1'700'000'000'000;
constexpr std::int64_t k_interval = 15'000;
constexpr int k_handlers = 20;
constexpr int k_methods = 3;
constexpr int k_codes = 5;
constexpr int k_metrics = 4;
constexpr int k_per_instance = k_handlers * k_methods * k_codes * k_metrics;  // 1200

const char* const k_metric_names[k_metrics] = {"http_requests_total", "http_request_duration_seconds_sum",
                                               "http_request_duration_seconds_count", "http_requests_in_flight"};
const char* const k_method_names[k_methods] = {"GET", "POST", "PUT"};
const char* const k_code_names[k_codes] = {"200", "404", "500", "503", "302"};

// xorshift64*: cheap enough not to dominate an append.
struct Rng {
    std::uint64_t s = 0x9e3779b97f4a7c15ULL;
    std::uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545f4914f6cdd1dULL;
    }
};

// Realistic label sets: 7 labels (name, job, instance, method, code,
// handler, env) of an HTTP service fleet, 1200 series per instance.
struct Fleet {
    explicit Fleet(std::size_t series) {
        const std::size_t instances = (series + k_per_instance - 1) / k_per_instance;
        for (std::size_t i = 0; i < instances; ++i) {
            instance_names.push_back("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
                                     std::to_string(i % 256) + ":9100");
            job_names.push_back("job-" + std::to_string(i % 10));
        }
        for (int h = 0; h < k_handlers; ++h) handler_names.push_back("/api/v1/resource" + std::to_string(h));
        labels.reserve(series);
        for (std::size_t s = 0; s < series; ++s) {
            std::size_t k = s;
            const int metric = static_cast<int>(k % k_metrics);
            k /= k_metrics;
            const int code = static_cast<int>(k % k_codes);
            k /= k_codes;
            const int method = static_cast<int>(k % k_methods);
            k /= k_methods;
            const int handler = static_cast<int>(k % k_handlers);
            k /= k_handlers;
            const std::size_t instance = k;
            labels.push_back({{"__name__", k_metric_names[metric]},
                              {"job", job_names[instance]},
                              {"instance", instance_names[instance]},
                              {"method", k_method_names[method]},
                              {"code", k_code_names[code]},
                              {"handler", handler_names[static_cast<std::size_t>(handler)]},
                              {"env", instance % 10 < 7 ? "prod" : "staging"}});
            kinds.push_back(metric);
            instance_of.push_back(static_cast<std::uint32_t>(instance));
        }
    }
    std::vector<std::string> instance_names;
    std::vector<std::string> job_names;
    std::vector<std::string> handler_names;
    std::vector<std::vector<LabelView>> labels;
    std::vector<int> kinds;  // index into k_metric_names
    std::vector<std::uint32_t> instance_of;
};

// The next value of a series: counters grow by small integers, the _sum
// counter by arbitrary fractions (hard to compress), the gauge rarely moves.
double next_value(int kind, double v, Rng& rng) {
    switch (kind) {
    case 0:
    case 2: return v + static_cast<double>(rng.next() % 20);
    case 1: return v + static_cast<double>(rng.next() % 5000) * 0.000731;
    default: return rng.next() % 10 == 0 ? static_cast<double>(rng.next() % 6) : v;
    }
}

std::size_t rss_bytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
}

// One scrape of `n` series per iteration through the view API (hash, find,
// append), as the scraper does it. gc every hour of virtual time keeps the
// store at steady state.
void BM_AppendViaViews(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const Fleet fleet(n);
    SeriesStore store;
    store.set_retention(std::chrono::hours(1));
    std::vector<double> values(n, 0.0);
    Rng rng;
    std::int64_t t = k_start;
    std::int64_t scrapes = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            values[i] = next_value(fleet.kinds[i], values[i], rng);
            const SeriesRef ref = store.get_or_create({}, fleet.labels[i]);
            benchmark::DoNotOptimize(store.append(ref, t, values[i]));
        }
        t += k_interval;
        if (++scrapes % 240 == 0) store.gc(t);
    }
    state.counters["per_sample"] = benchmark::Counter(static_cast<double>(n),
                                                         benchmark::Counter::kIsIterationInvariantRate |
                                                             benchmark::Counter::kInvert);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_AppendViaViews)->Arg(10'000)->Unit(benchmark::kMillisecond);

// The same with refs cached by the caller: the encoding cost alone.
void BM_AppendViaRef(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const Fleet fleet(n);
    SeriesStore store;
    store.set_retention(std::chrono::hours(1));
    std::vector<SeriesRef> refs;
    for (const auto& l : fleet.labels) refs.push_back(store.get_or_create({}, l));
    std::vector<double> values(n, 0.0);
    Rng rng;
    std::int64_t t = k_start;
    std::int64_t scrapes = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            values[i] = next_value(fleet.kinds[i], values[i], rng);
            benchmark::DoNotOptimize(store.append(refs[i], t, values[i]));
        }
        t += k_interval;
        if (++scrapes % 240 == 0) store.gc(t);
    }
    state.counters["per_sample"] = benchmark::Counter(static_cast<double>(n),
                                                         benchmark::Counter::kIsIterationInvariantRate |
                                                             benchmark::Counter::kInvert);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_AppendViaRef)->Arg(10'000)->Unit(benchmark::kMillisecond);

// --- select over 100k series ---

const SeriesStore& select_store() {
    static const SeriesStore* store = [] {
        auto* s = new SeriesStore;
        const Fleet fleet(100'000);
        for (const auto& l : fleet.labels) s->append(s->get_or_create({}, l), k_start, 1.0);
        return s;
    }();
    return *store;
}

Matcher m(Matcher::Type type, const char* name, const char* value) { return Matcher::make(type, name, value).value(); }

std::vector<std::vector<Matcher>> select_cases() {
    return {
        // 0: job="job-3" of one metric (about 2.5k series)
        {m(Matcher::equal, "__name__", "http_requests_total"), m(Matcher::equal, "job", "job-3")},
        // 1: one instance's 5xx of one handler (6 series)
        {m(Matcher::equal, "__name__", "http_requests_total"), m(Matcher::equal, "instance", "10.0.0.42:9100"),
         m(Matcher::equal, "handler", "/api/v1/resource7"), m(Matcher::regex, "code", "5..")},
        // 2: regex over a 20-value label
        {m(Matcher::equal, "__name__", "http_requests_total"), m(Matcher::regex, "handler", "/api/v1/resource1.*")},
        // 3: literal set, no metric name (the whole store is scanned for code)
        {m(Matcher::regex, "code", "500|503")},
        // 4: regex over the high-cardinality instance label
        {m(Matcher::equal, "__name__", "http_requests_total"), m(Matcher::regex, "instance", "10\\.0\\.0\\.1.*")},
        // 5: negative matchers only filter
        {m(Matcher::equal, "__name__", "http_requests_total"), m(Matcher::not_equal, "method", "GET"),
         m(Matcher::not_regex, "env", "staging|canary")},
        // 6: a single metric name (25k series)
        {m(Matcher::equal, "__name__", "http_request_duration_seconds_sum")},
    };
}

void BM_Select(benchmark::State& state) {
    const SeriesStore& store = select_store();
    const auto cases = select_cases();
    const auto& matchers = cases[static_cast<std::size_t>(state.range(0))];
    const auto order = state.range(1) == 0 ? SelectOrder::by_labels : SelectOrder::unordered;
    std::size_t found = 0;
    for (auto _ : state) {
        auto refs = store.select(matchers, order);
        found = refs.size();
        benchmark::DoNotOptimize(refs.data());
    }
    state.counters["series"] = static_cast<double>(found);
    std::string label;
    for (const auto& matcher : matchers) {
        if (!label.empty()) label += ',';
        label += matcher.to_string();
    }
    state.SetLabel("{" + label + "}");
}
BENCHMARK(BM_Select)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6}, {0}})
    ->Args({6, 1})
    ->Args({3, 1})
    ->Unit(benchmark::kMicrosecond);

// --- memory: N series x one hour of 15 s samples (240 each) ---
//
// Run each configuration in its own process (--benchmark_filter): freed
// heap from an earlier run would make a later RSS delta look smaller.
void BM_Memory(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const bool jitter = state.range(1) != 0;
    constexpr int k_samples = 240;
    for (auto _ : state) {
        const Fleet fleet(n);
        std::vector<SeriesRef> refs(n);
        std::vector<double> values(n, 0.0);
        std::vector<std::int64_t> phase(fleet.instance_names.size());
        Rng rng;
        for (auto& p : phase) p = static_cast<std::int64_t>(rng.next() % k_interval);
        malloc_trim(0);
        const std::size_t rss_before = rss_bytes();
        const auto started = std::chrono::steady_clock::now();

        SeriesStore store;
        store.set_retention(std::chrono::hours(1));
        for (std::size_t i = 0; i < n; ++i) refs[i] = store.get_or_create({}, fleet.labels[i]);
        // Scrape by scrape, as the daemon fills it: all series interleave.
        for (int k = 0; k < k_samples; ++k) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint32_t instance = fleet.instance_of[i];
                std::int64_t t = k_start + phase[instance] + k * k_interval;
                // Scrape timestamps wobble by a few ms (same for one scrape).
                if (jitter) t += static_cast<std::int64_t>((instance * 7919u + static_cast<unsigned>(k) * 104729u) % 5);
                values[i] = next_value(fleet.kinds[i], values[i], rng);
                store.append(refs[i], t, values[i]);
            }
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const std::size_t rss_after = rss_bytes();
        const StoreStats st = store.stats();
        const double series = static_cast<double>(st.series);
        const double samples = static_cast<double>(st.samples);
        const double rss = static_cast<double>(rss_after - rss_before);
        state.counters["series"] = series;
        state.counters["samples"] = samples;
        state.counters["chunks_per_series"] = static_cast<double>(st.chunks) / series;
        state.counters["B_per_sample_payload"] = static_cast<double>(st.sample_bytes) / samples;
        state.counters["B_per_series_overhead"] = static_cast<double>(st.memory_bytes - st.sample_bytes) / series;
        state.counters["B_per_series_total"] = static_cast<double>(st.memory_bytes) / series;
        state.counters["B_index_per_series"] = static_cast<double>(st.index_bytes) / series;
        state.counters["B_chunks_per_series"] = static_cast<double>(st.chunk_bytes) / series;
        state.counters["B_series_per_series"] = static_cast<double>(st.series_bytes) / series;
        state.counters["B_symbols_per_series"] = static_cast<double>(st.symbol_bytes) / series;
        state.counters["rss_B_per_series"] = rss / series;
        state.counters["rss_B_per_sample"] = rss / samples;
        state.counters["rss_B_per_series_overhead"] = (rss - static_cast<double>(st.sample_bytes)) / series;
        state.counters["fill_ns_per_sample"] = seconds * 1e9 / samples;
        benchmark::DoNotOptimize(store);
    }
}
BENCHMARK(BM_Memory)
    ->ArgNames({"series", "jitter"})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 1})
    ->Args({100'000, 1})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

// The peer for the ratio: what a straightforward store would do, a map from
// the series' label text to a vector of raw 16-byte samples. Same fleet, same
// samples, RSS measured the same way.
void BM_MemoryNaivePeer(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    constexpr int k_samples = 240;
    for (auto _ : state) {
        const Fleet fleet(n);
        std::vector<std::string> keys;
        keys.reserve(n);
        for (const auto& labels : fleet.labels) {
            std::string key;
            for (const auto& l : labels) {
                key += l.name;
                key += '=';
                key += l.value;
                key += ',';
            }
            keys.push_back(std::move(key));
        }
        std::vector<double> values(n, 0.0);
        Rng rng;
        malloc_trim(0);
        const std::size_t rss_before = rss_bytes();
        std::unordered_map<std::string, std::vector<Sample>> store;
        std::vector<std::vector<Sample>*> refs(n);
        for (std::size_t i = 0; i < n; ++i) refs[i] = &store[keys[i]];
        for (int k = 0; k < k_samples; ++k) {
            for (std::size_t i = 0; i < n; ++i) {
                values[i] = next_value(fleet.kinds[i], values[i], rng);
                refs[i]->push_back(Sample{k_start + k * k_interval, values[i]});
            }
        }
        const double rss = static_cast<double>(rss_bytes() - rss_before);
        state.counters["rss_B_per_series"] = rss / static_cast<double>(n);
        state.counters["rss_B_per_sample"] = rss / static_cast<double>(n * k_samples);
        benchmark::DoNotOptimize(store);
    }
}
BENCHMARK(BM_MemoryNaivePeer)->Arg(100'000)->Iterations(1)->Unit(benchmark::kSecond);

// Snapshot of 100k series x 240 samples: size and load time.
void BM_SnapshotLoad(benchmark::State& state) {
    const std::size_t n = 100'000;
    const Fleet fleet(n);
    SeriesStore store;
    store.set_retention(std::chrono::hours(1));
    std::vector<SeriesRef> refs;
    for (const auto& l : fleet.labels) refs.push_back(store.get_or_create({}, l));
    std::vector<double> values(n, 0.0);
    Rng rng;
    std::int64_t t = k_start;
    for (int k = 0; k < 240; ++k, t += k_interval) {
        for (std::size_t i = 0; i < n; ++i) {
            values[i] = next_value(fleet.kinds[i], values[i], rng);
            store.append(refs[i], t, values[i]);
        }
    }
    const std::string bytes = store.snapshot_bytes();
    for (auto _ : state) {
        SeriesStore loaded;
        loaded.set_retention(std::chrono::hours(1));
        auto report = loaded.load_snapshot_bytes(bytes, t);
        if (!report.ok() || report->series != n) state.SkipWithError("load failed");
    }
    state.counters["file_B_per_series"] = static_cast<double>(bytes.size()) / static_cast<double>(n);
    state.counters["load_per_sample"] = benchmark::Counter(static_cast<double>(n) * 240,
                                                              benchmark::Counter::kIsIterationInvariantRate |
                                                                  benchmark::Counter::kInvert);
}
BENCHMARK(BM_SnapshotLoad)->Unit(benchmark::kMillisecond);

}  // namespace
