// Prometheus' PromQL test scripts (promql/test.go of v2.42, the *.test files
// of promql/testdata): parsing, load expansion and the result comparison.
//
//     # comment
//     load 5m
//         http_requests{job="api"} 0+10x10
//
//     eval instant at 50m sum(http_requests)
//         {} 100
//
//     eval_fail instant at 0m rate(x)
//     eval_ordered instant at 50m sort(http_requests)
//     clear
//
// Lines are trimmed; a line starting with # is blank. A blank line ends the
// series of a load and the expectations of an eval. Expressions stay text
// (with their position) for the PromQL parser to read.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/promql/series_description.hpp"
#include "tocsin/series/series_store.hpp"

namespace tocsin::promql {

struct LoadSeries {
    std::size_t line = 0;  // 1-based
    SeriesDescription series;
};

// `load <interval>`: value i of every series is at i * interval (ms after 0).
struct LoadCommand {
    std::size_t line = 0;
    Duration interval{0};
    std::vector<LoadSeries> series;  // file order, duplicates kept
};

struct ClearCommand {
    std::size_t line = 0;
};

struct ExpectedSeries {
    std::size_t line = 0;
    std::size_t position = 0;  // 1-based among the eval's expectation lines
    Labels labels;
    // The one value of the line; none when the line had no value (test.go
    // accepts that and then fails when comparing). `_` expects 0, as there.
    std::optional<SeriesValue> value;
};

struct EvalCommand {
    enum class Mode { plain, fail, ordered };

    std::size_t line = 0;
    Mode mode = Mode::plain;
    Duration at{0};                        // evaluation time after 0 (`at 50m`)
    std::string expr;                      // the rest of the line, trimmed
    std::size_t expr_column = 0;           // 1-based byte column of expr in its line
    std::vector<ExpectedSeries> expected;  // file order
    // A bare number line (`eval ... 1+1` / `2`); it ends the expectations.
    std::optional<double> expected_scalar;
    std::size_t expected_scalar_line = 0;

    bool fail() const { return mode == Mode::fail; }
    bool ordered() const { return mode == Mode::ordered; }
    std::int64_t eval_time_ms() const { return at.count(); }
};

using ScriptCommand = std::variant<LoadCommand, ClearCommand, EvalCommand>;

struct TestScript {
    std::vector<ScriptCommand> commands;
};

struct ScriptError {
    std::size_t line = 0;    // 1-based
    std::size_t column = 0;  // 1-based byte column in the line; 0 = the line
    std::string message;

    // "FILE:LINE:COL: message" (":COL" only when known).
    std::string to_string(std::string_view file) const;
};

ParseOutcome<TestScript, ScriptError> parse_test_script(std::string_view text);

// Reads and parses a file; the error message is "FILE:LINE:COL: message".
Result<TestScript> read_test_script(const std::filesystem::path& file);

// prometheus/common's model.ParseDuration (v0.39, as Prometheus v2.42):
// y w d h m s ms in that order, each at most once; "0" alone; y = 365d.
// tocsin's core parse_duration has no "y" and no bare "0".
Result<Duration> parse_prometheus_duration(std::string_view text);

// One series of a load with its samples at absolute times (ms): value i at
// i * interval; `_` steps have no sample; `stale` is stale_marker(). A series
// whose every step is `_` has an empty list (nothing to append). When a load
// names the same series twice the later line replaces the earlier one (as
// test.go's map does), keeping the first one's place.
using LoadedSeries = std::vector<std::pair<Labels, std::vector<series::Sample>>>;
LoadedSeries expand_load(const LoadCommand& cmd);

// What an instant evaluation returned, in terms independent of the evaluator.
struct ResultSample {
    Labels labels;
    double value = 0;
};

struct EvalOutput {
    enum class Type { scalar, vector, matrix, string };

    Type type = Type::vector;
    double scalar = 0;
    std::vector<ResultSample> vector;  // in the order the engine returned them
    std::string string_value;
    std::optional<std::string> error;  // the evaluation failed with this message
};

// test.go's almostEqual: NaN equals NaN (so `stale` matches any NaN), equal
// values match, otherwise a relative error below 1e-6 (absolute 1e-6 of the
// smallest normal near zero).
bool almost_equal(double a, double b) noexcept;

// test.go's compareResult: nullopt when `out` matches the expectations,
// otherwise why not ("unexpected metric ...", "expected 3 for ... but got 4",
// "expected metric ... at position 1 but was at 2", "expected metric ... not
// found", scalar mismatches, "received range result on instant evaluation").
// Ignores out.error; see check_eval.
std::optional<std::string> compare_result(const EvalCommand& cmd, const EvalOutput& out);

// The verdict for one instant evaluation, as test.go's exec: an eval_fail
// must fail (its expectations are not looked at), any other must succeed and
// match. Messages name the expression and its line. test.go also re-runs each
// eval with @ modifiers and as a range query; that is the evaluator's harness.
std::optional<std::string> check_eval(const EvalCommand& cmd, const EvalOutput& out);

}  // namespace tocsin::promql
