// Memory for sealed chunks. Every series of a scrape seals its head at about
// the same moment and retention frees the oldest chunks together, so glibc
// malloc saw bursts of 100k same-sized allocations and frees: the frees fill
// its fastbins, the next large request consolidates them all, and the burst
// cost about as much CPU as ten scrapes of the page. Here each size class
// (16-byte steps, what glibc would round to) has a free list threaded
// through its free slots and is carved from 64 KiB slabs, so an allocation
// or a free is a few instructions and touches only the slot itself.
//
// Slabs go back to the system only with the pool (the store): memory freed
// by a page that shrank is kept for the next chunks, as malloc's arenas keep
// it. free_bytes() says how much sits idle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tocsin::series {

class ChunkPool {
public:
    ChunkPool() = default;
    ChunkPool(const ChunkPool&) = delete;
    ChunkPool& operator=(const ChunkPool&) = delete;
    ~ChunkPool();

    // A 16-byte aligned slot of `size` bytes (a multiple of 16, at least 32).
    void* allocate(std::size_t size);
    // `p` came from allocate(size) with the same size.
    void release(void* p, std::size_t size) noexcept;
    // Gives every slab back; only when no slot is in use (the store is empty).
    void reset() noexcept;

    std::size_t reserved_bytes() const noexcept { return m_reserved; }  // slabs taken from the system
    std::size_t free_bytes() const noexcept { return m_free; }          // slots on free lists

private:
    struct FreeSlot {
        FreeSlot* next;
    };
    struct SizeClass {
        FreeSlot* free = nullptr;
        char* bump = nullptr;  // the rest of the newest slab
        char* bump_end = nullptr;
    };
    static constexpr std::size_t k_slab_bytes = 64 * 1024;

    void* refill(SizeClass& c, std::size_t size);

    std::vector<SizeClass> m_classes;  // by size / 16
    std::vector<void*> m_slabs;
    std::size_t m_reserved = 0;
    std::size_t m_free = 0;
};

}  // namespace tocsin::series
