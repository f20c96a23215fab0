// Why the database could not be opened at start-up. Each kind maps to one
// sysexits code so systemd and scripts can tell "fix the path or disk" (74)
// from "this file's contents are wrong for this build" (65).
#pragma once

#include <stdexcept>
#include <string>

namespace tocsin::store {

class StoreOpenError : public std::runtime_error {
public:
    enum class Kind {
        cannot_open,       // path unusable: a directory, missing parent, no permission, read-only
        corrupt,           // not an SQLite file, or quick_check found damage
        newer_schema,      // written by a newer tocsin; we must not guess at its schema
        migration_failed,  // a pending migration failed; the file stays at its old version
    };

    // `message` is the whole operator-facing text: it names the path and says what to do.
    StoreOpenError(Kind kind, std::string path, const std::string& message)
        : std::runtime_error(message), m_kind(kind), m_path(std::move(path)) {}

    Kind kind() const noexcept { return m_kind; }
    const std::string& path() const noexcept { return m_path; }
    int exit_code() const noexcept;  // a tocsin::exit_code constant

private:
    Kind m_kind;
    std::string m_path;
};

const char* to_string(StoreOpenError::Kind kind) noexcept;

}  // namespace tocsin::store
