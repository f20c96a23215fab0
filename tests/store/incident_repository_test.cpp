// incidents and incident_events rows in a real SQLite file: every field
// round-trips, upserts, event ids and hash chaining across saves, a failed
// save leaves nothing, and rows that cannot be read are skipped with a warning.
#include "tocsin/store/incident_repository.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "tocsin/store/rule_state_repository.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::store {
namespace {

using namespace std::chrono_literals;
using incident::Actor;
using incident::EventKind;
using incident::Incident;
using incident::IncidentEvent;
using incident::IncidentState;
using incident::IncidentUpdate;

const TimePoint k_t0 = from_unix_millis(1'700'000'000'000);

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every field set, optional ones included, with text that JSON and SQL must escape.
Incident full_incident(std::int64_t id) {
    Incident i;
    i.id = id;
    i.key = "ApiDown{component=\"api\"}";
    i.rule = "ApiDown";
    i.component = "api";
    i.title = "API down — 5xx \"everywhere\"";
    i.description = "line 1\nline 2 'quoted' \\ backslash";
    i.severity = "P1";
    i.state = IncidentState::identified;
    i.security = true;
    i.manual = false;
    i.reporter = "bob";
    i.impact = 1250.5;
    i.peak_impact = 4000;
    i.alerts = {Labels{{"alertname", "ApiDown"}, {"instance", "a:80"}, {"quote", "a\"b\\c é"}},
                Labels{{"alertname", "ApiDown"}, {"instance", "b:80"}}};
    i.affected_components = {"checkout", "web \"shop\""};
    i.impact_started = k_t0 - 3min;
    i.detected = k_t0;
    i.acknowledged = k_t0 + 4min;
    i.acknowledged_by = Actor{"alice", "telegram"};
    i.identified = k_t0 + 10min;
    i.mitigated = k_t0 + 20min;
    i.resolved = std::nullopt;
    i.condition_active = false;
    i.clear_since = k_t0 + 20min;
    i.auto_severity = "P2";
    i.taxonomy = "DATA_QUALITY < FAILED_MIGRATION";
    return i;
}

// Every optional field empty, booleans at their other value.
Incident bare_incident(std::int64_t id) {
    Incident i;
    i.id = id;
    i.key = "manual:" + std::to_string(id);
    i.title = "Manual";
    i.severity = "P3";
    i.manual = true;
    i.detected = k_t0;
    i.impact_started = k_t0;
    return i;
}

// A list query with only what `set` changes from the defaults (all states, 100).
template <typename Set>
IncidentQuery query(Set set) {
    IncidentQuery q;
    set(q);
    return q;
}

IncidentEvent event(EventKind kind, std::string message, TimePoint at = k_t0, Actor actor = incident::tocsin_actor()) {
    IncidentEvent e;
    e.at = at;
    e.kind = kind;
    e.actor = std::move(actor);
    e.message = std::move(message);
    return e;
}

class IncidentRepositoryTest : public ::testing::Test {
protected:
    void SetUp() override { reopen(); }
    void reopen() {
        m_store.reset();
        m_store.emplace(Store::open(m_dir.file("tocsin.db")));
        m_repo.emplace(db());
    }
    Database& db() { return m_store->database(); }
    IncidentRepository& repo() { return *m_repo; }

    // One committed save.
    std::vector<IncidentEvent> save(const std::vector<IncidentUpdate>& updates) {
        auto tx = Transaction::begin(db());
        EXPECT_TRUE(tx.ok()) << tx.error().message;
        auto saved = repo().save(updates);
        EXPECT_TRUE(saved.ok()) << saved.error().message;
        auto committed = tx->commit();
        EXPECT_TRUE(committed.ok()) << committed.error().message;
        return saved ? *saved : std::vector<IncidentEvent>{};
    }

    std::int64_t count(std::string_view sql) {
        auto n = db().query_int64(sql);
        EXPECT_TRUE(n.ok()) << n.error().message;
        return n ? *n : -1;
    }

