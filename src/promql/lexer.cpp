#include "lexer.hpp"

#include <array>
#include <utility>

#include "tocsin/core/go_format.hpp"

namespace tocsin::promql {
namespace {

// Not a rune: what next_rune() returns at the end of the input.
constexpr char32_t k_eof = 0xFFFFFFFF;

constexpr std::string_view k_digits = "0123456789";
constexpr std::string_view k_hex_digits = "0123456789abcdefABCDEF";

bool is_space(char32_t r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
bool is_end_of_line(char32_t r) { return r == '\r' || r == '\n'; }
bool is_digit(char32_t r) { return r >= '0' && r <= '9'; }
bool is_alpha(char32_t r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool is_alnum(char32_t r) { return is_alpha(r) || is_digit(r); }

int digit_value(char32_t r) {
    if (r >= '0' && r <= '9') return static_cast<int>(r - '0');
    if (r >= 'a' && r <= 'f') return static_cast<int>(r - 'a' + 10);
    if (r >= 'A' && r <= 'F') return static_cast<int>(r - 'A' + 10);
    return 16;
}

struct Keyword {
    std::string_view word;
    Tok type;
};

// lex.go's `key` map; matched case-insensitively. "inf" and "nan" are numbers.
constexpr std::array<Keyword, 28> k_keywords{{
    {"and", Tok::land},
    {"or", Tok::lor},
    {"unless", Tok::lunless},
    {"atan2", Tok::atan2},
    {"sum", Tok::sum},
    {"avg", Tok::avg},
    {"count", Tok::count},
    {"min", Tok::min},
    {"max", Tok::max},
    {"group", Tok::group},
    {"stddev", Tok::stddev},
    {"stdvar", Tok::stdvar},
    {"topk", Tok::topk},
    {"bottomk", Tok::bottomk},
    {"count_values", Tok::count_values},
    {"quantile", Tok::quantile},
    {"offset", Tok::offset},
    {"by", Tok::by},
    {"without", Tok::without},
    {"on", Tok::on},
    {"ignoring", Tok::ignoring},
    {"group_left", Tok::group_left},
    {"group_right", Tok::group_right},
    {"bool", Tok::kw_bool},
    {"start", Tok::start},
    {"end", Tok::end},
    {"inf", Tok::number},
    {"nan", Tok::number},
}};

bool equals_lower(std::string_view word, std::string_view lower) {
    if (word.size() != lower.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        char c = word[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

}  // namespace

bool is_aggregator(Tok t) noexcept { return t >= Tok::avg && t <= Tok::topk; }
bool is_keyword(Tok t) noexcept { return t >= Tok::kw_bool && t <= Tok::without; }
bool is_operator(Tok t) noexcept { return t >= Tok::add && t <= Tok::atan2; }

std::string describe(const Token& t) {
    const auto shortened = [&] {
        if (t.text.size() > 10) return gofmt::quote_prefix(t.text, 10) + "...";
        return gofmt::quote(t.text);
    };
    switch (t.type) {
        case Tok::eof:
            return "end of input";
        case Tok::error:
            return t.message;
        case Tok::comment:
            return "comment " + shortened();
        case Tok::identifier:
            return "identifier " + gofmt::quote(t.text);
        case Tok::metric_identifier:
            return "metric identifier " + gofmt::quote(t.text);
        case Tok::number:
            return "number " + shortened();
        case Tok::string:
            return "string " + shortened();
        case Tok::duration:
            return "duration " + shortened();
        default:
            break;
    }
    // AT is missing from lex.go's ItemTypeStr, so Go names it by its yacc number.
    if (t.type == Tok::at) return "\"<Item 57385>\" <op:" + std::string(t.text) + ">";
    if (is_keyword(t.type)) return "<" + std::string(t.text) + ">";
    if (is_operator(t.type)) return "<op:" + std::string(t.text) + ">";
    if (is_aggregator(t.type)) return "<aggr:" + std::string(t.text) + ">";
    return shortened();
}

char32_t Lexer::next_rune() {
    const gofmt::Rune r = gofmt::decode_rune(m_input, m_pos);
    m_width = r.width;
    if (r.width == 0) return k_eof;
    m_pos += r.width;
    return r.value;
}

char32_t Lexer::peek_rune() {
    const char32_t r = next_rune();
    backup();
    return r;
}

bool Lexer::accept(std::string_view valid) {
    const char32_t r = next_rune();
    if (r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    backup();
    return false;
}

void Lexer::accept_run(std::string_view valid) {
    while (accept(valid)) {
    }
}

Token Lexer::emit(Tok type) {
    Token t{type, m_start, m_input.substr(m_start, m_pos - m_start), {}};
    m_start = m_pos;
    return t;
}

Token Lexer::error(std::string message) {
    m_state = State::done;
    return Token{Tok::error, m_start, {}, std::move(message)};
}

Token Lexer::next() {
    Token out;
    for (;;) {
        switch (m_state) {
            case State::done:
                m_start = m_pos;
                return Token{Tok::eof, m_pos, {}, {}};
            case State::statements:
                if (lex_statements(out)) return out;
                break;
            case State::inside_braces:
                if (lex_inside_braces(out)) return out;
                break;
            case State::duration:
                m_state = State::statements;
                return lex_duration();
        }
    }
}

bool Lexer::lex_statements(Token& out) {
    if (m_brace_open) {
        m_state = State::inside_braces;
        return false;
    }
    if (m_input.substr(m_pos).starts_with('#')) {
        out = lex_line_comment();
        return true;
    }
    const char32_t r = next_rune();
    if (r == k_eof) {
        if (m_paren_depth != 0) {
            out = error("unclosed left parenthesis");
        } else if (m_bracket_open) {
            out = error("unclosed left bracket");
        } else {
            out = emit(Tok::eof);
            m_state = State::done;
        }
        return true;
    }
    if (is_space(r)) {
        while (is_space(peek_rune())) next_rune();
        m_start = m_pos;
        return false;
    }
    switch (r) {
        case ',':
            out = emit(Tok::comma);
            return true;
        case '*':
            out = emit(Tok::mul);
            return true;
        case '/':
            out = emit(Tok::div);
            return true;
        case '%':
            out = emit(Tok::mod);
            return true;
        case '+':
            out = emit(Tok::add);
            return true;
        case '-':
            out = emit(Tok::sub);
            return true;
        case '^':
            out = emit(Tok::pow);
            return true;
        case '=': {
            const char32_t t = peek_rune();
            if (t == '=') {
                next_rune();
                out = emit(Tok::eqlc);
            } else if (t == '~') {
                out = error("unexpected character after '=': " + gofmt::quote_rune(t));
            } else {
                out = emit(Tok::eql);
            }
            return true;
        }
        case '!': {
            const char32_t t = next_rune();
            if (t == '=') {
                out = emit(Tok::neq);
            } else {
                out = error("unexpected character after '!': " + gofmt::quote_rune(t));
            }
            return true;
        }
        case '<':
            if (peek_rune() == '=') {
                next_rune();
                out = emit(Tok::lte);
            } else {
                out = emit(Tok::lss);
            }
            return true;
        case '>':
            if (peek_rune() == '=') {
                next_rune();
                out = emit(Tok::gte);
            } else {
                out = emit(Tok::gtr);
            }
            return true;
        case '"':
        case '\'':
            out = lex_string(r);
            return true;
        case '`':
            out = lex_raw_string();
            return true;
        case '(':
            out = emit(Tok::left_paren);
            ++m_paren_depth;
            return true;
        case ')':
            out = emit(Tok::right_paren);
            if (--m_paren_depth < 0) out = error("unexpected right parenthesis " + gofmt::quote_rune(r));
            return true;
        case '{':
            out = emit(Tok::left_brace);
            m_brace_open = true;
            m_state = State::inside_braces;
            return true;
        case '[':
            if (m_bracket_open) {
                out = error("unexpected left bracket " + gofmt::quote_rune(r));
                return true;
            }
            m_got_colon = false;
            out = emit(Tok::left_bracket);
            while (is_space(peek_rune())) next_rune();
            m_start = m_pos;
            m_bracket_open = true;
            m_state = State::duration;
            return true;
        case ']':
            if (!m_bracket_open) {
                out = error("unexpected right bracket " + gofmt::quote_rune(r));
                return true;
            }
            out = emit(Tok::right_bracket);
            m_bracket_open = false;
            return true;
        case '@':
            out = emit(Tok::at);
            return true;
        default:
            break;
    }
    if (is_digit(r) || (r == '.' && is_digit(peek_rune()))) {
        backup();
        out = lex_number_or_duration();
        return true;
    }
    if (is_alpha(r) || r == ':') {
        if (!m_bracket_open) {
            backup();
            out = lex_keyword_or_identifier();
            return true;
        }
        // Inside [...] any letter is taken for the subquery colon (sic).
        if (m_got_colon) {
            out = error("unexpected colon " + gofmt::quote_rune(r));
            return true;
        }
        out = emit(Tok::colon);
        m_got_colon = true;
        return true;
    }
    out = error("unexpected character: " + gofmt::quote_rune(r));
    return true;
}

bool Lexer::lex_inside_braces(Token& out) {
    if (m_input.substr(m_pos).starts_with('#')) {
        out = lex_line_comment();
        return true;
    }
    const char32_t r = next_rune();
    if (r == k_eof) {
        out = error("unexpected end of input inside braces");
        return true;
    }
    if (is_space(r)) {
        while (is_space(peek_rune())) next_rune();
        m_start = m_pos;
        return false;
    }
    if (is_alpha(r)) {
        backup();
        out = lex_identifier();
        return true;
    }
    switch (r) {
        case ',':
            out = emit(Tok::comma);
            return true;
        case '"':
        case '\'':
            out = lex_string(r);
            return true;
        case '`':
            out = lex_raw_string();
            return true;
        case '=':
            if (next_rune() == '~') {
                out = emit(Tok::eql_regex);
            } else {
                backup();
                out = emit(Tok::eql);
            }
            return true;
        case '!': {
            const char32_t nr = next_rune();
            if (nr == '~') {
                out = emit(Tok::neq_regex);
            } else if (nr == '=') {
                out = emit(Tok::neq);
            } else {
                out = error("unexpected character after '!' inside braces: " + gofmt::quote_rune(nr));
            }
            return true;
        }
        case '{':
            out = error("unexpected left brace " + gofmt::quote_rune(r));
            return true;
        case '}':
            out = emit(Tok::right_brace);
            m_brace_open = false;
            m_state = State::statements;
            return true;
        default:
            out = error("unexpected character inside braces: " + gofmt::quote_rune(r));
            return true;
    }
}

Token Lexer::lex_line_comment() {
    ++m_pos;  // '#'
    char32_t r = next_rune();
    while (!is_end_of_line(r) && r != k_eof) r = next_rune();
    backup();
    return emit(Tok::comment);
}

Token Lexer::lex_string(char32_t quote) {
    for (;;) {
        const char32_t r = next_rune();
        if (r == '\\') {
            bool failed = false;
            Token e = lex_escape_error(quote, failed);
            if (failed) return e;
            continue;
        }
        if (r == gofmt::k_rune_error) return error("invalid UTF-8 rune");
        if (r == k_eof || r == '\n') return error("unterminated quoted string");
        if (r == quote) break;
    }
    return emit(Tok::string);
}

// lex.go's lexEscape: validates one escape after the backslash.
Token Lexer::lex_escape_error(char32_t quote, bool& failed) {
    failed = true;
    int n = 0;
    std::uint32_t base = 0;
    std::uint32_t max = 0;
    char32_t ch = next_rune();
    switch (ch) {
        case 'a':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
        case 'v':
        case '\\':
            failed = false;
            return {};
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
            n = 3;
            base = 8;
            max = 255;
            break;
        case 'x':
            ch = next_rune();
            n = 2;
            base = 16;
            max = 255;
            break;
        case 'u':
            ch = next_rune();
            n = 4;
            base = 16;
            max = 0x10FFFF;
            break;
        case 'U':
            ch = next_rune();
            n = 8;
            base = 16;
            max = 0x10FFFF;
            break;
        case k_eof:
            return error("escape sequence not terminated");
        default:
            if (ch == quote) {
                failed = false;
                return {};
            }
            return error("unknown escape sequence " + gofmt::unicode_format(ch));
    }
    std::uint32_t x = 0;
    while (n > 0) {
        const auto d = static_cast<std::uint32_t>(ch == k_eof ? 16 : digit_value(ch));
        if (d >= base) {
            if (ch == k_eof) return error("escape sequence not terminated");
            return error("illegal character " + gofmt::unicode_format(ch) + " in escape sequence");
        }
        x = x * base + d;
        --n;
        if (n > 0) ch = next_rune();
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) return error("escape sequence is an invalid Unicode code point");
    failed = false;
    return {};
}

Token Lexer::lex_raw_string() {
    for (;;) {
        const char32_t r = next_rune();
        if (r == gofmt::k_rune_error) return error("invalid UTF-8 rune");
        if (r == k_eof) return error("unterminated raw string");
        if (r == '`') break;
    }
    return emit(Tok::string);
}

bool Lexer::scan_number() {
    std::string_view digits = k_digits;
    if (accept("0") && accept("xX")) digits = k_hex_digits;
    accept_run(digits);
    if (accept(".")) accept_run(digits);
    if (accept("eE")) {
        accept("+-");
        accept_run(k_digits);
    }
    return !is_alnum(peek_rune());
}

bool Lexer::accept_remaining_duration() {
    if (!accept("smhdwy")) return false;
    accept("s");  // ms; bad pairs like "hs" fail when the duration is parsed
    while (accept(k_digits)) {
        accept_run(k_digits);
        if (!accept("smhdw")) return false;
        accept("s");
    }
    return !is_alnum(next_rune());
}

Token Lexer::lex_number_or_duration() {
    if (scan_number()) return emit(Tok::number);
    if (accept_remaining_duration()) {
        backup();
        return emit(Tok::duration);
    }
    return error("bad number or duration syntax: " + gofmt::quote(m_input.substr(m_start, m_pos - m_start)));
}

Token Lexer::lex_duration() {
    if (scan_number()) return error("missing unit character in duration");
    if (!accept_remaining_duration()) {
        return error("bad duration syntax: " + gofmt::quote(m_input.substr(m_start, m_pos - m_start)));
    }
    backup();
    return emit(Tok::duration);
}

Token Lexer::lex_keyword_or_identifier() {
    for (;;) {
        const char32_t r = next_rune();
        if (is_alnum(r) || r == ':') continue;
        backup();
        break;
    }
    const std::string_view word = m_input.substr(m_start, m_pos - m_start);
    for (const auto& kw : k_keywords) {
        if (equals_lower(word, kw.word)) return emit(kw.type);
    }
    if (word.find(':') == std::string_view::npos) return emit(Tok::identifier);
    return emit(Tok::metric_identifier);
}

Token Lexer::lex_identifier() {
    while (is_alnum(next_rune())) {
    }
    backup();
    return emit(Tok::identifier);
}

}  // namespace tocsin::promql
