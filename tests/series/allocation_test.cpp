// The scraper's hot path: finding an existing series from label views must
// not allocate. Counted by replacing the global allocation functions in this
// test binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "series_test_support.hpp"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
// Every non-aligned form, so allocation and release always pair up (ASan checks).
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return ::operator new(n, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace tocsin::series;

TEST(HotPath, FindingAnExistingSeriesDoesNotAllocate) {
    SeriesStore store;
    std::vector<std::string> instances;
    for (int i = 0; i < 200; ++i) instances.push_back("10.0.0." + std::to_string(i) + ":9100");
    std::vector<SeriesRef> refs;
    for (const auto& instance : instances) {
        const std::vector<LabelView> labels = {{"job", "node"}, {"instance", instance}, {"method", "GET"},
                                               {"code", "200"}, {"handler", "/api/v1/query"}, {"env", "prod"}};
        refs.push_back(store.get_or_create("http_requests_total", labels));
        store.append(refs.back(), 0, 1);
    }
    std::vector<std::vector<LabelView>> views;
    for (const auto& instance : instances) {
        // A different order than at creation: canonicalization must not allocate either.
        views.push_back({{"handler", "/api/v1/query"}, {"code", "200"}, {"instance", instance},
                         {"env", "prod"}, {"method", "GET"}, {"job", "node"}});
    }
    const long before = g_allocations.load();
    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < views.size(); ++i) {
            if (store.get_or_create("http_requests_total", views[i]) != refs[i]) ADD_FAILURE() << i;
            if (store.find("http_requests_total", views[i]) != refs[i]) ADD_FAILURE() << i;
        }
    }
    EXPECT_EQ(g_allocations.load() - before, 0);
}