    testing::TempDir m_dir;
    std::optional<Store> m_store;
    std::optional<IncidentRepository> m_repo;
};

TEST_F(IncidentRepositoryTest, EveryFieldRoundTrips) {
    save({{full_incident(1), {}}, {bare_incident(2), {}}});
    reopen();  // from the file, not from a cache
    for (const Incident& expected : {full_incident(1), bare_incident(2)}) {
        auto found = repo().find(expected.id);
        ASSERT_TRUE(found.ok()) << found.error().message;
        ASSERT_TRUE(found->has_value());
        EXPECT_EQ(**found, expected) << "incident " << expected.id;
    }
    // Nullopts are NULL columns, not zeros.
    EXPECT_EQ(count("SELECT count(*) FROM incidents WHERE id = 2 AND impact IS NULL AND peak_impact IS NULL AND "
                    "acknowledged_ms IS NULL AND acknowledged_by_name IS NULL AND acknowledged_by_channel IS NULL "
                    "AND identified_ms IS NULL AND mitigated_ms IS NULL AND resolved_ms IS NULL AND "
                    "clear_since_ms IS NULL AND alerts = '[]' AND affected_components = '[]'"),
              1);
    // The JSON columns are plain JSON other tools can query.
    EXPECT_EQ(count("SELECT count(*) FROM incidents, json_each(incidents.alerts) WHERE incidents.id = 1 AND "
                    "json_extract(json_each.value, '$.instance') IN ('a:80', 'b:80')"),
              2);
    EXPECT_EQ(count("SELECT json_array_length(affected_components) FROM incidents WHERE id = 1"), 2);
    EXPECT_EQ(count("SELECT acknowledged_ms FROM incidents WHERE id = 1"), 1'700'000'240'000);
}

TEST_F(IncidentRepositoryTest, NanImpactIsStoredAsUnknown) {
    Incident i = bare_incident(1);
    i.impact = std::nan("");
    save({{i, {}}});
    auto found = repo().find(1);
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_FALSE((*found)->impact.has_value());
}

TEST_F(IncidentRepositoryTest, SaveUpsertsTheIncidentRow) {
    Incident i = full_incident(1);
    save({{i, {event(EventKind::opened, "opened")}}});
    i.state = IncidentState::resolved;
    i.resolved = k_t0 + 1h;
    i.impact = std::nullopt;
    i.acknowledged_by = std::nullopt;
    i.acknowledged = std::nullopt;
    i.alerts.pop_back();
    i.title = "renamed";
    save({{i, {event(EventKind::state_changed, "resolved", k_t0 + 1h)}}});
    EXPECT_EQ(count("SELECT count(*) FROM incidents"), 1);
    auto found = repo().find(1);
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ(**found, i);
    auto events = repo().events(1);
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(events->events.size(), 2u);
}

TEST_F(IncidentRepositoryTest, FindMissingIsNullopt) {
    auto found = repo().find(42);
    ASSERT_TRUE(found.ok());
    EXPECT_FALSE(found->has_value());
}

TEST_F(IncidentRepositoryTest, LoadOpenListAndMaxId) {
    auto empty = repo().max_id();
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(*empty, 0);
    std::vector<IncidentUpdate> updates;
    for (std::int64_t id : {3, 1, 7, 5}) {
        Incident i = bare_incident(id);
        if (id == 3 || id == 7) {
            i.state = IncidentState::resolved;
            i.resolved = k_t0 + 1h;
        }
        updates.push_back({i, {}});
    }
    save(updates);

    auto open = repo().load_open();
    ASSERT_TRUE(open.ok()) << open.error().message;
    ASSERT_EQ(open->incidents.size(), 2u);
    EXPECT_EQ(open->incidents[0].id, 1);
    EXPECT_EQ(open->incidents[1].id, 5);
    EXPECT_TRUE(open->warnings.empty());

    auto all = repo().list({});
    ASSERT_TRUE(all.ok());
    std::vector<std::int64_t> ids;
    for (const auto& i : all->incidents) ids.push_back(i.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{7, 5, 3, 1}));

    auto newest_two = repo().list(query([](auto& q) { q.limit = 2; }));
    ASSERT_TRUE(newest_two.ok());
    ASSERT_EQ(newest_two->incidents.size(), 2u);
    EXPECT_EQ(newest_two->incidents[0].id, 7);

