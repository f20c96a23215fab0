// tocsin's side of bench/compare/promql.sh (PromQL evaluation next to
// Prometheus 2.42 on the same data):
//
//   tocsin_promql_compare generate FILE     the data set of dataset.hpp as OpenMetrics text
//   tocsin_promql_compare queries           one JSON line per query: name, expr, time (s), series
//   tocsin_promql_compare run FILE [--repeat N] [--warmup N]
//       loads FILE with tocsin's OpenMetrics parser into a SeriesStore, then
//       evaluates each query N times at the data set's query time and prints
//       one JSON line per query with the median (and min, max) of
//       Engine::instant, which includes selecting and decoding series.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "dataset.hpp"
#include "tocsin/promql/engine.hpp"
#include "tocsin/promql/parser.hpp"
#include "tocsin/scrape/exposition_parser.hpp"
#include "tocsin/series/series_store.hpp"

namespace {

using namespace tocsin;

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int usage() {
    std::fprintf(stderr,
                 "usage: tocsin_promql_compare generate FILE\n"
                 "       tocsin_promql_compare queries\n"
                 "       tocsin_promql_compare run FILE [--repeat N] [--warmup N]\n");
    return 64;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

// Appends every sample of the file, with the file's timestamps.
class StoreSink : public scrape::SampleSink {
public:
    explicit StoreSink(series::SeriesStore& store) : m_store(store) {}

    void on_sample(const scrape::SampleView& s) override {
        if (s.series_text != m_last_text) {
            m_views.clear();
            for (const auto& l : s.labels) m_views.push_back(series::LabelView{l.name, l.value});
            m_ref = m_store.get_or_create(s.metric_name, m_views);
            m_last_text.assign(s.series_text);
        }
        if (!s.timestamp_ms) {
            ++m_rejected;
            return;
        }
        if (series::is_accepted(m_store.append(m_ref, *s.timestamp_ms, s.value))) {
            ++m_samples;
        } else {
            ++m_rejected;
        }
    }

    std::size_t samples() const { return m_samples; }
    std::size_t rejected() const { return m_rejected; }

private:
    series::SeriesStore& m_store;
    std::vector<series::LabelView> m_views;
    std::string m_last_text;
    series::SeriesRef m_ref;
    std::size_t m_samples = 0;
    std::size_t m_rejected = 0;
};

int generate(const char* path) {
    std::FILE* f = std::fopen(path, "wb");
    if (f == nullptr) {
        std::perror(path);
        return 1;
    }
    const bench::Dataset data;
    const bool ok = data.write_openmetrics(f);
    if (std::fclose(f) != 0 || !ok) {
        std::perror(path);
        return 1;
    }
    std::fprintf(stderr, "wrote %zu series, %zu samples to %s\n", data.series().size(), data.sample_count(), path);
    return 0;
}

int queries() {
    for (const auto& q : bench::comparison_queries()) {
        std::printf("{\"name\": %s, \"expr\": %s, \"time\": %.3f, \"series\": %zu}\n", json_string(q.name).c_str(),
                    json_string(q.expr).c_str(), static_cast<double>(bench::k_query_ms) / 1000.0, q.series);
    }
    return 0;
}

int run(const char* path, int repeat, int warmup) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::perror(path);
        return 1;
    }
    std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    series::SeriesStore store;
    store.set_retention(std::chrono::minutes(15));  // as bench/promql: range + for + lookback
    StoreSink sink(store);
    scrape::ExpositionParser parser(scrape::ExpositionFormat::openmetrics);
    const auto load_start = std::chrono::steady_clock::now();
    auto parsed = parser.parse(page, sink);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
    if (const auto* err = std::get_if<scrape::ParseError>(&parsed)) {
        std::fprintf(stderr, "%s:%zu: %s\n", path, err->line, err->message.c_str());
        return 1;
    }
    page.clear();
    page.shrink_to_fit();
    const auto st = store.stats();
    std::fprintf(stderr, "loaded %zu series, %zu samples (%zu rejected) in %.2f s; store %.1f MiB\n", st.series,
                 sink.samples(), sink.rejected(), load_s, static_cast<double>(st.memory_bytes) / (1 << 20));
    if (sink.rejected() != 0) return 1;

    promql::Engine engine(store);
    for (const auto& q : bench::comparison_queries()) {
        auto expr = promql::parse_expr(q.expr);
        if (std::holds_alternative<promql::ParseError>(expr)) {
            std::fprintf(stderr, "%s: %s\n", q.expr.c_str(), std::get<promql::ParseError>(expr).to_string().c_str());
            return 1;
        }
        const promql::Expr& e = *std::get<promql::ExprPtr>(expr);
        std::vector<double> times;
        std::vector<double> cpu_times;
        std::size_t result_series = 0;
        std::string values;
        for (int i = 0; i < warmup + repeat; ++i) {
            const double c0 = thread_cpu_seconds();
            const auto t0 = std::chrono::steady_clock::now();
            auto v = engine.instant(e, bench::k_query_ms);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const double cpu = thread_cpu_seconds() - c0;
            if (!v) {
                std::fprintf(stderr, "%s: %s\n", q.expr.c_str(), v.error().message.c_str());
                return 1;
            }
            result_series = v->vector.size();
            if (i == 0) {
                // Small results with their values, to check that both systems agree.
                values.clear();
                if (v->vector.size() <= 20) {
                    for (const auto& s : v->vector) {
                        std::string key;
                        for (const auto& l : s.labels) {
                            if (!key.empty()) key += ',';
                            key += l.name + "=" + l.value;
                        }
                        char num[40];
                        std::snprintf(num, sizeof num, "%.17g", s.value);
                        if (!values.empty()) values += ", ";
                        values += json_string(key) + ": " + num;
                    }
                }
            }
            if (i >= warmup) {
                times.push_back(s);
                cpu_times.push_back(cpu);
            }
        }
        std::sort(times.begin(), times.end());
        std::sort(cpu_times.begin(), cpu_times.end());
        const double median = times.size() % 2 == 1 ? times[times.size() / 2]
                                                    : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
        std::printf(
            "{\"system\": \"tocsin\", \"name\": %s, \"expr\": %s, \"series\": %zu, \"result_series\": %zu, "
            "\"repeat\": %d, \"eval_seconds_median\": %.9f, \"eval_seconds_min\": %.9f, \"eval_seconds_max\": %.9f, "
            "\"cpu_seconds_median\": %.9f, \"values\": {%s}}\n",
            json_string(q.name).c_str(), json_string(q.expr).c_str(), q.series, result_series, repeat, median,
            times.front(), times.back(), cpu_times[cpu_times.size() / 2], values.c_str());
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string cmd = argv[1];
    if (cmd == "generate" && argc == 3) return generate(argv[2]);
    if (cmd == "queries" && argc == 2) return queries();
    if (cmd == "run" && argc >= 3) {
        int repeat = 15;
        int warmup = 3;
        for (int i = 3; i < argc; ++i) {
            if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
                repeat = std::max(1, std::atoi(argv[++i]));
            } else if (std::strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) {
                warmup = std::max(0, std::atoi(argv[++i]));
            } else {
                return usage();
            }
        }
        return run(argv[2], repeat, warmup);
    }
    return usage();
}
