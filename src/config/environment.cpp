#include <cstdlib>

#include "tocsin/config/loader.hpp"

namespace tocsin::config {

Environment Environment::process() {
    return Environment{[](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    }};
}

}  // namespace tocsin::config
