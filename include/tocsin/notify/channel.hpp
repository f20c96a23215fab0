// One way to reach a person (email, Telegram, webhook), behind one
// interface: the dispatcher hands a rendered notification to a channel and
// learns whether it was delivered, should be retried, or failed for good.
// Each channel lives in its own folder (src/notify/<name>/) and adapts its
// client (SMTP, Bot API, HTTP) to this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/core/clock.hpp"

namespace tocsin::notify {

// One page in a digest: the incident it is about, the page's own subject,
// and whether it offered buttons or links.
struct DigestItem {
    std::int64_t incident_id = 0;
    std::string subject;
    bool actionable = false;

    bool operator==(const DigestItem&) const = default;
};

// What to say, channel-neutral; channels render it their way.
struct Notification {
    std::string idempotency_key;  // stable across resends: Message-ID, dedup
    std::int64_t incident_id = 0;
    // The first notification of the incident on this channel and recipient
    // (email: In-Reply-To/References; Telegram: reply_to_message_id); empty
    // for the first one.
    std::string thread_root;
    std::string subject;  // one line
    std::string text;     // plain text body
    bool actionable = false;  // offer Acknowledge/Resolve buttons or links

    // Storm control (notify/dispatcher.hpp): many pages to one recipient
    // sent as one. Non-empty: this is a digest of these pages, one item per
    // incident, in the order they were queued; subject and text then sum
    // them up, incident_id is 0, thread_root empty, and actionable says
    // whether any item is. digest_id is the digest's lead outbox row, which
    // an "acknowledge all" button or link names
    // (store::OutboxRepository::digest_incidents).
    std::vector<DigestItem> digest;
    std::int64_t digest_id = 0;

    bool is_digest() const { return !digest.empty(); }
};

// The shell line that acknowledges every actionable item of a digest
// (`tocsin incident ack` takes one id); "" when none is actionable.
inline std::string acknowledge_all_command(const std::vector<DigestItem>& items) {
    std::string ids;
    for (const DigestItem& item : items) {
        if (item.actionable && item.incident_id > 0) ids += (ids.empty() ? "" : " ") + std::to_string(item.incident_id);
    }
    if (ids.empty()) return {};
    return "for id in " + ids + "; do tocsin incident ack \"$id\"; done";
}

enum class DeliveryOutcome { sent, retry, permanent };

struct DeliveryResult {
    DeliveryOutcome outcome = DeliveryOutcome::retry;
    std::string detail;                    // for logs and the audit trail; never a secret
    std::optional<Duration> retry_after;   // the channel asked to wait (Telegram 429)
    std::string remote_id;                 // what the channel assigned (Message-ID, message_id)
};

class Channel {
public:
    virtual ~Channel() = default;
    virtual const std::string& name() const = 0;  // "email", "telegram"
    // Delivers to `recipient` (an address, a chat id); `done` runs exactly
    // once, on the caller's io_context.
    virtual void deliver(const std::string& recipient, const Notification& notification,
                         std::function<void(DeliveryResult)> done) = 0;
};

}  // namespace tocsin::notify
