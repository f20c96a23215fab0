// SeriesStore's internals, shared by series_store.cpp (index, appends, gc)
// and series_store_snapshot.cpp (file format).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tocsin/series/id_hash_table.hpp"
#include "tocsin/series/series_store.hpp"
#include "tocsin/series/symbol_table.hpp"
#include "tocsin/series/xor_chunk.hpp"
#include "chunk_pool.hpp"

namespace tocsin::series {

using Id = SymbolTable::Id;

// Bytes glibc malloc really takes for a request of `n` (8-byte header,
// 16-byte granularity, 32-byte minimum): the memory estimate counts these,
// so it tracks RSS rather than the sum of requested sizes.
constexpr std::size_t alloc_size(std::size_t n) noexcept {
    if (n == 0) return 0;
    const std::size_t rounded = (n + 8 + 15) & ~std::size_t{15};
    return rounded < 32 ? 32 : rounded;
}

// A sealed chunk is allocated with the slack glibc gives its size anyway
// (zeroed), so its stream is read by words up to the end of that slack:
// the same bytes as an exact-size allocation, counted the same.
constexpr std::size_t chunk_request(std::uint32_t bytes) noexcept { return alloc_size(sizeof(Chunk) + bytes) - 8; }
inline std::uint32_t chunk_readable(const Chunk& c) noexcept {
    return static_cast<std::uint32_t>(chunk_request(c.bytes()) - sizeof(Chunk));
}

// One series. 96 bytes; its labels and chunks are separate allocations.
struct Series {
    std::uint64_t hash = 0;
    Id* labels = nullptr;  // 2 * label_count ids (name, value), sorted by name string
    Chunk* oldest = nullptr;  // sealed chunks, oldest -> newest
    Chunk* newest = nullptr;
    std::uint8_t* head = nullptr;  // open chunk's bit stream, head_cap bytes
    XorState state;                // encoder state; state.t is the newest timestamp
    std::int64_t head_min_t = 0;
    std::uint32_t head_bits = 0;
    std::uint32_t generation = 1;  // bumped when the slot is freed; never 0
    std::uint16_t head_cap = 0;
    std::uint16_t head_count = 0;
    std::uint16_t label_count = 0;
    // Bits of the head already in the series snapshot; 0 when none (a
    // saved head has at least 64). seal() hands it to the sealed chunk.
    std::uint16_t head_saved_bits = 0;

    bool live() const noexcept { return labels != nullptr; }
    bool has_samples() const noexcept { return head_count > 0 || oldest != nullptr; }
    Id name_id(std::size_t i) const noexcept { return labels[2 * i]; }
    Id value_id(std::size_t i) const noexcept { return labels[2 * i + 1]; }
};
// A million of these is the benchmark; keep an eye on every byte.
static_assert(sizeof(Series) <= 96);
static_assert(sizeof(Chunk) == 32);

// What the snapshot file this store saved to last holds, so that the next
// periodic save appends only what changed (series_store_snapshot.cpp).
struct SnapshotLog {
    bool active = false;     // the marks (saved bits, head_saved_bits, Chunk::saved_bits) describe a file
    bool in_memory = false;  // save_snapshot_bytes rather than a file
    std::string path;
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;        // bytes up to the last commit
    std::uint64_t base_bytes = 0;  // the full save at its start
    std::uint64_t sequence = 0;    // of the last save
    std::uint64_t series = 0;      // live series in the file
    std::vector<std::uint64_t> saved;    // a bit per slot: the series is in the file
    std::vector<std::uint32_t> removed;  // slots of series in the file dropped since

    bool is_saved(std::uint32_t slot) const noexcept {
        return (slot >> 6) < saved.size() && ((saved[slot >> 6] >> (slot & 63)) & 1) != 0;
    }
    void set_saved(std::uint32_t slot) {
        if ((slot >> 6) >= saved.size()) saved.resize((slot >> 6) + 1, 0);
        saved[slot >> 6] |= std::uint64_t{1} << (slot & 63);
    }
    void clear_saved(std::uint32_t slot) noexcept {
        if ((slot >> 6) < saved.size()) saved[slot >> 6] &= ~(std::uint64_t{1} << (slot & 63));
    }
    void reset() { *this = SnapshotLog{}; }
    std::size_t memory_bytes() const noexcept {
        return saved.capacity() * sizeof(std::uint64_t) + removed.capacity() * sizeof(std::uint32_t);
    }
};

// Sorted label views, on the stack for the common case so that finding an
// existing series never allocates.
class LabelBuffer {
public:
    static constexpr std::size_t k_inline = 32;
    // Sorts by name, keeps the last of equal names, drops empty values.
    // False for an empty result, an empty name or more than 65535 labels.
    bool assign(std::string_view metric_name, std::span<const LabelView> labels);
    std::span<const LabelView> views() const noexcept { return {m_data, m_size}; }

private:
    std::array<LabelView, k_inline> m_inline;
    std::vector<LabelView> m_heap;
    LabelView* m_data = m_inline.data();
    std::size_t m_size = 0;
};

struct SeriesStore::Impl {
    static constexpr std::size_t k_page_bits = 10;
    static constexpr std::size_t k_page_size = std::size_t{1} << k_page_bits;

    // The inverted index entry for one (name, value) pair.
    struct Postings {
        Id name = 0;
        Id value = 0;
        std::uint32_t name_pos = 0;        // position in m_names[name]
        std::vector<std::uint32_t> slots;  // ascending
    };

