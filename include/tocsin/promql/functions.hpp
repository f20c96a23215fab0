// The PromQL function table of Prometheus 2.42 (promql/parser/functions.go):
// names, argument types, how many optional arguments a function takes and
// what it returns. The parser type-checks calls against it; the evaluator
// dispatches on `Function::id`.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "tocsin/promql/value_type.hpp"

namespace tocsin::promql {

// One enumerator per function, in alphabetical order of the name.
enum class FunctionId : std::uint8_t {
    abs,
    absent,
    absent_over_time,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    avg_over_time,
    ceil,
    changes,
    clamp,
    clamp_max,
    clamp_min,
    cos,
    cosh,
    count_over_time,
    day_of_month,
    day_of_week,
    day_of_year,
    days_in_month,
    deg,
    delta,
    deriv,
    exp,
    floor,
    histogram_count,
    histogram_fraction,
    histogram_quantile,
    histogram_sum,
    holt_winters,
    hour,
    idelta,
    increase,
    irate,
    label_join,
    label_replace,
    last_over_time,
    ln,
    log10,
    log2,
    max_over_time,
    min_over_time,
    minute,
    month,
    pi,
    predict_linear,
    present_over_time,
    quantile_over_time,
    rad,
    rate,
    resets,
    round,
    scalar,
    sgn,
    sin,
    sinh,
    sort,
    sort_desc,
    sqrt,
    stddev_over_time,
    stdvar_over_time,
    sum_over_time,
    tan,
    tanh,
    time,
    timestamp,
    vector,
    year,
};

struct Function {
    FunctionId id;
    std::string_view name;
    // Declared argument types; only the first `arg_count` entries are used.
    std::array<ValueType, 5> arg_storage;
    std::uint8_t arg_count;
    // 0: exactly arg_count arguments. n > 0: the last argument is optional
    // and may repeat, so arg_count - 1 .. arg_count - 1 + n arguments.
    // -1: at least arg_count - 1 arguments, the last type repeating without
    // limit (label_join's source labels).
    int variadic;
    ValueType return_type;
    // Only meaningful on native histograms (histogram_count, histogram_sum,
    // histogram_fraction): they parse, but with float samples only they
    // return nothing.
    bool native_histograms_only;

    std::span<const ValueType> arg_types() const noexcept { return {arg_storage.data(), arg_count}; }
};

// nullptr when PromQL 2.42 has no function of that name (case-sensitive).
const Function* find_function(std::string_view name) noexcept;
// The whole table, sorted by name.
std::span<const Function> all_functions() noexcept;

}  // namespace tocsin::promql
