#include "tocsin/notify/telegram/html.hpp"

#include <algorithm>
#include <cstdint>

#include "tocsin/core/go_format.hpp"

namespace tocsin::notify::telegram {

namespace {

constexpr char32_t k_replacement = 0xFFFD;

std::size_t units_of(char32_t cp) { return cp >= 0x10000 ? 2 : 1; }

// Appends `text`, escaping with `escape` and replacing invalid UTF-8.
template <typename Escape>
std::string escaped(std::string_view text, Escape escape) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (const char* replacement = escape(static_cast<char>(c))) {
                out += replacement;
            } else {
                out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        gofmt::Rune r = gofmt::decode_rune(text, i);
        if (r.value == k_replacement && r.width == 1) {
            gofmt::append_utf8(out, k_replacement);
        } else {
            out.append(text.substr(i, r.width));
        }
        i += r.width;
    }
    return out;
}

const char* escape_text_char(char c) {
    switch (c) {
        case '&': return "&amp;";
        case '<': return "&lt;";
        case '>': return "&gt;";
        default: return nullptr;
    }
}

const char* escape_attribute_char(char c) {
    if (c == '"') return "&quot;";
    return escape_text_char(c);
}

std::string element(std::string_view name, std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2 * name.size() + 5);
    out += '<';
    out += name;
    out += '>';
    out += escape_html(text);
    out += "</";
    out += name;
    out += '>';
    return out;
}

// ---- tokenizer for Telegram's HTML -------------------------------------

enum class TokenKind { text, start_tag, end_tag };

struct Token {
    TokenKind kind = TokenKind::text;
    std::string_view raw;  // the bytes as written
    std::string name;      // tags: lower-case element name
    char32_t cp = 0;       // text: the code point (an entity decoded)
    std::size_t units = 0; // text: UTF-16 code units
};

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// A tag starting at html[pos] == '<'; false when it is not one (then the
// '<' is text, as lenient as the input allows).
bool read_tag(std::string_view html, std::size_t pos, Token& token) {
    std::size_t i = pos + 1;
    bool end = false;
    if (i < html.size() && html[i] == '/') {
        end = true;
        ++i;
    }
    std::size_t name_start = i;
    while (i < html.size() && is_name_char(html[i])) ++i;
    if (i == name_start) return false;
    std::string name;
    for (std::size_t k = name_start; k < i; ++k) name += lower(html[k]);
    // Attributes (start tags) or spaces, up to '>', honouring quotes.
    char quote = 0;
    while (i < html.size()) {
        char c = html[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            if (end) return false;
            quote = c;
        } else if (c == '>') {
            break;
        } else if (c == '<') {
            return false;
        }
        ++i;
    }
    if (i >= html.size()) return false;
    token.kind = end ? TokenKind::end_tag : TokenKind::start_tag;
    token.raw = html.substr(pos, i + 1 - pos);
    token.name = std::move(name);
    return true;
}

// An entity starting at html[pos] == '&': the named ones Telegram knows and
// numeric ones. False when it is not one (the '&' is then text).
bool read_entity(std::string_view html, std::size_t pos, Token& token) {
    std::size_t semi = html.find(';', pos + 1);
    if (semi == std::string_view::npos || semi - pos > 12) return false;
    std::string_view body = html.substr(pos + 1, semi - pos - 1);
    char32_t cp = 0;
    if (body == "lt") {
        cp = '<';
    } else if (body == "gt") {
        cp = '>';
    } else if (body == "amp") {
        cp = '&';
    } else if (body == "quot") {
        cp = '"';
    } else if (body.size() >= 2 && body[0] == '#') {
        bool hex = body[1] == 'x' || body[1] == 'X';
        std::string_view digits = body.substr(hex ? 2 : 1);
        if (digits.empty()) return false;
        std::uint32_t value = 0;
        for (char c : digits) {
            int d;
            if (c >= '0' && c <= '9') {
                d = c - '0';
            } else if (hex && c >= 'a' && c <= 'f') {
                d = c - 'a' + 10;
            } else if (hex && c >= 'A' && c <= 'F') {
                d = c - 'A' + 10;
            } else {
                return false;
            }
            value = value * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
            if (value > 0x10FFFF) return false;
        }
        if (value == 0 || (value >= 0xD800 && value <= 0xDFFF)) return false;
        cp = value;
    } else {
        return false;
    }
    token.kind = TokenKind::text;
    token.raw = html.substr(pos, semi + 1 - pos);
    token.cp = cp;
    token.units = units_of(cp);
    return true;
}

