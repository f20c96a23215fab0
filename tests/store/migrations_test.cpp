#include "tocsin/store/migrations.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::store {
namespace {

using namespace std::chrono_literals;

std::int64_t count(Database& db, std::string_view sql) {
    auto n = db.query_int64(sql);
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n ? *n : -1;
}

std::string query_text(Database& db, std::string_view sql) {
    auto stmt = db.prepare(sql);
    if (!stmt) return "error: " + stmt.error().message;
    auto row = stmt->step();
    if (!row || !*row) return "no row";
    return stmt->column_text(0);
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> byte(0, 255);
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(byte(gen));
    return out;
}

// Runs `open`, expects a StoreOpenError and returns it.
template <typename F>
StoreOpenError expect_open_error(F open) {
    try {
        open();
    } catch (const StoreOpenError& e) {
        return e;
    }
    ADD_FAILURE() << "expected StoreOpenError";
    return StoreOpenError(StoreOpenError::Kind::cannot_open, "", "");
}

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class MigrationsTest : public ::testing::Test {
protected:
    std::string db_path() const { return m_dir.file("tocsin.db"); }

    testing::TempDir m_dir;
};

// One representative row per table shape, inserted into a database at any
// version whose schema takes it, and looked for after migrating to the latest.
struct Seed {
    int since;  // the schema version that introduced the table (in this shape)
    int until;  // the last schema version that takes `insert` as written
    const char* insert;
    const char* check;  // must count exactly 1 after migrating to the latest
};

constexpr std::array k_seeds{
    // Version 1's incidents and events, rebuilt by version 3 with their rows.
    Seed{1, 2,
         "INSERT INTO incidents (uid, title, rule, group_key, component, severity, state, declared_at, "
         "acknowledged_at, acknowledged_by, updated_at, impact_current, impact_peak, summary) VALUES "
         "('inc-1', 'API returns 5xx', 'api_errors', '{job=\"api\"}', 'api', 'P1', 'identified', "
         "1700000000000, 1700000060000, 'alice', 1700000060000, 0.25, 0.5, 'bad deploy')",
         "SELECT count(*) FROM incidents WHERE id = 1 AND key = 'api_errors{job=\"api\"}' AND rule = 'api_errors' "
         "AND acknowledged_by_name = 'alice' AND acknowledged_by_channel = '' AND acknowledged_ms = 1700000060000 "
         "AND impact = 0.25 AND peak_impact = 0.5 AND description = 'bad deploy' AND state = 'identified' "
         "AND detected_ms = 1700000000000 AND alerts = '[]' AND manual = 0"},
    Seed{1, 2,
         "INSERT INTO incident_events (incident_id, seq, at, kind, actor, payload, prev_hash, hash) VALUES "
         "((SELECT id FROM incidents WHERE uid = 'inc-1'), 1, 1700000000000, 'declared', 'rule:api_errors', "
         "'{\"severity\":\"P1\"}', NULL, 'h1')",
         "SELECT count(*) FROM incident_events WHERE id = 1 AND incident_id = 1 AND hash = 'h1' AND prev_hash = '' "
         "AND at_ms = 1700000000000 AND kind = 'declared' AND json_extract(detail, '$.severity') = 'P1'"},
    Seed{3, k_latest_schema_version,
         "INSERT INTO incidents (id, key, rule, component, title, severity, state, alerts, affected_components, "
         "impact_started_ms, detected_ms) VALUES (2, 'ApiDown{component=\"api\"}', 'ApiDown', 'api', 'API down', "
         "'P1', 'investigating', '[{\"alertname\":\"ApiDown\"}]', '[\"web\"]', 1700000000000, 1700000060000)",
         "SELECT count(*) FROM incidents WHERE id = 2 AND json_array_length(alerts) = 1 AND condition_active = 1"},
    Seed{3, k_latest_schema_version,
         "INSERT INTO incident_events (id, incident_id, at_ms, kind, actor, channel, message, detail, prev_hash, "
         "hash) VALUES (2, 2, 1700000060000, 'opened', 'tocsin', 'rule', 'API down', '', '', 'h2')",
         "SELECT count(*) FROM incident_events WHERE id = 2 AND hash = 'h2' AND actor = 'tocsin'"},
    // References the newest incident and event of whichever shape is there.
    Seed{1, k_latest_schema_version,
         "INSERT INTO outbox (incident_id, event_id, channel, recipient, idempotency_key, payload, state, "
         "next_attempt_at, created_at) VALUES ((SELECT max(id) FROM incidents), "
         "(SELECT max(id) FROM incident_events), 'telegram', '42', 'inc-1/1/telegram/42', 'page', "
         "'pending', 1700000000000, 1700000000000)",
         "SELECT count(*) FROM outbox WHERE idempotency_key = 'inc-1/1/telegram/42' AND attempts = 0"},
    Seed{1, k_latest_schema_version,
         "INSERT INTO rule_state (rule, fingerprint, labels, state, active_at, fired_at, last_eval_at, value) "
         "VALUES ('api_errors', 'a1b2c3', '{\"job\":\"api\"}', 'firing', 1699999000000, 1700000000000, "
         "1700000000000, 0.12)",
         "SELECT count(*) FROM rule_state WHERE rule = 'api_errors' AND state = 'firing'"},
    Seed{2, k_latest_schema_version, "INSERT INTO health (id, beat) VALUES (1, 1700000000000)",
         "SELECT count(*) FROM health WHERE beat = 1700000000000"},
    // Version 4: a sent page keeps what the channel assigned to it.
    Seed{4, k_latest_schema_version,
         "INSERT INTO outbox (incident_id, channel, recipient, idempotency_key, payload, state, attempts, "
         "next_attempt_at, created_at, sent_at, remote_id) VALUES ((SELECT max(id) FROM incidents), 'telegram', "
         "'42', 'inc-2/1/telegram/42', '{}', 'sent', 1, 1700000000000, 1700000000000, 1700000001000, '1234')",
         "SELECT count(*) FROM outbox WHERE idempotency_key = 'inc-2/1/telegram/42' AND remote_id = '1234'"},
    // Version 5: settings, and outbox rows sent as one digest.
    Seed{5, k_latest_schema_version, "INSERT INTO settings (key, value) VALUES ('telegram.offset', '42')",
         "SELECT count(*) FROM settings WHERE key = 'telegram.offset' AND value = '42'"},
    Seed{5, k_latest_schema_version,
         "INSERT INTO outbox (id, incident_id, channel, recipient, idempotency_key, payload, state, attempts, "
         "next_attempt_at, created_at, sent_at, remote_id, digest_of) VALUES (900, (SELECT max(id) FROM incidents), "
         "'telegram', '42', 'inc-3/1/telegram/42', '{}', 'sent', 1, 1700000000000, 1700000000000, 1700000001000, "
         "'1235', 900)",
         "SELECT count(*) FROM outbox WHERE idempotency_key = 'inc-3/1/telegram/42' AND digest_of = id"},
    // Version 6: resolved incidents are found by resolution time (the status page).
    Seed{6, k_latest_schema_version,
         "INSERT INTO incidents (id, key, title, severity, state, impact_started_ms, detected_ms, resolved_ms) "
         "VALUES (60, 'manual:60', 'Resolved', 'P2', 'resolved', 1700000000000, 1700000000000, 1700000060000)",
         "SELECT count(*) FROM incidents INDEXED BY incidents_resolved WHERE state = 'resolved' "
         "AND resolved_ms >= 1700000060000"},
    // Version 7: maintenance windows and silences from the API.
    Seed{7, k_latest_schema_version,
         "INSERT INTO maintenance_windows (kind, components, match, starts_ms, ends_ms, reason, created_by, "
         "created_channel, created_ms) VALUES ('silence', '[\"api\"]', '', 1700000000000, 1700003600000, 'deploy', "
         "'alice', 'api:deploy-bot', 1700000000000)",
         "SELECT count(*) FROM maintenance_windows WHERE kind = 'silence' AND ended_ms IS NULL AND ended_by = ''"},
};

bool takes(const Seed& seed, int version) { return seed.since <= version && version <= seed.until; }

TEST(MigrationScripts, OnePerVersionAndEachVersionHasASeed) {
    ASSERT_EQ(migration_scripts().size(), static_cast<std::size_t>(k_latest_schema_version));
    for (int version = 1; version <= k_latest_schema_version; ++version) {
        bool seeded = std::any_of(k_seeds.begin(), k_seeds.end(), [&](const Seed& s) { return s.since == version; });
        EXPECT_TRUE(seeded) << "add a representative row to k_seeds for schema version " << version;
    }
}

TEST_F(MigrationsTest, CreatesLatestSchemaInEmptyFile) {
    Store store = Store::open(db_path());
    Database& db = store.database();
    auto version = schema_version(db);
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(*version, k_latest_schema_version);
    EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                        "('incidents', 'incident_events', 'outbox', 'rule_state', 'health')"),
              5);
    EXPECT_EQ(query_text(db, "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(store.path(), db_path());
}

TEST_F(MigrationsTest, ReopeningIsANoOp) {
    { Store::open(db_path()); }
    Store store = Store::open(db_path());
    EXPECT_EQ(count(store.database(), "PRAGMA user_version"), k_latest_schema_version);
}

TEST_F(MigrationsTest, MigratesFromEveryOlderVersion) {
    for (int from = 0; from < k_latest_schema_version; ++from) {
        SCOPED_TRACE("from schema version " + std::to_string(from));
        std::string path = m_dir.file("from-" + std::to_string(from) + ".db");
        int seeded = 0;
        {
            Database db = Database::open(path, 1000ms);
            auto status = migrate(db, from);
            ASSERT_TRUE(status.ok()) << status.error().message;
            ASSERT_EQ(count(db, "PRAGMA user_version"), from);
            for (const Seed& seed : k_seeds) {
                if (!takes(seed, from)) continue;
                auto inserted = db.exec(seed.insert);
                ASSERT_TRUE(inserted.ok()) << inserted.error().message;
                ++seeded;
            }
        }
        Store store = Store::open(path);
        Database& db = store.database();
        EXPECT_EQ(count(db, "PRAGMA user_version"), k_latest_schema_version);
        EXPECT_EQ(query_text(db, "PRAGMA integrity_check"), "ok");
        EXPECT_EQ(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
        int survived = 0;
        for (const Seed& seed : k_seeds) {
            if (!takes(seed, from)) continue;
            EXPECT_EQ(count(db, seed.check), 1) << seed.check;
            ++survived;
        }
        EXPECT_EQ(survived, seeded);
        // The latest schema accepts the rows of every table.
        for (const Seed& seed : k_seeds) {
            if (takes(seed, from) || !takes(seed, k_latest_schema_version)) continue;
            auto inserted = db.exec(seed.insert);
            EXPECT_TRUE(inserted.ok()) << inserted.error().message;
        }
    }
}

TEST_F(MigrationsTest, RefusesDatabaseFromNewerTocsin) {
    const int newer = k_latest_schema_version + 5;
    {
        Store store = Store::open(db_path());
        ASSERT_TRUE(store.database().exec("PRAGMA user_version = " + std::to_string(newer)).ok());
    }
    StoreOpenError error = expect_open_error([&] { Store::open(db_path()); });
    EXPECT_EQ(error.kind(), StoreOpenError::Kind::newer_schema);
    EXPECT_EQ(error.exit_code(), exit_code::data_error);
    EXPECT_EQ(error.path(), db_path());
    std::string message = error.what();
    EXPECT_TRUE(mentions(message, db_path())) << message;
    EXPECT_TRUE(mentions(message, "schema version " + std::to_string(newer))) << message;
    EXPECT_TRUE(mentions(message, "knows up to " + std::to_string(k_latest_schema_version))) << message;
    EXPECT_TRUE(mentions(message, "upgrade tocsin")) << message;

    Database db = Database::open(db_path(), 1000ms);
    EXPECT_EQ(count(db, "PRAGMA user_version"), newer);
}

TEST_F(MigrationsTest, RejectsGarbageAsCorrupt) {
    const std::string garbage = random_bytes(8192, 1234);
    write_bytes(db_path(), garbage);
    StoreOpenError error = expect_open_error([&] { Store::open(db_path()); });
    EXPECT_EQ(error.kind(), StoreOpenError::Kind::corrupt);
    EXPECT_EQ(error.exit_code(), exit_code::data_error);
    std::string message = error.what();
    EXPECT_TRUE(mentions(message, db_path())) << message;
    EXPECT_TRUE(mentions(message, "not an SQLite database")) << message;
    EXPECT_TRUE(mentions(message, "backup")) << message;
    EXPECT_FALSE(mentions(message, "error 26")) << message;
    EXPECT_EQ(read_bytes(db_path()), garbage);
}

TEST_F(MigrationsTest, RejectsDamagedPagesAsCorrupt) {
    {
        Store store = Store::open(db_path());
        Database& db = store.database();
        ASSERT_TRUE(db.exec("CREATE TABLE filler (x TEXT); "
                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                            "INSERT INTO filler SELECT printf('%0100d', i) FROM n; "
                            "PRAGMA wal_checkpoint(TRUNCATE);")
                        .ok());
    }
    std::string bytes = read_bytes(db_path());
    ASSERT_GT(bytes.size(), 16u * 4096);
    // Keep page 1 (the header and schema root), smash the b-tree pages after it.
    std::string noise = random_bytes(bytes.size() - 8 * 4096, 99);
    bytes.replace(8 * 4096, noise.size(), noise);
    write_bytes(db_path(), bytes);

    StoreOpenError error = expect_open_error([&] { Store::open(db_path()); });
    EXPECT_EQ(error.kind(), StoreOpenError::Kind::corrupt) << error.what();
    EXPECT_TRUE(mentions(error.what(), db_path())) << error.what();
}

TEST_F(MigrationsTest, DirectoryPathCannotOpen) {
    StoreOpenError error = expect_open_error([&] { Store::open(m_dir.path()); });
    EXPECT_EQ(error.kind(), StoreOpenError::Kind::cannot_open);
    EXPECT_EQ(error.exit_code(), exit_code::io_error);
    EXPECT_TRUE(mentions(error.what(), m_dir.path())) << error.what();
    EXPECT_TRUE(mentions(error.what(), "not a directory")) << error.what();
}

TEST_F(MigrationsTest, MissingDirectoryCannotOpen) {
    std::string path = m_dir.file("missing/tocsin.db");
    StoreOpenError error = expect_open_error([&] { Store::open(path); });
    EXPECT_EQ(error.kind(), StoreOpenError::Kind::cannot_open);
    std::string message = error.what();
    EXPECT_TRUE(mentions(message, path)) << message;
    EXPECT_TRUE(mentions(message, "directory")) << message;
}

TEST_F(MigrationsTest, FailedMigrationLeavesVersionUnchanged) {
    constexpr std::array<std::string_view, 3> scripts{
        "CREATE TABLE a (x INTEGER);",
        "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);",
        "CREATE TABLE c (z INTEGER); INSERT INTO no_such_table VALUES (1);",
    };
    Database db = Database::open(db_path(), 1000ms);
    ASSERT_TRUE(migrate(db, scripts, 1).ok());

    auto failed = migrate(db, scripts, 3);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().category, ErrorCategory::storage);
    EXPECT_TRUE(mentions(failed.error().message, "schema version 3")) << failed.error().message;
    EXPECT_TRUE(mentions(failed.error().message, "no such table")) << failed.error().message;
    EXPECT_FALSE(db.in_transaction());
    EXPECT_EQ(count(db, "PRAGMA user_version"), 1);
    // Script 2 succeeded but shared the transaction, so it is gone too.
    EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('b', 'c')"), 0);
    EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'a'"), 1);

    ASSERT_TRUE(migrate(db, scripts, 2).ok());
    EXPECT_EQ(count(db, "PRAGMA user_version"), 2);
}

TEST_F(MigrationsTest, MigrationThatBreaksForeignKeysIsRolledBack) {
    constexpr std::array<std::string_view, 2> scripts{
        "CREATE TABLE parent (id INTEGER PRIMARY KEY); "
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)); "
        "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1);",
        "DELETE FROM parent;",
    };
    Database db = Database::open(db_path(), 1000ms);
    ASSERT_TRUE(migrate(db, scripts, 1).ok());
    auto failed = migrate(db, scripts, 2);
    ASSERT_FALSE(failed.ok());
    EXPECT_TRUE(mentions(failed.error().message, "foreign key")) << failed.error().message;
    EXPECT_EQ(count(db, "PRAGMA user_version"), 1);
    EXPECT_EQ(count(db, "SELECT count(*) FROM parent"), 1);
}

