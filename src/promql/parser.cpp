// A hand-written recursive-descent parser that accepts exactly the language
// of Prometheus 2.42's yacc grammar (generated_parser.y) and reports the
// same first error. Where yacc's error recovery decides the wording, the
// comments name the grammar state that would catch the error.
#include "tocsin/promql/parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>

#include <re2/re2.h>

#include "tocsin/core/go_format.hpp"
#include "lexer.hpp"
#include "number.hpp"

namespace tocsin::promql {
namespace {

constexpr int k_pow_precedence = 6;

std::optional<BinaryOp> binary_op(Tok t) {
    switch (t) {
        case Tok::add:
            return BinaryOp::add;
        case Tok::sub:
            return BinaryOp::sub;
        case Tok::mul:
            return BinaryOp::mul;
        case Tok::div:
            return BinaryOp::div;
        case Tok::mod:
            return BinaryOp::mod;
        case Tok::pow:
            return BinaryOp::pow;
        case Tok::atan2:
            return BinaryOp::atan2;
        case Tok::eqlc:
            return BinaryOp::eql;
        case Tok::neq:
            return BinaryOp::neq;
        case Tok::gtr:
            return BinaryOp::gtr;
        case Tok::lss:
            return BinaryOp::lss;
        case Tok::gte:
            return BinaryOp::gte;
        case Tok::lte:
            return BinaryOp::lte;
        case Tok::land:
            return BinaryOp::land;
        case Tok::lor:
            return BinaryOp::lor;
        case Tok::lunless:
            return BinaryOp::lunless;
        default:
            return std::nullopt;
    }
}

AggregateOp aggregate_op(Tok t) {
    switch (t) {
        case Tok::avg:
            return AggregateOp::avg;
        case Tok::bottomk:
            return AggregateOp::bottomk;
        case Tok::count:
            return AggregateOp::count;
        case Tok::count_values:
            return AggregateOp::count_values;
        case Tok::group:
            return AggregateOp::group;
        case Tok::max:
            return AggregateOp::max;
        case Tok::min:
            return AggregateOp::min;
        case Tok::quantile:
            return AggregateOp::quantile;
        case Tok::stddev:
            return AggregateOp::stddev;
        case Tok::stdvar:
            return AggregateOp::stdvar;
        case Tok::topk:
            return AggregateOp::topk;
        default:
            return AggregateOp::sum;
    }
}

// Keywords the grammar also accepts as a metric name (metric_identifier).
bool is_metric_identifier(Tok t) {
    switch (t) {
        case Tok::identifier:
        case Tok::metric_identifier:
        case Tok::by:
        case Tok::land:
        case Tok::lor:
        case Tok::lunless:
        case Tok::offset:
        case Tok::without:
        case Tok::start:
        case Tok::end:
            return true;
        default:
            return is_aggregator(t);
    }
}

// Tokens accepted as a label name in by/without/on/ignoring/group_x lists
// (the grammar's maybe_label; `without` is not among them).
bool is_maybe_label(Tok t) {
    switch (t) {
        case Tok::kw_bool:
        case Tok::group_left:
        case Tok::group_right:
        case Tok::ignoring:
        case Tok::on:
        case Tok::atan2:
            return true;
        case Tok::without:
            return false;
        default:
            return is_metric_identifier(t);
    }
}

// FIRST(expr): what may follow `group_left` without a label list, or a
// comma in an argument list.
bool can_start_expr(Tok t) {
    switch (t) {
        case Tok::number:
        case Tok::string:
        case Tok::left_paren:
        case Tok::left_brace:
        case Tok::add:
        case Tok::sub:
            return true;
        default:
            return is_metric_identifier(t);
    }
}

bool is_label_name(std::string_view s) {
    if (s.empty()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool alpha = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

// strutil.Unquote for a token the lexer already validated: Go escapes,
// \x and octal give raw bytes, \u and \U give UTF-8; raw strings verbatim.
std::string unquote(std::string_view quoted) {
    const std::string_view body = quoted.substr(1, quoted.size() - 2);
    if (quoted.front() == '`') return std::string(body);
    std::string out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] != '\\' || i + 1 >= body.size()) {
            out += body[i];
            continue;
        }
        const char c = body[++i];
        const auto hex = [&](std::size_t n) {
            std::uint32_t v = 0;
            for (std::size_t k = 0; k < n && i + 1 < body.size(); ++k) {
                const char h = body[++i];
                v = v * 16 + static_cast<std::uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
            }
            return v;
        };
        switch (c) {
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'v':
                out += '\v';
                break;
            case 'x':
                out += static_cast<char>(hex(2));
                break;
            case 'u':
                gofmt::append_utf8(out, hex(4));
                break;
            case 'U':
                gofmt::append_utf8(out, hex(8));
                break;
            default:
                if (c >= '0' && c <= '7' && i + 2 < body.size()) {
                    const auto v =
                        static_cast<unsigned>((c - '0') * 64 + (body[i + 1] - '0') * 8 + (body[i + 2] - '0'));
                    out += static_cast<char>(v);
                    i += 2;
                } else {
                    out += c;  // \\, \" or \'
                }
                break;
        }
    }
    return out;
}

// How Go's regexp package words a syntax error RE2 also finds (both come
// from the same design, so the offending fragment agrees).
std::string_view go_regex_code(RE2::ErrorCode code) {
    switch (code) {
        case RE2::ErrorBadEscape:
            return "invalid escape sequence";
        case RE2::ErrorBadCharClass:
            return "invalid character class";
        case RE2::ErrorBadCharRange:
            return "invalid character class range";
        case RE2::ErrorMissingBracket:
            return "missing closing ]";
        case RE2::ErrorMissingParen:
            return "missing closing )";
        case RE2::ErrorUnexpectedParen:
            return "unexpected )";
        case RE2::ErrorTrailingBackslash:
            return "trailing backslash at end of expression";
        case RE2::ErrorRepeatArgument:
            return "missing argument to repetition operator";
        case RE2::ErrorRepeatSize:
            return "invalid repeat count";
        case RE2::ErrorRepeatOp:
            return "invalid nested repetition operator";
        case RE2::ErrorBadPerlOp:
            return "invalid or unsupported Perl syntax";
        case RE2::ErrorBadUTF8:
            return "invalid UTF-8";
        case RE2::ErrorBadNamedCapture:
            return "invalid named capture";
        case RE2::ErrorPatternTooLarge:
            return "expression too large";
        default:
            return "regexp/syntax: internal error";
    }
}

// labels.NewFastRegexMatcher of 2.42: the anchored pattern must compile,
// then the bare one must parse ("a)|(b" only works wrapped).
std::optional<std::string> go_regex_error(const std::string& pattern) {
    // RE2 takes \C (any byte); Go does not.
    std::size_t any_byte = std::string::npos;
    for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
        if (pattern[i] != '\\') continue;
        if (pattern[i + 1] == 'C') {
            any_byte = i;
            break;
        }
        ++i;
    }
    const std::string go_any_byte = "error parsing regexp: invalid escape sequence: `\\C`";
    RE2::Options options;
    options.set_log_errors(false);
    for (const std::string& candidate : {"^(?:" + pattern + ")$", pattern}) {
        const RE2 re(candidate, options);
        if (!re.ok()) {
            // Whichever problem comes first in the text is the one Go names.
            const std::size_t at = candidate.find(re.error_arg());
            const std::size_t shift = candidate.size() == pattern.size() ? 0 : 4;
            if (any_byte != std::string::npos && (at == std::string::npos || any_byte + shift < at)) return go_any_byte;
            std::string arg = re.error_arg();
            if (re.error_code() == RE2::ErrorBadUTF8) {
                // Go shows the text from the first bad byte on; RE2 shows nothing.
                for (std::size_t i = 0; i < candidate.size();) {
                    const gofmt::Rune r = gofmt::decode_rune(candidate, i);
                    if (r.value == gofmt::k_rune_error && r.width == 1) {
                        arg = candidate.substr(i);
                        break;
                    }
                    i += r.width;
                }
            }
            return "error parsing regexp: " + std::string(go_regex_code(re.error_code())) + ": `" + arg + "`";
        }
    }
    if (any_byte != std::string::npos) return go_any_byte;
    return std::nullopt;
}

