// EmailChannel's rendering of notifications, without a connection: a digest
// (storm control) lists every page in the plain-text and the HTML body,
// names its incidents in headers, and stands outside any thread.
#include "email_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <string>

#include "tocsin/notify/email/email_message.hpp"

namespace tocsin::notify::email {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string k_from = "pager@alerts.example.com";

// The message's text with quoted-printable soft breaks and escapes undone
// (good enough for ASCII bodies).
std::string qp_decoded(const std::string& data) {
    std::string out;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '=' && i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n') {
            i += 2;
        } else if (data[i] == '=' && i + 2 < data.size() && std::isxdigit(static_cast<unsigned char>(data[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(data[i + 2]))) {
            out += static_cast<char>(std::stoi(data.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += data[i];
        }
    }
    return out;
}

class EmailChannelRenderTest : public ::testing::Test {
protected:
    EmailChannel channel() {
        SmtpClientOptions o;
        o.host = "127.0.0.1";
        o.port = 2525;
        o.security = SmtpSecurity::none;
        o.insecure_local_relay = true;
        auto client = SmtpClient::create(io, o);
        EXPECT_TRUE(client.ok());
        EmailChannelOptions co;
        co.from = {"tocsin", k_from};
        return EmailChannel(std::move(*client), co, clock);
    }

    boost::asio::io_context io;
    ManualClock clock{std::chrono::sys_days{std::chrono::year{2024} / 6 / 3} + 12h};
};

Notification digest() {
    Notification d;
    d.idempotency_key = "inc-1/page-1/email/zoe@example.com/digest";
    d.subject = "[P1] 3 incidents";
    d.digest = {{1, "[P1] #1 API down <prod>", true}, {2, "[P1] #2 DB down & slow", false}, {3, "[P1] #3 Queue", true}};
    d.digest_id = 41;
    d.actionable = true;
    d.text =
        "3 incidents paged at once, one line each:\n\n[P1] #1 API down <prod>\n[P1] #2 DB down & slow\n"
        "[P1] #3 Queue\n\nAcknowledge all: " +
        acknowledge_all_command(d.digest) + "\n";
    return d;
}

TEST_F(EmailChannelRenderTest, ADigestListsEveryPageInBothBodies) {
    EmailChannel ch = channel();
    Notification d = digest();
    d.thread_root = make_message_id("inc-1/page-0/email/zoe@example.com", k_from);
    auto r = ch.render("zoe@example.com", d, clock.now());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->message_id, make_message_id(d.idempotency_key, k_from));
    const std::string& m = r->data;
    EXPECT_THAT(m, HasSubstr("Subject: [P1] 3 incidents\r\n"));
    EXPECT_THAT(m, HasSubstr("Content-Type: multipart/alternative"));
    EXPECT_THAT(m, HasSubstr("X-Tocsin-Digest: 41\r\n"));
    EXPECT_THAT(m, HasSubstr("X-Tocsin-Incidents: 1, 2, 3\r\n"));
    EXPECT_THAT(m, Not(HasSubstr("X-Tocsin-Incident:")));
    EXPECT_THAT(m, Not(HasSubstr("In-Reply-To")));  // a digest is not part of one incident's thread
    EXPECT_THAT(m, Not(HasSubstr("References")));

    const std::string body = qp_decoded(m);
    EXPECT_THAT(body, HasSubstr("[P1] #2 DB down & slow\r\n"));
    EXPECT_THAT(body, HasSubstr("Acknowledge all: for id in 1 3; do tocsin incident ack \"$id\"; done"));
    EXPECT_THAT(body, HasSubstr("<li>[P1] #1 API down &lt;prod&gt;</li>"));
    EXPECT_THAT(body, HasSubstr("<li>[P1] #2 DB down &amp; slow</li>"));
    EXPECT_THAT(body, HasSubstr("<li>[P1] #3 Queue</li>"));
    EXPECT_THAT(body, HasSubstr("<code>for id in 1 3; do tocsin incident ack &quot;$id&quot;; done</code>"));

    // Resent after a crash: the same bytes, the same Message-ID.
    auto again = ch.render("zoe@example.com", d, clock.now());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->data, r->data);
}

TEST_F(EmailChannelRenderTest, ADigestWithoutTextGetsItsListAndNoneActionableNoAckLine) {
    EmailChannel ch = channel();
    Notification d = digest();
    d.text.clear();
    for (auto& item : d.digest) item.actionable = false;
    d.actionable = false;
    auto r = ch.render("zoe@example.com", d, clock.now());
    ASSERT_TRUE(r.ok()) << r.error().message;
    const std::string body = qp_decoded(r->data);
    EXPECT_THAT(body, HasSubstr("3 incidents paged at once, one line each:\r\n\r\n[P1] #1 API down <prod>\r\n"));
    EXPECT_THAT(body, Not(HasSubstr("Acknowledge all")));
}

TEST_F(EmailChannelRenderTest, APageIsStillPlainTextAndThreaded) {
    EmailChannel ch = channel();
    Notification n;
    n.idempotency_key = "inc-1/update-1/email/zoe@example.com";
    n.incident_id = 1;
    n.subject = "[P1] #1 API down: identified";
    n.text = "Cause: a bad deploy.";
    n.thread_root = make_message_id("inc-1/page-1/email/zoe@example.com", k_from);
    auto r = ch.render("zoe@example.com", n, clock.now());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_THAT(r->data, HasSubstr("In-Reply-To: " + n.thread_root + "\r\n"));
    EXPECT_THAT(r->data, HasSubstr("X-Tocsin-Incident: 1\r\n"));
    EXPECT_THAT(r->data, Not(HasSubstr("multipart")));
    EXPECT_THAT(r->data, Not(HasSubstr("X-Tocsin-Digest")));
}

}  // namespace
}  // namespace tocsin::notify::email
