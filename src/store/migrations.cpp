#include "tocsin/store/migrations.hpp"

#include <array>
#include <string>

#include "tocsin/store/database.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::store {
namespace {

// Version 1: the initial schema. Timestamps are INTEGER Unix milliseconds.
constexpr std::string_view k_v1_initial = R"sql(
CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    uid             TEXT    NOT NULL UNIQUE CHECK (length(uid) > 0),
    title           TEXT    NOT NULL CHECK (length(title) > 0),
    rule            TEXT    CHECK (rule IS NULL OR length(rule) > 0),  -- NULL: declared by hand
    group_key       TEXT    NOT NULL DEFAULT '',                        -- dedup key within the rule
    component       TEXT,
    severity        TEXT    NOT NULL CHECK (length(severity) > 0),     -- tier names come from config
    state           TEXT    NOT NULL DEFAULT 'investigating'
                            CHECK (state IN ('investigating', 'identified', 'monitoring', 'resolved')),
    declared_at     INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    resolved_at     INTEGER,
    updated_at      INTEGER NOT NULL,
    impact_current  REAL    NOT NULL DEFAULT 0 CHECK (impact_current >= 0),
    impact_peak     REAL    NOT NULL DEFAULT 0 CHECK (impact_peak >= impact_current),
    summary         TEXT    NOT NULL DEFAULT '',
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
    CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
);
-- At most one open incident per alert group; a resolved one frees the slot.
-- Manual incidents (rule IS NULL) never collide: NULLs are distinct here.
CREATE UNIQUE INDEX incidents_one_open_per_group ON incidents (rule, group_key) WHERE state <> 'resolved';
CREATE INDEX incidents_by_declared_at ON incidents (declared_at);

-- The audit chain: each event hashes its predecessor, and rows are never
-- changed or removed, so a published head makes tampering visible.
CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE RESTRICT,
    seq         INTEGER NOT NULL CHECK (seq >= 1),  -- 1, 2, ... within the incident
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (length(kind) > 0),
    actor       TEXT    NOT NULL,
    payload     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    prev_hash   TEXT,                               -- NULL only at the start of the chain
    hash        TEXT    NOT NULL UNIQUE CHECK (length(hash) > 0),
    UNIQUE (incident_id, seq)
);
CREATE TRIGGER incident_events_no_update BEFORE UPDATE ON incident_events
BEGIN
    SELECT RAISE(ABORT, 'incident_events is append-only');
END;
CREATE TRIGGER incident_events_no_delete BEFORE DELETE ON incident_events
BEGIN
    SELECT RAISE(ABORT, 'incident_events is append-only');
END;

-- Pages to send, written in the same transaction as the incident change
-- that causes them; the dispatcher drains it at least once.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    incident_id     INTEGER REFERENCES incidents (id) ON DELETE RESTRICT,
    event_id        INTEGER REFERENCES incident_events (id) ON DELETE RESTRICT,
    channel         TEXT    NOT NULL CHECK (length(channel) > 0),
    recipient       TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE CHECK (length(idempotency_key) > 0),
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
-- Foreign-key children are indexed so RESTRICT checks do not scan the outbox.
CREATE INDEX outbox_by_incident ON outbox (incident_id);
CREATE INDEX outbox_by_event ON outbox (event_id);

-- Alert state per rule and label set, so a restart neither re-waits a rule's
-- `for` nor forgets that an alert is firing.
CREATE TABLE rule_state (
    rule              TEXT    NOT NULL,
    fingerprint       TEXT    NOT NULL,
    labels            TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(labels)),
    state             TEXT    NOT NULL CHECK (state IN ('inactive', 'pending', 'firing')),
    active_at         INTEGER,
    fired_at          INTEGER,
    resolved_at       INTEGER,
    last_eval_at      INTEGER NOT NULL,
    keep_firing_since INTEGER,
    value             REAL,
    PRIMARY KEY (rule, fingerprint),
    CHECK (state = 'inactive' OR active_at IS NOT NULL),
    CHECK (state <> 'firing' OR fired_at IS NOT NULL)
) WITHOUT ROWID;
)sql";

// Version 2: one row rewritten by every health check to prove writes work.
constexpr std::string_view k_v2_health = R"sql(
CREATE TABLE health (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    beat INTEGER NOT NULL
);
)sql";

// Version 3: incidents and the audit chain in the shape the incident module
// uses (issue 5). Rebuilds the version-1 tables, keeping their rows. The
// outbox is emptied and refilled around the rebuild: dropping a table that
// rows still reference would leave deferred foreign-key violations that no
// later insert clears.
constexpr std::string_view k_v3_incidents = R"sql(
CREATE TEMP TABLE v2_outbox AS SELECT * FROM outbox;
CREATE TEMP TABLE v2_incidents AS SELECT * FROM incidents;
CREATE TEMP TABLE v2_incident_events AS SELECT * FROM incident_events;
DELETE FROM outbox;
DROP TABLE incident_events;  -- DROP TABLE fires no triggers
DROP TABLE incidents;