// Go's int64(math.Round(seconds * 1000)); amd64 turns out-of-range
// conversions into math.MinInt64, and so do we rather than invoke UB.
std::int64_t seconds_to_ms(double seconds) {
    const double ms = std::round(seconds * 1000.0);
    if (!(ms >= -9223372036854775808.0 && ms < 9223372036854775808.0)) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(ms);
}

class Parser {
public:
    explicit Parser(std::string_view input) : m_input(input), m_lexer(input) {}

    ParseResult run();

private:
    // --- tokens ---
    const Token& peek();
    Token take();
    bool peek_is(Tok t) { return !failed() && peek().type == t; }

    // --- errors: only the first one counts ---
    bool failed() const { return m_error.has_value(); }
    void fail(std::size_t pos, std::string message);
    void unexpected(const Token& t, std::string_view context, std::string_view expected);
    // An error no specific grammar rule catches: yacc unwinds to the
    // innermost aggregation (`aggregate_op error`) or to `start: error`.
    void unexpected(const Token& t) { unexpected(t, m_aggregate_depth > 0 ? "aggregation" : "", ""); }

    // --- grammar ---
    ExprPtr parse_expr(int min_precedence);
    ExprPtr parse_operand();
    ExprPtr parse_primary();
    ExprPtr parse_postfix(ExprPtr e);
    ExprPtr parse_selector(const Token* name);
    ExprPtr parse_call(const Token& name);
    ExprPtr parse_aggregate(const Token& op);
    ExprPtr parse_range(ExprPtr e);
    bool parse_call_args(std::vector<ExprPtr>& args, std::size_t& end);
    bool parse_label_matchers(std::vector<series::Matcher>& matchers, std::size_t& end);
    bool parse_grouping(std::vector<std::string>& labels, std::size_t& end);
    std::optional<Milliseconds> duration_of(const Token& t);
    std::optional<double> number_of(const Token& t);

