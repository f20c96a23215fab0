// The dispatcher over a real SQLite file with scripted channels and a
// ManualClock, driven step by step through run_due (virtual time, no
// waiting): sent once, retries with their backoff and jitter, retry_after,
// permanent failures and the fallback, max attempts, rate limits, in-flight
// bounds, threading, crash recovery, duplicates, a storage outage, the
// loop itself (start, poke), and storm control (digests).
#include "tocsin/notify/dispatcher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "../../store/temp_dir.hpp"
#include "fake_channel.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/outbox_repository.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::notify {
namespace {

using namespace std::chrono_literals;
using store::OutboxRepository;
using store::OutboxRow;
using store::OutboxState;
using testing::Delivery;
using testing::FakeChannel;
using ::testing::HasSubstr;

const TimePoint k_t0 = store::from_unix_millis(1'700'000'000'000);

Notification page(std::int64_t incident, const std::string& key, bool actionable = true) {
    Notification n;
    n.idempotency_key = key;
    n.incident_id = incident;
    n.subject = "[P1] API down";
    n.text = "Incident #" + std::to_string(incident) + " is firing.";
    n.actionable = actionable;
    return n;
}

class DispatcherTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_store.emplace(store::Store::open(m_dir.file("tocsin.db")));
        for (int id : {1, 2}) {
            auto status = db().exec(
                "INSERT INTO incidents (id, key, title, severity, state, impact_started_ms, "
                "detected_ms) VALUES (" +
                std::to_string(id) + ", 'k" + std::to_string(id) + "', 'API down', 'P1', 'investigating', 0, 0)");
            ASSERT_TRUE(status.ok()) << status.error().message;
        }
    }

    store::Database& db() { return m_store->database(); }
    OutboxRepository repo() { return OutboxRepository(db()); }

    // A dispatcher with a "telegram" and an "email" fake channel.
    Dispatcher& make(DispatcherOptions options = {}, ChannelLimits telegram_limits = {},
                     ChannelLimits email_limits = {}) {
        if (!options.seed) options.seed = 42;
        if (!options.on_result) {
            options.on_result = [this](const AttemptReport& r) {
                in_transaction_during_hook = db().in_transaction();
                reports.push_back(r);
            };
        }
        dispatcher = std::make_unique<Dispatcher>(io, db(), clock, std::move(options));
        auto t = std::make_unique<FakeChannel>("telegram", clock);
        auto e = std::make_unique<FakeChannel>("email", clock);
        telegram = t.get();
        email = e.get();
        EXPECT_TRUE(dispatcher->add_channel(std::move(t), telegram_limits).ok());
        EXPECT_TRUE(dispatcher->add_channel(std::move(e), email_limits).ok());
        return *dispatcher;
    }

    std::int64_t enqueue(const std::string& key, const std::string& channel = "telegram",
                         const std::string& recipient = "-100123", std::int64_t incident = 1, TimePoint due = k_t0) {
        store::OutboxEntry e = store::make_outbox_entry(page(incident, key), channel, recipient, k_t0);
        e.next_attempt_at = due;
        auto r = repo().enqueue(e);
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? r->id : 0;
    }

    // Incidents first..last (1 and 2 are there already).
    void add_incidents(int first, int last) {
        auto tx = store::Transaction::begin(db());
        ASSERT_TRUE(tx.ok());
        for (int id = first; id <= last; ++id) {
            auto status = db().exec(
                "INSERT INTO incidents (id, key, title, severity, state, impact_started_ms, detected_ms) VALUES (" +
                std::to_string(id) + ", 'k" + std::to_string(id) + "', 'API down', 'P1', 'investigating', 0, 0)");
            ASSERT_TRUE(status.ok()) << status.error().message;
        }
        ASSERT_TRUE(tx->commit().ok());
    }

    // A page as the paging policy writes it: "[P1] #ID ..." and its key.
    std::int64_t enqueue_page(std::int64_t incident, const std::string& recipient, TimePoint due = k_t0,
                              const std::string& what = "page-1", bool actionable = true) {
        Notification n =
            page(incident, "inc-" + std::to_string(incident) + "/" + what + "/telegram/" + recipient, actionable);
        n.subject = "[P1] #" + std::to_string(incident) + " API down";
        store::OutboxEntry e = store::make_outbox_entry(n, "telegram", recipient, due);
        auto r = repo().enqueue(e);
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? r->id : 0;
    }

    OutboxRow row(std::int64_t id) {
        auto r = repo().find(id);
        EXPECT_TRUE(r.ok() && r->has_value());
        return r.ok() && r->has_value() ? **r : OutboxRow{};
    }

    // Steps through virtual time: run what is due, jump to the next due
    // time, until nothing is pending (or `until` passes).
    void drive(TimePoint until = k_t0 + 24h) {
        for (int i = 0; i < 10'000; ++i) {
            dispatcher->run_due(clock.now());
            auto next = dispatcher->next_due();
            if (!next || *next > until) return;
            if (*next > clock.now()) clock.set(*next);
        }
        ADD_FAILURE() << "drive did not settle";
    }

    ::tocsin::store::testing::TempDir m_dir;
    std::optional<store::Store> m_store;
    ManualClock clock{k_t0};
    boost::asio::io_context io;
    std::unique_ptr<Dispatcher> dispatcher;
    FakeChannel* telegram = nullptr;
    FakeChannel* email = nullptr;
    std::vector<AttemptReport> reports;
    bool in_transaction_during_hook = false;
};

TEST_F(DispatcherTest, SentOnceAndRecorded) {
    make();
    const std::int64_t id = enqueue("inc-1/page-1/telegram/-100123");
    clock.advance(250ms);
    RunReport r = dispatcher->run_due(clock.now());
    EXPECT_EQ(r.started, 1u);
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    const Delivery& d = telegram->deliveries[0];
    EXPECT_EQ(d.recipient, "-100123");
    EXPECT_EQ(d.notification.idempotency_key, "inc-1/page-1/telegram/-100123");
    EXPECT_EQ(d.notification.incident_id, 1);
    EXPECT_EQ(d.notification.subject, "[P1] API down");
    EXPECT_TRUE(d.notification.actionable);
    EXPECT_EQ(d.notification.thread_root, "");  // the first page of the incident here

    OutboxRow stored = row(id);
    EXPECT_EQ(stored.state, OutboxState::sent);
    EXPECT_EQ(stored.sent_at, k_t0 + 250ms);
    EXPECT_EQ(stored.remote_id, "telegram-1");
    EXPECT_EQ(stored.attempts, 1);

    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].row, stored);
    EXPECT_EQ(reports[0].result.outcome, DeliveryOutcome::sent);
    EXPECT_TRUE(in_transaction_during_hook);
    EXPECT_EQ(reports[0].fallback, std::nullopt);

    dispatcher->run_due(clock.now() + 1h);
    EXPECT_EQ(telegram->deliveries.size(), 1u);
    EXPECT_EQ(dispatcher->counters().sent, 1u);
    EXPECT_EQ(dispatcher->in_flight(), 0u);
}

