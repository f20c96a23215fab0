#include "tocsin/series/series_store.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "hash.hpp"
#include "series_store_impl.hpp"

namespace tocsin::series {

namespace {

// Prometheus' chunk size: long enough that the 32-byte header is noise.
constexpr std::uint16_t k_max_chunk_samples = 120;
// Chunks span a third of the retention (memory above retention is at most
// one chunk), but at least a minute so short retentions do not produce
// chunks of two samples.
constexpr std::int64_t k_min_chunk_span_ms = 60'000;
constexpr std::uint16_t k_head_initial_bytes = 32;
// Snapshot marks count a chunk's bits in 16 bits.
static_assert(64 + (k_max_chunk_samples - 1) * k_max_sample_bits <= UINT16_MAX);
constexpr std::uint32_t k_absent = IdHashTable::k_absent;
// Below this many candidates, checking each one beats any bookkeeping.
constexpr std::size_t k_small_candidates = 256;

std::int64_t saturating_sub(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t out = 0;
    if (__builtin_sub_overflow(a, b, &out)) return b > 0 ? std::numeric_limits<std::int64_t>::min()
                                                         : std::numeric_limits<std::int64_t>::max();
    return out;
}

// Intersects sorted `a` with sorted `b` in place.
void intersect_into(std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
    auto out = a.begin();
    if (b.size() > 16 * a.size()) {
        // Much larger b: binary search each element of a.
        auto from = b.begin();
        for (std::uint32_t x : a) {
            from = std::lower_bound(from, b.end(), x);
            if (from == b.end()) break;
            if (*from == x) *out++ = x;
        }
    } else {
        auto bi = b.begin();
        for (auto ai = a.begin(); ai != a.end() && bi != b.end();) {
            if (*ai < *bi) {
                ++ai;
            } else if (*bi < *ai) {
                ++bi;
            } else {
                *out++ = *ai;
                ++ai;
                ++bi;
            }
        }
    }
    a.erase(out, a.end());
}

}  // namespace

const char* to_string(AppendResult result) noexcept {
    switch (result) {
    case AppendResult::appended: return "appended";
    case AppendResult::duplicate: return "duplicate";
    case AppendResult::out_of_order: return "out of order sample";
    case AppendResult::duplicate_sample_for_timestamp: return "duplicate sample for timestamp";
    case AppendResult::unknown_series: return "unknown series";
    }
    return "unknown";
}

// ---------------------------------------------------------------- LabelBuffer

bool LabelBuffer::assign(std::string_view metric_name, std::span<const LabelView> labels) {
    const std::size_t n = labels.size() + (metric_name.empty() ? 0 : 1);
    if (n <= k_inline) {
        m_data = m_inline.data();
    } else {
        m_heap.resize(n);
        m_data = m_heap.data();
    }
    std::size_t k = 0;
    if (!metric_name.empty()) m_data[k++] = LabelView{"__name__", metric_name};
    for (const LabelView& l : labels) m_data[k++] = l;
    auto by_name = [](const LabelView& a, const LabelView& b) { return detail::less_strings(a.name, b.name); };
    if (n <= k_inline) {
        // Insertion sort: scrapes send a few labels, usually nearly sorted.
        for (std::size_t i = 1; i < n; ++i) {
            for (std::size_t j = i; j > 0 && by_name(m_data[j], m_data[j - 1]); --j) std::swap(m_data[j], m_data[j - 1]);
        }
    } else {
        std::stable_sort(m_data, m_data + n, by_name);
    }
    std::size_t out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i + 1 < n && detail::equal_strings(m_data[i + 1].name, m_data[i].name)) continue;  // a later value wins
        if (m_data[i].value.empty()) continue;
        if (m_data[i].name.empty()) return false;
        m_data[out++] = m_data[i];
    }
    m_size = out;
    return out > 0 && out <= std::numeric_limits<std::uint16_t>::max();
}

// ---------------------------------------------------------------- SampleCursor

bool SampleCursor::open_next_chunk() noexcept {
    while (m_chunk != nullptr) {
        const Chunk* c = m_chunk;
        m_chunk = c->next;
        if (c->max_t < m_mint) continue;
        if (c->min_t > m_maxt) break;
        m_decoder = XorDecoder(c->data(), c->bits, chunk_readable(*c), c->count, c->min_t);
        return true;
    }
    m_chunk = nullptr;
    if (m_head_pending) {
        m_head_pending = false;
        if (m_head_count > 0 && m_head_max_t >= m_mint && m_head_min_t <= m_maxt) {
            m_decoder = XorDecoder(m_head, m_head_bits, m_head_readable, m_head_count, m_head_min_t);
            return true;
        }
    }
    return false;
}

bool SampleCursor::next(Sample& out) noexcept {
    for (;;) {
        std::int64_t t = 0;
        std::uint64_t bits = 0;
        if (m_decoder.next(t, bits)) {
            if (t < m_mint) continue;
            if (t > m_maxt) {
                m_decoder = XorDecoder();
                m_chunk = nullptr;
                m_head_pending = false;
                return false;
            }
            out = Sample{t, std::bit_cast<double>(bits)};
            return true;
        }
        if (!open_next_chunk()) return false;
    }
}

// ---------------------------------------------------------------- Impl: slots and lookup

SeriesStore::Impl::~Impl() { clear(); }

const Series* SeriesStore::Impl::resolve(SeriesRef ref) const noexcept {
    if (!ref.valid() || ref.slot() >= m_slot_limit) return nullptr;
    const Series& s = at(ref.slot());
    return s.live() && s.generation == ref.generation() ? &s : nullptr;
}

Series* SeriesStore::Impl::resolve(SeriesRef ref) noexcept {
    return const_cast<Series*>(std::as_const(*this).resolve(ref));
}

