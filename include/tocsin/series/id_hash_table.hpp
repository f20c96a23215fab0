// An open-addressing hash index from 64-bit hashes to 32-bit ids whose keys
// live elsewhere (symbol arena, series pages, postings entries). Storing only
// (hash tag, id) keeps a slot at 8 bytes and lets callers look up with any key
// representation (string_view, label views) without building an owning key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tocsin::series {

class IdHashTable {
public:
    static constexpr std::uint32_t k_absent = UINT32_MAX;

    // The id whose key `eq(id)` accepts among entries with this hash.
    template <typename Eq>
    std::uint32_t find(std::uint64_t hash, Eq&& eq) const {
        if (m_size == 0) return k_absent;
        const std::uint32_t tag = fold(hash);
        for (std::size_t i = tag & m_mask;; i = (i + 1) & m_mask) {
            const std::uint64_t slot = m_slots[i];
            if (slot == 0) return k_absent;
            if (static_cast<std::uint32_t>(slot >> 32) == tag) {
                const auto id = static_cast<std::uint32_t>(slot) - 1;
                if (eq(id)) return id;
            }
        }
    }

    // The caller guarantees the key is not present yet. id < k_absent.
    void insert(std::uint64_t hash, std::uint32_t id) {
        if ((m_size + 1) * 4 > m_slots.size() * 3) grow();
        place(make_slot(fold(hash), id));
        ++m_size;
    }

    // Removes the entry (hash, id); false when it is not there.
    bool erase(std::uint64_t hash, std::uint32_t id) {
        const std::size_t i = locate(hash, id);
        if (i == k_npos) return false;
        remove_at(i);
        --m_size;
        return true;
    }

    // Points the entry (hash, old_id) at new_id (used when entries move).
    bool replace(std::uint64_t hash, std::uint32_t old_id, std::uint32_t new_id) {
        const std::size_t i = locate(hash, old_id);
        if (i == k_npos) return false;
        m_slots[i] = make_slot(fold(hash), new_id);
        return true;
    }

    void clear() {
        m_slots.clear();
        m_slots.shrink_to_fit();
        m_mask = 0;
        m_size = 0;
    }

    std::size_t size() const noexcept { return m_size; }
    std::size_t memory_bytes() const noexcept { return m_slots.capacity() * sizeof(std::uint64_t); }

private:
    static constexpr std::size_t k_npos = SIZE_MAX;

    static std::uint32_t fold(std::uint64_t h) noexcept { return static_cast<std::uint32_t>(h ^ (h >> 32)); }
    static std::uint64_t make_slot(std::uint32_t tag, std::uint32_t id) noexcept {
        return (static_cast<std::uint64_t>(tag) << 32) | (static_cast<std::uint64_t>(id) + 1);
    }

    std::size_t locate(std::uint64_t hash, std::uint32_t id) const {
        if (m_size == 0) return k_npos;
        const std::uint64_t want = make_slot(fold(hash), id);
        for (std::size_t i = fold(hash) & m_mask;; i = (i + 1) & m_mask) {
            if (m_slots[i] == 0) return k_npos;
            if (m_slots[i] == want) return i;
        }
    }

    void place(std::uint64_t slot) {
        std::size_t i = static_cast<std::uint32_t>(slot >> 32) & m_mask;
        while (m_slots[i] != 0) i = (i + 1) & m_mask;
        m_slots[i] = slot;
    }

    // Backward-shift deletion: no tombstones, so lookups never slow down
    // after churn (series come and go with every gc).
    void remove_at(std::size_t hole) {
        std::size_t j = hole;
        for (;;) {
            j = (j + 1) & m_mask;
            if (m_slots[j] == 0) break;
            const std::size_t ideal = static_cast<std::uint32_t>(m_slots[j] >> 32) & m_mask;
            // Move j into the hole unless its ideal slot lies cyclically in (hole, j].
            const bool stays = hole <= j ? (hole < ideal && ideal <= j) : (hole < ideal || ideal <= j);
            if (!stays) {
                m_slots[hole] = m_slots[j];
                hole = j;
            }
        }
        m_slots[hole] = 0;
    }

    void grow() {
        std::vector<std::uint64_t> old = std::move(m_slots);
        const std::size_t capacity = old.empty() ? 16 : old.size() * 2;
        m_slots.assign(capacity, 0);
        m_mask = capacity - 1;
        for (std::uint64_t slot : old) {
            if (slot != 0) place(slot);
        }
    }

    std::vector<std::uint64_t> m_slots;
    std::size_t m_mask = 0;
    std::size_t m_size = 0;
};

}  // namespace tocsin::series
