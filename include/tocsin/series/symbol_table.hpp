// Interned label names and values. A million series share a few thousand
// distinct strings (job, method, code, ...), so each series stores 4-byte ids
// and the bytes live once in an arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tocsin/series/id_hash_table.hpp"

namespace tocsin::series {

// Reference-counted: a symbol lives while some series uses it. Ids are stable
// while referenced and reused after release. Lookups never allocate.
// Not thread-safe (the series store has a single writer).
class SymbolTable {
public:
    using Id = std::uint32_t;
    static constexpr Id k_none = UINT32_MAX;

    SymbolTable() = default;
    SymbolTable(const SymbolTable&) = delete;
    SymbolTable& operator=(const SymbolTable&) = delete;

    // The id of `text`, adding it when new; takes one reference.
    Id intern(std::string_view text);
    // The id of `text` or k_none; takes no reference.
    Id find(std::string_view text) const;
    void retain(Id id) noexcept { ++m_entries[id].refs; }
    // Drops one reference; at zero the id is freed and its bytes become dead
    // (reclaimed by compact()).
    void release(Id id);

    // Valid until the next compact() or clear().
    std::string_view str(Id id) const noexcept { return {m_entries[id].data, m_entries[id].size}; }
    std::uint32_t refs(Id id) const noexcept { return m_entries[id].refs; }

    // Rewrites the arena when dead bytes outweigh live ones; ids stay.
    // Returns true when it compacted (string_views from str() are then stale).
    bool compact();
    void clear();

    std::size_t size() const noexcept { return m_table.size(); }  // live symbols
    // One past the largest id ever handed out (for id-indexed side tables).
    std::size_t id_limit() const noexcept { return m_entries.size(); }
    std::size_t live_bytes() const noexcept { return m_live_bytes; }
    std::size_t dead_bytes() const noexcept { return m_dead_bytes; }
    std::size_t memory_bytes() const noexcept;

    static std::uint64_t hash(std::string_view text) noexcept;

private:
    struct Entry {
        const char* data = nullptr;
        std::uint32_t size = 0;
        std::uint32_t refs = 0;  // 0: free id
    };
    const char* store_bytes(std::string_view text);

    std::vector<Entry> m_entries;
    std::vector<Id> m_free;
    std::vector<std::unique_ptr<char[]>> m_blocks;
    char* m_block_cursor = nullptr;  // next free byte of the block being filled
    std::size_t m_block_remaining = 0;
    std::size_t m_live_bytes = 0;
    std::size_t m_dead_bytes = 0;
    std::size_t m_arena_bytes = 0;
    IdHashTable m_table;
};

}  // namespace tocsin::series
