// The outbox in a real SQLite file: every transition and the ones refused,
// duplicate idempotency keys, enqueue inside the incident's transaction,
// ordering and limits of due(), cancelling by key prefix, threading, counts,
// the payload's JSON, recovery after a process died mid-delivery, and
// digests (which rows may go together, membership, the incidents of one).
#include "tocsin/store/outbox_repository.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::store {
namespace {

using namespace std::chrono_literals;

const TimePoint k_t0 = from_unix_millis(1'700'000'000'000);

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

notify::Notification page(std::int64_t incident_id, std::string key) {
    notify::Notification n;
    n.idempotency_key = std::move(key);
    n.incident_id = incident_id;
    n.subject = "[P1] API down";
    n.text = "Incident #" + std::to_string(incident_id) + " is firing.\n\"quoted\" \\ é";
    n.actionable = true;
    return n;
}

OutboxEntry entry(std::int64_t incident_id, std::string key, TimePoint due = k_t0, std::string channel = "telegram",
                  std::string recipient = "-100123") {
    OutboxEntry e = make_outbox_entry(page(incident_id, key), std::move(channel), std::move(recipient), k_t0 - 1min);
    e.next_attempt_at = due;
    return e;
}

class OutboxRepositoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        reopen();
        for (int id : {1, 2}) {
            auto status = db().exec(
                "INSERT INTO incidents (id, key, title, severity, state, impact_started_ms, "
                "detected_ms) VALUES (" +
                std::to_string(id) + ", 'k" + std::to_string(id) + "', 'API down', 'P1', 'investigating', 0, 0)");
            ASSERT_TRUE(status.ok()) << status.error().message;
        }
        auto event = db().exec(
            "INSERT INTO incident_events (id, incident_id, at_ms, kind, actor, channel, message, detail, prev_hash, "
            "hash) VALUES (1, 1, 0, 'opened', 'tocsin', 'rule', 'API down', '', '', 'h1')");
        ASSERT_TRUE(event.ok()) << event.error().message;
    }
    void reopen() {
        m_repo.reset();
        m_store.reset();
        m_store.emplace(Store::open(path()));
        m_repo.emplace(db());
    }
    std::string path() const { return m_dir.file("tocsin.db"); }
    Database& db() { return m_store->database(); }
    OutboxRepository& repo() { return *m_repo; }

    std::int64_t add(const OutboxEntry& e) {
        auto r = repo().enqueue(e);
        EXPECT_TRUE(r.ok()) << r.error().message;
        EXPECT_TRUE(r.ok() && r->inserted);
        return r.ok() ? r->id : 0;
    }
    OutboxRow row(std::int64_t id) {
        auto r = repo().find(id);
        EXPECT_TRUE(r.ok()) << r.error().message;
        if (!r.ok() || !r->has_value()) {
            ADD_FAILURE() << "no outbox row " << id;
            return {};
        }
        return **r;
    }
    std::vector<std::int64_t> due_ids(TimePoint now, std::size_t limit = 100) {
        auto rows = repo().due(now, limit);
        EXPECT_TRUE(rows.ok()) << rows.error().message;
        std::vector<std::int64_t> ids;
        if (rows.ok()) {
            for (const auto& r : *rows) ids.push_back(r.id);
        }
        return ids;
    }
    std::int64_t count(std::string_view sql) {
        auto n = db().query_int64(sql);
        EXPECT_TRUE(n.ok()) << n.error().message;
        return n ? *n : -1;
    }

    testing::TempDir m_dir;
    std::optional<Store> m_store;
    std::optional<OutboxRepository> m_repo;
};

