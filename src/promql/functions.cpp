#include "tocsin/promql/functions.hpp"

#include <algorithm>

namespace tocsin::promql {
namespace {

// Transcribed from Prometheus 2.42 promql/parser/functions.go; sorted by
// name so lookups can bisect, and in FunctionId order (checked below).
constexpr std::array k_functions = std::to_array<Function>({
    {FunctionId::abs, "abs", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::absent, "absent", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::absent_over_time, "absent_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::acos, "acos", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::acosh, "acosh", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::asin, "asin", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::asinh, "asinh", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::atan, "atan", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::atanh, "atanh", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::avg_over_time, "avg_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::ceil, "ceil", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::changes, "changes", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::clamp,
     "clamp",
     {ValueType::vector, ValueType::scalar, ValueType::scalar},
     3,
     0,
     ValueType::vector,
     false},
    {FunctionId::clamp_max, "clamp_max", {ValueType::vector, ValueType::scalar}, 2, 0, ValueType::vector, false},
    {FunctionId::clamp_min, "clamp_min", {ValueType::vector, ValueType::scalar}, 2, 0, ValueType::vector, false},
    {FunctionId::cos, "cos", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::cosh, "cosh", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::count_over_time, "count_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::day_of_month, "day_of_month", {ValueType::vector}, 1, 1, ValueType::vector, false},
    {FunctionId::day_of_week, "day_of_week", {ValueType::vector}, 1, 1, ValueType::vector, false},
    {FunctionId::day_of_year, "day_of_year", {ValueType::vector}, 1, 1, ValueType::vector, false},
    {FunctionId::days_in_month, "days_in_month", {ValueType::vector}, 1, 1, ValueType::vector, false},
    {FunctionId::deg, "deg", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::delta, "delta", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::deriv, "deriv", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::exp, "exp", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::floor, "floor", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::histogram_count, "histogram_count", {ValueType::vector}, 1, 0, ValueType::vector, true},
    {FunctionId::histogram_fraction,
     "histogram_fraction",
     {ValueType::scalar, ValueType::scalar, ValueType::vector},
     3,
     0,
     ValueType::vector,
     true},
    {FunctionId::histogram_quantile,
     "histogram_quantile",
     {ValueType::scalar, ValueType::vector},
     2,
     0,
     ValueType::vector,
     false},
    {FunctionId::histogram_sum, "histogram_sum", {ValueType::vector}, 1, 0, ValueType::vector, true},
    {FunctionId::holt_winters,
     "holt_winters",
     {ValueType::matrix, ValueType::scalar, ValueType::scalar},
     3,
     0,
     ValueType::vector,
     false},
    {FunctionId::hour, "hour", {ValueType::vector}, 1, 1, ValueType::vector, false},
    {FunctionId::idelta, "idelta", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::increase, "increase", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::irate, "irate", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::label_join,
     "label_join",
     {ValueType::vector, ValueType::string, ValueType::string, ValueType::string},
     4,
     -1,
     ValueType::vector,
     false},
    {FunctionId::label_replace,
     "label_replace",
     {ValueType::vector, ValueType::string, ValueType::string, ValueType::string, ValueType::string},
     5,
     0,
     ValueType::vector,
     false},
    {FunctionId::last_over_time, "last_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::ln, "ln", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::log10, "log10", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::log2, "log2", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::max_over_time, "max_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::min_over_time, "min_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::minute, "minute", {ValueType::vector}, 1, 1, ValueType::vector, false},
    {FunctionId::month, "month", {ValueType::vector}, 1, 1, ValueType::vector, false},
    {FunctionId::pi, "pi", {}, 0, 0, ValueType::scalar, false},
    {FunctionId::predict_linear,
     "predict_linear",
     {ValueType::matrix, ValueType::scalar},
     2,
     0,
     ValueType::vector,
     false},
    {FunctionId::present_over_time, "present_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::quantile_over_time,
     "quantile_over_time",
     {ValueType::scalar, ValueType::matrix},
     2,
     0,
     ValueType::vector,
     false},
    {FunctionId::rad, "rad", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::rate, "rate", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::resets, "resets", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::round, "round", {ValueType::vector, ValueType::scalar}, 2, 1, ValueType::vector, false},
    {FunctionId::scalar, "scalar", {ValueType::vector}, 1, 0, ValueType::scalar, false},
    {FunctionId::sgn, "sgn", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::sin, "sin", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::sinh, "sinh", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::sort, "sort", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::sort_desc, "sort_desc", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::sqrt, "sqrt", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::stddev_over_time, "stddev_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::stdvar_over_time, "stdvar_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::sum_over_time, "sum_over_time", {ValueType::matrix}, 1, 0, ValueType::vector, false},
    {FunctionId::tan, "tan", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::tanh, "tanh", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::time, "time", {}, 0, 0, ValueType::scalar, false},
    {FunctionId::timestamp, "timestamp", {ValueType::vector}, 1, 0, ValueType::vector, false},
    {FunctionId::vector, "vector", {ValueType::scalar}, 1, 0, ValueType::vector, false},
    {FunctionId::year, "year", {ValueType::vector}, 1, 1, ValueType::vector, false},
});

constexpr bool table_in_order() {
    for (std::size_t i = 0; i < k_functions.size(); ++i) {
        if (static_cast<std::size_t>(k_functions[i].id) != i) return false;
        if (i > 0 && !(k_functions[i - 1].name < k_functions[i].name)) return false;
    }
    return true;
}
static_assert(table_in_order(), "k_functions must follow FunctionId and be sorted by name");
static_assert(k_functions.size() == static_cast<std::size_t>(FunctionId::year) + 1);

}  // namespace

const Function* find_function(std::string_view name) noexcept {
    const auto* it = std::lower_bound(k_functions.begin(), k_functions.end(), name,
                                      [](const Function& f, std::string_view n) { return f.name < n; });
    if (it == k_functions.end() || it->name != name) return nullptr;
    return &*it;
}

std::span<const Function> all_functions() noexcept { return k_functions; }

std::string_view to_string(ValueType type) noexcept {
    switch (type) {
        case ValueType::none:
            return "none";
        case ValueType::scalar:
            return "scalar";
        case ValueType::vector:
            return "vector";
        case ValueType::matrix:
            return "matrix";
        case ValueType::string:
            return "string";
    }
    return "none";
}

std::string_view documented_name(ValueType type) noexcept {
    switch (type) {
        case ValueType::vector:
            return "instant vector";
        case ValueType::matrix:
            return "range vector";
        default:
            return to_string(type);
    }
}

}  // namespace tocsin::promql
