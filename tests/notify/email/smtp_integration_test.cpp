// The SMTP client and the renderer against a real SMTP server: Debian's
// aiosmtpd (tests/support/smtp_server.py), started per test as a child
// process on a free loopback port and stopped by its PID. The server writes
// every message it accepts, with its envelope and what Python's own email
// parser decodes from it, so the tests check the bytes on the other side.
#include <signal.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aiosmtpd.hpp"
#include "test_certs.hpp"
#include "test_support.hpp"
#include "tocsin/notify/email/email_message.hpp"
#include "tocsin/notify/email/smtp_client.hpp"

using namespace std::chrono_literals;
using namespace tocsin::notify::email;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::Not;
using tocsin::test::TempDir;

namespace {

namespace json = boost::json;
using Received = tocsin::notify::testing::ReceivedMail;
using tocsin::notify::testing::Aiosmtpd;

class SmtpIntegration : public testing::Test {
protected:
    TempDir dir;
    tocsin::test::TestCa ca{dir.path()};
    tocsin::test::CertFiles server_cert = ca.issue("smtp", {"127.0.0.1", "localhost"});
    std::vector<std::string> tls_args() const { return {"--cert", server_cert.cert, "--key", server_cert.key}; }

    SmtpClientOptions options(const Aiosmtpd& server, SmtpSecurity security) const {
        SmtpClientOptions o;
        o.host = "127.0.0.1";
        o.port = static_cast<std::uint16_t>(server.port());
        o.security = security;
        o.insecure_local_relay = security == SmtpSecurity::none;
        o.tls.ca_file = ca.ca_file();
        o.helo_name = "tocsin.test";
        o.connect_timeout = 5s;
        o.command_timeout = 10s;
        o.send_timeout = 20s;
        return o;
    }

    static SendResult send(const SmtpClientOptions& options, SmtpEnvelope envelope) {
        boost::asio::io_context io;
        auto client = SmtpClient::create(io, options);
        EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message);
        if (!client.ok()) return {};
        SendResult out;
        int calls = 0;
        client->send(std::move(envelope), [&](SendResult r) {
            out = std::move(r);
            ++calls;
        });
        io.run();
        EXPECT_EQ(calls, 1);
        return out;
    }

    static EmailMessage page() {
        EmailMessage m;
        m.from = {"tocsin Pager", "pager@alerts.example.com"};
        m.to = {{"Zoë On-Call", "zoe@example.com"}};
        m.subject = "[P1] Störung: ingest returning 5xx — 数据库 for > 5 minutes";
        m.text_body = "Incident #42 is firing.\n.\n..leading dots survive\nSeverity: P1 — critical\n";
        m.html_body = "<p>Incident <b>#42</b> is firing — P1</p>\n";
        m.idempotency_key = "incident-42/page-2/zoe";
        m.thread_root_id = make_message_id("incident-42/page-1/zoe", "pager@alerts.example.com");
        m.date = std::chrono::sys_days{std::chrono::year{2024} / 6 / 3} + std::chrono::hours(12);
        m.headers = {{"X-Tocsin-Incident", "42"}};
        return m;
    }

    static SmtpEnvelope envelope_for(const RenderedEmail& email, std::vector<std::string> rcpt) {
        return SmtpEnvelope{"pager@alerts.example.com", std::move(rcpt), email.data};
    }
};

}  // namespace

