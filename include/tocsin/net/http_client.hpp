// One HTTP(S) exchange with everything a probe needs to know about it:
// per-phase timings, redirects followed, TLS certificate expiry and, on
// failure, a reason from a fixed set. Failures are data, never exceptions.
// The project's only HTTP client: probes, the scraper, the Telegram and
// webhook channels and the CLI all use it (src/net is, with src/app, the
// only module that includes Beast).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/net/tls_options.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::net {

enum class IpVersion { any, ipv4, ipv6 };

// Why an exchange failed. Stable strings (to_string) label metrics.
enum class FailureReason {
    none,
    invalid_url,
    dns,             // name did not resolve (or not to the requested IP version)
    refused,         // connection refused
    connect,         // other connect errors (unreachable, ...)
    timeout,         // a phase or the whole exchange ran out of time
    tls,             // handshake or certificate verification failed
    reset,           // the peer closed or reset the connection mid-exchange
    http_protocol,   // the response was not valid HTTP
    body_too_large,  // the body exceeded the configured limit
    redirect_limit,  // more redirects than allowed
};
const char* to_string(FailureReason reason) noexcept;

struct HttpClientRequest {
    std::string method = "GET";
    std::string url;
    // Request headers. A name given here replaces tocsin's default for it
    // (User-Agent: tocsin, Host, Connection: close); given twice (in any
    // case), the last value wins.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    Duration connect_timeout = std::chrono::seconds(5);
    Duration tls_timeout = std::chrono::seconds(5);
    Duration total_timeout = std::chrono::seconds(10);
    int max_redirects = 10;  // 0: do not follow redirects
    IpVersion ip_version = IpVersion::any;
    std::uint64_t max_body_bytes = 10 << 20;
    // A body over max_body_bytes: false fails the exchange (body_too_large);
    // true keeps its first max_body_bytes, sets body_truncated and succeeds
    // with the response's status (the rest is not read; the connection is
    // closed).
    bool truncate_body = false;
    // A body cut short once the status line and headers have arrived (the
    // peer closed or reset the connection, the deadline passed, a chunk was
    // malformed): false fails the exchange (reset, timeout, http_protocol);
    // true keeps what arrived, sets body_truncated and succeeds with the
    // status, for callers to whom the status is the answer (webhooks).
    bool keep_partial_body = false;
    // Required for https URLs; built once per target from its TlsOptions.
    std::optional<TlsClientContext> tls;
    // Memory for the response body: pass the body of an earlier response to
    // reuse it (its contents are overwritten). A scraper fetching a large page
    // every few seconds so avoids fresh pages, and their zeroing, every time.
    std::string body_buffer;
    // SO_RCVBUF for the connection, set before connecting; 0 leaves it to
    // the kernel's autotuning. Autotuning starts every new connection small
    // and grows it round trip by round trip, so a multi-megabyte page on a
    // fresh connection costs about twice the kernel CPU it needs (loopback,
    // 12 MB: 5-6 ms of system time against 2.5-3.5 ms with 4 MiB). The
    // kernel caps the value at net.core.rmem_max.
    std::uint32_t receive_buffer_bytes = 0;
};

// Seconds spent per phase, summed over redirects (as blackbox_exporter does).
struct PhaseTimes {
    double resolve = 0, connect = 0, tls = 0, processing = 0, transfer = 0;
};

struct HttpClientResult {
    FailureReason failure = FailureReason::none;
    // Human-readable; never contains URL credentials. On success, says why
    // the body was truncated (when it was).
    std::string detail;
    // The final response (after redirects; interim 1xx responses other than
    // 101 are skipped, as Go's client does).
    int status = 0;
    std::string reason;  // the status line's reason phrase, as received
    // Every field of the final response, in order, names as received.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string content_type;
    std::string content_encoding;
    std::string body;
    // The body is incomplete: cut at max_body_bytes (truncate_body) or cut
    // short by the connection or the deadline (keep_partial_body).
    bool body_truncated = false;
    PhaseTimes phases;
    double duration_seconds = 0;
    int redirects = 0;
    std::string final_url;
    bool used_tls = false;
    std::optional<TimePoint> earliest_cert_expiry;  // of the last TLS connection
    // failure is tls because tocsin's verification of the server's
    // certificate failed (untrusted, expired, wrong name; from OpenSSL's
    // verify result and handshake error, not from text): retrying will not
    // help. False for every other TLS failure (no TLS server there, a
    // protocol or cipher mismatch, the server refusing our client
    // certificate) and whenever insecure_skip_verify is set.
    bool certificate_rejected = false;
    bool ok() const { return failure == FailureReason::none; }
    // The first value of response header `name` (ASCII case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
};

using HttpClientCallback = std::function<void(HttpClientResult)>;

// Starts the exchange on `io`; `done` runs on `io` exactly once.
void http_fetch(boost::asio::io_context& io, HttpClientRequest request, HttpClientCallback done);

struct TcpConnectRequest {
    std::string host;
    std::uint16_t port = 0;
    Duration timeout = std::chrono::seconds(5);
    IpVersion ip_version = IpVersion::any;
};

struct TcpConnectResult {
    FailureReason failure = FailureReason::none;
    std::string detail;
    double resolve_seconds = 0;
    double connect_seconds = 0;
    double duration_seconds = 0;
    bool ok() const { return failure == FailureReason::none; }
};

void tcp_connect(boost::asio::io_context& io, TcpConnectRequest request, std::function<void(TcpConnectResult)> done);

}  // namespace tocsin::net