    // --- modifiers (parse.go addOffset, setTimestamp, ...) ---
    void add_offset(Expr& e, Milliseconds offset, std::size_t end);
    AtModifier* at_target(Expr& e);
    void set_timestamp(Expr& e, double seconds, std::size_t end);
    void set_at_preprocessor(Expr& e, AtModifier::Kind kind, std::size_t end);

    ExprPtr make(Expr::Node node, ValueType type, PositionRange range, std::uint32_t child_height = 0);

    // --- type checks (parse.go checkAST) ---
    ValueType check(Expr& e);
    void expect_type(Expr& e, ValueType want, std::string_view context);
    std::size_t operator_position(const Binary& b) const;

    std::string_view m_input;
    Lexer m_lexer;
    std::optional<Token> m_peeked;
    std::optional<ParseError> m_error;
    std::size_t m_nesting = 0;
    int m_aggregate_depth = 0;
};

const Token& Parser::peek() {
    if (!m_peeked) {
        Token t = m_lexer.next();
        while (t.type == Tok::comment) t = m_lexer.next();
        // Like the Lex() hook of parse.go: a lexer error is reported as soon
        // as the token is read.
        if (t.type == Tok::error) fail(t.pos, t.message);
        m_peeked = std::move(t);
    }
    return *m_peeked;
}

Token Parser::take() {
    peek();
    Token t = std::move(*m_peeked);
    m_peeked.reset();
    return t;
}

void Parser::fail(std::size_t pos, std::string message) {
    if (failed()) return;
    ParseError e;
    e.position = pos;
    e.message = std::move(message);
    std::size_t last_break = std::string_view::npos;
    for (std::size_t i = 0; i < pos && i < m_input.size(); ++i) {
        if (m_input[i] == '\n') {
            ++e.line;
            last_break = i;
        }
    }
    e.column = last_break == std::string_view::npos ? pos + 1 : pos - last_break;
    m_error = std::move(e);
}

void Parser::unexpected(const Token& t, std::string_view context, std::string_view expected) {
    if (failed()) return;  // a lexer error was already reported
    std::string message = "unexpected " + describe(t);
    if (!context.empty()) {
        message += " in ";
        message += context;
    }
    if (!expected.empty()) {
        message += ", expected ";
        message += expected;
    }
    fail(t.pos, std::move(message));
}

ExprPtr Parser::make(Expr::Node node, ValueType type, PositionRange range, std::uint32_t child_height) {
    auto e = std::make_unique<Expr>(std::move(node), type, range);
    e->height = child_height + 1;
    if (e->height > k_max_height) {
        fail(range.start, "expression is nested too deeply (more than " + std::to_string(k_max_height) + " levels)");
        return nullptr;
    }
    return e;
}

ParseResult Parser::run() {
    const Token& first = peek();
    if (failed()) return *m_error;
    if (first.type == Tok::eof) {
        fail(0, "no expression found in input");
        return *m_error;
    }
    ExprPtr e = parse_expr(0);
    if (e && !failed() && peek().type != Tok::eof) unexpected(peek());
    if (!failed()) check(*e);
    if (failed()) return *m_error;
    return e;
}

