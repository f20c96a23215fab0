// What tocsin reads from the Bot API, as plain data: the message it sent,
// and the updates getUpdates returns (button presses and messages).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tocsin::notify::telegram {

struct SentMessage {
    std::int64_t message_id = 0;
    std::int64_t chat_id = 0;
    bool plain_text = false;  // sent without parse_mode after Telegram refused the HTML
};

struct User {
    std::int64_t id = 0;
    std::string username;  // without "@"; may be empty
    std::string first_name;
    bool is_bot = false;

    // "@username", else the first name, else "user <id>" (for answers and audit).
    std::string display_name() const;
};

// A press on an inline keyboard button.
struct CallbackQuery {
    std::string id;  // answer it with answerCallbackQuery
    User from;
    // The message the button is under; absent for inline-mode messages.
    std::optional<std::int64_t> chat_id;
    std::optional<std::int64_t> message_id;
    std::string data;  // callback_data; empty when absent
};

struct IncomingMessage {
    std::int64_t message_id = 0;
    std::int64_t chat_id = 0;
    std::optional<User> from;  // absent for channel posts
    std::string text;          // empty for non-text messages
    std::optional<std::int64_t> reply_to_message_id;
};

struct Update {
    std::int64_t update_id = 0;
    std::optional<CallbackQuery> callback_query;
    std::optional<IncomingMessage> message;
    // Why the update is unusable: a kind tocsin does not use, or malformed.
    // A malformed callback query keeps its id (when it had one) so it can
    // still be answered. The update counts for the offset either way.
    std::string problem;
};

}  // namespace tocsin::notify::telegram