    auto open_newest = repo().list(query([](auto& q) {
        q.open_only = true;
        q.limit = 1;
    }));
    ASSERT_TRUE(open_newest.ok());
    ASSERT_EQ(open_newest->incidents.size(), 1u);
    EXPECT_EQ(open_newest->incidents[0].id, 5);

    auto max = repo().max_id();
    ASSERT_TRUE(max.ok());
    EXPECT_EQ(*max, 7);
}

TEST_F(IncidentRepositoryTest, ListFiltersBySeverityComponentAndSince) {
    std::vector<IncidentUpdate> updates;
    for (std::int64_t id : {1, 2, 3, 4}) {
        Incident i = bare_incident(id);
        i.severity = id % 2 == 0 ? "P1" : "P2";
        i.component = id == 1 ? "api" : "db";
        if (id == 3) i.affected_components = {"api", "web"};
        i.detected = k_t0 + std::chrono::hours(id);
        if (id <= 2) {
            i.state = IncidentState::resolved;
            i.resolved = k_t0 + std::chrono::hours(id) + 30min;
        }
        updates.push_back({i, {}});
    }
    save(updates);
    auto ids = [&](const IncidentQuery& q) {
        std::vector<std::int64_t> out;
        auto listed = repo().list(q);
        EXPECT_TRUE(listed.ok()) << listed.error().message;
        if (listed.ok()) {
            for (const auto& i : listed->incidents) out.push_back(i.id);
        }
        return out;
    };
    EXPECT_EQ(ids(query([](auto& q) { q.severity = "P1"; })), (std::vector<std::int64_t>{4, 2}));
    // Main component or an affected one.
    EXPECT_EQ(ids(query([](auto& q) { q.component = "api"; })), (std::vector<std::int64_t>{3, 1}));
    EXPECT_EQ(ids(query([](auto& q) { q.component = "web"; })), (std::vector<std::int64_t>{3}));
    // Open at some moment since 2 h 40 min: 2 (resolved at 2 h 30) is out, 1 too.
    EXPECT_EQ(ids(query([](auto& q) { q.since = k_t0 + 2h + 40min; })), (std::vector<std::int64_t>{4, 3}));
    EXPECT_EQ(ids(query([](auto& q) { q.since = k_t0 + 2h + 10min; })), (std::vector<std::int64_t>{4, 3, 2}));
    EXPECT_EQ(ids(query([](auto& q) {
                  q.open_only = true;
                  q.severity = "P2";
                  q.component = "api";
              })),
              (std::vector<std::int64_t>{3}));
    EXPECT_TRUE(ids(query([](auto& q) { q.component = "nope"; })).empty());
}

// The status page's read: open incidents and those resolved since a time,
// each half through its partial index.
TEST_F(IncidentRepositoryTest, LoadSinceTakesOpenAndRecentlyResolved) {
    std::vector<IncidentUpdate> updates;
    for (std::int64_t id : {1, 2, 3, 4}) {
        Incident i = bare_incident(id);
        if (id != 2) {
            i.state = IncidentState::resolved;
            i.resolved = k_t0 + std::chrono::hours(id);  // 1 h, 3 h, 4 h
        }
        updates.push_back({i, {}});
    }
    save(updates);
    auto loaded = repo().load_since(k_t0 + 3h);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    std::vector<std::int64_t> ids;
    for (const auto& i : loaded->incidents) ids.push_back(i.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{2, 3, 4}));  // 3 resolved exactly at the boundary

    auto plan = db().prepare("EXPLAIN QUERY PLAN SELECT id FROM incidents WHERE state = 'resolved' AND resolved_ms >= 1");
    ASSERT_TRUE(plan.ok());
    std::string text;
    while (true) {
        auto row = plan->step();
        ASSERT_TRUE(row.ok());
        if (!*row) break;
        text += plan->column_text(3) + "\n";
    }
    EXPECT_TRUE(mentions(text, "incidents_resolved")) << text;
}

