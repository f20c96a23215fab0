// libFuzzer target: arbitrary bytes as a PromQL expression. The parser must
// never crash, hang or overflow the stack; an error must point into the
// input; what parses must print as text that parses back to the same text,
// type and selectors.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "tocsin/promql/parser.hpp"

namespace {

using namespace tocsin::promql;

void check(bool condition) {
    if (!condition) std::abort();
}

void check_tree(const Expr& e, std::size_t input_size) {
    check(e.range.start <= e.range.end && e.range.end <= input_size);
    std::uint32_t tallest = 0;
    for (const Expr* child : children(e)) tallest = std::max(tallest, child->height);
    check(e.height == tallest + 1 || e.is<MatrixSelector>());
    check(e.type != ValueType::none);
    if (const auto* c = e.as<Call>()) check(c->function != nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto result = parse_expr(input);
    if (const auto* error = std::get_if<ParseError>(&result)) {
        check(!error->message.empty());
        check(error->position <= input.size());
        std::size_t line = 1;
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < error->position; ++i) {
            if (input[i] == '\n') {
                ++line;
                line_start = i + 1;
            }
        }
        check(error->line == line && error->column == error->position - line_start + 1);
        return 0;
    }
    const Expr& expr = *std::get<ExprPtr>(result);
    walk(expr, [&](const Expr& e) { check_tree(e, input.size()); });
    check(max_lookback(expr).count() >= 0);
    const std::string text = to_string(expr);
    auto again = parse_expr(text);
    check(std::holds_alternative<ExprPtr>(again));
    const Expr& reparsed = *std::get<ExprPtr>(again);
    check(to_string(reparsed) == text);
    check(reparsed.type == expr.type);
    check(selectors(reparsed).size() == selectors(expr).size());
    return 0;
}