TEST_F(DispatcherTest, FollowUpsThreadUnderTheFirstSentPage) {
    make();
    enqueue("inc-1/page-1");
    dispatcher->run_due(clock.now());
    clock.advance(1min);
    enqueue("inc-1/update-1", "telegram", "-100123", 1, clock.now());
    enqueue("inc-1/update-1/other-chat", "telegram", "42", 1, clock.now());
    enqueue("inc-2/page-1", "telegram", "-100123", 2, clock.now());
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 4u);
    std::map<std::string, std::string> roots;
    for (const auto& d : telegram->deliveries) roots[d.notification.idempotency_key] = d.notification.thread_root;
    EXPECT_EQ(roots["inc-1/update-1"], "telegram-1");
    EXPECT_EQ(roots["inc-1/update-1/other-chat"], "");  // another chat: its own thread
    EXPECT_EQ(roots["inc-2/page-1"], "");               // another incident
}

TEST_F(DispatcherTest, RetryThenSent) {
    make();
    telegram->script = {FakeChannel::retry("HTTP 502: Bad Gateway")};
    const std::int64_t id = enqueue("k");
    dispatcher->run_due(clock.now());
    OutboxRow r = row(id);
    EXPECT_EQ(r.state, OutboxState::pending);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.last_error, "HTTP 502: Bad Gateway");
    EXPECT_GE(r.next_attempt_at, k_t0);
    EXPECT_LE(r.next_attempt_at, k_t0 + RetryPolicy{}.base);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].row.state, OutboxState::pending);
    EXPECT_EQ(reports[0].row.next_attempt_at, r.next_attempt_at);

    if (r.next_attempt_at > clock.now()) {
        dispatcher->run_due(clock.now());
        EXPECT_EQ(telegram->deliveries.size(), 1u);  // not before its time
    }
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 2u);
    EXPECT_EQ(telegram->deliveries[1].at, r.next_attempt_at);
    EXPECT_EQ(telegram->deliveries[1].notification.idempotency_key, "k");  // the same page
    r = row(id);
    EXPECT_EQ(r.state, OutboxState::sent);
    EXPECT_EQ(r.attempts, 2);
    EXPECT_EQ(r.last_error, "");
    EXPECT_EQ(dispatcher->counters().retried, 1u);
    EXPECT_EQ(dispatcher->counters().sent, 1u);
}

TEST_F(DispatcherTest, BackoffStaysWithinTheJitterBounds) {
    DispatcherOptions o;
    o.retry = RetryPolicy{1s, 30s, 12};
    o.seed = 7;
    make(o);
    for (int i = 0; i < 11; ++i) telegram->script.push_back(FakeChannel::retry("timeout"));
    const std::int64_t id = enqueue("k");
    std::vector<Duration> delays;
    for (int attempt = 1; attempt <= 11; ++attempt) {
        dispatcher->run_due(clock.now());
        OutboxRow r = row(id);
        ASSERT_EQ(r.attempts, attempt);
        delays.push_back(std::chrono::duration_cast<Duration>(r.next_attempt_at - clock.now()));
        clock.set(r.next_attempt_at);
    }
    for (std::size_t i = 0; i < delays.size(); ++i) {
        const Duration ceiling = std::min<Duration>(30s, 1s * (1 << i));
        EXPECT_GE(delays[i], 0ms) << "retry " << i + 1;
        EXPECT_LE(delays[i], ceiling) << "retry " << i + 1;
    }
    // Full jitter: the delays are spread, not the ceilings.
    int at_ceiling = 0;
    for (std::size_t i = 0; i < delays.size(); ++i) {
        at_ceiling += delays[i] == std::min<Duration>(30s, 1s * (1 << i));
    }
    EXPECT_LT(at_ceiling, 3);
    const Duration total = std::accumulate(delays.begin(), delays.end(), Duration{0});
    EXPECT_GT(total, 30s);  // the capped ones average 15 s
    dispatcher->run_due(clock.now());
    EXPECT_EQ(row(id).state, OutboxState::sent);
}

TEST(RetryDelay, FullJitterBetweenZeroAndTheCappedCeiling) {
    const RetryPolicy p{2s, 2min, 10};
    EXPECT_EQ(retry_delay(p, 1, 0.0), 0ms);
    EXPECT_EQ(retry_delay(p, 1, 0.5), 1s);
    EXPECT_EQ(retry_delay(p, 1, 0.9999999), 1999ms);
    EXPECT_EQ(retry_delay(p, 2, 0.5), 2s);
    EXPECT_EQ(retry_delay(p, 4, 0.5), 8s);
    EXPECT_EQ(retry_delay(p, 7, 0.5), 60s);    // 128 s capped at 120 s
    EXPECT_EQ(retry_delay(p, 500, 0.5), 60s);  // no overflow
    EXPECT_EQ(retry_delay(p, 0, 0.5), 1s);     // treated as the first
}

TEST(RetryDelay, RetryAfterIsAMinimum) {
    const RetryPolicy p{2s, 2min, 10};
    EXPECT_EQ(retry_delay(p, 1, 0.5, 30s), 30s);
    EXPECT_EQ(retry_delay(p, 7, 0.9, 30s), 108s);     // the jittered delay is longer
    EXPECT_EQ(retry_delay(p, 7, 0.0, 10min), 10min);  // above the cap too
}

TEST_F(DispatcherTest, SameSeedSameScheduleOtherSeedAnother) {
    auto schedule = [&](std::uint64_t seed) {
        DispatcherOptions o;
        o.seed = seed;
        o.retry = RetryPolicy{10s, 1h, 20};
        make(o);
        for (int i = 0; i < 5; ++i) telegram->script.push_back(FakeChannel::retry("x"));
        const std::string key = "seed-" + std::to_string(seed) + "-" + std::to_string(reports.size());
        const std::int64_t id = enqueue(key, "telegram", "-100123", 1, clock.now());
        std::vector<Duration> delays;
        for (int i = 0; i < 5; ++i) {
            dispatcher->run_due(clock.now());
            OutboxRow r = row(id);
            delays.push_back(std::chrono::duration_cast<Duration>(r.next_attempt_at - clock.now()));
            clock.set(r.next_attempt_at);
        }
        drive();
        return delays;
    };
    auto a = schedule(1);
    auto b = schedule(1);
    auto c = schedule(2);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

TEST_F(DispatcherTest, RetryAfterIsHonoured) {
    DispatcherOptions o;
    o.retry = RetryPolicy{1s, 10s, 5};
    make(o);
    telegram->script = {FakeChannel::retry("HTTP 429: Too Many Requests: retry after 37", 37s)};
    const std::int64_t id = enqueue("k");
    dispatcher->run_due(clock.now());
    EXPECT_EQ(row(id).next_attempt_at, k_t0 + 37s);  // above the cap: the channel knows best
    clock.set(k_t0 + 36s);
    dispatcher->run_due(clock.now());
    EXPECT_EQ(telegram->deliveries.size(), 1u);
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 2u);
    EXPECT_EQ(telegram->deliveries[1].at, k_t0 + 37s);
}

