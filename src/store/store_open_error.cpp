#include "tocsin/store/store_open_error.hpp"

#include "tocsin/core/exit_code.hpp"

namespace tocsin::store {

int StoreOpenError::exit_code() const noexcept {
    switch (m_kind) {
        case Kind::cannot_open: return exit_code::io_error;
        case Kind::corrupt: return exit_code::data_error;
        case Kind::newer_schema: return exit_code::data_error;
        // Migrations are tested against every older version, so in the field
        // a failure is nearly always the disk (full, read-only) or a lock.
        case Kind::migration_failed: return exit_code::io_error;
    }
    return exit_code::software;
}

const char* to_string(StoreOpenError::Kind kind) noexcept {
    switch (kind) {
        case StoreOpenError::Kind::cannot_open: return "cannot_open";
        case StoreOpenError::Kind::corrupt: return "corrupt";
        case StoreOpenError::Kind::newer_schema: return "newer_schema";
        case StoreOpenError::Kind::migration_failed: return "migration_failed";
    }
    return "unknown";
}

}  // namespace tocsin::store