ExprPtr Parser::parse_expr(int min_precedence) {
    if (++m_nesting > k_max_nesting) {
        fail(peek().pos, "expression is nested too deeply (more than " + std::to_string(k_max_nesting) + " levels)");
        return nullptr;
    }
    ExprPtr lhs = parse_operand();
    while (lhs && !failed()) {
        const Token& t = peek();
        if (failed()) break;
        const auto op = binary_op(t.type);
        if (!op || precedence(*op) < min_precedence) break;
        take();
        Binary b;
        b.op = *op;
        VectorMatching matching;
        // bin_modifier: [bool] [on|ignoring (labels) [group_left|group_right [(labels)]]]
        if (peek_is(Tok::kw_bool)) {
            take();
            b.return_bool = true;
        }
        if (peek_is(Tok::on) || peek_is(Tok::ignoring)) {
            matching.on = take().type == Tok::on;
            std::size_t end = 0;
            if (!parse_grouping(matching.matching_labels, end)) return nullptr;
            if (peek_is(Tok::group_left) || peek_is(Tok::group_right)) {
                matching.card = take().type == Tok::group_left ? Cardinality::many_to_one : Cardinality::one_to_many;
                if (peek_is(Tok::left_paren)) {
                    if (!parse_grouping(matching.include, end)) return nullptr;
                } else if (!failed() && !can_start_expr(peek().type)) {
                    // group_modifiers: on_or_ignoring GROUP_LEFT . maybe_grouping_labels
                    unexpected(peek(), "grouping opts", "\"(\"");
                }
            }
        }
        if (failed()) return nullptr;
        b.matching = std::move(matching);
        // Left-associative except ^: the right side binds tighter operators only.
        ExprPtr rhs = parse_expr(*op == BinaryOp::pow ? precedence(*op) : precedence(*op) + 1);
        if (!rhs) return nullptr;
        const ValueType type =
            lhs->type == ValueType::scalar && rhs->type == ValueType::scalar ? ValueType::scalar : ValueType::vector;
        const PositionRange range{lhs->range.start, rhs->range.end};
        const std::uint32_t h = std::max(lhs->height, rhs->height);
        b.lhs = std::move(lhs);
        b.rhs = std::move(rhs);
        lhs = make(std::move(b), type, range, h);
    }
    --m_nesting;
    if (failed()) return nullptr;
    return lhs;
}

// unary_expr: unary_op expr %prec MUL, i.e. only ^ (and the postfix
// modifiers) bind tighter than a leading sign.
ExprPtr Parser::parse_operand() {
    if (peek_is(Tok::add) || peek_is(Tok::sub)) {
        const Token op = take();
        ExprPtr operand = parse_expr(k_pow_precedence);
        if (!operand) return nullptr;
        if (auto* n = operand->as<NumberLiteral>()) {
            if (op.type == Tok::sub) n->value *= -1;
            operand->range.start = op.pos;
            return operand;
        }
        const ValueType type = operand->type;
        const PositionRange range{op.pos, operand->range.end};
        const std::uint32_t h = operand->height;
        Unary u{op.type == Tok::sub ? UnaryOp::minus : UnaryOp::plus, std::move(operand)};
        return make(std::move(u), type, range, h);
    }
    ExprPtr e = parse_primary();
    if (!e) return nullptr;
    return parse_postfix(std::move(e));
}

ExprPtr Parser::parse_primary() {
    const Token& t = peek();
    if (failed()) return nullptr;
    switch (t.type) {
        case Tok::number: {
            const Token n = take();
            const auto value = number_of(n);
            if (!value) return nullptr;
            return make(NumberLiteral{*value}, ValueType::scalar, {n.pos, n.end()});
        }
        case Tok::string: {
            const Token s = take();
            return make(StringLiteral{unquote(s.text)}, ValueType::string, {s.pos, s.end()});
        }
        case Tok::left_paren: {
            const Token lp = take();
            ExprPtr inner = parse_expr(0);
            if (!inner) return nullptr;
            if (!peek_is(Tok::right_paren)) {
                unexpected(peek());
                return nullptr;
            }
            const Token rp = take();
            const ValueType type = inner->type;
            const std::uint32_t h = inner->height;
            return make(Paren{std::move(inner)}, type, {lp.pos, rp.end()}, h);
        }
        case Tok::left_brace:
            return parse_selector(nullptr);
        case Tok::identifier: {
            const Token name = take();
            if (peek_is(Tok::left_paren)) return parse_call(name);
            if (failed()) return nullptr;
            return parse_selector(&name);
        }
        default:
            break;
    }
    if (is_aggregator(t.type)) {
        // An aggregator is a metric name unless by, without or ( follows.
        const Token op = take();
        if (peek_is(Tok::by) || peek_is(Tok::without) || peek_is(Tok::left_paren)) return parse_aggregate(op);
        if (failed()) return nullptr;
        return parse_selector(&op);
    }
    if (is_metric_identifier(t.type)) {
        const Token name = take();
        return parse_selector(&name);
    }
    unexpected(t);
    return nullptr;
}

