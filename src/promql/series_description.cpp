#include "tocsin/promql/series_description.hpp"

#include <cmath>
#include <cstdint>
#include <optional>

#include "go_compat.hpp"
#include "tocsin/core/go_format.hpp"

namespace tocsin::promql {

bool operator==(const SeriesValue& a, const SeriesValue& b) noexcept {
    if (a.omitted != b.omitted) return false;
    if (a.omitted) return true;
    if (a.is_stale() != b.is_stale()) return false;
    return a.value == b.value || (std::isnan(a.value) && std::isnan(b.value));
}

std::string to_string(const SeriesValue& value) {
    if (value.omitted) return "_";
    if (value.is_stale()) return "stale";
    return go::format_float(value.value);
}

std::string SeriesDescError::to_string() const { return std::to_string(column) + ": " + message; }

namespace {

// The character classes of Prometheus' lexer (ASCII only, by design there).
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_alpha(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// PromQL keywords (lex.go's key map). A metric name may be any of them except
// those missing from the grammar's metric_identifier list.
bool is_keyword(std::string_view lower) {
    static constexpr std::string_view k_keywords[] = {
        "and",     "or",     "unless",   "atan2",      "sum",         "avg",          "count",    "min",    "max",
        "group",   "stddev", "stdvar",   "topk",       "bottomk",     "count_values", "quantile", "offset", "by",
        "without", "on",     "ignoring", "group_left", "group_right", "bool",         "start",    "end"};
    for (auto k : k_keywords) {
        if (k == lower) return true;
    }
    return false;
}
bool keyword_may_name_metric(std::string_view lower) {
    return lower != "on" && lower != "ignoring" && lower != "group_left" && lower != "group_right" && lower != "bool" &&
           lower != "atan2";
}

struct Utf8 {
    std::uint32_t rune = 0;
    std::size_t size = 0;  // 0: invalid
};

// Go's utf8.DecodeRuneInString (no overlongs, no surrogates, nothing above
// U+10FFFF), with size 0 for an invalid sequence.
Utf8 decode_utf8(std::string_view s, std::size_t i) {
    const gofmt::Rune r = gofmt::decode_rune(s, i);
    if (r.value == gofmt::k_rune_error && r.width <= 1) return {};
    return {static_cast<std::uint32_t>(r.value), r.width};
}

// The character at i quoted for a message: 'x', or its bytes in hex when it
// is not valid UTF-8.
std::string describe_char(std::string_view s, std::size_t i) {
    Utf8 u = decode_utf8(s, i);
    if (u.size == 0) {
        static constexpr char k_hex[] = "0123456789abcdef";
        auto c = static_cast<unsigned char>(s[i]);
        return std::string("byte 0x") + k_hex[c >> 4] + k_hex[c & 0xf];
    }
    if (u.rune < 0x20 || u.rune == 0x7f) return go::quote(s.substr(i, 1));
    return "'" + std::string(s.substr(i, u.size)) + "'";
}

// Go's %#U: U+0071 'q'.
std::string describe_rune(std::string_view s, std::size_t i) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    Utf8 u = decode_utf8(s, i);
    std::uint32_t r = u.size == 0 ? 0xfffd : u.rune;
    std::string out = "U+";
    int digits = r > 0xffff ? (r > 0xfffff ? 6 : 5) : 4;
    for (int d = digits - 1; d >= 0; --d) out += k_hex[(r >> (4 * d)) & 0xf];
    if (u.size != 0 && r >= 0x20 && r != 0x7f) out += " '" + std::string(s.substr(i, u.size)) + "'";
    return out;
}

class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text) {}

    SeriesDescError take_error() { return std::move(m_error); }