    struct Admission {
        bool active = false;
        bool keep_unmatched = true;
        bool dirty = false;  // selectors changed since the last gc
        std::vector<std::vector<Matcher>> selectors;
        // Selectors with __name__="x", by x: most rule selectors name their
        // metric, so a new series is checked against a handful, not all.
        std::unordered_map<std::string, std::vector<std::size_t>> by_metric;
        std::vector<std::size_t> generic;
    };

    ~Impl();

    // --- series slots ---
    Series& at(std::uint32_t slot) noexcept { return m_pages[slot >> k_page_bits][slot & (k_page_size - 1)]; }
    const Series& at(std::uint32_t slot) const noexcept {
        return m_pages[slot >> k_page_bits][slot & (k_page_size - 1)];
    }
    const Series* resolve(SeriesRef ref) const noexcept;
    Series* resolve(SeriesRef ref) noexcept;
    SeriesRef ref_of(std::uint32_t slot) const noexcept { return make_ref(slot, at(slot).generation); }

    // --- lookup and creation ---
    std::uint32_t find_slot(std::span<const LabelView> sorted, std::uint64_t hash) const;
    bool equal_labels(const Series& s, std::span<const LabelView> sorted) const;
    static std::uint64_t hash_labels(std::span<const LabelView> sorted) noexcept;
    // Returns the slot; `created` tells whether it is new. k_absent when refused.
    std::uint32_t get_or_create(std::span<const LabelView> sorted, bool& created);
    std::uint32_t create(std::span<const LabelView> sorted, std::uint64_t hash);

    // --- index ---
    static std::uint64_t postings_hash(Id name, Id value) noexcept;
    const Postings* find_postings(Id name, Id value) const;
    void add_posting(Id name, Id value, std::uint32_t slot);
    void remove_postings_entry(std::uint32_t index);
    std::string_view value_of(const Series& s, Id name) const noexcept;  // "" when absent
    // The series' labels but `skip_name` (k_none: all of them).
    Labels labels_of(const Series& s, Id skip_name) const;
    bool labels_less(std::uint32_t a, std::uint32_t b) const;
    void sort_by_labels(std::vector<std::uint32_t>& slots) const;
    // The permutation that sorts `slots` by labels: slots[order[0]] first.
    std::vector<std::uint32_t> label_order(std::span<const std::uint32_t> slots) const;
    std::vector<std::uint32_t> select_slots(std::span<const Matcher> matchers) const;
    // Keeps the candidates whose value of `name` ("" when absent) matches.
    void filter(std::vector<std::uint32_t>& candidates, const Matcher& m, Id name) const;

    // --- samples ---
    AppendResult append(Series& s, std::int64_t t, double v);
    void ensure_head(Series& s, std::size_t bytes);
    void seal(Series& s);
    void free_chunks(Series& s, GcReport* report);

    // --- retention, admission, removal ---
    void set_retention(std::int64_t ms);
    template <typename ValueOf>
    bool admitted_by(ValueOf&& value_of) const;
    bool admitted(std::span<const LabelView> sorted) const;
    bool admitted(const Series& s) const;
    void remove_series(std::vector<std::uint32_t>& slots, GcReport& report);
    void clear();

    // --- snapshots (series_store_snapshot.cpp) ---
    struct Loader;
    // The whole file; with `mark`, the marks say that everything written is
    // saved (without, nothing is modified).
    template <typename Sink>
    bool write_full(Sink& sink, bool mark);
    // A save appended to the file the marks describe.
    template <typename Sink>
    bool write_delta(Sink& sink, SaveReport& report);
    template <typename Writer>
    void put_new_series(Writer& w, std::span<const std::uint32_t> slots, bool all_symbols);
    template <typename Writer>
    void put_appended(Writer& w, std::uint32_t slot, Series& s, SaveReport& report);
    Result<SaveReport> save_full(const std::string& path);
    Result<LoadReport> load(std::string_view bytes, std::int64_t now_ms);

    SymbolTable m_symbols;
    std::vector<std::unique_ptr<Series[]>> m_pages;
    std::uint32_t m_slot_limit = 0;  // slots ever handed out
    std::vector<std::uint32_t> m_free_slots;
    std::size_t m_series = 0;
    IdHashTable m_series_table;  // label hash -> slot

    std::vector<Postings> m_postings;
    IdHashTable m_postings_table;  // (name, value) -> index in m_postings
    std::unordered_map<Id, std::vector<std::uint32_t>> m_names;  // name -> indices in m_postings

    std::int64_t m_retention_ms = k_default_retention.count();
    std::int64_t m_chunk_span_ms = 0;
    Admission m_admission;

    // Running totals, so stats() need not walk every chunk.
    std::size_t m_samples = 0;
    std::uint64_t m_sample_bits = 0;
    std::size_t m_chunks = 0;  // sealed
    std::size_t m_heads = 0;   // non-empty open chunks
    std::size_t m_chunk_alloc = 0;
    ChunkPool m_chunk_pool;  // sealed chunks (after the chunks' owners: see ~Impl)
    std::size_t m_label_alloc = 0;
    std::uint64_t m_refused = 0;
    std::uint64_t m_invalid = 0;
    std::uint64_t m_removals = 0;
    std::uint64_t m_resets = 0;

    // The last gc's cutoff: older samples may have been dropped (a load of
    // the snapshot does not bring them back).
    std::int64_t m_gc_cutoff = INT64_MIN;
    SnapshotLog m_log;
    // The snapshot writer's record buffer, kept between saves (up to about
    // a record: 1 MiB) so that a save does not allocate it again.
    std::unique_ptr<char[]> m_save_buffer;
    std::size_t m_save_buffer_capacity = 0;
};

}  // namespace tocsin::series
