#include "tocsin/paging/ack_link.hpp"

#include "tocsin/core/hmac.hpp"


#include <date/date.h>

#include <charconv>
#include <chrono>
#include <limits>
#include <optional>

#include "tocsin/core/base64url.hpp"

namespace tocsin::paging {
namespace {

// Domain separation: the same key may sign other things (Telegram buttons).
constexpr std::string_view k_mac_context = "tocsin/ack-link\n";
constexpr std::string_view k_version = "v1\n";
constexpr std::size_t k_mac_bytes = 16;  // 128 bits, 22 base64url characters
constexpr std::size_t k_min_key_bytes = 16;

using Seconds = std::chrono::seconds;

// The largest expiry a TimePoint can hold (libstdc++: nanoseconds, ~2262).
constexpr std::int64_t k_max_expiry_seconds =
    std::chrono::duration_cast<Seconds>(TimePoint::max().time_since_epoch()).count() - 1;

Error invalid(std::string message) { return Error::make(ErrorCategory::invalid_argument, std::move(message)); }

Error malformed(std::string_view why) { return invalid("malformed acknowledgement link: " + std::string(why)); }

// Decimal digits without sign or leading zero, within [min, max].
std::optional<std::int64_t> parse_decimal(std::string_view digits, std::int64_t min, std::int64_t max) {
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits[0] == '-' || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

std::string utc_text(TimePoint t) {
    return date::format("%Y-%m-%dT%H:%M:%SZ", std::chrono::floor<Seconds>(t));
}

}  // namespace

Result<AckLinkSigner> AckLinkSigner::create(Secret key) {
    if (key.reveal().size() < k_min_key_bytes) {
        return invalid("the acknowledgement link key from " +
                       (key.source().empty() ? std::string("config") : key.source()) + " is shorter than " +
                       std::to_string(k_min_key_bytes) + " bytes");
    }
    return AckLinkSigner(std::move(key));
}

std::string AckLinkSigner::mac(std::string_view payload) const {
    std::string input;
    input.reserve(k_mac_context.size() + payload.size());
    input += k_mac_context;
    input += payload;
    std::string digest = hmac_sha256(m_key.reveal(), input);
    if (digest.size() < k_mac_bytes) return {};  // never matches: authenticate() requires k_mac_bytes bytes
    digest.resize(k_mac_bytes);
    return digest;
}

std::string AckLinkSigner::token(std::int64_t incident_id, std::string_view person, TimePoint expires) const {
    std::int64_t seconds = std::chrono::floor<Seconds>(expires).time_since_epoch().count();
    if (seconds < 0) seconds = 0;
    std::string payload(k_version);
    payload += std::to_string(incident_id);
    payload += '\n';
    payload += person;
    payload += '\n';
    payload += std::to_string(seconds);
    return base64url_encode(payload) + "." + base64url_encode(mac(payload));
}

Result<AckLinkClaim> AckLinkSigner::authenticate(std::string_view token) const {
    if (token.empty()) return malformed("empty");
    if (token.size() > k_max_ack_link_token_chars) {
        return malformed("longer than " + std::to_string(k_max_ack_link_token_chars) + " characters");
    }
    const auto dot = token.find('.');
    if (dot == std::string_view::npos) return malformed("no signature part");
    if (token.find('.', dot + 1) != std::string_view::npos) return malformed("more than one '.'");
    auto payload = base64url_decode(token.substr(0, dot));
    auto given = base64url_decode(token.substr(dot + 1));
    if (!payload || !given) return malformed("not base64url (was it cut off or altered?)");
    if (payload->empty()) return malformed("no payload");
    if (given->size() != k_mac_bytes) return malformed("the signature has the wrong length");
    const std::string expected = mac(*payload);
    if (expected.size() != k_mac_bytes || !constant_time_equal(*given, expected)) {
        return invalid("acknowledgement link has a bad signature (altered, or made with another key)");
    }

    // Signed by tocsin, so well formed unless the format changed; checked anyway.
    std::string_view rest = *payload;
    if (!rest.starts_with(k_version)) return malformed("unknown version");
    rest.remove_prefix(k_version.size());
    const auto id_end = rest.find('\n');
    const auto person_end = rest.rfind('\n');
    if (id_end == std::string_view::npos || person_end == id_end) return malformed("missing fields");
    auto id = parse_decimal(rest.substr(0, id_end), 1, std::numeric_limits<std::int64_t>::max());
    if (!id) return malformed("invalid incident id");
    auto expires = parse_decimal(rest.substr(person_end + 1), 0, k_max_expiry_seconds);
    if (!expires) return malformed("invalid expiry");
    AckLinkClaim claim;
    claim.incident_id = *id;
    claim.person = std::string(rest.substr(id_end + 1, person_end - id_end - 1));
    if (claim.person.empty()) return malformed("no person");
    claim.expires = TimePoint(std::chrono::duration_cast<TimePoint::duration>(Seconds(*expires)));
    return claim;
}

Result<AckLinkClaim> AckLinkSigner::verify(std::string_view token, TimePoint now) const {
    auto claim = authenticate(token);
    if (!claim) return claim;
    if (now >= claim->expires) return invalid("this link expired at " + utc_text(claim->expires));
    return claim;
}

std::string ack_link_url(std::string_view public_url, std::string_view token) {
    while (!public_url.empty() && public_url.back() == '/') public_url.remove_suffix(1);
    std::string url(public_url);
    url += "/ack/";
    url += token;
    return url;
}

}  // namespace tocsin::paging
