#include "series_cache.hpp"

#include <functional>

namespace tocsin::scrape {

std::uint64_t SeriesCache::hash_key(std::string_view key) noexcept { return std::hash<std::string_view>{}(key); }

SeriesCache::Entry* SeriesCache::find(std::string_view key, std::uint64_t hash) {
    if (m_slots.empty()) return nullptr;
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        std::uint32_t slot = m_slots[i];
        if (slot == 0) return nullptr;
        Entry& e = m_entries[slot - 1];
        if (e.hash == hash && e.key_size == key.size() &&
            std::string_view(m_keys.data() + e.key_offset, e.key_size) == key) {
            return &e;
        }
    }
}

SeriesCache::Entry* SeriesCache::insert(std::string_view key, std::uint64_t hash) {
    // Keep the load factor under 1/2: short probe runs.
    if ((m_entries.size() + 1) * 2 > m_slots.size()) rebuild_index(std::max<std::size_t>(64, m_slots.size() * 2));
    Entry e;
    e.hash = hash;
    e.key_offset = static_cast<std::uint32_t>(m_keys.size());
    e.key_size = static_cast<std::uint32_t>(key.size());
    e.spans_lines = key.find('\n') != std::string_view::npos;
    m_keys.append(key);
    m_entries.push_back(e);
    const std::size_t mask = m_slots.size() - 1;
    std::size_t i = hash & mask;
    while (m_slots[i] != 0) i = (i + 1) & mask;
    m_slots[i] = static_cast<std::uint32_t>(m_entries.size());
    return &m_entries.back();
}

void SeriesCache::rebuild_index(std::size_t capacity) {
    std::size_t size = 64;
    while (size < capacity) size *= 2;
    m_slots.assign(size, 0);
    const std::size_t mask = size - 1;
    for (std::size_t n = 0; n < m_entries.size(); ++n) {
        std::size_t i = m_entries[n].hash & mask;
        while (m_slots[i] != 0) i = (i + 1) & mask;
        m_slots[i] = static_cast<std::uint32_t>(n + 1);
    }
}

void SeriesCache::compact(std::uint64_t iteration) {
    keep_if([iteration](const Entry& e) { return e.seen == iteration; });
}

void SeriesCache::forget_refusals() {
    keep_if([](const Entry& e) { return e.ref.valid(); });
}

}  // namespace tocsin::scrape
