#include "name_index.hpp"

#include <vector>

namespace tocsin::config {

bool NameIndex::declare(TableReader& reader, std::string_view key, const std::string& name) {
    std::uint32_t line = reader.line_of(key);
    auto [it, inserted] = m_names.emplace(name, line);
    if (!inserted) {
        reader.error(key, "duplicate " + m_what + " name \"" + name + "\" (first defined on line " +
                              std::to_string(it->second) + ")");
    }
    return inserted;
}

std::string NameIndex::unknown_message(const std::string& name) const {
    std::string message = "unknown " + m_what + " \"" + name + "\"";
    std::vector<std::string> known;
    for (const auto& [n, line] : m_names) known.push_back(n);
    if (auto guess = closest_match(name, known)) {
        message += "; did you mean \"" + *guess + "\"?";
    } else if (known.empty()) {
        message += " (no " + m_what + " is defined)";
    }
    return message;
}

bool NameIndex::check_reference(TableReader& reader, std::string_view key, const std::string& name) const {
    if (m_names.contains(name)) return true;
    reader.error(key, unknown_message(name));
    return false;
}

bool NameIndex::check_reference_in(TableReader& reader, std::string_view key, std::string_view sub,
                                   const std::string& name) const {
    if (m_names.contains(name)) return true;
    reader.error_in(key, sub, unknown_message(name));
    return false;
}

}  // namespace tocsin::config
