// The dispatcher drains the outbox (store/outbox_repository.hpp): it claims
// due rows, hands each to its channel, and records the outcome in SQLite.
//
//   sent       → mark_sent (with the channel's id, for threading)
//   retry      → schedule_retry after an exponential backoff with full jitter
//                (at least the channel's retry_after), until max_attempts;
//                then failed. When other pages to the same channel and
//                recipient already wait for a retry, the row joins their
//                round (the earliest such time, never before retry_after)
//                instead: a recipient's backlog comes due together and
//                goes oldest first, or as one digest, once the channel
//                works again (a new page is still tried at once: it may
//                arrive before that backlog). A retry_after also holds back
//                every other page to that recipient until it passed.
//   permanent  → failed at once
//   failed     → the fallback resolver may name the person's other channel:
//                the same notification is queued there once, under a
//                derived idempotency key (key + "/fallback/" + channel + "/"
//                + recipient); a fallback row never falls back again
//
// Rate limits (token buckets per channel, per recipient and per group chat)
// never drop a row: one that would exceed a limit keeps waiting, its
// next_attempt_at moved to when a token is there. At most max_in_flight
// deliveries run at once, each row in at most one of them, and one at a
// time per (channel, recipient). An incident's pages reach a recipient in
// the order they were queued: a row waits (next_attempt_at moved) behind an
// earlier pending row of the same incident, channel and recipient, so a
// follow-up never overtakes the page it threads under while that retries.
//
// Storm control. When more than digest_after rows are due for one channel
// and recipient, each about an incident and each the earliest pending row
// of its incident there (OutboxRepository::digestible), up to digest_max of
// them go out as ONE delivery, a digest: a Notification listing every page
// (Notification::digest), under the lead row's key + "/digest", with no
// thread root. It costs one token of each rate limit and keeps the
// recipient busy like any delivery. Its rows are claimed together (and
// marked digest_of = the lead, their lowest id) and share the outcome: all
// sent with the same remote_id; all retried at the same next_attempt_at
// (a row out of attempts fails alone); or all failed, each falling back on
// its own as above. Delivery stays at least once: after a retry or a crash
// the rows go out again, as a digest or not.
//
// The dispatcher never touches incidents; on_result lets the caller append
// audit events (page_sent, page_failed). Everything runs on the io_context's
// thread; Asio stays out of this header. Domain time comes from the Clock;
// the wake-up timer uses steady time. Tests drive run_due(now) directly
// with a ManualClock instead of waiting on the timer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/notify/channel.hpp"
#include "tocsin/store/outbox_repository.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::store {
class Database;
}

namespace tocsin::notify {

struct RetryPolicy {
    Duration base = std::chrono::seconds(2);  // the ceiling of the first retry's delay
    Duration cap = std::chrono::minutes(2);   // no ceiling above this
    int max_attempts = 10;                    // attempts in all, the first included (>= 1)
};

// The delay before retrying after `attempts` (>= 1) failed attempts: full
// jitter, i.e. uniform in [0, min(cap, base * 2^(attempts-1))], with `unit`
// in [0, 1) choosing the point; never below `retry_after` when the channel
// gave one. Pure, so the schedule is testable.
Duration retry_delay(const RetryPolicy& policy, int attempts, double unit,
                     std::optional<Duration> retry_after = std::nullopt);

// A token bucket: up to `burst` sends at once, one more token every
// `interval`. In any window of length T it allows at most
// burst + T / interval sends.
struct RateLimit {
    double burst = 1;
    Duration interval = std::chrono::seconds(1);

    bool operator==(const RateLimit&) const = default;
};

struct ChannelLimits {
    std::optional<RateLimit> overall;        // every send of the channel
    std::optional<RateLimit> per_recipient;  // each recipient on its own
    // Also applies, on top of per_recipient, to group recipients: those
    // starting with '-' (Telegram's group and supergroup chat ids).
    std::optional<RateLimit> per_group;

    bool operator==(const ChannelLimits&) const = default;
};

// Telegram's documented limits, kept strictly: one message per second in a
// chat (burst 1, one per second); 20 per minute in a group (burst 5, one
// every 4 s: 5 + 60 s / 4 s = 20 in any minute); 30 per second overall
// (burst 10, one every 50 ms: 10 + 20 = 30 in any second).
ChannelLimits telegram_limits();

// One bucket, on domain time. A clock going backwards refills nothing.
class TokenBucket {
public:
    TokenBucket(RateLimit limit, TimePoint now);
    // Takes a token if one is there.
    bool try_take(TimePoint now);
    // When a token will be there: now if one is, else rounded up to a whole
    // millisecond (the outbox's resolution).
    TimePoint available_at(TimePoint now);
    // Full again: nothing would change if it were forgotten.
    bool full(TimePoint now) const;

private:
    void refill(TimePoint now);
    RateLimit m_limit;
    double m_tokens;
    TimePoint m_at;
};

struct Destination {
    std::string channel;
    std::string recipient;