    // The metric: optional name, optional {labels}. Leaves m_pos after it.
    bool parse_metric(Labels& out) {
        skip_statement_space();
        std::optional<std::string> name;
        std::vector<Label> labels;
        if (at_end()) {
            out = Labels{};
            return true;
        }
        const char c = m_text[m_pos];
        if (is_alpha(c) || c == ':') {
            const std::size_t start = m_pos;
            while (m_pos < m_text.size() && (is_alnum(m_text[m_pos]) || m_text[m_pos] == ':')) ++m_pos;
            std::string_view word = m_text.substr(start, m_pos - start);
            const std::string lower = lowercase(word);
            if (lower == "inf" || lower == "nan") {
                return fail(start, "unexpected number " + go::quote(word) + ", expected a metric name or \"{\"");
            }
            if (is_keyword(lower) && !keyword_may_name_metric(lower)) {
                return fail(start, "unexpected keyword " + go::quote(word) + ", expected a metric name or \"{\"");
            }
            name = std::string(word);
            if (!at_end() && m_text[m_pos] == '{') {
                ++m_pos;
                if (!parse_label_set(labels)) return false;
            }
        } else if (c == '{') {
            ++m_pos;
            if (!parse_label_set(labels)) return false;
        } else {
            return fail(m_pos, "unexpected " + describe_char(m_text, m_pos) + ", expected a metric name or \"{\"");
        }
        // The name wins over a __name__ label, as Prometheus' labels.Builder.
        if (name) labels.push_back(Label{"__name__", *name});
        out = Labels(std::move(labels));
        return true;
    }

    // After a metric for ParseMetric: only space and comments may follow.
    bool expect_end() {
        skip_statement_space();
        if (at_end()) return true;
        return fail(m_pos, "unexpected " + describe_char(m_text, m_pos) + " after the metric, expected end of input");
    }

    // The value sequence. `after_space`: a separating space was already seen,
    // so an item may come first (promtool's values field).
    bool parse_values(bool after_space, std::vector<SeriesValue>& out) {
        bool item_allowed = after_space;
        for (;;) {
            Token t;
            if (!next_value_token(t)) return false;
            if (t.kind == Tok::end) return true;
            if (t.kind == Tok::space) {
                item_allowed = true;
                continue;
            }
            if (!item_allowed) {
                return fail(t.begin, "unexpected " + describe(t) + " in series values, expected a space");
            }
            if (!parse_item(t, out)) return false;
            item_allowed = false;
        }
    }

private:
    enum class Tok { end, space, add, sub, times, blank, number, identifier, keyword };
    struct Token {
        Tok kind = Tok::end;
        std::size_t begin = 0;
        std::size_t end = 0;
    };

    enum class BTok { ident, comma, string, eq, eq_regex, neq, neq_regex, rbrace };
    struct BraceToken {
        BTok kind = BTok::rbrace;
        std::size_t begin = 0;
        std::size_t end = 0;
        std::string value;  // decoded string / identifier
    };

    bool at_end() const { return m_pos >= m_text.size(); }

    bool fail(std::size_t offset, std::string message) {
        m_error = SeriesDescError{offset + 1, std::move(message)};
        return false;
    }

    void skip_comment() {
        while (m_pos < m_text.size() && m_text[m_pos] != '\n' && m_text[m_pos] != '\r') ++m_pos;
    }

    // Outside braces and values, spaces separate nothing and # starts a comment.
    void skip_statement_space() {
        while (m_pos < m_text.size()) {
            if (is_space(m_text[m_pos])) {
                ++m_pos;
            } else if (m_text[m_pos] == '#') {
                skip_comment();
            } else {
                break;
            }
        }
    }

    std::string_view text(const Token& t) const { return m_text.substr(t.begin, t.end - t.begin); }

    std::string describe(const Token& t) const {
        switch (t.kind) {
            case Tok::end:
                return "end of input";
            case Tok::space:
                return "space";
            case Tok::add:
                return "\"+\"";
            case Tok::sub:
                return "\"-\"";
            case Tok::times:
                return "\"x\"";
            case Tok::blank:
                return "\"_\"";
            case Tok::number:
                return "number " + go::quote(text(t));
            case Tok::identifier:
                return "identifier " + go::quote(text(t));
            case Tok::keyword:
                return "keyword " + go::quote(text(t));
        }
        return "token";
    }