ExprPtr Parser::parse_postfix(ExprPtr e) {
    while (e && !failed()) {
        const Token& t = peek();
        if (failed()) return nullptr;
        if (t.type == Tok::left_bracket) {
            e = parse_range(std::move(e));
        } else if (t.type == Tok::offset) {
            take();
            // offset_expr: expr OFFSET [-] duration | expr OFFSET error
            bool negative = false;
            if (peek_is(Tok::sub)) {
                take();
                negative = true;
            }
            if (!peek_is(Tok::duration)) {
                unexpected(peek(), "offset", "duration");
                return nullptr;
            }
            const Token d = take();
            const auto offset = duration_of(d);
            if (!offset) return nullptr;
            add_offset(*e, negative ? -*offset : *offset, d.end());
        } else if (t.type == Tok::at) {
            take();
            // step_invariant_expr: expr AT number | expr AT start() | end() | expr AT error
            if (peek_is(Tok::start) || peek_is(Tok::end)) {
                const auto kind = take().type == Tok::start ? AtModifier::Kind::start : AtModifier::Kind::end;
                if (!peek_is(Tok::left_paren)) {
                    unexpected(peek(), "@", "timestamp");
                    return nullptr;
                }
                take();
                if (!peek_is(Tok::right_paren)) {
                    unexpected(peek(), "@", "timestamp");
                    return nullptr;
                }
                const Token rp = take();
                set_at_preprocessor(*e, kind, rp.end());
            } else {
                double sign = 1;
                if (peek_is(Tok::add) || peek_is(Tok::sub)) sign = take().type == Tok::sub ? -1 : 1;
                if (!peek_is(Tok::number)) {
                    unexpected(peek(), "@", "timestamp");
                    return nullptr;
                }
                const Token n = take();
                const auto value = number_of(n);
                if (!value) return nullptr;
                set_timestamp(*e, sign * *value, n.end());
            }
        } else {
            break;
        }
    }
    if (failed()) return nullptr;
    return e;
}

// matrix_selector and subquery_expr: expr [ duration ] and expr [ duration : [duration] ]
ExprPtr Parser::parse_range(ExprPtr e) {
    const Token lb = take();
    if (!peek_is(Tok::duration)) {
        unexpected(peek(), "subquery selector", "duration");
        return nullptr;
    }
    const auto range = duration_of(take());
    if (!range) return nullptr;
    if (peek_is(Tok::right_bracket)) {
        const Token rb = take();
        auto* vs = e->as<VectorSelector>();
        if (vs == nullptr) {
            fail(lb.pos, "ranges only allowed for vector selectors");
        } else if (vs->offset.count() != 0) {
            fail(lb.pos, "no offset modifiers allowed before range");
        } else if (vs->at.kind == AtModifier::Kind::timestamp) {
            // 2.42 lets @ start()/end() through here, and so do we.
            fail(lb.pos, "no @ modifiers allowed before range");
        }
        if (failed()) return nullptr;
        const PositionRange r{e->range.start, rb.end()};
        return make(MatrixSelector{std::move(*vs), *range}, ValueType::matrix, r, e->height);
    }
    if (!peek_is(Tok::colon)) {
        unexpected(peek(), "subquery or range", "\":\" or \"]\"");
        return nullptr;
    }
    take();
    Milliseconds step{0};
    if (peek_is(Tok::duration)) {
        const auto s = duration_of(take());
        if (!s) return nullptr;
        step = *s;
        if (!peek_is(Tok::right_bracket)) {
            unexpected(peek(), "subquery selector", "\"]\"");
            return nullptr;
        }
    } else if (!peek_is(Tok::right_bracket)) {
        unexpected(peek(), "subquery selector", "duration or \"]\"");
        return nullptr;
    }
    const Token rb = take();
    const PositionRange r{e->range.start, rb.end()};
    const std::uint32_t h = e->height;
    Subquery sq;
    sq.expr = std::move(e);
    sq.range = *range;
    sq.step = step;
    return make(std::move(sq), ValueType::matrix, r, h);
}

ExprPtr Parser::parse_selector(const Token* name) {
    VectorSelector vs;
    std::size_t start = name != nullptr ? name->pos : peek().pos;
    std::size_t end = name != nullptr ? name->end() : 0;
    if (name == nullptr || peek_is(Tok::left_brace)) {
        if (!parse_label_matchers(vs.matchers, end)) return nullptr;
    }
    if (failed()) return nullptr;
    if (name != nullptr) {
        vs.name = std::string(name->text);
        vs.matchers.push_back(series::Matcher::equals("__name__", vs.name));
    }
    return make(std::move(vs), ValueType::vector, {start, end});
}

bool Parser::parse_label_matchers(std::vector<series::Matcher>& matchers, std::size_t& end) {
    take();  // {
    if (peek_is(Tok::right_brace)) {
        end = take().end();
        return true;
    }
    for (;;) {
        if (!peek_is(Tok::identifier)) {
            unexpected(peek(), "label matching", "identifier or \"}\"");
            return false;
        }
        const Token label = take();
        series::Matcher::Type type = series::Matcher::equal;
        switch (peek().type) {
            case Tok::eql:
                type = series::Matcher::equal;
                break;
            case Tok::neq:
                type = series::Matcher::not_equal;
                break;
            case Tok::eql_regex:
                type = series::Matcher::regex;
                break;
            case Tok::neq_regex:
                type = series::Matcher::not_regex;
                break;
            default:
                unexpected(peek(), "label matching", "label matching operator");
                return false;
        }
        take();
        if (!peek_is(Tok::string)) {
            unexpected(peek(), "label matching", "string");
            return false;
        }
        const Token value = take();
        std::string text = unquote(value.text);
        if (type == series::Matcher::regex || type == series::Matcher::not_regex) {
            if (auto message = go_regex_error(text)) {
                fail(label.pos, std::move(*message));
                return false;
            }
        }
        auto m = series::Matcher::make(type, std::string(label.text), std::move(text));
        if (!m) {
            fail(label.pos, m.error().message);
            return false;
        }
        matchers.push_back(std::move(m).value());
        if (peek_is(Tok::comma)) {
            take();
            if (peek_is(Tok::right_brace)) {
                end = take().end();
                return true;
            }
            continue;
        }
        if (peek_is(Tok::right_brace)) {
            end = take().end();
            return true;
        }
        unexpected(peek(), "label matching", "\",\" or \"}\"");
        return false;
    }
}