TEST_F(IncidentRepositoryTest, EventsGetIdsIncidentAndChainedHashes) {
    IncidentEvent other_incident = event(EventKind::component_affected, "checkout depends on api");
    other_incident.incident_id = 1;  // kept: not 0
    other_incident.id = 99;          // ignored: the store numbers events
    other_incident.hash = "forged";  // ignored
    auto appended = save({
        {full_incident(1), {event(EventKind::opened, "API down"), event(EventKind::note, "looking")}},
        {bare_incident(2), {event(EventKind::opened, "manual"), other_incident}},
    });
    ASSERT_EQ(appended.size(), 4u);
    std::string prev;
    for (std::size_t n = 0; n < appended.size(); ++n) {
        EXPECT_EQ(appended[n].id, static_cast<std::int64_t>(n + 1));
        EXPECT_EQ(appended[n].prev_hash, prev);
        EXPECT_EQ(appended[n].hash, event_hash(prev, appended[n]));
        EXPECT_EQ(appended[n].hash.size(), 64u);
        prev = appended[n].hash;
    }
    EXPECT_EQ(appended[0].incident_id, 1);
    EXPECT_EQ(appended[2].incident_id, 2);
    EXPECT_EQ(appended[3].incident_id, 1);

    auto first = repo().events(1);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_TRUE(first->warnings.empty());
    EXPECT_EQ(first->events, (std::vector<IncidentEvent>{appended[0], appended[1], appended[3]}));
    auto second = repo().events(2);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->events, std::vector<IncidentEvent>{appended[2]});
}

TEST_F(IncidentRepositoryTest, EventTimesAreMilliseconds) {
    IncidentEvent e = event(EventKind::note, "sub-millisecond", k_t0 + 1500us);
    auto appended = save({{bare_incident(1), {e}}});
    ASSERT_EQ(appended.size(), 1u);
    EXPECT_EQ(appended[0].at, k_t0 + 1ms);  // as stored and hashed
    auto events = repo().events(1);
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(events->events, appended);
    EXPECT_TRUE(audit_verify(db())->ok());
}

TEST_F(IncidentRepositoryTest, ChainContinuesAcrossSavesAndRestartsAndIdsAreNeverReused) {
    std::vector<IncidentEvent> all;
    for (int round = 0; round < 4; ++round) {
        Incident i = bare_incident(round % 2 + 1);
        auto appended = save({{i, {event(EventKind::note, "round " + std::to_string(round)),
                                   event(EventKind::note, "again " + std::to_string(round))}}});
        all.insert(all.end(), appended.begin(), appended.end());
        if (round == 1) reopen();
    }
    // An empty save and a save without events change nothing in the chain.
    save({});
    save({{bare_incident(3), {}}});
    ASSERT_EQ(all.size(), 8u);
    for (std::size_t n = 0; n < all.size(); ++n) {
        EXPECT_EQ(all[n].id, static_cast<std::int64_t>(n + 1));
        EXPECT_EQ(all[n].prev_hash, n == 0 ? "" : all[n - 1].hash);
    }
    auto head = audit_head(db());
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(*head, (AuditHead{8, 8, all.back().hash}));
    auto verdict = audit_verify(db());
    ASSERT_TRUE(verdict.ok());
    EXPECT_TRUE(verdict->ok()) << verdict->problem;
    EXPECT_EQ(verdict->checked, 8);

    // A failed save does not burn ids: the next one continues at 9.
    {
        auto tx = Transaction::begin(db());
        ASSERT_TRUE(tx.ok());
        Incident bad = bare_incident(4);
        bad.key = "";
        ASSERT_FALSE(repo().save({{bad, {event(EventKind::opened, "x")}}}).ok());
    }
    auto next = save({{bare_incident(1), {event(EventKind::note, "after the failure")}}});
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].id, 9);
    EXPECT_EQ(next[0].prev_hash, all.back().hash);
}

