// Incidents and their append-only audit trail in SQLite. The incident
// module decides what changes (incident/incident_manager.hpp); this file
// stores incident rows, appends event rows and chains their hashes:
//
//   hash = hex(SHA-256(prev_hash "\n" canonical(event)))
//
// where canonical(event) is the event's fields in a fixed order (see
// event_hash()). Event rows are never updated or deleted (SQLite triggers
// refuse it); `tocsin audit verify` recomputes the chain and names the first
// row that does not match, and `tocsin audit head` prints the last hash so it
// can be published.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/core/result.hpp"
#include "tocsin/incident/incident.hpp"

namespace tocsin::store {

class Database;

// The hash of `event` chained onto `prev_hash` (the event's own id,
// incident_id, at, kind, actor, message and detail are covered; its hash
// fields are not).
std::string event_hash(const std::string& prev_hash, const incident::IncidentEvent& event);

struct IncidentQuery {
    bool open_only = false;
    std::size_t limit = 100;  // newest first
};

// Statements run on the caller's connection; save() belongs in one
// store::Transaction with whatever else the same decision changed (rule
// state), which is what makes an incident change and its events durable
// together.
class IncidentRepository {
public:
    explicit IncidentRepository(Database& db) : m_db(&db) {}

    // Upserts each incident row and appends its events in order, assigning
    // event ids and chaining hashes from the current head. On error nothing
    // of this call is kept once the caller rolls back.
    Status save(const std::vector<incident::IncidentUpdate>& updates);

    // Incidents not resolved, by id.
    Result<std::vector<incident::Incident>> load_open();
    Result<std::optional<incident::Incident>> find(std::int64_t id);
    Result<std::vector<incident::Incident>> list(const IncidentQuery& query);
    // The largest incident id ever saved (0 when none): ids are never reused.
    Result<std::int64_t> max_id();
    // The events of one incident, by id.
    Result<std::vector<incident::IncidentEvent>> events(std::int64_t incident_id);

private:
    Database* m_db;
};

struct AuditHead {
    std::int64_t events = 0;   // rows in the chain
    std::int64_t last_id = 0;  // 0 when empty
    std::string hash;          // "" when empty
};

Result<AuditHead> audit_head(Database& db);

struct AuditVerdict {
    std::int64_t checked = 0;  // rows that verified before the first problem
    // The first broken row and what is wrong with it ("hash does not match
    // its contents", "prev_hash does not match row N", "row N is missing").
    std::optional<std::int64_t> broken_id;
    std::string problem;
    bool ok() const { return !broken_id && problem.empty(); }
};

// Recomputes the whole chain. With `published_head`, also checks that a hash
// published earlier is still in the chain (a truncated or rewritten tail
// shows there).
Result<AuditVerdict> audit_verify(Database& db, const std::optional<std::string>& published_head = std::nullopt);

}  // namespace tocsin::store
