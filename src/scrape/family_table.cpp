#include "family_table.hpp"

#include <array>
#include <cstring>

namespace tocsin::scrape {
namespace {

struct SuffixRule {
    std::string_view suffix;
    std::array<MetricType, 3> types;  // unknown pads unused entries
    std::size_t count;
};

// Which sample names belong to which family types (OpenMetrics 1.0 naming;
// the Prometheus text format uses a subset of the same suffixes).
constexpr std::array<SuffixRule, 8> k_suffix_rules{{
    {"_total", {MetricType::counter}, 1},
    {"_created", {MetricType::counter, MetricType::histogram, MetricType::summary}, 3},
    {"_bucket", {MetricType::histogram, MetricType::gaugehistogram}, 2},
    {"_sum", {MetricType::histogram, MetricType::summary}, 2},
    {"_count", {MetricType::histogram, MetricType::summary}, 2},
    {"_gsum", {MetricType::gaugehistogram}, 1},
    {"_gcount", {MetricType::gaugehistogram}, 1},
    {"_info", {MetricType::info}, 1},
}};

}  // namespace

std::uint64_t FamilyTable::hash_of(std::string_view s) noexcept {
    // A word at a time; names are mostly 10..60 bytes.
    std::uint64_t h = 0x9e3779b97f4a7c15ULL * (s.size() + 1);
    auto mix = [&h](std::uint64_t w) {
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    };
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        mix(w);
    }
    if (i < s.size()) {
        std::uint64_t w = 0;
        std::memcpy(&w, s.data() + i, s.size() - i);
        mix(w);
    }
    return h ^ (h >> 29);
}

void FamilyTable::clear() noexcept {
    m_size = 0;
    if (++m_generation == 0) {  // wrapped: stale stamps could look live again
        for (auto& slot : m_slots) slot.generation = 0;
        m_generation = 1;
    }
}

void FamilyTable::grow() {
    std::vector<Slot> old;
    old.swap(m_slots);
    m_slots.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    std::uint32_t live = m_generation;
    m_generation = 1;
    m_size = 0;
    for (const auto& slot : old) {
        if (slot.generation == live) set(slot.name, slot.type);
    }
}

void FamilyTable::set(std::string_view family, MetricType type) {
    if ((m_size + 1) * 2 > m_slots.size()) grow();
    std::uint64_t h = hash_of(family);
    std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        Slot& slot = m_slots[i];
        if (slot.generation != m_generation) {
            slot = Slot{family, h, m_generation, type};
            ++m_size;
            return;
        }
        if (slot.hash == h && slot.name == family) {
            slot.type = type;
            return;
        }
    }
}

std::optional<MetricType> FamilyTable::find(std::string_view family) const noexcept {
    if (m_size == 0) return std::nullopt;
    std::uint64_t h = hash_of(family);
    std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& slot = m_slots[i];
        if (slot.generation != m_generation) return std::nullopt;
        if (slot.hash == h && slot.name == family) return slot.type;
    }
}

MetricType FamilyTable::resolve(std::string_view sample_name) const noexcept {
    if (m_size == 0) return MetricType::unknown;
    if (auto own = find(sample_name)) return *own;
    for (const auto& rule : k_suffix_rules) {
        if (sample_name.size() <= rule.suffix.size() || !sample_name.ends_with(rule.suffix)) continue;
        auto family = find(sample_name.substr(0, sample_name.size() - rule.suffix.size()));
        if (!family) continue;
        for (std::size_t i = 0; i < rule.count; ++i) {
            if (rule.types[i] == *family) return *family;
        }
    }
    return MetricType::unknown;
}

}  // namespace tocsin::scrape
