// Names declared in one kind of list ([[target]] name, [[schedule]] name, ...)
// and the references to them: duplicates and dangling references become
// located diagnostics, with a "did you mean" for near misses.
#pragma once

#include <map>
#include <string>

#include "tocsin/config/table_reader.hpp"

namespace tocsin::config {

class NameIndex {
public:
    // `what` names the kind in messages, e.g. "schedule".
    explicit NameIndex(std::string what) : m_what(std::move(what)) {}

    // Declares `name` (the value of `key` in `reader`'s table); a second
    // declaration is reported where it occurs, pointing at the first.
    bool declare(TableReader& reader, std::string_view key, const std::string& name);

    // Declares a name checked elsewhere (e.g. read in an earlier section).
    void insert(const std::string& name, std::uint32_t line = 0) { m_names.emplace(name, line); }

    bool contains(const std::string& name) const { return m_names.contains(name); }

    // Checks that `name` (the value of `key` in `reader`'s table) was declared.
    bool check_reference(TableReader& reader, std::string_view key, const std::string& name) const;
    // The same for element `sub` of the list or table under `key`
    // (TableReader::error_in), e.g. depends_on[1].
    bool check_reference_in(TableReader& reader, std::string_view key, std::string_view sub,
                            const std::string& name) const;

private:
    std::string unknown_message(const std::string& name) const;

    std::string m_what;
    std::map<std::string, std::uint32_t, std::less<>> m_names;  // name -> line of first declaration
};

}  // namespace tocsin::config
