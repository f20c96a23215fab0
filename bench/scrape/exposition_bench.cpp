// Exposition parser throughput on deterministic pages: a node_exporter-like
// page (1,000 series) and a 100k-series page of histograms, in both formats.
// Two sinks: one that only touches every value, and one that interns the
// metric name and every label name and value into an arena-backed hash table,
// the way the series store will. Global operator new is replaced to count
// heap allocations inside the timed loop, after one warm-up parse.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tocsin/scrape/exposition_parser.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t size) { return operator new(size); }
// Not inlined, so GCC does not pair a visible malloc() or free() with the
// builtin new and delete and warn about a mismatch.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace tocsin::scrape;

// ---- pages ----

std::string format_value(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// Families, label shapes and value styles of a typical node_exporter scrape.
std::string node_exporter_page(ExpositionFormat format) {
    std::string page;
    std::uint64_t rng = 42;
    auto next_value = [&rng] {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(rng >> 20) / 1024.0;
    };
    bool om = format == ExpositionFormat::openmetrics;
    std::size_t series = 0;
    auto family = [&](const std::string& name, const char* type, const char* help) {
        page += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    auto line = [&](const std::string& name, const std::string& labels) {
        page += name;
        if (!labels.empty()) {
            page += '{';
            page += labels;
            page += '}';
        }
        page += ' ';
        page += format_value(next_value());
        page += '\n';
        ++series;
    };
    family("go_gc_duration_seconds", "summary", "A summary of the pause duration of garbage collection cycles.");
    for (const char* q : {"0", "0.25", "0.5", "0.75", "1"}) line("go_gc_duration_seconds", std::string("quantile=\"") + q + "\"");
    line("go_gc_duration_seconds_sum", "");
    line("go_gc_duration_seconds_count", "");
    family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.");
    for (int cpu = 0; cpu < 32; ++cpu) {
        for (const char* mode : {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"}) {
            line("node_cpu_seconds_total",
                 "cpu=\"" + std::to_string(cpu) + "\",mode=\"" + mode + "\"");
        }
    }
    const char* fs_metrics[] = {"node_filesystem_avail_bytes", "node_filesystem_files", "node_filesystem_free_bytes",
                                "node_filesystem_size_bytes", "node_filesystem_readonly"};
    for (const char* m : fs_metrics) {
        family(m, "gauge", "Filesystem information from statfs.");
        for (int i = 0; i < 20; ++i) {
            line(m, "device=\"/dev/mapper/vg0-lv" + std::to_string(i) + "\",fstype=\"ext4\",mountpoint=\"/srv/data" +
                        std::to_string(i) + "\"");
        }
    }
    const char* net_metrics[] = {"node_network_receive_bytes_total", "node_network_transmit_bytes_total",
                                 "node_network_receive_packets_total", "node_network_transmit_packets_total",
                                 "node_network_receive_errs_total", "node_network_transmit_errs_total"};
    for (const char* m : net_metrics) {
        family(m, "counter", "Network device statistic from /proc/net/dev.");
        for (int i = 0; i < 24; ++i) line(m, "device=\"veth" + std::to_string(1000 + i * 7) + "\"");
    }
    const char* disk_metrics[] = {"node_disk_io_time_seconds_total", "node_disk_read_bytes_total",
                                  "node_disk_written_bytes_total", "node_disk_reads_completed_total",
                                  "node_disk_writes_completed_total", "node_disk_io_now"};
    for (const char* m : disk_metrics) {
        family(m, "counter", "Disk statistic from /proc/diskstats.");
        for (int i = 0; i < 16; ++i) line(m, "device=\"nvme" + std::to_string(i / 4) + "n" + std::to_string(i % 4) + "\"");
    }
    // Fill up to 1,000 series with single-series gauges, as the many
    // node_memory_* and node_vmstat_* families are.
    for (int i = 0; series < 1000; ++i) {
        std::string name = "node_vmstat_counter_" + std::to_string(i);
        family(name, "gauge", "/proc/vmstat information field.");
        line(name, "");
    }
    if (om) page += "# EOF\n";
    return page;
}

// 100,000 series: histograms of a service mesh, 12 buckets + sum + count each.
std::string histogram_page(ExpositionFormat format) {
    std::string page;
    bool om = format == ExpositionFormat::openmetrics;
    page += "# HELP http_request_duration_seconds Latency of HTTP requests.\n";
    page += "# TYPE http_request_duration_seconds histogram\n";
    const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"};
    const char* methods[] = {"GET", "POST", "PUT", "DELETE"};
    const char* codes[] = {"200", "201", "400", "404", "500"};
    std::size_t series = 0;
    std::uint64_t count = 1;
    for (int handler = 0; series < 100000; ++handler) {
        for (const char* method : methods) {
            for (const char* code : codes) {
                if (series >= 100000) break;
                std::string labels = "service=\"checkout\",handler=\"/api/v1/items/" + std::to_string(handler) +
                                     "\",method=\"" + method + "\",code=\"" + code + "\"";
                std::uint64_t cumulative = 0;
                for (const char* le : les) {
                    cumulative += (count = count * 2862933555777941757ULL + 3037000493ULL) >> 58;
                    page += "http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
                            std::to_string(cumulative) + "\n";
                }
                page += "http_request_duration_seconds_sum{" + labels + "} " +
                        format_value(static_cast<double>(cumulative) * 0.0173) + "\n";
                page += "http_request_duration_seconds_count{" + labels + "} " + std::to_string(cumulative) + "\n";
                series += 14;
            }
        }
    }
    if (om) page += "# EOF\n";
    return page;
}

// ---- sinks ----

class TouchSink final : public SampleSink {
public:
    void on_sample(const SampleView& s) override {
        m_sum += s.value + static_cast<double>(s.metric_name.size() + s.labels.size());
        for (const auto& l : s.labels) m_sum += static_cast<double>(l.value.size());
    }
    double sum() const { return m_sum; }

private:
    double m_sum = 0;
};

// Strings copied once into 64 KiB chunks; an open-addressing table of
// (hash, view into the arena) -> id. A repeated scrape finds everything and
// allocates nothing.
class Interner {
public:
    Interner() : m_slots(1 << 12) {}

    [[gnu::always_inline]] std::uint32_t intern(std::string_view s) {
        std::uint64_t h = hash(s);
        std::size_t mask = m_slots.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            Slot& slot = m_slots[i];
            if (slot.data == nullptr) return insert(slot, s, h);
            if (slot.hash == h && slot.size == s.size() && equal(slot.data, s.data(), s.size())) return slot.id;
        }
    }

    std::size_t size() const { return m_size; }

private:
    struct Slot {
        const char* data = nullptr;
        std::uint32_t size = 0;
        std::uint32_t id = 0;
        std::uint64_t hash = 0;
    };

    static std::uint64_t word(const char* p) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        return w;
    }

    // All n < 8 bytes folded into one word, injectively for a given n.
    static std::uint64_t short_word(const char* p, std::size_t n) {
        if (n >= 4) {
            std::uint32_t a, b;
            std::memcpy(&a, p, 4);
            std::memcpy(&b, p + n - 4, 4);
            return a | (std::uint64_t{b} << 32);
        }
        if (n == 0) return 0;
        auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
        return byte(0) | (byte(n / 2) << 8) | (byte(n - 1) << 16);
    }

    // Names and label values are short: compare and hash a word at a time,
    // the last word overlapping, instead of calling memcmp.
    static bool equal(const char* a, const char* b, std::size_t n) {
        if (n < 8) return short_word(a, n) == short_word(b, n);
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            if (word(a + i) != word(b + i)) return false;
        }
        return word(a + n - 8) == word(b + n - 8);
    }

    static std::uint64_t hash(std::string_view s) {
        const char* p = s.data();
        std::size_t n = s.size();
        std::uint64_t h = 0x9e3779b97f4a7c15ULL * (n + 1);
        auto mix = [&h](std::uint64_t w) {
            h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
            h ^= h >> 31;
        };
        if (n < 8) {
            mix(short_word(p, n));
        } else {
            for (std::size_t i = 0; i + 8 < n; i += 8) mix(word(p + i));
            mix(word(p + n - 8));
        }
        return h ^ (h >> 29);
    }

    [[gnu::noinline]] std::uint32_t insert(Slot& slot, std::string_view s, std::uint64_t h) {
        const char* copy = store(s);
        slot = Slot{copy, static_cast<std::uint32_t>(s.size()), static_cast<std::uint32_t>(m_size), h};
        ++m_size;
        if (m_size * 2 > m_slots.size()) grow();
        return slot.id;
    }

    const char* store(std::string_view s) {
        if (m_chunks.empty() || m_used + s.size() > k_chunk) {
            m_chunks.push_back(std::make_unique<char[]>(s.size() > k_chunk ? s.size() : k_chunk));
            m_used = 0;
        }
        char* dst = m_chunks.back().get() + m_used;
        std::memcpy(dst, s.data(), s.size());
        m_used += s.size();
        return dst;
    }

    void grow() {
        std::vector<Slot> old(m_slots.size() * 2);
        old.swap(m_slots);
        std::size_t mask = m_slots.size() - 1;
        for (const Slot& slot : old) {
            if (slot.data == nullptr) continue;
            std::size_t i = slot.hash & mask;
            while (m_slots[i].data != nullptr) i = (i + 1) & mask;
            m_slots[i] = slot;
        }
    }

    static constexpr std::size_t k_chunk = 64 * 1024;
    std::vector<Slot> m_slots;
    std::vector<std::unique_ptr<char[]>> m_chunks;
    std::size_t m_used = 0;
    std::size_t m_size = 0;
};

