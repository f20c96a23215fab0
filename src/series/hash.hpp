// Fast non-cryptographic hashing for the store's in-memory tables, in the
// style of wyhash (128-bit multiply-fold). Not persisted anywhere (snapshots
// rebuild the tables), so it may change freely.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tocsin::series::detail {

inline constexpr std::uint64_t k_seed0 = 0xa0761d6478bd642fULL;
inline constexpr std::uint64_t k_seed1 = 0xe7037ed1a0b428dbULL;
inline constexpr std::uint64_t k_seed2 = 0x8ebc6af09c88c6e3ULL;
inline constexpr std::uint64_t k_seed3 = 0x589965cc75374cc3ULL;

// The 128-bit product folded to 64 bits: one multiply mixes both inputs.
inline std::uint64_t mum(std::uint64_t a, std::uint64_t b) noexcept {
    __extension__ using u128 = unsigned __int128;
    const u128 r = static_cast<u128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

inline std::uint64_t read8(const char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
inline std::uint64_t read4(const char* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// Label names and values are mostly under 16 bytes: two overlapping loads
// and two multiplies, no loop.
inline std::uint64_t hash_string(std::string_view s, std::uint64_t seed = k_seed0) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (n <= 16) {
        if (n >= 4) {
            const std::size_t q = (n >> 3) << 2;
            a = (read4(p) << 32) | read4(p + q);
            b = (read4(p + n - 4) << 32) | read4(p + n - 4 - q);
        } else if (n > 0) {
            a = (std::uint64_t{static_cast<unsigned char>(p[0])} << 16) |
                (std::uint64_t{static_cast<unsigned char>(p[n >> 1])} << 8) | static_cast<unsigned char>(p[n - 1]);
        }
    } else {
        std::size_t i = n;
        while (i > 16) {
            seed = mum(read8(p) ^ k_seed1, read8(p + 8) ^ seed);
            p += 16;
            i -= 16;
        }
        // The last 16 bytes, overlapping what the loop consumed.
        a = read8(p + i - 16);
        b = read8(p + i - 8);
    }
    return mum(k_seed1 ^ n, mum(a ^ k_seed1, b ^ seed));
}

// Equality for short strings without a call to memcmp: the lookup path
// compares a dozen label strings per sample.
inline bool equal_strings(std::string_view x, std::string_view y) noexcept {
    const std::size_t n = x.size();
    if (n != y.size()) return false;
    const char* a = x.data();
    const char* b = y.data();
    if (n >= 8 && n <= 16) return read8(a) == read8(b) && read8(a + n - 8) == read8(b + n - 8);
    if (n >= 4 && n < 8) return read4(a) == read4(b) && read4(a + n - 4) == read4(b + n - 4);
    if (n < 4) {
        for (std::size_t i = 0; i < n; ++i) {
            if (a[i] != b[i]) return false;
        }
        return true;
    }
    return std::memcmp(a, b, n) == 0;
}

// Byte-wise ordering like std::string_view's, deciding most label names
// (job, instance, code, ...) on their first byte.
inline bool less_strings(std::string_view x, std::string_view y) noexcept {
    if (!x.empty() && !y.empty() && x[0] != y[0]) {
        return static_cast<unsigned char>(x[0]) < static_cast<unsigned char>(y[0]);
    }
    return x < y;
}

// splitmix64's finalizer, for integer keys.
inline std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

}  // namespace tocsin::series::detail
