// The in-memory series store: what scrapes and probes append, what PromQL
// reads. It keeps only what rules can read (retention derived from the rules'
// longest lookback) and only series some rule selector can match (admission),
// so memory is bounded by the rules, not by what targets expose.
//
// Layout: label names and values are interned (SymbolTable); each series owns
// its sorted (name id, value id) pairs, a list of sealed Gorilla-compressed
// chunks (xor_chunk.hpp) and one open head chunk; an inverted index maps each
// (name, value) to the sorted list of series slots that carry it.
//
// Threading: NOT thread-safe. One thread owns the store and makes every call,
// reads included (the daemon's single io_context thread). References into the
// store (SampleCursor, string_views from label_value) stay valid until the next
// non-const call.
//
// Time is a parameter: nothing here reads a clock. Timestamps are Unix
// milliseconds, as in Prometheus.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/series/matcher.hpp"
#include "tocsin/series/xor_chunk.hpp"

namespace tocsin::series {

// A label as the scraper sees it, pointing into its parse buffer.
struct LabelView {
    std::string_view name;
    std::string_view value;
};

struct Sample {
    std::int64_t t = 0;  // Unix ms
    double v = 0;
};

// A handle to a series. Slots are reused after gc; the generation makes a
// handle to a dropped series invalid instead of aliasing its successor, so
// callers may cache refs across scrapes and re-resolve on unknown_series.
class SeriesRef {
public:
    constexpr SeriesRef() = default;
    constexpr bool valid() const noexcept { return m_generation != 0; }
    constexpr explicit operator bool() const noexcept { return valid(); }
    constexpr std::uint32_t slot() const noexcept { return m_slot; }
    constexpr std::uint32_t generation() const noexcept { return m_generation; }
    // Unique among refs handed out by one store, e.g. as a hash-map key.
    constexpr std::uint64_t id() const noexcept { return (std::uint64_t{m_generation} << 32) | m_slot; }
    constexpr bool operator==(const SeriesRef&) const = default;

private:
    friend class SeriesStore;
    constexpr SeriesRef(std::uint32_t slot, std::uint32_t generation) : m_slot(slot), m_generation(generation) {}
    std::uint32_t m_slot = 0;
    std::uint32_t m_generation = 0;  // 0: invalid
};

// Prometheus' append rules (storage.ErrOutOfOrderSample and friends).
enum class AppendResult : std::uint8_t {
    appended,
    duplicate,                       // same timestamp, bit-identical value: ignored, not an error
    out_of_order,                    // older than the newest sample: rejected
    duplicate_sample_for_timestamp,  // same timestamp, different value: rejected
    unknown_series,                  // invalid or stale ref (dropped by gc): get_or_create again
};
const char* to_string(AppendResult result) noexcept;
constexpr bool is_accepted(AppendResult r) noexcept {
    return r == AppendResult::appended || r == AppendResult::duplicate;
}

struct StoreStats {
    std::size_t series = 0;
    std::size_t samples = 0;
    std::size_t chunks = 0;   // sealed chunks plus open heads
    std::size_t symbols = 0;  // distinct interned strings
    // Estimate of everything the store allocated (capacities plus glibc's
    // per-allocation overhead), the figure behind tocsin_series_memory_bytes.
    std::size_t memory_bytes = 0;
    std::size_t sample_bytes = 0;  // compressed sample payload within memory_bytes
    std::size_t chunk_bytes = 0;   // chunk allocations incl. headers and head slack
    std::size_t index_bytes = 0;   // series hash table and postings
    std::size_t symbol_bytes = 0;
    std::size_t series_bytes = 0;  // series records and their label arrays
    std::uint64_t refused_series = 0;  // cumulative: refused by admission
    std::uint64_t invalid_series = 0;  // cumulative: empty label set or empty name
};

struct GcReport {
    std::size_t series_removed = 0;
    std::size_t samples_removed = 0;
    std::size_t chunks_removed = 0;
    std::size_t series_not_admitted = 0;  // part of series_removed: selectors changed
};

struct LoadReport {
    std::size_t series = 0;           // loaded into the store
    std::size_t samples = 0;          // loaded into the store
    std::size_t series_dropped = 0;   // not admitted, or no sample within retention
    std::size_t samples_dropped = 0;  // older than now - retention, or of dropped series
    std::size_t saves = 0;            // complete saves read: the base and the deltas after it
    // Bytes after the last complete save that were ignored: a save torn by
    // a crash, or damage (ignored_reason says which record and why).
    std::size_t ignored_bytes = 0;
    std::string ignored_reason;
};

struct SaveReport {
    bool full = false;            // the whole file was (re)written: the base
    std::size_t bytes = 0;        // written by this save
    std::size_t file_bytes = 0;   // the file's size after it
    std::size_t series = 0;       // series written: new, removed or with new samples (all in a full save)
};

enum class SelectOrder : std::uint8_t { by_labels, unordered };

// A set of label names resolved against one store (SeriesStore::label_filter),
// for building only the labels a reader needs. Valid until the store's next
// non-const call.
class LabelFilter {
public:
    LabelFilter() = default;

private:
    friend class SeriesStore;
    std::vector<std::uint32_t> m_ids;  // sorted symbol ids; names the store never saw are left out
    bool m_keep = true;                // true: only these names; false: all but these
};

// Reads one series' samples with mint <= t <= maxt (both inclusive; PromQL's
// left-open ranges pass mint + 1), decoding chunk by chunk without copying.
class SampleCursor {
public:
    SampleCursor() = default;
    bool next(Sample& out) noexcept;

private:
    friend class SeriesStore;
    bool open_next_chunk() noexcept;

