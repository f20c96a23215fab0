// Steady-state parsing must not touch the heap: a parser reused for the same
// page allocates nothing, whatever escapes, types and label shapes it holds.
// Global operator new is replaced in this test binary to count.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "tocsin/scrape/exposition_parser.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
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

namespace tocsin::scrape {
namespace {

class CountingSink final : public SampleSink {
public:
    void on_sample(const SampleView& s) override { m_labels += s.labels.size(); }
    std::size_t m_labels = 0;
};

std::size_t allocations_of_second_parse(ExpositionFormat format, const std::string& page) {
    ExpositionParser parser(format);
    CountingSink sink;
    auto first = parser.parse(page, sink);
    EXPECT_TRUE(std::holds_alternative<ParseStats>(first));
    std::size_t before = g_allocations.load();
    auto second = parser.parse(page, sink);
    std::size_t after = g_allocations.load();
    EXPECT_TRUE(std::holds_alternative<ParseStats>(second));
    return after - before;
}

std::string busy_page(bool openmetrics) {
    std::string page;
    for (int f = 0; f < 200; ++f) {
        std::string name = "family_" + std::to_string(f);
        page += "# HELP " + name + " help with \\\\ escapes\n# TYPE " + name + " histogram\n";
        for (const char* le : {"0.1", "1", "+Inf"}) {
            page += name + "_bucket{path=\"/a\\\"b\\\\c\\nd\",code=\"200\",host=\"h" + std::to_string(f) +
                    "\",le=\"" + le + "\"} 12.5";
            page += openmetrics ? " 1520879607.789 # {trace_id=\"x\"} 1\n" : " 1520879607789\n";
        }
        page += name + "_sum NaN\n" + name + "_count +Inf\n";
    }
    std::string wide = "wide{";
    for (int i = 0; i < 40; ++i) wide += "l" + std::to_string(i) + "=\"v\\\"" + std::to_string(i) + "\",";
    wide.pop_back();
    page += wide + ",l3=\"\"} 1\n";  // repeated name with an empty value: the sorting path
    if (openmetrics) page += "# EOF\n";
    return page;
}

TEST(ExpositionAllocations, NoneInSteadyState) {
    EXPECT_EQ(allocations_of_second_parse(ExpositionFormat::prometheus_text, busy_page(false)), 0u);
}

TEST(ExpositionAllocations, NoneInSteadyStateOpenMetrics) {
    EXPECT_EQ(allocations_of_second_parse(ExpositionFormat::openmetrics, busy_page(true)), 0u);
}

}  // namespace
}  // namespace tocsin::scrape
