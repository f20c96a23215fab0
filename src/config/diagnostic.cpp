#include "tocsin/config/diagnostic.hpp"

namespace tocsin::config {

std::string Diagnostic::to_string() const {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": ";
    if (!key_path.empty()) out += key_path + ": ";
    out += message;
    return out;
}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics) {
        out += d.to_string();
        out += '\n';
    }
    return out;
}

}  // namespace tocsin::config
