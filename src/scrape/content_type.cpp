// format_from_content_type: mirrors how Prometheus 2.42 picks a parser
// (textparse.New over Go's mime.ParseMediaType): only an error-free parse
// whose media type is application/openmetrics-text selects OpenMetrics.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tocsin/scrape/exposition_parser.hpp"

namespace tocsin::scrape {
namespace {

// Byte length of a white-space rune (Go's unicode.IsSpace) at the start of s,
// 0 if there is none.
std::size_t leading_space(std::string_view s) {
    if (s.empty()) return 0;
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char c = b(0);
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (c == 0xC2 && s.size() >= 2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;
    if (s.size() >= 3) {
        unsigned c1 = b(1), c2 = b(2);
        if (c == 0xE1 && c1 == 0x9A && c2 == 0x80) return 3;                 // U+1680
        if (c == 0xE2 && c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)) return 3;
        if (c == 0xE2 && c1 == 0x81 && c2 == 0x9F) return 3;                 // U+205F
        if (c == 0xE3 && c1 == 0x80 && c2 == 0x80) return 3;                 // U+3000
    }
    return 0;
}

std::size_t trailing_space(std::string_view s) {
    for (std::size_t n = 1; n <= 3 && n <= s.size(); ++n) {
        std::string_view tail = s.substr(s.size() - n);
        if (leading_space(tail) == n) return n;
    }
    return 0;
}

std::string_view trim_left(std::string_view s) {
    while (std::size_t n = leading_space(s)) s.remove_prefix(n);
    return s;
}

std::string_view trim(std::string_view s) {
    s = trim_left(s);
    while (std::size_t n = trailing_space(s)) s.remove_suffix(n);
    return s;
}

// Go's strings.ToLower as far as it can turn non-ASCII into ASCII: only the
// Kelvin sign and the dotted capital I do. Other bytes are kept; they can
// never be part of the media type we compare against.
std::string to_lower(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c - 'A' + 'a');
        } else if (s.substr(i, 2) == "\xC4\xB0") {
            out += 'i';
            i += 1;
        } else if (s.substr(i, 3) == "\xE2\x84\xAA") {
            out += 'k';
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

bool is_tspecial(char c) { return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos; }

bool is_token_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

std::pair<std::string_view, std::string_view> consume_token(std::string_view v) {
    std::size_t i = 0;
    while (i < v.size() && is_token_char(v[i])) ++i;
    return {v.substr(0, i), v.substr(i)};
}

// A token or a quoted string; nullopt-like failure is signalled by returning
// rest == v with an empty value, as Go does.
std::pair<std::string, std::string_view> consume_value(std::string_view v) {
    if (v.empty()) return {{}, v};
    if (v[0] != '"') {
        auto [token, rest] = consume_token(v);
        return {std::string(token), rest};
    }
    std::string value;
    for (std::size_t i = 1; i < v.size(); ++i) {
        char c = v[i];
        if (c == '"') return {std::move(value), v.substr(i + 1)};
        if (c == '\\' && i + 1 < v.size() && is_tspecial(v[i + 1])) {
            value += v[++i];
            continue;
        }
        if (c == '\r' || c == '\n') return {{}, v};
        value += c;
    }
    return {{}, v};  // no closing quote
}

}  // namespace

ExpositionFormat format_from_content_type(std::string_view content_type) {
    std::string_view base = content_type.substr(0, content_type.find(';'));
    if (trim(to_lower(base)) != "application/openmetrics-text") return ExpositionFormat::prometheus_text;

    // Parameters: any error makes Prometheus fall back to the text parser.
    std::vector<std::pair<std::string, std::string>> seen;
    std::string_view v = content_type.substr(base.size());
    while (!v.empty()) {
        v = trim_left(v);
        if (v.empty()) break;
        std::string_view rest = v;
        bool ok = false;
        std::string key, value;
        if (rest.starts_with(';')) {
            rest = trim_left(rest.substr(1));
            auto [token, after] = consume_token(rest);
            key = to_lower(token);
            rest = trim_left(after);
            if (!key.empty() && rest.starts_with('=')) {
                rest = trim_left(rest.substr(1));
                auto [val, after_value] = consume_value(rest);
                if (!(val.empty() && after_value.size() == rest.size())) {
                    ok = true;
                    value = std::move(val);
                    rest = after_value;
                }
            }
        }
        if (!ok) {
            if (trim(v) == ";") break;  // a trailing semicolon is tolerated
            return ExpositionFormat::prometheus_text;
        }
        for (const auto& [k, existing] : seen) {
            if (k == key && existing != value) return ExpositionFormat::prometheus_text;
        }
        seen.emplace_back(std::move(key), std::move(value));
        v = rest;
    }
    return ExpositionFormat::openmetrics;
}

}  // namespace tocsin::scrape
