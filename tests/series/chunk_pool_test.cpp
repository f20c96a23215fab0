// The sealed-chunk pool: slots are aligned, distinct, reused after release
// (last in, first out), never shared between size classes, and accounted.
#include "chunk_pool.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

using tocsin::series::ChunkPool;

TEST(ChunkPool, SlotsAreAlignedDistinctAndWritable) {
    ChunkPool pool;
    std::set<void*> seen;
    std::vector<void*> slots;
    for (int i = 0; i < 5000; ++i) {  // several slabs of the 48-byte class
        void* p = pool.allocate(48);
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0U);
        ASSERT_TRUE(seen.insert(p).second);
        std::memset(p, i & 0xff, 48);
        slots.push_back(p);
    }
    for (int i = 0; i < 5000; ++i) {
        const auto* bytes = static_cast<const unsigned char*>(slots[static_cast<std::size_t>(i)]);
        ASSERT_EQ(bytes[0], i & 0xff);
        ASSERT_EQ(bytes[47], i & 0xff);
    }
    EXPECT_GE(pool.reserved_bytes(), 5000U * 48);
    EXPECT_EQ(pool.free_bytes(), 0U);
}

TEST(ChunkPool, ReleasedSlotsAreReusedInTheirOwnClass) {
    ChunkPool pool;
    void* a = pool.allocate(64);
    void* b = pool.allocate(64);
    void* c = pool.allocate(96);
    pool.release(a, 64);
    pool.release(b, 64);
    EXPECT_EQ(pool.free_bytes(), 128U);
    void* other = pool.allocate(96);  // another class: not a's or b's slot
    EXPECT_NE(other, a);
    EXPECT_NE(other, b);
    EXPECT_NE(other, c);
    EXPECT_EQ(pool.allocate(64), b);  // last in, first out
    EXPECT_EQ(pool.allocate(64), a);
    EXPECT_EQ(pool.free_bytes(), 0U);
    const std::size_t reserved = pool.reserved_bytes();
    pool.release(a, 64);
    EXPECT_EQ(pool.allocate(64), a);
    EXPECT_EQ(pool.reserved_bytes(), reserved);  // reuse took no new slab
}

TEST(ChunkPool, LargeSlotsGetTheirOwnSlabsAndResetGivesEverythingBack) {
    ChunkPool pool;
    void* big = pool.allocate(8208);  // larger than a sixteenth of a slab
    std::memset(big, 1, 8208);
    void* next = pool.allocate(8208);
    EXPECT_GE(static_cast<char*>(next) - static_cast<char*>(big), 8208);
    EXPECT_GE(pool.reserved_bytes(), 16U * 8208);
    pool.release(big, 8208);
    pool.release(next, 8208);
    pool.reset();
    EXPECT_EQ(pool.reserved_bytes(), 0U);
    EXPECT_EQ(pool.free_bytes(), 0U);
    void* again = pool.allocate(32);
    EXPECT_NE(again, nullptr);
}
