// Small ASCII helpers for protocol text (HTTP header names, Go format
// verbs, fixed-width date fields), where locale-aware <cctype> is wrong.
#pragma once

#include <string>

#include <cstddef>
#include <string_view>

namespace tocsin {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

// Exactly `count` decimal digits at s[pos] into `out`; false otherwise.
constexpr bool parse_fixed_digits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// Replaces every occurrence of `needle` (not empty) in `text`, left to
// right, never re-scanning what was put in (redacting a secret from a
// message).
inline void replace_all(std::string& text, std::string_view needle, std::string_view with) {
    if (needle.empty()) return;
    std::size_t pos = 0;
    while ((pos = text.find(needle, pos)) != std::string::npos) {
        text.replace(pos, needle.size(), with);
        pos += with.size();
    }
}

}  // namespace tocsin