TEST_F(SmtpIntegration, RenderedPageArrivesIntactOverStartTlsWithAuth) {
    Aiosmtpd server([&] {
        auto a = tls_args();
        a.insert(a.end(), {"--starttls", "--require-starttls", "--auth", "pager:correct horse"});
        return a;
    }());
    auto o = options(server, SmtpSecurity::starttls);
    o.username = "pager";
    o.password = tocsin::Secret("correct horse", "env:TOCSIN_SMTP_PASSWORD");
    auto email = render_email(page());
    ASSERT_TRUE(email.ok()) << email.error().message;
    auto r = send(o, envelope_for(*email, {"zoe@example.com"}));
    ASSERT_TRUE(r.ok()) << r.detail << "\n" << server.log();
    EXPECT_EQ(r.code, 250);
    EXPECT_THAT(r.reply, HasSubstr("queued as 1"));

    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    const auto& m = messages[0];
    EXPECT_EQ(m.data, email->data);  // byte for byte, dot-stuffing undone by the server
    EXPECT_EQ(m.str({"mail_from"}), "pager@alerts.example.com");
    EXPECT_EQ(m.str({"rcpt_tos"}), R"(["zoe@example.com"])");
    EXPECT_EQ(m.str({"helo"}), "tocsin.test");
    EXPECT_EQ(m.str({"tls"}), "true");
    EXPECT_EQ(m.str({"auth_login"}), "pager");
    // What Python's email package decodes from it.
    EXPECT_EQ(m.str({"decoded", "subject"}), "[P1] Störung: ingest returning 5xx — 数据库 for > 5 minutes");
    EXPECT_EQ(m.str({"decoded", "from"}), "tocsin Pager <pager@alerts.example.com>");
    EXPECT_EQ(m.str({"decoded", "to"}), "Zoë On-Call <zoe@example.com>");
    EXPECT_EQ(m.str({"decoded", "message_id"}), email->message_id);
    const std::string root = make_message_id("incident-42/page-1/zoe", "pager@alerts.example.com");
    EXPECT_EQ(m.str({"decoded", "in_reply_to"}), root);
    EXPECT_EQ(m.str({"decoded", "references"}), root);
    EXPECT_EQ(m.str({"decoded", "defects"}), "[]");
    const auto& parts = m.facts.at("decoded").as_object().at("parts").as_array();
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].at("content_type").as_string(), "text/plain");
    EXPECT_EQ(parts[0].at("charset").as_string(), "utf-8");
    EXPECT_EQ(parts[0].at("content").as_string(),
              "Incident #42 is firing.\n.\n..leading dots survive\nSeverity: P1 — critical\n");
    EXPECT_EQ(parts[1].at("content_type").as_string(), "text/html");
    EXPECT_EQ(parts[1].at("content").as_string(), "<p>Incident <b>#42</b> is firing — P1</p>\n");
}

TEST_F(SmtpIntegration, ImplicitTlsWithAuthLogin) {
    Aiosmtpd server([&] {
        auto a = tls_args();
        a.insert(a.end(), {"--implicit-tls", "--auth", "pager:s3cret"});
        return a;
    }());
    auto o = options(server, SmtpSecurity::implicit_tls);
    o.username = "pager";
    o.password = tocsin::Secret("s3cret", "file:/run/secrets/smtp");
    o.auth_mechanism = SmtpAuthMechanism::login;
    auto email = render_email(page());
    ASSERT_TRUE(email.ok());
    auto r = send(o, envelope_for(*email, {"zoe@example.com"}));
    ASSERT_TRUE(r.ok()) << r.detail << "\n" << server.log();
    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].str({"tls"}), "true");
    EXPECT_EQ(messages[0].str({"auth_login"}), "pager");
    EXPECT_EQ(messages[0].data, email->data);
}

TEST_F(SmtpIntegration, PlainRelayDeliversRawDataWithDotStuffing) {
    Aiosmtpd server;
    auto env = SmtpEnvelope{"pager@alerts.example.com", {"a@example.com", "b@example.com"},
                            "Subject: raw\n\nline one\n.\n.. two dots\n.end\nno final newline"};
    auto r = send(options(server, SmtpSecurity::none), env);
    ASSERT_TRUE(r.ok()) << r.detail;
    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].data, "Subject: raw\r\n\r\nline one\r\n.\r\n.. two dots\r\n.end\r\nno final newline\r\n");
    EXPECT_EQ(messages[0].str({"rcpt_tos"}), R"(["a@example.com","b@example.com"])");
    EXPECT_EQ(messages[0].str({"tls"}), "false");
}

TEST_F(SmtpIntegration, WrongPasswordIsPermanentAndNotShown) {
    Aiosmtpd server([&] {
        auto a = tls_args();
        a.insert(a.end(), {"--starttls", "--auth", "pager:right"});
        return a;
    }());
    auto o = options(server, SmtpSecurity::starttls);
    o.username = "pager";
    o.password = tocsin::Secret("wrong-password", "env:P");
    auto r = send(o, SmtpEnvelope{"pager@alerts.example.com", {"zoe@example.com"}, "Subject: x\r\n\r\nx\r\n"});
    EXPECT_EQ(r.outcome, SendOutcome::permanent) << r.detail << "\n" << server.log();
    EXPECT_EQ(r.step, SmtpStep::auth);
    EXPECT_EQ(r.code, 535);
    EXPECT_THAT(r.detail, Not(HasSubstr("wrong-password")));
    EXPECT_TRUE(server.messages().empty());
}

TEST_F(SmtpIntegration, StartTlsMissingIsPermanent) {
    Aiosmtpd server;  // no STARTTLS on offer
    auto r = send(options(server, SmtpSecurity::starttls),
                  SmtpEnvelope{"pager@alerts.example.com", {"zoe@example.com"}, "Subject: x\r\n\r\nx\r\n"});
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::starttls);
    EXPECT_TRUE(server.messages().empty());
}

