// The email channel behind notify::Channel: renders a Notification with
// render_email (From from the options, To the recipient address, Message-ID
// from the idempotency key, In-Reply-To/References from the thread root) and
// sends it with SmtpClient, one connection per page. A digest
// (Notification::digest) gets its list in the plain-text and an HTML body,
// X-Tocsin-Digest (the digest's id) and X-Tocsin-Incidents headers, and no
// thread: it stands on its own. SMTP outcomes map one to
// one: sent, retry (4xx, timeouts, connection trouble), permanent (5xx, bad
// addresses, authentication or TLS verification failures).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/notify/channel.hpp"
#include "tocsin/notify/email/email_message.hpp"
#include "tocsin/notify/email/smtp_client.hpp"

namespace tocsin::notify::email {

struct EmailChannelOptions {
    Mailbox from;  // the From header; its address is also the envelope sender
    // Extra headers on every page, e.g. {"X-Tocsin-Instance", "eu-1"}.
    // X-Tocsin-Incident (the incident id) is added for incident pages.
    std::vector<std::pair<std::string, std::string>> headers;
};

class EmailChannel final : public Channel {
public:
    // `clock` dates the messages; it must outlive the channel.
    EmailChannel(SmtpClient client, EmailChannelOptions options, const Clock& clock, std::string name = "email");

    const std::string& name() const override { return m_name; }
    // recipient: one address (validate_address). A message that cannot be
    // rendered (a bad address) is permanent without a connection. A thread
    // root that is not a Message-ID is left out rather than failing the page.
    // The result's remote_id is the Message-ID, which later pages of the
    // incident reference.
    void deliver(const std::string& recipient, const Notification& notification,
                 std::function<void(DeliveryResult)> done) override;

    // The message deliver() would send at `date` (for tests and previews).
    Result<RenderedEmail> render(const std::string& recipient, const Notification& notification, TimePoint date) const;

private:
    SmtpClient m_client;
    EmailChannelOptions m_options;
    const Clock& m_clock;
    std::string m_name;
};

// SendResult as a DeliveryResult: the outcome, the detail line, and the
// Message-ID as remote_id when sent.
DeliveryResult to_delivery_result(const SendResult& result, const std::string& message_id);

}  // namespace tocsin::notify::email
