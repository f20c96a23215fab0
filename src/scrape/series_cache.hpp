// The scraper's memory of a page: each series' text (name and labels as the
// page spells them) mapped to its store ref. Open addressing over a flat
// entry array with the hash kept beside each slot, so a hit costs one probe
// and one key compare, and walking every entry (staleness) reads memory in
// order instead of chasing nodes.
#pragma once

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
    };

    // The entry for `key`, or nullptr.
    Entry* find(std::string_view key, std::uint64_t hash);
    // Adds `key` (not present); the pointer stays valid until compact().
    Entry* insert(std::string_view key, std::uint64_t hash);

    std::vector<Entry>& entries() { return m_entries; }
    std::size_t size() const { return m_entries.size(); }

    // Drops entries not seen at `iteration` (the page no longer has them).
    void compact(std::uint64_t iteration);
    // Drops refused entries so they are looked up in the store again.
    void forget_refusals();

    static std::uint64_t hash_key(std::string_view key) noexcept;

private:
    void rebuild_index(std::size_t capacity);
    void keep_if(bool (*keep)(const Entry&, std::uint64_t), std::uint64_t arg);

    std::vector<Entry> m_entries;
    std::string m_keys;                // every key, back to back
    std::vector<std::uint32_t> m_slots;  // entry index + 1; 0 is empty
};

}  // namespace tocsin::scrape