    // lex.go's lexValueSequence: the tokens of the value part.
    bool next_value_token(Token& t) {
        t.begin = m_pos;
        if (at_end()) {
            t.kind = Tok::end;
            t.end = m_pos;
            return true;
        }
        const char c = m_text[m_pos];
        if (is_space(c)) {
            while (m_pos < m_text.size() && is_space(m_text[m_pos])) ++m_pos;
            t.kind = Tok::space;
        } else if (c == '+' || c == '-' || c == 'x' || c == '_') {
            ++m_pos;
            t.kind = c == '+' ? Tok::add : c == '-' ? Tok::sub : c == 'x' ? Tok::times : Tok::blank;
        } else if (is_digit(c) || (c == '.' && m_pos + 1 < m_text.size() && is_digit(m_text[m_pos + 1]))) {
            // Decimal only: "0x3" is 0 repeated 3 times, so hex cannot be allowed.
            auto run = [&] {
                while (m_pos < m_text.size() && is_digit(m_text[m_pos])) ++m_pos;
            };
            run();
            if (m_pos < m_text.size() && m_text[m_pos] == '.') {
                ++m_pos;
                run();
            }
            if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
                ++m_pos;
                if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-')) ++m_pos;
                run();
            }
            if (m_pos < m_text.size() && m_text[m_pos] != 'x' && is_alnum(m_text[m_pos])) {
                return fail(t.begin, "bad number syntax: " + go::quote(m_text.substr(t.begin, m_pos + 1 - t.begin)));
            }
            t.kind = Tok::number;
        } else if (is_alpha(c)) {
            while (m_pos < m_text.size() && (is_alnum(m_text[m_pos]) || m_text[m_pos] == ':')) ++m_pos;
            const std::string lower = lowercase(m_text.substr(t.begin, m_pos - t.begin));
            t.kind = (lower == "inf" || lower == "nan") ? Tok::number
                     : is_keyword(lower)                ? Tok::keyword
                                                        : Tok::identifier;
        } else {
            return fail(m_pos, "unexpected character in series values: " + describe_char(m_text, m_pos));
        }
        t.end = m_pos;
        return true;
    }

    bool peek_value_token(Token& t) {
        const std::size_t saved = m_pos;
        if (!next_value_token(t)) return false;
        m_pos = saved;
        return true;
    }

    bool number_value(const Token& t, double& out) {
        go::NumberParse n = go::parse_number(text(t));
        if (!n.ok()) return fail(t.begin, "error parsing number: " + n.error);
        out = n.value;
        return true;
    }

    // series_value: stale, a number, or a signed number.
    bool series_value(const Token& t, double& out) {
        switch (t.kind) {
            case Tok::identifier:
                if (text(t) != "stale") {
                    return fail(t.begin,
                                "unexpected " + describe(t) + " in series values, expected number or \"stale\"");
                }
                out = stale_marker();
                return true;
            case Tok::number:
                return number_value(t, out);
            case Tok::add:
            case Tok::sub: {
                Token n;
                if (!next_value_token(n)) return false;
                if (n.kind != Tok::number) {
                    return fail(n.begin, "unexpected " + describe(n) + " in series values, expected number");
                }
                if (!number_value(n, out)) return false;
                if (t.kind == Tok::sub) out = -out;
                return true;
            }
            default:
                return fail(t.begin,
                            "unexpected " + describe(t) + " in series values, expected number, \"_\" or \"stale\"");
        }
    }

    // The N of "xN": decimal digits only (strconv.ParseUint(s, 10, 64)).
    bool repetition(std::uint64_t& out) {
        Token t;
        if (!next_value_token(t)) return false;
        if (t.kind != Tok::number) {
            return fail(t.begin, "unexpected " + describe(t) + " in series values, expected repetition count");
        }
        std::string_view s = text(t);
        std::uint64_t n = 0;
        for (char c : s) {
            if (!is_digit(c)) {
                return fail(t.begin, "invalid repetition in series values: strconv.ParseUint: parsing " + go::quote(s) +
                                         ": invalid syntax");
            }
            const auto d = static_cast<std::uint64_t>(c - '0');
            if (n > (UINT64_MAX - d) / 10) {
                return fail(t.begin, "invalid repetition in series values: strconv.ParseUint: parsing " + go::quote(s) +
                                         ": value out of range");
            }
            n = n * 10 + d;
        }
        out = n;
        return true;
    }

    // `extra` is 1 for the "N+1 values" forms.
    bool room_for(std::size_t have, std::uint64_t n, std::uint64_t extra, std::size_t at) {
        if (n >= k_max_series_values || have + n + extra > k_max_series_values) {
            return fail(at, "series expands to more than " + std::to_string(k_max_series_values) + " values");
        }
        return true;
    }

    bool parse_item(const Token& first, std::vector<SeriesValue>& out) {
        Token next;
        if (first.kind == Tok::blank) {
            if (!peek_value_token(next)) return false;
            if (next.kind != Tok::times) {
                out.push_back(SeriesValue::blank());
                return true;
            }
            next_value_token(next);
            std::uint64_t n = 0;
            if (!repetition(n) || !room_for(out.size(), n, 0, first.begin)) return false;
            out.insert(out.end(), static_cast<std::size_t>(n), SeriesValue::blank());  // _xN: N steps
            return true;
        }
        double v = 0;
        if (!series_value(first, v)) return false;
        if (!peek_value_token(next)) return false;
        if (next.kind == Tok::times) {
            next_value_token(next);
            std::uint64_t n = 0;
            if (!repetition(n) || !room_for(out.size(), n, 1, first.begin)) return false;
            out.insert(out.end(), static_cast<std::size_t>(n + 1), SeriesValue{v, false});  // vxN: N+1 steps
            return true;
        }
        if (next.kind == Tok::add || next.kind == Tok::sub) {
            next_value_token(next);
            Token number;
            if (!next_value_token(number)) return false;
            if (number.kind != Tok::number) {
                return fail(number.begin, "unexpected " + describe(number) + " in series values, expected number");
            }
            double step = 0;
            if (!number_value(number, step)) return false;
            if (next.kind == Tok::sub) step = -step;
            Token times;
            if (!next_value_token(times)) return false;
            if (times.kind != Tok::times) {
                return fail(times.begin, "unexpected " + describe(times) + " in series values, expected \"x\"");
            }
            std::uint64_t n = 0;
            if (!repetition(n) || !room_for(out.size(), n, 1, first.begin)) return false;
            // Repeated addition, not v + i*step: the float results must be
            // Prometheus' to the last bit.
            for (std::uint64_t i = 0; i <= n; ++i) {
                out.push_back(SeriesValue{v, false});
                v += step;
            }
            return true;
        }
        out.push_back(SeriesValue{v, false});
        return true;
    }

    // lex.go's lexString/lexEscape validation with strutil.Unquote's decoding.
    bool quoted_string(char quote, std::string& out) {
        const std::size_t start = m_pos - 1;
        for (;;) {
            if (at_end() || m_text[m_pos] == '\n') return fail(start, "unterminated quoted string");
            const char c = m_text[m_pos];
            if (c == quote) {
                ++m_pos;
                return true;
            }
            if (c == '\\') {
                if (!escape(quote, out)) return false;
                continue;
            }
            if (static_cast<unsigned char>(c) >= 0x80) {
                Utf8 u = decode_utf8(m_text, m_pos);
                if (u.size == 0 || u.rune == 0xfffd) return fail(m_pos, "invalid UTF-8 rune");
                out.append(m_text.substr(m_pos, u.size));
                m_pos += u.size;
                continue;
            }
            out += c;
            ++m_pos;
        }
    }

    bool escape(char quote, std::string& out) {
        const std::size_t at = m_pos;
        ++m_pos;  // the backslash
        if (at_end()) return fail(at, "escape sequence not terminated");
        const char c = m_text[m_pos];
        int digits = 0;
        unsigned base = 0;
        std::uint32_t max = 0;
        switch (c) {
            case 'a':
                out += '\a';
                ++m_pos;
                return true;
            case 'b':
                out += '\b';
                ++m_pos;
                return true;
            case 'f':
                out += '\f';
                ++m_pos;
                return true;
            case 'n':
                out += '\n';
                ++m_pos;
                return true;
            case 'r':
                out += '\r';
                ++m_pos;
                return true;
            case 't':
                out += '\t';
                ++m_pos;
                return true;
            case 'v':
                out += '\v';
                ++m_pos;
                return true;
            case '\\':
                out += '\\';
                ++m_pos;
                return true;
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
                digits = 3;
                base = 8;
                max = 255;
                break;
            case 'x':
                digits = 2;
                base = 16;
                max = 255;
                ++m_pos;
                break;
            case 'u':
                digits = 4;
                base = 16;
                max = 0x10ffff;
                ++m_pos;
                break;
            case 'U':
                digits = 8;
                base = 16;
                max = 0x10ffff;
                ++m_pos;
                break;
            default:
                if (c == quote) {
                    out += c;
                    ++m_pos;
                    return true;
                }
                return fail(at, "unknown escape sequence " + describe_rune(m_text, m_pos));
        }
        std::uint64_t v = 0;
        for (int i = 0; i < digits; ++i) {
            if (at_end()) return fail(at, "escape sequence not terminated");
            const char d = m_text[m_pos];
            unsigned dv = 16;
            if (is_digit(d))
                dv = static_cast<unsigned>(d - '0');
            else if (d >= 'a' && d <= 'f')
                dv = static_cast<unsigned>(d - 'a' + 10);
            else if (d >= 'A' && d <= 'F')
                dv = static_cast<unsigned>(d - 'A' + 10);
            if (dv >= base) {
                return fail(at, "illegal character " + describe_rune(m_text, m_pos) + " in escape sequence");
            }
            v = v * base + dv;
            ++m_pos;
        }
        if (v > max || (v >= 0xd800 && v < 0xe000)) {
            return fail(at, "escape sequence is an invalid Unicode code point");
        }
        if (digits >= 4) {
            gofmt::append_utf8(out, static_cast<std::uint32_t>(v));
        } else {
            out += static_cast<char>(static_cast<unsigned char>(v));  // \x and octal are raw bytes
        }
        return true;
    }

    bool raw_string(std::string& out) {
        const std::size_t start = m_pos - 1;
        for (;;) {
            if (at_end()) return fail(start, "unterminated raw string");
            const char c = m_text[m_pos];
            if (c == '`') {
                ++m_pos;
                return true;
            }
            if (static_cast<unsigned char>(c) >= 0x80) {
                Utf8 u = decode_utf8(m_text, m_pos);
                if (u.size == 0 || u.rune == 0xfffd) return fail(m_pos, "invalid UTF-8 rune");
                out.append(m_text.substr(m_pos, u.size));
                m_pos += u.size;
                continue;
            }
            out += c;
            ++m_pos;
        }
    }

    // lex.go's lexInsideBraces.
    bool next_brace_token(BraceToken& t) {
        for (;;) {
            while (m_pos < m_text.size() && is_space(m_text[m_pos])) ++m_pos;
            if (m_pos < m_text.size() && m_text[m_pos] == '#') {
                skip_comment();
                continue;
            }
            break;
        }
        t = BraceToken{};
        t.begin = m_pos;
        if (at_end()) return fail(m_pos, "unexpected end of input inside braces");
        const char c = m_text[m_pos];
        if (is_alpha(c)) {
            while (m_pos < m_text.size() && is_alnum(m_text[m_pos])) ++m_pos;
            t.kind = BTok::ident;
            t.value = std::string(m_text.substr(t.begin, m_pos - t.begin));
        } else if (c == ',') {
            ++m_pos;
            t.kind = BTok::comma;
        } else if (c == '"' || c == '\'') {
            ++m_pos;
            if (!quoted_string(c, t.value)) return false;
            t.kind = BTok::string;
        } else if (c == '`') {
            ++m_pos;
            if (!raw_string(t.value)) return false;
            t.kind = BTok::string;
        } else if (c == '=') {
            ++m_pos;
            t.kind = BTok::eq;
            if (!at_end() && m_text[m_pos] == '~') {
                ++m_pos;
                t.kind = BTok::eq_regex;
            }
        } else if (c == '!') {
            ++m_pos;
            if (!at_end() && m_text[m_pos] == '~') {
                t.kind = BTok::neq_regex;
            } else if (!at_end() && m_text[m_pos] == '=') {
                t.kind = BTok::neq;
            } else {
                return fail(t.begin, "unexpected character after '!' inside braces: " +
                                         (at_end() ? std::string("end of input") : describe_char(m_text, m_pos)));
            }
            ++m_pos;
        } else if (c == '{') {
            return fail(m_pos, "unexpected left brace '{'");
        } else if (c == '}') {
            ++m_pos;
            t.kind = BTok::rbrace;
        } else {
            return fail(m_pos, "unexpected character inside braces: " + describe_char(m_text, m_pos));
        }
        t.end = m_pos;
        return true;
    }

    std::string describe(const BraceToken& t) const {
        switch (t.kind) {
            case BTok::ident:
                return "identifier " + go::quote(t.value);
            case BTok::comma:
                return "\",\"";
            case BTok::string:
                return "string " + std::string(m_text.substr(t.begin, t.end - t.begin));
            case BTok::eq:
                return "\"=\"";
            case BTok::eq_regex:
                return "\"=~\"";
            case BTok::neq:
                return "\"!=\"";
            case BTok::neq_regex:
                return "\"!~\"";
            case BTok::rbrace:
                return "\"}\"";
        }
        return "token";
    }

    // After "{": name="value" pairs separated by commas, a trailing comma
    // allowed, then "}".
    bool parse_label_set(std::vector<Label>& labels) {
        BraceToken t;
        if (!next_brace_token(t)) return false;
        if (t.kind == BTok::rbrace) return true;
        for (;;) {
            if (t.kind != BTok::ident) {
                return fail(t.begin, "unexpected " + describe(t) + " in label set, expected identifier or \"}\"");
            }
            Label label{t.value, {}};
            if (!next_brace_token(t)) return false;
            if (t.kind != BTok::eq) {
                return fail(t.begin, "unexpected " + describe(t) + " in label set, expected \"=\"");
            }
            if (!next_brace_token(t)) return false;
            if (t.kind != BTok::string) {
                return fail(t.begin, "unexpected " + describe(t) + " in label set, expected string");
            }
            label.value = std::move(t.value);
            labels.push_back(std::move(label));
            if (!next_brace_token(t)) return false;
            if (t.kind == BTok::rbrace) return true;
            if (t.kind != BTok::comma) {
                return fail(t.begin, "unexpected " + describe(t) + " in label set, expected \",\" or \"}\"");
            }
            if (!next_brace_token(t)) return false;
            if (t.kind == BTok::rbrace) return true;
        }
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    SeriesDescError m_error;
};

}  // namespace

ParseOutcome<SeriesDescription, SeriesDescError> parse_series_description(std::string_view text) {
    Parser parser(text);
    SeriesDescription out;
    if (!parser.parse_metric(out.labels)) return parser.take_error();
    if (!parser.parse_values(false, out.values)) return parser.take_error();
    return out;
}

ParseOutcome<std::vector<SeriesValue>, SeriesDescError> parse_series_values(std::string_view text) {
    Parser parser(text);
    std::vector<SeriesValue> values;
    if (!parser.parse_values(true, values)) return parser.take_error();
    return values;
}

ParseOutcome<Labels, SeriesDescError> parse_metric(std::string_view text) {
    Parser parser(text);
    Labels labels;
    if (!parser.parse_metric(labels) || !parser.expect_end()) return parser.take_error();
    return labels;
}

}  // namespace tocsin::promql
