// HMAC-SHA256 (OpenSSL), for the signed things tocsin hands out: Telegram
// button data, acknowledgement links, webhook bodies. One place, so every
// signer computes MACs the same way.
#pragma once

#include <string>
#include <string_view>

namespace tocsin {

// The 32-byte MAC of `data` under `key`, as raw bytes; "" if OpenSSL failed
// (callers treat that as a MAC that never matches).
std::string hmac_sha256(std::string_view key, std::string_view data);

// Compares two byte strings in time independent of where they differ
// (CRYPTO_memcmp); false when the lengths differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace tocsin