std::vector<Token> tokenize(std::string_view html) {
    std::vector<Token> tokens;
    tokens.reserve(html.size());
    std::size_t i = 0;
    while (i < html.size()) {
        Token token;
        if (html[i] == '<' && read_tag(html, i, token)) {
            i += token.raw.size();
            tokens.push_back(std::move(token));
            continue;
        }
        if (html[i] == '&' && read_entity(html, i, token)) {
            i += token.raw.size();
            tokens.push_back(std::move(token));
            continue;
        }
        gofmt::Rune r = gofmt::decode_rune(html, i);
        token.kind = TokenKind::text;
        token.raw = html.substr(i, r.width);
        token.cp = r.value;
        token.units = units_of(r.value);
        i += r.width;
        tokens.push_back(std::move(token));
    }
    return tokens;
}

// ---- splitting -----------------------------------------------------------

bool is_regional_indicator(char32_t cp) { return cp >= 0x1F1E6 && cp <= 0x1F1FF; }

// True when `cp` belongs to the character before it (a cut between them
// would break an emoji sequence or detach an accent).
bool extends_previous(char32_t previous, char32_t cp) {
    if (previous == 0x200D) return true;  // after a zero-width joiner
    return cp == 0x200D ||                          // zero-width joiner
           (cp >= 0xFE00 && cp <= 0xFE0F) ||        // variation selectors
           (cp >= 0x0300 && cp <= 0x036F) ||        // combining diacritics
           (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
           (cp >= 0x20D0 && cp <= 0x20FF) ||        // combining marks for symbols (keycaps)
           (cp >= 0xFE20 && cp <= 0xFE2F) ||
           (cp >= 0x1F3FB && cp <= 0x1F3FF) ||      // skin tones
           (cp >= 0xE0020 && cp <= 0xE007F) ||      // tag sequences (flags of regions)
           (cp >= 0x3099 && cp <= 0x309A);          // kana voicing marks
}

struct Splitter {
    const std::vector<Token>& tokens;
    std::size_t limit;
    std::vector<std::string> parts;

    // Open elements (indices of start tags) after tokens [from, to) given
    // those open before `from`.
    std::vector<std::size_t> open_after(std::vector<std::size_t> open, std::size_t from, std::size_t to) const {
        for (std::size_t i = from; i < to; ++i) {
            const Token& t = tokens[i];
            if (t.kind == TokenKind::start_tag) {
                open.push_back(i);
            } else if (t.kind == TokenKind::end_tag) {
                for (std::size_t k = open.size(); k-- > 0;) {
                    if (tokens[open[k]].name == t.name) {
                        open.erase(open.begin() + static_cast<std::ptrdiff_t>(k), open.end());
                        break;
                    }
                }
            }
        }
        return open;
    }

    // Emits tokens [from, to) with `open` reopened first and whatever is
    // open at the end closed.
    void emit(const std::vector<std::size_t>& open, std::size_t from, std::size_t to) {
        std::string part;
        bool visible = false;
        for (std::size_t i : open) part += tokens[i].raw;
        for (std::size_t i = from; i < to; ++i) {
            const Token& t = tokens[i];
            part += t.raw;
            if (t.kind == TokenKind::text && t.cp != ' ' && t.cp != '\n' && t.cp != '\t' && t.cp != '\r') {
                visible = true;
            }
        }
        auto still_open = open_after(open, from, to);
        for (std::size_t k = still_open.size(); k-- > 0;) {
            part += "</";
            part += tokens[still_open[k]].name;
            part += '>';
        }
        if (visible) parts.push_back(std::move(part));
    }

    // Moves a cut back over start tags just before it: they open what
    // follows, so they belong to the next part.
    std::size_t before_start_tags(std::size_t cut, std::size_t floor) const {
        while (cut > floor && tokens[cut - 1].kind == TokenKind::start_tag) --cut;
        return cut;
    }

    // The previous text token before index `i` (not before `floor`), or null.
    const Token* previous_text(std::size_t i, std::size_t floor) const {
        while (i > floor) {
            --i;
            if (tokens[i].kind == TokenKind::text) return &tokens[i];
        }
        return nullptr;
    }

    // A cut before text token `i` that keeps character sequences whole;
    // `i` itself when there is none after `floor`.
    std::size_t character_cut(std::size_t i, std::size_t floor) const {
        for (std::size_t k = i; k > floor; --k) {
            const Token& t = tokens[k];
            if (t.kind != TokenKind::text) continue;
            const Token* prev = previous_text(k, floor);
            if (prev == nullptr) break;
            if (extends_previous(prev->cp, t.cp)) continue;
            if (is_regional_indicator(t.cp) && is_regional_indicator(prev->cp)) {
                // Flags are pairs: cut only after an even run of indicators.
                std::size_t run = 0;
                for (std::size_t j = k; j > floor;) {
                    --j;
                    if (tokens[j].kind != TokenKind::text) continue;
                    if (!is_regional_indicator(tokens[j].cp)) break;
                    ++run;
                }
                if (run % 2 == 1) continue;
            }
            return k;
        }
        return i;
    }

    void run() {
        std::vector<std::size_t> open;  // open at the start of the current part
        std::size_t start = 0;
        std::size_t used = 0;
        // Best cuts seen in the current part: after a newline, after a space.
        std::size_t line_cut = 0, line_used = 0;
        std::size_t space_cut = 0, space_used = 0;
        std::size_t i = 0;
        while (i < tokens.size()) {
            const Token& t = tokens[i];
            if (t.kind != TokenKind::text) {
                ++i;
                continue;
            }
            if (used + t.units > limit) {
                std::size_t cut;
                std::size_t end;  // the part's last token (exclusive); a cut newline is dropped
                if (line_cut > start && line_used * 2 >= limit) {
                    cut = line_cut;
                    end = line_cut - 1;
                } else if (space_cut > start && space_used * 2 >= limit) {
                    cut = space_cut;
                    end = space_cut;
                } else if (line_cut > start || space_cut > start) {
                    cut = std::max(line_cut, space_cut);
                    end = cut == line_cut ? cut - 1 : cut;
                } else {
                    cut = before_start_tags(character_cut(i, start), start);
                    if (cut <= start) cut = before_start_tags(i, start);
                    if (cut <= start) cut = i;
                    end = cut;
                }
                cut = std::max(before_start_tags(cut, start), start + 1);
                end = std::min(end, cut);
                emit(open, start, end);
                open = open_after(std::move(open), start, cut);
                start = cut;
                used = 0;
                line_cut = space_cut = 0;
                for (std::size_t k = start; k < i; ++k) {
                    if (tokens[k].kind != TokenKind::text) continue;
                    used += tokens[k].units;
                    if (tokens[k].cp == '\n') {
                        line_cut = k + 1;
                        line_used = used;
                    } else if (tokens[k].cp == ' ') {
                        space_cut = k + 1;
                        space_used = used;
                    }
                }
                continue;  // re-examine token i against the new part
            }
            used += t.units;
            ++i;
            if (t.cp == '\n') {
                line_cut = i;
                line_used = used;
            } else if (t.cp == ' ') {
                space_cut = i;
                space_used = used;
            }
        }
        if (start < tokens.size()) emit(open, start, tokens.size());
    }
};

}  // namespace

