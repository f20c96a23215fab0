// The audit chain's hash over raw column values (internal to the store
// module): audit_verify hashes rows as stored, kinds it does not know included.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tocsin::store::detail {

struct ChainFields {
    std::string_view prev_hash;
    std::int64_t id = 0;
    std::int64_t incident_id = 0;
    std::int64_t at_ms = 0;
    std::string_view kind;
    std::string_view actor;
    std::string_view channel;
    std::string_view message;
    std::string_view detail;
};

// The bytes that are hashed: the fields as netstrings, prev_hash first.
std::string chain_input(const ChainFields& fields);
// Lower-case hex SHA-256 of chain_input().
std::string chain_hash(const ChainFields& fields);

}  // namespace tocsin::store::detail
