// Scraper::ingest on the end-to-end comparison's 100k-sample page
// (bench/compare/gen_page.py, three variants whose values move), without the
// network: what one scrape costs tocsin from the received body to samples in
// the store (parse, series lookup, limits, staging, appends, staleness).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tocsin/net/http_client.hpp"
#include "tocsin/scrape/scraper.hpp"
#include "tocsin/series/series_store.hpp"

namespace {

using namespace tocsin;

const std::vector<std::string>& pages() {
    static const std::vector<std::string> loaded = [] {
        std::filesystem::path dir = std::filesystem::temp_directory_path() / "tocsin-scraper-bench-pages";
        std::filesystem::create_directories(dir);
        std::string command = std::string("python3 ") + TOCSIN_SOURCE_DIR + "/bench/compare/gen_page.py " +
                              dir.string() + " --variants 3 >/dev/null";
        if (std::system(command.c_str()) != 0) std::abort();
        std::vector<std::string> out;
        for (int i = 0; i < 3; ++i) {
            std::ifstream in(dir / ("page." + std::to_string(i) + ".txt"), std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            out.push_back(ss.str());
        }
        std::filesystem::remove_all(dir);
        return out;
    }();
    return loaded;
}

// The three page variants as the HTTP client hands them to the scraper.
std::vector<net::HttpClientResult> fetched_pages() {
    std::vector<net::HttpClientResult> fetched(3);
    for (std::size_t i = 0; i < 3; ++i) {
        fetched[i].status = 200;
        fetched[i].content_type = "text/plain; version=0.0.4; charset=utf-8";
        fetched[i].body = pages()[i];
    }
    return fetched;
}

// A scraper for the page's job and instance.
auto bench_scraper() {
    config::ScrapeConfig config;
    config.job = "bench";
    config.url = "http://127.0.0.1:9/metrics";
    config.instance = "127.0.0.1:9";
    return scrape::Scraper::create(config);
}

void BM_ScrapeIngest100k(benchmark::State& state) {
    const std::vector<net::HttpClientResult> fetched = fetched_pages();
    auto scraper = bench_scraper();
    series::SeriesStore store;
    store.set_retention(std::chrono::hours(1));
    std::int64_t t = 1'700'000'000'000;
    std::size_t n = 0;
    std::size_t samples = 0;
    // Warm-up: the first scrape creates the series.
    (*scraper)->ingest(store, fetched[n++ % 3], t);
    for (auto _ : state) {
        t += 10'000;
        auto report = (*scraper)->ingest(store, fetched[n++ % 3], t);
        samples += report.samples_appended;
        if (!report.up) state.SkipWithError(report.error.c_str());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(samples));  // items: appended samples
    state.counters["samples"] = static_cast<double>(samples) / static_cast<double>(state.iterations());
}

}  // namespace

BENCHMARK(BM_ScrapeIngest100k)->Unit(benchmark::kMillisecond)->MinTime(3);

namespace {

// The periodic series snapshot of what one 100k page leaves in the store
// after an hour of 10 s scrapes, to a file in the temp directory.
void BM_SnapshotAfterScrapes100k(benchmark::State& state) {
    const std::vector<net::HttpClientResult> fetched = fetched_pages();
    auto scraper = bench_scraper();
    series::SeriesStore store;
    store.set_retention(std::chrono::milliseconds(state.range(0) * 1000));
    std::int64_t t = 1'700'000'000'000;
    for (int i = 0; i < state.range(0) / 10; ++i) (*scraper)->ingest(store, fetched[i % 3], t += 10'000);
    const std::string path = (std::filesystem::temp_directory_path() / "tocsin-bench-snapshot").string();
    for (auto _ : state) {
        if (!store.write_snapshot(path).ok()) state.SkipWithError("write failed");
    }
    state.counters["bytes"] = static_cast<double>(std::filesystem::file_size(path));
    std::filesystem::remove(path);
}

}  // namespace

BENCHMARK(BM_SnapshotAfterScrapes100k)->Arg(300)->Unit(benchmark::kMillisecond);

namespace {

// The daemon's periodic snapshot in steady state: a store holding what one
// 100k page leaves after its retention (5 minutes, the default without
// rules) of 10 s scrapes, then, per iteration, one minute of scrapes (6 new
// samples per series, not timed) followed by what save_series_snapshot
// does every `snapshot_interval` (timed): gc, then the save. Modes:
//   0  full: write_snapshot, the whole file every time (before November 2026)
//   1  periodic: save_snapshot, appending deltas and compacting the file
//      when they outgrow the base (the daemon since), compactions included
//   2  gc alone, for the split
void BM_PeriodicSnapshot100k(benchmark::State& state) {
    const std::vector<net::HttpClientResult> fetched = fetched_pages();
    auto scraper = bench_scraper();
    series::SeriesStore store;
    store.set_retention(std::chrono::minutes(5));
    std::int64_t t = 1'700'000'000'000;
    std::size_t n = 0;
    for (int i = 0; i < 30; ++i) (*scraper)->ingest(store, fetched[n++ % 3], t += 10'000);
    const std::string path = (std::filesystem::temp_directory_path() / "tocsin-bench-periodic-snapshot").string();
    store.gc(t);
    if (!store.write_snapshot(path).ok()) state.SkipWithError("write failed");
    const int mode = static_cast<int>(state.range(0));
    std::size_t full = 0;
    std::size_t bytes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        for (int i = 0; i < 6; ++i) (*scraper)->ingest(store, fetched[n++ % 3], t += 10'000);
        state.ResumeTiming();
        store.gc(t);
        if (mode == 0) {
            if (!store.write_snapshot(path).ok()) state.SkipWithError("write failed");
            ++full;
        } else if (mode == 1) {
            auto saved = store.save_snapshot(path);
            if (!saved.ok()) state.SkipWithError("write failed");
            full += saved->full ? 1 : 0;
            bytes += saved->bytes;
        }
    }
    const auto iterations = static_cast<double>(state.iterations());
    state.counters["file_bytes"] = static_cast<double>(std::filesystem::file_size(path));
    if (mode == 1) state.counters["full_saves"] = static_cast<double>(full) / iterations;
    if (mode == 1) state.counters["bytes_per_save"] = static_cast<double>(bytes) / iterations;
    state.counters["ns_per_ingested_sample"] = benchmark::Counter(
        600'000.0, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    std::filesystem::remove(path);
}

}  // namespace

BENCHMARK(BM_PeriodicSnapshot100k)
    ->ArgName("mode")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(65);

namespace {

// Loading what the periodic saves leave: the base alone (after a graceful
// stop), or the base with the most deltas it carries before a compaction
// (after a kill -9 at the worst moment).
void BM_SnapshotLoad100k(benchmark::State& state) {
    const std::vector<net::HttpClientResult> fetched = fetched_pages();
    auto scraper = bench_scraper();
    series::SeriesStore store;
    store.set_retention(std::chrono::minutes(5));
    std::int64_t t = 1'700'000'000'000;
    std::size_t n = 0;
    for (int i = 0; i < 30; ++i) (*scraper)->ingest(store, fetched[n++ % 3], t += 10'000);
    const std::string path = (std::filesystem::temp_directory_path() / "tocsin-bench-load-snapshot").string();
    const std::string longest = path + ".longest";
    store.gc(t);
    if (!store.write_snapshot(path).ok()) state.SkipWithError("write failed");
    std::uintmax_t deltas = 0;
    if (state.range(0) == 1) {
        // Save until the next save would compact; keep a copy of the longest file.
        for (std::uintmax_t saves = 0;; ++saves) {
            std::filesystem::copy_file(path, longest, std::filesystem::copy_options::overwrite_existing);
            for (int i = 0; i < 6; ++i) (*scraper)->ingest(store, fetched[n++ % 3], t += 10'000);
            store.gc(t);
            auto saved = store.save_snapshot(path);
            if (!saved.ok()) state.SkipWithError("write failed");
            if (saved->full) break;
            deltas = saves + 1;
        }
        std::filesystem::rename(longest, path);
    }
    std::size_t series = 0;
    for (auto _ : state) {
        series::SeriesStore loaded;
        loaded.set_retention(std::chrono::minutes(5));
        auto report = loaded.load_snapshot(path, t);
        if (!report.ok()) state.SkipWithError(report.error().message.c_str());
        series = report->series;
    }
    state.counters["file_bytes"] = static_cast<double>(std::filesystem::file_size(path));
    state.counters["deltas"] = static_cast<double>(deltas);
    state.counters["series"] = static_cast<double>(series);
    std::filesystem::remove(path);
}

}  // namespace

BENCHMARK(BM_SnapshotLoad100k)->ArgName("with_deltas")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
