// TOML file -> validated Config, or every problem found, each located.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/config/diagnostic.hpp"

namespace tocsin::config {

// What the loader may learn from outside the file. Tests inject their own.
struct Environment {
    std::function<std::optional<std::string>(const std::string&)> getenv;

    static Environment process();  // reads the real environment
};

struct LoadResult {
    std::optional<Config> config;  // set only when diagnostics is empty
    std::vector<Diagnostic> diagnostics;

    bool ok() const { return config.has_value(); }
};

LoadResult load_file(const std::string& path, const Environment& env = Environment::process());

// `source_name` is the file name used in diagnostics and to resolve relative
// paths (its directory), whether or not such a file exists.
LoadResult load_string(std::string_view toml_text, const std::string& source_name,
                       const Environment& env = Environment::process());

// The effective configuration as TOML, defaults made explicit and secrets
// shown by reference (env:NAME, a file path), never by value.
std::string to_toml(const Config& config);

}  // namespace tocsin::config