TEST_F(OutboxRepositoryTest, EnqueuedRowRoundTripsFromTheFile) {
    OutboxEntry e = entry(1, "inc-1/page-1/telegram/-100123");
    e.event_id = 1;
    const std::int64_t id = add(e);
    reopen();
    OutboxRow r = row(id);
    EXPECT_EQ(static_cast<const OutboxEntry&>(r), e);
    EXPECT_EQ(r.id, id);
    EXPECT_EQ(r.state, OutboxState::pending);
    EXPECT_EQ(r.attempts, 0);
    EXPECT_EQ(r.last_error, "");
    EXPECT_EQ(r.sent_at, std::nullopt);
    EXPECT_EQ(r.remote_id, "");
    auto n = notification_from_json(r.payload);
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->subject, "[P1] API down");
    EXPECT_EQ(n->idempotency_key, "inc-1/page-1/telegram/-100123");
    auto by_key = repo().find_by_key("inc-1/page-1/telegram/-100123");
    ASSERT_TRUE(by_key.ok() && by_key->has_value());
    EXPECT_EQ((*by_key)->id, id);
}

TEST_F(OutboxRepositoryTest, WithoutAnIncidentTheColumnIsNull) {
    notify::Notification test_page = page(0, "test-page/alice");
    const std::int64_t id = add(make_outbox_entry(test_page, "email", "alice@example.com", k_t0));
    EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE incident_id IS NULL AND event_id IS NULL"), 1);
    EXPECT_EQ(row(id).incident_id, 0);
}

TEST_F(OutboxRepositoryTest, DuplicateKeyIsANoOpInAnyState) {
    const std::int64_t id = add(entry(1, "inc-1/page-1/telegram/-100123"));
    OutboxEntry again = entry(1, "inc-1/page-1/telegram/-100123", k_t0 + 1h, "email", "other@example.com");
    again.payload = "{\"subject\":\"different\",\"text\":\"\"}";
    auto dup = repo().enqueue(again);
    ASSERT_TRUE(dup.ok()) << dup.error().message;
    EXPECT_FALSE(dup->inserted);
    EXPECT_EQ(dup->id, id);
    EXPECT_EQ(row(id).channel, "telegram");  // the first one stands, untouched
    EXPECT_EQ(row(id).next_attempt_at, k_t0);

    ASSERT_TRUE(repo().mark_sent(id, k_t0, "7").ok());
    dup = repo().enqueue(again);
    ASSERT_TRUE(dup.ok()) << dup.error().message;
    EXPECT_FALSE(dup->inserted);
    EXPECT_EQ(row(id).state, OutboxState::sent);
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), 1);
}

TEST_F(OutboxRepositoryTest, EnqueueCommitsOrRollsBackWithTheIncidentChange) {
    {
        auto tx = Transaction::begin(db());
        ASSERT_TRUE(tx.ok());
        ASSERT_TRUE(db().exec("UPDATE incidents SET state = 'identified' WHERE id = 1").ok());
        ASSERT_TRUE(repo().enqueue(entry(1, "rolled-back")).ok());
        // No commit: the destructor rolls both back.
    }
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM incidents WHERE state = 'identified'"), 0);
    {
        auto tx = Transaction::begin(db());
        ASSERT_TRUE(tx.ok());
        ASSERT_TRUE(db().exec("UPDATE incidents SET state = 'identified' WHERE id = 1").ok());
        ASSERT_TRUE(repo().enqueue(entry(1, "committed")).ok());
        ASSERT_TRUE(tx->commit().ok());
    }
    reopen();
    EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE idempotency_key = 'committed'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM incidents WHERE state = 'identified'"), 1);
}

TEST_F(OutboxRepositoryTest, RefusesEntriesWithoutChannelKeyOrKnownIncident) {
    OutboxEntry no_channel = entry(1, "k");
    no_channel.channel.clear();
    auto r = repo().enqueue(no_channel);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::invalid_argument);
    OutboxEntry no_key = entry(1, "");
    r = repo().enqueue(no_key);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::invalid_argument);
    r = repo().enqueue(entry(99, "inc-99/page"));
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r.error().message, "inc-99/page")) << r.error().message;
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
}

