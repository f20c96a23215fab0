#include "tocsin/store/outbox_repository.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <limits>
#include <utility>

#include "tocsin/store/database.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::store {
namespace {

constexpr std::string_view k_columns =
    "id, incident_id, event_id, channel, recipient, idempotency_key, payload, state, attempts, next_attempt_at, "
    "last_error, created_at, sent_at, remote_id, digest_of";

std::string select_rows(std::string_view where_and_order) {
    return "SELECT " + std::string(k_columns) + " FROM outbox " + std::string(where_and_order);
}

// A row as selected with k_columns. An unknown state (a newer writer) reads
// as failed: the dispatcher never picks it up, and nothing is deleted.
OutboxRow read_row(const Statement& stmt) {
    OutboxRow r;
    r.id = stmt.column_int64(0);
    r.incident_id = stmt.column_is_null(1) ? 0 : stmt.column_int64(1);
    if (!stmt.column_is_null(2)) r.event_id = stmt.column_int64(2);
    r.channel = stmt.column_text(3);
    r.recipient = stmt.column_text(4);
    r.idempotency_key = stmt.column_text(5);
    r.payload = stmt.column_text(6);
    r.state = parse_outbox_state(stmt.column_text(7)).value_or(OutboxState::failed);
    r.attempts = static_cast<int>(stmt.column_int64(8));
    r.next_attempt_at = stmt.column_time(9);
    r.last_error = stmt.column_text(10);
    r.created_at = stmt.column_time(11);
    if (!stmt.column_is_null(12)) r.sent_at = stmt.column_time(12);
    r.remote_id = stmt.column_text(13);
    r.digest_of = stmt.column_is_null(14) ? 0 : stmt.column_int64(14);
    return r;
}

Result<std::vector<OutboxRow>> read_rows(Statement& stmt) {
    std::vector<OutboxRow> rows;
    while (true) {
        auto row = stmt.step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        rows.push_back(read_row(stmt));
    }
    return rows;
}

Result<std::optional<OutboxRow>> read_one(Statement& stmt) {
    auto row = stmt.step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<OutboxRow>{};
    return std::optional<OutboxRow>(read_row(stmt));
}

// Runs an UPDATE and returns how many rows it changed.
Result<std::int64_t> run_update(Database& db, Statement& stmt) {
    auto done = stmt.step();
    if (!done) return std::move(done).error();
    return db.changes();
}

Status expect_changed(Result<std::int64_t> changed, std::int64_t id, std::string_view what) {
    if (!changed) return std::move(changed).error();
    if (*changed == 0) {
        return Error::make(ErrorCategory::not_found, "outbox row " + std::to_string(id) +
                                                         " is not pending or sending; cannot " + std::string(what));
    }
    return Ok{};
}

bool read_int64(const boost::json::value& v, std::int64_t& out) {
    if (v.is_int64()) {
        out = v.as_int64();
        return true;
    }
    if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out = static_cast<std::int64_t>(v.as_uint64());
        return true;
    }
    return false;
}

std::int64_t sql_limit(std::size_t limit) {
    return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// The one time a `SELECT min(...)` yields; none for NULL (no row matched).
Result<std::optional<TimePoint>> single_time(Statement& stmt) {
    auto found = stmt.step();
    if (!found) return std::move(found).error();
    if (!*found || stmt.column_is_null(0)) return std::optional<TimePoint>{};
    return std::optional<TimePoint>(stmt.column_time(0));
}
}  // namespace

const char* to_string(OutboxState state) noexcept {
    switch (state) {
        case OutboxState::pending:
            return "pending";
        case OutboxState::sending:
            return "sending";
        case OutboxState::sent:
            return "sent";
        case OutboxState::failed:
            return "failed";
        case OutboxState::cancelled:
            return "cancelled";
    }
    return "?";
}

