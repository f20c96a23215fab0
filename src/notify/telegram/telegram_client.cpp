#include "tocsin/notify/telegram/telegram_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tocsin/core/ascii.hpp"
#include "tocsin/net/http_client.hpp"
#include "tocsin/notify/telegram/html.hpp"
#include "tocsin/notify/telegram/response_parser.hpp"

namespace tocsin::notify::telegram {

namespace json = boost::json;

namespace {

constexpr std::string_view k_redacted = "<redacted>";
constexpr std::size_t k_max_answer_units = 200;

bool token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
           c == '-';
}

ApiFailure local_failure(std::string_view method, std::string description) {
    ApiFailure f;
    f.outcome = Outcome::permanent;
    f.category = ErrorCategory::invalid_argument;
    f.method = std::string(method);
    f.description = std::move(description);
    return f;
}

ApiFailure transport_failure(std::string_view method, const net::HttpClientResult& r) {
    ApiFailure f;
    f.method = std::string(method);
    f.description = std::string(net::to_string(r.failure)) + ": " + r.detail;
    switch (r.failure) {
        case net::FailureReason::invalid_url:
            f.outcome = Outcome::permanent;
            f.category = ErrorCategory::invalid_argument;
            break;
        case net::FailureReason::timeout:
            f.outcome = Outcome::retry;
            f.category = ErrorCategory::timeout;
            break;
        case net::FailureReason::http_protocol:
        case net::FailureReason::body_too_large:
        case net::FailureReason::redirect_limit:
            f.outcome = Outcome::retry;
            f.category = ErrorCategory::protocol;
            break;
        default:
            f.outcome = Outcome::retry;
            f.category = ErrorCategory::io;
            break;
    }
    return f;
}

// At most `units` UTF-16 units of plain text, cut between code points.
std::string truncate_units(std::string_view text, std::size_t units) {
    if (utf16_length(text) <= units) return std::string(text);
    std::string out;
    std::size_t used = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t width = 1;
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0xF0) {
            width = 4;
        } else if (c >= 0xE0) {
            width = 3;
        } else if (c >= 0xC0) {
            width = 2;
        }
        width = std::min(width, text.size() - i);
        std::size_t n = utf16_length(text.substr(i, width));
        if (used + n > units - 1) break;
        out.append(text.substr(i, width));
        used += n;
        i += width;
    }
    out += "\xE2\x80\xA6";  // …
    return out;
}

}  // namespace

struct TelegramClient::Impl : std::enable_shared_from_this<Impl> {
    boost::asio::io_context& io;
    TelegramOptions options;
    std::string base_url;
    std::optional<net::TlsClientContext> tls;
    std::vector<std::string> secrets;  // what redact() hides, longest first

    Impl(boost::asio::io_context& io_, TelegramOptions options_) : io(io_), options(std::move(options_)) {}

    std::string redact(std::string_view text) const {
        std::string out(text);
        for (const auto& s : secrets) replace_all(out, s, k_redacted);
        return out;
    }

    ApiFailure redacted(ApiFailure f) const {
        f.description = redact(f.description);
        return f;
    }

    // One POST of a JSON body; `parse` turns (status, body) into the result.
    template <typename T, typename Parse>
    void call(std::string method, const json::object& body, Duration timeout, Parse parse,
              std::function<void(ApiResult<T>)> done) {
        net::HttpClientRequest request;
        request.method = "POST";
        request.url = base_url + "/bot" + options.bot_token.reveal() + "/" + method;
        request.headers.emplace_back("Content-Type", "application/json");
        request.headers.emplace_back("Accept", "application/json");
        request.body = json::serialize(body);
        request.connect_timeout = options.connect_timeout;
        request.tls_timeout = options.connect_timeout;
        request.total_timeout = timeout;
        request.max_redirects = 0;  // a redirect would carry nothing we want to follow
        request.max_body_bytes = options.max_response_bytes;
        request.tls = tls;
        net::http_fetch(io, std::move(request),
                        [self = shared_from_this(), method = std::move(method), parse = std::move(parse),
                         done = std::move(done)](net::HttpClientResult r) mutable {
                            ApiResult<T> result = r.ok() ? parse(r.status, r.body)
                                                         : ApiResult<T>(transport_failure(method, r));
                            if (!result.ok()) {
                                result.failure() = self->redacted(std::move(result.failure()));
                                spdlog::debug("telegram: {} ({})", result.failure().message(),
                                              to_string(result.failure().outcome));
                            }
                            done(std::move(result));
                        });
    }