TEST_F(OutboxRepositoryTest, DueIsPendingRowsLongestDueFirstWithinTheLimit) {
    const std::int64_t a = add(entry(1, "a", k_t0 + 2s));
    const std::int64_t b = add(entry(1, "b", k_t0));
    const std::int64_t c = add(entry(2, "c", k_t0 + 1s));
    const std::int64_t d = add(entry(2, "d", k_t0));  // same time as b: by id
    const std::int64_t later = add(entry(2, "later", k_t0 + 1h));
    const std::int64_t sending = add(entry(1, "sending", k_t0 - 1h));
    ASSERT_TRUE(*repo().mark_sending(sending));

    EXPECT_EQ(due_ids(k_t0 - 1s), std::vector<std::int64_t>{});
    EXPECT_EQ(due_ids(k_t0), (std::vector<std::int64_t>{b, d}));
    EXPECT_EQ(due_ids(k_t0 + 2s), (std::vector<std::int64_t>{b, d, c, a}));
    EXPECT_EQ(due_ids(k_t0 + 2s, 3), (std::vector<std::int64_t>{b, d, c}));
    EXPECT_EQ(due_ids(k_t0 + 2s, 0), std::vector<std::int64_t>{});
    EXPECT_EQ(due_ids(k_t0 + 1h, static_cast<std::size_t>(-1)), (std::vector<std::int64_t>{b, d, c, a, later}));

    auto next = repo().next_due();
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, k_t0);  // the 'sending' row is not pending
    for (std::int64_t id : {a, b, c, d, later}) ASSERT_TRUE(repo().mark_failed(id, "x").ok());
    next = repo().next_due();
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, std::nullopt);
}

TEST_F(OutboxRepositoryTest, ClaimThenSent) {
    const std::int64_t id = add(entry(1, "k"));
    auto claimed = repo().mark_sending(id);
    ASSERT_TRUE(claimed.ok());
    EXPECT_TRUE(*claimed);
    EXPECT_EQ(row(id).state, OutboxState::sending);
    EXPECT_EQ(due_ids(k_t0 + 1h), std::vector<std::int64_t>{});
    claimed = repo().mark_sending(id);  // a second claim loses
    ASSERT_TRUE(claimed.ok());
    EXPECT_FALSE(*claimed);

    ASSERT_TRUE(repo().mark_sent(id, k_t0 + 3s, "<abc@alerts.example.com>").ok());
    OutboxRow r = row(id);
    EXPECT_EQ(r.state, OutboxState::sent);
    EXPECT_EQ(r.sent_at, k_t0 + 3s);
    EXPECT_EQ(r.remote_id, "<abc@alerts.example.com>");
    EXPECT_EQ(r.attempts, 1);

    // Final: nothing moves it again.
    auto again = repo().mark_sent(id, k_t0 + 4s, "other");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().category, ErrorCategory::not_found);
    EXPECT_FALSE(repo().schedule_retry(id, 2, k_t0 + 1min, "x").ok());
    EXPECT_FALSE(repo().mark_failed(id, "x").ok());
    EXPECT_FALSE(*repo().mark_sending(id));
    EXPECT_FALSE(*repo().postpone(id, k_t0 + 1h));
    EXPECT_EQ(row(id), r);
}

TEST_F(OutboxRepositoryTest, RetryGoesBackToPendingWithItsAttemptsAndError) {
    const std::int64_t id = add(entry(1, "k"));
    ASSERT_TRUE(*repo().mark_sending(id));
    ASSERT_TRUE(repo().schedule_retry(id, 1, k_t0 + 10s, "HTTP 502").ok());
    OutboxRow r = row(id);
    EXPECT_EQ(r.state, OutboxState::pending);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.next_attempt_at, k_t0 + 10s);
    EXPECT_EQ(r.last_error, "HTTP 502");
    EXPECT_EQ(due_ids(k_t0 + 9s), std::vector<std::int64_t>{});
    EXPECT_EQ(due_ids(k_t0 + 10s), std::vector<std::int64_t>{id});

    ASSERT_TRUE(*repo().mark_sending(id));
    ASSERT_TRUE(repo().mark_sent(id, k_t0 + 11s, "").ok());
    r = row(id);
    EXPECT_EQ(r.attempts, 2);
    EXPECT_EQ(r.last_error, "");  // cleared once sent
    EXPECT_EQ(r.remote_id, "");
    EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE remote_id IS NULL AND last_error IS NULL"), 1);
}

