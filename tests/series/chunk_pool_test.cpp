// The sealed-chunk pool: slots are aligned, distinct and writable, reused
// after release, never shared between size classes; empty slabs go back to
// the system (one spare per class stays), so memory follows live chunks.
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
    EXPECT_EQ(pool.slabs(), 4U);  // 1,363 slots of 48 bytes per 64 KiB slab
    EXPECT_EQ(pool.reserved_bytes() - pool.free_bytes(), 5000U * 48);
    for (void* p : slots) pool.release(p, 48);
    EXPECT_EQ(pool.slabs(), 1U);  // the spare
    EXPECT_EQ(pool.free_bytes(), pool.reserved_bytes());
}

TEST(ChunkPool, ReleasedSlotsAreReusedInTheirOwnClass) {
    ChunkPool pool;
    void* a = pool.allocate(64);
    void* b = pool.allocate(64);
    void* kept = pool.allocate(64);  // the slab stays in use
    void* c = pool.allocate(96);
    pool.release(a, 64);
    pool.release(b, 64);
    void* other = pool.allocate(96);  // another class: not a's or b's slot
    EXPECT_NE(other, a);
    EXPECT_NE(other, b);
    EXPECT_NE(other, c);
    EXPECT_NE(other, kept);
    EXPECT_EQ(pool.allocate(64), b);  // last in, first out
    EXPECT_EQ(pool.allocate(64), a);
    const std::size_t reserved = pool.reserved_bytes();
    pool.release(a, 64);
    EXPECT_EQ(pool.allocate(64), a);
    EXPECT_EQ(pool.reserved_bytes(), reserved);  // reuse took no new slab
}

// The daemon's pattern: a burst of seals, later a burst of frees of the
// oldest; sizes drift between bursts. Memory stays near what is live.
TEST(ChunkPool, BurstsOfSealsAndFreesKeepMemoryNearTheLiveChunks) {
    ChunkPool pool;
    struct Slot {
        void* p;
        std::size_t size;
    };
    std::vector<std::vector<Slot>> generations;
    std::size_t live_bytes = 0;
    for (int round = 0; round < 40; ++round) {
        std::vector<Slot> burst;
        for (int i = 0; i < 20000; ++i) {
            const std::size_t size = 48 + 16 * static_cast<std::size_t>((i + round) % 5 + round % 7);
            burst.push_back({pool.allocate(size), size});
            live_bytes += size;
        }
        generations.push_back(std::move(burst));
        if (generations.size() > 3) {  // retention: the oldest generation goes
            for (const Slot& s : generations.front()) {
                pool.release(s.p, s.size);
                live_bytes -= s.size;
            }
            generations.erase(generations.begin());
        }
        EXPECT_EQ(pool.reserved_bytes() - pool.free_bytes(), live_bytes);
        // Partly used slabs of each class and one spare per class at most.
        EXPECT_LT(pool.reserved_bytes(), live_bytes + 24 * 2 * ChunkPool::k_slab_bytes) << "round " << round;
    }
    for (const auto& g : generations) {
        for (const Slot& s : g) pool.release(s.p, s.size);
    }
    pool.reset();
    EXPECT_EQ(pool.reserved_bytes(), 0U);
    EXPECT_EQ(pool.slabs(), 0U);
}

TEST(ChunkPool, LargeSlotsComeFromMalloc) {
    ChunkPool pool;
    void* big = pool.allocate(8208);
    std::memset(big, 1, 8208);
    EXPECT_EQ(pool.slabs(), 0U);
    EXPECT_EQ(pool.reserved_bytes(), 8208U);
    pool.release(big, 8208);
    EXPECT_EQ(pool.reserved_bytes(), 0U);
}
