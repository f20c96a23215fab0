// A fake Telegram Bot API server on loopback (over FakeTarget) that behaves
// like the real one where tocsin cares: /bot<token>/<method> paths (401 for
// a wrong token, 404 for an unknown method), JSON, form or query
// parameters, sendMessage with incrementing message ids and Telegram's HTML
// checks ("can't parse entities", "message is too long"), callback queries
// that must be answered once, editMessageReplyMarkup with "message is not
// modified", and getUpdates as a long poll over a queue of injected updates
// (held on a condition variable until an update arrives, the timeout
// passes, release_polls() or stop()). Every request is recorded. Scripts
// make the next requests fail: 429 with retry_after, 5xx, 401, 403,
// "can't parse entities", raw bodies, resets, or slow answers.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fake_target.hpp"

namespace tocsin::test {

struct TelegramCall {
    std::string method;  // as in the path, e.g. "sendMessage"
    std::string token;   // from the path
    std::string content_type;
    std::string body;            // as received
    boost::json::object params;  // JSON body, form fields or query parameters

    // A parameter as text: strings as they are, other JSON serialized; "" when absent.
    std::string param(const std::string& name) const;
    // An integer parameter (JSON number or decimal string); nullopt when absent or not one.
    std::optional<std::int64_t> int_param(const std::string& name) const;
    bool has(const std::string& name) const { return params.contains(name); }
};

// An answer for the next requests of a method, instead of the normal one.
struct TelegramScript {
    int status = 200;
    std::string body;                   // answered verbatim when not empty
    std::chrono::milliseconds delay{0};  // answer this late (normally, when body is empty)
    bool reset = false;                 // reset the connection instead

    static TelegramScript flood(int retry_after_seconds);  // 429 with parameters.retry_after
    static TelegramScript server_error(int status = 502);  // Bot API error JSON
    static TelegramScript cant_parse_entities();           // 400 can't parse entities
    static TelegramScript blocked();                       // 403 bot was blocked by the user
    static TelegramScript unauthorized();                  // 401
    static TelegramScript error(int status, const std::string& description);
    static TelegramScript slow(std::chrono::milliseconds delay);
    static TelegramScript raw(int status, std::string body);
    static TelegramScript connection_reset();
};

// Telegram's check of parse_mode HTML as the fake applies it (supported
// tags nested properly, entities complete, no bare '>' either, which
// Telegram tolerates but always means an escaping bug): "" when accepted,
// else the reason. `units` receives the parsed text's UTF-16 length.
std::string telegram_html_error(std::string_view html, std::size_t* units = nullptr);

struct InjectedCallback {
    std::int64_t update_id = 0;
    std::string query_id;
};

class FakeTelegram {
public:
    explicit FakeTelegram(std::string token, std::optional<FakeTls> tls = std::nullopt);
    ~FakeTelegram();
    FakeTelegram(const FakeTelegram&) = delete;
    FakeTelegram& operator=(const FakeTelegram&) = delete;

    std::string api_url() const;  // http(s)://127.0.0.1:PORT

    // The next `times` requests of `method` ("" for any method) get `answer`.
    void script(const std::string& method, TelegramScript answer, int times = 1);
    // Forgets every script not used up yet: normal answers from now on.
    void clear_scripts();

    // Queues updates for getUpdates; update ids count up from 1000.
    InjectedCallback inject_callback(std::int64_t chat_id, std::int64_t user_id, const std::string& username,
                                     std::int64_t message_id, const std::string& data);
    std::int64_t inject_message(std::int64_t chat_id, std::int64_t user_id, const std::string& text);
    // Any update object; "update_id" is added when missing.
    std::int64_t inject_update(boost::json::object update);
    // Answers every held getUpdates now with whatever is queued.
    void release_polls();
    // Off: getUpdates never waits (held ones are answered now), so a client
    // shutting down is never stuck on a request still on its way. On by default.
    void hold_polls(bool hold);
    // Telegram forgets updates below a request's offset; off: keeps them
    // (then only the client's offset stops duplicates).
    void set_forget_confirmed(bool forget);

    std::vector<TelegramCall> calls(const std::string& method = "") const;
    // Waits on a condition variable until `n` requests of `method` ("" for
    // any) arrived; false after the timeout.
    bool wait_for_calls(const std::string& method, std::size_t n, std::chrono::milliseconds timeout) const;
    // getUpdates requests being held right now, and a wait for them.
    std::size_t held_polls() const;
    bool wait_for_held_polls(std::size_t n, std::chrono::milliseconds timeout) const;

    // How many times each callback query was answered (0 when never).
    int answers(const std::string& query_id) const;
    // The reply_markup of a sent message ("" when none), as last set.
    std::string markup(std::int64_t message_id) const;

    void stop();

private:
    struct State;
    std::shared_ptr<State> m_state;
    std::unique_ptr<FakeTarget> m_target;
};

}  // namespace tocsin::test