TEST_F(OutboxRepositoryTest, FailedIsFinal) {
    const std::int64_t id = add(entry(1, "k"));
    ASSERT_TRUE(*repo().mark_sending(id));
    ASSERT_TRUE(repo().mark_failed(id, "403 bot was blocked").ok());
    OutboxRow r = row(id);
    EXPECT_EQ(r.state, OutboxState::failed);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.last_error, "403 bot was blocked");
    EXPECT_FALSE(repo().mark_sent(id, k_t0, "1").ok());
    EXPECT_FALSE(repo().schedule_retry(id, 2, k_t0, "x").ok());
    EXPECT_EQ(*repo().recover(k_t0), 0);
    EXPECT_EQ(row(id).state, OutboxState::failed);

    // A pending row may be failed without a claim (e.g. its channel is gone).
    const std::int64_t unclaimed = add(entry(1, "k2"));
    ASSERT_TRUE(repo().mark_failed(unclaimed, "no channel").ok());
    EXPECT_EQ(row(unclaimed).state, OutboxState::failed);
}

TEST_F(OutboxRepositoryTest, PostponeMovesOnlyPendingRowsWithoutCountingAnAttempt) {
    const std::int64_t id = add(entry(1, "k"));
    auto moved = repo().postpone(id, k_t0 + 1s);
    ASSERT_TRUE(moved.ok());
    EXPECT_TRUE(*moved);
    OutboxRow r = row(id);
    EXPECT_EQ(r.next_attempt_at, k_t0 + 1s);
    EXPECT_EQ(r.attempts, 0);
    ASSERT_TRUE(*repo().mark_sending(id));
    EXPECT_FALSE(*repo().postpone(id, k_t0 + 2s));
    EXPECT_EQ(row(id).next_attempt_at, k_t0 + 1s);
}

TEST_F(OutboxRepositoryTest, CancelForIncidentTakesPendingRowsWithThePrefix) {
    const std::int64_t repage1 = add(entry(1, "inc-1/repage/1"));
    const std::int64_t repage2 = add(entry(1, "inc-1/repage/2", k_t0 + 1h));
    const std::int64_t status = add(entry(1, "inc-1/status/1"));
    const std::int64_t in_flight = add(entry(1, "inc-1/repage/3"));
    const std::int64_t sent = add(entry(1, "inc-1/repage/0"));
    const std::int64_t other_incident = add(entry(2, "inc-1/repage/9"));
    ASSERT_TRUE(*repo().mark_sending(in_flight));
    ASSERT_TRUE(repo().mark_sent(sent, k_t0, "1").ok());

    auto cancelled = repo().cancel_for_incident(1, "inc-1/repage/");
    ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
    EXPECT_EQ(*cancelled, 2);
    EXPECT_EQ(row(repage1).state, OutboxState::cancelled);
    EXPECT_EQ(row(repage2).state, OutboxState::cancelled);
    EXPECT_EQ(row(status).state, OutboxState::pending);
    EXPECT_EQ(row(in_flight).state, OutboxState::sending);  // in flight: it finishes
    EXPECT_EQ(row(sent).state, OutboxState::sent);
    EXPECT_EQ(row(other_incident).state, OutboxState::pending);
    EXPECT_FALSE(repo().mark_sent(repage1, k_t0, "").ok());  // final

    // Prefix characters are literal, not LIKE patterns.
    EXPECT_EQ(*repo().cancel_for_incident(1, "inc-1/%"), 0);
    EXPECT_EQ(*repo().cancel_for_incident(1, "inc_1"), 0);
    // The empty prefix: everything pending of the incident.
    EXPECT_EQ(*repo().cancel_for_incident(1), 1);
    EXPECT_EQ(row(status).state, OutboxState::cancelled);
    EXPECT_EQ(row(other_incident).state, OutboxState::pending);
}

