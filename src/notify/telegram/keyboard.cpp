#include "tocsin/notify/telegram/keyboard.hpp"

#include "tocsin/core/base64url.hpp"
#include "tocsin/core/hmac.hpp"


#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <limits>

namespace tocsin::notify::telegram {

namespace {

// Domain separation: the same key may sign other things (email links).
constexpr std::string_view k_mac_context = "tocsin/telegram-callback/v1\n";
constexpr std::size_t k_mac_bytes = 16;  // 128 bits, 22 base64url characters
constexpr std::size_t k_mac_chars = 22;
constexpr std::size_t k_min_key_bytes = 16;


std::optional<IncidentAction> parse_prefix(std::string_view prefix) {
    for (auto action : {IncidentAction::acknowledge, IncidentAction::resolve, IncidentAction::escalate,
                        IncidentAction::acknowledge_all}) {
        if (prefix == callback_prefix(action)) return action;
    }
    return std::nullopt;
}

Error invalid(std::string message) { return Error::make(ErrorCategory::invalid_argument, std::move(message)); }

}  // namespace

std::string keyboard_json(const Keyboard& keyboard) {
    boost::json::array rows;
    for (const auto& row : keyboard) {
        boost::json::array buttons;
        for (const auto& button : row) {
            buttons.push_back(boost::json::object{{"text", button.text}, {"callback_data", button.callback_data}});
        }
        rows.push_back(std::move(buttons));
    }
    return boost::json::serialize(boost::json::object{{"inline_keyboard", std::move(rows)}});
}

const char* to_string(IncidentAction action) noexcept {
    switch (action) {
        case IncidentAction::acknowledge: return "acknowledge";
        case IncidentAction::resolve: return "resolve";
        case IncidentAction::escalate: return "escalate";
        case IncidentAction::acknowledge_all: return "acknowledge_all";
    }
    return "unknown";
}

const char* callback_prefix(IncidentAction action) noexcept {
    switch (action) {
        case IncidentAction::acknowledge: return "ack";
        case IncidentAction::resolve: return "res";
        case IncidentAction::escalate: return "esc";
        case IncidentAction::acknowledge_all: return "aka";
    }
    return "?";
}

Result<CallbackSigner> CallbackSigner::create(Secret key) {
    if (key.reveal().size() < k_min_key_bytes) {
        return invalid("the callback signing key from " + (key.source().empty() ? std::string("config") : key.source()) +
                       " is shorter than " + std::to_string(k_min_key_bytes) + " bytes");
    }
    return CallbackSigner(std::move(key));
}

std::string CallbackSigner::mac(std::string_view signed_part) const {
    std::string input;
    input.reserve(k_mac_context.size() + signed_part.size());
    input += k_mac_context;
    input += signed_part;
    const std::string digest = hmac_sha256(m_key.reveal(), input);
    if (digest.size() < k_mac_bytes) return {};  // never matches: verify() requires k_mac_chars characters
    return base64url_encode(std::string_view(digest).substr(0, k_mac_bytes));
}

std::string CallbackSigner::sign(IncidentAction action, std::int64_t incident_id) const {
    std::string signed_part = std::string(callback_prefix(action)) + ":" + std::to_string(incident_id);
    return signed_part + ":" + mac(signed_part);
}

Result<CallbackAction> CallbackSigner::verify(std::string_view data) const {
    if (data.empty()) return invalid("callback data is empty");
    if (data.size() > k_max_callback_data_bytes) return invalid("callback data is longer than 64 bytes");
    const auto last = data.rfind(':');
    const auto first = data.find(':');
    if (first == std::string_view::npos || first == last) return invalid("callback data is not ACTION:ID:MAC");
    const std::string_view signed_part = data.substr(0, last);
    const std::string_view given = data.substr(last + 1);
    const std::string expected = mac(signed_part);
    if (given.size() != k_mac_chars || expected.size() != k_mac_chars ||
        !constant_time_equal(given, expected)) {
        return invalid("callback data has a wrong signature");
    }
    // Signed by us, so well formed unless the format changed; checked anyway.
    auto action = parse_prefix(data.substr(0, first));
    if (!action) return invalid("callback data has an unknown action");
    std::string_view digits = data.substr(first + 1, last - first - 1);
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || id <= 0 || digits[0] == '0') {
        return invalid("callback data has an invalid incident id");
    }
    return CallbackAction{*action, id};
}

Keyboard incident_keyboard(const CallbackSigner& signer, std::int64_t incident_id) {
    return Keyboard{{
        Button{"Acknowledge", signer.sign(IncidentAction::acknowledge, incident_id)},
        Button{"Resolve", signer.sign(IncidentAction::resolve, incident_id)},
        Button{"Escalate", signer.sign(IncidentAction::escalate, incident_id)},
    }};
}

Keyboard digest_keyboard(const CallbackSigner& signer, const std::vector<std::int64_t>& incident_ids,
                         std::int64_t digest_id) {
    if (incident_ids.empty()) return {};
    Keyboard keyboard;
    if (incident_ids.size() + 1 <= k_max_keyboard_buttons) {
        for (std::size_t i = 0; i < incident_ids.size(); ++i) {
            if (i % k_digest_buttons_per_row == 0) keyboard.emplace_back();
            const std::int64_t id = incident_ids[i];
            keyboard.back().push_back(
                Button{"Ack #" + std::to_string(id), signer.sign(IncidentAction::acknowledge, id)});
        }
    }
    keyboard.push_back({Button{"Acknowledge all", signer.sign(IncidentAction::acknowledge_all, digest_id)}});
    return keyboard;
}

}  // namespace tocsin::notify::telegram