-- Times are INTEGER Unix milliseconds, NULL when unset.
CREATE TABLE incidents (
    id                      INTEGER PRIMARY KEY CHECK (id >= 1),  -- assigned by the incident manager
    key                     TEXT    NOT NULL CHECK (length(key) > 0),  -- rule{group labels} or manual:ID
    rule                    TEXT    NOT NULL DEFAULT '',          -- '' for manual incidents
    component               TEXT    NOT NULL DEFAULT '',
    title                   TEXT    NOT NULL,
    description             TEXT    NOT NULL DEFAULT '',
    severity                TEXT    NOT NULL,                     -- tier names come from config
    state                   TEXT    NOT NULL
                                    CHECK (state IN ('investigating', 'identified', 'monitoring', 'resolved')),
    security                INTEGER NOT NULL DEFAULT 0 CHECK (security IN (0, 1)),
    manual                  INTEGER NOT NULL DEFAULT 0 CHECK (manual IN (0, 1)),
    reporter                TEXT    NOT NULL DEFAULT '',
    impact                  REAL,
    peak_impact             REAL,
    alerts                  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(alerts)),  -- [{label: value}, ...]
    affected_components     TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(affected_components)),
    impact_started_ms       INTEGER NOT NULL,
    detected_ms             INTEGER NOT NULL,
    acknowledged_ms         INTEGER,
    acknowledged_by_name    TEXT,
    acknowledged_by_channel TEXT,
    identified_ms           INTEGER,
    mitigated_ms            INTEGER,
    resolved_ms             INTEGER,
    condition_active        INTEGER NOT NULL DEFAULT 1 CHECK (condition_active IN (0, 1)),
    clear_since_ms          INTEGER,
    auto_severity           TEXT    NOT NULL DEFAULT '',
    taxonomy                TEXT    NOT NULL DEFAULT '',
    CHECK ((acknowledged_by_name IS NULL) = (acknowledged_by_channel IS NULL))
);
CREATE INDEX incidents_open ON incidents (id) WHERE state <> 'resolved';
CREATE INDEX incidents_by_key ON incidents (key, id);

-- The audit chain: ids 1, 2, 3, ... without gaps; each hash covers the row's
-- columns and the previous row's hash (store/incident_repository.hpp has
-- the exact format), and rows are never changed or removed, so a published
-- head makes tampering visible.
CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY CHECK (id >= 1),
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE RESTRICT,
    at_ms       INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (length(kind) > 0),  -- the EventKind's name
    actor       TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,                           -- '' for event 1
    hash        TEXT    NOT NULL
);
CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);
CREATE TRIGGER incident_events_no_update BEFORE UPDATE ON incident_events
BEGIN
    SELECT RAISE(ABORT, 'incident_events is append-only');
END;
CREATE TRIGGER incident_events_no_delete BEFORE DELETE ON incident_events
BEGIN
    SELECT RAISE(ABORT, 'incident_events is append-only');
END;

INSERT INTO incidents (id, key, rule, component, title, description, severity, state, manual,
                       impact, peak_impact, impact_started_ms, detected_ms, acknowledged_ms,
                       acknowledged_by_name, acknowledged_by_channel, resolved_ms, condition_active,
                       auto_severity)
SELECT id, CASE WHEN rule IS NULL THEN 'manual:' || id ELSE rule || group_key END, coalesce(rule, ''),
       coalesce(component, ''), title, summary, severity, state, rule IS NULL,
       impact_current, impact_peak, declared_at, declared_at, acknowledged_at,
       acknowledged_by, CASE WHEN acknowledged_by IS NULL THEN NULL ELSE '' END, resolved_at,
       state <> 'resolved', severity
FROM temp.v2_incidents;
-- Version-1 events keep their ids and hashes (detail holds the old payload);
-- they were not hashed in this format, so audit verify reports them.
INSERT INTO incident_events (id, incident_id, at_ms, kind, actor, channel, message, detail, prev_hash, hash)
SELECT id, incident_id, at, kind, actor, '', '', payload, coalesce(prev_hash, ''), hash
FROM temp.v2_incident_events ORDER BY id;
INSERT INTO outbox SELECT * FROM temp.v2_outbox;
DROP TABLE temp.v2_outbox;
DROP TABLE temp.v2_incidents;
DROP TABLE temp.v2_incident_events;
)sql";

// Version 4: the outbox records what the channel assigned to a sent page (an
// email's Message-ID, a Telegram message id), so follow-ups can thread under
// the first page of an incident (issue 6).
constexpr std::string_view k_v4_outbox_remote_id = R"sql(
ALTER TABLE outbox ADD COLUMN remote_id TEXT;
)sql";