    // Reports a failure found before any request, on the io_context.
    template <typename T>
    void post(ApiFailure failure, std::function<void(ApiResult<T>)> done) {
        failure = redacted(std::move(failure));
        spdlog::debug("telegram: {} ({})", failure.message(), to_string(failure.outcome));
        boost::asio::post(io, [failure = std::move(failure), done = std::move(done)]() mutable {
            done(ApiResult<T>(std::move(failure)));
        });
    }
};

Result<TelegramClient> TelegramClient::create(boost::asio::io_context& io, TelegramOptions options) {
    const std::string source = options.bot_token.source().empty() ? "config" : options.bot_token.source();
    const std::string& token = options.bot_token.reveal();
    if (token.empty()) return Error::make(ErrorCategory::invalid_argument, "the Telegram bot token from " + source + " is empty");
    if (!std::all_of(token.begin(), token.end(), token_char)) {
        return Error::make(ErrorCategory::invalid_argument,
                           "the Telegram bot token from " + source +
                               " has characters a token never has (expected digits, ':' and letters, as BotFather gives)");
    }
    std::string base = options.api_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    const bool https = base.starts_with("https://");
    if (!https && !base.starts_with("http://")) {
        std::string shown = base;
        replace_all(shown, token, k_redacted);
        return Error::make(ErrorCategory::invalid_argument,
                           "telegram api_url \"" + shown + "\" must start with https:// (or http:// for a local server)");
    }
    auto impl = std::make_shared<Impl>(io, std::move(options));
    impl->base_url = std::move(base);
    if (https) {
        auto tls = net::TlsClientContext::create(impl->options.tls);
        if (!tls) return Error::make(tls.error().category, "telegram: " + tls.error().message);
        impl->tls = std::move(*tls);
    }
    const std::string& t = impl->options.bot_token.reveal();
    impl->secrets.push_back(t);
    std::string encoded = t;
    replace_all(encoded, ":", "%3A");
    if (encoded != t) {
        impl->secrets.push_back(encoded);
        std::string lower = t;
        replace_all(lower, ":", "%3a");
        impl->secrets.push_back(lower);
    }
    // The part after "ID:" is the secret; hide it even when echoed alone.
    if (auto colon = t.find(':'); colon != std::string::npos && t.size() - colon - 1 >= 8) {
        impl->secrets.push_back(t.substr(colon + 1));
    }
    std::stable_sort(impl->secrets.begin(), impl->secrets.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return TelegramClient(std::move(impl));
}

std::string TelegramClient::redact(std::string_view text) const { return m_impl->redact(text); }

const std::string& TelegramClient::api_url() const { return m_impl->base_url; }

void TelegramClient::send_message(SendMessageRequest request, std::function<void(ApiResult<SentMessage>)> done) {
    constexpr std::string_view method = "sendMessage";
    const std::size_t length = visible_length(request.text);
    if (html_to_plain(request.text).find_first_not_of(" \t\r\n") == std::string::npos) {
        return m_impl->post(local_failure(method, "message text is empty"), std::move(done));
    }
    if (length > k_max_message_units) {
        return m_impl->post(local_failure(method, "message text is " + std::to_string(length) +
                                                      " UTF-16 units, over Telegram's limit of " +
                                                      std::to_string(k_max_message_units) + " (split it first)"),
                            std::move(done));
    }
    for (const auto& row : request.buttons) {
        for (const auto& button : row) {
            if (button.text.empty() || button.callback_data.empty() ||
                button.callback_data.size() > k_max_callback_data_bytes) {
                return m_impl->post(local_failure(method, "a button needs a text and 1-64 bytes of callback data"),
                                    std::move(done));
            }
        }
    }
    json::object body;
    body["chat_id"] = request.chat_id;
    body["text"] = request.text;
    body["parse_mode"] = "HTML";
    if (!request.buttons.empty()) body["reply_markup"] = json::parse(keyboard_json(request.buttons));
    if (request.reply_to_message_id) {
        body["reply_parameters"] = json::object{{"message_id", *request.reply_to_message_id},
                                                {"allow_sending_without_reply", true}};
    }
    if (request.disable_notification) body["disable_notification"] = true;
    if (request.disable_link_preview) body["link_preview_options"] = json::object{{"is_disabled", true}};

    auto impl = m_impl;
    auto parse = [](int status, const std::string& b) { return parse_send_message_response(status, b); };
    impl->call<SentMessage>(
        std::string(method), body, impl->options.request_timeout, parse,
        [impl, body, text = std::move(request.text), done = std::move(done)](ApiResult<SentMessage> result) mutable {
            if (result.ok() || !impl->options.plain_text_fallback || !result.failure().cant_parse_entities()) {
                return done(std::move(result));
            }
            spdlog::warn("telegram: Telegram refused a message's HTML ({}); sending it as plain text",
                         result.failure().description);
            json::object plain = body;
            plain.erase("parse_mode");
            plain["text"] = html_to_plain(text);
            auto parse = [](int status, const std::string& b) { return parse_send_message_response(status, b); };
            impl->call<SentMessage>("sendMessage", plain, impl->options.request_timeout, parse,
                                    [done = std::move(done)](ApiResult<SentMessage> retried) mutable {
                                        if (retried.ok()) {
                                            retried.value().plain_text = true;
                                        } else {
                                            retried.failure().description =
                                                "plain-text fallback after \"can't parse entities\": " +
                                                retried.failure().description;
                                        }
                                        done(std::move(retried));
                                    });
        });
}

void TelegramClient::answer_callback_query(std::string callback_query_id, std::string text, bool show_alert,
                                           std::function<void(ApiResult<Ok>)> done) {
    json::object body;
    body["callback_query_id"] = std::move(callback_query_id);
    if (!text.empty()) body["text"] = truncate_units(text, k_max_answer_units);
    if (show_alert) body["show_alert"] = true;
    auto parse = [](int status, const std::string& b) { return parse_ok_response("answerCallbackQuery", status, b); };
    m_impl->call<Ok>("answerCallbackQuery", body, m_impl->options.request_timeout, parse, std::move(done));
}

void TelegramClient::edit_message_reply_markup(std::int64_t chat_id, std::int64_t message_id, Keyboard keyboard,
                                               std::function<void(ApiResult<Ok>)> done) {
    json::object body;
    body["chat_id"] = chat_id;
    body["message_id"] = message_id;
    // Without reply_markup Telegram removes the keyboard.
    if (!keyboard.empty()) body["reply_markup"] = json::parse(keyboard_json(keyboard));
    auto parse = [](int status, const std::string& b) { return parse_ok_response("editMessageReplyMarkup", status, b); };
    m_impl->call<Ok>("editMessageReplyMarkup", body, m_impl->options.request_timeout, parse, std::move(done));
}

void TelegramClient::get_updates(std::int64_t offset, std::chrono::seconds timeout,
                                 std::function<void(ApiResult<std::vector<Update>>)> done) {
    json::object body;
    if (offset != 0) body["offset"] = offset;
    body["timeout"] = std::max<std::int64_t>(timeout.count(), 0);
    body["allowed_updates"] = json::array{"message", "callback_query"};
    const Duration total = std::chrono::duration_cast<Duration>(timeout) + m_impl->options.poll_grace;
    auto parse = [](int status, const std::string& b) { return parse_updates_response(status, b); };
    m_impl->call<std::vector<Update>>("getUpdates", body, total, parse, std::move(done));
}

}  // namespace tocsin::notify::telegram
