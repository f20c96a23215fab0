#include "tocsin/series/symbol_table.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

#include "hash.hpp"

namespace tocsin::series {

namespace {
// Large enough that block bookkeeping is negligible, small enough that a
// store with a handful of symbols stays small.
constexpr std::size_t k_block_size = 64 * 1024;
// Strings above this get a block of their own so a block is never mostly empty.
constexpr std::size_t k_own_block_threshold = k_block_size / 4;
// Below this, compaction would save too little to be worth a full copy.
constexpr std::size_t k_min_dead_bytes_to_compact = 256 * 1024;
}  // namespace

std::uint64_t SymbolTable::hash(std::string_view text) noexcept { return detail::hash_string(text); }

SymbolTable::Id SymbolTable::find(std::string_view text) const {
    return m_table.find(hash(text), [&](Id id) { return str(id) == text; });
}

SymbolTable::Id SymbolTable::intern(std::string_view text) {
    const std::uint64_t h = hash(text);
    Id id = m_table.find(h, [&](Id candidate) { return str(candidate) == text; });
    if (id != k_none) {
        ++m_entries[id].refs;
        return id;
    }
    if (text.size() > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("symbol too long");
    if (!m_free.empty()) {
        id = m_free.back();
        m_free.pop_back();
    } else {
        if (m_entries.size() >= k_none - 1) throw std::length_error("too many symbols");
        id = static_cast<Id>(m_entries.size());
        m_entries.emplace_back();
    }
    m_entries[id] = Entry{store_bytes(text), static_cast<std::uint32_t>(text.size()), 1};
    m_live_bytes += text.size();
    m_table.insert(h, id);
    return id;
}

void SymbolTable::release(Id id) {
    Entry& e = m_entries[id];
    if (--e.refs != 0) return;
    m_table.erase(hash(str(id)), id);
    m_live_bytes -= e.size;
    m_dead_bytes += e.size;
    e = Entry{};
    m_free.push_back(id);
}

const char* SymbolTable::store_bytes(std::string_view text) {
    if (text.empty()) return "";
    if (text.size() > k_own_block_threshold) {
        // A block of its own; the current fill block keeps filling.
        m_blocks.push_back(std::make_unique<char[]>(text.size()));
        m_arena_bytes += text.size();
        std::memcpy(m_blocks.back().get(), text.data(), text.size());
        return m_blocks.back().get();
    }
    if (text.size() > m_block_remaining) {
        m_blocks.push_back(std::make_unique<char[]>(k_block_size));
        m_arena_bytes += k_block_size;
        m_block_cursor = m_blocks.back().get();
        m_block_remaining = k_block_size;
    }
    char* data = m_block_cursor;
    std::memcpy(data, text.data(), text.size());
    m_block_cursor += text.size();
    m_block_remaining -= text.size();
    return data;
}

bool SymbolTable::compact() {
    if (m_dead_bytes < k_min_dead_bytes_to_compact || m_dead_bytes < m_live_bytes) return false;
    std::vector<std::unique_ptr<char[]>> old_blocks = std::move(m_blocks);
    m_blocks.clear();
    m_block_cursor = nullptr;
    m_block_remaining = 0;
    m_arena_bytes = 0;
    for (Entry& e : m_entries) {
        if (e.refs != 0) e.data = store_bytes({e.data, e.size});
    }
    m_dead_bytes = 0;
    return true;
}

void SymbolTable::clear() {
    m_entries.clear();
    m_entries.shrink_to_fit();
    m_free.clear();
    m_free.shrink_to_fit();
    m_blocks.clear();
    m_blocks.shrink_to_fit();
    m_block_cursor = nullptr;
    m_block_remaining = 0;
    m_live_bytes = 0;
    m_dead_bytes = 0;
    m_arena_bytes = 0;
    m_table.clear();
}

std::size_t SymbolTable::memory_bytes() const noexcept {
    return m_arena_bytes + m_entries.capacity() * sizeof(Entry) + m_free.capacity() * sizeof(Id) +
           m_blocks.capacity() * sizeof(void*) + m_table.memory_bytes();
}

}  // namespace tocsin::series
