// The four kinds of values a PromQL expression can produce.
#pragma once

#include <cstdint>
#include <string_view>

namespace tocsin::promql {

enum class ValueType : std::uint8_t {
    none,    // only for "no type" in messages; no valid expression has it
    scalar,  // one float
    vector,  // instant vector: one sample per series
    matrix,  // range vector: a window of samples per series
    string,  // only as a function or aggregation parameter
};

// Prometheus' internal names: "scalar", "vector", "matrix", "string", "none".
std::string_view to_string(ValueType type) noexcept;
// The names users read in the documentation and in most error messages:
// "scalar", "instant vector", "range vector", "string", "none".
std::string_view documented_name(ValueType type) noexcept;

}  // namespace tocsin::promql
