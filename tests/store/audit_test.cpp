// The audit chain: its head, verification against an independent
// implementation of the documented hash format, and the tampering it must
// catch: rows edited through SQL with the triggers dropped, bytes changed in
// the database file itself, rows deleted from the middle, and a truncated or
// rewritten tail that only a published head reveals.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::store {
namespace {

using namespace std::chrono_literals;
using incident::EventKind;
using incident::Incident;
using incident::IncidentEvent;
using incident::IncidentUpdate;

const TimePoint k_t0 = from_unix_millis(1'700'000'000'000);

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// The documented format, written again from the header comment without the
// store's code: netstrings of prev_hash and the columns, SHA-256, lower hex.
std::string netstring(std::string_view s) { return std::to_string(s.size()) + ":" + std::string(s) + ","; }

std::string independent_hash(const std::string& prev, std::int64_t id, std::int64_t incident_id, std::int64_t at_ms,
                             const std::string& kind, const std::string& actor, const std::string& channel,
                             const std::string& message, const std::string& detail) {
    std::string input = netstring(prev) + netstring(std::to_string(id)) + netstring(std::to_string(incident_id)) +
                        netstring(std::to_string(at_ms)) + netstring(kind) + netstring(actor) + netstring(channel) +
                        netstring(message) + netstring(detail);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
    std::string hex;
    char buf[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", digest[i]);
        hex += buf;
    }
    return hex;
}

// The row's hash recomputed from its columns (with its stored prev_hash).
std::string recompute(Database& db, std::int64_t id) {
    auto stmt = db.prepare(
        "SELECT id, incident_id, at_ms, kind, actor, channel, message, detail, prev_hash FROM incident_events "
        "WHERE id = ?1");
    EXPECT_TRUE(stmt.ok());
    auto row = stmt->bind(1, id).step();
    EXPECT_TRUE(row.ok() && *row);
    return independent_hash(stmt->column_text(8), stmt->column_int64(0), stmt->column_int64(1),
                            stmt->column_int64(2), stmt->column_text(3), stmt->column_text(4), stmt->column_text(5),
                            stmt->column_text(6), stmt->column_text(7));
}

std::string padded(int n) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03d", n);
    return buf;
}

class AuditTest : public ::testing::Test {
protected:
    void SetUp() override { reopen(); }
    void reopen() {
        m_store.reset();
        m_store.emplace(Store::open(path()));
    }
    std::string path() const { return m_dir.file("tocsin.db"); }
    Database& db() { return m_store->database(); }

    // Appends `n` events (one save), messages "event-NNN checkout failing"
    // numbered by the id they will get.
    std::vector<IncidentEvent> append(int n) {
        auto head = audit_head(db());
        EXPECT_TRUE(head.ok());
        Incident incident;
        incident.id = 1;
        incident.key = "CheckoutDown";
        incident.rule = "CheckoutDown";
        incident.title = "Checkout failing";
        incident.severity = "P1";
        incident.detected = k_t0;
        incident.impact_started = k_t0;
        IncidentUpdate update{incident, {}};
        for (int i = 1; i <= n; ++i) {
            std::int64_t id = head->last_id + i;
            IncidentEvent e;
            e.at = k_t0 + std::chrono::seconds(id);
            e.kind = id == 1 ? EventKind::opened : EventKind::note;
            e.actor = id % 2 == 0 ? incident::Actor{"alice", "telegram"} : incident::tocsin_actor();
            e.message = "event-" + padded(static_cast<int>(id)) + " checkout failing";
            e.detail = "p99 " + std::to_string(id) + "s";
            update.events.push_back(e);
        }
        auto tx = Transaction::begin(db());
        EXPECT_TRUE(tx.ok());
        auto saved = IncidentRepository(db()).save({update});
        EXPECT_TRUE(saved.ok()) << saved.error().message;
        EXPECT_TRUE(tx->commit().ok());
        return saved ? *saved : std::vector<IncidentEvent>{};
    }

    AuditVerdict verify(const std::optional<std::string>& head = std::nullopt) {
        auto verdict = audit_verify(db(), head);
        EXPECT_TRUE(verdict.ok()) << verdict.error().message;
        return verdict ? *verdict : AuditVerdict{};
    }

    void exec(const std::string& sql) {
        auto status = db().exec(sql);
        ASSERT_TRUE(status.ok()) << sql << ": " << status.error().message;
    }

    testing::TempDir m_dir;
    std::optional<Store> m_store;
};

TEST_F(AuditTest, EmptyChain) {
    auto head = audit_head(db());
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(*head, AuditHead{});
    AuditVerdict verdict = verify();
    EXPECT_TRUE(verdict.ok());
    EXPECT_EQ(verdict.checked, 0);
    // A published head cannot be in an empty chain.
    AuditVerdict with_head = verify(std::string(64, 'a'));
    EXPECT_FALSE(with_head.ok());
    EXPECT_FALSE(with_head.broken_id.has_value());
}