TEST_F(IncidentRepositoryTest, FailureMidwayLeavesNothingAfterRollback) {
    {
        auto tx = Transaction::begin(db());
        ASSERT_TRUE(tx.ok());
        Incident invalid = bare_incident(2);
        invalid.key = "";  // CHECK (length(key) > 0)
        auto saved = repo().save({
            {full_incident(1), {event(EventKind::opened, "first"), event(EventKind::note, "second")}},
            {invalid, {event(EventKind::opened, "never")}},
        });
        ASSERT_FALSE(saved.ok());
        EXPECT_EQ(saved.error().category, ErrorCategory::storage);
        EXPECT_TRUE(mentions(saved.error().message, "saving incident 2")) << saved.error().message;
        EXPECT_TRUE(mentions(saved.error().message, "CHECK")) << saved.error().message;
    }  // rolled back
    EXPECT_FALSE(db().in_transaction());
    EXPECT_EQ(count("SELECT count(*) FROM incidents"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM incident_events"), 0);

    // An event that fails (an incident that does not exist) after others went in.
    {
        auto tx = Transaction::begin(db());
        ASSERT_TRUE(tx.ok());
        IncidentEvent orphan = event(EventKind::note, "orphan");
        orphan.incident_id = 999;
        auto saved = repo().save({{full_incident(1), {event(EventKind::opened, "first"), orphan}}});
        ASSERT_FALSE(saved.ok());
        EXPECT_TRUE(mentions(saved.error().message, "appending event 2 of incident 999")) << saved.error().message;
        EXPECT_TRUE(mentions(saved.error().message, "FOREIGN KEY")) << saved.error().message;
    }
    EXPECT_EQ(count("SELECT count(*) FROM incidents"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM incident_events"), 0);
    auto head = audit_head(db());
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(*head, AuditHead{});
}

TEST_F(IncidentRepositoryTest, FailedSaveIsUndoneEvenIfTheCallerCommitsItsOtherWork) {
    auto tx = Transaction::begin(db());
    ASSERT_TRUE(tx.ok());
    RuleStateRow row;
    row.rule = "ApiDown";
    row.labels = Labels{{"alertname", "ApiDown"}};
    row.state = "pending";
    row.active_at = k_t0;
    row.last_eval_at = k_t0;
    ASSERT_TRUE(RuleStateRepository(db()).save(row).ok());
    Incident invalid = bare_incident(2);
    invalid.key = "";
    ASSERT_FALSE(repo().save({{bare_incident(1), {event(EventKind::opened, "x")}}, {invalid, {}}}).ok());
    EXPECT_TRUE(db().in_transaction());
    ASSERT_TRUE(tx->commit().ok());
    EXPECT_EQ(count("SELECT count(*) FROM rule_state"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM incidents"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM incident_events"), 0);
}

TEST_F(IncidentRepositoryTest, SavedEventsCannotBeUpdatedOrDeleted) {
    save({{full_incident(1), {event(EventKind::opened, "API down")}}});
    for (const char* sql : {"UPDATE incident_events SET message = 'nothing happened'",
                            "DELETE FROM incident_events WHERE id = 1"}) {
        auto status = db().exec(sql);
        ASSERT_FALSE(status.ok()) << sql;
        EXPECT_TRUE(mentions(status.error().message, "append-only")) << status.error().message;
    }
    // Nor can the incident go while its events reference it.
    EXPECT_FALSE(db().exec("DELETE FROM incidents WHERE id = 1").ok());
    EXPECT_EQ(count("SELECT count(*) FROM incident_events WHERE message = 'API down'"), 1);
}

TEST_F(IncidentRepositoryTest, UnreadableRowsAreSkippedWithAWarning) {
    save({{bare_incident(1), {event(EventKind::opened, "one")}},
          {bare_incident(2), {}},
          {bare_incident(3), {}},
          {bare_incident(4), {}}});
    // What a newer or damaged writer might leave behind, past the CHECKs.
    ASSERT_TRUE(db().exec("PRAGMA ignore_check_constraints = ON; "
                          "UPDATE incidents SET alerts = '{\"not\":\"an array\"}' WHERE id = 2; "
                          "UPDATE incidents SET state = 'closed' WHERE id = 3; "
                          "UPDATE incidents SET affected_components = '[1, 2]' WHERE id = 4; "
                          "PRAGMA ignore_check_constraints = OFF;")
                    .ok());
    auto open = repo().load_open();
    ASSERT_TRUE(open.ok()) << open.error().message;
    ASSERT_EQ(open->incidents.size(), 1u);
    EXPECT_EQ(open->incidents[0].id, 1);
    ASSERT_EQ(open->warnings.size(), 3u);
    EXPECT_EQ(open->warnings[0], "incident 2: alerts are not a JSON array of label objects; row ignored");
    EXPECT_EQ(open->warnings[1], "incident 3: unknown state \"closed\"; row ignored");
    EXPECT_EQ(open->warnings[2], "incident 4: affected_components is not a JSON array of strings; row ignored");

    auto listed = repo().list({});
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->incidents.size(), 1u);
    EXPECT_EQ(listed->warnings.size(), 3u);

    auto found = repo().find(3);
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.error().message, "incident 3: unknown state \"closed\"");

    // An event of a kind this build does not know (audit_test checks that
    // the chain still verifies over it).
    ASSERT_TRUE(db().exec("INSERT INTO incident_events (id, incident_id, at_ms, kind, actor, channel, message, "
                          "detail, prev_hash, hash) VALUES (2, 1, 0, 'teleported', 'tocsin', 'rule', '', '', "
                          "'', '')")
                    .ok());
    auto events = repo().events(1);
    ASSERT_TRUE(events.ok()) << events.error().message;
    ASSERT_EQ(events->events.size(), 1u);
    ASSERT_EQ(events->warnings.size(), 1u);
    EXPECT_EQ(events->warnings[0], "event 2 of incident 1: unknown kind \"teleported\"; row ignored");
}

TEST(EventHash, FollowsTheDocumentedFormat) {
    // The example in incident_repository.hpp, hashed with Python's hashlib:
    //   sha256(b"0:,1:1,1:7,13:1700000000000,6:opened,6:tocsin,4:rule,8:API down,0:,")
    IncidentEvent e;
    e.id = 1;
    e.incident_id = 7;
    e.at = from_unix_millis(1'700'000'000'000);
    e.kind = EventKind::opened;
    e.actor = Actor{"tocsin", "rule"};
    e.message = "API down";
    const std::string first = event_hash("", e);
    EXPECT_EQ(first, "68832e8b02e993108d9999521f66b924c56d405b3cb2e85e8c88fecd1532ec4d");

    // Chained, with multi-byte UTF-8 (lengths count bytes).
    IncidentEvent ack;
    ack.id = 2;
    ack.incident_id = 7;
    ack.at = from_unix_millis(1'700'000'060'000);
    ack.kind = EventKind::acknowledged;
    ack.actor = Actor{"alice", "telegram"};
    ack.message = "on it — é";
    EXPECT_EQ(event_hash(first, ack), "f54b19e605dbb44ecaddc57350dba3a0ee9a63f7a16695c9cbf174a3191b493a");

    // The event's own hash fields are not hashed.
    IncidentEvent with_hashes = ack;
    with_hashes.prev_hash = "x";
    with_hashes.hash = "y";
    EXPECT_EQ(event_hash(first, with_hashes), event_hash(first, ack));
}

TEST(EventHash, EveryFieldAndFieldBoundaryCounts) {
    IncidentEvent base;
    base.id = 5;
    base.incident_id = 2;
    base.at = k_t0;
    base.kind = EventKind::note;
    base.actor = Actor{"alice", "cli"};
    base.message = "ab";
    base.detail = "c";
    const std::string h = event_hash("prev", base);
    std::vector<IncidentEvent> variants(9, base);
    variants[0].id = 6;
    variants[1].incident_id = 3;
    variants[2].at = k_t0 + 1ms;
    variants[3].kind = EventKind::acknowledged;
    variants[4].actor.name = "alicf";
    variants[5].actor.channel = "api";
    variants[6].message = "a";  // moving a byte across the boundary
    variants[6].detail = "bc";
    variants[7].actor = Actor{"alic", "ecli"};
    variants[8].message = "ab ";
    for (std::size_t n = 0; n < variants.size(); ++n) EXPECT_NE(event_hash("prev", variants[n]), h) << n;
    EXPECT_NE(event_hash("prev2", base), h);
    EXPECT_EQ(event_hash("prev", base), h);
}

}  // namespace
}  // namespace tocsin::store