TEST_F(MigrationsTest, RefusesToGoDownOrPastTheScripts) {
    Database db = Database::open(db_path(), 1000ms);
    ASSERT_TRUE(migrate(db).ok());
    auto down = migrate(db, 1);
    ASSERT_FALSE(down.ok());
    EXPECT_TRUE(mentions(down.error().message, "only go forward")) << down.error().message;
    auto past = migrate(db, k_latest_schema_version + 1);
    ASSERT_FALSE(past.ok());
    EXPECT_EQ(past.error().category, ErrorCategory::invalid_argument);
    EXPECT_EQ(count(db, "PRAGMA user_version"), k_latest_schema_version);
}

class SchemaTest : public MigrationsTest {
protected:
    void SetUp() override {
        m_store.emplace(Store::open(db_path(), 0ms));
        for (const Seed& seed : k_seeds) {
            if (!takes(seed, k_latest_schema_version)) continue;
            auto status = db().exec(seed.insert);
            ASSERT_TRUE(status.ok()) << status.error().message;
        }
    }
    Database& db() { return m_store->database(); }

    std::optional<Store> m_store;
};

TEST_F(SchemaTest, IncidentEventsAreAppendOnly) {
    auto update = db().exec("UPDATE incident_events SET actor = 'mallory'");
    ASSERT_FALSE(update.ok());
    EXPECT_TRUE(mentions(update.error().message, "incident_events is append-only")) << update.error().message;
    auto remove = db().exec("DELETE FROM incident_events");
    ASSERT_FALSE(remove.ok());
    EXPECT_TRUE(mentions(remove.error().message, "incident_events is append-only")) << remove.error().message;
    auto replace = db().exec(
        "INSERT OR REPLACE INTO incident_events (id, incident_id, at_ms, kind, actor, channel, message, detail, "
        "prev_hash, hash) VALUES (2, 2, 0, 'note', 'mallory', 'cli', 'x', '', '', 'h')");
    ASSERT_FALSE(replace.ok());  // REPLACE deletes the old row first, which the trigger refuses
    EXPECT_EQ(count(db(), "SELECT count(*) FROM incident_events WHERE actor = 'tocsin'"), 1);
}