TEST_F(DispatcherTest, PermanentFailsAtOnceAndFallsBackOnce) {
    DispatcherOptions o;
    int resolver_calls = 0;
    o.fallback = [&](const Destination& failed) -> std::optional<Destination> {
        ++resolver_calls;
        if (failed == Destination{"telegram", "-100123"}) return Destination{"email", "alice@example.com"};
        if (failed.channel == "email") return Destination{"telegram", "-100123"};  // back again: must not loop
        return std::nullopt;
    };
    make(o);
    telegram->script = {FakeChannel::permanent("HTTP 403: Forbidden: bot was blocked by the user")};
    email->script = {FakeChannel::permanent("550 5.1.1 user unknown")};
    store::OutboxEntry e = store::make_outbox_entry(page(1, "inc-1/page-1"), "telegram", "-100123", k_t0);
    ASSERT_TRUE(db().exec("INSERT INTO incident_events (id, incident_id, at_ms, kind, actor, channel, message, "
                          "detail, prev_hash, hash) VALUES (7, 1, 0, 'opened', 'tocsin', 'rule', 'x', '', '', 'h')")
                    .ok());
    e.event_id = 7;
    const std::int64_t id = repo().enqueue(e)->id;

    dispatcher->run_due(clock.now());
    OutboxRow failed = row(id);
    EXPECT_EQ(failed.state, OutboxState::failed);
    EXPECT_EQ(failed.attempts, 1);
    EXPECT_THAT(failed.last_error, HasSubstr("bot was blocked"));
    ASSERT_EQ(reports.size(), 1u);
    ASSERT_TRUE(reports[0].fallback.has_value());
    EXPECT_TRUE(reports[0].fallback_inserted);
    EXPECT_EQ(reports[0].fallback->channel, "email");
    EXPECT_EQ(reports[0].fallback->recipient, "alice@example.com");

    auto fallback = repo().find_by_key("inc-1/page-1/fallback/email/alice@example.com");
    ASSERT_TRUE(fallback.ok() && fallback->has_value());
    const OutboxRow& f = **fallback;
    EXPECT_EQ(f.state, OutboxState::pending);
    EXPECT_EQ(f.incident_id, 1);
    EXPECT_EQ(f.event_id, 7);
    EXPECT_EQ(f.next_attempt_at, k_t0);

    dispatcher->run_due(clock.now());
    ASSERT_EQ(email->deliveries.size(), 1u);
    EXPECT_EQ(email->deliveries[0].recipient, "alice@example.com");
    EXPECT_EQ(email->deliveries[0].notification.idempotency_key, "inc-1/page-1/fallback/email/alice@example.com");
    EXPECT_EQ(email->deliveries[0].notification.subject, "[P1] API down");
    // The fallback failed too: no fallback of the fallback.
    EXPECT_EQ(row(f.id).state, OutboxState::failed);
    EXPECT_EQ(resolver_calls, 1);
    drive();
    EXPECT_EQ(telegram->deliveries.size(), 1u);
    auto counts = repo().counts();
    EXPECT_EQ(counts->failed, 2);
    EXPECT_EQ(counts->pending, 0);
    EXPECT_EQ(dispatcher->counters().fallbacks, 1u);
}

TEST_F(DispatcherTest, AFallbackIsQueuedOnlyOnceEvenIfDecidedAgain) {
    DispatcherOptions o;
    o.fallback = [](const Destination&) { return std::optional<Destination>(Destination{"email", "a@example.com"}); };
    make(o);
    email->hold = true;  // keep the fallback pending
    telegram->script = {FakeChannel::permanent("403"), FakeChannel::permanent("403")};
    enqueue("p");
    dispatcher->run_due(clock.now());
    // The paging policy re-decides the same page (after a restart) under the
    // same key: no-op; a different page that fails the same way gets its own.
    enqueue("p");
    enqueue("q");
    dispatcher->run_due(clock.now());
    EXPECT_EQ(telegram->deliveries.size(), 2u);
    auto rows = repo().for_incident(1);
    ASSERT_TRUE(rows.ok());
    std::vector<std::string> keys;
    for (const auto& r : *rows) keys.push_back(r.idempotency_key);
    EXPECT_THAT(keys, ::testing::UnorderedElementsAre("p", "q", "p/fallback/email/a@example.com",
                                                      "q/fallback/email/a@example.com"));
}

TEST_F(DispatcherTest, MaxAttemptsThenFailedAndFallback) {
    DispatcherOptions o;
    o.retry = RetryPolicy{1s, 4s, 3};
    o.fallback = [](const Destination&) { return std::optional<Destination>(Destination{"email", "a@example.com"}); };
    make(o);
    for (int i = 0; i < 3; ++i) telegram->script.push_back(FakeChannel::retry("HTTP 502"));
    const std::int64_t id = enqueue("k");
    drive(k_t0 + 1min);
    EXPECT_EQ(telegram->deliveries.size(), 3u);
    OutboxRow r = row(id);
    EXPECT_EQ(r.state, OutboxState::failed);
    EXPECT_EQ(r.attempts, 3);
    EXPECT_EQ(r.last_error, "gave up after 3 attempts: HTTP 502");
    ASSERT_EQ(email->deliveries.size(), 1u);  // the fallback went out
    EXPECT_EQ(dispatcher->counters().retried, 2u);
    EXPECT_EQ(dispatcher->counters().failed, 1u);
}

TEST_F(DispatcherTest, RateLimitOneChatOneMessagePerSecond) {
    make({}, telegram_limits());
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 20; ++i) ids.push_back(enqueue("page-" + std::to_string(i), "telegram", "4242"));
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 20u);  // none dropped
    for (std::size_t i = 1; i < telegram->deliveries.size(); ++i) {
        EXPECT_GE(telegram->deliveries[i].at - telegram->deliveries[i - 1].at, 1s) << "delivery " << i;
    }
    EXPECT_LE(telegram->deliveries.back().at - telegram->deliveries.front().at, 20s);
    for (std::int64_t id : ids) EXPECT_EQ(row(id).state, OutboxState::sent);
    EXPECT_GT(dispatcher->counters().rate_limited, 0u);
    EXPECT_EQ(dispatcher->counters().failed, 0u);
}

