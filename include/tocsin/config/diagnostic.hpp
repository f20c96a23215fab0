// One located configuration problem: FILE:LINE:COL: KEY.PATH: message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tocsin::config {

struct Diagnostic {
    std::string file;
    std::uint32_t line = 0;    // 1-based; 0 when the problem has no position
    std::uint32_t column = 0;  // 1-based
    std::string key_path;      // e.g. "api.listen" or "rule[2].for"; empty for syntax errors
    std::string message;

    std::string to_string() const;
};

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace tocsin::config
