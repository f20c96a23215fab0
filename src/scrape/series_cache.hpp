// The scraper's memory of a page: each series' text (name and labels as the
// page spells them) mapped to its store ref. Entries stay in the order they
// were first seen, which for a stable page is page order: the scraper
// predicts the next line's series as the next entry and the parser checks
// that with one memcmp. Lookups by text (a changed page) use open addressing
// over the flat entry array with the hash kept beside each slot, so a hit
// costs one probe and one key compare, and walking every entry (staleness)
// reads memory in order instead of chasing nodes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/series/series_store.hpp"

namespace tocsin::scrape {

class SeriesCache {
public:
    struct Entry {
        std::uint64_t hash = 0;
        std::uint32_t key_offset = 0;
        std::uint32_t key_size = 0;
        series::SeriesRef ref;        // invalid: the store refused the series
        std::uint64_t seen = 0;       // the last scrape (iteration) it was on
        bool explicit_timestamp = false;
        bool spans_lines = false;  // the key holds a raw line break (text format label values may)
    };

    // The entry for `key`, or nullptr.
    Entry* find(std::string_view key, std::uint64_t hash);
    // Adds `key` (not present); the pointer stays valid until compact().
    Entry* insert(std::string_view key, std::uint64_t hash);

    std::vector<Entry>& entries() { return m_entries; }
    std::size_t size() const { return m_entries.size(); }
    std::string_view key(const Entry& e) const { return {m_keys.data() + e.key_offset, e.key_size}; }
    std::uint32_t index_of(const Entry& e) const { return static_cast<std::uint32_t>(&e - m_entries.data()); }

    // Drops the entries for which keep(entry) is false, keeping the order.
    template <typename Keep>
    void keep_if(Keep&& keep) {
        bool dropped = false;
        for (const auto& e : m_entries) dropped = dropped || !keep(e);
        if (!dropped) return;  // the common case for a stable page: nothing to rebuild
        std::vector<Entry> kept;
        std::string keys;
        kept.reserve(m_entries.size());
        keys.reserve(m_keys.size());
        for (const auto& e : m_entries) {
            if (!keep(e)) continue;
            Entry copy = e;
            copy.key_offset = static_cast<std::uint32_t>(keys.size());
            keys.append(m_keys, e.key_offset, e.key_size);
            kept.push_back(copy);
        }
        m_entries.swap(kept);
        m_keys.swap(keys);
        rebuild_index(std::max<std::size_t>(64, m_entries.size() * 2 + 2));
    }

    // Drops entries not seen at `iteration` (the page no longer has them).
    void compact(std::uint64_t iteration);
    // Drops refused entries so they are looked up in the store again.
    void forget_refusals();

    static std::uint64_t hash_key(std::string_view key) noexcept;

private:
    void rebuild_index(std::size_t capacity);

    std::vector<Entry> m_entries;
    std::string m_keys;                // every key, back to back
    std::vector<std::uint32_t> m_slots;  // entry index + 1; 0 is empty
};

}  // namespace tocsin::scrape