TEST_F(DispatcherTest, RateLimitGroupChatTwentyPerMinute) {
    make({}, telegram_limits());
    for (int i = 0; i < 45; ++i) enqueue("page-" + std::to_string(i), "telegram", "-100123");
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 45u);
    for (std::size_t i = 0; i < telegram->deliveries.size(); ++i) {
        if (i > 0) {
            EXPECT_GE(telegram->deliveries[i].at - telegram->deliveries[i - 1].at, 1s);
        }
        // At most 20 in any minute.
        std::size_t in_window = 0;
        for (std::size_t j = i; j < telegram->deliveries.size(); ++j) {
            if (telegram->deliveries[j].at - telegram->deliveries[i].at < 60s) ++in_window;
        }
        EXPECT_LE(in_window, 20u) << "from delivery " << i;
    }
}

TEST_F(DispatcherTest, RateLimitOverallThirtyPerSecond) {
    DispatcherOptions o;
    o.max_in_flight = 100;
    make(o, telegram_limits());
    for (int i = 0; i < 90; ++i) enqueue("page-" + std::to_string(i), "telegram", std::to_string(1000 + i));
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 90u);
    for (std::size_t i = 0; i < telegram->deliveries.size(); ++i) {
        std::size_t in_window = 0;
        for (std::size_t j = i; j < telegram->deliveries.size(); ++j) {
            if (telegram->deliveries[j].at - telegram->deliveries[i].at < 1s) ++in_window;
        }
        EXPECT_LE(in_window, 30u) << "from delivery " << i;
    }
    EXPECT_LE(telegram->deliveries.back().at - k_t0, 5s);
}

TEST_F(DispatcherTest, EmailLimitsAreConfigurableAndChannelsIndependent) {
    ChannelLimits email_limits;
    email_limits.overall = RateLimit{2, 10s};
    make({}, {}, email_limits);
    for (int i = 0; i < 4; ++i) enqueue("mail-" + std::to_string(i), "email", "u" + std::to_string(i) + "@example.com");
    for (int i = 0; i < 4; ++i) enqueue("tg-" + std::to_string(i), "telegram", std::to_string(i + 1));
    dispatcher->run_due(clock.now());
    EXPECT_EQ(email->deliveries.size(), 2u);     // the burst
    EXPECT_EQ(telegram->deliveries.size(), 4u);  // no limits configured
    drive();
    ASSERT_EQ(email->deliveries.size(), 4u);
    EXPECT_EQ(email->deliveries[2].at, k_t0 + 10s);
    EXPECT_EQ(email->deliveries[3].at, k_t0 + 20s);
}

TEST_F(DispatcherTest, AtMostNInFlightAndOneAttemptPerRow) {
    DispatcherOptions o;
    o.max_in_flight = 2;
    make(o);
    telegram->hold = true;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(enqueue("k" + std::to_string(i), "telegram", std::to_string(i + 1)));
    EXPECT_EQ(dispatcher->run_due(clock.now()).started, 2u);
    EXPECT_EQ(dispatcher->in_flight(), 2u);
    EXPECT_EQ(row(ids[0]).state, OutboxState::sending);
    EXPECT_EQ(dispatcher->run_due(clock.now() + 1h).started, 0u);  // full
    EXPECT_EQ(telegram->deliveries.size(), 2u);

    ASSERT_TRUE(telegram->release_one());
    EXPECT_EQ(row(ids[0]).state, OutboxState::sent);
    EXPECT_EQ(dispatcher->in_flight(), 1u);
    EXPECT_EQ(dispatcher->run_due(clock.now()).started, 1u);
    while (telegram->release_one()) {
    }
    dispatcher->run_due(clock.now());
    while (telegram->release_one()) {
    }
    // Each row exactly once.
    std::vector<std::string> keys;
    for (const auto& d : telegram->deliveries) keys.push_back(d.notification.idempotency_key);
    EXPECT_THAT(keys, ::testing::ElementsAre("k0", "k1", "k2", "k3"));
    for (std::int64_t id : ids) EXPECT_EQ(row(id).state, OutboxState::sent);
}

TEST_F(DispatcherTest, OneDeliveryAtATimePerRecipientKeepsOrder) {
    make();
    telegram->hold = true;
    enqueue("first", "telegram", "7");
    enqueue("second", "telegram", "7");
    enqueue("elsewhere", "telegram", "8");
    RunReport r = dispatcher->run_due(clock.now());
    EXPECT_EQ(r.started, 2u);
    EXPECT_EQ(r.busy, 1u);
    ASSERT_TRUE(telegram->release_one());  // "first" sent
    ASSERT_TRUE(telegram->release_one());
    dispatcher->run_due(clock.now());
    ASSERT_TRUE(telegram->release_one());
    ASSERT_EQ(telegram->deliveries.size(), 3u);
    EXPECT_EQ(telegram->deliveries[2].notification.idempotency_key, "second");
    EXPECT_EQ(telegram->deliveries[2].notification.thread_root, "telegram-1");  // under "first"
}

TEST_F(DispatcherTest, AFullBatchOfBusyRowsDoesNotAskForAnotherRoundAtOnce) {
    DispatcherOptions o;
    o.batch = 1;
    make(o);
    telegram->hold = true;
    enqueue("inc-1/page-1", "telegram", "7", 1);
    enqueue("inc-2/page-1", "telegram", "7", 2);
    RunReport first = dispatcher->run_due(clock.now());
    EXPECT_EQ(first.started, 1u);
    EXPECT_TRUE(first.more);  // something moved: more rows may be due behind it
    RunReport second = dispatcher->run_due(clock.now());
    EXPECT_EQ(second.started, 0u);
    EXPECT_EQ(second.busy, 1u);
    EXPECT_FALSE(second.more);  // the same busy row again: wait for the delivery to end
    ASSERT_TRUE(telegram->release_one());
    EXPECT_EQ(dispatcher->run_due(clock.now()).started, 1u);
}