// grouping_labels: ( [label {, label} [,]] ), for by/without/on/ignoring/group_x.
bool Parser::parse_grouping(std::vector<std::string>& labels, std::size_t& end) {
    if (!peek_is(Tok::left_paren)) {
        unexpected(peek(), "grouping opts", "\"(\"");
        return false;
    }
    take();
    if (peek_is(Tok::right_paren)) {
        end = take().end();
        return true;
    }
    for (;;) {
        const Token& t = peek();
        if (failed()) return false;
        if (!is_maybe_label(t.type)) {
            unexpected(t, "grouping opts", "label");
            return false;
        }
        const Token label = take();
        if (!is_label_name(label.text)) {
            unexpected(label, "grouping opts", "label");
            return false;
        }
        labels.emplace_back(label.text);
        if (peek_is(Tok::comma)) {
            take();
            if (peek_is(Tok::right_paren)) {
                end = take().end();
                return true;
            }
            continue;
        }
        if (peek_is(Tok::right_paren)) {
            end = take().end();
            return true;
        }
        unexpected(peek(), "grouping opts", "\",\" or \")\"");
        return false;
    }
}

// function_call_body after its "(": args then ")"; a trailing comma is
// parsed and then refused, as in the grammar.
bool Parser::parse_call_args(std::vector<ExprPtr>& args, std::size_t& end) {
    if (peek_is(Tok::right_paren)) {
        end = take().end();
        return true;
    }
    for (;;) {
        ExprPtr arg = parse_expr(0);
        if (!arg) return false;
        args.push_back(std::move(arg));
        if (peek_is(Tok::comma)) {
            const Token comma = take();
            // `args COMMA .` is the state's default reduction: whatever cannot
            // start another argument makes the comma a trailing one.
            if (!failed() && !can_start_expr(peek().type)) {
                fail(comma.pos, "trailing commas not allowed in function call args");
                return false;
            }
            continue;
        }
        if (peek_is(Tok::right_paren)) {
            end = take().end();
            return true;
        }
        unexpected(peek());
        return false;
    }
}

ExprPtr Parser::parse_call(const Token& name) {
    take();  // (
    std::vector<ExprPtr> args;
    std::size_t end = 0;
    if (!parse_call_args(args, end)) return nullptr;
    const Function* f = find_function(name.text);
    if (f == nullptr) {
        fail(name.pos, "unknown function with name " + gofmt::quote(name.text));
        return nullptr;
    }
    std::uint32_t h = 0;
    for (const auto& a : args) h = std::max(h, a->height);
    return make(Call{f, std::move(args)}, f->return_type, {name.pos, end}, h);
}

ExprPtr Parser::parse_aggregate(const Token& op) {
    Aggregate a;
    a.op = aggregate_op(op.type);
    ++m_aggregate_depth;
    bool grouped = false;
    std::size_t end = 0;
    if (peek_is(Tok::by) || peek_is(Tok::without)) {
        a.without = take().type == Tok::without;
        if (!parse_grouping(a.grouping, end)) return nullptr;
        grouped = true;
        if (!peek_is(Tok::left_paren)) {
            unexpected(peek());  // pops back to `aggregate_op error`
            return nullptr;
        }
    }
    take();  // (
    std::vector<ExprPtr> args;
    if (!parse_call_args(args, end)) return nullptr;
    --m_aggregate_depth;
    if (!grouped && (peek_is(Tok::by) || peek_is(Tok::without))) {
        a.without = take().type == Tok::without;
        if (!parse_grouping(a.grouping, end)) return nullptr;
    }
    if (failed()) return nullptr;
    // parse.go newAggregateExpr
    if (args.empty()) {
        fail(op.pos, "no arguments for aggregate expression provided");
        return nullptr;
    }
    const std::size_t wanted = takes_parameter(a.op) ? 2 : 1;
    if (args.size() != wanted) {
        fail(op.pos, "wrong number of arguments for aggregate expression provided, expected " + std::to_string(wanted) +
                         ", got " + std::to_string(args.size()));
        return nullptr;
    }
    std::uint32_t h = 0;
    for (const auto& arg : args) h = std::max(h, arg->height);
    if (wanted == 2) a.param = std::move(args[0]);
    a.expr = std::move(args[wanted - 1]);
    return make(std::move(a), ValueType::vector, {op.pos, end}, h);
}