std::optional<OutboxState> parse_outbox_state(std::string_view text) noexcept {
    for (OutboxState s :
         {OutboxState::pending, OutboxState::sending, OutboxState::sent, OutboxState::failed, OutboxState::cancelled}) {
        if (text == to_string(s)) return s;
    }
    return std::nullopt;
}

std::int64_t OutboxCounts::of(OutboxState state) const {
    switch (state) {
        case OutboxState::pending:
            return pending;
        case OutboxState::sending:
            return sending;
        case OutboxState::sent:
            return sent;
        case OutboxState::failed:
            return failed;
        case OutboxState::cancelled:
            return cancelled;
    }
    return 0;
}

OutboxEntry make_outbox_entry(const notify::Notification& notification, std::string channel, std::string recipient,
                              TimePoint now, std::optional<std::int64_t> event_id) {
    OutboxEntry e;
    e.incident_id = notification.incident_id;
    e.event_id = event_id;
    e.channel = std::move(channel);
    e.recipient = std::move(recipient);
    e.idempotency_key = notification.idempotency_key;
    e.payload = notification_to_json(notification);
    e.created_at = now;
    e.next_attempt_at = now;
    return e;
}

Result<Enqueued> OutboxRepository::enqueue(const OutboxEntry& entry) {
    if (entry.channel.empty()) return Error::make(ErrorCategory::invalid_argument, "outbox entry without a channel");
    if (entry.idempotency_key.empty()) {
        return Error::make(ErrorCategory::invalid_argument, "outbox entry without an idempotency key");
    }
    auto insert = m_db->prepare(
        "INSERT INTO outbox (incident_id, event_id, channel, recipient, idempotency_key, payload, state, attempts, "
        "next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8) "
        "ON CONFLICT (idempotency_key) DO NOTHING");
    if (!insert) return std::move(insert).error();
    if (entry.incident_id != 0)
        insert->bind(1, entry.incident_id);
    else
        insert->bind(1, nullptr);
    insert->bind(2, entry.event_id)
        .bind(3, std::string_view(entry.channel))
        .bind(4, std::string_view(entry.recipient))
        .bind(5, std::string_view(entry.idempotency_key))
        .bind(6, std::string_view(entry.payload))
        .bind(7, entry.next_attempt_at)
        .bind(8, entry.created_at);
    auto done = insert->step();
    if (!done) {
        Error error = std::move(done).error();
        error.message = "queueing " + entry.idempotency_key + ": " + error.message;
        return error;
    }
    if (m_db->changes() == 1) return Enqueued{m_db->last_insert_rowid(), true};
    auto existing = m_db->prepare("SELECT id FROM outbox WHERE idempotency_key = ?1");
    if (!existing) return std::move(existing).error();
    auto row = existing->bind(1, std::string_view(entry.idempotency_key)).step();
    if (!row) return std::move(row).error();
    if (!*row) {
        return Error::make(ErrorCategory::internal,
                           "queueing " + entry.idempotency_key + ": neither inserted nor already there");
    }
    return Enqueued{existing->column_int64(0), false};
}

Result<std::vector<OutboxRow>> OutboxRepository::due(TimePoint now, std::size_t limit) {
    auto stmt = m_db->prepare(
        select_rows("WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"));
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, now).bind(2, sql_limit(limit));
    return read_rows(*stmt);
}

Result<std::optional<TimePoint>> OutboxRepository::next_due() {
    auto stmt = m_db->prepare("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'");
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row || stmt->column_is_null(0)) return std::optional<TimePoint>{};
    return std::optional<TimePoint>(stmt->column_time(0));
}