TEST_F(DispatcherTest, AFollowUpWaitsBehindItsPageWhileThatRetries) {
    DispatcherOptions o;
    o.retry = RetryPolicy{10s, 10s, 5};
    make(o);
    telegram->script = {FakeChannel::retry("HTTP 502"), FakeChannel::sent("other"), FakeChannel::retry("HTTP 502")};
    const std::int64_t page_id = enqueue("inc-1/page-1");
    dispatcher->run_due(clock.now());  // fails, retries within 10 s
    const TimePoint retry_at = row(page_id).next_attempt_at;
    const std::int64_t update = enqueue("inc-1/update-1", "telegram", "-100123", 1, k_t0);
    const std::int64_t other = enqueue("inc-2/page-1", "telegram", "-100123", 2, k_t0);
    RunReport r = dispatcher->run_due(clock.now());
    EXPECT_EQ(r.waiting, 1u);
    EXPECT_EQ(r.started, 1u);  // another incident's page does not wait
    EXPECT_EQ(row(other).state, OutboxState::sent);
    EXPECT_EQ(row(update).next_attempt_at, std::max(retry_at, k_t0 + 1ms));
    drive();
    std::vector<std::string> order;
    for (const auto& d : telegram->deliveries) order.push_back(d.notification.idempotency_key);
    EXPECT_THAT(order, ::testing::ElementsAre("inc-1/page-1", "inc-2/page-1", "inc-1/page-1", "inc-1/page-1",
                                              "inc-1/update-1"));
    EXPECT_EQ(telegram->deliveries.back().notification.thread_root, "telegram-4");  // under the page
    EXPECT_EQ(row(update).state, OutboxState::sent);
}

TEST_F(DispatcherTest, ASecondCompletionIsIgnored) {
    make();
    telegram->hold = true;
    const std::int64_t id = enqueue("k");
    dispatcher->run_due(clock.now());
    auto complete = std::move(telegram->held.front());
    complete();
    complete();  // a buggy channel
    EXPECT_EQ(row(id).attempts, 1);
    EXPECT_EQ(reports.size(), 1u);
}

TEST_F(DispatcherTest, RowsLeftSendingByACrashAreSentAgainWithTheSameKey) {
    const std::int64_t id = enqueue("inc-1/page-1/telegram/-100123");
    ASSERT_TRUE(*repo().mark_sending(id));  // the previous process claimed it, then died
    make();
    dispatcher->run_due(clock.now());
    EXPECT_TRUE(telegram->deliveries.empty());  // claimed rows are not due

    auto recovered = dispatcher->start();
    ASSERT_TRUE(recovered.ok()) << recovered.error().message;
    EXPECT_EQ(*recovered, 1);
    dispatcher->run_due(clock.now());
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    EXPECT_EQ(telegram->deliveries[0].notification.idempotency_key, "inc-1/page-1/telegram/-100123");
    EXPECT_EQ(row(id).state, OutboxState::sent);
    dispatcher->stop();
}

TEST_F(DispatcherTest, DuplicateEnqueueIsDeliveredOnce) {
    make();
    enqueue("inc-1/page-1");
    dispatcher->run_due(clock.now());
    enqueue("inc-1/page-1");  // decided again after a restart
    clock.advance(1h);
    drive();
    EXPECT_EQ(telegram->deliveries.size(), 1u);
}

TEST_F(DispatcherTest, CancelledRowsAreNotDelivered) {
    make();
    enqueue("inc-1/repage/1", "telegram", "-100123", 1, k_t0 + 5min);
    enqueue("inc-1/status/1", "telegram", "-100123", 1, k_t0 + 5min);
    ASSERT_EQ(*repo().cancel_for_incident(1, "inc-1/repage/"), 1);
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    EXPECT_EQ(telegram->deliveries[0].notification.idempotency_key, "inc-1/status/1");
}

TEST_F(DispatcherTest, UnknownChannelAndUnreadablePayloadFailWithoutDelivery) {
    make();
    const std::int64_t webhook = enqueue("k1", "webhook", "https://example.com/hook");
    store::OutboxEntry bad = store::make_outbox_entry(page(1, "k2"), "telegram", "1", k_t0);
    bad.payload = "not json";
    const std::int64_t garbled = repo().enqueue(bad)->id;
    dispatcher->run_due(clock.now());
    EXPECT_TRUE(telegram->deliveries.empty());
    EXPECT_EQ(row(webhook).state, OutboxState::failed);
    EXPECT_THAT(row(webhook).last_error, HasSubstr("no channel named \"webhook\""));
    EXPECT_EQ(row(garbled).state, OutboxState::failed);
    EXPECT_THAT(row(garbled).last_error, HasSubstr("not JSON"));
    EXPECT_EQ(reports.size(), 2u);
}

TEST_F(DispatcherTest, DuplicateChannelNamesAreRefused) {
    make();
    auto again = dispatcher->add_channel(std::make_unique<FakeChannel>("email", clock));
    ASSERT_FALSE(again.ok());
    EXPECT_THAT(again.error().message, HasSubstr("\"email\" is already registered"));
}

TEST_F(DispatcherTest, AnOutcomeThatCannotBeWrittenIsKeptAndWrittenLater) {
    make();
    telegram->hold = true;
    const std::int64_t id = enqueue("k");
    dispatcher->run_due(clock.now());
    {
        // Another connection holds the write lock while the delivery ends.
        store::Database other = store::Database::open(m_dir.file("tocsin.db"), 5000ms);
        auto lock = store::Transaction::begin(other);
        ASSERT_TRUE(lock.ok());
        store::Database& mine = db();
        ASSERT_TRUE(mine.exec("PRAGMA busy_timeout = 20").ok());
        ASSERT_TRUE(telegram->release_one());
        EXPECT_EQ(dispatcher->counters().storage_errors, 1u);
        EXPECT_TRUE(dispatcher->run_due(clock.now()).storage_error);  // still locked: nothing new starts
    }
    EXPECT_EQ(row(id).state, OutboxState::sending);
    EXPECT_FALSE(dispatcher->run_due(clock.now()).storage_error);
    EXPECT_EQ(row(id).state, OutboxState::sent);
    EXPECT_EQ(reports.size(), 1u);
}

// tocsin's notices about its own storage: straight to the channel, with
// the database locked by someone else (as good as full for a writer), and
// nothing in the outbox afterwards.
TEST_F(DispatcherTest, SendDirectBypassesTheOutbox) {
    make();
    store::Database other = store::Database::open(m_dir.file("tocsin.db"), 5000ms);
    auto lock = store::Transaction::begin(other);
    ASSERT_TRUE(lock.ok());
    Notification n;
    n.idempotency_key = "storage/1/failing";
    n.subject = "tocsin: state storage failing";
    n.text = "details\n";
    std::vector<DeliveryResult> results;
    dispatcher->send_direct(Destination{"telegram", "1001"}, n, [&](DeliveryResult r) { results.push_back(r); });
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    EXPECT_EQ(telegram->deliveries[0].recipient, "1001");
    EXPECT_EQ(telegram->deliveries[0].notification.subject, "tocsin: state storage failing");
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, DeliveryOutcome::sent);
    // A scripted failure comes back as it is: retrying is the caller's call.
    email->script.push_back(FakeChannel::retry("421 try later"));
    dispatcher->send_direct(Destination{"email", "alice@example.org"}, n, [&](DeliveryResult r) { results.push_back(r); });
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[1].outcome, DeliveryOutcome::retry);
    dispatcher->send_direct(Destination{"pager", "x"}, n, [&](DeliveryResult r) { results.push_back(r); });
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[2].outcome, DeliveryOutcome::permanent);
    ASSERT_TRUE(lock->commit().ok());
    EXPECT_EQ(db().query_int64("SELECT count(*) FROM outbox").value(), 0);
    EXPECT_EQ(dispatcher->counters().attempts, 0u);
}

