#include "tocsin/notify/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <random>
#include <set>
#include <utility>

#include "tocsin/core/duration.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/outbox_repository.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::notify {

namespace asio = boost::asio;
using store::OutboxRepository;
using store::OutboxRow;
using store::OutboxState;

// ---------------------------------------------------------------- pure parts

Duration retry_delay(const RetryPolicy& policy, int attempts, double unit, std::optional<Duration> retry_after) {
    const int doublings = std::clamp(attempts - 1, 0, 62);
    const double ceiling =
        std::min(static_cast<double>(std::max(policy.base, Duration{0}).count()) * std::ldexp(1.0, doublings),
                 static_cast<double>(std::max(policy.cap, Duration{0}).count()));
    const double point = std::clamp(unit, 0.0, 1.0) * ceiling;
    Duration delay{static_cast<Duration::rep>(std::floor(point))};
    if (retry_after && *retry_after > delay) delay = *retry_after;
    return delay;
}

ChannelLimits telegram_limits() {
    using namespace std::chrono_literals;
    ChannelLimits l;
    l.per_recipient = RateLimit{1, 1s};
    l.per_group = RateLimit{5, 4s};
    l.overall = RateLimit{10, 50ms};
    return l;
}

TokenBucket::TokenBucket(RateLimit limit, TimePoint now)
    : m_limit(limit), m_tokens(std::max(limit.burst, 1.0)), m_at(now) {
    if (m_limit.interval <= Duration{0}) m_limit.interval = Duration{1};
    m_limit.burst = std::max(m_limit.burst, 1.0);
}

void TokenBucket::refill(TimePoint now) {
    if (now > m_at) {
        const double elapsed = std::chrono::duration<double>(now - m_at).count();
        const double interval = std::chrono::duration<double>(m_limit.interval).count();
        m_tokens = std::min(m_limit.burst, m_tokens + elapsed / interval);
    }
    m_at = now;  // backwards: nothing refilled, and later refills count from here
}

namespace {
constexpr double k_epsilon = 1e-9;  // a token that float rounding left at 0.9999999999
}

bool TokenBucket::try_take(TimePoint now) {
    refill(now);
    if (m_tokens + k_epsilon < 1.0) return false;
    m_tokens = std::max(0.0, m_tokens - 1.0);
    return true;
}

TimePoint TokenBucket::available_at(TimePoint now) {
    refill(now);
    if (m_tokens + k_epsilon >= 1.0) return now;
    const double missing = 1.0 - m_tokens;
    const auto wait = std::chrono::duration<double, TimePoint::period>(
        missing * std::chrono::duration<double, TimePoint::period>(m_limit.interval).count());
    // Whole milliseconds, rounded up: the outbox stores milliseconds, and a
    // row postponed to a truncated time would be due before its token.
    return std::chrono::ceil<std::chrono::milliseconds>(
        now + TimePoint::duration{static_cast<TimePoint::rep>(std::ceil(wait.count() - 1e-3))});
}

bool TokenBucket::full(TimePoint now) const {
    TokenBucket copy = *this;
    copy.refill(now);
    return copy.m_tokens + k_epsilon >= copy.m_limit.burst;
}

// ---------------------------------------------------------------- the dispatcher

