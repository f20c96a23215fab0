// Long-polls getUpdates and turns button presses into incident actions.
// It keeps the offset (the caller persists it, ideally in the transaction
// that applies an action, and passes it back at start, so no press is ever
// applied twice), lets through only configured chats and users, verifies
// each callback's signature, answers every callback query, and backs off on
// errors (honouring 429's retry_after). Runs on the client's io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/notify/telegram/api_result.hpp"
#include "tocsin/notify/telegram/keyboard.hpp"
#include "tocsin/notify/telegram/telegram_client.hpp"
#include "tocsin/notify/telegram/update.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::notify::telegram {

struct PollerOptions {
    std::vector<std::int64_t> allowed_chat_ids;  // updates from other chats are ignored
    std::vector<std::int64_t> allowed_user_ids;  // empty: any member of an allowed chat
    std::chrono::seconds poll_timeout = std::chrono::seconds(30);
    Duration min_backoff = std::chrono::seconds(1);
    Duration max_backoff = std::chrono::seconds(60);
    std::int64_t initial_offset = 0;  // the persisted offset; 0: whatever Telegram holds
    std::string not_allowed_text = "You are not allowed to do this.";
    std::string invalid_button_text = "This button is not valid.";
};

// An authorised, verified button press. For acknowledge_all (a digest's
// "Acknowledge all") action.incident_id is the digest's id: the handler
// acknowledges store::OutboxRepository::digest_incidents(id).
struct ActionRequest {
    CallbackAction action;
    User from;
    std::int64_t chat_id = 0;
    std::int64_t message_id = 0;
    std::int64_t update_id = 0;
    // The offset once this update is handled: store it with the action's
    // effect and no restart applies the press twice.
    std::int64_t next_offset = 0;
};

struct ActionReply {
    std::string text;             // the toast shown to the presser (at most 200 characters)
    bool remove_buttons = false;  // e.g. after the incident is resolved
};

struct PollerCounters {
    std::uint64_t polls = 0;
    std::uint64_t poll_errors = 0;
    std::uint64_t actions = 0;             // delivered to the action handler
    std::uint64_t messages = 0;            // delivered to the message handler
    std::uint64_t refused_unauthorised = 0;
    std::uint64_t refused_invalid = 0;     // bad or forged callback data
    std::uint64_t ignored = 0;             // other chats, unsupported or malformed updates, duplicates
    std::uint64_t answer_errors = 0;
};

using ActionHandler = std::function<ActionReply(const ActionRequest&)>;
using MessageHandler = std::function<void(const IncomingMessage&)>;
using OffsetHandler = std::function<void(std::int64_t next_offset)>;

// Poll delay after `consecutive_failures` (>= 1) failed polls: Telegram's
// retry_after when it gave one, else min_backoff doubled per failure up to
// max_backoff. Pure, so the schedule is testable without waiting.
Duration poll_backoff(const ApiFailure& failure, int consecutive_failures, const PollerOptions& options);

class UpdatesPoller {
public:
    // `on_action` is required; `on_message` gets authorised chats' messages;
    // `on_offset` is told every time the offset advances.
    UpdatesPoller(boost::asio::io_context& io, TelegramClient client, CallbackSigner signer, PollerOptions options,
                  ActionHandler on_action, MessageHandler on_message = {}, OffsetHandler on_offset = {});
    ~UpdatesPoller();
    UpdatesPoller(const UpdatesPoller&) = delete;
    UpdatesPoller& operator=(const UpdatesPoller&) = delete;

    // Starts polling (from the io_context thread or before it runs).
    void start();
    // Stops: no handler runs after this returns (call it on the io_context
    // thread). A poll in flight is abandoned: its updates were not
    // confirmed, so Telegram delivers them again to the next poller. The
    // destructor stops too; destroy the poller on the io_context thread or
    // once the io_context no longer runs.
    void stop();

    // The next update_id wanted; safe to read from any thread.
    std::int64_t offset() const;
    // Read on the io_context thread, or after it stopped.
    const PollerCounters& counters() const;

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
};

}  // namespace tocsin::notify::telegram
