// Engine::instant and the evaluator's dispatch over node kinds.
#include "tocsin/promql/engine.hpp"

#include <algorithm>
#include <unordered_map>

#include "evaluator.hpp"
#include "go_compat.hpp"

namespace tocsin::promql {

namespace detail {

Error eval_error(std::string message) { return Error::make(ErrorCategory::invalid_argument, std::move(message)); }

const Expr& unwrap_parens(const Expr& expr) {
    const Expr* e = &expr;
    while (const auto* p = e->as<Paren>()) e = p->expr.get();
    return *e;
}

Labels drop_metric_name(const Labels& labels) {
    if (!labels.has("__name__")) return labels;
    return labels.without_metric_name();
}

Status check_unique_labels(const Vector& vector) {
    if (vector.size() < 2) return Ok{};
    std::unordered_multimap<std::uint64_t, std::size_t> seen;
    seen.reserve(vector.size());
    for (std::size_t i = 0; i < vector.size(); ++i) {
        const std::uint64_t h = vector[i].labels.hash();
        auto [first, last] = seen.equal_range(h);
        for (auto it = first; it != last; ++it) {
            if (vector[it->second].labels == vector[i].labels) {
                return eval_error("vector cannot contain metrics with the same labelset");
            }
        }
        seen.emplace(h, i);
    }
    return Ok{};
}

Evaluator::Evaluator(const series::SeriesStore& store, const EngineOptions& options, std::int64_t query_time_ms)
    : m_store(store), m_options(options), m_query_time(query_time_ms) {}

Status Evaluator::add_samples(std::size_t n) {
    m_samples += n;
    if (m_samples > m_options.max_samples) {
        return eval_error("query processing would load too many samples into memory in query execution");
    }
    return Ok{};
}

series::LabelFilter Evaluator::grouping_filter(const PendingGrouping& g, bool drops_name) const {
    std::vector<std::string> names = g.names;
    if (g.without) {
        names.push_back("__name__");
    } else if (drops_name) {
        std::erase(names, "__name__");
    }
    return m_store.label_filter(names, !g.without);
}

Result<Value> Evaluator::eval(const Expr& expr, std::int64_t ts) {
    if (const auto* n = expr.as<NumberLiteral>()) {
        Value v;
        v.type = ValueType::scalar;
        v.scalar = n->value;
        return v;
    }
    if (const auto* s = expr.as<StringLiteral>()) {
        Value v;
        v.type = ValueType::string;
        v.string = s->value;
        return v;
    }
    if (const auto* p = expr.as<Paren>()) return eval(*p->expr, ts);
    if (const auto* sel = expr.as<VectorSelector>()) return eval_vector_selector(*sel, ts);
    if (const auto* ms = expr.as<MatrixSelector>()) return eval_matrix_selector(*ms, ts);
    if (const auto* sq = expr.as<Subquery>()) {
        std::int64_t end = 0;
        auto series = eval_subquery(*sq, ts, end);
        if (!series) return std::move(series).error();
        Value v;
        v.type = ValueType::matrix;
        v.matrix = std::move(*series);
        return v;
    }
    if (const auto* u = expr.as<Unary>()) return eval_unary(*u, ts);
    if (const auto* b = expr.as<Binary>()) return eval_binary(*b, ts);
    if (const auto* a = expr.as<Aggregate>()) return eval_aggregate(*a, ts);
    if (const auto* c = expr.as<Call>()) return eval_call(*c, ts);
    return Error::make(ErrorCategory::internal, "unhandled expression node");
}

Result<Value> Evaluator::eval_unary(const Unary& u, std::int64_t ts) {
    auto operand = eval(*u.expr, ts);
    if (!operand) return operand;
    Value& v = *operand;
    if (u.op == UnaryOp::plus) return operand;
    if (v.type == ValueType::scalar) {
        v.scalar = -v.scalar;
        return operand;
    }
    // -vector drops the metric name, as arithmetic does.
    for (auto& s : v.vector) {
        drop_metric_name_in_place(s.labels);
        s.value = -s.value;
    }
    if (auto st = check_unique_labels(v.vector); !st) return std::move(st).error();
    return operand;
}

}  // namespace detail

Engine::Engine(const series::SeriesStore& store, EngineOptions options) : m_store(&store), m_options(options) {}

Result<Value> Engine::instant(const Expr& expr, std::int64_t t_ms) const {
    detail::Evaluator ev(*m_store, m_options, t_ms);
    return ev.eval(expr, t_ms);
}

std::string format_labels(const Labels& labels) {
    std::string out = "{";
    bool first = true;
    for (const auto& l : labels) {
        if (!first) out += ", ";
        first = false;
        out += l.name;
        out += '=';
        out += go::quote(l.value);
    }
    out += '}';
    return out;
}

}  // namespace tocsin::promql
