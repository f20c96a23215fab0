// The Bot API methods tocsin uses, on net::http_fetch: sendMessage (with the
// plain-text fallback), answerCallbackQuery, editMessageReplyMarkup and
// getUpdates. Each call runs on the io_context and calls `done` there
// exactly once with a classified result. The bot token lives in the URL path
// (/bot<token>/method): it is redacted from every string this client
// returns or logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/core/secret.hpp"
#include "tocsin/net/tls_options.hpp"
#include "tocsin/notify/telegram/api_result.hpp"
#include "tocsin/notify/telegram/keyboard.hpp"
#include "tocsin/notify/telegram/update.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::notify::telegram {

inline constexpr const char* k_default_api_url = "https://api.telegram.org";

struct TelegramOptions {
    // The Bot API server: Telegram's, a self-hosted telegram-bot-api, or a
    // test fake. http:// is accepted for loopback and self-hosted servers.
    std::string api_url = k_default_api_url;
    Secret bot_token;
    net::TlsOptions tls;  // for https api_url: CA file, server name
    Duration connect_timeout = std::chrono::seconds(5);
    Duration request_timeout = std::chrono::seconds(15);  // every call but getUpdates
    Duration poll_grace = std::chrono::seconds(10);       // getUpdates: its timeout plus this
    // When Telegram refuses a message's HTML ("can't parse entities"), send
    // it once more as plain text (tags removed, entities decoded).
    bool plain_text_fallback = true;
    std::uint64_t max_response_bytes = 8 << 20;
};

struct SendMessageRequest {
    std::int64_t chat_id = 0;
    std::string text;  // parse_mode HTML; at most k_max_message_units visible
    Keyboard buttons;  // empty: none
    std::optional<std::int64_t> reply_to_message_id;  // thread follow-ups under the page
    bool disable_notification = false;                // silent (status updates)
    bool disable_link_preview = true;
};

class TelegramClient {
public:
    // Checks the options (URL scheme, token characters) and prepares TLS
    // once. Errors name the token's source, never its value.
    static Result<TelegramClient> create(boost::asio::io_context& io, TelegramOptions options);

    // Returns the message id. A text over the limit or empty fails as
    // permanent without a request.
    void send_message(SendMessageRequest request, std::function<void(ApiResult<SentMessage>)> done);

    // Stops the button's spinner; `text` (0-200 characters) shows as a toast,
    // or as an alert with show_alert.
    void answer_callback_query(std::string callback_query_id, std::string text, bool show_alert,
                               std::function<void(ApiResult<Ok>)> done);

    // Replaces the message's keyboard; an empty keyboard removes it.
    void edit_message_reply_markup(std::int64_t chat_id, std::int64_t message_id, Keyboard keyboard,
                                   std::function<void(ApiResult<Ok>)> done);

    // Long poll: updates with update_id >= offset (confirming the earlier
    // ones), waiting up to `timeout` for one to arrive. Asks only for
    // messages and callback queries.
    void get_updates(std::int64_t offset, std::chrono::seconds timeout,
                     std::function<void(ApiResult<std::vector<Update>>)> done);

    // `text` with the bot token (and its secret half, raw or percent-encoded)
    // replaced by "<redacted>".
    std::string redact(std::string_view text) const;

    const std::string& api_url() const;

private:
    struct Impl;
    explicit TelegramClient(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
    std::shared_ptr<Impl> m_impl;
};

}  // namespace tocsin::notify::telegram