class InterningSink final : public SampleSink {
public:
    void on_sample(const SampleView& s) override {
        std::uint64_t key = m_interner.intern(s.metric_name);
        for (const auto& l : s.labels) {
            key = key * 31 + m_interner.intern(l.name);
            key = key * 31 + m_interner.intern(l.value);
        }
        m_keys += key;
        m_values += s.value;
    }
    std::uint64_t keys() const { return m_keys; }

private:
    Interner m_interner;
    std::uint64_t m_keys = 0;
    double m_values = 0;
};

// ---- benchmarks ----

template <typename Sink>
void run(benchmark::State& state, const std::string& page, ExpositionFormat format) {
    ExpositionParser parser(format);
    Sink sink;
    auto warm = parser.parse(page, sink);  // sizes buffers, fills the interner
    if (!std::holds_alternative<ParseStats>(warm)) {
        state.SkipWithError(std::get<ParseError>(warm).message.c_str());
        return;
    }
    std::size_t samples = std::get<ParseStats>(warm).samples;
    std::uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        auto result = parser.parse(page, sink);
        benchmark::DoNotOptimize(result);
    }
    std::uint64_t allocations = g_allocations.load(std::memory_order_relaxed) - allocations_before;
    benchmark::DoNotOptimize(sink);
    auto iterations = static_cast<double>(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(page.size()));
    state.counters["samples"] = static_cast<double>(samples);
    // Seconds per sample: 52.1n reads as 52.1 ns.
    state.counters["time/sample"] = benchmark::Counter(static_cast<double>(samples) * iterations,
                                                       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["allocs/sample"] = static_cast<double>(allocations) / (static_cast<double>(samples) * iterations);
}