// Version 5: where each incident's paging stands (escalation level, re-pages,
// reminders; paging/paging_policy.hpp), and named values such as the
// Telegram update offset (issue 6).
constexpr std::string_view k_v5_paging = R"sql(
CREATE TABLE incident_paging (
    incident_id      INTEGER PRIMARY KEY REFERENCES incidents(id),
    cycle            INTEGER NOT NULL,
    tier             TEXT NOT NULL,
    level            INTEGER NOT NULL,
    level_started_ms INTEGER NOT NULL,
    repages          INTEGER NOT NULL,
    paged            TEXT NOT NULL,   -- JSON array of person names
    last_update_ms   INTEGER,
    update_reminders INTEGER NOT NULL,
    resolve_notified INTEGER NOT NULL,
    published        INTEGER NOT NULL,  -- subscribers were told the incident is known
    publish_reminded INTEGER NOT NULL,
    postmortem_due_ms    INTEGER,      -- set at resolution when the tier requires a postmortem
    postmortem_reminders INTEGER NOT NULL,
    closed           INTEGER NOT NULL
);
CREATE INDEX incident_paging_open ON incident_paging (closed);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Storm control: pages sent together as one digest point at its lead row
-- (the lowest id, pointing at itself); NULL for a page sent on its own.
ALTER TABLE outbox ADD COLUMN digest_of INTEGER REFERENCES outbox(id);
CREATE INDEX outbox_by_digest ON outbox (digest_of);
)sql";

// Version 6: the status page reads incidents resolved in the last 90 days
// (IncidentRepository::load_since) without scanning the whole history.
constexpr std::string_view k_v6_resolved_index = R"sql(
CREATE INDEX incidents_resolved ON incidents (resolved_ms) WHERE state = 'resolved';
)sql";

// Version 7: maintenance windows and silences created through the API
// (incident/maintenance_record.hpp); components are a JSON array of names.
constexpr std::string_view k_v7_maintenance = R"sql(
CREATE TABLE maintenance_windows (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('maintenance', 'silence')),
    components      TEXT NOT NULL,
    match           TEXT NOT NULL,
    starts_ms       INTEGER NOT NULL,
    ends_ms         INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_channel TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    ended_ms        INTEGER,
    ended_by        TEXT NOT NULL DEFAULT '',
    ended_channel   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX maintenance_windows_by_end ON maintenance_windows (ends_ms);
)sql";

constexpr std::array<std::string_view, 7> k_migrations{k_v1_initial,          k_v2_health, k_v3_incidents,
                                                       k_v4_outbox_remote_id, k_v5_paging, k_v6_resolved_index,
                                                       k_v7_maintenance};
static_assert(k_migrations.size() == k_latest_schema_version,
              "add the script to k_migrations and bump k_latest_schema_version together");

Result<int> read_version(Database& db) {
    auto version = db.query_int64("PRAGMA user_version");
    if (!version) return std::move(version).error();
    return static_cast<int>(*version);
}

}  // namespace

std::span<const std::string_view> migration_scripts() { return k_migrations; }

Result<int> schema_version(Database& db) { return read_version(db); }

Status migrate(Database& db, int target_version) { return migrate(db, k_migrations, target_version); }

Status migrate(Database& db, std::span<const std::string_view> scripts, int target_version) {
    if (target_version < 0 || static_cast<std::size_t>(target_version) > scripts.size()) {
        return Error::make(ErrorCategory::invalid_argument,
                           "no migration to schema version " + std::to_string(target_version) +
                               " (known up to " + std::to_string(scripts.size()) + ")");
    }
    auto tx = Transaction::begin(db);
    if (!tx) return std::move(tx).error();
    // Read under the write lock: another process may have migrated meanwhile.
    auto current = read_version(db);
    if (!current) return std::move(current).error();
    if (*current > target_version) {
        return Error::make(ErrorCategory::invalid_argument,
                           "database " + db.path() + " is at schema version " + std::to_string(*current) +
                               ", newer than " + std::to_string(target_version) +
                               "; migrations only go forward");
    }
    if (*current == target_version) return Ok{};
    // PRAGMA foreign_keys cannot change inside a transaction; deferring lets a
    // script rebuild a referenced table (create, copy, drop, rename) and the
    // references are checked once, below and again at COMMIT.
    if (auto status = db.exec("PRAGMA defer_foreign_keys = ON"); !status) return status;
    for (int version = *current + 1; version <= target_version; ++version) {
        auto status = db.exec(scripts[static_cast<std::size_t>(version - 1)]);
        if (!status) {
            Error error = std::move(status).error();
            error.message = "migration to schema version " + std::to_string(version) +
                            " failed, database left at version " + std::to_string(*current) + ": " +
                            error.message;
            return error;
        }
    }
    // Counted here for a message that says which migration broke references.
    auto violations = db.query_int64("SELECT count(*) FROM pragma_foreign_key_check");
    if (!violations) return std::move(violations).error();
    if (*violations != 0) {
        return Error::make(ErrorCategory::storage,
                           "migration to schema version " + std::to_string(target_version) + " left " +
                               std::to_string(*violations) + " foreign key violations; database left at version " +
                               std::to_string(*current));
    }
    // PRAGMA takes no parameters; the value is an int we formatted ourselves.
    auto status = db.exec("PRAGMA user_version = " + std::to_string(target_version));
    if (!status) return status;
    return tx->commit();
}

}  // namespace tocsin::store