Result<std::vector<OutboxRow>> OutboxRepository::digestible(std::string_view channel, std::string_view recipient,
                                                            TimePoint now, std::size_t limit) {
    auto stmt = m_db->prepare(select_rows(
        "AS o WHERE o.state = 'pending' AND o.channel = ?1 AND o.recipient = ?2 AND o.next_attempt_at <= ?3 "
        "AND o.incident_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.incident_id = o.incident_id "
        "AND e.channel = o.channel AND e.recipient = o.recipient AND e.state = 'pending' AND e.id < o.id) "
        "ORDER BY o.next_attempt_at, o.id LIMIT ?4"));
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, channel).bind(2, recipient).bind(3, now).bind(4, sql_limit(limit));
    return read_rows(*stmt);
}

Result<std::int64_t> OutboxRepository::mark_digest(std::int64_t lead, std::span<const std::int64_t> ids) {
    auto stmt = m_db->prepare("UPDATE outbox SET digest_of = ?1 WHERE id = ?2 AND state IN ('pending', 'sending')");
    if (!stmt) return std::move(stmt).error();
    std::int64_t changed = 0;
    for (std::int64_t id : ids) {
        stmt->reset();
        stmt->bind(1, lead).bind(2, id);
        auto n = run_update(*m_db, *stmt);
        if (!n) return std::move(n).error();
        changed += *n;
    }
    return changed;
}

Result<std::vector<OutboxRow>> OutboxRepository::digest_rows(std::int64_t lead_id) {
    auto stmt = m_db->prepare(select_rows("WHERE digest_of = ?1 ORDER BY id"));
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, lead_id);
    return read_rows(*stmt);
}

Result<std::vector<std::int64_t>> OutboxRepository::digest_incidents(std::int64_t lead_id) {
    auto stmt = m_db->prepare(
        "SELECT incident_id FROM outbox WHERE digest_of = ?1 AND incident_id IS NOT NULL "
        "GROUP BY incident_id ORDER BY min(id)");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, lead_id);
    std::vector<std::int64_t> ids;
    while (true) {
        auto row = stmt->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        ids.push_back(stmt->column_int64(0));
    }
    return ids;
}

Result<bool> OutboxRepository::mark_sending(std::int64_t id) {
    auto stmt = m_db->prepare("UPDATE outbox SET state = 'sending' WHERE id = ?1 AND state = 'pending'");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, id);
    auto changed = run_update(*m_db, *stmt);
    if (!changed) return std::move(changed).error();
    return *changed == 1;
}

Status OutboxRepository::mark_sent(std::int64_t id, TimePoint at, std::string_view remote_id) {
    auto stmt = m_db->prepare(
        "UPDATE outbox SET state = 'sent', sent_at = ?2, remote_id = ?3, attempts = attempts + 1, last_error = NULL "
        "WHERE id = ?1 AND state IN ('pending', 'sending')");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, id).bind(2, at);
    if (remote_id.empty())
        stmt->bind(3, nullptr);
    else
        stmt->bind(3, remote_id);
    return expect_changed(run_update(*m_db, *stmt), id, "mark it sent");
}

Status OutboxRepository::schedule_retry(std::int64_t id, int attempts, TimePoint next_attempt_at,
                                        std::string_view error) {
    auto stmt = m_db->prepare(
        "UPDATE outbox SET state = 'pending', attempts = ?2, next_attempt_at = ?3, last_error = ?4 "
        "WHERE id = ?1 AND state IN ('pending', 'sending')");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, id).bind(2, std::max(attempts, 0)).bind(3, next_attempt_at).bind(4, error);
    return expect_changed(run_update(*m_db, *stmt), id, "schedule a retry");
}

Status OutboxRepository::mark_failed(std::int64_t id, std::string_view error) {
    auto stmt = m_db->prepare(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2 "
        "WHERE id = ?1 AND state IN ('pending', 'sending')");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, id).bind(2, error);
    return expect_changed(run_update(*m_db, *stmt), id, "mark it failed");
}

Result<bool> OutboxRepository::postpone(std::int64_t id, TimePoint next_attempt_at) {
    auto stmt = m_db->prepare("UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1 AND state = 'pending'");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, id).bind(2, next_attempt_at);
    auto changed = run_update(*m_db, *stmt);
    if (!changed) return std::move(changed).error();
    return *changed == 1;
}

