// The outcome of one Bot API call, classified for the dispatcher: sent, retry
// later (network trouble, timeouts, 5xx, 429 with the wait Telegram asked
// for) or permanent (400 bad request, 401 bad token, 403 blocked, ...).
// Every string in here has the bot token redacted.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "tocsin/core/result.hpp"

namespace tocsin::notify::telegram {

enum class Outcome { sent, retry, permanent };

const char* to_string(Outcome outcome) noexcept;  // "sent", "retry", "permanent"

struct ApiFailure {
    Outcome outcome = Outcome::retry;  // retry or permanent, never sent
    ErrorCategory category = ErrorCategory::io;
    std::string method;       // "sendMessage", ...
    int http_status = 0;      // 0: no HTTP response (network error, timeout)
    int error_code = 0;       // the Bot API's error_code; 0 when absent
    std::string description;  // the Bot API's description, or what went wrong
    std::optional<std::chrono::seconds> retry_after;  // flood control: wait this long
    std::optional<std::int64_t> migrate_to_chat_id;   // the group became this supergroup

    // One line for logs and the outbox, e.g. "sendMessage: HTTP 429: Too Many
    // Requests: retry after 5 (retry after 5 s)".
    std::string message() const;
    // As a core Error: retryable exactly when the outcome is retry.
    Error to_error() const;
    // 400 "Bad Request: can't parse entities: ..." (the HTML was refused).
    bool cant_parse_entities() const;
};

template <typename T>
class [[nodiscard]] ApiResult {
public:
    ApiResult(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    ApiResult(ApiFailure failure) : m_v(std::in_place_index<1>, std::move(failure)) {}

    bool ok() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    Outcome outcome() const noexcept { return ok() ? Outcome::sent : std::get<1>(m_v).outcome; }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const ApiFailure& failure() const& { return std::get<1>(m_v); }
    ApiFailure& failure() & { return std::get<1>(m_v); }
    ApiFailure&& failure() && { return std::get<1>(std::move(m_v)); }

private:
    std::variant<T, ApiFailure> m_v;
};

}  // namespace tocsin::notify::telegram
