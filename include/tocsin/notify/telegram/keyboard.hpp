// Inline keyboards under a page (Acknowledge / Resolve / Escalate) and the
// signed callback data behind their buttons. Anyone who can talk to the Bot
// API as a client can send a callback query with any data, so the data
// carries a MAC: "ack:42:<22 chars of base64url HMAC-SHA256>", at most 46
// bytes (Telegram allows 64). Pure functions; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tocsin/core/result.hpp"
#include "tocsin/core/secret.hpp"

namespace tocsin::notify::telegram {

// Telegram's limit on callback_data, in bytes.
inline constexpr std::size_t k_max_callback_data_bytes = 64;

struct Button {
    std::string text;
    std::string callback_data;

    bool operator==(const Button&) const = default;
};

// Rows of buttons. Empty: no keyboard (editMessageReplyMarkup removes it).
using Keyboard = std::vector<std::vector<Button>>;

// {"inline_keyboard":[[{"text":..,"callback_data":..},..],..]}
std::string keyboard_json(const Keyboard& keyboard);

enum class IncidentAction { acknowledge, resolve, escalate };

const char* to_string(IncidentAction action) noexcept;       // "acknowledge", ...
const char* callback_prefix(IncidentAction action) noexcept;  // "ack", "res", "esc"

struct CallbackAction {
    IncidentAction action = IncidentAction::acknowledge;
    std::int64_t incident_id = 0;

    bool operator==(const CallbackAction&) const = default;
};

// Signs and verifies callback data with a key (HMAC-SHA256, truncated to
// 128 bits, compared in constant time).
class CallbackSigner {
public:
    // The key must have at least 16 bytes; the error names its source only.
    static Result<CallbackSigner> create(Secret key);

    // "ack:42:<mac>". Incident ids are positive.
    std::string sign(IncidentAction action, std::int64_t incident_id) const;
    // The action when `data` is well formed and its MAC matches; otherwise
    // an invalid_argument error saying why (never echoing the MAC).
    Result<CallbackAction> verify(std::string_view data) const;

private:
    explicit CallbackSigner(Secret key) : m_key(std::move(key)) {}
    std::string mac(std::string_view signed_part) const;
    Secret m_key;
};

// The page's keyboard: one row of Acknowledge, Resolve and Escalate.
Keyboard incident_keyboard(const CallbackSigner& signer, std::int64_t incident_id);

}  // namespace tocsin::notify::telegram