TEST_F(SchemaTest, ForeignKeysRestrict) {
    auto orphan = db().exec(
        "INSERT INTO incident_events (id, incident_id, at_ms, kind, actor, channel, message, detail, prev_hash, "
        "hash) VALUES (3, 999, 0, 'note', 'x', 'cli', '', '', 'h2', 'h3')");
    ASSERT_FALSE(orphan.ok());
    EXPECT_TRUE(mentions(orphan.error().message, "FOREIGN KEY")) << orphan.error().message;
    auto remove = db().exec("DELETE FROM incidents WHERE id = 2");
    ASSERT_FALSE(remove.ok());
    EXPECT_EQ(count(db(), "SELECT count(*) FROM incidents WHERE id = 2"), 1);
}

TEST_F(SchemaTest, OpenIncidentsAndKeysAreIndexed) {
    auto plan = [&](const std::string& query) {
        auto stmt = db().prepare("EXPLAIN QUERY PLAN " + query);
        if (!stmt) return "error: " + stmt.error().message;
        std::string details;
        while (true) {
            auto row = stmt->step();
            if (!row || !*row) break;
            details += stmt->column_text(3) + "; ";
        }
        return details;
    };
    std::string open = plan("SELECT * FROM incidents WHERE state <> 'resolved' ORDER BY id");
    EXPECT_TRUE(mentions(open, "incidents_open")) << open;
    std::string by_key = plan("SELECT * FROM incidents WHERE key = 'k' ORDER BY id");
    EXPECT_TRUE(mentions(by_key, "incidents_by_key")) << by_key;
    std::string events = plan("SELECT * FROM incident_events WHERE incident_id = 2 ORDER BY id");
    EXPECT_TRUE(mentions(events, "incident_events_by_incident")) << events;
}

