// Signed, expiring acknowledgement links for emails (docs/api.md,
// "Acknowledgement links"): `<public_url>/ack/<token>` where the token names
// an incident, the person the email went to and when the link expires, and
// carries a MAC so only tocsin can make one. Pure: no I/O, time is a
// parameter.
//
// token   = base64url(payload) "." base64url(mac)        (no padding)
// payload = "v1\n" <incident id> "\n" <person> "\n" <expiry, Unix seconds>
// mac     = first 16 bytes of HMAC-SHA256(key, "tocsin/ack-link\n" payload)
//
// The context prefix keeps a MAC made for another purpose with the same key
// (Telegram callback data) from ever being a valid link MAC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/core/secret.hpp"

namespace tocsin::paging {

// verify() refuses longer tokens before decoding anything.
inline constexpr std::size_t k_max_ack_link_token_chars = 512;
// Person names up to this many bytes always give tokens within the bound
// above (config names are far shorter).
inline constexpr std::size_t k_max_ack_link_person_bytes = 256;

// What a valid link says: acknowledge `incident_id` as `person`, before
// `expires` (whole seconds).
struct AckLinkClaim {
    std::int64_t incident_id = 0;
    std::string person;
    TimePoint expires{};

    bool operator==(const AckLinkClaim&) const = default;
};

class AckLinkSigner {
public:
    // The key must have at least 16 bytes; the error names its source only.
    static Result<AckLinkSigner> create(Secret key);

    // A URL-safe token (base64url and one '.'). `incident_id` is positive
    // and `person` non-empty (verify() refuses tokens made otherwise);
    // `person` may hold any bytes, it is encoded. `expires` is truncated to
    // whole seconds; instants before 1970 count as 1970.
    std::string token(std::int64_t incident_id, std::string_view person, TimePoint expires) const;

    // The claim when `token` is well formed, its MAC matches (compared in
    // constant time) and `now` is before its expiry. Otherwise an
    // invalid_argument error saying which: "malformed acknowledgement link:
    // ...", "... bad signature ..." or "this link expired at <UTC time>". The
    // error never echoes the token or its MAC.
    Result<AckLinkClaim> verify(std::string_view token, TimePoint now) const;

    // verify() without the expiry check: whether tocsin made this token, and
    // what it says. For telling an expired link from a forged one.
    Result<AckLinkClaim> authenticate(std::string_view token) const;

private:
    explicit AckLinkSigner(Secret key) : m_key(std::move(key)) {}
    std::string mac(std::string_view payload) const;
    Secret m_key;
};

// `public_url` without trailing slashes, then "/ack/" and the token.
std::string ack_link_url(std::string_view public_url, std::string_view token);

}  // namespace tocsin::paging