std::string escape_html(std::string_view text) { return escaped(text, escape_text_char); }

std::string escape_attribute(std::string_view text) { return escaped(text, escape_attribute_char); }

std::string bold(std::string_view text) { return element("b", text); }
std::string italic(std::string_view text) { return element("i", text); }
std::string code(std::string_view text) { return element("code", text); }
std::string pre(std::string_view text) { return element("pre", text); }

std::string link_to(std::string_view url, std::string_view text) {
    return "<a href=\"" + escape_attribute(url) + "\">" + escape_html(text) + "</a>";
}

std::size_t utf16_length(std::string_view utf8) {
    std::size_t n = 0;
    std::size_t i = 0;
    while (i < utf8.size()) {
        if (static_cast<unsigned char>(utf8[i]) < 0x80) {
            ++n;
            ++i;
            continue;
        }
        gofmt::Rune r = gofmt::decode_rune(utf8, i);
        n += units_of(r.value);
        i += r.width;
    }
    return n;
}

std::size_t visible_length(std::string_view html) {
    std::size_t n = 0;
    for (const Token& t : tokenize(html)) n += t.units;
    return n;
}

std::string html_to_plain(std::string_view html) {
    std::string out;
    out.reserve(html.size());
    for (const Token& t : tokenize(html)) {
        if (t.kind != TokenKind::text) continue;
        if (t.raw.size() > 1 && t.raw[0] == '&') {
            gofmt::append_utf8(out, t.cp);
        } else if (t.cp == k_replacement && t.raw.size() == 1) {
            gofmt::append_utf8(out, k_replacement);
        } else {
            out += t.raw;
        }
    }
    return out;
}

std::vector<std::string> split_message(std::string_view html, std::size_t limit) {
    limit = std::max<std::size_t>(limit, 16);
    auto tokens = tokenize(html);
    Splitter splitter{tokens, limit, {}};
    splitter.run();
    return std::move(splitter.parts);
}

}  // namespace tocsin::notify::telegram