    const Chunk* m_chunk = nullptr;  // next sealed chunk to open
    const std::uint8_t* m_head = nullptr;
    std::uint32_t m_head_bits = 0;
    std::uint32_t m_head_readable = 0;  // the head buffer's capacity
    std::uint32_t m_head_count = 0;
    std::int64_t m_head_min_t = 0;
    std::int64_t m_head_max_t = 0;
    bool m_head_pending = false;
    XorDecoder m_decoder;
    std::int64_t m_mint = 0;
    std::int64_t m_maxt = 0;
};

class SeriesStore {
public:
    // The 5-minute lookback delta alone, until rules say more.
    static constexpr std::chrono::milliseconds k_default_retention{5 * 60 * 1000};

    SeriesStore();
    ~SeriesStore();
    SeriesStore(const SeriesStore&) = delete;
    SeriesStore& operator=(const SeriesStore&) = delete;
    SeriesStore(SeriesStore&&) noexcept;
    SeriesStore& operator=(SeriesStore&&) noexcept;

    // --- writing (the scraper's hot path) ---

    // The series with `metric_name` (as __name__, may be empty) plus `labels`
    // in any order. A later duplicate name wins; empty values mean "no label".
    // Finding an existing series does not allocate (up to 32 labels). Returns
    // an invalid ref when admission refuses a new series or the label set is
    // empty or has an empty name.
    SeriesRef get_or_create(std::string_view metric_name, std::span<const LabelView> labels);
    SeriesRef get_or_create(const Labels& labels);
    // Like get_or_create but never creates.
    SeriesRef find(std::string_view metric_name, std::span<const LabelView> labels) const;
    SeriesRef find(const Labels& labels) const;

    // In-order appends only; staleness markers are appends of stale_marker().
    AppendResult append(SeriesRef ref, std::int64_t t_ms, double v);
    // Hints for a batch of appends: the series record, then (once that is in
    // cache) the end of its open chunk. Appending to 100k series is bound by
    // memory latency; issuing these a few appends ahead hides most of it.
    void prefetch_record(SeriesRef ref) const noexcept;
    void prefetch_head(SeriesRef ref) const noexcept;
    // A scrape's appends in page order, results[i] for appends[i] (the
    // shorter span bounds both): the prefetches above, issued ahead, and
    // no call per sample.
    struct PendingAppend {
        SeriesRef ref;
        std::int64_t t_ms = 0;
        double v = 0;
    };
    void append_batch(std::span<const PendingAppend> appends, std::span<AppendResult> results);

    // --- reading (PromQL) ---