namespace {

constexpr std::string_view k_fallback_marker = "/fallback/";

bool is_fallback(const std::string& key) { return key.find(k_fallback_marker) != std::string::npos; }

const char* to_string(DeliveryOutcome o) {
    switch (o) {
        case DeliveryOutcome::sent:
            return "sent";
        case DeliveryOutcome::retry:
            return "retry";
        case DeliveryOutcome::permanent:
            return "permanent";
    }
    return "?";
}

// BEGIN IMMEDIATE on its own, a savepoint inside a caller's transaction.
class Recording {
public:
    static Result<Recording> begin(store::Database& db) {
        const bool nested = db.in_transaction();
        auto status = db.exec(nested ? "SAVEPOINT dispatcher_record" : "BEGIN IMMEDIATE");
        if (!status) return std::move(status).error();
        return Recording(db, nested);
    }
    Recording(Recording&& o) noexcept : m_db(std::exchange(o.m_db, nullptr)), m_nested(o.m_nested) {}
    Recording& operator=(Recording&&) = delete;
    ~Recording() {
        if (m_db == nullptr || !m_db->in_transaction()) return;
        if (m_nested) {
            (void)m_db->exec("ROLLBACK TO dispatcher_record");
            (void)m_db->exec("RELEASE dispatcher_record");
        } else {
            (void)m_db->exec("ROLLBACK");
        }
    }
    Status commit() {
        auto status = m_db->exec(m_nested ? "RELEASE dispatcher_record" : "COMMIT");
        if (status) m_db = nullptr;
        return status;
    }

private:
    Recording(store::Database& db, bool nested) : m_db(&db), m_nested(nested) {}
    store::Database* m_db;
    bool m_nested;
};

// "[P1]" from "[P1] #12 API down"; "" when the subject has no such prefix.
std::string_view severity_prefix(std::string_view subject) {
    if (subject.empty() || subject.front() != '[') return {};
    const auto close = subject.find(']');
    if (close == std::string_view::npos || close > 40) return {};
    return subject.substr(0, close + 1);
}

// One line: a subject may hold anything.
std::string one_line(std::string text) {
    for (char& c : text) {
        if (c == '\r' || c == '\n') c = ' ';
    }
    return text;
}

// The digest of `rows` (claimed, by id; the first is the lead) whose pages
// are `pages`: a subject with the count, one line per page, and how to
// acknowledge them all at once.
Notification make_digest(const std::vector<OutboxRow>& rows, const std::vector<Notification>& pages) {
    Notification d;
    d.idempotency_key = rows.front().idempotency_key + "/digest";
    d.digest_id = rows.front().id;
    std::string_view prefix;
    bool same_prefix = true;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        DigestItem item{rows[i].incident_id, one_line(pages[i].subject), pages[i].actionable};
        d.actionable = d.actionable || item.actionable;
        d.digest.push_back(std::move(item));
    }
    for (std::size_t i = 0; i < d.digest.size(); ++i) {
        const std::string_view p = severity_prefix(d.digest[i].subject);
        if (i == 0) prefix = p;
        same_prefix = same_prefix && p == prefix;
    }
    const std::string count = std::to_string(d.digest.size());
    d.subject =
        (same_prefix && !prefix.empty() ? std::string(prefix) : std::string("[tocsin]")) + " " + count + " incidents";
    d.text = count + " incidents paged at once, one line each:\n\n";
    for (const DigestItem& item : d.digest) d.text += item.subject + "\n";
    if (const std::string all = acknowledge_all_command(d.digest); !all.empty()) {
        d.text += "\nAcknowledge all: " + all + "\n";
    }
    return d;
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Impl> {
    struct ChannelEntry {
        std::unique_ptr<Channel> channel;
        ChannelLimits limits;
    };
    // An outcome that could not be written yet (SQLite busy or failing):
    // of one row, or of every row of a digest.
    struct Unrecorded {
        std::vector<OutboxRow> rows;
        DeliveryResult result;
    };
    // What the digest path did with a row.
    enum class Step { single, done, storage_error };

    Impl(asio::io_context& io, store::Database& db, const Clock& clock, DispatcherOptions options)
        : io(io), db(db), clock(clock), options(std::move(options)), timer(io) {
        if (this->options.max_in_flight == 0) this->options.max_in_flight = 1;
        if (this->options.batch == 0) this->options.batch = 1;
        if (this->options.retry.max_attempts < 1) this->options.retry.max_attempts = 1;
        rng.seed(this->options.seed ? *this->options.seed : std::random_device{}());
    }

    asio::io_context& io;
    store::Database& db;
    const Clock& clock;
    DispatcherOptions options;
    std::mt19937_64 rng;
    std::map<std::string, ChannelEntry, std::less<>> channels;
    std::map<std::string, TokenBucket, std::less<>> buckets;
    // channel '\0' recipient -> no delivery there before this: a retry_after
    // holds back every page to the recipient, not only the one that got it.
    // Found by the channel outage scenario (docs/reliability.md): after a
    // 429 the pages of other incidents went to the chat at once.
    std::map<std::string, TimePoint, std::less<>> holds;
    std::set<std::int64_t> in_flight_rows;               // the rows of the deliveries in flight
    std::size_t deliveries = 0;                          // deliveries in flight (a digest is one)
    std::set<std::pair<std::string, std::string>> busy;  // (channel, recipient) with a delivery in flight
    std::vector<Unrecorded> unrecorded;
    asio::steady_timer timer;
    DispatcherCounters counters;
    bool started = false;
    bool stopped = false;
    bool run_posted = false;

    double unit() { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

    // ------------------------------------------------------------ rate limits

    TokenBucket& bucket(const std::string& key, const RateLimit& limit, TimePoint now) {
        auto it = buckets.find(key);
        if (it == buckets.end()) it = buckets.emplace(key, TokenBucket(limit, now)).first;
        return it->second;
    }

    // nullopt: a token was taken from every bucket that applies; else when
    // all of them will have one.
    std::optional<TimePoint> acquire(const ChannelLimits& limits, const OutboxRow& row, TimePoint now) {
        std::vector<TokenBucket*> applicable;
        const std::string who = row.channel + '\0' + row.recipient;
        if (limits.overall) applicable.push_back(&bucket("overall|" + row.channel, *limits.overall, now));
        if (limits.per_recipient) applicable.push_back(&bucket("recipient|" + who, *limits.per_recipient, now));
        if (limits.per_group && !row.recipient.empty() && row.recipient.front() == '-') {
            applicable.push_back(&bucket("group|" + who, *limits.per_group, now));
        }
        TimePoint ready = now;
        // The channel asked this recipient to wait (Telegram 429 retry_after).
        if (auto hold = holds.find(who); hold != holds.end()) {
            if (hold->second > now) {
                ready = hold->second;
            } else {
                holds.erase(hold);
            }
        }
        for (TokenBucket* b : applicable) ready = std::max(ready, b->available_at(now));
        if (ready > now) return ready;
        for (TokenBucket* b : applicable) (void)b->try_take(now);
        return std::nullopt;
    }

    void prune_buckets(TimePoint now) {
        if (buckets.size() < 4096) return;
        std::erase_if(buckets, [&](auto& entry) { return entry.second.full(now); });
    }

    // ------------------------------------------------------------ recording

    // Writes the outcome of one delivery (of one row, or of every row of a
    // digest) and the fallbacks it causes in one transaction with whatever
    // on_result appends. false on a storage error: nothing of it was kept.
    bool record(const std::vector<OutboxRow>& rows, const DeliveryResult& result) {
        if (rows.empty()) return true;
        const TimePoint now = store::from_unix_millis(store::to_unix_millis(clock.now()));  // as stored
        const bool digest = rows.size() > 1;
        const std::string what =
            (digest ? "the digest led by outbox row " : "outbox row ") + std::to_string(rows.front().id);
        OutboxRepository repo(db);
        auto tx = Recording::begin(db);
        if (!tx) return storage_failed("recording the outcome of " + what, tx.error());

        // One retry time for the whole delivery (a digest's rows come due
        // together again), from the most attempts any of its rows has had.
        std::optional<TimePoint> retry_at;
        if (result.outcome == DeliveryOutcome::retry) {
            int attempts = 0;
            for (const OutboxRow& row : rows) {
                if (row.attempts + 1 < options.retry.max_attempts) attempts = std::max(attempts, row.attempts + 1);
            }
            if (attempts > 0) {
                const Duration delay = retry_delay(options.retry, attempts, unit(), result.retry_after);
                retry_at = store::from_unix_millis(store::to_unix_millis(now + delay));
                // Retry rounds: when other pages for this recipient already
                // wait for a retry, this one joins their round instead of
                // drawing its own time, so the recipient's backlog comes due
                // together and goes oldest first (or as one digest) once the
                // channel works again. Found by the channel outage scenario
                // (docs/reliability.md): with a time per row, a backlog of
                // ten minutes arrived shuffled by the jitter.
                auto round = repo.retry_round(rows.front().channel, rows.front().recipient, now);
                if (!round) return storage_failed("finding the retry round of " + what, round.error());
                if (*round) {
                    TimePoint joined = **round;
                    if (result.retry_after) {
                        const TimePoint allowed{std::chrono::ceil<std::chrono::milliseconds>(now + *result.retry_after)};
                        joined = std::max(joined, allowed);
                    }
                    retry_at = joined;
                }
            }
        }

        std::vector<AttemptReport> reports;
        reports.reserve(rows.size());
        for (const OutboxRow& row : rows) {
            AttemptReport report{row, result, std::nullopt, false};
            OutboxRow& recorded = report.row;
            recorded.attempts = row.attempts + 1;
            Status status = Ok{};
            bool failed = false;
            switch (result.outcome) {
                case DeliveryOutcome::sent:
                    status = repo.mark_sent(row.id, now, result.remote_id);
                    recorded.state = OutboxState::sent;
                    recorded.sent_at = now;
                    recorded.remote_id = result.remote_id;
                    recorded.last_error.clear();
                    break;
                case DeliveryOutcome::retry:
                    if (recorded.attempts >= options.retry.max_attempts || !retry_at) {
                        recorded.last_error = "gave up after " + std::to_string(recorded.attempts) + " attempt" +
                                              (recorded.attempts == 1 ? "" : "s") + ": " + result.detail;
                        status = repo.mark_failed(row.id, recorded.last_error);
                        recorded.state = OutboxState::failed;
                        failed = true;
                    } else {
                        recorded.next_attempt_at = *retry_at;
                        recorded.last_error = result.detail;
                        recorded.state = OutboxState::pending;
                        status =
                            repo.schedule_retry(row.id, recorded.attempts, recorded.next_attempt_at, result.detail);
                    }
                    break;
                case DeliveryOutcome::permanent:
                    recorded.last_error = result.detail;
                    status = repo.mark_failed(row.id, result.detail);
                    recorded.state = OutboxState::failed;
                    failed = true;
                    break;
            }
            if (!status && status.error().category == ErrorCategory::not_found) {
                // Finished or cancelled meanwhile (by another process): nothing to record.
                spdlog::warn("outbox: row {} ({}) moved on before its outcome ({}) was recorded: {}", row.id,
                             row.idempotency_key, to_string(result.outcome), status.error().message);
                continue;
            }
            if (!status)
                return storage_failed("recording the outcome of outbox row " + std::to_string(row.id), status.error());

            if (failed && options.fallback && !is_fallback(row.idempotency_key)) {
                if (auto entry = fallback_entry(row, now)) {
                    auto queued = repo.enqueue(*entry);
                    if (!queued)
                        return storage_failed("queueing the fallback of outbox row " + std::to_string(row.id),
                                              queued.error());
                    report.fallback = std::move(entry);
                    report.fallback_inserted = queued->inserted;
                }
            }

            if (options.on_result) {
                try {
                    options.on_result(report);
                } catch (const std::exception& e) {
                    spdlog::error("outbox: the result hook failed for row {}: {}", row.id, e.what());
                } catch (...) {
                    spdlog::error("outbox: the result hook failed for row {}", row.id);
                }
            }
            reports.push_back(std::move(report));
        }
        if (auto committed = tx->commit(); !committed) {
            return storage_failed("committing the outcome of " + what, committed.error());
        }
        for (const AttemptReport& report : reports) count_and_log(report, digest);
        if (digest) log_digest(rows, result, retry_at);
        return true;
    }

    void log_digest(const std::vector<OutboxRow>& rows, const DeliveryResult& result,
                    std::optional<TimePoint> retry_at) {
        const OutboxRow& lead = rows.front();
        switch (result.outcome) {
            case DeliveryOutcome::sent:
                spdlog::info("outbox: sent a digest of {} pages ({}/digest) via {} to {}{}", rows.size(),
                             lead.idempotency_key, lead.channel, lead.recipient,
                             result.remote_id.empty() ? "" : ", id " + result.remote_id);
                break;
            case DeliveryOutcome::retry:
                if (retry_at) {
                    spdlog::warn("outbox: a digest of {} pages ({}/digest) via {} to {} failed, retrying in {}: {}",
                                 rows.size(), lead.idempotency_key, lead.channel, lead.recipient,
                                 format_duration(std::max(Duration{0}, std::chrono::duration_cast<Duration>(*retry_at - clock.now()))),
                                 result.detail);
                    break;
                }
                [[fallthrough]];
            case DeliveryOutcome::permanent:
                spdlog::error("outbox: a digest of {} pages ({}/digest) via {} to {} failed for good ({}): {}",
                              rows.size(), lead.idempotency_key, lead.channel, lead.recipient,
                              to_string(result.outcome), result.detail);
                break;
        }
    }

    std::optional<store::OutboxEntry> fallback_entry(const OutboxRow& row, TimePoint now) {
        const Destination failed{row.channel, row.recipient};
        std::optional<Destination> other;
        try {
            other = options.fallback(failed);
        } catch (const std::exception& e) {
            spdlog::error("outbox: the fallback resolver failed for {} {}: {}", row.channel, row.recipient, e.what());
            return std::nullopt;
        }
        if (!other || *other == failed || other->channel.empty()) return std::nullopt;
        auto notification = store::notification_from_json(row.payload);
        if (!notification) return std::nullopt;  // nothing sensible to resend
        notification->idempotency_key =
            row.idempotency_key + std::string(k_fallback_marker) + other->channel + "/" + other->recipient;
        notification->incident_id = row.incident_id;
        notification->thread_root.clear();  // another channel's thread
        return store::make_outbox_entry(*notification, other->channel, other->recipient, now, row.event_id);
    }

    // Counts one row's outcome and logs it (a digest's rows at debug level:
    // log_digest sums them up).
    void count_and_log(const AttemptReport& report, bool in_digest) {
        const OutboxRow& r = report.row;
        const auto level = [in_digest](spdlog::level::level_enum usual) {
            return in_digest ? spdlog::level::debug : usual;
        };
        switch (r.state) {
            case OutboxState::sent:
                ++counters.sent;
                spdlog::log(level(spdlog::level::info), "outbox: sent {} via {} to {} (attempt {}){}",
                            r.idempotency_key, r.channel, r.recipient, r.attempts,
                            r.remote_id.empty() ? "" : ", id " + r.remote_id);
                break;
            case OutboxState::pending:
                ++counters.retried;
                spdlog::log(level(spdlog::level::warn),
                            "outbox: {} via {} to {} failed (attempt {} of {}), retrying in {}: {}", r.idempotency_key,
                            r.channel, r.recipient, r.attempts, options.retry.max_attempts,
                            format_duration(std::max(Duration{0}, std::chrono::duration_cast<Duration>(r.next_attempt_at - clock.now()))),
                            report.result.detail);
                break;
            default:
                ++counters.failed;
                spdlog::log(level(spdlog::level::err), "outbox: {} via {} to {} failed for good ({}): {}",
                            r.idempotency_key, r.channel, r.recipient, to_string(report.result.outcome), r.last_error);
                break;
        }
        if (report.fallback && report.fallback_inserted) {
            ++counters.fallbacks;
            spdlog::warn("outbox: falling back to {} {} for {}", report.fallback->channel, report.fallback->recipient,
                         r.idempotency_key);
        }
    }

    bool storage_failed(const std::string& what, const Error& error) {
        ++counters.storage_errors;
        spdlog::error("outbox: {}: {}", what, error.message);
        return false;
    }

    // Outcomes that could not be written before: written first, in order.
    bool flush_unrecorded() {
        while (!unrecorded.empty()) {
            if (!record(unrecorded.front().rows, unrecorded.front().result)) return false;
            unrecorded.erase(unrecorded.begin());
        }
        return true;
    }

    // A delivery (of one row or a digest) finished.
    void finished(const std::vector<OutboxRow>& rows, DeliveryResult result) {
        for (const OutboxRow& row : rows) in_flight_rows.erase(row.id);
        if (!rows.empty() && result.outcome == DeliveryOutcome::retry && result.retry_after) {
            const TimePoint until{std::chrono::ceil<std::chrono::milliseconds>(clock.now() + *result.retry_after)};
            TimePoint& hold = holds[rows.front().channel + '\0' + rows.front().recipient];
            hold = std::max(hold, until);
        }
        if (!rows.empty()) busy.erase({rows.front().channel, rows.front().recipient});
        if (deliveries > 0) --deliveries;
        if (!flush_unrecorded() || !record(rows, result)) unrecorded.push_back(Unrecorded{rows, std::move(result)});
        if (started && !stopped) schedule_now();
    }

    // ------------------------------------------------------------ one step

    using Postponed = std::vector<std::pair<std::int64_t, TimePoint>>;

    RunReport run_due(TimePoint now) {
        RunReport report;
        if (!flush_unrecorded()) {
            report.storage_error = true;
            return report;
        }
        if (deliveries >= options.max_in_flight) return report;
        prune_buckets(now);
        OutboxRepository repo(db);
        auto rows = repo.due(now, options.batch);
        if (!rows) {
            storage_failed("reading due rows", rows.error());
            report.storage_error = true;
            return report;
        }
        const bool full_batch = rows->size() >= options.batch;
        std::size_t refused = 0;  // failed without a delivery
        // Rows a rate limit holds back, moved in one transaction at the end
        // (one sync for a whole burst, not one per row).
        Postponed postponed;
        // Rows a digest of this round took care of (sent with it, or
        // postponed with it): their copies in `rows` are stale.
        std::set<std::int64_t> handled;
        for (OutboxRow& row : *rows) {
            if (deliveries >= options.max_in_flight) {
                report.more = true;
                break;
            }
            if (in_flight_rows.contains(row.id) || handled.contains(row.id)) continue;
            if (busy.contains({row.channel, row.recipient})) {
                ++report.busy;
                continue;
            }
            // An incident's pages reach a person in the order they were
            // queued: a follow-up waits behind an earlier page still retrying.
            auto earlier = repo.earlier_pending(row);
            if (!earlier) {
                storage_failed("ordering outbox row " + std::to_string(row.id), earlier.error());
                report.storage_error = true;
                break;
            }
            if (*earlier) {
                postponed.emplace_back(row.id, std::max(**earlier, now + std::chrono::milliseconds(1)));
                ++report.waiting;
                continue;
            }
            auto channel = channels.find(row.channel);
            if (channel == channels.end()) {
                finish_without_delivery(row, "no channel named \"" + row.channel + "\" is configured");
                ++refused;
                continue;
            }
            auto notification = store::notification_from_json(row.payload);
            if (!notification) {
                finish_without_delivery(row, notification.error().message);
                ++refused;
                continue;
            }
            if (options.digest_after > 0 && row.incident_id != 0) {
                const Step step = try_digest(repo, channel->second, row, now, report, postponed, handled, refused);
                if (step == Step::storage_error) {
                    report.storage_error = true;
                    break;
                }
                if (step == Step::done) continue;
            }
            if (auto ready = acquire(channel->second.limits, row, now)) {
                postponed.emplace_back(row.id, *ready);
                ++report.postponed;
                ++counters.rate_limited;
                continue;
            }
            auto claimed = repo.mark_sending(row.id);
            if (!claimed) {
                storage_failed("claiming outbox row " + std::to_string(row.id), claimed.error());
                report.storage_error = true;
                break;
            }
            if (!*claimed) continue;  // changed meanwhile (another process cancelled it)
            start_single(repo, *channel->second.channel, row, std::move(*notification), report);
        }
        if (!postponed.empty()) {
            if (!postpone(postponed)) report.storage_error = true;
        }
        // A full batch in which rows moved may hide more due rows behind it;
        // one of only busy rows would read the same rows again: the end of a
        // delivery in flight wakes the loop instead.
        if (full_batch && report.started + report.postponed + report.waiting + refused > 0) report.more = true;
        return report;
    }

    // Starts the delivery of one claimed row.
    void start_single(OutboxRepository& repo, Channel& channel, OutboxRow row, Notification notification,
                      RunReport& report) {
        row.state = OutboxState::sending;
        notification.idempotency_key = row.idempotency_key;
        notification.incident_id = row.incident_id;
        if (notification.thread_root.empty() && row.incident_id != 0) {
            auto root = repo.thread_root(row.incident_id, row.channel, row.recipient);
            if (root && *root) notification.thread_root = (*root)->remote_id;
        }
        start({std::move(row)}, channel, notification, report);
    }

    void start(std::vector<OutboxRow> rows, Channel& channel, const Notification& notification, RunReport& report) {
        for (const OutboxRow& row : rows) in_flight_rows.insert(row.id);
        busy.insert({rows.front().channel, rows.front().recipient});
        ++deliveries;
        ++report.started;
        ++counters.attempts;
        deliver(channel, std::move(rows), notification);
    }

    // Storm control: `row` (due, the earliest pending page of its incident
    // here, readable) is about to go to its recipient. When more than
    // digest_after such rows are due there, up to digest_max of them go as
    // one digest (done); otherwise the row goes alone (single).
    Step try_digest(OutboxRepository& repo, ChannelEntry& channel, const OutboxRow& row, TimePoint now,
                    RunReport& report, Postponed& postponed, std::set<std::int64_t>& handled, std::size_t& refused) {
        const std::size_t most = std::max<std::size_t>(options.digest_max, 2);
        auto candidates = repo.digestible(row.channel, row.recipient, now, std::max(most, options.digest_after + 1));
        if (!candidates) {
            storage_failed("looking for a digest to " + row.channel + " " + row.recipient, candidates.error());
            return Step::storage_error;
        }
        if (candidates->size() <= options.digest_after) return Step::single;
        if (candidates->size() > most) candidates->resize(most);
        // In the order they were queued: the lead is the lowest id.
        std::sort(candidates->begin(), candidates->end(),
                  [](const OutboxRow& a, const OutboxRow& b) { return a.id < b.id; });
        std::vector<OutboxRow> members;
        std::vector<Notification> pages;
        for (OutboxRow& candidate : *candidates) {
            if (in_flight_rows.contains(candidate.id) || handled.contains(candidate.id)) continue;
            auto page = store::notification_from_json(candidate.payload);
            if (!page) {
                finish_without_delivery(candidate, page.error().message);
                handled.insert(candidate.id);
                ++refused;
                continue;
            }
            members.push_back(std::move(candidate));
            pages.push_back(std::move(*page));
        }
        if (members.size() < 2) return Step::single;

        if (auto ready = acquire(channel.limits, row, now)) {
            // Nothing goes to this recipient before then: the whole digest waits.
            for (const OutboxRow& m : members) {
                postponed.emplace_back(m.id, *ready);
                handled.insert(m.id);
            }
            if (!handled.contains(row.id)) {
                postponed.emplace_back(row.id, *ready);
                handled.insert(row.id);
                ++report.postponed;
                ++counters.rate_limited;
            }
            report.postponed += members.size();
            counters.rate_limited += members.size();
            return Step::done;
        }

        // Claimed together, in one transaction, with their membership.
        std::vector<OutboxRow> claimed;
        std::vector<Notification> claimed_pages;
        {
            auto tx = Recording::begin(db);
            if (!tx) {
                storage_failed("claiming a digest of outbox rows", tx.error());
                return Step::storage_error;
            }
            for (std::size_t i = 0; i < members.size(); ++i) {
                auto ok = repo.mark_sending(members[i].id);
                if (!ok) {
                    storage_failed("claiming outbox row " + std::to_string(members[i].id), ok.error());
                    return Step::storage_error;
                }
                if (!*ok) continue;  // changed meanwhile (another process cancelled it)
                claimed.push_back(std::move(members[i]));
                claimed_pages.push_back(std::move(pages[i]));
            }
            if (claimed.size() >= 2) {
                std::vector<std::int64_t> ids;
                for (const OutboxRow& c : claimed) ids.push_back(c.id);
                auto marked = repo.mark_digest(claimed.front().id, ids);
                if (!marked) {
                    storage_failed("marking a digest of outbox rows", marked.error());
                    return Step::storage_error;
                }
            }
            if (auto committed = tx->commit(); !committed) {
                storage_failed("claiming a digest of outbox rows", committed.error());
                return Step::storage_error;
            }
        }
        for (const OutboxRow& c : claimed) handled.insert(c.id);
        if (claimed.empty()) return Step::done;
        if (claimed.size() == 1) {
            start_single(repo, *channel.channel, std::move(claimed.front()), std::move(claimed_pages.front()), report);
            return Step::done;
        }
        const std::int64_t lead = claimed.front().id;
        for (OutboxRow& c : claimed) {
            c.state = OutboxState::sending;
            c.digest_of = lead;
        }
        const Notification digest = make_digest(claimed, claimed_pages);
        report.digested += claimed.size();
        ++counters.digests;
        counters.digested_rows += claimed.size();
        start(std::move(claimed), *channel.channel, digest, report);
        return Step::done;
    }

    bool postpone(const Postponed& rows) {
        auto tx = Recording::begin(db);
        if (!tx) return storage_failed("postponing rate-limited rows", tx.error());
        OutboxRepository repo(db);
        for (const auto& [id, at] : rows) {
            auto moved = repo.postpone(id, at);
            if (!moved) return storage_failed("postponing outbox row " + std::to_string(id), moved.error());
        }
        if (auto committed = tx->commit(); !committed) {
            return storage_failed("postponing rate-limited rows", committed.error());
        }
        return true;
    }

    void finish_without_delivery(const OutboxRow& row, std::string why) {
        DeliveryResult result;
        result.outcome = DeliveryOutcome::permanent;
        result.detail = std::move(why);
        if (!record({row}, result)) unrecorded.push_back(Unrecorded{{row}, std::move(result)});
    }

    void deliver(Channel& channel, std::vector<OutboxRow> rows, const Notification& notification) {
        std::weak_ptr<Impl> weak = weak_from_this();
        auto done_once = std::make_shared<bool>(false);
        const std::string recipient = rows.front().recipient;
        channel.deliver(recipient, notification, [weak, rows = std::move(rows), done_once](DeliveryResult result) {
            if (*done_once) {
                spdlog::error("outbox: channel {} reported twice for row {}; ignored", rows.front().channel,
                              rows.front().id);
                return;
            }
            *done_once = true;
            if (auto self = weak.lock()) self->finished(rows, std::move(result));
        });
    }

    // ------------------------------------------------------------ the loop

    void schedule_now() {
        if (run_posted) return;
        run_posted = true;
        asio::post(io, [weak = weak_from_this()] {
            if (auto self = weak.lock()) {
                self->run_posted = false;
                self->loop_step();
            }
        });
    }

    void loop_step() {
        if (!started || stopped) return;
        RunReport report = run_due(clock.now());
        if (report.storage_error) return arm(options.storage_retry);
        if (report.more && deliveries < options.max_in_flight) return schedule_now();
        Duration wait = options.max_sleep;
        OutboxRepository repo(db);
        auto next = repo.next_due();
        if (!next) {
            storage_failed("reading the next due time", next.error());
            return arm(options.storage_retry);
        }
        if (*next) {
            const auto until = std::chrono::ceil<Duration>(**next - clock.now());
            if (until > Duration{0}) {
                wait = std::min(wait, until);
            } else if (deliveries == 0) {
                // Due but not started without anything in flight: only a
                // full batch does that (handled above); do not spin.
                wait = std::chrono::milliseconds(5);
            }
            // else: due rows wait for a recipient's delivery; its end pokes.
        }
        arm(wait);
    }

    void arm(Duration wait) {
        if (stopped) return;
        timer.expires_after(std::max(wait, Duration{0}));
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            if (ec) return;
            if (auto self = weak.lock()) self->loop_step();
        });
    }
};

