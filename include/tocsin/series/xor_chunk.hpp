// Gorilla-style sample compression (Pelkonen et al., VLDB 2015):
// delta-of-delta timestamps and XOR'd float values in a bit stream. A 15 s
// scrape of a slowly changing value costs 1-4 bytes instead of 16.
//
// Stream layout of one chunk (bits, most significant first):
//   sample 0: value as 64 raw bits (its timestamp is the chunk's min_t)
//   sample i: dod  = (t_i - t_{i-1}) - (t_{i-1} - t_{i-2}), with the delta
//                    before sample 1 taken as 0
//                '0'                     dod == 0
//                '10'   + 7 bits         -64 .. 63 (ms jitter)
//                '110'  + 14 bits        about +-8 s
//                '1110' + 20 bits        about +-8.7 min
//                '1111' + 64 bits        anything
//             value x = bits(v_i) ^ bits(v_{i-1})
//                '0'                     x == 0
//                '10'  + meaningful bits x fits the previous leading/trailing window
//                '11'  + 5 bits leading zeros + 6 bits length (0 = 64) + bits
// Values are handled as bit patterns: NaN payloads (the staleness marker)
// round-trip exactly. Timestamp arithmetic wraps (uint64), so any int64
// sequence round-trips. The format is stored in snapshots: changing it
// needs a snapshot format version bump.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tocsin::series {

// Upper bound of one encoded sample (1111 + 64, 11 + 5 + 6 + 64).
inline constexpr std::size_t k_max_sample_bits = 4 + 64 + 2 + 5 + 6 + 64;
inline constexpr std::size_t k_writer_slack = 8;

class BitWriter {
public:
    // `data` must have room for the bits written plus k_writer_slack bytes:
    // put() stores whole 8-byte words. Bytes past `bits` are overwritten; a
    // partially written last byte keeps its bits.
    BitWriter(std::uint8_t* data, std::uint32_t bits) noexcept : m_data(data), m_bits(bits) {}
    // Writes the low `n` bits of `value` (n <= 64), most significant first.
    void put(std::uint64_t value, unsigned n) noexcept;
    std::uint32_t bits() const noexcept { return m_bits; }

private:
    std::uint8_t* m_data;
    std::uint32_t m_bits;
};

class BitReader {
public:
    BitReader() = default;
    BitReader(const std::uint8_t* data, std::uint32_t bits) noexcept : m_data(data), m_limit(bits) {}
    // False (and no read) when fewer than `n` bits remain.
    bool get(unsigned n, std::uint64_t& out) noexcept;
    std::uint32_t position() const noexcept { return m_pos; }

private:
    const std::uint8_t* m_data = nullptr;
    std::uint32_t m_limit = 0;
    std::uint32_t m_pos = 0;
};

// What the encoder must remember between samples of one chunk.
struct XorState {
    std::int64_t t = 0;            // last timestamp
    std::uint64_t delta = 0;       // last t_i - t_{i-1} (wrapping)
    std::uint64_t value_bits = 0;  // last value's bit pattern
    std::uint8_t leading = 0xff;   // 0xff: no XOR window yet
    std::uint8_t trailing = 0;
};

// Starts a chunk: writes the first value; `state` is reset.
void xor_encode_first(BitWriter& w, XorState& state, std::int64_t t, std::uint64_t value_bits) noexcept;
// Appends one sample; the caller guarantees t > state.t and room for
// k_max_sample_bits more bits.
void xor_encode(BitWriter& w, XorState& state, std::int64_t t, std::uint64_t value_bits) noexcept;

// Decodes `count` samples of a chunk. Bounds-checked against `bits`, so a
// corrupt chunk (from a damaged snapshot) yields error(), never a bad read.
class XorDecoder {
public:
    XorDecoder() = default;
    XorDecoder(const std::uint8_t* data, std::uint32_t bits, std::uint32_t count, std::int64_t min_t) noexcept
        : m_reader(data, bits), m_remaining(count), m_first_t(min_t) {}

    // False at the end or on corruption (then error() is true).
    bool next(std::int64_t& t, std::uint64_t& value_bits) noexcept;
    bool error() const noexcept { return m_error; }
    // The encoder state after the samples decoded so far.
    const XorState& state() const noexcept { return m_state; }
    std::uint32_t bits_read() const noexcept { return m_reader.position(); }

private:
    bool fail() noexcept {
        m_error = true;
        m_remaining = 0;
        return false;
    }

    BitReader m_reader;
    XorState m_state;
    std::uint32_t m_remaining = 0;
    std::int64_t m_first_t = 0;
    bool m_started = false;
    bool m_error = false;
};

// A sealed (full) chunk: this header and its bytes in one allocation,
// linked oldest to newest so retention evicts from the front.
struct Chunk {
    Chunk* next = nullptr;
    std::int64_t min_t = 0;
    std::int64_t max_t = 0;
    std::uint32_t bits = 0;
    std::uint16_t count = 0;

    const std::uint8_t* data() const noexcept { return reinterpret_cast<const std::uint8_t*>(this + 1); }
    std::uint8_t* data() noexcept { return reinterpret_cast<std::uint8_t*>(this + 1); }
    std::uint32_t bytes() const noexcept { return (bits + 7) / 8; }
};

}  // namespace tocsin::series
