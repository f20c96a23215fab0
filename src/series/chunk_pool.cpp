#include "chunk_pool.hpp"

#include <cassert>
#include <cstdlib>
#include <new>

namespace tocsin::series {

ChunkPool::~ChunkPool() { reset(); }

void ChunkPool::reset() noexcept {
    for (void* slab : m_slabs) std::free(slab);
    m_slabs.clear();
    m_classes.clear();
    m_reserved = 0;
    m_free = 0;
}

void* ChunkPool::allocate(std::size_t size) {
    assert(size >= 32 && size % 16 == 0);
    const std::size_t index = size / 16;
    if (index >= m_classes.size()) m_classes.resize(index + 1);
    SizeClass& c = m_classes[index];
    if (FreeSlot* slot = c.free) {
        c.free = slot->next;
        m_free -= size;
        return slot;
    }
    if (static_cast<std::size_t>(c.bump_end - c.bump) >= size) {
        void* p = c.bump;
        c.bump += size;
        return p;
    }
    return refill(c, size);
}

void* ChunkPool::refill(SizeClass& c, std::size_t size) {
    // The old slab's tail, shorter than a slot, stays unused.
    const std::size_t slab = size * 16 > k_slab_bytes ? size * 16 : k_slab_bytes;
    void* memory = std::aligned_alloc(16, slab);
    if (memory == nullptr) throw std::bad_alloc();
    m_slabs.push_back(memory);
    m_reserved += slab;
    c.bump = static_cast<char*>(memory) + size;
    c.bump_end = static_cast<char*>(memory) + slab - slab % size;
    return memory;
}

void ChunkPool::release(void* p, std::size_t size) noexcept {
    if (p == nullptr) return;
    SizeClass& c = m_classes[size / 16];
    auto* slot = static_cast<FreeSlot*>(p);
    slot->next = c.free;
    c.free = slot;
    m_free += size;
}

}  // namespace tocsin::series
