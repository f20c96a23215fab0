// The webhook channel behind notify::Channel: each page is one HTTP(S) POST
// of a JSON body (webhook_body) to the configured URL, signed with
// HMAC-SHA256 (X-Tocsin-Signature over "<X-Tocsin-Timestamp>.<body>"), with
// the notification's idempotency key as Idempotency-Key, so a receiver can
// check where a page came from and drop resends. The answer is classified
// by classify_response: 2xx sent, 408/425/429/5xx retry (honouring
// Retry-After), other statuses permanent; network trouble and timeouts
// retry, a certificate that fails verification is permanent. Details carry
// neither the secret, nor configured header values, nor more of the URL
// than scheme, host and port. docs/webhook.md has the receiver's side.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/core/secret.hpp"
#include "tocsin/net/tls_options.hpp"
#include "tocsin/notify/channel.hpp"
#include "tocsin/notify/webhook/webhook_protocol.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::notify::webhook {

struct WebhookOptions {
    std::string name = "webhook";
    // http:// or https://. User info becomes Basic authentication (unless
    // an Authorization header is configured); the query is sent as given.
    std::string url;
    Secret secret;  // signs every body; required, not empty
    // Extra request headers (e.g. Authorization). Names are HTTP tokens and
    // not reserved (is_reserved_webhook_header: Content-Type, X-Tocsin-*,
    // Idempotency-Key, Host, Content-Length, ...); values hold no control
    // characters.
    Headers headers;
    net::TlsOptions tls;                          // for https URLs: CA file, client certificate, server name
    Duration timeout = std::chrono::seconds(10);  // the whole exchange, connect to last byte
};

// [channel.webhook] as options. Fails when the secret is missing.
Result<WebhookOptions> to_webhook_options(const config::WebhookChannelConfig& config);

class WebhookChannel final : public Channel {
public:
    // Checks the options (URL, secret, headers, timeout) and prepares TLS
    // once. Errors name the secret's source, never its value. `clock` dates
    // and signs the requests (and reads Retry-After dates); it must outlive
    // the channel. `io` runs the requests and every `done`.
    static Result<std::unique_ptr<WebhookChannel>> create(boost::asio::io_context& io, WebhookOptions options,
                                                          const Clock& clock);
    static Result<std::unique_ptr<WebhookChannel>> create(boost::asio::io_context& io,
                                                          const config::WebhookChannelConfig& config,
                                                          const Clock& clock);
    ~WebhookChannel() override;

    const std::string& name() const override;
    // recipient: the person's name, sent in the body (an empty one is
    // permanent without a request). One POST per call; `done` runs exactly
    // once on the io_context (while it runs). remote_id: the response's
    // X-Request-Id, or "".
    void deliver(const std::string& recipient, const Notification& notification,
                 std::function<void(DeliveryResult)> done) override;

    // The request headers deliver() sends with `body` at `timestamp`
    // (without Host, Content-Length, User-Agent and Connection).
    Headers request_headers(const Notification& notification, std::int64_t timestamp, std::string_view body) const;

    // `text` with the secret, configured header values and the URL's user
    // info and query replaced by "<redacted>".
    std::string redact(std::string_view text) const;

private:
    struct Impl;
    explicit WebhookChannel(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

}  // namespace tocsin::notify::webhook
