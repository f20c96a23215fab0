#include "telegram_channel.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <utility>

#include "tocsin/notify/telegram/html.hpp"

namespace tocsin::notify::telegram {
namespace {

std::optional<std::int64_t> parse_id(const std::string& text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
    return value;
}

DeliveryResult permanent(std::string detail) {
    DeliveryResult r;
    r.outcome = DeliveryOutcome::permanent;
    r.detail = std::move(detail);
    return r;
}

// One delivery's parts, sent one after another.
struct Sending : std::enable_shared_from_this<Sending> {
    TelegramClient client;
    std::int64_t chat_id = 0;
    std::optional<std::int64_t> reply_to;
    Keyboard buttons;
    bool buttons_last = false;  // under the last part (a digest: under its list), else the first
    std::vector<std::string> parts;
    std::function<void(DeliveryResult)> done;
    std::size_t next = 0;
    std::int64_t first_message_id = 0;
    bool plain_text = false;

    Sending(TelegramClient c) : client(std::move(c)) {}

    void send_next() {
        SendMessageRequest request;
        request.chat_id = chat_id;
        request.text = parts[next];
        request.reply_to_message_id = reply_to;
        if (next == (buttons_last ? parts.size() - 1 : 0)) request.buttons = buttons;
        client.send_message(std::move(request), [self = shared_from_this()](ApiResult<SentMessage> result) {
            self->on_sent(std::move(result));
        });
    }

    void on_sent(ApiResult<SentMessage> result) {
        if (!result.ok()) {
            DeliveryResult failed = to_delivery_result(result.failure());
            if (parts.size() > 1) {
                failed.detail =
                    "part " + std::to_string(next + 1) + " of " + std::to_string(parts.size()) + ": " + failed.detail;
            }
            return done(std::move(failed));
        }
        if (next == 0) first_message_id = result->message_id;
        plain_text = plain_text || result->plain_text;
        if (++next < parts.size()) return send_next();
        DeliveryResult sent;
        sent.outcome = DeliveryOutcome::sent;
        sent.remote_id = std::to_string(first_message_id);
        sent.detail = "message " + sent.remote_id;
        if (parts.size() > 1) sent.detail += " (" + std::to_string(parts.size()) + " parts)";
        if (plain_text) sent.detail += ", as plain text: Telegram refused the HTML";
        done(std::move(sent));
    }
};

}  // namespace

TelegramChannel::TelegramChannel(TelegramClient client, TelegramChannelOptions options)
    : m_client(std::move(client)), m_options(std::move(options)) {}

std::vector<std::string> TelegramChannel::render(const Notification& n) {
    std::string html = bold(n.subject);
    if (!n.text.empty()) html += "\n\n" + escape_html(n.text);
    return split_message(html);
}

DeliveryResult to_delivery_result(const ApiFailure& failure) {
    DeliveryResult r;
    r.outcome = failure.outcome == Outcome::permanent ? DeliveryOutcome::permanent : DeliveryOutcome::retry;
    r.detail = failure.message();
    if (failure.retry_after) r.retry_after = std::chrono::duration_cast<Duration>(*failure.retry_after);
    if (failure.migrate_to_chat_id) {
        r.detail +=
            "; the group is now chat " + std::to_string(*failure.migrate_to_chat_id) + ": update the configuration";
    }
    return r;
}

void TelegramChannel::deliver(const std::string& recipient, const Notification& notification,
                              std::function<void(DeliveryResult)> done) {
    auto chat_id = parse_id(recipient);
    if (!chat_id || *chat_id == 0) {
        return done(permanent("recipient \"" + recipient + "\" is not a Telegram chat id"));
    }
    auto sending = std::make_shared<Sending>(m_client);
    sending->chat_id = *chat_id;
    sending->done = std::move(done);
    sending->parts = render(notification);
    if (sending->parts.empty()) return sending->done(permanent("nothing to send: the notification is empty"));
    if (auto root = parse_id(notification.thread_root); root && *root > 0) sending->reply_to = *root;
    if (notification.is_digest()) {
        if (notification.actionable && notification.digest_id > 0 && m_options.signer) {
            std::vector<std::int64_t> ids;
            for (const DigestItem& item : notification.digest) {
                if (item.actionable && item.incident_id > 0 &&
                    std::find(ids.begin(), ids.end(), item.incident_id) == ids.end()) {
                    ids.push_back(item.incident_id);
                }
            }
            sending->buttons = digest_keyboard(*m_options.signer, ids, notification.digest_id);
            sending->buttons_last = true;
        }
    } else if (notification.actionable && notification.incident_id > 0 && m_options.signer) {
        sending->buttons = incident_keyboard(*m_options.signer, notification.incident_id);
    }
    sending->send_next();
}

}  // namespace tocsin::notify::telegram
