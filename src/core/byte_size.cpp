#include "tocsin/core/byte_size.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace tocsin {

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
    std::uint64_t amount = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
    if (ec != std::errc{} || end == text.data()) return std::nullopt;
    std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    constexpr std::array<std::pair<std::string_view, int>, 10> k_units{{
        {"", 0}, {"B", 0}, {"KiB", 1}, {"MiB", 2}, {"GiB", 3}, {"TiB", 4}, {"KB", 1}, {"MB", 2}, {"GB", 3}, {"TB", 4},
    }};
    for (const auto& [name, power] : k_units) {
        if (unit != name) continue;
        std::uint64_t value = amount;
        for (int i = 0; i < power; ++i) {
            if (value > std::numeric_limits<std::uint64_t>::max() / 1024) return std::nullopt;
            value *= 1024;
        }
        return value;
    }
    return std::nullopt;
}

}  // namespace tocsin
