#include "email_channel.hpp"

#include <utility>

namespace tocsin::notify::email {

EmailChannel::EmailChannel(SmtpClient client, EmailChannelOptions options, const Clock& clock, std::string name)
    : m_client(std::move(client)), m_options(std::move(options)), m_clock(clock), m_name(std::move(name)) {}

Result<RenderedEmail> EmailChannel::render(const std::string& recipient, const Notification& notification,
                                           TimePoint date) const {
    EmailMessage m;
    m.from = m_options.from;
    m.to = {Mailbox{"", recipient}};
    m.subject = notification.subject;
    m.text_body = notification.text;
    m.idempotency_key = notification.idempotency_key;
    m.date = date;
    m.headers = m_options.headers;
    if (notification.incident_id != 0)
        m.headers.emplace_back("X-Tocsin-Incident", std::to_string(notification.incident_id));
    if (!notification.thread_root.empty()) m.thread_root_id = notification.thread_root;
    auto rendered = render_email(m);
    if (!rendered && m.thread_root_id) {
        // A thread root from elsewhere that is not a Message-ID must not
        // cost the page its delivery: send it unthreaded.
        m.thread_root_id.reset();
        auto unthreaded = render_email(m);
        if (unthreaded) return unthreaded;
    }
    return rendered;
}

DeliveryResult to_delivery_result(const SendResult& r, const std::string& message_id) {
    DeliveryResult out;
    switch (r.outcome) {
        case SendOutcome::sent:
            out.outcome = DeliveryOutcome::sent;
            break;
        case SendOutcome::retry:
            out.outcome = DeliveryOutcome::retry;
            break;
        case SendOutcome::permanent:
            out.outcome = DeliveryOutcome::permanent;
            break;
    }
    out.detail = r.detail.empty() ? r.reply : r.detail;
    if (r.ok()) out.remote_id = message_id;
    return out;
}

void EmailChannel::deliver(const std::string& recipient, const Notification& notification,
                           std::function<void(DeliveryResult)> done) {
    auto rendered = render(recipient, notification, m_clock.now());
    if (!rendered) {
        DeliveryResult failed;
        failed.outcome = DeliveryOutcome::permanent;
        failed.detail = "cannot render the email: " + rendered.error().message;
        done(std::move(failed));
        return;
    }
    SmtpEnvelope envelope{m_options.from.address, {recipient}, std::move(rendered->data)};
    m_client.send(std::move(envelope), [done = std::move(done), id = std::move(rendered->message_id)](SendResult r) {
        done(to_delivery_result(r, id));
    });
}

}  // namespace tocsin::notify::email
