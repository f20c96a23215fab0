// Reads one TOML table into typed fields while collecting located problems.
// Every accessor records its key as known, so finish() can flag the keys
// nobody asked for as unknown, with a "did you mean" from the known ones.
//
// Public so that other TOML inputs (`tocsin test` scenarios) are read with the
// config's schema for shared parts ([[rule]], see rule_reader.hpp) and report
// problems the same way. Including it needs toml++.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <toml++/toml.h>

#include "tocsin/config/diagnostic.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/secret.hpp"

namespace tocsin::config {

// Shared by every reader of one load: where problems go and what the
// environment looks like.
struct LoadContext {
    std::string file;        // as given, used in diagnostics
    std::string config_dir;  // directory of `file`, to resolve relative paths
    std::string_view text;   // the TOML text, to locate problems inside string values
    const Environment* env = nullptr;
    std::vector<Diagnostic> diagnostics;

    void error(const toml::source_region& where, std::string key_path, std::string message);
    // Relative paths in the config are relative to the config file's directory.
    std::string resolve_path(const std::string& path) const;
};

const char* type_name(toml::node_type type) noexcept;

class TableReader {
public:
    TableReader(LoadContext& ctx, const toml::table& table, std::string path);

    // Each returns true when the key is present and valid (then `out` is set);
    // absent keys leave `out` untouched, so it keeps its default.
    bool string(std::string_view key, std::string& out, bool non_empty = true);
    bool boolean(std::string_view key, bool& out);
    bool integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
    bool duration(std::string_view key, Duration& out, Duration min, Duration max);
    bool path(std::string_view key, std::string& out);  // resolved against the config dir
    // A byte count: an integer, or a string with a unit (B, KiB, MiB, GiB; KB, MB, GB as powers of 1024 like Prometheus).
    bool byte_size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
    // An array of strings; each bad element is reported at its own position.
    bool string_list(std::string_view key, std::vector<std::string>& out);
    // A table of string values, e.g. labels = { team = "core" }, in key order.
    bool string_map(std::string_view key, std::vector<std::pair<std::string, std::string>>& out);
    // For checks on an element of a list or map read above: `sub` is appended to the key path.
    void error_in(std::string_view key, std::string_view sub, std::string message);

    template <typename E>
    bool enumeration(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> choices);

    // A secret under `key` ("env:NAME" or "cred:NAME") or `key_file` (a path).
    bool secret(std::string_view key, std::optional<Secret>& out);

    // Sub-tables and arrays of tables; nullptr when absent or of the wrong type.
    const toml::table* table(std::string_view key);
    // The raw node for values with their own grammar; marks the key known.
    const toml::node* node(std::string_view key);
    const toml::array* array_of_tables(std::string_view key);

    // Reports a missing key; for keys read with the accessors above.
    void require(std::string_view key);
    bool has(std::string_view key) const { return m_table.contains(key); }

    // Reports a problem at byte `offset` of the decoded text of the string
    // value `node` (of this table or nested in it), at its own line and
    // column in the file; at the value itself, with `fallback_prefix` before
    // the message, when the position cannot be worked out.
    void error_inside(const toml::node* node, const std::string& key_path, std::size_t offset,
                      const std::string& message, const std::string& fallback_prefix);

    void error(std::string_view key, std::string message);        // at the key's value
    void error_at_table(std::string message);                      // at the table itself
    std::string key_path(std::string_view key) const;
    std::uint32_t line_of(std::string_view key) const;  // of the key's value, else the table
    const std::string& path() const { return m_path; }
    LoadContext& context() { return m_ctx; }

    // Flags every key of the table that no accessor asked for.
    void finish();

private:
    const toml::node* fetch(std::string_view key, toml::node_type expected);
    bool enumeration_index(std::string_view key, std::size_t& index, const std::vector<std::string_view>& names);

    LoadContext& m_ctx;
    const toml::table& m_table;
    std::string m_path;
    std::set<std::string, std::less<>> m_known;
};

template <typename E>
bool TableReader::enumeration(std::string_view key, E& out,
                              std::initializer_list<std::pair<std::string_view, E>> choices) {
    std::vector<std::string_view> names;
    for (const auto& choice : choices) names.push_back(choice.first);
    std::size_t index = 0;
    if (!enumeration_index(key, index, names)) return false;
    out = (choices.begin() + index)->second;
    return true;
}

// "did you mean" helper: the candidate closest to `word`, if close enough.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Reads a secret given its TOML spelling; shared by TableReader::secret.
// Returns the secret or an error message (never containing the value).
std::variant<Secret, std::string> read_secret_reference(const std::string& reference, const Environment& env);
std::variant<Secret, std::string> read_secret_file(const std::string& path, const Environment& env);

}  // namespace tocsin::config
