// Series descriptions as Prometheus' test language and promtool write them:
//
//     name{a="b", c='d'} 1+2x3 _ stale -4 _x2
//
// The label part is PromQL's (metric name optional when braces are given;
// double-, single- or back-quoted values with PromQL string escapes). The
// value part is the "expanding notation" of Prometheus v2.42
// (promql/parser/generated_parser.y, series_item):
//
//   v        one value; v is a number (decimal, Inf, NaN, with an optional
//            sign) or `stale`
//   vxN      N+1 copies of v
//   v+dxN    N+1 values v, v+d, ..., each the previous plus d (repeated
//            addition, as Prometheus, not v+i*d); v-dxN likewise
//   _        one omitted step
//   _xN      N omitted steps (not N+1)
//
// Hexadecimal is not accepted ("0x3" means "0 repeated 4 times"); a leading 0
// makes an integer octal ("010" is 8), as in Go's strconv.ParseInt(s, 0, 64).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tocsin/core/labels.hpp"

namespace tocsin::promql {

// Either a value or a parse error carrying a position; Result<T> has no room
// for the position, and callers map it onto file lines and columns.
template <typename T, typename E>
class [[nodiscard]] ParseOutcome {
public:
    ParseOutcome(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    ParseOutcome(E error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const& { return std::get<1>(m_v); }
    E&& error() && { return std::get<1>(std::move(m_v)); }

private:
    std::variant<T, E> m_v;
};

// One step of a series: a number, nothing (`_`), or the staleness marker.
// As in Prometheus, `stale` is just a value with stale_marker()'s bits; `_`
// carries the value 0 (which an instant-eval expectation of `_` compares
// against).
struct SeriesValue {
    double value = 0;
    bool omitted = false;

    static SeriesValue number(double v) { return SeriesValue{v, false}; }
    static SeriesValue blank() { return SeriesValue{0, true}; }
    static SeriesValue stale() { return SeriesValue{stale_marker(), false}; }

    bool is_stale() const noexcept { return !omitted && is_stale_marker(value); }

    // NaN equals NaN here (bit patterns aside from the stale marker): this is
    // for tests and de-duplication, not for PromQL semantics.
    friend bool operator==(const SeriesValue& a, const SeriesValue& b) noexcept;
};

// "_", "stale", or the number as Go's %v prints it (1e+06, +Inf, NaN).
std::string to_string(const SeriesValue& value);

struct SeriesDescription {
    Labels labels;                    // includes __name__ when a name was given
    std::vector<SeriesValue> values;  // one per step, after expansion
};

struct SeriesDescError {
    std::size_t column = 0;  // 1-based byte column in the parsed text
    std::string message;     // without the position

    std::string to_string() const;  // "7: unexpected ..."
};

// Refuses descriptions that expand to more values than this (Prometheus would
// try to allocate them); "1x1000000000" is a typo, not a test.
inline constexpr std::size_t k_max_series_values = 10'000'000;

// `name{labels} values`, exactly one series description (one line).
ParseOutcome<SeriesDescription, SeriesDescError> parse_series_description(std::string_view text);

// Only the value part, as promtool's input_series `values: '0+0x20 _x3'`
// (promtool joins series and values with a space and parses the line).
ParseOutcome<std::vector<SeriesValue>, SeriesDescError> parse_series_values(std::string_view text);

// Only a metric, as promtool's exp_samples `labels: 'up{job="x"}'`
// (parser.ParseMetric): nothing may follow the closing brace.
ParseOutcome<Labels, SeriesDescError> parse_metric(std::string_view text);

}  // namespace tocsin::promql
