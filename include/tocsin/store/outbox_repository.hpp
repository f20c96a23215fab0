// The outbox: pages to send, one row per (notification, channel, recipient),
// written in the same transaction as the incident change that causes them
// and drained by the dispatcher (notify/dispatcher.hpp) at least once.
//
// A row's life:
//
//   pending ──mark_sending──► sending ──mark_sent──────► sent
//      ▲  │                      │
//      │  │                      ├──schedule_retry──► pending (later next_attempt_at)
//      │  │                      └──mark_failed─────► failed
//      │  └──cancel_for_incident──► cancelled
//      └── recover (start-up): sending ──► pending
//
// mark_sent, schedule_retry and mark_failed also accept a pending row (a
// caller that does not claim rows first). sent, failed and cancelled are
// final: nothing moves a row out of them.
//
// Crash semantics. mark_sending is committed before the channel is asked to
// deliver, and the outcome only after the channel answered. A crash in
// between leaves the row in 'sending'; recover() at the next start puts it
// back to pending and it is delivered again with the same idempotency key
// (email: the same Message-ID). Delivery is therefore at least once, never
// at most once: a page the channel accepted just before the crash is sent a
// second time, recognisably the same.
//
// Digests (storm control, notify/dispatcher.hpp). Rows that went out
// together as one message share `digest_of`, the id of the digest's lead
// row (its lowest id; the lead points at itself). Each row still moves
// through the states above on its own, and the dispatcher gives all of them
// the same outcome. A row sent again after a retry or a crash may go in
// another digest (or alone): digest_of names the latest one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/notify/channel.hpp"

namespace tocsin::store {

class Database;

enum class OutboxState { pending, sending, sent, failed, cancelled };

const char* to_string(OutboxState state) noexcept;  // "pending", ... as stored
std::optional<OutboxState> parse_outbox_state(std::string_view text) noexcept;

// What to send, as enqueue() takes it.
struct OutboxEntry {
    std::int64_t incident_id = 0;          // 0: not about an incident (a test page); stored as NULL
    std::optional<std::int64_t> event_id;  // the audit event that caused the page
    std::string channel;                   // a registered channel's name: "email", "telegram"
    std::string recipient;                 // as the channel reads it: an address, a chat id
    // Unique over the whole outbox, stable across re-decisions: enqueueing
    // the same key again is a no-op. The channel sees it too (Message-ID).
    std::string idempotency_key;
    std::string payload;  // notification_to_json(...)
    TimePoint created_at{};
    TimePoint next_attempt_at{};  // not delivered before this

    bool operator==(const OutboxEntry&) const = default;
};

// A stored row: the entry and where its delivery stands.
struct OutboxRow : OutboxEntry {
    std::int64_t id = 0;
    OutboxState state = OutboxState::pending;
    int attempts = 0;                  // finished delivery attempts
    std::string last_error;            // the last retry's or the failure's detail; "" when none
    std::optional<TimePoint> sent_at;  // set exactly when sent
    std::string remote_id;             // what the channel assigned when sent ("" when none)
    std::int64_t digest_of = 0;        // the lead row of the digest it last went out in; 0: none

    bool operator==(const OutboxRow&) const = default;
};

// The entry for sending `notification` through `channel` to `recipient`:
// incident id and idempotency key taken from the notification, the payload
// serialised, created and due at `now`.
OutboxEntry make_outbox_entry(const notify::Notification& notification, std::string channel, std::string recipient,
                              TimePoint now, std::optional<std::int64_t> event_id = std::nullopt);

struct Enqueued {
    std::int64_t id = 0;    // the new row, or the existing row with that key
    bool inserted = false;  // false: the key was already there and nothing changed
};

// The first sent notification of an incident on one channel to one recipient.
struct ThreadRoot {
    std::int64_t id = 0;
    std::string idempotency_key;
    std::string remote_id;  // "" if the channel assigned none
};

struct OutboxCounts {
    std::int64_t pending = 0;
    std::int64_t sending = 0;
    std::int64_t sent = 0;
    std::int64_t failed = 0;
    std::int64_t cancelled = 0;

    std::int64_t of(OutboxState state) const;
    bool operator==(const OutboxCounts&) const = default;
};

// Statements run on the caller's connection and open no transaction of
// their own: enqueue() belongs in the store::Transaction that saves the
// incident change causing the page, so the change and its pages commit (or
// roll back) together. Every other call is a single statement, atomic alone.
class OutboxRepository {
public:
    explicit OutboxRepository(Database& db) : m_db(&db) {}

    // Inserts a pending row. A row with the same idempotency key (in any
    // state) makes this a no-op that returns that row's id, so deciding the
    // same page again after a crash never queues it twice. Errors
    // (invalid_argument) for an empty channel or key; storage errors for a
    // payload of an unknown incident or event (foreign keys).
    Result<Enqueued> enqueue(const OutboxEntry& entry);

