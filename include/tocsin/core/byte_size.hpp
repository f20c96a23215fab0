// Sizes as operators write them: 512KiB, 10MiB, 1GiB, or a plain byte count.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tocsin {

// Units B, KiB, MiB, GiB, TiB and KB, MB, GB, TB, all powers of 1024 (as
// Prometheus' body_size_limit reads them); one integer amount.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace tocsin