TEST_F(OutboxRepositoryTest, RecoverAfterAProcessDiedMidDelivery) {
    const std::int64_t due_later = add(entry(1, "inc-1/page-2", k_t0 + 1h));
    const std::int64_t id = add(entry(1, "inc-1/page-1"));
    const std::int64_t untouched = add(entry(2, "inc-2/page-1", k_t0 + 2h));
    ASSERT_TRUE(repo().schedule_retry(id, 2, k_t0, "HTTP 502").ok());
    m_repo.reset();
    m_store.reset();

    // A child claims two rows and dies without recording an outcome, as a
    // daemon killed while the channel talks to the server.
    pid_t child = fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        Store store = Store::open(path());
        OutboxRepository child_repo(store.database());
        auto a = child_repo.mark_sending(id);
        auto b = child_repo.mark_sending(due_later);
        _exit(a.ok() && *a && b.ok() && *b ? 0 : 1);  // no destructors, no close
    }
    int wstatus = 0;
    ASSERT_EQ(waitpid(child, &wstatus, 0), child);
    ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

    reopen();
    EXPECT_EQ(row(id).state, OutboxState::sending);
    EXPECT_EQ(due_ids(k_t0 + 3h), std::vector<std::int64_t>{untouched});  // claimed rows are not due

    const TimePoint restart = k_t0 + 5min;
    auto recovered = repo().recover(restart);
    ASSERT_TRUE(recovered.ok()) << recovered.error().message;
    EXPECT_EQ(*recovered, 2);
    OutboxRow r = row(id);
    EXPECT_EQ(r.state, OutboxState::pending);
    EXPECT_EQ(r.idempotency_key, "inc-1/page-1");  // resent as the same page
    EXPECT_EQ(r.attempts, 2);                      // the interrupted attempt is not counted
    EXPECT_EQ(r.last_error, "HTTP 502");
    EXPECT_EQ(r.next_attempt_at, k_t0);                  // was due before the restart: stays so
    EXPECT_EQ(row(due_later).next_attempt_at, restart);  // due now, not in an hour
    EXPECT_EQ(due_ids(restart), (std::vector<std::int64_t>{id, due_later}));
    EXPECT_EQ(*repo().recover(restart), 0);
}

TEST_F(OutboxRepositoryTest, ThreadRootIsTheFirstSentOfTheIncidentChannelAndRecipient) {
    auto root = repo().thread_root(1, "telegram", "-100123");
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, std::nullopt);

    const std::int64_t first = add(entry(1, "inc-1/page-1"));
    const std::int64_t second = add(entry(1, "inc-1/page-2"));
    const std::int64_t pending = add(entry(1, "inc-1/page-0"));
    const std::int64_t other_recipient = add(entry(1, "inc-1/page-1/other", k_t0, "telegram", "42"));
    const std::int64_t other_channel = add(entry(1, "inc-1/page-1/email", k_t0, "email", "-100123"));
    const std::int64_t other_incident = add(entry(2, "inc-2/page-1"));
    // The second row was sent first (the first was retried): it is the root.
    ASSERT_TRUE(repo().mark_sent(second, k_t0 + 1s, "501").ok());
    ASSERT_TRUE(repo().mark_sent(first, k_t0 + 5s, "502").ok());
    ASSERT_TRUE(repo().mark_sent(other_recipient, k_t0, "601").ok());
    ASSERT_TRUE(repo().mark_sent(other_channel, k_t0, "<x@y>").ok());
    ASSERT_TRUE(repo().mark_sent(other_incident, k_t0, "701").ok());
    (void)pending;

    root = repo().thread_root(1, "telegram", "-100123");
    ASSERT_TRUE(root.ok()) << root.error().message;
    ASSERT_TRUE(root->has_value());
    EXPECT_EQ((*root)->id, second);
    EXPECT_EQ((*root)->idempotency_key, "inc-1/page-2");
    EXPECT_EQ((*root)->remote_id, "501");
    EXPECT_EQ((*repo().thread_root(1, "telegram", "42"))->remote_id, "601");
    EXPECT_EQ((*repo().thread_root(1, "email", "-100123"))->remote_id, "<x@y>");
    EXPECT_EQ(*repo().thread_root(2, "email", "-100123"), std::nullopt);
}

