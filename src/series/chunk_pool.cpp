#include "chunk_pool.hpp"

#include <cassert>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// Released slots and unused slab memory are poisoned, so ASan reports a
// chunk used after gc as it would a malloc'ed one.
#define TOCSIN_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define TOCSIN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define TOCSIN_POISON(p, n) ((void)(p), (void)(n))
#define TOCSIN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace tocsin::series {
namespace {
// The first slot starts after the slab's header, 16-byte aligned.
constexpr std::size_t k_header = 80;
}  // namespace

static_assert(sizeof(ChunkPool::Slab) <= k_header);

ChunkPool::~ChunkPool() { reset(); }

ChunkPool::Slab* ChunkPool::slab_of(void* p) noexcept {
    return reinterpret_cast<Slab*>(reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{k_slab_bytes - 1});
}

bool ChunkPool::has_room(const Slab& s) noexcept {
    return s.free != nullptr || static_cast<std::size_t>(s.end - s.bump) >= s.size;
}

void* ChunkPool::allocate(std::size_t size) {
    assert(size >= 32 && size % 16 == 0);
    if (size > k_max_slot) {
        void* p = std::malloc(size);
        if (p == nullptr) throw std::bad_alloc();
        m_large_bytes += size;
        return p;
    }
    const std::size_t index = size / 16;
    if (index >= m_classes.size()) m_classes.resize(index + 1);
    SizeClass& c = m_classes[index];
    Slab* s = c.head != nullptr ? c.head : new_slab(c, size);
    void* slot;
    if (s->free != nullptr) {
        slot = s->free;
        TOCSIN_UNPOISON(slot, size);
        s->free = s->free->next;
    } else {
        slot = s->bump;
        TOCSIN_UNPOISON(slot, size);
        s->bump += size;
    }
    ++s->live;
    m_slot_bytes += size;
    if (!has_room(*s)) unlink(c, s);
    return slot;
}

void ChunkPool::release(void* p, std::size_t size) noexcept {
    if (p == nullptr) return;
    if (size > k_max_slot) {
        std::free(p);
        m_large_bytes -= size;
        return;
    }
    m_slot_bytes -= size;
    SizeClass& c = m_classes[size / 16];
    Slab* s = slab_of(p);
    auto* slot = static_cast<FreeSlot*>(p);
    slot->next = s->free;
    s->free = slot;
    TOCSIN_POISON(static_cast<char*>(p), size);
    if (--s->live == 0) {
        if (s->listed) unlink(c, s);
        if (c.spare == nullptr) {
            c.spare = s;
        } else {
            drop(s);
        }
        return;
    }
    if (!s->listed) link_back(c, s);  // was full
}

ChunkPool::Slab* ChunkPool::new_slab(SizeClass& c, std::size_t size) {
    Slab* s = c.spare;
    if (s != nullptr) {
        c.spare = nullptr;
    } else {
        void* memory = std::aligned_alloc(k_slab_bytes, k_slab_bytes);
        if (memory == nullptr) throw std::bad_alloc();
        m_slab_bytes += k_slab_bytes;
        ++m_slabs;
        s = new (memory) Slab{};
        s->all_next = m_all;
        if (m_all != nullptr) m_all->all_prev = s;
        m_all = s;
    }
    // A spare is empty: start it over (its free list may be in any order).
    char* base = reinterpret_cast<char*>(s);
    TOCSIN_POISON(base + k_header, k_slab_bytes - k_header);
    s->free = nullptr;
    s->bump = base + k_header;
    s->end = base + k_header + (k_slab_bytes - k_header) / size * size;
    s->size = static_cast<std::uint32_t>(size);
    s->live = 0;
    link_back(c, s);
    return s;
}

void ChunkPool::link_back(SizeClass& c, Slab* s) noexcept {
    s->prev = c.tail;
    s->next = nullptr;
    if (c.tail != nullptr) {
        c.tail->next = s;
    } else {
        c.head = s;
    }
    c.tail = s;
    s->listed = true;
}

void ChunkPool::unlink(SizeClass& c, Slab* s) noexcept {
    (s->prev != nullptr ? s->prev->next : c.head) = s->next;
    (s->next != nullptr ? s->next->prev : c.tail) = s->prev;
    s->prev = s->next = nullptr;
    s->listed = false;
}

void ChunkPool::drop(Slab* s) noexcept {
    TOCSIN_UNPOISON(reinterpret_cast<char*>(s) + k_header, k_slab_bytes - k_header);
    (s->all_prev != nullptr ? s->all_prev->all_next : m_all) = s->all_next;
    if (s->all_next != nullptr) s->all_next->all_prev = s->all_prev;
    s->~Slab();
    std::free(s);
    m_slab_bytes -= k_slab_bytes;
    --m_slabs;
}

void ChunkPool::reset() noexcept {
    while (m_all != nullptr) drop(m_all);
    m_classes.clear();
    m_slot_bytes = 0;
}

}  // namespace tocsin::series
