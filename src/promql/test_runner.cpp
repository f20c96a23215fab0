#include "tocsin/promql/test_runner.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <type_traits>
#include <variant>

#include "tocsin/promql/parser.hpp"

namespace tocsin::promql {

std::size_t ScriptReport::passed() const {
    return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return c.passed; }));
}

std::size_t ScriptReport::failed() const { return cases.size() - passed(); }

namespace {

// Retention only sizes the store's chunks here (nothing is garbage
// collected), so any value works; a long one keeps every sample reachable.
constexpr std::chrono::milliseconds k_test_retention = std::chrono::hours(24 * 365);

EvalOutput to_output(Result<Value>& result) {
    EvalOutput out;
    if (!result) {
        out.error = result.error().message;
        return out;
    }
    Value& v = *result;
    switch (v.type) {
        case ValueType::scalar:
            out.type = EvalOutput::Type::scalar;
            out.scalar = v.scalar;
            break;
        case ValueType::string:
            out.type = EvalOutput::Type::string;
            out.string_value = v.string;
            break;
        case ValueType::matrix:
            out.type = EvalOutput::Type::matrix;
            break;
        default:
            out.type = EvalOutput::Type::vector;
            out.vector.reserve(v.vector.size());
            for (auto& s : v.vector) out.vector.push_back(ResultSample{std::move(s.labels), s.value});
    }
    return out;
}

// Functions whose result depends on the evaluation time even when their
// arguments are pinned by @ (2.42's AtModifierUnsafeFunctions).
bool at_modifier_unsafe(FunctionId id) {
    switch (id) {
        case FunctionId::days_in_month:
        case FunctionId::day_of_month:
        case FunctionId::day_of_week:
        case FunctionId::day_of_year:
        case FunctionId::hour:
        case FunctionId::minute:
        case FunctionId::month:
        case FunctionId::year:
        case FunctionId::predict_linear:
        case FunctionId::time:
        case FunctionId::timestamp:
            return true;
        default:
            return false;
    }
}

// test.go's atModifierTestCases: pins every selector and subquery without @
// (outside subqueries) to `at_ms`. False when the expression calls an
// @-unsafe function, and then there is nothing to check.
bool pin_at(Expr& expr, std::int64_t at_ms) {
    bool safe = true;
    AtModifier pinned{AtModifier::Kind::timestamp, at_ms};
    std::visit(
        [&](auto& node) {
            using T = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<T, VectorSelector>) {
                if (!node.at.is_set()) node.at = pinned;
            } else if constexpr (std::is_same_v<T, MatrixSelector>) {
                if (!node.selector.at.is_set()) node.selector.at = pinned;
            } else if constexpr (std::is_same_v<T, Subquery>) {
                // Whatever is inside a pinned subquery stays as written.
                if (!node.at.is_set()) node.at = pinned;
            } else if constexpr (std::is_same_v<T, Paren> || std::is_same_v<T, Unary>) {
                safe = pin_at(*node.expr, at_ms) && safe;
            } else if constexpr (std::is_same_v<T, Binary>) {
                safe = pin_at(*node.lhs, at_ms) && safe;
                safe = pin_at(*node.rhs, at_ms) && safe;
            } else if constexpr (std::is_same_v<T, Aggregate>) {
                if (node.param) safe = pin_at(*node.param, at_ms) && safe;
                safe = pin_at(*node.expr, at_ms) && safe;
            } else if constexpr (std::is_same_v<T, Call>) {
                if (at_modifier_unsafe(node.function->id)) safe = false;
                for (auto& arg : node.args) safe = pin_at(*arg, at_ms) && safe;
            }
        },
        expr.node);
    return safe;
}

// One eval as test.go runs it: the expression at its time, then (unless it
// uses an @-unsafe function) the expression pinned with @ <eval time> at
// other evaluation times, which must give the same answer.
std::optional<std::string> run_eval(const Engine& engine, const EvalCommand& eval, const Expr& expr) {
    Result<Value> result = engine.instant(expr, eval.eval_time_ms());
    EvalOutput out = to_output(result);
    if (auto failure = check_eval(eval, out)) return failure;

    ParseResult reparsed = parse_expr(eval.expr);
    ExprPtr* pinned = std::get_if<ExprPtr>(&reparsed);
    const std::int64_t ts = eval.eval_time_ms();
    if (pinned == nullptr || !pin_at(**pinned, ts)) return std::nullopt;
    EvalCommand variant = eval;
    variant.expr = to_string(**pinned);
    const std::vector<std::int64_t> times =
        ts == 0 ? std::vector<std::int64_t>{-1000, 0, 1000} : std::vector<std::int64_t>{-10 * ts, 0, ts / 5, ts, 10 * ts};
    for (const std::int64_t t : times) {
        Result<Value> r = engine.instant(**pinned, t);
        EvalOutput o = to_output(r);
        if (auto failure = check_eval(variant, o)) return *failure + " (evaluated at " + std::to_string(t) + "ms)";
    }
    return std::nullopt;
}

}  // namespace

Result<ScriptReport> run_test_script(const TestScript& script, const std::string& file, const EngineOptions& options) {
    // Parse every expression first: a script that does not parse is not run.
    std::vector<ExprPtr> exprs(script.commands.size());
    for (std::size_t i = 0; i < script.commands.size(); ++i) {
        const auto* eval = std::get_if<EvalCommand>(&script.commands[i]);
        if (eval == nullptr) continue;
        ParseResult parsed = parse_expr(eval->expr);
        if (const auto* err = std::get_if<ParseError>(&parsed)) {
            const std::size_t column = err->line == 1 ? eval->expr_column + err->column - 1 : err->column;
            return Error::make(ErrorCategory::invalid_argument,
                               file + ":" + std::to_string(eval->line + err->line - 1) + ":" + std::to_string(column) +
                                   ": parse error: " + err->message);
        }
        exprs[i] = std::move(std::get<ExprPtr>(parsed));
    }

    ScriptReport report;
    auto store = std::make_unique<series::SeriesStore>();
    store->set_retention(k_test_retention);
    Engine engine(*store, options);
    for (std::size_t i = 0; i < script.commands.size(); ++i) {
        const ScriptCommand& command = script.commands[i];
        if (std::holds_alternative<ClearCommand>(command)) {
            store->clear();
        } else if (const auto* load = std::get_if<LoadCommand>(&command)) {
            for (const auto& [labels, samples] : expand_load(*load)) {
                const series::SeriesRef ref = store->get_or_create(labels);
                for (const auto& s : samples) {
                    const series::AppendResult r = store->append(ref, s.t, s.v);
                    if (!series::is_accepted(r)) {
                        report.cases.push_back(CaseResult{file, load->line, false,
                                                          "cannot load " + labels.to_string() + " at " +
                                                              std::to_string(s.t) + "ms: " + series::to_string(r)});
                        break;
                    }
                }
            }
        } else if (const auto* eval = std::get_if<EvalCommand>(&command)) {
            std::optional<std::string> failure = run_eval(engine, *eval, *exprs[i]);
            report.cases.push_back(CaseResult{file, eval->line, !failure, failure.value_or("")});
        }
    }
    return report;
}

Result<ScriptReport> run_test_file(const std::filesystem::path& file, const EngineOptions& options) {
    auto script = read_test_script(file);
    if (!script) return std::move(script).error();
    return run_test_script(*script, file.string(), options);
}

}  // namespace tocsin::promql