    // Series matching all matchers (Prometheus semantics, see matcher.hpp);
    // no matchers selects every series.
    std::vector<SeriesRef> select(std::span<const Matcher> matchers,
                                  SelectOrder order = SelectOrder::by_labels) const;
    // The order select(..., by_labels) would give refs from an unordered
    // select: positions into `refs`, refs[order[0]] first. Lets a reader
    // walk series in memory order and sort only what it keeps. Every ref
    // must be valid.
    std::vector<std::uint32_t> label_order(std::span<const SeriesRef> refs) const;
    // A read hint, like prefetch_record for appends: once the record is in
    // cache, fetches the start of its chunks so that a cursor a few series
    // later does not wait for memory.
    void prefetch_samples(SeriesRef ref) const noexcept;
    // The same for building its labels.
    void prefetch_labels(SeriesRef ref) const noexcept;
    bool contains(SeriesRef ref) const noexcept;
    // Callers that cache refs check these instead of contains() per use:
    // removals counts series dropped one by one (gc); resets counts clear()
    // and snapshot loads, after which a cached ref may alias a new series.
    std::uint64_t removal_count() const noexcept;
    std::uint64_t reset_count() const noexcept;
    Labels labels(SeriesRef ref) const;  // empty when the ref is invalid
    // The same without __name__, as PromQL functions and arithmetic return them.
    Labels labels_without_metric_name(SeriesRef ref) const;
    // Only the labels named in `names` (keep) or all but those (!keep), e.g.
    // the grouping labels of `sum by (job)`.
    LabelFilter label_filter(std::span<const std::string> names, bool keep) const;
    Labels labels(SeriesRef ref, const LabelFilter& filter) const;
    std::string_view label_value(SeriesRef ref, std::string_view name) const;

    SampleCursor cursor(SeriesRef ref, std::int64_t mint, std::int64_t maxt) const;
    // Appends the samples with mint <= t <= maxt to `out`; returns how many.
    std::size_t samples(SeriesRef ref, std::int64_t mint, std::int64_t maxt, std::vector<Sample>& out) const;
    std::optional<Sample> last_sample(SeriesRef ref) const noexcept;
    std::size_t sample_count(SeriesRef ref) const noexcept;

    // --- retention and admission ---

    // How far back rules read: longest range + for + keep_firing_for +
    // lookback delta. Chunks are cut at a third of it.
    void set_retention(std::chrono::milliseconds retention);
    std::chrono::milliseconds retention() const noexcept;

    // Frees whole chunks whose newest sample is older than now - retention, so
    // up to one chunk span (retention / 3) of older samples may linger until
    // their chunk ages out; reads filter by window anyway. Drops series left
    // without samples and, after set_admission, series no selector admits.
    GcReport gc(std::int64_t now_ms);

    // A new series is stored only if every matcher of some selector matches
    // it, or keep_unmatched. Without a call, everything is admitted. Existing
    // series the new selectors no longer admit go at the next gc().
    void set_admission(std::vector<std::vector<Matcher>> selectors, bool keep_unmatched);

    // Drops every series; retention and admission stay.
    void clear();
    StoreStats stats() const;

    // --- snapshots (format in snapshot_format.hpp) ---

    // The periodic save. When `path` holds this store's earlier saves (the
    // same file, as long as the last save left it), appends what changed
    // since the last one: new and removed series and the samples appended
    // since (fdatasync'd; a crash in the middle leaves a torn save that
    // loading ignores). Otherwise, and once the appended saves outgrow the
    // base (k_compact_ratio), rewrites the file like write_snapshot.
    Result<SaveReport> save_snapshot(const std::string& path);
    // The full save (a graceful stop, compaction): writes path.tmp, fsyncs
    // it, renames it over `path` and fsyncs the directory, so `path` is
    // always a complete snapshot (old or new). Later save_snapshot calls
    // append to it.
    Status write_snapshot(const std::string& path);
    // The appended saves may grow to this many times the base's size.
    static constexpr std::size_t k_compact_ratio = 2;
    // A full snapshot in memory; changes nothing (later saves still append).
    std::string snapshot_bytes() const;
    // save_snapshot against memory, for tests and fuzzing: the whole file
    // (`full`, or no earlier call since the store was last cleared or
    // loaded), else the bytes to append to what the earlier calls returned.
    std::string save_snapshot_bytes(bool full = false);
    // Replaces the store's contents with the snapshot, dropping samples older
    // than now - retention (or than the writer's retention had dropped) and
    // series admission refuses. A missing file is not_found; an unreadable
    // one io; a foreign, newer or corrupt one, or one without a complete
    // save, invalid_argument; a torn or damaged tail after a complete save
    // is ignored (LoadReport::ignored_bytes). On any error the store is left
    // empty and usable. The next save after a load rewrites the file.
    Result<LoadReport> load_snapshot(const std::string& path, std::int64_t now_ms);
    Result<LoadReport> load_snapshot_bytes(std::string_view bytes, std::int64_t now_ms);

private:
    struct Impl;
    static constexpr SeriesRef make_ref(std::uint32_t slot, std::uint32_t generation) noexcept {
        return SeriesRef(slot, generation);
    }
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tocsin::series