std::optional<Milliseconds> Parser::duration_of(const Token& t) {
    auto parsed = parse_duration(t.text);
    if (auto* message = std::get_if<std::string>(&parsed)) {
        fail(t.pos, std::move(*message));
        return std::nullopt;
    }
    const Milliseconds d = std::get<Milliseconds>(parsed);
    if (d.count() == 0) {
        fail(t.pos, "duration must be greater than 0");
        return std::nullopt;
    }
    return d;
}

std::optional<double> Parser::number_of(const Token& t) {
    auto parsed = parse_go_number(t.text);
    if (!parsed.error.empty()) {
        fail(t.pos, "error parsing number: " + parsed.error);
        return std::nullopt;
    }
    return parsed.value;
}

void Parser::add_offset(Expr& e, Milliseconds offset, std::size_t end) {
    Milliseconds* target = nullptr;
    if (auto* vs = e.as<VectorSelector>()) {
        target = &vs->offset;
    } else if (auto* ms = e.as<MatrixSelector>()) {
        target = &ms->selector.offset;
    } else if (auto* sq = e.as<Subquery>()) {
        target = &sq->offset;
    } else {
        fail(e.range.start,
             "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
        return;
    }
    if (target->count() != 0) {
        fail(e.range.start, "offset may not be set multiple times");
        return;
    }
    *target = offset;
    e.range.end = end;
}

AtModifier* Parser::at_target(Expr& e) {
    AtModifier* at = nullptr;
    if (auto* vs = e.as<VectorSelector>()) {
        at = &vs->at;
    } else if (auto* ms = e.as<MatrixSelector>()) {
        at = &ms->selector.at;
    } else if (auto* sq = e.as<Subquery>()) {
        at = &sq->at;
    } else {
        fail(e.range.start,
             "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
        return nullptr;
    }
    if (at->is_set()) {
        fail(e.range.start, "@ <timestamp> may not be set multiple times");
        return nullptr;
    }
    return at;
}

void Parser::set_timestamp(Expr& e, double seconds, std::size_t end) {
    // float64(math.MaxInt64) and float64(math.MinInt64) are both 2^63 in magnitude.
    if (!std::isfinite(seconds) || seconds >= 9223372036854775808.0 || seconds <= -9223372036854775808.0) {
        fail(e.range.start, "timestamp out of bounds for @ modifier: " + gofmt::format_float(seconds, 'f', 6));
        return;
    }
    AtModifier* at = at_target(e);
    if (at == nullptr) return;
    at->kind = AtModifier::Kind::timestamp;
    at->timestamp_ms = seconds_to_ms(seconds);
    e.range.end = end;
}

void Parser::set_at_preprocessor(Expr& e, AtModifier::Kind kind, std::size_t end) {
    AtModifier* at = at_target(e);
    if (at == nullptr) return;
    at->kind = kind;
    e.range.end = end;
}

// --- checkAST ---

std::size_t Parser::operator_position(const Binary& b) const {
    std::size_t pos = b.lhs->range.end;
    while (pos < m_input.size() &&
           (m_input[pos] == ' ' || m_input[pos] == '\t' || m_input[pos] == '\n' || m_input[pos] == '\r')) {
        ++pos;
    }
    return pos;
}

void Parser::expect_type(Expr& e, ValueType want, std::string_view context) {
    const ValueType got = check(e);
    if (failed()) return;
    if (got != want) {
        fail(e.range.start, "expected type " + std::string(documented_name(want)) + " in " + std::string(context) +
                                ", got " + std::string(documented_name(got)));
    }
}

ValueType Parser::check(Expr& e) {
    if (failed()) return e.type;
    if (auto* a = e.as<Aggregate>()) {
        expect_type(*a->expr, ValueType::vector, "aggregation expression");
        if (a->op == AggregateOp::topk || a->op == AggregateOp::bottomk || a->op == AggregateOp::quantile) {
            expect_type(*a->param, ValueType::scalar, "aggregation parameter");
        } else if (a->op == AggregateOp::count_values) {
            expect_type(*a->param, ValueType::string, "aggregation parameter");
        }
    } else if (auto* b = e.as<Binary>()) {
        const ValueType lt = check(*b->lhs);
        const ValueType rt = check(*b->rhs);
        if (failed()) return e.type;
        if (b->return_bool && !is_comparison(b->op)) {
            fail(operator_position(*b), "bool modifier can only be used on comparison operators");
        }
        if (is_comparison(b->op) && !b->return_bool && lt == ValueType::scalar && rt == ValueType::scalar) {
            fail(operator_position(*b), "comparisons between scalars must use BOOL modifier");
        }
        VectorMatching& vm = *b->matching;
        if (is_set_operator(b->op) && vm.card == Cardinality::one_to_one) vm.card = Cardinality::many_to_many;
        if (vm.on) {
            for (const auto& l1 : vm.matching_labels) {
                for (const auto& l2 : vm.include) {
                    if (l1 == l2) {
                        fail(operator_position(*b),
                             "label " + gofmt::quote(l1) + " must not occur in ON and GROUP clause at once");
                    }
                }
            }
        }
        const auto operand_ok = [](ValueType t) { return t == ValueType::scalar || t == ValueType::vector; };
        if (!operand_ok(lt))
            fail(b->lhs->range.start, "binary expression must contain only scalar and instant vector types");
        if (!operand_ok(rt))
            fail(b->rhs->range.start, "binary expression must contain only scalar and instant vector types");
        if (lt != ValueType::vector || rt != ValueType::vector) {
            if (!vm.matching_labels.empty())
                fail(e.range.start, "vector matching only allowed between instant vectors");
            b->matching.reset();
        } else if (is_set_operator(b->op)) {
            if (vm.card == Cardinality::one_to_many || vm.card == Cardinality::many_to_one) {
                fail(e.range.start, "no grouping allowed for " + gofmt::quote(to_string(b->op)) + " operation");
            }
            if (vm.card != Cardinality::many_to_many) fail(e.range.start, "set operations must always be many-to-many");
        }
        if ((lt == ValueType::scalar || rt == ValueType::scalar) && is_set_operator(b->op)) {
            fail(e.range.start,
                 "set operator " + gofmt::quote(to_string(b->op)) + " not allowed in binary scalar expression");
        }
    } else if (auto* c = e.as<Call>()) {
        const Function& f = *c->function;
        const std::size_t nargs = f.arg_count;
        const std::size_t given = c->args.size();
        const std::string name = gofmt::quote(f.name);
        if (f.variadic == 0) {
            if (nargs != given) {
                fail(e.range.start, "expected " + std::to_string(nargs) + " argument(s) in call to " + name + ", got " +
                                        std::to_string(given));
            }
        } else {
            const std::size_t na = nargs - 1;
            if (na > given) {
                fail(e.range.start, "expected at least " + std::to_string(na) + " argument(s) in call to " + name +
                                        ", got " + std::to_string(given));
            } else if (f.variadic > 0 && na + static_cast<std::size_t>(f.variadic) < given) {
                fail(e.range.start, "expected at most " + std::to_string(na + static_cast<std::size_t>(f.variadic)) +
                                        " argument(s) in call to " + name + ", got " + std::to_string(given));
            }
        }
        const std::string context = "call to function " + name;
        for (std::size_t i = 0; i < given && !failed(); ++i) {
            std::size_t k = i;
            if (k >= nargs) {
                if (f.variadic == 0) break;
                k = nargs - 1;
            }
            expect_type(*c->args[i], f.arg_types()[k], context);
        }
    } else if (auto* p = e.as<Paren>()) {
        check(*p->expr);
    } else if (auto* u = e.as<Unary>()) {
        const ValueType t = check(*u->expr);
        if (!failed() && t != ValueType::scalar && t != ValueType::vector) {
            fail(e.range.start, "unary expression only allowed on expressions of type scalar or instant vector, got " +
                                    gofmt::quote(documented_name(t)));
        }
    } else if (auto* sq = e.as<Subquery>()) {
        const ValueType t = check(*sq->expr);
        if (!failed() && t != ValueType::vector) {
            fail(e.range.start,
                 "subquery is only allowed on instant vector, got " + std::string(to_string(t)) + " instead");
        }
    } else {
        const VectorSelector* vs = e.as<VectorSelector>();
        if (const auto* ms = e.as<MatrixSelector>()) vs = &ms->selector;
        if (vs != nullptr) {
            if (!vs->name.empty()) {
                // The last matcher is the one for the name outside the braces.
                for (std::size_t i = 0; i + 1 < vs->matchers.size(); ++i) {
                    if (vs->matchers[i].name() == "__name__") {
                        fail(e.range.start, "metric name must not be set twice: " + gofmt::quote(vs->name) + " or " +
                                                gofmt::quote(vs->matchers[i].value()));
                    }
                }
            } else if (std::none_of(vs->matchers.begin(), vs->matchers.end(),
                                    [](const series::Matcher& m) { return !m.matches_empty(); })) {
                fail(e.range.start, "vector selector must contain at least one non-empty matcher");
            }
        }
    }
    return e.type;
}

}  // namespace

std::string ParseError::to_string() const {
    return std::to_string(line) + ":" + std::to_string(column) + ": parse error: " + message;
}

ParseResult parse_expr(std::string_view input) {
    Parser parser(input);
    return parser.run();
}

}  // namespace tocsin::promql
