// The Telegram channel behind notify::Channel: a Notification becomes an
// HTML message (the subject in bold, the text escaped), split into parts
// when longer than Telegram allows and sent in order to the recipient chat.
// An actionable incident page carries the signed Acknowledge / Resolve /
// Escalate buttons on its first part; a thread root (the message id of the
// incident's first page in that chat) makes every part a reply to it. A
// digest (Notification::digest) is rendered the same way, with its keyboard
// (digest_keyboard: Ack #ID per actionable incident, Acknowledge all) under
// its last part, after the list. The client's outcomes map one to one; a
// 429's retry_after becomes DeliveryResult::retry_after, and "can't parse
// entities" is handled by the client's plain-text fallback
// (TelegramOptions::plain_text_fallback).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tocsin/notify/channel.hpp"
#include "tocsin/notify/telegram/keyboard.hpp"
#include "tocsin/notify/telegram/telegram_client.hpp"

namespace tocsin::notify::telegram {

struct TelegramChannelOptions {
    std::string name = "telegram";
    // Signs the buttons of actionable pages; without it pages have none.
    std::optional<CallbackSigner> signer;
};

class TelegramChannel final : public Channel {
public:
    TelegramChannel(TelegramClient client, TelegramChannelOptions options);

    const std::string& name() const override { return m_options.name; }
    // recipient: a chat id in decimal (negative for groups). Anything else is
    // permanent without a request. Parts go out one after another; the first
    // failure ends the delivery with its outcome (a retry sends every part
    // again: at least once). remote_id is the first part's message id.
    void deliver(const std::string& recipient, const Notification& notification,
                 std::function<void(DeliveryResult)> done) override;

    // The parts deliver() sends, in order (each valid HTML within the limit).
    static std::vector<std::string> render(const Notification& notification);

private:
    TelegramClient m_client;
    TelegramChannelOptions m_options;
};

// A failure as a DeliveryResult (retry or permanent, the redacted message,
// Telegram's retry_after).
DeliveryResult to_delivery_result(const ApiFailure& failure);

}  // namespace tocsin::notify::telegram