const std::string& page_for(int which, ExpositionFormat format) {
    static const std::string pages[4] = {
        node_exporter_page(ExpositionFormat::prometheus_text), node_exporter_page(ExpositionFormat::openmetrics),
        histogram_page(ExpositionFormat::prometheus_text), histogram_page(ExpositionFormat::openmetrics)};
    return pages[which * 2 + (format == ExpositionFormat::openmetrics ? 1 : 0)];
}

void BM_NodeExporterParse(benchmark::State& state) {
    run<TouchSink>(state, page_for(0, ExpositionFormat::prometheus_text), ExpositionFormat::prometheus_text);
}
void BM_NodeExporterParseIntern(benchmark::State& state) {
    run<InterningSink>(state, page_for(0, ExpositionFormat::prometheus_text), ExpositionFormat::prometheus_text);
}
void BM_Histograms100kParse(benchmark::State& state) {
    run<TouchSink>(state, page_for(1, ExpositionFormat::prometheus_text), ExpositionFormat::prometheus_text);
}
void BM_Histograms100kParseIntern(benchmark::State& state) {
    run<InterningSink>(state, page_for(1, ExpositionFormat::prometheus_text), ExpositionFormat::prometheus_text);
}
void BM_NodeExporterOpenMetricsParseIntern(benchmark::State& state) {
    run<InterningSink>(state, page_for(0, ExpositionFormat::openmetrics), ExpositionFormat::openmetrics);
}
void BM_Histograms100kOpenMetricsParseIntern(benchmark::State& state) {
    run<InterningSink>(state, page_for(1, ExpositionFormat::openmetrics), ExpositionFormat::openmetrics);
}

BENCHMARK(BM_NodeExporterParse);
BENCHMARK(BM_NodeExporterParseIntern);
BENCHMARK(BM_Histograms100kParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Histograms100kParseIntern)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NodeExporterOpenMetricsParseIntern);
BENCHMARK(BM_Histograms100kOpenMetricsParseIntern)->Unit(benchmark::kMillisecond);

}  // namespace
