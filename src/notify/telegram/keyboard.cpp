#include "tocsin/notify/telegram/keyboard.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

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

std::string base64url(const unsigned char* data, std::size_t n) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += k_alphabet[(v >> 6) & 63];
        out += k_alphabet[v & 63];
    }
    if (n - i == 1) {
        std::uint32_t v = std::uint32_t{data[i]} << 16;
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += k_alphabet[(v >> 6) & 63];
    }
    return out;
}

std::optional<IncidentAction> parse_prefix(std::string_view prefix) {
    for (auto action : {IncidentAction::acknowledge, IncidentAction::resolve, IncidentAction::escalate}) {
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
    }
    return "unknown";
}

const char* callback_prefix(IncidentAction action) noexcept {
    switch (action) {
        case IncidentAction::acknowledge: return "ack";
        case IncidentAction::resolve: return "res";
        case IncidentAction::escalate: return "esc";
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
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    const std::string& key = m_key.reveal();
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(input.data()),
             input.size(), digest, &length) == nullptr ||
        length < k_mac_bytes) {
        return {};  // never matches: verify() requires k_mac_chars characters
    }
    return base64url(digest, k_mac_bytes);
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
        CRYPTO_memcmp(given.data(), expected.data(), k_mac_chars) != 0) {
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

}  // namespace tocsin::notify::telegram
