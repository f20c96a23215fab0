#include "tocsin/series/xor_chunk.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tocsin::series {

namespace {

bool fits_signed(std::int64_t v, unsigned bits) noexcept {
    const std::int64_t bound = std::int64_t{1} << (bits - 1);
    return v >= -bound && v < bound;
}

}  // namespace

void BitWriter::put(std::uint64_t value, unsigned n) noexcept {
    if (n == 0) return;
    if (n < 64) value &= (std::uint64_t{1} << n) - 1;
    const unsigned used = m_bits & 7;
    if (used + n > 64) {
        // Straddles nine bytes: the high part first, then the rest.
        const unsigned high = 64 - used;
        put(value >> (n - high), high);
        put(value, n - high);
        return;
    }
    // One unaligned big-endian 8-byte store: the bits land at the top of the
    // word after the `used` bits already in the first byte, and the bytes
    // after them are overwritten (the buffer's slack).
    std::uint8_t* p = m_data + (m_bits >> 3);
    std::uint64_t word = value << (64 - used - n);
    if (used != 0) word |= static_cast<std::uint64_t>(p[0] & static_cast<std::uint8_t>(0xff00u >> used)) << 56;
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    std::memcpy(p, &word, sizeof word);
    m_bits += n;
}

std::uint64_t BitReader::peek_tail(std::uint32_t byte) const noexcept {
    const std::uint32_t bytes = (m_limit + 7) / 8;
    std::uint64_t w = 0;
    for (unsigned i = 0; i < 8 && byte + i < bytes; ++i) w |= std::uint64_t{m_data[byte + i]} << (56 - 8 * i);
    return w;
}

bool BitReader::get_wide(unsigned n, std::uint64_t& out) noexcept {
    // The caller checked that n bits remain; two reads of at most 32 bits.
    const unsigned high = n - 32;
    const std::uint64_t hi = peek() >> (64 - high);
    m_pos += high;
    const std::uint64_t lo = peek() >> 32;
    m_pos += 32;
    out = (hi << 32) | lo;
    return true;
}

void xor_encode_first(BitWriter& w, XorState& state, std::int64_t t, std::uint64_t value_bits) noexcept {
    w.put(value_bits, 64);
    state = XorState{t, 0, value_bits, 0xff, 0};
}

void xor_encode(BitWriter& w, XorState& s, std::int64_t t, std::uint64_t value_bits) noexcept {
    const std::uint64_t delta = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(s.t);
    const auto dod = static_cast<std::int64_t>(delta - s.delta);
    if (dod == 0) {
        w.put(0b0, 1);
    } else if (fits_signed(dod, 7)) {
        w.put(0b10, 2);
        w.put(static_cast<std::uint64_t>(dod), 7);
    } else if (fits_signed(dod, 14)) {
        w.put(0b110, 3);
        w.put(static_cast<std::uint64_t>(dod), 14);
    } else if (fits_signed(dod, 20)) {
        w.put(0b1110, 4);
        w.put(static_cast<std::uint64_t>(dod), 20);
    } else {
        w.put(0b1111, 4);
        w.put(static_cast<std::uint64_t>(dod), 64);
    }
    s.t = t;
    s.delta = delta;

    const std::uint64_t x = value_bits ^ s.value_bits;
    s.value_bits = value_bits;
    if (x == 0) {
        w.put(0b0, 1);
        return;
    }
    // Five bits hold at most 31 leading zeros; more are sent as data.
    const unsigned leading = std::min(std::countl_zero(x), 31);
    const auto trailing = static_cast<unsigned>(std::countr_zero(x));
    if (s.leading != 0xff && leading >= s.leading && trailing >= s.trailing) {
        w.put(0b10, 2);
        w.put(x >> s.trailing, 64u - s.leading - s.trailing);
        return;
    }
    s.leading = static_cast<std::uint8_t>(leading);
    s.trailing = static_cast<std::uint8_t>(trailing);
    const unsigned significant = 64 - leading - trailing;
    w.put(0b11, 2);
    w.put(leading, 5);
    w.put(significant & 63, 6);  // 64 is sent as 0
    w.put(x >> trailing, significant);
}

}  // namespace tocsin::series
