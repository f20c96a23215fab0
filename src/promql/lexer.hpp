// PromQL tokens, lexed as Prometheus 2.42's promql/parser/lex.go does,
// including its context rules: keywords are not recognised inside {...},
// a `[` switches to durations, and errors come out as error tokens the
// parser reports as the first problem. Internal to the promql module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tocsin::promql {

enum class Tok : std::uint8_t {
    error,  // text holds the message
    eof,
    comment,
    identifier,
    metric_identifier,  // contains a ':'
    number,
    string,
    duration,
    // punctuation
    left_paren,
    right_paren,
    left_brace,
    right_brace,
    left_bracket,
    right_bracket,
    comma,
    eql,  // `=`, in label matchers only
    colon,
    // operators
    add,
    sub,
    mul,
    div,
    mod,
    pow,
    eqlc,  // ==
    neq,
    lte,
    lss,
    gte,
    gtr,
    eql_regex,
    neq_regex,
    at,
    land,
    lor,
    lunless,
    atan2,
    // aggregators
    avg,
    bottomk,
    count,
    count_values,
    group,
    max,
    min,
    quantile,
    stddev,
    stdvar,
    sum,
    topk,
    // keywords
    kw_bool,
    by,
    group_left,
    group_right,
    ignoring,
    offset,
    on,
    without,
    // @ preprocessors
    start,
    end,
};

struct Token {
    Tok type = Tok::eof;
    std::size_t pos = 0;
    std::string_view text;  // the source text (for errors: see `message`)
    std::string message;    // only for Tok::error

    std::size_t end() const { return pos + text.size(); }
};

bool is_aggregator(Tok t) noexcept;
bool is_keyword(Tok t) noexcept;
bool is_operator(Tok t) noexcept;
// How Prometheus names the token in "unexpected ..." messages (Item.desc).
std::string describe(const Token& t);

class Lexer {
public:
    explicit Lexer(std::string_view input) : m_input(input) {}

    // The next token; after an error or eof, eof forever.
    Token next();

private:
    enum class State : std::uint8_t { statements, inside_braces, duration, done };

    char32_t next_rune();
    char32_t peek_rune();
    void backup() { m_pos -= m_width; }
    bool accept(std::string_view valid);
    void accept_run(std::string_view valid);
    Token emit(Tok type);
    Token error(std::string message);
    bool scan_number();
    bool accept_remaining_duration();

    bool lex_statements(Token& out);
    bool lex_inside_braces(Token& out);
    Token lex_line_comment();
    Token lex_string(char32_t quote);
    Token lex_raw_string();
    Token lex_escape_error(char32_t quote, bool& failed);
    Token lex_number_or_duration();
    Token lex_duration();
    Token lex_keyword_or_identifier();
    Token lex_identifier();

    std::string_view m_input;
    std::size_t m_pos = 0;
    std::size_t m_start = 0;
    std::size_t m_width = 0;
    State m_state = State::statements;
    int m_paren_depth = 0;
    bool m_brace_open = false;
    bool m_bracket_open = false;
    bool m_got_colon = false;
};

}  // namespace tocsin::promql
