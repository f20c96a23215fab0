// The PromQL evaluator: instant queries over the in-memory series store, with
// the semantics of Prometheus v2.42 for float samples (promql/engine.go,
// promql/functions.go). Native histograms are out of scope.
//
//     auto expr = std::get<ExprPtr>(parse_expr("rate(http_requests_total[5m]) > 1"));
//     Engine engine(store);
//     Result<Value> v = engine.instant(*expr, now_ms);
//
// Pure: no clock, no I/O; time is the `t_ms` argument. Not thread-safe in
// the sense that the store is not: call it from the thread that owns the store.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/promql/ast.hpp"
#include "tocsin/promql/value_type.hpp"
#include "tocsin/series/series_store.hpp"

namespace tocsin::promql {

struct EngineOptions {
    // How far back an instant selector looks for a sample (--query.lookback-delta).
    std::chrono::milliseconds lookback_delta{std::chrono::minutes(5)};
    // The resolution of a subquery written without a step (`x[1h:]`); Prometheus
    // uses the global evaluation interval, 1m by default and in test.go.
    std::chrono::milliseconds default_subquery_step{std::chrono::minutes(1)};
    // Samples one query may hold in memory at once (--query.max-samples).
    std::size_t max_samples = 50'000'000;
};

// One element of an instant vector.
struct VectorSample {
    Labels labels;
    double value = 0;
};

// One series of a range vector (only a top-level range selector or subquery
// produces one).
struct MatrixSeries {
    Labels labels;
    std::vector<series::Sample> samples;  // ascending by time
};

// The result of an evaluation; `type` says which member is meaningful.
struct Value {
    ValueType type = ValueType::vector;
    double scalar = 0;
    std::string string;
    std::vector<VectorSample> vector;
    std::vector<MatrixSeries> matrix;
};

class Engine {
public:
    explicit Engine(const series::SeriesStore& store, EngineOptions options = {});

    // Evaluates `expr` at `t_ms` (Unix ms) as an instant query: @ start() and
    // @ end() both mean t_ms. Errors are Error{invalid_argument, message} with
    // Prometheus 2.42's message where 2.42 fails at evaluation time.
    Result<Value> instant(const Expr& expr, std::int64_t t_ms) const;

    const EngineOptions& options() const noexcept { return m_options; }

private:
    const series::SeriesStore* m_store;
    EngineOptions m_options;
};

// Go's labels.Labels.String() of Prometheus 2.42, as its error messages show
// label sets: {__name__="x", a="b"} with strconv.Quote'd values.
std::string format_labels(const Labels& labels);

}  // namespace tocsin::promql
