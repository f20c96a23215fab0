// Memory for sealed chunks. Every series of a scrape seals its head at about
// the same moment and retention frees the oldest chunks together, so glibc
// malloc saw bursts of 100k same-sized allocations and frees: the frees fill
// its fastbins, the next large request consolidates them all, and the burst
// cost about as much CPU as ten scrapes of the page.
//
// Here slots of one size class (16-byte steps, what glibc would round to)
// come from 64 KiB slabs aligned to their size, so a slot finds its slab by
// masking its address. Each slab keeps its own free list and count of slots
// in use; a class allocates from the slabs that have room, oldest first. A
// slab whose last slot is released goes back to the system (one spare per
// class is kept against churn): chunks sealed together are freed together,
// so whole slabs empty out and memory follows the live chunks instead of
// piling up on the free lists of sizes no longer asked for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tocsin::series {

class ChunkPool {
public:
    static constexpr std::size_t k_slab_bytes = 64 * 1024;
    static constexpr std::size_t k_max_slot = 4 * 1024;  // larger: malloc

    ChunkPool() = default;
    ChunkPool(const ChunkPool&) = delete;
    ChunkPool& operator=(const ChunkPool&) = delete;
    ~ChunkPool();

    // A 16-byte aligned slot of `size` bytes (a multiple of 16, at least 32).
    void* allocate(std::size_t size);
    // `p` came from allocate(size) with the same size.
    void release(void* p, std::size_t size) noexcept;
    // Gives every slab back: every slot is invalid afterwards.
    void reset() noexcept;

    std::size_t reserved_bytes() const noexcept { return m_slab_bytes + m_large_bytes; }  // slabs and large slots
    std::size_t free_bytes() const noexcept { return m_slab_bytes - m_slot_bytes; }       // of which not in use
    std::size_t slabs() const noexcept { return m_slabs; }

    struct Slab;

private:
    struct FreeSlot {
        FreeSlot* next;
    };
public:
    struct Slab {  // at the start of its memory
        Slab* prev = nullptr;  // in its class's list of slabs with room
        Slab* next = nullptr;
        Slab* all_prev = nullptr;  // in the list of every slab
        Slab* all_next = nullptr;
        FreeSlot* free = nullptr;
        char* bump = nullptr;  // the never-used rest
        char* end = nullptr;
        std::uint32_t size = 0;
        std::uint32_t live = 0;
        bool listed = false;
    };

private:
    struct SizeClass {
        Slab* head = nullptr;  // slabs with room, oldest first
        Slab* tail = nullptr;
        Slab* spare = nullptr;  // an empty slab kept for the next burst
    };

    static Slab* slab_of(void* p) noexcept;
    static bool has_room(const Slab& s) noexcept;
    Slab* new_slab(SizeClass& c, std::size_t size);
    void link_back(SizeClass& c, Slab* s) noexcept;
    void unlink(SizeClass& c, Slab* s) noexcept;
    void drop(Slab* s) noexcept;

    std::vector<SizeClass> m_classes;  // by size / 16
    Slab* m_all = nullptr;
    std::size_t m_slab_bytes = 0;   // slabs taken from the system
    std::size_t m_slot_bytes = 0;   // slab slots in use
    std::size_t m_large_bytes = 0;  // slots over k_max_slot (malloc)
    std::size_t m_slabs = 0;
};

}  // namespace tocsin::series
