#include "tocsin/core/result.hpp"

namespace tocsin {

const char* to_string(ErrorCategory category) noexcept {
    switch (category) {
        case ErrorCategory::invalid_argument: return "invalid_argument";
        case ErrorCategory::not_found: return "not_found";
        case ErrorCategory::io: return "io";
        case ErrorCategory::timeout: return "timeout";
        case ErrorCategory::storage: return "storage";
        case ErrorCategory::protocol: return "protocol";
        case ErrorCategory::internal: return "internal";
    }
    return "unknown";
}

}  // namespace tocsin
