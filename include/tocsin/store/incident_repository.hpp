// Incidents and their append-only audit trail in SQLite. The incident
// module decides what changes (incident/incident_manager.hpp); this file
// stores incident rows, appends event rows and chains their hashes.
//
// The chain. Events are numbered 1, 2, 3, ... with no gaps, and
//
//   hash(event) = lower-case hex of SHA-256 over
//       ns(prev_hash) ns(id) ns(incident_id) ns(at_ms) ns(kind)
//       ns(actor) ns(channel) ns(message) ns(detail)
//
// where ns(x) is the netstring of x: the decimal length of x in bytes, ':',
// the bytes of x, ','. Integers are written in decimal ASCII (a '-' for
// negatives, no leading zeros), text as its UTF-8 bytes exactly as stored
// (kind is the event kind's name, e.g. "state_changed"; actor and channel are
// the actor's name and channel). prev_hash is the previous event's hash, ""
// for event 1. Example: event 1 of incident 7 at 1700000000000 ms, kind
// "opened", actor tocsin/rule, message "API down", detail "" hashes
//
//   0:,1:1,1:7,13:1700000000000,6:opened,6:tocsin,4:rule,8:API down,0:,
//
// These are exactly the columns of incident_events, so any SQLite client and
// any SHA-256 tool can recompute the chain (docs/operations.md has a script).
// Event rows are never updated or deleted (SQLite triggers refuse it);
// `tocsin audit verify` recomputes the chain and names the first row that
// does not match, and `tocsin audit head` prints the last hash so it can be
// published: a rewritten history must then change a published hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/core/result.hpp"
#include "tocsin/incident/incident.hpp"

namespace tocsin::store {

class Database;

// The schema version that gave incidents and incident_events this shape: an
// older file has no audit trail these functions can read.
inline constexpr int k_audit_schema_version = 3;

// The hash of `event` chained onto `prev_hash`: the format above over the
// event's id, incident_id, at (Unix milliseconds), kind, actor, message and
// detail; its own prev_hash and hash fields are not read.
std::string event_hash(const std::string& prev_hash, const incident::IncidentEvent& event);

struct IncidentQuery {
    bool open_only = false;
    std::size_t limit = 100;  // newest first
    std::string severity;     // "" : any
    std::string component;    // "" : any; else the main or an affected component
    std::optional<TimePoint> since;  // open at some moment at or after this
};

// What a read found: the incidents it could read, and one message per row
// it skipped (alerts or affected_components not the expected JSON, an
// unknown state). A skipped row stays in the file untouched.
struct IncidentLoad {
    std::vector<incident::Incident> incidents;
    std::vector<std::string> warnings;
};

// The same for events: a row with an unknown kind is skipped with a warning
// (the chain still covers it; audit_verify does not need to understand it).
struct IncidentEventLoad {
    std::vector<incident::IncidentEvent> events;
    std::vector<std::string> warnings;
};

// Statements run on the caller's connection; save() belongs in one
// store::Transaction with whatever else the same decision changed (rule
// state), which is what makes an incident change and its events durable
// together.
class IncidentRepository {
public:
    explicit IncidentRepository(Database& db) : m_db(&db) {}

    // Upserts each incident row and appends its events in order: reads the
    // head (last id and hash) once, gives the events ids last+1, last+2, ...,
    // sets incident_id to the update's incident id where the event's is 0,
    // and chains their hashes. The events' own id, prev_hash and hash are
    // ignored. Returns the appended events as stored (ids and hashes filled
    // in), in order. The call runs in a savepoint: on error nothing of it is
    // kept, and the caller's transaction can still commit its other work or
    // roll back.
    Result<std::vector<incident::IncidentEvent>> save(const std::vector<incident::IncidentUpdate>& updates);
    // Appends events to existing incidents without touching their rows
    // (each event's incident_id must be set): what the dispatcher records
    // about pages (page_sent, page_failed). Same chaining and savepoint.
    Result<std::vector<incident::IncidentEvent>> append_events(const std::vector<incident::IncidentEvent>& events);

    // Incidents not resolved, by id.
    Result<IncidentLoad> load_open();
    // Incidents not resolved, and those resolved at or after `since`, by id
    // (the status page's 90 days; both halves use a partial index).
    Result<IncidentLoad> load_since(TimePoint since);
    // nullopt when there is no such incident; an error (storage) naming the
    // problem when its row cannot be read.
    Result<std::optional<incident::Incident>> find(std::int64_t id);
    // Newest (highest id) first, at most query.limit.
    Result<IncidentLoad> list(const IncidentQuery& query);
    // The largest incident id ever saved (0 when none): ids are never reused.
    Result<std::int64_t> max_id();
    // The events of one incident, by id.
    Result<IncidentEventLoad> events(std::int64_t incident_id);

private:
    Result<std::vector<incident::IncidentEvent>> write(const std::vector<incident::IncidentUpdate>& updates,
                                                       bool upsert_rows);
    Database* m_db;
};

struct AuditHead {
    std::int64_t events = 0;   // rows in the chain
    std::int64_t last_id = 0;  // 0 when empty
    std::string hash;          // "" when empty

    bool operator==(const AuditHead&) const = default;
};

// The last row's id and hash and the number of rows; it does not verify.
Result<AuditHead> audit_head(Database& db);

struct AuditVerdict {
    std::int64_t checked = 0;  // rows that verified before the first problem
    AuditHead head;            // the last verified row (all of them when ok())
    // The first broken row and what is wrong with it ("hash does not match
    // its contents", "prev_hash does not match event N", "event N is
    // missing"); a published head that is not in an otherwise intact chain
    // sets only `problem`.
    std::optional<std::int64_t> broken_id;
    std::string problem;
    // With a published head: the id of the event that carries it.
    std::optional<std::int64_t> published_head_id;
    bool ok() const { return !broken_id && problem.empty(); }
};

// Recomputes the whole chain, reading rows one at a time (memory does not
// grow with the chain). Checks that ids run 1, 2, 3, ... without gaps, that
// event 1's prev_hash is "" and every other's is its predecessor's hash, and
// that every hash matches its row. With `published_head` (a hash printed by
// audit_head earlier, any case), also checks that it is still in the chain:
// a truncated or rewritten tail shows there. An error only when the rows
// cannot be read at all.
Result<AuditVerdict> audit_verify(Database& db, const std::optional<std::string>& published_head = std::nullopt);

}  // namespace tocsin::store
