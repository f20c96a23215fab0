// Runs Prometheus' PromQL test scripts (promql/testdata/*.test, v2.42) with
// tocsin's engine: `load` appends to a fresh in-memory store, `clear` empties
// it, each `eval` is an instant query at its time checked by check_eval.
// As test.go, each eval is then re-run with every selector and subquery
// pinned by `@ <eval time>` at other evaluation times (-10t, 0, t/5, t, 10t),
// unless it calls a function whose value depends on the evaluation time.
// test.go also re-runs every eval as a range query; tocsin evaluates instant
// queries only, so this runner does not.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tocsin/core/result.hpp"
#include "tocsin/promql/engine.hpp"
#include "tocsin/promql/test_script.hpp"

namespace tocsin::promql {

// The verdict on one eval (or on a load that could not be stored).
struct CaseResult {
    std::string file;
    std::size_t line = 0;
    bool passed = false;
    std::string message;  // why it failed; empty when it passed
};

struct ScriptReport {
    std::vector<CaseResult> cases;  // in file order
    std::size_t passed() const;
    std::size_t failed() const;
};

// Runs `script` (named `file` in messages). An expression that does not
// parse is an Error{invalid_argument, "FILE:LINE:COL: parse error: ..."}.
Result<ScriptReport> run_test_script(const TestScript& script, const std::string& file,
                                     const EngineOptions& options = {});

// Reads, parses and runs a file. Error categories: io when the file cannot
// be read; invalid_argument for a script or expression parse error, the
// message being "FILE:LINE:COL: message".
Result<ScriptReport> run_test_file(const std::filesystem::path& file, const EngineOptions& options = {});

}  // namespace tocsin::promql
