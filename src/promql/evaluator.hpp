// The evaluator behind Engine::instant: one object per query, walking the
// syntax tree recursively (the parser caps its height) and evaluating each
// node at one timestamp. Subqueries evaluate their inner expression once per
// step. Private to the promql module; split by theme over eval_*.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kernels.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/promql/ast.hpp"
#include "tocsin/promql/engine.hpp"
#include "tocsin/series/series_store.hpp"

namespace tocsin::promql::detail {

using Vector = std::vector<VectorSample>;

Error eval_error(std::string message);

// `expr` without the parentheses around it.
const Expr& unwrap_parens(const Expr& expr);

// Label-set helpers in the spirit of Prometheus' labels.Builder.
Labels drop_metric_name(const Labels& labels);
// The same in place, for label sets the caller owns: no copy of the rest.
inline void drop_metric_name_in_place(Labels& labels) { labels.erase("__name__"); }
inline Labels drop_metric_name(Labels&& labels) {
    labels.erase("__name__");
    return std::move(labels);
}
// Fails with 2.42's message when two elements share a label set.
Status check_unique_labels(const Vector& vector);

class Evaluator {
public:
    Evaluator(const series::SeriesStore& store, const EngineOptions& options, std::int64_t query_time_ms);

    // The value of `expr` at `ts` (Unix ms).
    Result<Value> eval(const Expr& expr, std::int64_t ts);

    // --- selectors (eval_selectors.cpp) ---
    // The time a selector reads at: its @ time (or ts), minus its offset.
    std::int64_t selector_time(const AtModifier& at, Milliseconds offset, std::int64_t ts) const;
    Result<Value> eval_vector_selector(const VectorSelector& sel, std::int64_t ts, bool with_timestamps = false);
    Result<Value> eval_matrix_selector(const MatrixSelector& sel, std::int64_t ts);
    // The inner expression of a subquery at each of its steps, as series sorted
    // by labels; `end` receives the time the window ends at (after @ and offset).
    Result<std::vector<MatrixSeries>> eval_subquery(const Subquery& sq, std::int64_t ts, std::int64_t& end);

    // --- operators (eval_binary.cpp, eval_aggregate.cpp) ---
    Result<Value> eval_unary(const Unary& u, std::int64_t ts);
    Result<Value> eval_binary(const Binary& b, std::int64_t ts);
    Result<Value> eval_aggregate(const Aggregate& a, std::int64_t ts);

    // --- functions (eval_functions.cpp) ---
    Result<Value> eval_call(const Call& call, std::int64_t ts);

    // Sample accounting against EngineOptions::max_samples.
    Status add_samples(std::size_t n);
    void set_samples(std::size_t n) noexcept { m_samples = n; }
    std::size_t samples() const noexcept { return m_samples; }

    // A comparison against a number that the parent binary operator will
    // apply anyway: a range function may use it to skip building labels for
    // series it filters out. Purely an optimisation hint; taken (and cleared)
    // by the next range-function call.
    struct PendingFilter {
        kernels::ArithOp op;
        double scalar;
        bool scalar_on_left;
    };
    std::optional<PendingFilter> m_filter;

    // The grouping of an aggregation (sum, avg, min, max, count, group,
    // stddev, stdvar, quantile) whose argument is a selector or a range
    // function: the aggregation reads nothing but these labels, so the
    // argument may build only them. Purely an optimisation hint; taken (and
    // cleared) by the next selector or range-function call.
    struct PendingGrouping {
        bool without;
        std::vector<std::string> names;
    };
    std::optional<PendingGrouping> m_grouping;
    // The store filter for a grouping hint: `by` keeps the listed labels
    // (minus __name__ when the result drops it), `without` drops them and
    // __name__.
    series::LabelFilter grouping_filter(const PendingGrouping& g, bool drops_name) const;

private:
    Result<Value> eval_range_call(const Call& call, std::size_t matrix_index, std::int64_t ts);
    Result<Value> eval_timestamp_of_selector(const VectorSelector& sel, std::int64_t ts);

    const series::SeriesStore& m_store;
    const EngineOptions& m_options;
    std::int64_t m_query_time;
    std::size_t m_samples = 0;
    std::vector<series::Sample> m_buffer;  // one series' window at a time
};

}  // namespace tocsin::promql::detail