std::uint64_t SeriesStore::Impl::hash_labels(std::span<const LabelView> sorted) noexcept {
    // Pairs are hashed independently and summed, so the CPU overlaps them;
    // the sorted, de-duplicated input makes a set hash sufficient.
    std::uint64_t h = detail::k_seed0 ^ sorted.size();
    for (const LabelView& l : sorted) {
        h += detail::mum(detail::hash_string(l.name, detail::k_seed2) ^ detail::k_seed1,
                         detail::hash_string(l.value, detail::k_seed3));
    }
    return detail::mix(h);
}

bool SeriesStore::Impl::equal_labels(const Series& s, std::span<const LabelView> sorted) const {
    if (s.label_count != sorted.size()) return false;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (!detail::equal_strings(m_symbols.str(s.name_id(i)), sorted[i].name) ||
            !detail::equal_strings(m_symbols.str(s.value_id(i)), sorted[i].value)) {
            return false;
        }
    }
    return true;
}

std::uint32_t SeriesStore::Impl::find_slot(std::span<const LabelView> sorted, std::uint64_t hash) const {
    return m_series_table.find(hash, [&](std::uint32_t slot) { return equal_labels(at(slot), sorted); });
}

std::uint32_t SeriesStore::Impl::get_or_create(std::span<const LabelView> sorted, bool& created) {
    created = false;
    const std::uint64_t hash = hash_labels(sorted);
    const std::uint32_t slot = find_slot(sorted, hash);
    if (slot != k_absent) return slot;
    if (!admitted(sorted)) {
        ++m_refused;
        return k_absent;
    }
    created = true;
    return create(sorted, hash);
}

std::uint32_t SeriesStore::Impl::create(std::span<const LabelView> sorted, std::uint64_t hash) {
    std::uint32_t slot = 0;
    if (!m_free_slots.empty()) {
        slot = m_free_slots.back();
        m_free_slots.pop_back();
    } else {
        if (m_slot_limit == k_absent) throw std::length_error("series store: too many series");
        slot = m_slot_limit++;
        if ((slot >> k_page_bits) >= m_pages.size()) m_pages.push_back(std::make_unique<Series[]>(k_page_size));
    }
    Series& s = at(slot);
    s.labels = new Id[2 * sorted.size()];
    s.label_count = static_cast<std::uint16_t>(sorted.size());
    s.hash = hash;
    m_label_alloc += alloc_size(2 * sorted.size() * sizeof(Id));
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        s.labels[2 * i] = m_symbols.intern(sorted[i].name);
        s.labels[2 * i + 1] = m_symbols.intern(sorted[i].value);
        add_posting(s.labels[2 * i], s.labels[2 * i + 1], slot);
    }
    m_series_table.insert(hash, slot);
    ++m_series;
    return slot;
}

// ---------------------------------------------------------------- Impl: index

std::uint64_t SeriesStore::Impl::postings_hash(Id name, Id value) noexcept {
    return detail::mix((std::uint64_t{name} << 32) | value);
}

const SeriesStore::Impl::Postings* SeriesStore::Impl::find_postings(Id name, Id value) const {
    if (name == SymbolTable::k_none || value == SymbolTable::k_none) return nullptr;
    const std::uint32_t i = m_postings_table.find(postings_hash(name, value), [&](std::uint32_t index) {
        return m_postings[index].name == name && m_postings[index].value == value;
    });
    return i == k_absent ? nullptr : &m_postings[i];
}

void SeriesStore::Impl::add_posting(Id name, Id value, std::uint32_t slot) {
    const std::uint64_t h = postings_hash(name, value);
    std::uint32_t index = m_postings_table.find(
        h, [&](std::uint32_t i) { return m_postings[i].name == name && m_postings[i].value == value; });
    if (index == k_absent) {
        index = static_cast<std::uint32_t>(m_postings.size());
        auto& values = m_names[name];
        m_postings.push_back(Postings{name, value, static_cast<std::uint32_t>(values.size()), {}});
        values.push_back(index);
        m_postings_table.insert(h, index);
    }
    auto& slots = m_postings[index].slots;
    // New slots are the highest unless a freed slot is reused.
    if (slots.empty() || slots.back() < slot) {
        slots.push_back(slot);
    } else {
        slots.insert(std::lower_bound(slots.begin(), slots.end(), slot), slot);
    }
}

void SeriesStore::Impl::remove_postings_entry(std::uint32_t index) {
    Postings& p = m_postings[index];
    auto names_it = m_names.find(p.name);
    auto& values = names_it->second;
    const std::uint32_t moved = values.back();
    values[p.name_pos] = moved;
    m_postings[moved].name_pos = p.name_pos;
    values.pop_back();
    if (values.empty()) m_names.erase(names_it);
    m_postings_table.erase(postings_hash(p.name, p.value), index);

    const auto last = static_cast<std::uint32_t>(m_postings.size() - 1);
    if (index != last) {
        Postings& m = m_postings[last];
        m_postings_table.replace(postings_hash(m.name, m.value), last, index);
        m_names[m.name][m.name_pos] = index;
        m_postings[index] = std::move(m);
    }
    m_postings.pop_back();
}

std::string_view SeriesStore::Impl::value_of(const Series& s, Id name) const noexcept {
    if (name == SymbolTable::k_none) return {};
    for (std::size_t i = 0; i < s.label_count; ++i) {
        if (s.name_id(i) == name) return m_symbols.str(s.value_id(i));
    }
    return {};
}

bool SeriesStore::Impl::labels_less(std::uint32_t a, std::uint32_t b) const {
    const Series& x = at(a);
    const Series& y = at(b);
    const std::size_t n = std::min(x.label_count, y.label_count);
    for (std::size_t i = 0; i < n; ++i) {
        if (x.name_id(i) != y.name_id(i)) return m_symbols.str(x.name_id(i)) < m_symbols.str(y.name_id(i));
        if (x.value_id(i) != y.value_id(i)) return m_symbols.str(x.value_id(i)) < m_symbols.str(y.value_id(i));
    }
    return x.label_count < y.label_count;
}

