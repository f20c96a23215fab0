#include "tocsin/core/go_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace tocsin::gofmt {
namespace {

constexpr char k_hex[] = "0123456789abcdef";

void append_hex(std::string& out, std::uint32_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out += k_hex[(v >> (4 * i)) & 0xF];
}

// One rune as strconv's appendEscapedRune writes it inside `quote` quotes.
void append_escaped_rune(std::string& out, char32_t r, char quote) {
    if (r == static_cast<char32_t>(quote) || r == '\\') {
        out += '\\';
        out += static_cast<char>(r);
        return;
    }
    if (is_print(r)) {
        append_utf8(out, r);
        return;
    }
    switch (r) {
        case '\a':
            out += "\\a";
            return;
        case '\b':
            out += "\\b";
            return;
        case '\f':
            out += "\\f";
            return;
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '\v':
            out += "\\v";
            return;
        default:
            break;
    }
    if (r < ' ' || r == 0x7F) {
        out += "\\x";
        append_hex(out, r, 2);
    } else if (r < 0x10000) {
        out += "\\u";
        append_hex(out, r, 4);
    } else {
        out += "\\U";
        append_hex(out, r, 8);
    }
}

void append_quoted(std::string& out, std::string_view s, std::size_t max_runes) {
    out += '"';
    std::size_t pos = 0;
    for (std::size_t n = 0; pos < s.size() && n < max_runes; ++n) {
        const Rune r = decode_rune(s, pos);
        if (r.value == k_rune_error && r.width == 1) {
            out += "\\x";
            append_hex(out, static_cast<unsigned char>(s[pos]), 2);
        } else {
            append_escaped_rune(out, r.value, '"');
        }
        pos += r.width;
    }
    out += '"';
}

}  // namespace

void append_utf8(std::string& out, char32_t r) {
    if (r < 0x80) {
        out += static_cast<char>(r);
    } else if (r < 0x800) {
        out += static_cast<char>(0xC0 | (r >> 6));
        out += static_cast<char>(0x80 | (r & 0x3F));
    } else if (r < 0x10000) {
        out += static_cast<char>(0xE0 | (r >> 12));
        out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (r & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (r >> 18));
        out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (r & 0x3F));
    }
}

