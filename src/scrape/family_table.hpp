// The TYPE lines seen so far in one page, keyed by family name (a view into
// the page). Open addressing; clear() keeps the slots so a parser that is
// reused across scrapes stops allocating once it has seen its largest page.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "tocsin/scrape/exposition_parser.hpp"

namespace tocsin::scrape {

class FamilyTable {
public:
    void clear() noexcept;
    bool empty() const noexcept { return m_size == 0; }
    // A later TYPE line for the same family replaces the earlier one, as
    // Prometheus' metadata cache does.
    void set(std::string_view family, MetricType type);
    std::optional<MetricType> find(std::string_view family) const noexcept;
    // The sample's own TYPE if it has one, else its family's after removing
    // a suffix that family's type allows (foo_bucket -> histogram foo).
    MetricType resolve(std::string_view sample_name) const noexcept;

private:
    struct Slot {
        std::string_view name;
        std::uint64_t hash = 0;
        std::uint32_t generation = 0;  // live only if equal to m_generation
        MetricType type = MetricType::unknown;
    };
    static std::uint64_t hash_of(std::string_view s) noexcept;
    void grow();

    std::vector<Slot> m_slots;
    std::uint32_t m_generation = 1;
    std::size_t m_size = 0;
};

}  // namespace tocsin::scrape
