// The PromQL syntax tree, as Prometheus 2.42's parser builds it
// (promql/parser/ast.go), ready for an evaluator.
//
// An expression is an `Expr`: a source range, its value type and one node
// alternative held in a std::variant. Children are owned through `ExprPtr`.
// Evaluate with std::visit over `expr.node`, or `expr.as<T>()`:
//
//     std::visit(overloaded{
//         [&](const NumberLiteral& n) { ... },
//         [&](const Binary& b) { eval(*b.lhs); eval(*b.rhs); ... },
//         ...
//     }, expr.node);
//
// Invariants of a tree returned by parse_expr (the type checker enforced them):
//  - Expr::type is the node's value type, computed once by the parser.
//  - Unary minus directly on a number literal is folded into the literal
//    (`-1` is NumberLiteral{-1}), as Prometheus does; Paren is kept.
//  - A VectorSelector with a metric name carries the matcher __name__="name"
//    as its last matcher, so `matchers` alone selects the series.
//  - Binary::matching is set exactly when both operands are instant vectors;
//    set operators (and, or, unless) always have many_to_many cardinality.
//  - Aggregate::param is set exactly for topk, bottomk, quantile (scalar)
//    and count_values (string).
//  - Call::args match Call::function's argument types and counts.
//  - Offsets and @ are stored as written ("original offset"); the evaluator
//    resolves @ start()/end() against the query range itself.
//  - The tree is at most k_max_height (parser.hpp) nodes tall, so walking it
//    recursively is safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tocsin/promql/functions.hpp"
#include "tocsin/promql/value_type.hpp"
#include "tocsin/series/matcher.hpp"

namespace tocsin::promql {

using Milliseconds = std::chrono::milliseconds;

// Byte offsets into the parsed text, [start, end).
struct PositionRange {
    std::size_t start = 0;
    std::size_t end = 0;

    bool operator==(const PositionRange&) const = default;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// The `@` modifier of a selector or subquery.
struct AtModifier {
    enum class Kind : std::uint8_t {
        none,       // no @: evaluate at each step's own time
        timestamp,  // @ <seconds>: fixed time, `timestamp_ms`
        start,      // @ start(): the query's start time
        end,        // @ end(): the query's end time
    };
    Kind kind = Kind::none;
    std::int64_t timestamp_ms = 0;  // only for Kind::timestamp