TEST_F(OutboxRepositoryTest, EarlierPendingIsTheSameIncidentChannelAndRecipientQueuedBefore) {
    const std::int64_t page1 = add(entry(1, "inc-1/page-1", k_t0 + 30s));
    const std::int64_t other_chat = add(entry(1, "inc-1/page-1/42", k_t0 + 10s, "telegram", "42"));
    const std::int64_t other_incident = add(entry(2, "inc-2/page-1", k_t0 + 5s));
    const std::int64_t page2 = add(entry(1, "inc-1/page-2", k_t0 + 20s));
    const std::int64_t update = add(entry(1, "inc-1/update-1", k_t0));
    auto earlier = [&](std::int64_t id) {
        auto r = repo().earlier_pending(row(id));
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? *r : std::nullopt;
    };
    EXPECT_EQ(earlier(page1), std::nullopt);
    EXPECT_EQ(earlier(other_chat), std::nullopt);
    EXPECT_EQ(earlier(other_incident), std::nullopt);
    EXPECT_EQ(earlier(page2), k_t0 + 30s);
    EXPECT_EQ(earlier(update), k_t0 + 20s);
    ASSERT_TRUE(repo().mark_sent(page2, k_t0, "1").ok());
    ASSERT_TRUE(*repo().mark_sending(page1));
    EXPECT_EQ(earlier(update), std::nullopt);  // only pending rows hold it back
    EXPECT_EQ(earlier(add(make_outbox_entry(page(0, "test-1"), "telegram", "-100123", k_t0))), std::nullopt);
}

TEST_F(OutboxRepositoryTest, CountsByStateAndRowsOfAnIncident) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 6; ++i) ids.push_back(add(entry(i < 5 ? 1 : 2, "k" + std::to_string(i))));
    ASSERT_TRUE(*repo().mark_sending(ids[0]));
    ASSERT_TRUE(repo().mark_sent(ids[1], k_t0, "1").ok());
    ASSERT_TRUE(repo().mark_sent(ids[2], k_t0, "2").ok());
    ASSERT_TRUE(repo().mark_failed(ids[3], "x").ok());
    ASSERT_TRUE(repo().cancel_for_incident(1, "k4").ok());
    auto counts = repo().counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(*counts, (OutboxCounts{1, 1, 2, 1, 1}));
    EXPECT_EQ(counts->of(OutboxState::sent), 2);

    auto rows = repo().for_incident(1);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 5u);
    EXPECT_EQ((*rows)[0].state, OutboxState::sending);
    EXPECT_EQ((*rows)[4].state, OutboxState::cancelled);
}