Dispatcher::Dispatcher(asio::io_context& io, store::Database& db, const Clock& clock, DispatcherOptions options)
    : m_impl(std::make_shared<Impl>(io, db, clock, std::move(options))) {}

Dispatcher::~Dispatcher() {
    if (m_impl) {
        m_impl->stopped = true;
        m_impl->timer.cancel();
    }
}

Status Dispatcher::add_channel(std::unique_ptr<Channel> channel, ChannelLimits limits) {
    if (!channel) return Error::make(ErrorCategory::invalid_argument, "no channel given");
    const std::string name = channel->name();
    if (name.empty()) return Error::make(ErrorCategory::invalid_argument, "a channel needs a name");
    if (m_impl->channels.contains(name)) {
        return Error::make(ErrorCategory::invalid_argument, "a channel named \"" + name + "\" is already registered");
    }
    m_impl->channels.emplace(name, Impl::ChannelEntry{std::move(channel), limits});
    return Ok{};
}

Result<std::int64_t> Dispatcher::start() {
    std::int64_t recovered = 0;
    // Once per dispatcher: later, 'sending' rows are this one's own deliveries.
    if (!m_impl->started) {
        auto r = OutboxRepository(m_impl->db).recover(m_impl->clock.now());
        if (!r) return std::move(r).error();
        recovered = *r;
        if (recovered > 0) {
            spdlog::warn("outbox: {} page(s) were being sent when tocsin stopped; sending them again", recovered);
        }
    }
    m_impl->started = true;
    m_impl->stopped = false;
    m_impl->schedule_now();
    return recovered;
}