TEST_F(AuditTest, StoredHashesMatchAnIndependentImplementation) {
    auto events = append(5);
    ASSERT_EQ(events.size(), 5u);
    std::string prev;
    for (const auto& e : events) {
        EXPECT_EQ(e.hash, independent_hash(prev, e.id, e.incident_id, to_unix_millis(e.at), incident::to_string(e.kind),
                                           e.actor.name, e.actor.channel, e.message, e.detail));
        EXPECT_EQ(recompute(db(), e.id), e.hash);
        prev = e.hash;
    }
    auto head = audit_head(db());
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(*head, (AuditHead{5, 5, events.back().hash}));
    AuditVerdict verdict = verify();
    EXPECT_TRUE(verdict.ok()) << verdict.problem;
    EXPECT_EQ(verdict.checked, 5);
    EXPECT_EQ(verdict.head, *head);
}

TEST_F(AuditTest, KindsThisBuildDoesNotKnowStillVerify) {
    auto events = append(2);
    std::string hash = independent_hash(events.back().hash, 3, 1, 42, "teleported", "tocsin", "rule", "m", "d");
    exec("INSERT INTO incident_events (id, incident_id, at_ms, kind, actor, channel, message, detail, prev_hash, "
         "hash) VALUES (3, 1, 42, 'teleported', 'tocsin', 'rule', 'm', 'd', '" +
         events.back().hash + "', '" + hash + "')");
    AuditVerdict verdict = verify();
    EXPECT_TRUE(verdict.ok()) << verdict.problem;
    EXPECT_EQ(verdict.checked, 3);
}

TEST_F(AuditTest, PublishedHeadIsFoundLaterInTheChain) {
    auto first = append(3);
    const std::string published = first.back().hash;
    append(4);
    AuditVerdict verdict = verify(published);
    EXPECT_TRUE(verdict.ok()) << verdict.problem;
    EXPECT_EQ(verdict.published_head_id, 3);
    EXPECT_EQ(verdict.checked, 7);
    std::string upper = published;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(verify(upper).ok());
}

// (a) Someone with the file drops the trigger and edits a row through SQL.
TEST_F(AuditTest, DetectsARowEditedThroughSql) {
    append(6);
    exec("DROP TRIGGER incident_events_no_update");
    exec("UPDATE incident_events SET message = 'nothing to see here' WHERE id = 4");
    AuditVerdict verdict = verify();
    EXPECT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.broken_id, 4);
    EXPECT_EQ(verdict.problem, "hash does not match its contents");
    EXPECT_EQ(verdict.checked, 3);
    EXPECT_EQ(verdict.head.last_id, 3);
}

// ... and recomputes that row's hash: the next row no longer follows it.
TEST_F(AuditTest, DetectsARowEditedWithItsHashRecomputed) {
    append(6);
    exec("DROP TRIGGER incident_events_no_update");
    exec("UPDATE incident_events SET actor = 'mallory' WHERE id = 4");
    exec("UPDATE incident_events SET hash = '" + recompute(db(), 4) + "' WHERE id = 4");
    AuditVerdict verdict = verify();
    EXPECT_EQ(verdict.broken_id, 5);
    EXPECT_EQ(verdict.problem, "prev_hash does not match event 4");
    EXPECT_EQ(verdict.checked, 4);
}

TEST_F(AuditTest, DetectsAFirstEventThatDoesNotStartTheChain) {
    append(2);
    exec("DROP TRIGGER incident_events_no_update");
    exec("UPDATE incident_events SET prev_hash = 'x' WHERE id = 1");
    AuditVerdict verdict = verify();
    EXPECT_EQ(verdict.broken_id, 1);
    EXPECT_EQ(verdict.problem, "prev_hash of the first event is not empty");
    EXPECT_EQ(verdict.checked, 0);
}

// (b) The requirement: bytes changed in the SQLite file itself, with
// no SQL and no trigger in the way.
TEST_F(AuditTest, DetectsBytesChangedInTheDatabaseFile) {
    append(30);
    m_store.reset();  // the last connection checkpoints the WAL into the file and removes it
    ASSERT_FALSE(std::filesystem::exists(path() + "-wal"));

    std::string bytes = read_bytes(path());
    const std::string needle = "event-017 checkout failing";
    std::size_t at = bytes.find(needle);
    ASSERT_NE(at, std::string::npos);
    ASSERT_EQ(bytes.find(needle, at + 1), std::string::npos) << "the message must be in the file once";
    bytes[at + needle.find("checkout")] = 'C';  // same length: SQLite cannot tell
    write_bytes(path(), bytes);

    Database db = Database::open_read_only(path(), 1000ms);
    auto verdict = audit_verify(db);
    ASSERT_TRUE(verdict.ok()) << verdict.error().message;
    EXPECT_EQ(verdict->broken_id, 17);
    EXPECT_EQ(verdict->problem, "hash does not match its contents");
    EXPECT_EQ(verdict->checked, 16);
    // The row reads as changed: the damage is in the data, not the b-tree.
    auto message = db.prepare("SELECT message FROM incident_events WHERE id = 17");
    ASSERT_TRUE(message.ok() && message->step().ok());
    EXPECT_EQ(message->column_text(0), "event-017 Checkout failing");
}

