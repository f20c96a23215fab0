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

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

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
    // Inline: the encoder calls it two or three times per sample.
    void put(std::uint64_t value, unsigned n) noexcept {
        if (n == 0) return;
        if (n < 64) value &= (std::uint64_t{1} << n) - 1;
        if ((m_bits & 7) + n > 64) {
            put_straddling(value, n);
            return;
        }
        put_word(value, n);
    }
    std::uint32_t bits() const noexcept { return m_bits; }

private:
    // One unaligned big-endian 8-byte store: the bits land at the top of the
    // word after the bits already in the first byte, and the bytes after
    // them are overwritten (the buffer's slack). Needs (bits & 7) + n <= 64
    // and `value` masked to n bits.
    void put_word(std::uint64_t value, unsigned n) noexcept {
        const unsigned used = m_bits & 7;
        std::uint8_t* p = m_data + (m_bits >> 3);
        std::uint64_t word = value << (64 - used - n);
        if (used != 0) word |= static_cast<std::uint64_t>(p[0] & static_cast<std::uint8_t>(0xff00u >> used)) << 56;
        if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
        std::memcpy(p, &word, sizeof word);
        m_bits += n;
    }
    // More bits than fit the 8 bytes from the current one: two stores.
    void put_straddling(std::uint64_t value, unsigned n) noexcept;

    std::uint8_t* m_data;
    std::uint32_t m_bits;
};

// Reads whole 8-byte words where the stream has them and byte by byte only
// within its last 8 bytes, so it never touches a byte past (bits + 7) / 8:
// sealed chunks are allocated with their exact size.
class BitReader {
public:
    BitReader() = default;
    BitReader(const std::uint8_t* data, std::uint32_t bits) noexcept : BitReader(data, bits, (bits + 7) / 8) {}
    // `readable` bytes from `data` may be read (at least (bits + 7) / 8):
    // a buffer with slack after the stream is read by words to its end.
    BitReader(const std::uint8_t* data, std::uint32_t bits, std::uint32_t readable) noexcept
        : m_data(data), m_limit(bits), m_word_end(readable >= 8 ? readable - 7 : 0) {}
    // False (and no read) when fewer than `n` bits remain.
    bool get(unsigned n, std::uint64_t& out) noexcept {
        if (n > m_limit - m_pos) return false;
        if (n == 0) {
            out = 0;
            return true;
        }
        if (n > k_peek_bits) return get_wide(n, out);
        out = peek() >> (64 - n);
        m_pos += n;
        return true;
    }
    // The next bits, most significant first. At least the top k_peek_bits
    // are the stream's; bits past its end read as anything: check
    // remaining() before skip().
    std::uint64_t peek() const noexcept {
        const std::uint32_t byte = m_pos >> 3;
        std::uint64_t w = 0;
        if (byte < m_word_end) {
            std::memcpy(&w, m_data + byte, sizeof w);
            if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
        } else {
            w = peek_tail(byte);
        }
        return w << (m_pos & 7);
    }
    void skip(unsigned n) noexcept { m_pos += n; }
    std::uint32_t remaining() const noexcept { return m_limit - m_pos; }
    std::uint32_t position() const noexcept { return m_pos; }

    static constexpr unsigned k_peek_bits = 57;

private:
    std::uint64_t peek_tail(std::uint32_t byte) const noexcept;
    bool get_wide(unsigned n, std::uint64_t& out) noexcept;