TEST_F(DispatcherTest, PokeDeliversWithoutWaitingForTheTimer) {
    make();
    ASSERT_TRUE(dispatcher->start().ok());
    io.poll();
    EXPECT_TRUE(telegram->deliveries.empty());
    enqueue("k");
    dispatcher->poke();
    io.poll();
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    dispatcher->stop();
    enqueue("k2");
    dispatcher->poke();
    io.poll();
    EXPECT_EQ(telegram->deliveries.size(), 1u);  // stopped
}

TEST_F(DispatcherTest, TheLoopWakesForRetriesOnItsTimer) {
    // Real steady time for the timer, domain time from the ManualClock: a
    // retry due in 30 ms of domain time is picked up when the timer fires.
    DispatcherOptions o;
    o.retry = RetryPolicy{30ms, 30ms, 3};
    make(o);
    telegram->script = {FakeChannel::retry("x", 30ms)};
    enqueue("k");
    ASSERT_TRUE(dispatcher->start().ok());
    io.poll();
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    clock.advance(30ms);
    for (int i = 0; i < 500 && telegram->deliveries.size() < 2; ++i) io.run_one_for(10ms);
    ASSERT_EQ(telegram->deliveries.size(), 2u);
    dispatcher->stop();
}

// ------------------------------------------------------------------ storm control

// 500 incidents declared within a second, all paging the same person on
// Telegram, queued before the dispatcher looks: ten digests of fifty, one
// per second (the chat's limit), every incident in exactly one of them and
// acknowledgeable, every row sent, nothing dropped.
TEST_F(DispatcherTest, AStormOfFiveHundredIncidentsGoesOutAsTenDigests) {
    add_incidents(3, 500);
    make({}, telegram_limits());
    std::map<std::int64_t, std::int64_t> row_of;  // incident → its row
    for (int i = 1; i <= 500; ++i) row_of[i] = enqueue_page(i, "4242", k_t0 + i * 2ms);
    clock.set(k_t0 + 1s);  // the storm's rows are committed; the dispatcher wakes
    drive();

    const auto& ds = telegram->deliveries;
    ASSERT_EQ(ds.size(), 10u);
    std::vector<std::int64_t> listed;
    for (std::size_t i = 0; i < ds.size(); ++i) {
        SCOPED_TRACE("digest " + std::to_string(i));
        const Notification& n = ds[i].notification;
        ASSERT_TRUE(n.is_digest());
        EXPECT_EQ(ds[i].recipient, "4242");
        ASSERT_EQ(n.digest.size(), 50u);
        EXPECT_EQ(n.subject, "[P1] 50 incidents");
        EXPECT_EQ(n.incident_id, 0);
        EXPECT_EQ(n.thread_root, "");
        EXPECT_TRUE(n.actionable);
        const std::int64_t lead = row_of[n.digest.front().incident_id];
        EXPECT_EQ(n.digest_id, lead);
        EXPECT_EQ(n.idempotency_key, row(lead).idempotency_key + "/digest");
        EXPECT_THAT(n.text, HasSubstr("[P1] #" + std::to_string(n.digest.back().incident_id) + " API down\n"));
        EXPECT_THAT(n.text,
                    HasSubstr("Acknowledge all: for id in " + std::to_string(n.digest.front().incident_id) + " "));
        std::vector<std::int64_t> in_this;
        for (const DigestItem& item : n.digest) {
            EXPECT_TRUE(item.actionable);
            EXPECT_EQ(item.subject, "[P1] #" + std::to_string(item.incident_id) + " API down");
            listed.push_back(item.incident_id);
            in_this.push_back(item.incident_id);
            const OutboxRow r = row(row_of[item.incident_id]);
            EXPECT_EQ(r.state, OutboxState::sent);
            EXPECT_EQ(r.digest_of, lead);
            EXPECT_EQ(r.remote_id, "telegram-" + std::to_string(i + 1));
            EXPECT_EQ(r.sent_at, ds[i].at);
        }
        // "Acknowledge all" finds exactly the incidents listed.
        auto acked = repo().digest_incidents(lead);
        ASSERT_TRUE(acked.ok());
        EXPECT_EQ(*acked, in_this);
        if (i > 0) {
            EXPECT_GE(ds[i].at - ds[i - 1].at, 1s);  // one message per second in a chat
        }
    }
    std::vector<std::int64_t> every(500);
    std::iota(every.begin(), every.end(), 1);
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(listed, every);  // each incident exactly once
    EXPECT_EQ(ds.front().at, k_t0 + 1s);
    EXPECT_EQ(ds.back().at, k_t0 + 10s);  // nine simulated seconds from the first to the last

    auto counts = repo().counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->sent, 500);
    EXPECT_EQ(counts->pending + counts->sending + counts->failed + counts->cancelled, 0);
    EXPECT_EQ(reports.size(), 500u);  // the audit hook sees every page
    const DispatcherCounters& c = dispatcher->counters();
    EXPECT_EQ(c.attempts, 10u);
    EXPECT_EQ(c.digests, 10u);
    EXPECT_EQ(c.digested_rows, 500u);
    EXPECT_EQ(c.sent, 500u);
    EXPECT_EQ(c.failed, 0u);
}

// The same storm in a group chat: also at most 20 messages a minute there.
TEST_F(DispatcherTest, AStormInAGroupChatKeepsTheGroupLimit) {
    add_incidents(3, 500);
    make({}, telegram_limits());
    for (int i = 1; i <= 500; ++i) enqueue_page(i, "-100123", k_t0);
    drive();
    const auto& ds = telegram->deliveries;
    ASSERT_EQ(ds.size(), 10u);
    std::size_t items = 0;
    for (std::size_t i = 0; i < ds.size(); ++i) {
        items += ds[i].notification.digest.size();
        if (i > 0) {
            EXPECT_GE(ds[i].at - ds[i - 1].at, 1s);
        }
        std::size_t in_window = 0;
        for (std::size_t j = i; j < ds.size(); ++j) in_window += ds[j].at - ds[i].at < 60s;
        EXPECT_LE(in_window, 20u);
    }
    EXPECT_EQ(items, 500u);
    // One a second while the group's burst of 5 lasts (it refills a quarter
    // token a second meanwhile), then one every 4 s: 0-5, 8, 12, 16, 20 s.
    EXPECT_EQ(ds.back().at - ds.front().at, 20s);
    EXPECT_EQ(repo().counts()->sent, 500);
}