void SeriesStore::Impl::sort_by_labels(std::vector<std::uint32_t>& slots) const {
    const std::vector<std::uint32_t> order = label_order(slots);
    std::vector<std::uint32_t> sorted(slots.size());
    for (std::size_t p = 0; p < order.size(); ++p) sorted[p] = slots[order[p]];
    slots = std::move(sorted);
}

std::vector<std::uint32_t> SeriesStore::Impl::label_order(std::span<const std::uint32_t> slots) const {
    std::vector<std::uint32_t> order(slots.size());
    for (std::size_t p = 0; p < order.size(); ++p) order[p] = static_cast<std::uint32_t>(p);
    if (slots.size() <= 64) {
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return labels_less(slots[a], slots[b]); });
        return order;
    }
    // Many series: rank the strings they use once, then sort integer keys
    // (rank + 1 per name and value, zero-padded so a prefix sorts first)
    // instead of chasing symbol strings in every comparison.
    std::vector<std::uint32_t> rank(m_symbols.id_limit(), 0);
    std::vector<Id> ids;
    std::size_t stride = 0;
    for (std::uint32_t slot : slots) {
        const Series& s = at(slot);
        stride = std::max<std::size_t>(stride, 2 * std::size_t{s.label_count});
        for (std::size_t i = 0; i < 2 * std::size_t{s.label_count}; ++i) {
            if (rank[s.labels[i]] == 0) {
                rank[s.labels[i]] = 1;
                ids.push_back(s.labels[i]);
            }
        }
    }
    std::sort(ids.begin(), ids.end(), [&](Id a, Id b) { return m_symbols.str(a) < m_symbols.str(b); });
    for (std::size_t k = 0; k < ids.size(); ++k) rank[ids[k]] = static_cast<std::uint32_t>(k + 1);
    std::vector<std::uint32_t> keys(slots.size() * stride, 0);
    for (std::size_t p = 0; p < slots.size(); ++p) {
        const Series& s = at(slots[p]);
        for (std::size_t i = 0; i < 2 * std::size_t{s.label_count}; ++i) keys[p * stride + i] = rank[s.labels[i]];
    }
    // Columns equal in every row (the metric name, usually all label names)
    // cannot decide an order: drop them so comparisons stop sooner.
    std::vector<std::size_t> varying;
    for (std::size_t c = 0; c < stride; ++c) {
        for (std::size_t p = 1; p < slots.size(); ++p) {
            if (keys[p * stride + c] != keys[c]) {
                varying.push_back(c);
                break;
            }
        }
    }
    // When the varying columns' ranks fit in 64 bits together (the usual
    // case: a few labels with a few hundred values), one integer per row
    // decides the order: sort (key, position) pairs.
    const auto bits_for = [](std::uint32_t max_rank) { return static_cast<unsigned>(std::bit_width(max_rank)); };
    unsigned total_bits = 0;
    std::vector<unsigned> widths;
    for (std::size_t c : varying) {
        std::uint32_t hi = 0;
        for (std::size_t p = 0; p < slots.size(); ++p) hi = std::max(hi, keys[p * stride + c]);
        widths.push_back(bits_for(hi));
        total_bits += widths.back();
    }
    if (total_bits <= 64) {
        std::vector<std::pair<std::uint64_t, std::uint32_t>> packed(slots.size());
        for (std::size_t p = 0; p < slots.size(); ++p) {
            std::uint64_t k = 0;
            for (std::size_t v = 0; v < varying.size(); ++v) {
                k = (k << widths[v]) | keys[p * stride + varying[v]];
            }
            packed[p] = {k, static_cast<std::uint32_t>(p)};
        }
        std::sort(packed.begin(), packed.end());
        for (std::size_t p = 0; p < packed.size(); ++p) order[p] = packed[p].second;
        return order;
    }
    if (varying.size() < stride) {
        for (std::size_t p = 0; p < slots.size(); ++p) {
            for (std::size_t k = 0; k < varying.size(); ++k) keys[p * varying.size() + k] = keys[p * stride + varying[k]];
        }
        stride = varying.size();
    }
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        const std::uint32_t* x = keys.data() + std::size_t{a} * stride;
        const std::uint32_t* y = keys.data() + std::size_t{b} * stride;
        return std::lexicographical_compare(x, x + stride, y, y + stride);
    });
    return order;
}

