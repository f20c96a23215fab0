#include "tocsin/series/snapshot_format.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define TOCSIN_CRC32C_SSE42 1
#endif

namespace tocsin::series::snapshot {

namespace {

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Reflected Castagnoli polynomial.
constexpr std::uint32_t k_poly = 0x82f63b78;

// Slicing-by-8 tables: k_tables[k][b] is the CRC of byte b followed by k zero bytes.
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_tables() {
    std::array<std::array<std::uint32_t, 256>, 8> t{};
    for (std::uint32_t b = 0; b < 256; ++b) {
        std::uint32_t c = b;
        for (int i = 0; i < 8; ++i) c = (c & 1) != 0 ? (c >> 1) ^ k_poly : c >> 1;
        t[0][b] = c;
    }
    for (std::size_t k = 1; k < 8; ++k) {
        for (std::uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
    }
    return t;
}
constexpr auto k_tables = make_tables();

// On the raw register (no pre- or post-inversion).
std::uint32_t raw_portable(std::uint32_t c, const unsigned char* p, std::size_t n) {
    while (n >= 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
        w ^= c;
        c = k_tables[7][w & 0xff] ^ k_tables[6][(w >> 8) & 0xff] ^ k_tables[5][(w >> 16) & 0xff] ^
            k_tables[4][(w >> 24) & 0xff] ^ k_tables[3][(w >> 32) & 0xff] ^ k_tables[2][(w >> 40) & 0xff] ^
            k_tables[1][(w >> 48) & 0xff] ^ k_tables[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n-- > 0) c = (c >> 8) ^ k_tables[0][(c ^ *p++) & 0xff];
    return c;
}

// a * b modulo the polynomial (both reflected), as zlib's crc32_combine does it.
std::uint32_t multmodp(std::uint32_t a, std::uint32_t b) {
    std::uint32_t m = 1u << 31;
    std::uint32_t p = 0;
    for (;;) {
        if ((a & m) != 0) {
            p ^= b;
            if ((a & (m - 1)) == 0) break;
        }
        m >>= 1;
        b = (b & 1) != 0 ? (b >> 1) ^ k_poly : b >> 1;
    }
    return p;
}

// x^(2^k) modulo the polynomial, k = 0..31.
const std::array<std::uint32_t, 32>& x2n_table() {
    static const std::array<std::uint32_t, 32> table = [] {
        std::array<std::uint32_t, 32> t{};
        std::uint32_t p = 1u << 30;  // x^1
        for (auto& e : t) {
            e = p;
            p = multmodp(p, p);
        }
        return t;
    }();
    return table;
}

// The raw register after `n` more zero bytes.
std::uint32_t shift(std::uint32_t c, std::size_t n) {
    std::uint32_t p = 1u << 31;  // x^0
    unsigned k = 3;              // a byte is x^8 = x^(2^3)
    for (; n != 0; n >>= 1, ++k) {
        if ((n & 1) != 0) p = multmodp(x2n_table()[k & 31], p);
    }
    return multmodp(p, c);
}

#ifdef TOCSIN_CRC32C_SSE42
__attribute__((target("sse4.2"))) std::uint32_t raw_sse42(std::uint32_t c, const unsigned char* p, std::size_t n) {
    // The instruction has a latency of three cycles and a throughput of one:
    // three independent streams keep it busy, then get combined.
    constexpr std::size_t k_min_interleaved = 3 * 1024;
    if (n >= k_min_interleaved) {
        const std::size_t third = n / 24 * 8;
        const unsigned char* a = p;
        const unsigned char* b = p + third;
        const unsigned char* d = p + 2 * third;
        std::uint64_t c0 = c;
        std::uint64_t c1 = 0;
        std::uint64_t c2 = 0;
        for (std::size_t i = 0; i < third; i += 8) {
            std::uint64_t wa = 0;
            std::uint64_t wb = 0;
            std::uint64_t wd = 0;
            std::memcpy(&wa, a + i, 8);
            std::memcpy(&wb, b + i, 8);
            std::memcpy(&wd, d + i, 8);
            c0 = _mm_crc32_u64(c0, wa);
            c1 = _mm_crc32_u64(c1, wb);
            c2 = _mm_crc32_u64(c2, wd);
        }
        const std::uint32_t ab = shift(static_cast<std::uint32_t>(c0), third) ^ static_cast<std::uint32_t>(c1);
        std::uint32_t tail = static_cast<std::uint32_t>(c2);
        const unsigned char* q = d + third;
        std::size_t rest = n - 3 * third;
        for (; rest >= 8; rest -= 8, q += 8) {
            std::uint64_t w = 0;
            std::memcpy(&w, q, 8);
            tail = static_cast<std::uint32_t>(_mm_crc32_u64(tail, w));
        }
        for (; rest > 0; --rest) tail = _mm_crc32_u8(tail, *q++);
        return shift(ab, n - 2 * third) ^ tail;
    }
    std::uint64_t c64 = c;
    for (; n >= 8; n -= 8, p += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        c64 = _mm_crc32_u64(c64, w);
    }
    c = static_cast<std::uint32_t>(c64);
    for (; n > 0; --n) c = _mm_crc32_u8(c, *p++);
    return c;
}

bool have_sse42() {
    static const bool yes = __builtin_cpu_supports("sse4.2");
    return yes;
}
#endif

}  // namespace

std::uint32_t crc32c_portable(std::string_view bytes, std::uint32_t crc) {
    return ~raw_portable(~crc, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc) {
#ifdef TOCSIN_CRC32C_SSE42
    if (have_sse42()) return ~raw_sse42(~crc, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
#endif
    return crc32c_portable(bytes, crc);
}

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
    uLong c = crc;
    while (!bytes.empty()) {
        // zlib takes a 32-bit length.
        const std::size_t n = std::min<std::size_t>(bytes.size(), 1u << 30);
        c = ::crc32(c, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
        bytes.remove_prefix(n);
    }
    return static_cast<std::uint32_t>(c);
}

std::string header(std::uint32_t version) {
    std::string out(k_magic);
    put_u32(out, version);
    return out;
}

std::string frame_record(std::uint8_t kind, std::string_view payload, std::uint32_t version) {
    std::string out;
    out.reserve(payload.size() + k_record_overhead);
    out.push_back(static_cast<char>(kind));
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    out.append(payload);
    put_u32(out, version == 1 ? crc32(out) : crc32c(out));
    return out;
}

}  // namespace tocsin::series::snapshot
