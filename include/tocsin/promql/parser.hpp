// PromQL text to syntax tree, with Prometheus 2.42's grammar, type checks and
// error messages (promql/parser: lex.go, generated_parser.y, parse.go).
// Pure: no clock, no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "tocsin/promql/ast.hpp"

namespace tocsin::promql {

// The first problem in the text, as Prometheus reports it.
struct ParseError {
    std::size_t position = 0;  // byte offset into the input
    std::size_t line = 1;      // 1-based
    std::size_t column = 1;    // 1-based, in bytes from the line start
    std::string message;       // e.g. `unexpected <op:*>`

    // "1:14: parse error: unexpected ..."
    std::string to_string() const;
};

using ParseResult = std::variant<ExprPtr, ParseError>;

// Parses and type-checks one expression.
//
// Beyond Prometheus: expressions nested deeper than k_max_nesting
// (parentheses, unary operators, function arguments, `^` chains) or whose
// tree is taller than k_max_height (long `a or b or ...` chains) are
// refused. No hand-written rule comes near either, and the cap lets the
// parser, checker, printer and evaluator recurse over the tree safely, even
// under sanitizers.
ParseResult parse_expr(std::string_view input);

inline constexpr std::size_t k_max_nesting = 256;
inline constexpr std::size_t k_max_height = 1000;

// Prometheus' model.ParseDuration (units y w d h m s ms, largest first, each
// at most once, integers only; "0" alone is 0). On failure, the message
// Prometheus gives ("not a valid duration string: \"5x\"").
std::variant<Milliseconds, std::string> parse_duration(std::string_view text);

}  // namespace tocsin::promql
