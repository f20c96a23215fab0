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

bool BitReader::get(unsigned n, std::uint64_t& out) noexcept {
    if (n > m_limit - m_pos) return false;
    std::uint64_t v = 0;
    while (n > 0) {
        const unsigned used = m_pos & 7;
        const unsigned avail = 8 - used;
        const unsigned take = n < avail ? n : avail;
        const unsigned b = (static_cast<unsigned>(m_data[m_pos >> 3]) >> (avail - take)) & ((1u << take) - 1);
        v = (v << take) | b;
        m_pos += take;
        n -= take;
    }
    out = v;
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

bool XorDecoder::next(std::int64_t& t, std::uint64_t& value_bits) noexcept {
    if (m_remaining == 0) return false;
    std::uint64_t v = 0;
    if (!m_started) {
        if (!m_reader.get(64, v)) return fail();
        m_started = true;
        m_state = XorState{m_first_t, 0, v, 0xff, 0};
    } else {
        unsigned ones = 0;
        for (; ones < 4; ++ones) {
            if (!m_reader.get(1, v)) return fail();
            if (v == 0) break;
        }
        static constexpr unsigned k_widths[] = {0, 7, 14, 20, 64};
        const unsigned width = k_widths[ones];
        std::uint64_t dod = 0;
        if (width > 0) {
            if (!m_reader.get(width, dod)) return fail();
            if (width < 64 && ((dod >> (width - 1)) & 1) != 0) dod |= ~std::uint64_t{0} << width;
        }
        const std::uint64_t delta = m_state.delta + dod;
        const auto next_t = static_cast<std::int64_t>(static_cast<std::uint64_t>(m_state.t) + delta);
        // The encoder only writes increasing timestamps; anything else is damage.
        if (next_t <= m_state.t) return fail();
        m_state.t = next_t;
        m_state.delta = delta;

        if (!m_reader.get(1, v)) return fail();
        if (v != 0) {
            if (!m_reader.get(1, v)) return fail();
            unsigned leading = 0;
            unsigned significant = 0;
            if (v == 0) {
                if (m_state.leading == 0xff) return fail();
                leading = m_state.leading;
                significant = 64u - m_state.leading - m_state.trailing;
            } else {
                std::uint64_t lead = 0;
                std::uint64_t sig = 0;
                if (!m_reader.get(5, lead) || !m_reader.get(6, sig)) return fail();
                leading = static_cast<unsigned>(lead);
                significant = sig == 0 ? 64u : static_cast<unsigned>(sig);
                if (leading + significant > 64) return fail();
                m_state.leading = static_cast<std::uint8_t>(leading);
                m_state.trailing = static_cast<std::uint8_t>(64 - leading - significant);
            }
            std::uint64_t x = 0;
            if (!m_reader.get(significant, x)) return fail();
            m_state.value_bits ^= x << (64 - leading - significant);
        }
    }
    --m_remaining;
    t = m_state.t;
    value_bits = m_state.value_bits;
    return true;
}

}  // namespace tocsin::series