    const std::uint8_t* m_data = nullptr;
    std::uint32_t m_limit = 0;
    std::uint32_t m_pos = 0;
    std::uint32_t m_word_end = 0;  // byte offsets below it start a whole readable word
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
    // With `readable` >= (bits + 7) / 8 bytes of buffer (see BitReader).
    XorDecoder(const std::uint8_t* data, std::uint32_t bits, std::uint32_t readable, std::uint32_t count,
               std::int64_t min_t) noexcept
        : m_reader(data, bits, readable), m_remaining(count), m_first_t(min_t) {}
    // Continues a chunk whose earlier samples left `state`: up to `count`
    // more samples from bit `from` of the stream (data, bits), e.g. the
    // continuation of a chunk in a snapshot delta.
    static XorDecoder resume(const std::uint8_t* data, std::uint32_t bits, std::uint32_t from, std::uint32_t count,
                             const XorState& state) noexcept {
        XorDecoder d(data, bits, count, state.t);
        d.m_reader.skip(std::min(from, bits));
        d.m_state = state;
        d.m_started = true;
        return d;
    }

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

// Inline: the store's cursor runs it once per sample read.
inline bool XorDecoder::next(std::int64_t& t, std::uint64_t& value_bits) noexcept {
    if (m_remaining == 0) return false;
    if (!m_started) {
        std::uint64_t v = 0;
        if (!m_reader.get(64, v)) return fail();
        m_started = true;
        m_state = XorState{m_first_t, 0, v, 0xff, 0};
    } else {
        // Timestamp: up to four '1's ended by a '0' (not after the fourth),
        // then a 0, 7, 14, 20 or 64-bit delta of delta. Every case but the
        // last fits in one peeked word.
        std::uint64_t w = m_reader.peek();
        const unsigned ones = std::min(static_cast<unsigned>(std::countl_one(w)), 4u);
        const unsigned control = ones < 4 ? ones + 1 : 4;
        static constexpr unsigned k_widths[] = {0, 7, 14, 20, 64};
        const unsigned width = k_widths[ones];
        std::uint64_t dod = 0;
        if (width < 64) {
            if (control + width > m_reader.remaining()) return fail();
            if (width > 0) {
                // Sign-extend the field from the word's top.
                dod = static_cast<std::uint64_t>(static_cast<std::int64_t>(w << control) >> (64 - width));
            }
            m_reader.skip(control + width);
        } else {
            if (control > m_reader.remaining()) return fail();
            m_reader.skip(control);
            if (!m_reader.get(64, dod)) return fail();
        }
        const std::uint64_t delta = m_state.delta + dod;
        const auto next_t = static_cast<std::int64_t>(static_cast<std::uint64_t>(m_state.t) + delta);
        // The encoder only writes increasing timestamps; anything else is damage.
        if (next_t <= m_state.t) return fail();
        m_state.t = next_t;
        m_state.delta = delta;

        // Value: '0' (same), '10' + bits in the previous window, or '11' +
        // 5 bits leading zeros + 6 bits length + bits.
        w = m_reader.peek();
        if (m_reader.remaining() == 0) return fail();
        if ((w >> 63) == 0) {
            m_reader.skip(1);
        } else {
            if (m_reader.remaining() < 2) return fail();
            unsigned leading = 0;
            unsigned significant = 0;
            unsigned header = 2;
            if (((w >> 62) & 1) == 0) {
                if (m_state.leading == 0xff) return fail();
                leading = m_state.leading;
                significant = 64u - m_state.leading - m_state.trailing;
            } else {
                header = 2 + 5 + 6;
                if (m_reader.remaining() < header) return fail();
                leading = static_cast<unsigned>((w >> 57) & 31);
                const auto sig = static_cast<unsigned>((w >> 51) & 63);
                significant = sig == 0 ? 64u : sig;
                if (leading + significant > 64) return fail();
                m_state.leading = static_cast<std::uint8_t>(leading);
                m_state.trailing = static_cast<std::uint8_t>(64 - leading - significant);
            }
            if (header + significant > m_reader.remaining()) return fail();
            std::uint64_t x = 0;
            if (header + significant <= BitReader::k_peek_bits) {
                x = (w << header) >> (64 - significant);
                m_reader.skip(header + significant);
            } else {
                m_reader.skip(header);
                m_reader.get(significant, x);  // cannot fail: checked above
            }
            m_state.value_bits ^= x << (64 - leading - significant);
        }
    }
    --m_remaining;
    t = m_state.t;
    value_bits = m_state.value_bits;
    return true;
}

// A sealed (full) chunk: this header and its bytes in one allocation,
// linked oldest to newest so retention evicts from the front.
struct Chunk {
    Chunk* next = nullptr;
    std::int64_t min_t = 0;
    std::int64_t max_t = 0;
    std::uint32_t bits = 0;
    std::uint16_t count = 0;
    // Bits of the stream already in the series snapshot (in its padding;
    // see SeriesStore::save_snapshot): bits when all of it is.
    std::uint16_t saved_bits = 0;

    const std::uint8_t* data() const noexcept { return reinterpret_cast<const std::uint8_t*>(this + 1); }
    std::uint8_t* data() noexcept { return reinterpret_cast<std::uint8_t*>(this + 1); }
    std::uint32_t bytes() const noexcept { return (bits + 7) / 8; }
};

}  // namespace tocsin::series