Result<std::int64_t> OutboxRepository::cancel_for_incident(std::int64_t incident_id, std::string_view key_prefix) {
    // substr, not LIKE: a key may contain % and _.
    auto stmt = m_db->prepare(
        "UPDATE outbox SET state = 'cancelled' WHERE incident_id = ?1 AND state = 'pending' "
        "AND substr(idempotency_key, 1, length(?2)) = ?2");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, incident_id).bind(2, key_prefix);
    return run_update(*m_db, *stmt);
}

Result<std::int64_t> OutboxRepository::recover(TimePoint now) {
    auto stmt = m_db->prepare(
        "UPDATE outbox SET state = 'pending', next_attempt_at = min(next_attempt_at, ?1) WHERE state = 'sending'");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, now);
    return run_update(*m_db, *stmt);
}

Result<std::optional<ThreadRoot>> OutboxRepository::thread_root(std::int64_t incident_id, std::string_view channel,
                                                                std::string_view recipient) {
    auto stmt = m_db->prepare(
        "SELECT id, idempotency_key, remote_id FROM outbox WHERE incident_id = ?1 AND channel = ?2 "
        "AND recipient = ?3 AND state = 'sent' ORDER BY sent_at, id LIMIT 1");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, incident_id).bind(2, channel).bind(3, recipient);
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<ThreadRoot>{};
    return std::optional<ThreadRoot>(ThreadRoot{stmt->column_int64(0), stmt->column_text(1), stmt->column_text(2)});
}

Result<std::optional<TimePoint>> OutboxRepository::earlier_pending(const OutboxRow& row) {
    if (row.incident_id == 0) return std::optional<TimePoint>{};
    auto stmt = m_db->prepare(
        "SELECT min(next_attempt_at) FROM outbox WHERE incident_id = ?1 AND channel = ?2 AND recipient = ?3 "
        "AND state = 'pending' AND id < ?4");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, row.incident_id)
        .bind(2, std::string_view(row.channel))
        .bind(3, std::string_view(row.recipient))
        .bind(4, row.id);
    return single_time(*stmt);
}

Result<std::optional<TimePoint>> OutboxRepository::retry_round(std::string_view channel, std::string_view recipient,
                                                                TimePoint now) {
    auto stmt = m_db->prepare(
        "SELECT min(next_attempt_at) FROM outbox WHERE channel = ?1 AND recipient = ?2 AND state = 'pending' "
        "AND attempts > 0 AND next_attempt_at > ?3");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, channel).bind(2, recipient).bind(3, now);
    return single_time(*stmt);
}

Result<std::optional<OutboxRow>> OutboxRepository::find(std::int64_t id) {
    auto stmt = m_db->prepare(select_rows("WHERE id = ?1"));
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, id);
    return read_one(*stmt);
}

Result<std::optional<OutboxRow>> OutboxRepository::find_by_key(std::string_view idempotency_key) {
    auto stmt = m_db->prepare(select_rows("WHERE idempotency_key = ?1"));
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, idempotency_key);
    return read_one(*stmt);
}

Result<std::vector<OutboxRow>> OutboxRepository::for_incident(std::int64_t incident_id) {
    auto stmt = m_db->prepare(select_rows("WHERE incident_id = ?1 ORDER BY id"));
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, incident_id);
    return read_rows(*stmt);
}

Result<OutboxCounts> OutboxRepository::counts() {
    auto stmt = m_db->prepare("SELECT state, count(*) FROM outbox GROUP BY state");
    if (!stmt) return std::move(stmt).error();
    OutboxCounts counts;
    while (true) {
        auto row = stmt->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        const std::int64_t n = stmt->column_int64(1);
        switch (parse_outbox_state(stmt->column_text(0)).value_or(OutboxState::failed)) {
            case OutboxState::pending:
                counts.pending += n;
                break;
            case OutboxState::sending:
                counts.sending += n;
                break;
            case OutboxState::sent:
                counts.sent += n;
                break;
            case OutboxState::failed:
                counts.failed += n;
                break;
            case OutboxState::cancelled:
                counts.cancelled += n;
                break;
        }
    }
    return counts;
}

