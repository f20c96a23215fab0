// The series snapshot file, written on graceful stop and every minute so a
// restart does not blind 15-minute rules for 15 minutes.
//
//   header   magic "TOCSINS\x1a" (8 bytes), format version (u32 LE)
//   section* kind (u8), payload length (u32 LE), payload,
//            CRC-32 (zlib, u32 LE) over kind, length and payload
//
// Section kinds (payload integers are LEB128 varints, "zz" zigzag-signed):
//   1 symbols  count, then count x (length, bytes); numbered from 0 across
//              all symbols sections, in file order
//   2 series   count, then count x (label count, label count x (name symbol,
//              value symbol) sorted by name, chunk count, chunk count x
//              (zz min_t, sample count, bit length, ceil(bits/8) bytes of an
//              xor_chunk.hpp stream))
//   0 end      series total, sample total, symbol total; must be last
// Anything after the end section, a missing end section, a checksum mismatch
// or a value out of range makes the whole file invalid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tocsin::series::snapshot {

inline constexpr std::string_view k_magic{"TOCSINS\x1a", 8};
inline constexpr std::uint32_t k_version = 1;
inline constexpr std::size_t k_header_size = 12;
// A reader refuses larger sections; the writer cuts them at about 1 MiB.
inline constexpr std::uint32_t k_max_section_payload = 64u << 20;

enum class SectionKind : std::uint8_t { end = 0, symbols = 1, series = 2 };

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);
// Magic and version.
std::string header(std::uint32_t version = k_version);
// kind, length, payload and CRC, ready to append to a file.
std::string frame_section(std::uint8_t kind, std::string_view payload);

}  // namespace tocsin::series::snapshot