TEST_F(OutboxRepositoryTest, DigestibleIsEachIncidentsEarliestPendingRowDueForTheRecipient) {
    ASSERT_TRUE(db().exec("INSERT INTO incidents (id, key, title, severity, state, impact_started_ms, detected_ms) "
                          "VALUES (3, 'k3', 'DB down', 'P2', 'investigating', 0, 0)")
                    .ok());
    const std::int64_t page1 = add(entry(1, "inc-1/page-1", k_t0 + 2s));
    const std::int64_t update1 = add(entry(1, "inc-1/update-1", k_t0));  // waits behind page-1
    const std::int64_t page2 = add(entry(2, "inc-2/page-1", k_t0 + 1s));
    const std::int64_t later3 = add(entry(3, "inc-3/page-1", k_t0 + 1h));       // not due
    add(entry(2, "inc-2/page-1/42", k_t0, "telegram", "42"));                   // another chat
    add(entry(2, "inc-2/page-1/mail", k_t0, "email", "-100123"));               // another channel
    add(make_outbox_entry(page(0, "test-page"), "telegram", "-100123", k_t0));  // no incident
    auto ids = [&](TimePoint now, std::size_t limit = 100) {
        auto rows = repo().digestible("telegram", "-100123", now, limit);
        EXPECT_TRUE(rows.ok()) << rows.error().message;
        std::vector<std::int64_t> out;
        if (rows.ok()) {
            for (const auto& r : *rows) out.push_back(r.id);
        }
        return out;
    };
    EXPECT_EQ(ids(k_t0 + 5s), (std::vector<std::int64_t>{page2, page1}));  // longest due first
    EXPECT_EQ(ids(k_t0 + 5s, 1), (std::vector<std::int64_t>{page2}));
    EXPECT_EQ(ids(k_t0 + 1s), (std::vector<std::int64_t>{page2}));
    EXPECT_EQ(ids(k_t0 + 2h), (std::vector<std::int64_t>{page2, page1, later3}));
    // Once page-1 is in flight or done, its follow-up is the incident's earliest.
    ASSERT_TRUE(*repo().mark_sending(page1));
    EXPECT_EQ(ids(k_t0 + 5s), (std::vector<std::int64_t>{update1, page2}));
}

TEST_F(OutboxRepositoryTest, DigestMembershipAndItsIncidents) {
    const std::int64_t a = add(entry(2, "inc-2/page-1"));
    const std::int64_t b = add(entry(1, "inc-1/page-1"));
    const std::int64_t c = add(entry(1, "inc-1/page-1/fallback/email/x@example.com", k_t0, "email", "x@example.com"));
    const std::int64_t done = add(entry(2, "inc-2/page-2"));
    ASSERT_TRUE(repo().mark_sent(done, k_t0, "9").ok());
    const std::vector<std::int64_t> members{a, b, c, done};
    ASSERT_TRUE(*repo().mark_sending(a));
    auto marked = repo().mark_digest(a, members);
    ASSERT_TRUE(marked.ok()) << marked.error().message;
    EXPECT_EQ(*marked, 3);           // not the row already sent
    EXPECT_EQ(row(a).digest_of, a);  // the lead points at itself
    EXPECT_EQ(row(b).digest_of, a);
    EXPECT_EQ(row(done).digest_of, 0);
    auto incidents = repo().digest_incidents(a);
    ASSERT_TRUE(incidents.ok()) << incidents.error().message;
    EXPECT_EQ(*incidents, (std::vector<std::int64_t>{2, 1}));  // each once, in row order
    auto rows = repo().digest_rows(a);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 3u);
    EXPECT_EQ((*rows)[2].id, c);
    EXPECT_TRUE(repo().digest_incidents(b)->empty());
    EXPECT_TRUE(repo().digest_incidents(12345)->empty());
    // Sent again in another digest (after a retry): the latest one counts.
    ASSERT_TRUE(repo().schedule_retry(a, 1, k_t0, "x").ok());
    ASSERT_EQ(*repo().mark_digest(b, std::vector<std::int64_t>{b, c}), 2);
    EXPECT_EQ(*repo().digest_incidents(b), (std::vector<std::int64_t>{1}));
    EXPECT_EQ(*repo().digest_incidents(a), (std::vector<std::int64_t>{2}));
    // digest_of survives a reopen and is a real reference.
    reopen();
    EXPECT_EQ(row(c).digest_of, b);
    EXPECT_FALSE(db().exec("UPDATE outbox SET digest_of = 999 WHERE id = " + std::to_string(a)).ok());
}