    // Pending rows with next_attempt_at <= now, the longest due first
    // (next_attempt_at, then id), at most `limit`.
    Result<std::vector<OutboxRow>> due(TimePoint now, std::size_t limit);
    // The earliest next_attempt_at of any pending row; nullopt when none.
    Result<std::optional<TimePoint>> next_due();

    // The rows the dispatcher may send to one recipient as a digest: pending,
    // about an incident, next_attempt_at <= now, and each the earliest
    // pending row of its incident on that channel to that recipient (a later
    // page of the incident waits for the earlier one, so it is never in the
    // same digest). The longest due first (next_attempt_at, then id), at
    // most `limit`.
    Result<std::vector<OutboxRow>> digestible(std::string_view channel, std::string_view recipient, TimePoint now,
                                              std::size_t limit);
    // Records that `ids` go out as one digest led by `lead` (set digest_of =
    // lead; `lead` is normally one of them, the lowest). Only pending or
    // sending rows change; returns how many did.
    Result<std::int64_t> mark_digest(std::int64_t lead, std::span<const std::int64_t> ids);
    // The rows whose latest digest is `lead_id`, by id; empty when none.
    Result<std::vector<OutboxRow>> digest_rows(std::int64_t lead_id);
    // The incidents of that digest, each once, in row order: what an
    // "acknowledge all" of the digest acknowledges. Empty when unknown.
    Result<std::vector<std::int64_t>> digest_incidents(std::int64_t lead_id);

    // Claims a pending row for one delivery attempt: true when it was
    // pending and is now 'sending', false when it was not pending (claimed,
    // finished or cancelled meanwhile).
    Result<bool> mark_sending(std::int64_t id);
    // The channel confirmed delivery: sent at `at`, attempts + 1, the
    // channel's id for it kept for threading. The row must be pending or
    // sending (else a not_found error).
    Status mark_sent(std::int64_t id, TimePoint at, std::string_view remote_id);
    // The attempt failed and may be retried: back to pending with the total
    // number of attempts so far, the time of the next one and the error.
    Status schedule_retry(std::int64_t id, int attempts, TimePoint next_attempt_at, std::string_view error);
    // The row will never be delivered (permanent error, attempts exhausted):
    // failed, attempts + 1, the error kept.
    Status mark_failed(std::int64_t id, std::string_view error);
    // A pending row waits without an attempt (a rate limit): only its
    // next_attempt_at moves. false when the row was not pending.
    Result<bool> postpone(std::int64_t id, TimePoint next_attempt_at);

    // Cancels the incident's pending rows whose idempotency key starts with
    // `key_prefix` ("" for all of them), e.g. the re-pages of an incident
    // just acknowledged. Rows in flight ('sending') are not touched. Returns
    // how many were cancelled.
    Result<std::int64_t> cancel_for_incident(std::int64_t incident_id, std::string_view key_prefix = {});

    // At start-up, before any delivery: rows left in 'sending' by a crash go
    // back to pending, due at once (next_attempt_at = min(theirs, now)),
    // attempts unchanged. Returns how many.
    Result<std::int64_t> recover(TimePoint now);

    // The first notification sent for the incident on this channel to this
    // recipient (earliest sent_at, then id); nullopt when none was sent yet.
    Result<std::optional<ThreadRoot>> thread_root(std::int64_t incident_id, std::string_view channel,
                                                  std::string_view recipient);

    // The earliest next_attempt_at of the pending rows queued before `row`
    // (lower id) for the same incident, channel and recipient; nullopt when
    // none (or when the row has no incident). The dispatcher keeps an
    // incident's pages to one person in order with it.
    Result<std::optional<TimePoint>> earlier_pending(const OutboxRow& row);

    // The earliest next_attempt_at after `now` of the pending rows for this
    // channel and recipient that failed before (attempts > 0): the retry
    // round a failing row joins, so that the pages waiting for one person
    // come due together and go in the order they were queued
    // (notify/dispatcher.hpp). nullopt when none waits.
    Result<std::optional<TimePoint>> retry_round(std::string_view channel, std::string_view recipient,
                                                 TimePoint now);

    Result<std::optional<OutboxRow>> find(std::int64_t id);
    Result<std::optional<OutboxRow>> find_by_key(std::string_view idempotency_key);
    // Every row of an incident, by id.
    Result<std::vector<OutboxRow>> for_incident(std::int64_t incident_id);
    // Rows per state, for metrics.
    Result<OutboxCounts> counts();

private:
    Database* m_db;
};

// A notification as the outbox payload, a JSON object:
//   {"v":1,"idempotency_key":"...","incident_id":42,"thread_root":"...",
//    "subject":"...","text":"...","actionable":true}
// and, for a digest (only then), "digest_id":7 and
//   "digest":[{"incident_id":42,"subject":"...","actionable":true},...].
std::string notification_to_json(const notify::Notification& notification);
// The inverse. Unknown members are ignored (a newer writer); a payload that
// is not an object, lacks subject or text, or has a member of the wrong type
// is an invalid_argument error naming the member.
Result<notify::Notification> notification_from_json(std::string_view json);

}  // namespace tocsin::store
