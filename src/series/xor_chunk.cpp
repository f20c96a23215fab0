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

void BitWriter::put_straddling(std::uint64_t value, unsigned n) noexcept {
    // The high part fills the 8 bytes from the current one; the rest starts
    // on a byte boundary.
    const unsigned high = 64 - (m_bits & 7);
    put_word(value >> (n - high), high);
    const unsigned low = n - high;
    put_word(value & ((std::uint64_t{1} << low) - 1), low);
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
    // Each sample's fields are packed into as few words as fit (a regular
    // timestamp and an unchanged or same-window value are one write).
    const std::uint64_t delta = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(s.t);
    const auto dod = static_cast<std::int64_t>(delta - s.delta);
    const auto udod = static_cast<std::uint64_t>(dod);
    std::uint64_t head = 0;  // the timestamp's bits, then the value's control bits
    unsigned head_bits = 0;
    if (dod == 0) {
        head_bits = 1;  // '0'
    } else if (fits_signed(dod, 7)) {
        head = (std::uint64_t{0b10} << 7) | (udod & 0x7f);
        head_bits = 9;
    } else if (fits_signed(dod, 14)) {
        head = (std::uint64_t{0b110} << 14) | (udod & 0x3fff);
        head_bits = 17;
    } else if (fits_signed(dod, 20)) {
        head = (std::uint64_t{0b1110} << 20) | (udod & 0xfffff);
        head_bits = 24;
    } else {
        w.put(0b1111, 4);
        w.put(udod, 64);
    }
    s.t = t;
    s.delta = delta;

    const std::uint64_t x = value_bits ^ s.value_bits;
    s.value_bits = value_bits;
    if (x == 0) {
        w.put(head << 1, head_bits + 1);  // '0'
        return;
    }
    // Five bits hold at most 31 leading zeros; more are sent as data.
    const unsigned leading = std::min(std::countl_zero(x), 31);
    const auto trailing = static_cast<unsigned>(std::countr_zero(x));
    if (s.leading != 0xff && leading >= s.leading && trailing >= s.trailing) {
        head = (head << 2) | 0b10;
        head_bits += 2;
        const unsigned meaningful = 64u - s.leading - s.trailing;
        const std::uint64_t payload = x >> s.trailing;
        if (head_bits + meaningful <= 64) {
            w.put((head << meaningful) | payload, head_bits + meaningful);
        } else {
            w.put(head, head_bits);
            w.put(payload, meaningful);
        }
        return;
    }
    s.leading = static_cast<std::uint8_t>(leading);
    s.trailing = static_cast<std::uint8_t>(trailing);
    const unsigned significant = 64 - leading - trailing;
    // '11' + 5 bits leading + 6 bits length (64 is sent as 0).
    head = (head << 13) | (std::uint64_t{0b11} << 11) | (std::uint64_t{leading} << 6) | (significant & 63);
    head_bits += 13;
    const std::uint64_t payload = x >> trailing;
    if (head_bits + significant <= 64) {
        w.put((head << significant) | payload, head_bits + significant);
    } else {
        w.put(head, head_bits);
        w.put(payload, significant);
    }
}

}  // namespace tocsin::series
