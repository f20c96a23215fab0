// What the webhook channel sends and how it reads the answer, as pure
// functions: the JSON body, the HMAC-SHA256 signature, Retry-After, the
// classification of a response into sent / retry / permanent, and the
// log-safe form of the URL. No I/O and no clock reads: the time is a
// parameter. docs/webhook.md describes the format for receivers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tocsin/core/ascii.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/secret.hpp"
#include "tocsin/notify/channel.hpp"

namespace tocsin::notify::webhook {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The body's "version"; bumped only for changes a receiver must know about.
inline constexpr int k_payload_version = 1;
// How much of a response body is read; the rest is not waited for.
inline constexpr std::size_t k_max_response_bytes = 64 * 1024;
// How much of it (after sanitising) goes into DeliveryResult::detail.
inline constexpr std::size_t k_max_excerpt_bytes = 200;
// A Retry-After beyond this is capped: a receiver cannot hold pages for days.
inline constexpr Duration k_max_retry_after = std::chrono::hours(1);

// Header names tocsin writes itself (configured headers may not use them).
inline constexpr const char* k_timestamp_header = "X-Tocsin-Timestamp";
inline constexpr const char* k_signature_header = "X-Tocsin-Signature";
inline constexpr const char* k_idempotency_header = "Idempotency-Key";
inline constexpr const char* k_request_id_header = "X-Request-Id";

// Header names a configured header (WebhookOptions::headers, [channel.webhook]
// headers) may not use: the ones tocsin writes, and the framing and
// hop-by-hop ones a configured value would break. User-Agent and
// Authorization are not among them: a configured value replaces tocsin's.
// clang-format off
inline constexpr std::array<std::string_view, 13> k_reserved_webhook_headers = {
    "Content-Type", "Content-Length", k_signature_header, k_timestamp_header, k_idempotency_header,
    "Host", "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "TE", "Trailer", "Expect"};
// clang-format on

// Whether `name` is one of k_reserved_webhook_headers (ASCII
// case-insensitive). Header-only (constexpr), so the config reader can
// refuse the same names without linking the channel.
constexpr bool is_reserved_webhook_header(std::string_view name) noexcept {
    for (std::string_view reserved : k_reserved_webhook_headers) {
        if (ascii_iequals(name, reserved)) return true;
    }
    return false;
}

// "sha256=" and the lowercase hex HMAC-SHA256, keyed with the secret, of
// "<timestamp>.<body>" (the decimal Unix seconds of X-Tocsin-Timestamp, a
// dot, and the body's exact bytes).
std::string sign_webhook(const Secret& secret, std::int64_t timestamp, std::string_view body);

// RFC 3339 UTC with whole seconds: "2024-05-01T12:34:56Z".
std::string format_rfc3339_utc(TimePoint t);

// Unix seconds (rounded down) of `t`.
std::int64_t unix_seconds(TimePoint t);

// The JSON body, fields in this order: version, idempotency_key,
// incident_id (null when 0), recipient, subject, text, actionable,
// thread_root (null when empty), sent_at. Strings are made valid UTF-8
// (invalid bytes become U+FFFD) so the body is always valid JSON.
std::string webhook_body(std::string_view recipient, const Notification& notification, TimePoint sent_at);

// Retry-After as a wait from `now`: delay-seconds ("120") or an HTTP-date
// (IMF-fixdate, and the obsolete RFC 850 and asctime forms). A date in the
// past is zero; anything over k_max_retry_after is capped to it; an
// unreadable value is nullopt.
std::optional<Duration> parse_retry_after(std::string_view value, TimePoint now);

// The first value of header `name` (case-insensitive), or nullopt.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

// Printable one-line text for a detail string: control characters (CR and
// LF included) become spaces, runs of spaces collapse, invalid UTF-8 becomes
// U+FFFD, and the result is cut to at most `max_bytes` (on a character
// boundary, with "..." appended when cut).
std::string sanitize_excerpt(std::string_view text, std::size_t max_bytes = k_max_excerpt_bytes);

// The URL as it may appear in logs and details: scheme, host and port only
// ("https://hooks.example.com:8443"). User info, path, query and fragment
// are dropped: webhook URLs often carry a token in any of them.
// "<invalid URL>" when it does not parse.
std::string url_for_logs(std::string_view url);

// A received response. `body` holds at most k_max_response_bytes.
struct WebhookResponse {
    int status = 0;
    std::string reason;  // the status line's reason phrase, as received
    Headers headers;
    std::string body;
    bool body_truncated = false;
};

// The outcome of a response: 2xx sent (remote_id: X-Request-Id when it is
// 1-200 visible ASCII characters); 408, 425, 429 and 5xx retry, with
// Retry-After as retry_after; 1xx, 3xx, other 4xx and anything else
// permanent. The detail names the status, its reason and a sanitised
// excerpt of the body; the caller prefixes the URL and redacts secrets.
DeliveryResult classify_response(const WebhookResponse& response, TimePoint now);

// Whether a status is worth retrying (408, 425, 429, 5xx).
bool retryable_status(int status) noexcept;

}  // namespace tocsin::notify::webhook