TEST_F(SmtpIntegration, UntrustedCertificateIsPermanent) {
    Aiosmtpd server([&] {
        auto a = tls_args();
        a.push_back("--implicit-tls");
        return a;
    }());
    TempDir other_dir;
    tocsin::test::TestCa other_ca(other_dir.path());
    auto o = options(server, SmtpSecurity::implicit_tls);
    o.tls.ca_file = other_ca.ca_file();
    auto r = send(o, SmtpEnvelope{"pager@alerts.example.com", {"zoe@example.com"}, "Subject: x\r\n\r\nx\r\n"});
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::tls);
    EXPECT_THAT(r.detail, HasSubstr("certificate verification failed"));

    // The right CA but another name: also refused.
    o = options(server, SmtpSecurity::implicit_tls);
    o.tls.server_name = "smtp.example.com";
    r = send(o, SmtpEnvelope{"pager@alerts.example.com", {"zoe@example.com"}, "Subject: x\r\n\r\nx\r\n"});
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::tls);
    EXPECT_TRUE(server.messages().empty());
}

TEST_F(SmtpIntegration, TemporaryDataFailureThenSuccessOnRetry) {
    Aiosmtpd server({"--fail-first-data", "451"});
    auto o = options(server, SmtpSecurity::none);
    auto email = render_email(page());
    ASSERT_TRUE(email.ok());
    auto first = send(o, envelope_for(*email, {"zoe@example.com"}));
    EXPECT_EQ(first.outcome, SendOutcome::retry);
    EXPECT_EQ(first.step, SmtpStep::message);
    EXPECT_EQ(first.code, 451);
    EXPECT_THAT(first.reply, HasSubstr("Try again later"));
    EXPECT_TRUE(server.messages().empty());

    // The dispatcher resends the same rendered message: same Message-ID.
    auto second = send(o, envelope_for(*email, {"zoe@example.com"}));
    ASSERT_TRUE(second.ok()) << second.detail;
    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].str({"decoded", "message_id"}), email->message_id);
}

TEST_F(SmtpIntegration, RejectedRecipientsArePartialOrPermanent) {
    Aiosmtpd server({"--reject-rcpt", "gone@example.com", "--reject-rcpt", "left@example.com"});
    auto o = options(server, SmtpSecurity::none);
    auto partial = send(o, SmtpEnvelope{"pager@alerts.example.com", {"gone@example.com", "zoe@example.com"},
                                        "Subject: x\r\n\r\nx\r\n"});
    ASSERT_TRUE(partial.ok()) << partial.detail;
    EXPECT_TRUE(partial.partial());
    EXPECT_THAT(partial.accepted, ElementsAre("zoe@example.com"));
    ASSERT_EQ(partial.rejected.size(), 1u);
    EXPECT_EQ(partial.rejected[0].address, "gone@example.com");
    EXPECT_EQ(partial.rejected[0].code, 550);
    EXPECT_THAT(partial.rejected[0].reply, HasSubstr("User unknown"));
    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].str({"rcpt_tos"}), R"(["zoe@example.com"])");

    auto none = send(o, SmtpEnvelope{"pager@alerts.example.com", {"gone@example.com", "left@example.com"},
                                     "Subject: x\r\n\r\nx\r\n"});
    EXPECT_EQ(none.outcome, SendOutcome::permanent);
    EXPECT_EQ(none.step, SmtpStep::rcpt_to);
    EXPECT_EQ(none.code, 550);
    EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(SmtpIntegration, ServiceNotAvailableAtConnectIsRetry) {
    Aiosmtpd server({"--greet", "421"});
    auto r = send(options(server, SmtpSecurity::none),
                  SmtpEnvelope{"pager@alerts.example.com", {"zoe@example.com"}, "Subject: x\r\n\r\nx\r\n"});
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::greeting);
    EXPECT_EQ(r.code, 421);
    EXPECT_THAT(r.reply, HasSubstr("Service not available"));
}

TEST_F(SmtpIntegration, SizeLimitIsCheckedBeforeSending) {
    Aiosmtpd server({"--size", "2000"});
    auto env = SmtpEnvelope{"pager@alerts.example.com", {"zoe@example.com"}, "Subject: big\r\n\r\n" + std::string(5000, 'x')};
    auto r = send(options(server, SmtpSecurity::none), env);
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::mail_from);
    EXPECT_THAT(r.detail, HasSubstr("SIZE limit of 2000"));

    env.data = "Subject: small\r\n\r\nfits\r\n";
    ASSERT_TRUE(send(options(server, SmtpSecurity::none), env).ok());
    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_THAT(messages[0].str({"mail_options"}), HasSubstr("SIZE="));
}
