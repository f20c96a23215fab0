// UTF-8 validation with the rules of Go's utf8.Valid (no overlong forms, no
// surrogates, nothing above U+10FFFF), which Prometheus applies to label
// values and HELP text. Internal to the scrape module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tocsin::scrape {

inline bool is_valid_utf8(std::string_view text) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
        // ASCII runs, the common case, eight bytes at a time.
        while (end - p >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            if (w & 0x8080808080808080ULL) break;
            p += 8;
        }
        if (p == end) break;
        unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t left = static_cast<std::size_t>(end - p);
        // The second byte's range depends on the first (excludes overlongs,
        // surrogates and code points past U+10FFFF); later bytes are 80..BF.
        unsigned char lo = 0x80, hi = 0xBF;
        std::size_t n = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return false;
        }
        if (left < n) return false;
        if (p[1] < lo || p[1] > hi) return false;
        for (std::size_t i = 2; i < n; ++i) {
            if (p[i] < 0x80 || p[i] > 0xBF) return false;
        }
        p += n;
    }
    return true;
}

}  // namespace tocsin::scrape