TEST(OutboxStates, RoundTripTheirNames) {
    for (OutboxState s :
         {OutboxState::pending, OutboxState::sending, OutboxState::sent, OutboxState::failed, OutboxState::cancelled}) {
        EXPECT_EQ(parse_outbox_state(to_string(s)), s);
    }
    EXPECT_EQ(parse_outbox_state("done"), std::nullopt);
}

TEST(NotificationJson, RoundTrips) {
    notify::Notification n = page(42, "inc-42/page-1/telegram/-100123");
    n.thread_root = "<root@alerts.example.com>";
    auto back = notification_from_json(notification_to_json(n));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->idempotency_key, n.idempotency_key);
    EXPECT_EQ(back->incident_id, 42);
    EXPECT_EQ(back->thread_root, n.thread_root);
    EXPECT_EQ(back->subject, n.subject);
    EXPECT_EQ(back->text, n.text);
    EXPECT_TRUE(back->actionable);
    EXPECT_EQ(notification_to_json(*back), notification_to_json(n));
}

TEST(NotificationJson, ADigestRoundTrips) {
    notify::Notification n;
    n.idempotency_key = "inc-1/page-1/telegram/-100123/digest";
    n.subject = "[P1] 2 incidents";
    n.text = "...";
    n.actionable = true;
    n.digest = {{1, "[P1] #1 API down", true}, {2, "[P1] #2 \"DB\" down", false}};
    n.digest_id = 17;
    const std::string json = notification_to_json(n);
    auto back = notification_from_json(json);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->digest, n.digest);
    EXPECT_EQ(back->digest_id, 17);
    EXPECT_TRUE(back->is_digest());
    EXPECT_EQ(notification_to_json(*back), json);
    // A page that is not a digest carries neither member.
    EXPECT_EQ(notification_to_json(page(1, "k")).find("digest"), std::string::npos);
    for (const char* bad : {R"({"subject":"s","text":"t","digest":{}})", R"({"subject":"s","text":"t","digest":[1]})",
                            R"({"subject":"s","text":"t","digest":[{"subject":"x"}]})",
                            R"({"subject":"s","text":"t","digest":[{"incident_id":1,"subject":2}]})",
                            R"({"subject":"s","text":"t","digest":[{"incident_id":1,"subject":"x","actionable":0}]})",
                            R"({"subject":"s","text":"t","digest_id":"7"})"}) {
        auto r = notification_from_json(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_TRUE(mentions(r.error().message, "digest")) << r.error().message;
    }
}

TEST(NotificationJson, MissingOptionalMembersTakeDefaultsAndUnknownOnesAreIgnored) {
    auto n = notification_from_json(R"({"subject":"s","text":"t","future":{"x":1}})");
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->subject, "s");
    EXPECT_EQ(n->incident_id, 0);
    EXPECT_FALSE(n->actionable);
    EXPECT_EQ(n->thread_root, "");
}

TEST(NotificationJson, BadPayloadsAreErrorsNamingTheMember) {
    struct Case {
        const char* json;
        const char* expect;
    };
    for (const Case& c :
         {Case{"page", "not JSON"}, Case{"[1]", "not a JSON object"}, Case{R"({"text":"t"})", "subject is missing"},
          Case{R"({"subject":"s"})", "text is missing"}, Case{R"({"subject":1,"text":"t"})", "subject is not a string"},
          Case{R"({"subject":"s","text":"t","incident_id":"42"})", "incident_id"},
          Case{R"({"subject":"s","text":"t","incident_id":1.5})", "incident_id"},
          Case{R"({"subject":"s","text":"t","incident_id":18446744073709551615})", "incident_id"},
          Case{R"({"subject":"s","text":"t","actionable":1})", "actionable"}}) {
        auto n = notification_from_json(c.json);
        ASSERT_FALSE(n.ok()) << c.json;
        EXPECT_EQ(n.error().category, ErrorCategory::invalid_argument);
        EXPECT_TRUE(mentions(n.error().message, c.expect)) << c.json << ": " << n.error().message;
    }
}

}  // namespace
}  // namespace tocsin::store
