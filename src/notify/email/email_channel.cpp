#include "email_channel.hpp"

#include <string_view>
#include <utility>

namespace tocsin::notify::email {

namespace {

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// The digest's list as plain text, for a digest built without one.
std::string digest_text(const Notification& n) {
    std::string text = std::to_string(n.digest.size()) + " incidents paged at once, one line each:\n\n";
    for (const DigestItem& item : n.digest) text += item.subject + "\n";
    if (const std::string all = acknowledge_all_command(n.digest); !all.empty()) {
        text += "\nAcknowledge all: " + all + "\n";
    }
    return text;
}

// The digest's list as HTML: one list item per page, then the command that
// acknowledges them all.
std::string digest_html(const Notification& n) {
    std::string html = "<!DOCTYPE html>\n<html><body>\n<p><b>" + escape_html(n.subject) + "</b></p>\n<p>" +
                       std::to_string(n.digest.size()) + " incidents paged at once:</p>\n<ul>\n";
    for (const DigestItem& item : n.digest) html += "<li>" + escape_html(item.subject) + "</li>\n";
    html += "</ul>\n";
    if (const std::string all = acknowledge_all_command(n.digest); !all.empty()) {
        html += "<p>Acknowledge all:<br><code>" + escape_html(all) + "</code></p>\n";
    }
    html += "</body></html>\n";
    return html;
}

}  // namespace

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
    if (notification.is_digest()) {
        // A digest stands alone: no thread, its incidents in a header for filters.
        if (m.text_body.empty()) m.text_body = digest_text(notification);
        m.html_body = digest_html(notification);
        std::string ids;
        for (const DigestItem& item : notification.digest) {
            ids += (ids.empty() ? "" : ", ") + std::to_string(item.incident_id);
        }
        m.headers.emplace_back("X-Tocsin-Digest", std::to_string(notification.digest_id));
        m.headers.emplace_back("X-Tocsin-Incidents", ids);
        return render_email(m);
    }
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