void Dispatcher::poke() {
    asio::post(m_impl->io, [weak = std::weak_ptr<Impl>(m_impl)] {
        if (auto self = weak.lock(); self && self->started && !self->stopped) self->schedule_now();
    });
}

void Dispatcher::stop() {
    m_impl->stopped = true;
    m_impl->timer.cancel();
}

void Dispatcher::send_direct(const Destination& to, const Notification& notification,
                             std::function<void(DeliveryResult)> done) {
    auto it = m_impl->channels.find(to.channel);
    if (it == m_impl->channels.end()) {
        done(DeliveryResult{DeliveryOutcome::permanent, "no channel named " + to.channel, std::nullopt, {}});
        return;
    }
    // Once, and never after the dispatcher (and its channels) went away.
    auto once = std::make_shared<bool>(false);
    it->second.channel->deliver(
        to.recipient, notification,
        [weak = std::weak_ptr<Impl>(m_impl), once, done = std::move(done)](DeliveryResult result) {
            if (*once || weak.expired()) return;
            *once = true;
            done(std::move(result));
        });
}

RunReport Dispatcher::run_due(TimePoint now) { return m_impl->run_due(now); }

std::optional<TimePoint> Dispatcher::next_due() {
    auto next = OutboxRepository(m_impl->db).next_due();
    if (!next) return std::nullopt;
    return *next;
}

std::size_t Dispatcher::in_flight() const { return m_impl->deliveries; }

const DispatcherCounters& Dispatcher::counters() const { return m_impl->counters; }

}  // namespace tocsin::notify