std::string notification_to_json(const notify::Notification& n) {
    boost::json::object o;
    o["v"] = 1;
    o["idempotency_key"] = n.idempotency_key;
    o["incident_id"] = n.incident_id;
    if (!n.thread_root.empty()) o["thread_root"] = n.thread_root;
    o["subject"] = n.subject;
    o["text"] = n.text;
    o["actionable"] = n.actionable;
    if (!n.digest.empty()) {
        o["digest_id"] = n.digest_id;
        boost::json::array items;
        for (const auto& item : n.digest) {
            items.push_back(boost::json::object{
                {"incident_id", item.incident_id}, {"subject", item.subject}, {"actionable", item.actionable}});
        }
        o["digest"] = std::move(items);
    }
    return boost::json::serialize(o);
}

Result<notify::Notification> notification_from_json(std::string_view json) {
    auto fail = [](const std::string& why) {
        return Error::make(ErrorCategory::invalid_argument, "outbox payload: " + why);
    };
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(json, ec);
    if (ec) return fail("not JSON (" + ec.message() + ")");
    if (!value.is_object()) return fail("not a JSON object");
    const boost::json::object& o = value.as_object();
    notify::Notification n;
    auto text = [&](const char* name, std::string& out, bool required) -> std::optional<Error> {
        const boost::json::value* v = o.if_contains(name);
        if (v == nullptr) {
            if (required) return fail(std::string(name) + " is missing");
            return std::nullopt;
        }
        if (!v->is_string()) return fail(std::string(name) + " is not a string");
        out = std::string(v->as_string());
        return std::nullopt;
    };
    if (auto e = text("idempotency_key", n.idempotency_key, false)) return std::move(*e);
    if (auto e = text("thread_root", n.thread_root, false)) return std::move(*e);
    if (auto e = text("subject", n.subject, true)) return std::move(*e);
    if (auto e = text("text", n.text, true)) return std::move(*e);
    if (const boost::json::value* v = o.if_contains("incident_id")) {
        if (!read_int64(*v, n.incident_id)) return fail("incident_id is not an integer within 64 bits");
    }
    if (const boost::json::value* v = o.if_contains("actionable")) {
        if (!v->is_bool()) return fail("actionable is not a boolean");
        n.actionable = v->as_bool();
    }
    if (const boost::json::value* v = o.if_contains("digest_id")) {
        if (!read_int64(*v, n.digest_id)) return fail("digest_id is not an integer within 64 bits");
    }
    if (const boost::json::value* v = o.if_contains("digest")) {
        if (!v->is_array()) return fail("digest is not an array");
        for (const boost::json::value& entry : v->as_array()) {
            const boost::json::object* item = entry.if_object();
            if (item == nullptr) return fail("a digest item is not an object");
            notify::DigestItem d;
            const boost::json::value* id = item->if_contains("incident_id");
            if (id == nullptr || !read_int64(*id, d.incident_id))
                return fail("a digest item's incident_id is missing or not an integer within 64 bits");
            const boost::json::value* subject = item->if_contains("subject");
            if (subject == nullptr || !subject->is_string()) return fail("a digest item's subject is not a string");
            d.subject = std::string(subject->as_string());
            if (const boost::json::value* a = item->if_contains("actionable")) {
                if (!a->is_bool()) return fail("a digest item's actionable is not a boolean");
                d.actionable = a->as_bool();
            }
            n.digest.push_back(std::move(d));
        }
    }
    return n;
}

}  // namespace tocsin::store
