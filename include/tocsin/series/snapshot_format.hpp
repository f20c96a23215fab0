// The series snapshot file, so a restart does not blind 15-minute rules for
// 15 minutes. It is a base (every series) followed by a log of deltas: the
// daemon's periodic save appends only what changed since the save before,
// and a graceful stop or a log grown past the base rewrites the whole file.
//
//   header   magic "TOCSINS\x1a" (8 bytes), format version (u32 LE)
//   record*  kind (u8), payload length (u32 LE), payload,
//            CRC-32C (Castagnoli, u32 LE) over kind, length and payload
//
// The records form saves; each save ends with a commit record and counts
// only once its commit is intact. The first save is full (the base), every
// later one a delta. A record that is incomplete or fails its checksum ends
// the file: it and everything after it is ignored (a save torn by a crash,
// or damage), and the file loads as of the last complete save before it.
// A file without one complete save is invalid.
//
// Record kinds (payload integers are LEB128 varints, "zz" zigzag-signed).
// Series are named by their slot in the writing store (unique among its
// live series); symbols are numbered from 0 within each save.
//   1 symbols  count, count x (length, bytes)
//   2 series   count, count x (slot, label count, label count x (name
//              symbol, value symbol) sorted by name, chunk count, chunk
//              count x chunk): a series new to the file (every series in
//              the base); chunk = (zz min_t, sample count, bit length,
//              ceil(bits/8) bytes of an xor_chunk.hpp stream)
//   3 removed  count, count x slot: series dropped since the save before
//   4 appended count, count x (slot, bit length of the series' last chunk
//              in the file now, or 0 when it did not grow, then its bytes
//              from byte floor(old bit length / 8) to the end, new chunk
//              count, new chunks as in a series record): samples appended
//              to a series since the save before
//   0 commit   flags (1: full save), sequence (0 for the base, then +1),
//              live series after the save, zz oldest kept timestamp (the
//              store's last gc cutoff: older samples are not loaded)
// Within a save: removals, then appends, then symbols and new series.
//
// Version 1 (read, never written): the base alone with zlib CRC-32,
// sections symbols (1, numbered across the file), series (2, without
// slot) and end (0: series, sample and symbol totals), nothing after end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tocsin::series::snapshot {

inline constexpr std::string_view k_magic{"TOCSINS\x1a", 8};
inline constexpr std::uint32_t k_version = 2;
inline constexpr std::size_t k_header_size = 12;
inline constexpr std::size_t k_record_overhead = 9;  // kind, length, CRC
// A reader refuses larger records; the writer cuts them at about 1 MiB.
inline constexpr std::uint32_t k_max_record_payload = 64u << 20;

enum class RecordKind : std::uint8_t { commit = 0, symbols = 1, series = 2, removed = 3, appended = 4 };
inline constexpr std::uint8_t k_commit_full = 1;

// CRC-32C (iSCSI polynomial, as ext4 and iSCSI use it): SSE4.2 when the CPU
// has it, with three interleaved streams for long inputs; a table otherwise.
std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);
// The portable implementation, for tests against the hardware one.
std::uint32_t crc32c_portable(std::string_view bytes, std::uint32_t crc = 0);
// zlib's CRC-32, version 1's checksum.
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

// Magic and version.
std::string header(std::uint32_t version = k_version);
// kind, length, payload and checksum (CRC-32C; zlib CRC-32 for version 1),
// ready to append to a file.
std::string frame_record(std::uint8_t kind, std::string_view payload, std::uint32_t version = k_version);

}  // namespace tocsin::series::snapshot