// The dispatcher looking after every single commit while the storm builds
// up: the first page goes alone, the others pile up behind the chat's limit
// and leave as digests.
TEST_F(DispatcherTest, AStormSeenAsItArrivesStillEndsInAFewDigests) {
    add_incidents(3, 500);
    make({}, telegram_limits());
    for (int i = 1; i <= 500; ++i) {
        enqueue_page(i, "4242", clock.now());
        dispatcher->run_due(clock.now());
        clock.advance(2ms);
    }
    drive();
    const auto& ds = telegram->deliveries;
    ASSERT_EQ(ds.size(), 11u);
    EXPECT_FALSE(ds[0].notification.is_digest());
    std::set<std::int64_t> listed{ds[0].notification.incident_id};
    for (std::size_t i = 1; i < ds.size(); ++i) {
        EXPECT_GE(ds[i].at - ds[i - 1].at, 1s);
        for (const DigestItem& item : ds[i].notification.digest) EXPECT_TRUE(listed.insert(item.incident_id).second);
    }
    EXPECT_EQ(listed.size(), 500u);
    EXPECT_EQ(repo().counts()->sent, 500);
}

TEST_F(DispatcherTest, MoreThanDigestAfterRowsMakeADigestUpToDigestMax) {
    add_incidents(3, 12);
    DispatcherOptions o;
    o.digest_max = 4;
    make(o);                                             // no rate limits: everything due goes at once
    for (int i = 1; i <= 3; ++i) enqueue_page(i, "7");   // three: each alone
    for (int i = 1; i <= 4; ++i) enqueue_page(i, "8");   // four: one digest
    for (int i = 1; i <= 10; ++i) enqueue_page(i, "9");  // ten: 4 + 4, then two alone
    drive();
    std::map<std::string, std::vector<std::size_t>> sizes;  // recipient → items per delivery (0: alone)
    for (const auto& d : telegram->deliveries) sizes[d.recipient].push_back(d.notification.digest.size());
    EXPECT_EQ(sizes["7"], (std::vector<std::size_t>{0, 0, 0}));
    EXPECT_EQ(sizes["8"], (std::vector<std::size_t>{4}));
    EXPECT_EQ(sizes["9"], (std::vector<std::size_t>{4, 4, 0, 0}));
    EXPECT_EQ(repo().counts()->sent, 17);
}

TEST_F(DispatcherTest, DigestAfterZeroNeverDigests) {
    add_incidents(3, 10);
    DispatcherOptions o;
    o.digest_after = 0;
    make(o, telegram_limits());
    for (int i = 1; i <= 10; ++i) enqueue_page(i, "4242");
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 10u);
    for (const auto& d : telegram->deliveries) EXPECT_FALSE(d.notification.is_digest());
    EXPECT_EQ(telegram->deliveries.back().at - telegram->deliveries.front().at, 9s);
    EXPECT_EQ(dispatcher->counters().digests, 0u);
}

TEST_F(DispatcherTest, PagesWithoutAnIncidentAreNeverDigested) {
    make();
    for (int i = 0; i < 6; ++i) enqueue("test-page-" + std::to_string(i), "telegram", "4242", 0);
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 6u);
    for (const auto& d : telegram->deliveries) EXPECT_FALSE(d.notification.is_digest());
}

// Per incident and recipient only the earliest pending page may go: a
// follow-up is never in the digest with its page, and goes after it,
// threaded under the digest that carried the page.
TEST_F(DispatcherTest, AnIncidentsFollowUpIsNotInTheDigestOfItsPage) {
    add_incidents(3, 4);
    make({}, telegram_limits());
    const std::int64_t first = enqueue_page(1, "4242");
    const std::int64_t follow_up = enqueue_page(1, "4242", k_t0, "update-1", false);
    for (int i = 2; i <= 4; ++i) enqueue_page(i, "4242");
    drive();
    const auto& ds = telegram->deliveries;
    ASSERT_EQ(ds.size(), 2u);
    ASSERT_TRUE(ds[0].notification.is_digest());
    std::vector<std::int64_t> ids;
    for (const DigestItem& item : ds[0].notification.digest) ids.push_back(item.incident_id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(ds[0].notification.digest_id, first);
    EXPECT_FALSE(ds[1].notification.is_digest());
    EXPECT_EQ(ds[1].notification.idempotency_key, row(follow_up).idempotency_key);
    EXPECT_EQ(ds[1].notification.thread_root, "telegram-1");  // the digest that carried the page
    EXPECT_EQ(ds[1].at, k_t0 + 1s);
    EXPECT_EQ(row(follow_up).digest_of, 0);
}

TEST_F(DispatcherTest, ADigestRetriedIsSentAgainWhole) {
    add_incidents(3, 5);
    make({}, telegram_limits());
    telegram->script = {FakeChannel::retry("HTTP 502: Bad Gateway")};
    std::vector<std::int64_t> ids;
    for (int i = 1; i <= 5; ++i) ids.push_back(enqueue_page(i, "4242"));
    dispatcher->run_due(clock.now());
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    EXPECT_EQ(dispatcher->in_flight(), 0u);
    const TimePoint retry_at = row(ids[0]).next_attempt_at;
    for (std::int64_t id : ids) {
        const OutboxRow r = row(id);
        EXPECT_EQ(r.state, OutboxState::pending);
        EXPECT_EQ(r.attempts, 1);
        EXPECT_EQ(r.next_attempt_at, retry_at);  // together again
        EXPECT_EQ(r.last_error, "HTTP 502: Bad Gateway");
        EXPECT_EQ(r.digest_of, ids[0]);
    }
    ASSERT_EQ(reports.size(), 5u);
    for (const auto& r : reports) EXPECT_EQ(r.row.state, OutboxState::pending);
    drive();
    ASSERT_EQ(telegram->deliveries.size(), 2u);
    const Notification& again = telegram->deliveries[1].notification;
    EXPECT_EQ(again.idempotency_key, telegram->deliveries[0].notification.idempotency_key);
    EXPECT_EQ(again.digest, telegram->deliveries[0].notification.digest);
    EXPECT_EQ(telegram->deliveries[1].at, std::max(retry_at, k_t0 + 1s));
    for (std::int64_t id : ids) {
        const OutboxRow r = row(id);
        EXPECT_EQ(r.state, OutboxState::sent);
        EXPECT_EQ(r.attempts, 2);
        EXPECT_EQ(r.remote_id, "telegram-2");
        EXPECT_EQ(r.last_error, "");
    }
    EXPECT_EQ(dispatcher->counters().retried, 5u);
    EXPECT_EQ(dispatcher->counters().sent, 5u);
    EXPECT_EQ(dispatcher->counters().attempts, 2u);
}

// A digest that fails for good fails each of its rows, and each falls back
// on its own, to the person's email, where they pile up again and go as one
// email digest.
TEST_F(DispatcherTest, ADigestThatFailsForGoodFallsBackRowByRow) {
    add_incidents(3, 4);
    DispatcherOptions o;
    o.fallback = [](const Destination& failed) -> std::optional<Destination> {
        if (failed.channel == "telegram") return Destination{"email", "alice@example.com"};
        return std::nullopt;
    };
    make(o);
    telegram->script = {FakeChannel::permanent("HTTP 403: Forbidden: bot was blocked by the user")};
    std::vector<std::int64_t> ids;
    for (int i = 1; i <= 4; ++i) ids.push_back(enqueue_page(i, "4242"));
    dispatcher->run_due(clock.now());
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    ASSERT_EQ(reports.size(), 4u);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const OutboxRow r = row(ids[i]);
        EXPECT_EQ(r.state, OutboxState::failed);
        EXPECT_THAT(r.last_error, HasSubstr("bot was blocked"));
        ASSERT_TRUE(reports[i].fallback.has_value());
        EXPECT_TRUE(reports[i].fallback_inserted);
        EXPECT_EQ(reports[i].fallback->idempotency_key, r.idempotency_key + "/fallback/email/alice@example.com");
    }
    drive();
    ASSERT_EQ(email->deliveries.size(), 1u);
    const Notification& mail = email->deliveries[0].notification;
    ASSERT_EQ(mail.digest.size(), 4u);
    EXPECT_EQ(mail.idempotency_key, row(ids[0]).idempotency_key + "/fallback/email/alice@example.com/digest");
    auto counts = repo().counts();
    EXPECT_EQ(counts->failed, 4);
    EXPECT_EQ(counts->sent, 4);
    EXPECT_EQ(dispatcher->counters().fallbacks, 4u);
}

