// base64url (RFC 4648 section 5) without padding, the form that fits in a URL
// path or a Telegram callback. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tocsin {

// "-" and "_" for "+" and "/", no "=" padding.
std::string base64url_encode(std::string_view bytes);

// Strict: only the base64url alphabet, no padding, no whitespace, and only
// the canonical form (the unused low bits of the last character are zero),
// so every byte string has exactly one encoding that decodes. nullopt for
// anything else.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tocsin