// (c) A row deleted from the middle.
TEST_F(AuditTest, DetectsADeletedMiddleRow) {
    append(6);
    exec("DROP TRIGGER incident_events_no_delete");
    exec("DELETE FROM incident_events WHERE id = 3");
    AuditVerdict verdict = verify();
    EXPECT_EQ(verdict.broken_id, 3);
    EXPECT_EQ(verdict.problem, "event 3 is missing (the next event is 4)");
    EXPECT_EQ(verdict.checked, 2);
}

// (d) Rows cut from the end leave a chain that is intact in itself: only a
// head published earlier shows the loss.
TEST_F(AuditTest, DetectsATruncatedTailOnlyWithThePublishedHead) {
    auto events = append(6);
    const std::string published = events.back().hash;
    exec("DROP TRIGGER incident_events_no_delete");
    exec("DELETE FROM incident_events WHERE id >= 5");
    AuditVerdict alone = verify();
    EXPECT_TRUE(alone.ok()) << alone.problem;
    EXPECT_EQ(alone.checked, 4);

    AuditVerdict verdict = verify(published);
    EXPECT_FALSE(verdict.ok());
    EXPECT_FALSE(verdict.broken_id.has_value());
    EXPECT_EQ(verdict.checked, 4);
    EXPECT_EQ(verdict.problem, "the published head " + published +
                                   " is not in the chain (4 events, last id 4): events after it were removed, or "
                                   "the chain was rewritten");
}

// A rewrite that recomputes every later hash is consistent in itself; the
// published head is what it cannot reproduce.
TEST_F(AuditTest, DetectsARewrittenTailOnlyWithThePublishedHead) {
    auto events = append(6);
    const std::string published = events.back().hash;
    exec("DROP TRIGGER incident_events_no_update");
    exec("UPDATE incident_events SET message = 'all fine' WHERE id = 4");
    for (int id = 4; id <= 6; ++id) {
        if (id > 4) {
            exec("UPDATE incident_events SET prev_hash = (SELECT hash FROM incident_events WHERE id = " +
                 std::to_string(id - 1) + ") WHERE id = " + std::to_string(id));
        }
        exec("UPDATE incident_events SET hash = '" + recompute(db(), id) + "' WHERE id = " + std::to_string(id));
    }
    EXPECT_TRUE(verify().ok());
    AuditVerdict verdict = verify(published);
    EXPECT_FALSE(verdict.ok());
    EXPECT_TRUE(mentions(verdict.problem, "is not in the chain (6 events, last id 6)")) << verdict.problem;
}

TEST_F(AuditTest, LongChainVerifies) {
    append(5000);
    append(1);
    AuditVerdict verdict = verify();
    EXPECT_TRUE(verdict.ok()) << verdict.problem;
    EXPECT_EQ(verdict.checked, 5001);
    EXPECT_EQ(verdict.head.last_id, 5001);
}

TEST_F(AuditTest, ReadOnlyConnectionVerifiesNextToAWriterAndCannotWrite) {
    append(3);
    Database reader = Database::open_read_only(path(), 1000ms);
    // A writer in the middle of a save: the reader sees the committed chain.
    auto tx = Transaction::begin(db());
    ASSERT_TRUE(tx.ok());
    IncidentEvent e;
    e.at = k_t0;
    e.message = "uncommitted";
    Incident incident;
    incident.id = 1;
    incident.key = "CheckoutDown";
    auto saved = IncidentRepository(db()).save({{incident, {e}}});
    ASSERT_TRUE(saved.ok()) << saved.error().message;
    auto verdict = audit_verify(reader);
    ASSERT_TRUE(verdict.ok()) << verdict.error().message;
    EXPECT_TRUE(verdict->ok());
    EXPECT_EQ(verdict->checked, 3);
    ASSERT_TRUE(tx->commit().ok());
    auto head = audit_head(reader);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->last_id, 4);

    auto write = reader.exec("INSERT INTO health (id, beat) VALUES (1, 1)");
    ASSERT_FALSE(write.ok());
    EXPECT_TRUE(mentions(write.error().message, "readonly") || mentions(write.error().message, "read-only") ||
                mentions(write.error().message, "query_only"))
        << write.error().message;
}

TEST(ReadOnlyOpen, NeverCreatesAFileAndRejectsGarbage) {
    testing::TempDir dir;
    const std::string missing = dir.file("missing.db");
    try {
        Database::open_read_only(missing, 100ms);
        ADD_FAILURE() << "expected StoreOpenError";
    } catch (const StoreOpenError& e) {
        EXPECT_EQ(e.kind(), StoreOpenError::Kind::cannot_open);
        EXPECT_TRUE(mentions(e.what(), missing)) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(missing));

    const std::string garbage = dir.file("garbage.db");
    write_bytes(garbage, std::string(8192, 'x'));
    try {
        Database::open_read_only(garbage, 100ms);
        ADD_FAILURE() << "expected StoreOpenError";
    } catch (const StoreOpenError& e) {
        EXPECT_EQ(e.kind(), StoreOpenError::Kind::corrupt) << e.what();
    }
    EXPECT_EQ(read_bytes(garbage), std::string(8192, 'x'));
}

}  // namespace
}  // namespace tocsin::store