// One row of a digest out of attempts fails (and falls back) alone; the
// others retry.
TEST_F(DispatcherTest, ARowOutOfAttemptsFailsAloneInARetriedDigest) {
    add_incidents(3, 4);
    DispatcherOptions o;
    o.retry = RetryPolicy{1s, 1s, 2};
    make(o);
    telegram->script = {FakeChannel::retry("HTTP 502"), FakeChannel::retry("HTTP 502")};
    const std::int64_t tired = enqueue_page(1, "4242");
    dispatcher->run_due(clock.now());  // alone, retried
    ASSERT_EQ(row(tired).attempts, 1);
    clock.set(row(tired).next_attempt_at);
    std::vector<std::int64_t> fresh;
    for (int i = 2; i <= 4; ++i) fresh.push_back(enqueue_page(i, "4242", clock.now()));
    dispatcher->run_due(clock.now());  // the digest of four, retried
    ASSERT_EQ(telegram->deliveries.size(), 2u);
    EXPECT_EQ(telegram->deliveries[1].notification.digest.size(), 4u);
    EXPECT_EQ(row(tired).state, OutboxState::failed);
    EXPECT_THAT(row(tired).last_error, HasSubstr("gave up after 2 attempts"));
    for (std::int64_t id : fresh) EXPECT_EQ(row(id).state, OutboxState::pending);
    drive();
    for (std::int64_t id : fresh) EXPECT_EQ(row(id).state, OutboxState::sent);
    // Three left: not more than digest_after, so each goes alone.
    ASSERT_EQ(telegram->deliveries.size(), 5u);
    for (std::size_t i = 2; i < 5; ++i) EXPECT_FALSE(telegram->deliveries[i].notification.is_digest());
}

// At least once: a digest in flight when tocsin died goes out again after
// the restart, with the same key.
TEST_F(DispatcherTest, ADigestInterruptedByACrashIsSentAgain) {
    add_incidents(3, 5);
    make();
    telegram->hold = true;
    std::vector<std::int64_t> ids;
    for (int i = 1; i <= 5; ++i) ids.push_back(enqueue_page(i, "4242"));
    RunReport r = dispatcher->run_due(clock.now());
    EXPECT_EQ(r.started, 1u);
    EXPECT_EQ(r.digested, 5u);
    EXPECT_EQ(dispatcher->in_flight(), 1u);
    const std::string key = telegram->deliveries[0].notification.idempotency_key;
    for (std::int64_t id : ids) EXPECT_EQ(row(id).state, OutboxState::sending);
    dispatcher.reset();  // the crash: the outcome is never recorded

    make();
    auto recovered = dispatcher->start();
    ASSERT_TRUE(recovered.ok());
    EXPECT_EQ(*recovered, 5);
    dispatcher->run_due(clock.now());
    dispatcher->stop();
    ASSERT_EQ(telegram->deliveries.size(), 1u);
    EXPECT_EQ(telegram->deliveries[0].notification.idempotency_key, key);
    for (std::int64_t id : ids) EXPECT_EQ(row(id).state, OutboxState::sent);
}

TEST(TokenBucket, BurstThenOnePerInterval) {
    TokenBucket b(RateLimit{3, 1s}, k_t0);
    EXPECT_TRUE(b.try_take(k_t0));
    EXPECT_TRUE(b.try_take(k_t0));
    EXPECT_TRUE(b.try_take(k_t0));
    EXPECT_FALSE(b.try_take(k_t0));
    EXPECT_EQ(b.available_at(k_t0), k_t0 + 1s);
    EXPECT_FALSE(b.try_take(k_t0 + 999ms));
    EXPECT_EQ(b.available_at(k_t0 + 999ms), k_t0 + 1s);
    EXPECT_TRUE(b.try_take(k_t0 + 1s));
    EXPECT_FALSE(b.full(k_t0 + 2s));
    EXPECT_TRUE(b.full(k_t0 + 4s));
    // The clock went back: nothing refills until it passes that point again.
    EXPECT_TRUE(b.try_take(k_t0 + 4s));
    EXPECT_TRUE(b.try_take(k_t0 + 4s));
    EXPECT_TRUE(b.try_take(k_t0 + 4s));
    EXPECT_FALSE(b.try_take(k_t0 - 1h));
    EXPECT_EQ(b.available_at(k_t0 - 1h), k_t0 - 1h + 1s);
}

TEST(TokenBucket, TelegramLimits) {
    const ChannelLimits l = telegram_limits();
    EXPECT_EQ(l.per_recipient, (RateLimit{1, 1s}));
    EXPECT_EQ(l.per_group, (RateLimit{5, 4s}));
    EXPECT_EQ(l.overall, (RateLimit{10, 50ms}));
}

}  // namespace
}  // namespace tocsin::notify