    bool operator==(const Destination&) const = default;
};

// The person's other channel for a failed destination; nullopt: none.
using FallbackResolver = std::function<std::optional<Destination>(const Destination& failed)>;

// What one finished attempt did.
struct AttemptReport {
    store::OutboxRow row;                        // as recorded: state sent, pending (retry) or failed
    DeliveryResult result;                       // what the channel said (or why it was never asked)
    std::optional<store::OutboxEntry> fallback;  // queued because this row failed
    bool fallback_inserted = false;              // false: it was queued before
};

// Runs inside the transaction that records the outcome, on the dispatcher's
// connection: what it writes (audit events) commits with the outcome. It must
// not begin or commit a transaction (savepoints are fine, as
// IncidentRepository::save uses) and should not throw (an exception is
// logged and ignored).
using ResultHook = std::function<void(const AttemptReport&)>;

struct DispatcherOptions {
    RetryPolicy retry;
    std::size_t max_in_flight = 8;
    std::size_t batch = 64;  // rows read per run_due
    // Wake at least this often even with nothing due: rows queued by another
    // process (the CLI), a wall clock that jumped.
    Duration max_sleep = std::chrono::seconds(30);
    Duration storage_retry = std::chrono::seconds(1);  // after a SQLite error
    std::optional<std::uint64_t> seed;                 // the jitter's RNG; nullopt: random
    FallbackResolver fallback;
    ResultHook on_result;
    // Storm control: more than this many digestible rows due for one
    // (channel, recipient) go out as a digest; 0: never.
    std::size_t digest_after = 3;
    std::size_t digest_max = 50;  // rows in one digest (at least 2)
};

struct DispatcherCounters {
    std::uint64_t attempts = 0;  // deliveries started
    std::uint64_t sent = 0;
    std::uint64_t retried = 0;
    std::uint64_t failed = 0;
    std::uint64_t fallbacks = 0;     // fallback rows queued
    std::uint64_t rate_limited = 0;  // rows postponed by a rate limit
    std::uint64_t storage_errors = 0;
    std::uint64_t digests = 0;        // digest deliveries started (each also counts as an attempt)
    std::uint64_t digested_rows = 0;  // rows in them
};

// What one run_due step did.
struct RunReport {
    std::size_t started = 0;    // deliveries handed to channels (a digest is one)
    std::size_t digested = 0;   // rows in the digests among them
    std::size_t postponed = 0;  // rows moved by a rate limit
    std::size_t busy = 0;       // rows left for later: their recipient has a delivery in flight
    std::size_t waiting = 0;    // rows moved behind an earlier pending page of the incident to the recipient
    bool storage_error = false;
    bool more = false;  // a full batch moved: more rows may be due already
};

class Dispatcher {
public:
    Dispatcher(boost::asio::io_context& io, store::Database& db, const Clock& clock, DispatcherOptions options = {});
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // Registers a channel under its name(); an invalid_argument error for a
    // name already taken. Register every channel before start().
    Status add_channel(std::unique_ptr<Channel> channel, ChannelLimits limits = {});

    // The first time: puts rows a crash left in 'sending' back to pending
    // (the count is returned; 0 on later calls, e.g. after stop()). Then
    // starts the loop: wake at the earliest next_attempt_at, after poke(),
    // or after a delivery finished. From the io_context's thread or before
    // it runs.
    Result<std::int64_t> start();
    // Something was committed to the outbox: look now. Any thread.
    void poke();
    // Stops the loop. Deliveries in flight still record their outcome when
    // they finish (unless the dispatcher is gone by then: the rows stay
    // 'sending' and are recovered at the next start). Call on the
    // io_context's thread.
    void stop();

    // Hands `notification` to `to`'s channel at once, outside the outbox:
    // nothing is read from or written to SQLite, no rate limit, retry or
    // fallback applies (the caller does its own). For tocsin's notices about
    // its own storage, which must go out when the database takes no row.
    // `done` runs once, on the io_context (or before this returns, for an
    // unknown channel); never after the dispatcher is destroyed.
    void send_direct(const Destination& to, const Notification& notification,
                     std::function<void(DeliveryResult)> done);

    // One step, without timers: claims due rows and starts their deliveries
    // (a channel may finish one before deliver() returns). Tests call this
    // with a ManualClock's time; the loop calls it with clock.now().
    RunReport run_due(TimePoint now);
    // When the loop would next look: the earliest pending next_attempt_at
    // (nullopt when none, or on a storage error).
    std::optional<TimePoint> next_due();

    // Deliveries in flight (a digest counts once).
    std::size_t in_flight() const;
    const DispatcherCounters& counters() const;

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
};

}  // namespace tocsin::notify