Rune decode_rune(std::string_view s, std::size_t pos) noexcept {
    if (pos >= s.size()) return {k_rune_error, 0};
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[pos + i]); };
    const unsigned char b0 = byte(0);
    if (b0 < 0x80) return {b0, 1};
    const std::size_t left = s.size() - pos;
    const auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        return i < left && byte(i) >= lo && byte(i) <= hi;
    };
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        if (cont(1)) return {static_cast<char32_t>(((b0 & 0x1F) << 6) | (byte(1) & 0x3F)), 2};
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        // No overlongs (E0 needs A0..), no surrogates (ED needs ..9F).
        const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
        const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
        if (cont(1, lo, hi) && cont(2)) {
            return {static_cast<char32_t>(((b0 & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F)), 3};
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
        const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (cont(1, lo, hi) && cont(2) && cont(3)) {
            return {static_cast<char32_t>(((b0 & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
                                          (byte(3) & 0x3F)),
                    4};
        }
    }
    return {k_rune_error, 1};
}

bool is_print(char32_t r) noexcept {
    if (r < 0x80) return r >= 0x20 && r < 0x7F;
    if (r > 0x10FFFF) return false;
    if (r <= 0xA0) return false;                   // C1 controls, no-break space
    if (r == 0xAD) return false;                   // soft hyphen (format)
    if (r >= 0x2000 && r <= 0x200F) return false;  // spaces, zero-width, marks
    if (r >= 0x2028 && r <= 0x202F) return false;  // separators, embeddings
    if (r >= 0x205F && r <= 0x206F) return false;  // math space, invisible ops
    if (r == 0x1680 || r == 0x3000 || r == 0xFEFF) return false;
    if (r >= 0xD800 && r <= 0xDFFF) return false;  // surrogates
    if (r >= 0xE000 && r <= 0xF8FF) return false;  // private use
    if (r >= 0xFDD0 && r <= 0xFDEF) return false;  // noncharacters
    if ((r & 0xFFFE) == 0xFFFE) return false;      // U+xFFFE, U+xFFFF
    if (r >= 0xFFF9 && r <= 0xFFFB) return false;  // interlinear annotation
    if (r >= 0x20000) {
        // Above the SMP, Unicode 13 (Go 1.19/1.20) assigns only CJK
        // ideograph blocks and the variation selectors supplement.
        return (r <= 0x2A6DD) || (r >= 0x2A700 && r <= 0x2B734) || (r >= 0x2B740 && r <= 0x2B81D) ||
               (r >= 0x2B820 && r <= 0x2CEA1) || (r >= 0x2CEB0 && r <= 0x2EBE0) || (r >= 0x2F800 && r <= 0x2FA1D) ||
               (r >= 0x30000 && r <= 0x3134A) || (r >= 0xE0100 && r <= 0xE01EF);
    }
    return true;
}

std::string quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    append_quoted(out, s, s.size() + 1);
    return out;
}

std::string quote_prefix(std::string_view s, std::size_t runes) {
    std::string out;
    append_quoted(out, s, runes);
    return out;
}

std::string quote_rune(char32_t r) {
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = k_rune_error;
    std::string out = "'";
    append_escaped_rune(out, r, '\'');
    out += '\'';
    return out;
}

std::string unicode_format(char32_t r) {
    std::string out = "U+";
    int digits = 4;
    while (digits < 8 && (r >> (4 * digits)) != 0) ++digits;
    for (int i = digits - 1; i >= 0; --i) out += "0123456789ABCDEF"[(r >> (4 * i)) & 0xF];
    if (is_print(r)) {
        out += " '";
        append_utf8(out, r);
        out += '\'';
    }
    return out;
}

namespace {

// The shortest round-trip digits of a finite v and its decimal exponent
// (d.ddd × 10^exp), as strconv's shortest formatting finds them.
struct ShortestDigits {
    bool negative = false;
    std::string digits;
    int exp = 0;
};

ShortestDigits shortest_digits(double v) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
    ShortestDigits out;
    if (sci.front() == '-') {
        out.negative = true;
        sci.remove_prefix(1);
    }
    const std::size_t e_pos = sci.find('e');
    for (char c : sci.substr(0, e_pos)) {
        if (c != '.') out.digits += c;
    }
    out.exp = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
    return out;
}

// The digits laid out positionally, with `point` digits before the decimal
// point, padded with zeros on either side.
void append_positional(std::string& out, const std::string& digits, int point) {
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        out += digits;
        out.append(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
        out.append(digits, 0, static_cast<std::size_t>(point));
        out += '.';
        out.append(digits, static_cast<std::size_t>(point));
    }
}

// d.ddde±XX with at least two exponent digits.
void append_exponent_form(std::string& out, const std::string& digits, int exp) {
    out += digits[0];
    if (digits.size() > 1) {
        out += '.';
        out.append(digits, 1);
    }
    out += 'e';
    out += exp < 0 ? '-' : '+';
    const int a = exp < 0 ? -exp : exp;
    if (a < 10) out += '0';
    out += std::to_string(a);
}

}  // namespace

std::string format_float(double v) { return format_float(v, 'g', -1); }

std::string format_float(double v, char verb, int precision) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (precision >= 0) {
        // For finite values C's %e, %f and %g agree with Go's strconv, with
        // trailing zeros of %g removed in both.
        char buf[512];
        char spec[8] = {'%', '.', '*', verb, '\0'};
        int n = std::snprintf(buf, sizeof buf, spec, precision, v);
        if (n < 0) return "";
        if (static_cast<std::size_t>(n) < sizeof buf) return std::string(buf, static_cast<std::size_t>(n));
        std::string big(static_cast<std::size_t>(n) + 1, '\0');
        std::snprintf(big.data(), big.size(), spec, precision, v);
        big.resize(static_cast<std::size_t>(n));
        return big;
    }
    if (verb == 'e') {
        char buf[64];
        const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
        return std::string(buf, res.ptr);
    }
    const ShortestDigits d = shortest_digits(v);
    std::string out = d.negative ? "-" : "";
    // 'g' shortest: Go switches to exponent form below -4 and from 6 on
    // (eprec 6 for shortest, see strconv/ftoa.go); 'f' never does.
    if (verb == 'g' && (d.exp < -4 || d.exp >= 6)) {
        append_exponent_form(out, d.digits, d.exp);
    } else {
        append_positional(out, d.digits, d.exp + 1);
    }
    return out;
}

}  // namespace tocsin::gofmt