    bool is_set() const noexcept { return kind != Kind::none; }
    bool operator==(const AtModifier&) const = default;
};

struct NumberLiteral {
    double value = 0;
};

struct StringLiteral {
    std::string value;  // unquoted
};

// `name{matchers} @ t offset d`
struct VectorSelector {
    std::string name;  // "" when the selector is only {...}
    // Ready for SeriesStore::select; includes __name__="name" (last) when
    // `name` is set.
    std::vector<series::Matcher> matchers;
    Milliseconds offset{0};  // may be negative
    AtModifier at;
};

// `selector[range]`; the selector's own offset and @ apply to the window.
struct MatrixSelector {
    VectorSelector selector;
    Milliseconds range{0};  // > 0
};

// `expr[range:step] @ t offset d`
struct Subquery {
    ExprPtr expr;
    Milliseconds range{0};  // > 0
    Milliseconds step{0};   // 0: the evaluator's default resolution
    Milliseconds offset{0};
    AtModifier at;
};

struct Paren {
    ExprPtr expr;
};

enum class UnaryOp : std::uint8_t { plus, minus };

struct Unary {
    UnaryOp op = UnaryOp::minus;
    ExprPtr expr;
};

enum class BinaryOp : std::uint8_t {
    // arithmetic
    add,
    sub,
    mul,
    div,
    mod,
    pow,
    atan2,
    // comparison
    eql,  // ==
    neq,  // !=
    gtr,  // >
    lss,  // <
    gte,  // >=
    lte,  // <=
    // set
    land,     // and
    lor,      // or
    lunless,  // unless
};

bool is_comparison(BinaryOp op) noexcept;
bool is_set_operator(BinaryOp op) noexcept;
// 1 (or) .. 6 (^); higher binds tighter. Only ^ is right-associative.
int precedence(BinaryOp op) noexcept;
std::string_view to_string(BinaryOp op) noexcept;  // "+", "==", "and", "atan2"

enum class Cardinality : std::uint8_t { one_to_one, many_to_one, one_to_many, many_to_many };
std::string_view to_string(Cardinality card) noexcept;  // "one-to-one", ...

// How the series of two instant vectors are paired.
struct VectorMatching {
    Cardinality card = Cardinality::one_to_one;
    // on(...) when `on`, else ignoring(...) (empty: match on all labels).
    std::vector<std::string> matching_labels;
    bool on = false;
    // Extra labels of group_left(...)/group_right(...) taken from the "one" side.
    std::vector<std::string> include;
};

struct Binary {
    BinaryOp op = BinaryOp::add;
    ExprPtr lhs;
    ExprPtr rhs;
    bool return_bool = false;  // `bool` modifier on a comparison
    // Present iff both operands are instant vectors.
    std::optional<VectorMatching> matching;
};

enum class AggregateOp : std::uint8_t {
    sum,
    avg,
    count,
    min,
    max,
    group,
    stddev,
    stdvar,
    topk,
    bottomk,
    count_values,
    quantile,
};

bool takes_parameter(AggregateOp op) noexcept;        // topk bottomk count_values quantile
std::string_view to_string(AggregateOp op) noexcept;  // "sum", "count_values", ...

struct Aggregate {
    AggregateOp op = AggregateOp::sum;
    ExprPtr expr;                       // the instant vector aggregated over
    ExprPtr param;                      // k, quantile or the count_values label; null otherwise
    std::vector<std::string> grouping;  // as written, duplicates kept
    bool without = false;               // without(...) rather than by(...)
};

struct Call {
    const Function* function = nullptr;  // never null in a parsed tree
    std::vector<ExprPtr> args;
};

struct Expr {
    using Node = std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, Subquery, Paren, Unary,
                              Binary, Aggregate, Call>;

    Node node;
    ValueType type = ValueType::none;
    PositionRange range;
    // Nodes on the longest path down from here, 1 for a leaf.
    std::uint32_t height = 1;

    Expr(Node n, ValueType t, PositionRange r) : node(std::move(n)), type(t), range(r) {}
    Expr(Expr&&) noexcept = default;
    Expr& operator=(Expr&&) noexcept = default;
    // Iterative: a 10'000-term `a + b + ...` must not exhaust the stack.
    ~Expr();

    template <typename T>
    const T* as() const noexcept {
        return std::get_if<T>(&node);
    }
    template <typename T>
    T* as() noexcept {
        return std::get_if<T>(&node);
    }
    template <typename T>
    bool is() const noexcept {
        return std::holds_alternative<T>(node);
    }
};

// The direct children of `expr`, left to right as written (an aggregate's
// parameter comes before its expression; a matrix selector has none).
std::vector<const Expr*> children(const Expr& expr);

// Calls `visit` on `expr` and every descendant, parents first, in source order.
void walk(const Expr& expr, const std::function<void(const Expr&)>& visit);

// Every vector selector in source order, including those inside matrix
// selectors: what the series store must admit for this expression.
std::vector<const VectorSelector*> selectors(const Expr& expr);

// How far before the evaluation time the expression reads samples: the
// maximum over all selectors of offset + range (matrix) or offset +
// `lookback_delta` (instant selector), with enclosing subqueries adding
// their offset + range. Negative offsets shorten it (never below 0).
// Selectors pinned by `@ <timestamp>` read a fixed time no retention window
// can promise and are left out; @ start()/end() count as the evaluation
// time, which is what they are for instant queries (rules).
Milliseconds max_lookback(const Expr& expr, Milliseconds lookback_delta = std::chrono::minutes(5));

// Prometheus-canonical text (promql/parser/printer.go): parsing the result
// gives the same tree. Differs from 2.42 only where 2.42's text would not
// read back as the same tree: `ignoring() group_left(...)` keeps its
// modifiers, and +Inf left of ^ prints as `Inf`.
std::string to_string(const Expr& expr);

// Prometheus' duration notation: 1h30m, 90d (years and weeks only when
// exact), 0s.
std::string format_duration(Milliseconds d);

}  // namespace tocsin::promql