std::vector<std::uint32_t> SeriesStore::Impl::select_slots(std::span<const Matcher> matchers) const {
    std::vector<std::uint32_t> candidates;
    bool have_candidates = false;

    // 1. Equality matchers on a value: one postings list each, intersected
    //    smallest first. Any missing list means no series can match.
    std::vector<const std::vector<std::uint32_t>*> lists;
    std::vector<const Matcher*> positive;  // the rest of the matchers that need the label
    std::vector<const Matcher*> negative;  // matchers that also match a missing label
    for (const Matcher& m : matchers) {
        if (m.matches_empty()) {
            negative.push_back(&m);
        } else if (m.type() == Matcher::equal) {
            const Postings* p = find_postings(m_symbols.find(m.name()), m_symbols.find(m.value()));
            if (p == nullptr) return {};
            lists.push_back(&p->slots);
        } else {
            positive.push_back(&m);
        }
    }
    if (!lists.empty()) {
        std::sort(lists.begin(), lists.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
        candidates = *lists.front();
        for (std::size_t i = 1; i < lists.size() && !candidates.empty(); ++i) intersect_into(candidates, *lists[i]);
        have_candidates = true;
        if (candidates.empty()) return {};
    }

    // 2. Other matchers that need the label: literal sets (a few lookups)
    //    before regexes (a scan over the label's values). Once the candidate
    //    set is smaller than the label's value count, checking each candidate
    //    is cheaper than building the union of postings.
    auto rank = [](const Matcher* m) { return m->is_literal_set() && m->type() == Matcher::regex ? 0 : 1; };
    std::stable_sort(positive.begin(), positive.end(), [&](auto* a, auto* b) { return rank(a) < rank(b); });
    for (const Matcher* m : positive) {
        const Id name = m_symbols.find(m->name());
        const auto names_it = name == SymbolTable::k_none ? m_names.end() : m_names.find(name);
        if (names_it == m_names.end()) return {};
        const auto& values = names_it->second;
        bool direct = false;
        if (have_candidates) {
            direct = candidates.size() <= k_small_candidates;
            if (!direct) {
                std::size_t total = 0;
                for (std::uint32_t index : values) total += m_postings[index].slots.size();
                direct = candidates.size() * 2 <= total;
            }
        }
        if (direct) {
            filter(candidates, *m, name);
        } else {
            std::vector<std::uint32_t> matched;
            if (m->is_literal_set() && m->type() == Matcher::regex) {
                for (const std::string& literal : m->literal_set()) {
                    if (const Postings* p = find_postings(name, m_symbols.find(literal))) {
                        matched.insert(matched.end(), p->slots.begin(), p->slots.end());
                    }
                }
            } else {
                for (std::uint32_t index : values) {
                    const Postings& p = m_postings[index];
                    if (m->matches(m_symbols.str(p.value))) matched.insert(matched.end(), p.slots.begin(), p.slots.end());
                }
            }
            // A series has one value per name, so the lists are disjoint.
            std::sort(matched.begin(), matched.end());
            if (have_candidates) {
                intersect_into(candidates, matched);
            } else {
                candidates = std::move(matched);
                have_candidates = true;
            }
        }
        if (candidates.empty()) return {};
    }

    // 3. Only matchers that accept a missing label: start from every series.
    if (!have_candidates) {
        candidates.reserve(m_series);
        for (std::uint32_t slot = 0; slot < m_slot_limit; ++slot) {
            if (at(slot).live()) candidates.push_back(slot);
        }
    }

    // 4. Those matchers filter per series; a missing label reads as "".
    for (const Matcher* m : negative) {
        const Id name = m_symbols.find(m->name());
        if (name == SymbolTable::k_none) continue;  // every value reads as "", which it matches
        filter(candidates, *m, name);
    }
    return candidates;
}

void SeriesStore::Impl::filter(std::vector<std::uint32_t>& candidates, const Matcher& m, Id name) const {
    if (candidates.size() <= k_small_candidates) {
        std::erase_if(candidates, [&](std::uint32_t slot) { return !m.matches(value_of(at(slot), name)); });
        return;
    }
    // Candidates share a few values: run the matcher once per value.
    enum : std::uint8_t { unknown, no, yes };
    std::vector<std::uint8_t> memo(m_symbols.id_limit(), unknown);
    const std::uint8_t missing = m.matches("") ? yes : no;
    std::erase_if(candidates, [&](std::uint32_t slot) {
        const Series& s = at(slot);
        for (std::size_t i = 0; i < s.label_count; ++i) {
            if (s.name_id(i) != name) continue;
            std::uint8_t& verdict = memo[s.value_id(i)];
            if (verdict == unknown) verdict = m.matches(m_symbols.str(s.value_id(i))) ? yes : no;
            return verdict == no;
        }
        return missing == no;
    });
}

// ---------------------------------------------------------------- Impl: samples

void SeriesStore::Impl::ensure_head(Series& s, std::size_t bytes) {
    if (bytes <= s.head_cap) return;
    std::size_t cap = s.head_cap == 0 ? k_head_initial_bytes : s.head_cap + std::max<std::size_t>(s.head_cap / 2, 32);
    cap = std::min<std::size_t>(std::max(cap, bytes), std::numeric_limits<std::uint16_t>::max());
    void* grown = std::realloc(s.head, cap);
    if (grown == nullptr) throw std::bad_alloc();
    // Zeroed, so readers may load whole words past the stream's end.
    std::memset(static_cast<std::uint8_t*>(grown) + s.head_cap, 0, cap - s.head_cap);
    m_chunk_alloc += alloc_size(cap) - alloc_size(s.head_cap);
    s.head = static_cast<std::uint8_t*>(grown);
    s.head_cap = static_cast<std::uint16_t>(cap);
}

void SeriesStore::Impl::seal(Series& s) {
    const std::size_t bytes = (s.head_bits + 7) / 8;
    const std::size_t request = chunk_request(static_cast<std::uint32_t>(bytes));
    void* memory = m_chunk_pool.allocate(alloc_size(sizeof(Chunk) + bytes));
    Chunk* c = new (memory) Chunk{nullptr, s.head_min_t, s.state.t, s.head_bits, s.head_count, s.head_saved_bits};
    std::memcpy(c->data(), s.head, bytes);
    std::memset(c->data() + bytes, 0, request - sizeof(Chunk) - bytes);
    if (s.newest != nullptr) {
        s.newest->next = c;
    } else {
        s.oldest = c;
    }
    s.newest = c;
    ++m_chunks;
    --m_heads;
    m_chunk_alloc += alloc_size(sizeof(Chunk) + bytes);
    // The head buffer keeps its capacity: the next chunk will need about as much.
    s.head_bits = 0;
    s.head_count = 0;
    s.head_saved_bits = 0;
}

AppendResult SeriesStore::Impl::append(Series& s, std::int64_t t, double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    if (s.head_count > 0) {
        if (t < s.state.t) return AppendResult::out_of_order;
        if (t == s.state.t) {
            return bits == s.state.value_bits ? AppendResult::duplicate : AppendResult::duplicate_sample_for_timestamp;
        }
        const std::uint64_t span = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(s.head_min_t);
        if (s.head_count >= k_max_chunk_samples || span >= static_cast<std::uint64_t>(m_chunk_span_ms)) seal(s);
    }
    if (s.head_count == 0) {
        ensure_head(s, 8 + k_writer_slack);
        BitWriter w(s.head, 0);
        xor_encode_first(w, s.state, t, bits);
        s.head_bits = w.bits();
        s.head_min_t = t;
        m_sample_bits += s.head_bits;
        ++m_heads;
    } else {
        ensure_head(s, (s.head_bits + k_max_sample_bits + 7) / 8 + k_writer_slack);
        BitWriter w(s.head, s.head_bits);
        xor_encode(w, s.state, t, bits);
        m_sample_bits += w.bits() - s.head_bits;
        s.head_bits = w.bits();
    }
    ++s.head_count;
    ++m_samples;
    return AppendResult::appended;
}

void SeriesStore::Impl::free_chunks(Series& s, GcReport* report) {
    for (Chunk* c = s.oldest; c != nullptr;) {
        Chunk* next = c->next;
        m_samples -= c->count;
        m_sample_bits -= c->bits;
        m_chunk_alloc -= alloc_size(sizeof(Chunk) + c->bytes());
        --m_chunks;
        if (report != nullptr) {
            report->samples_removed += c->count;
            ++report->chunks_removed;
        }
        m_chunk_pool.release(c, alloc_size(sizeof(Chunk) + c->bytes()));
        c = next;
    }
    s.oldest = s.newest = nullptr;
    m_samples -= s.head_count;
    m_sample_bits -= s.head_bits;
    if (s.head_count > 0) {
        --m_heads;
        if (report != nullptr) {
            report->samples_removed += s.head_count;
            ++report->chunks_removed;
        }
    }
    m_chunk_alloc -= alloc_size(s.head_cap);
    std::free(s.head);
    s.head = nullptr;
    s.head_cap = 0;
    s.head_bits = 0;
    s.head_count = 0;
    s.head_saved_bits = 0;
    s.state = XorState{};
}

// ---------------------------------------------------------------- Impl: retention, admission, removal

void SeriesStore::Impl::set_retention(std::int64_t ms) {
    m_retention_ms = std::max<std::int64_t>(ms, 0);
    m_chunk_span_ms = std::max(m_retention_ms / 3, k_min_chunk_span_ms);
}

template <typename ValueOf>
bool SeriesStore::Impl::admitted_by(ValueOf&& value_of) const {
    if (!m_admission.active || m_admission.keep_unmatched) return true;
    auto matches = [&](std::size_t i) {
        for (const Matcher& m : m_admission.selectors[i]) {
            if (!m.matches(value_of(m.name()))) return false;
        }
        return true;
    };
    const std::string_view metric = value_of("__name__");
    if (auto it = m_admission.by_metric.find(std::string(metric)); it != m_admission.by_metric.end()) {
        for (std::size_t i : it->second) {
            if (matches(i)) return true;
        }
    }
    for (std::size_t i : m_admission.generic) {
        if (matches(i)) return true;
    }
    return false;
}

bool SeriesStore::Impl::admitted(std::span<const LabelView> sorted) const {
    return admitted_by([&](std::string_view name) -> std::string_view {
        for (const LabelView& l : sorted) {
            if (l.name == name) return l.value;
        }
        return {};
    });
}

bool SeriesStore::Impl::admitted(const Series& s) const {
    return admitted_by([&](std::string_view name) { return value_of(s, m_symbols.find(name)); });
}

void SeriesStore::Impl::remove_series(std::vector<std::uint32_t>& slots, GcReport& report) {
    std::vector<std::uint32_t> dirty;  // postings entries that lost a slot
    for (std::uint32_t slot : slots) {
        Series& s = at(slot);
        if (m_log.is_saved(slot)) {
            m_log.clear_saved(slot);
            m_log.removed.push_back(slot);
        }
        free_chunks(s, &report);
        for (std::size_t i = 0; i < s.label_count; ++i) {
            const std::uint64_t h = postings_hash(s.name_id(i), s.value_id(i));
            dirty.push_back(m_postings_table.find(h, [&](std::uint32_t index) {
                return m_postings[index].name == s.name_id(i) && m_postings[index].value == s.value_id(i);
            }));
        }
        m_series_table.erase(s.hash, slot);
        for (std::size_t i = 0; i < 2 * std::size_t{s.label_count}; ++i) m_symbols.release(s.labels[i]);
        m_label_alloc -= alloc_size(2 * std::size_t{s.label_count} * sizeof(Id));
        delete[] s.labels;
        s.labels = nullptr;
        s.label_count = 0;
        s.generation = s.generation == std::numeric_limits<std::uint32_t>::max() ? 1 : s.generation + 1;
        --m_series;
        ++m_removals;
        ++report.series_removed;
    }
    // Slots go back to the free list only now: while dirty lists are
    // compacted below, a dead slot must read as dead.
    std::sort(dirty.begin(), dirty.end());
    dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
    std::vector<std::uint32_t> empty;
    for (std::uint32_t index : dirty) {
        auto& list = m_postings[index].slots;
        std::erase_if(list, [&](std::uint32_t slot) { return !at(slot).live(); });
        if (list.empty()) {
            empty.push_back(index);
        } else if (list.capacity() > 2 * list.size() + 8) {
            list.shrink_to_fit();
        }
    }
    // Descending, so the swap-remove never moves a pending entry.
    for (auto it = empty.rbegin(); it != empty.rend(); ++it) remove_postings_entry(*it);
    m_free_slots.insert(m_free_slots.end(), slots.begin(), slots.end());
}

void SeriesStore::Impl::clear() {
    ++m_resets;
    m_log.reset();
    m_gc_cutoff = INT64_MIN;
    m_save_buffer.reset();
    m_save_buffer_capacity = 0;
    for (std::uint32_t slot = 0; slot < m_slot_limit; ++slot) {
        Series& s = at(slot);
        if (!s.live()) continue;
        free_chunks(s, nullptr);
        delete[] s.labels;
    }
    m_chunk_pool.reset();  // every chunk is back: return the slabs
    m_pages.clear();
    m_pages.shrink_to_fit();
    m_slot_limit = 0;
    m_free_slots.clear();
    m_free_slots.shrink_to_fit();
    m_series = 0;
    m_series_table.clear();
    m_postings.clear();
    m_postings.shrink_to_fit();
    m_postings_table.clear();
    m_names.clear();
    m_symbols.clear();
    m_samples = 0;
    m_sample_bits = 0;
    m_chunks = 0;
    m_heads = 0;
    m_chunk_alloc = 0;
    m_label_alloc = 0;
}

// ---------------------------------------------------------------- SeriesStore

SeriesStore::SeriesStore() : m_impl(std::make_unique<Impl>()) { m_impl->set_retention(k_default_retention.count()); }
SeriesStore::~SeriesStore() = default;
SeriesStore::SeriesStore(SeriesStore&&) noexcept = default;
SeriesStore& SeriesStore::operator=(SeriesStore&&) noexcept = default;

SeriesRef SeriesStore::get_or_create(std::string_view metric_name, std::span<const LabelView> labels) {
    LabelBuffer buffer;
    if (!buffer.assign(metric_name, labels)) {
        ++m_impl->m_invalid;
        return {};
    }
    bool created = false;
    const std::uint32_t slot = m_impl->get_or_create(buffer.views(), created);
    return slot == k_absent ? SeriesRef{} : m_impl->ref_of(slot);
}

SeriesRef SeriesStore::get_or_create(const Labels& labels) {
    std::array<LabelView, LabelBuffer::k_inline> inline_views;
    std::vector<LabelView> heap_views;
    std::span<LabelView> views;
    if (labels.size() <= inline_views.size()) {
        views = std::span<LabelView>(inline_views.data(), labels.size());
    } else {
        heap_views.resize(labels.size());
        views = heap_views;
    }
    std::size_t i = 0;
    for (const Label& l : labels) views[i++] = LabelView{l.name, l.value};
    return get_or_create({}, views);
}

SeriesRef SeriesStore::find(std::string_view metric_name, std::span<const LabelView> labels) const {
    LabelBuffer buffer;
    if (!buffer.assign(metric_name, labels)) return {};
    const std::uint32_t slot = m_impl->find_slot(buffer.views(), Impl::hash_labels(buffer.views()));
    return slot == k_absent ? SeriesRef{} : m_impl->ref_of(slot);
}

SeriesRef SeriesStore::find(const Labels& labels) const {
    std::vector<LabelView> views;
    views.reserve(labels.size());
    for (const Label& l : labels) views.push_back(LabelView{l.name, l.value});
    return find({}, views);
}

void SeriesStore::prefetch_record(SeriesRef ref) const noexcept {
    if (!ref.valid() || ref.slot() >= m_impl->m_slot_limit) return;
    __builtin_prefetch(&m_impl->at(ref.slot()), 1);
}

void SeriesStore::prefetch_head(SeriesRef ref) const noexcept {
    if (!ref.valid() || ref.slot() >= m_impl->m_slot_limit) return;
    const Series& s = m_impl->at(ref.slot());
    if (s.head != nullptr) __builtin_prefetch(s.head + s.head_bits / 8, 1);
}

void SeriesStore::append_batch(std::span<const PendingAppend> appends, std::span<AppendResult> results) {
    // 100k appends are bound by memory latency: the record sixteen ahead,
    // then its open chunk's end eight ahead, arrive while these append.
    constexpr std::size_t k_record_ahead = 16;
    constexpr std::size_t k_head_ahead = 8;
    const std::size_t n = std::min(appends.size(), results.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (i + k_record_ahead < n) prefetch_record(appends[i + k_record_ahead].ref);
        if (i + k_head_ahead < n) {
            // prefetch_head's body, written out: inlined here (as a call or
            // as an Impl member) GCC 12 drops the prefetch (seen in objdump).
            const SeriesRef ahead = appends[i + k_head_ahead].ref;
            if (ahead.valid() && ahead.slot() < m_impl->m_slot_limit) {
                const Series& s = m_impl->at(ahead.slot());
                if (s.head != nullptr) __builtin_prefetch(s.head + s.head_bits / 8, 1);
            }
        }
        const PendingAppend& a = appends[i];
        Series* s = m_impl->resolve(a.ref);
        results[i] = s == nullptr ? AppendResult::unknown_series : m_impl->append(*s, a.t_ms, a.v);
    }
}

AppendResult SeriesStore::append(SeriesRef ref, std::int64_t t_ms, double v) {
    Series* s = m_impl->resolve(ref);
    if (s == nullptr) return AppendResult::unknown_series;
    return m_impl->append(*s, t_ms, v);
}

std::vector<SeriesRef> SeriesStore::select(std::span<const Matcher> matchers, SelectOrder order) const {
    std::vector<std::uint32_t> slots = m_impl->select_slots(matchers);
    if (order == SelectOrder::by_labels) m_impl->sort_by_labels(slots);
    std::vector<SeriesRef> out;
    out.reserve(slots.size());
    for (std::uint32_t slot : slots) out.push_back(m_impl->ref_of(slot));
    return out;
}

std::vector<std::uint32_t> SeriesStore::label_order(std::span<const SeriesRef> refs) const {
    std::vector<std::uint32_t> slots;
    slots.reserve(refs.size());
    for (const SeriesRef ref : refs) slots.push_back(ref.slot());
    return m_impl->label_order(slots);
}

void SeriesStore::prefetch_samples(SeriesRef ref) const noexcept {
    if (!ref.valid() || ref.slot() >= m_impl->m_slot_limit) return;
    const Series& s = m_impl->at(ref.slot());
    if (s.oldest != nullptr) {
        __builtin_prefetch(s.oldest);
        if (s.newest != s.oldest) __builtin_prefetch(s.newest);
    }
    if (s.head != nullptr) __builtin_prefetch(s.head);
}

void SeriesStore::prefetch_labels(SeriesRef ref) const noexcept {
    if (!ref.valid() || ref.slot() >= m_impl->m_slot_limit) return;
    const Series& s = m_impl->at(ref.slot());
    if (s.labels != nullptr) __builtin_prefetch(s.labels);
}

bool SeriesStore::contains(SeriesRef ref) const noexcept { return m_impl->resolve(ref) != nullptr; }

// The store keeps each series' labels sorted by name, names unique and
// values non-empty: exactly Labels' invariant, so no sorting here.
Labels SeriesStore::Impl::labels_of(const Series& s, Id skip_name) const {
    std::vector<Label> out;
    out.reserve(s.label_count);
    for (std::size_t i = 0; i < s.label_count; ++i) {
        if (s.name_id(i) == skip_name) continue;
        const std::string_view name = m_symbols.str(s.name_id(i));
        const std::string_view value = m_symbols.str(s.value_id(i));
        out.push_back(Label{std::string(name), std::string(value)});
    }
    return Labels::from_sorted(std::move(out));
}

Labels SeriesStore::labels(SeriesRef ref) const {
    const Series* s = m_impl->resolve(ref);
    if (s == nullptr) return {};
    return m_impl->labels_of(*s, SymbolTable::k_none);
}

Labels SeriesStore::labels_without_metric_name(SeriesRef ref) const {
    const Series* s = m_impl->resolve(ref);
    if (s == nullptr) return {};
    return m_impl->labels_of(*s, m_impl->m_symbols.find("__name__"));
}

LabelFilter SeriesStore::label_filter(std::span<const std::string> names, bool keep) const {
    LabelFilter f;
    f.m_keep = keep;
    for (const std::string& name : names) {
        const Id id = m_impl->m_symbols.find(name);
        if (id != SymbolTable::k_none) f.m_ids.push_back(id);
    }
    std::sort(f.m_ids.begin(), f.m_ids.end());
    f.m_ids.erase(std::unique(f.m_ids.begin(), f.m_ids.end()), f.m_ids.end());
    return f;
}

Labels SeriesStore::labels(SeriesRef ref, const LabelFilter& filter) const {
    const Series* s = m_impl->resolve(ref);
    if (s == nullptr) return {};
    std::vector<Label> out;
    out.reserve(filter.m_keep ? filter.m_ids.size() : s->label_count);
    for (std::size_t i = 0; i < s->label_count; ++i) {
        const bool listed = std::binary_search(filter.m_ids.begin(), filter.m_ids.end(), s->name_id(i));
        if (listed != filter.m_keep) continue;
        out.push_back(Label{std::string(m_impl->m_symbols.str(s->name_id(i))),
                            std::string(m_impl->m_symbols.str(s->value_id(i)))});
    }
    return Labels::from_sorted(std::move(out));
}

std::string_view SeriesStore::label_value(SeriesRef ref, std::string_view name) const {
    const Series* s = m_impl->resolve(ref);
    return s == nullptr ? std::string_view{} : m_impl->value_of(*s, m_impl->m_symbols.find(name));
}

SampleCursor SeriesStore::cursor(SeriesRef ref, std::int64_t mint, std::int64_t maxt) const {
    SampleCursor c;
    const Series* s = m_impl->resolve(ref);
    if (s == nullptr || mint > maxt) return c;
    c.m_chunk = s->oldest;
    c.m_head = s->head;
    c.m_head_bits = s->head_bits;
    c.m_head_readable = s->head_cap;
    c.m_head_count = s->head_count;
    c.m_head_min_t = s->head_min_t;
    c.m_head_max_t = s->state.t;
    c.m_head_pending = true;
    c.m_mint = mint;
    c.m_maxt = maxt;
    return c;
}

std::size_t SeriesStore::samples(SeriesRef ref, std::int64_t mint, std::int64_t maxt, std::vector<Sample>& out) const {
    // What a cursor does, with the decoder in locals (registers) instead of
    // a cursor object: this is PromQL's bulk read.
    const Series* s = m_impl->resolve(ref);
    if (s == nullptr || mint > maxt) return 0;
    const std::size_t before = out.size();
    const auto drain = [&](XorDecoder d) {
        std::int64_t t = 0;
        std::uint64_t bits = 0;
        while (d.next(t, bits)) {
            if (t < mint) continue;
            if (t > maxt) return false;
            out.push_back(Sample{t, std::bit_cast<double>(bits)});
        }
        return true;
    };
    for (const Chunk* c = s->oldest; c != nullptr; c = c->next) {
        if (c->max_t < mint) continue;
        if (c->min_t > maxt) return out.size() - before;
        if (!drain(XorDecoder(c->data(), c->bits, chunk_readable(*c), c->count, c->min_t))) return out.size() - before;
    }
    if (s->head_count > 0 && s->state.t >= mint && s->head_min_t <= maxt) {
        drain(XorDecoder(s->head, s->head_bits, s->head_cap, s->head_count, s->head_min_t));
    }
    return out.size() - before;
}

std::optional<Sample> SeriesStore::last_sample(SeriesRef ref) const noexcept {
    const Series* s = m_impl->resolve(ref);
    if (s == nullptr || s->head_count == 0) return std::nullopt;
    return Sample{s->state.t, std::bit_cast<double>(s->state.value_bits)};
}

std::size_t SeriesStore::sample_count(SeriesRef ref) const noexcept {
    const Series* s = m_impl->resolve(ref);
    if (s == nullptr) return 0;
    std::size_t n = s->head_count;
    for (const Chunk* c = s->oldest; c != nullptr; c = c->next) n += c->count;
    return n;
}

void SeriesStore::set_retention(std::chrono::milliseconds retention) { m_impl->set_retention(retention.count()); }

std::chrono::milliseconds SeriesStore::retention() const noexcept {
    return std::chrono::milliseconds(m_impl->m_retention_ms);
}

GcReport SeriesStore::gc(std::int64_t now_ms) {
    Impl& impl = *m_impl;
    GcReport report;
    const std::int64_t cutoff = saturating_sub(now_ms, impl.m_retention_ms);
    impl.m_gc_cutoff = cutoff;
    const bool check_admission = impl.m_admission.dirty;
    impl.m_admission.dirty = false;
    std::vector<std::uint32_t> dead;
    for (std::uint32_t slot = 0; slot < impl.m_slot_limit; ++slot) {
        // Each series costs a read of its oldest chunk's header, a cache
        // miss: fetch it a few series ahead (records are read in order).
        constexpr std::uint32_t k_ahead = 8;
        if (slot + k_ahead < impl.m_slot_limit) {
            if (const Chunk* ahead = impl.at(slot + k_ahead).oldest; ahead != nullptr) __builtin_prefetch(ahead);
        }
        Series& s = impl.at(slot);
        if (!s.live()) continue;
        if (check_admission && !impl.admitted(s)) {
            dead.push_back(slot);
            ++report.series_not_admitted;
            continue;
        }
        while (s.oldest != nullptr && s.oldest->max_t < cutoff) {
            Chunk* c = s.oldest;
            s.oldest = c->next;
            if (s.oldest == nullptr) s.newest = nullptr;
            impl.m_samples -= c->count;
            impl.m_sample_bits -= c->bits;
            impl.m_chunk_alloc -= alloc_size(sizeof(Chunk) + c->bytes());
            --impl.m_chunks;
            report.samples_removed += c->count;
            ++report.chunks_removed;
            impl.m_chunk_pool.release(c, alloc_size(sizeof(Chunk) + c->bytes()));
        }
        if (s.oldest == nullptr && (s.head_count == 0 || s.state.t < cutoff)) dead.push_back(slot);
    }
    if (!dead.empty()) impl.remove_series(dead, report);
    impl.m_symbols.compact();
    return report;
}

void SeriesStore::set_admission(std::vector<std::vector<Matcher>> selectors, bool keep_unmatched) {
    Impl::Admission a;
    a.active = true;
    a.keep_unmatched = keep_unmatched;
    a.dirty = true;
    a.selectors = std::move(selectors);
    for (std::size_t i = 0; i < a.selectors.size(); ++i) {
        const Matcher* name_matcher = nullptr;
        for (const Matcher& m : a.selectors[i]) {
            if (m.name() == "__name__" && m.type() == Matcher::equal && !m.value().empty()) name_matcher = &m;
        }
        if (name_matcher != nullptr) {
            a.by_metric[name_matcher->value()].push_back(i);
        } else {
            a.generic.push_back(i);
        }
    }
    m_impl->m_admission = std::move(a);
}

void SeriesStore::clear() { m_impl->clear(); }
std::uint64_t SeriesStore::removal_count() const noexcept { return m_impl->m_removals; }
std::uint64_t SeriesStore::reset_count() const noexcept { return m_impl->m_resets; }

StoreStats SeriesStore::stats() const {
    const Impl& impl = *m_impl;
    StoreStats st;
    st.series = impl.m_series;
    st.samples = impl.m_samples;
    st.chunks = impl.m_chunks + impl.m_heads;
    st.symbols = impl.m_symbols.size();
    st.sample_bytes = static_cast<std::size_t>((impl.m_sample_bits + 7) / 8);
    st.chunk_bytes = impl.m_chunk_alloc + impl.m_chunk_pool.free_bytes();
    st.symbol_bytes = impl.m_symbols.memory_bytes();
    st.series_bytes = impl.m_pages.size() * alloc_size(Impl::k_page_size * sizeof(Series)) +
                      impl.m_pages.capacity() * sizeof(void*) + impl.m_free_slots.capacity() * sizeof(std::uint32_t) +
                      impl.m_label_alloc + impl.m_log.memory_bytes() + impl.m_save_buffer_capacity;
    std::size_t index = impl.m_series_table.memory_bytes() + impl.m_postings_table.memory_bytes() +
                        impl.m_postings.capacity() * sizeof(Impl::Postings);
    for (const auto& p : impl.m_postings) index += alloc_size(p.slots.capacity() * sizeof(std::uint32_t));
    // unordered_map: a bucket pointer each, a node (next, key, vector) each.
    index += impl.m_names.bucket_count() * sizeof(void*);
    for (const auto& [name, values] : impl.m_names) {
        index += alloc_size(sizeof(void*) + sizeof(name) + sizeof(values)) +
                 alloc_size(values.capacity() * sizeof(std::uint32_t));
    }
    st.index_bytes = index;
    st.memory_bytes = st.chunk_bytes + st.symbol_bytes + st.series_bytes + st.index_bytes;
    st.refused_series = impl.m_refused;
    st.invalid_series = impl.m_invalid;
    return st;
}

}  // namespace tocsin::series