TEST_F(SchemaTest, ChecksRejectImpossibleStates) {
    EXPECT_FALSE(db().exec("UPDATE incidents SET state = 'closed'").ok());
    EXPECT_FALSE(db().exec("UPDATE incidents SET key = ''").ok());
    EXPECT_FALSE(db().exec("UPDATE incidents SET alerts = 'not json'").ok());
    EXPECT_FALSE(db().exec("UPDATE incidents SET security = 2").ok());
    EXPECT_FALSE(db().exec("UPDATE incidents SET acknowledged_by_name = 'alice'").ok());  // without a channel
    EXPECT_FALSE(db().exec("UPDATE outbox SET state = 'sent'").ok());                     // without sent_at
    EXPECT_FALSE(db().exec("UPDATE rule_state SET labels = 'not json'").ok());
    EXPECT_FALSE(db().exec("INSERT INTO health (id, beat) VALUES (2, 0)").ok());
}

TEST_F(SchemaTest, CheckWritableUpdatesTheBeat) {
    const TimePoint now = from_unix_millis(1'800'000'000'000);
    auto status = m_store->check_writable(now);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(count(db(), "SELECT beat FROM health WHERE id = 1"), 1'800'000'000'000);
    ASSERT_TRUE(m_store->check_writable(now + 1s).ok());
    EXPECT_EQ(count(db(), "SELECT beat FROM health"), 1'800'000'001'000);
    EXPECT_FALSE(db().in_transaction());

    // A writer elsewhere holding the lock makes the check fail, retryably.
    Database other = Database::open(db_path(), 0ms);
    auto held = Transaction::begin(other);
    ASSERT_TRUE(held.ok());
    auto blocked = m_store->check_writable(now + 2s);
    ASSERT_FALSE(blocked.ok());
    EXPECT_TRUE(blocked.error().retryable);
}

}  // namespace
}  // namespace tocsin::store
