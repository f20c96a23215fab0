// Inline keyboards under a page (Acknowledge / Resolve / Escalate) or a
// digest (Ack #ID per incident, Acknowledge all) and the signed callback
// data behind their buttons. Anyone who can talk to the Bot API as a client
// can send a callback query with any data, so the data carries a MAC:
// "ack:42:<22 chars of base64url HMAC-SHA256>", at most 46 bytes (Telegram
// allows 64). Pure functions; no I/O.
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
// Telegram's limit on the buttons of one inline keyboard.
inline constexpr std::size_t k_max_keyboard_buttons = 100;

struct Button {
    std::string text;
    std::string callback_data;

    bool operator==(const Button&) const = default;
};

// Rows of buttons. Empty: no keyboard (editMessageReplyMarkup removes it).
using Keyboard = std::vector<std::vector<Button>>;

// {"inline_keyboard":[[{"text":..,"callback_data":..},..],..]}
std::string keyboard_json(const Keyboard& keyboard);

// acknowledge_all acknowledges every incident of a digest; its id is the
// digest's id (its lead outbox row, store::OutboxRepository::digest_incidents),
// not an incident's.
enum class IncidentAction { acknowledge, resolve, escalate, acknowledge_all };

const char* to_string(IncidentAction action) noexcept;        // "acknowledge", ..., "acknowledge_all"
const char* callback_prefix(IncidentAction action) noexcept;  // "ack", "res", "esc", "aka"

struct CallbackAction {
    IncidentAction action = IncidentAction::acknowledge;
    std::int64_t incident_id = 0;  // for acknowledge_all: the digest's id

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

// A digest's keyboard: an "Ack #ID" button per incident (in rows of
// k_digest_buttons_per_row), then a row with "Acknowledge all" (signed
// acknowledge_all with the digest's id). With more incidents than fit
// Telegram's limit next to it, only "Acknowledge all". No incidents: no
// keyboard.
inline constexpr std::size_t k_digest_buttons_per_row = 3;
Keyboard digest_keyboard(const CallbackSigner& signer, const std::vector<std::int64_t>& incident_ids,
                         std::int64_t digest_id);

}  // namespace tocsin::notify::telegram
