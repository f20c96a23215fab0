// The SMTP client against a scripted raw server: the exact conversation,
// result classes for every reply, recipients partly rejected, SIZE, AUTH and
// hostile servers (garbage, overlong lines, dribbling, silence, early close).
// Every hostile case must end in a clear result, never a hang or a crash.
#include "tocsin/notify/email/smtp_client.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_smtp_server.hpp"
#include "test_support.hpp"
#include "tocsin/notify/email/email_message.hpp"
#include "tocsin/notify/email/smtp_protocol.hpp"

using namespace std::chrono_literals;
using namespace tocsin::notify::email;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::Not;
using tocsin::test::FakeSmtpConnection;
using tocsin::test::FakeSmtpServer;
using tocsin::test::SmtpBehaviour;

namespace {

SmtpClientOptions relay_options(int port) {
    SmtpClientOptions o;
    o.host = "127.0.0.1";
    o.port = static_cast<std::uint16_t>(port);
    o.security = SmtpSecurity::none;
    o.insecure_local_relay = true;
    o.helo_name = "tocsin.test";
    o.connect_timeout = 2s;
    o.command_timeout = 2s;
    o.send_timeout = 5s;
    return o;
}

SmtpEnvelope envelope(std::vector<std::string> rcpt = {"oncall@example.com"}) {
    return SmtpEnvelope{"pager@alerts.example.com", std::move(rcpt), "Subject: test\r\n\r\nbody\r\n"};
}

SendResult send(const SmtpClientOptions& options, SmtpEnvelope env = envelope()) {
    boost::asio::io_context io;
    auto client = SmtpClient::create(io, options);
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message);
    if (!client.ok()) return {};
    SendResult out;
    int calls = 0;
    client->send(std::move(env), [&](SendResult r) {
        out = std::move(r);
        ++calls;
    });
    io.run();
    EXPECT_EQ(calls, 1);
    return out;
}

FakeSmtpServer::Script behave(SmtpBehaviour b) {
    return [b = std::move(b)](FakeSmtpConnection& c) { serve_smtp(c, b); };
}

SmtpBehaviour answering(std::function<std::optional<std::string>(const std::string&)> on_command) {
    SmtpBehaviour b;
    b.on_command = std::move(on_command);
    return b;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST(SmtpClient, SpeaksTheExpectedConversation) {
    FakeSmtpServer server(behave({}));
    auto env = envelope({"a@example.com", "b@example.com"});
    env.data = "Subject: dots\n\n.\n..two\nlast";  // LF line ends, a lone dot, no final line end
    auto r = send(relay_options(server.port()), env);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.step, SmtpStep::none);
    EXPECT_EQ(r.code, 250);
    EXPECT_EQ(r.reply, "250 2.0.0 Ok: queued");
    EXPECT_THAT(r.accepted, ElementsAre("a@example.com", "b@example.com"));
    EXPECT_TRUE(r.rejected.empty());
    EXPECT_FALSE(r.partial());
    ASSERT_TRUE(server.wait_served(1));
    EXPECT_THAT(server.commands(), ElementsAre("EHLO tocsin.test", "MAIL FROM:<pager@alerts.example.com>",
                                               "RCPT TO:<a@example.com>", "RCPT TO:<b@example.com>", "DATA", "QUIT"));
    EXPECT_THAT(server.data(), ElementsAre("Subject: dots\r\n\r\n..\r\n...two\r\nlast\r\n.\r\n"));
}

TEST(SmtpClient, SendsSizeAnd8BitMimeWhenAdvertised) {
    SmtpBehaviour b;
    b.ehlo = "250-fake.test\r\n250-SIZE 100000\r\n250 8BITMIME";
    FakeSmtpServer server(behave(b));
    auto env = envelope();
    env.data = "Subject: x\r\n\r\nZo\xc3\xab\r\n";
    auto r = send(relay_options(server.port()), env);
    ASSERT_TRUE(r.ok()) << r.detail;
    ASSERT_TRUE(server.wait_served(1));
    const auto size = prepare_data(env.data).size();
    EXPECT_EQ(server.commands().at(1), "MAIL FROM:<pager@alerts.example.com> SIZE=" + std::to_string(size) +
                                           " BODY=8BITMIME");
}

TEST(SmtpClient, RespectsTheAdvertisedSizeLimit) {
    SmtpBehaviour b;
    b.ehlo = "250-fake.test\r\n250 SIZE 100";
    FakeSmtpServer server(behave(b));
    auto env = envelope();
    env.data = std::string(200, 'x');
    auto r = send(relay_options(server.port()), env);
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::mail_from);
    EXPECT_THAT(r.detail, HasSubstr("exceeds the server's SIZE limit of 100"));
    ASSERT_TRUE(server.wait_served(1));
    EXPECT_THAT(server.commands(), ElementsAre("EHLO tocsin.test", "QUIT"));
}

TEST(SmtpClient, SomeRecipientsRejectedIsASentPartialDelivery) {
    FakeSmtpServer server(behave(answering([](const std::string& cmd) -> std::optional<std::string> {
        if (cmd == "RCPT TO:<gone@example.com>") return "550 5.1.1 <gone@example.com>: User unknown";
        if (cmd == "RCPT TO:<full@example.com>") return "452 4.2.2 Mailbox full";
        return std::nullopt;
    })));
    auto r = send(relay_options(server.port()), envelope({"gone@example.com", "ok@example.com", "full@example.com"}));
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_TRUE(r.partial());
    EXPECT_THAT(r.accepted, ElementsAre("ok@example.com"));
    ASSERT_EQ(r.rejected.size(), 2u);
    EXPECT_EQ(r.rejected[0].address, "gone@example.com");
    EXPECT_EQ(r.rejected[0].code, 550);
    EXPECT_EQ(r.rejected[0].reply, "550 5.1.1 <gone@example.com>: User unknown");
    EXPECT_EQ(r.rejected[1].code, 452);
    EXPECT_THAT(r.detail, HasSubstr("1 of 3 recipient(s)"));
}

TEST(SmtpClient, AllRecipientsRejected) {
    auto rejecting = [](const char* second) {
        return behave(answering([second](const std::string& cmd) -> std::optional<std::string> {
            if (cmd == "RCPT TO:<a@example.com>") return "550 5.1.1 no such user";
            if (cmd == "RCPT TO:<b@example.com>") return second;
            return std::nullopt;
        }));
    };
    {
        FakeSmtpServer server(rejecting("553 5.1.3 bad mailbox"));
        auto r = send(relay_options(server.port()), envelope({"a@example.com", "b@example.com"}));
        EXPECT_EQ(r.outcome, SendOutcome::permanent);
        EXPECT_EQ(r.step, SmtpStep::rcpt_to);
        EXPECT_EQ(r.code, 550);
        EXPECT_THAT(r.detail, HasSubstr("all 2 recipient(s) rejected"));
        ASSERT_TRUE(server.wait_served(1));
        EXPECT_THAT(server.commands(), Not(testing::Contains("DATA")));
        EXPECT_EQ(server.commands().back(), "QUIT");
    }
    {
        // One temporary rejection makes the whole send worth a retry.
        FakeSmtpServer server(rejecting("450 4.2.0 try later"));
        auto r = send(relay_options(server.port()), envelope({"a@example.com", "b@example.com"}));
        EXPECT_EQ(r.outcome, SendOutcome::retry);
        EXPECT_EQ(r.rejected.size(), 2u);
    }
}

TEST(SmtpClient, ReplyCodesDecideRetryOrPermanent) {
    struct Case {
        std::string command;  // answered with `reply`
        std::string reply;
        SendOutcome outcome;
        SmtpStep step;
    };
    const std::vector<Case> cases = {
        {"MAIL", "451 4.3.0 local error", SendOutcome::retry, SmtpStep::mail_from},
        {"MAIL", "550 5.7.1 sender rejected", SendOutcome::permanent, SmtpStep::mail_from},
        {"DATA", "554 5.5.1 no valid recipients", SendOutcome::permanent, SmtpStep::data},
        {"DATA", "250 not what DATA expects", SendOutcome::retry, SmtpStep::data},
        {"EHLO", "421 4.3.2 shutting down", SendOutcome::retry, SmtpStep::ehlo},
    };
    for (const auto& c : cases) {
        FakeSmtpServer server(behave(answering([&c](const std::string& cmd) -> std::optional<std::string> {
            if (cmd.rfind(c.command, 0) == 0) return c.reply;
            return std::nullopt;
        })));
        auto r = send(relay_options(server.port()));
        EXPECT_EQ(r.outcome, c.outcome) << c.reply << ": " << r.detail;
        EXPECT_EQ(r.step, c.step) << c.reply;
        EXPECT_EQ(r.code, std::stoi(c.reply.substr(0, 3)));
        EXPECT_EQ(r.reply, c.reply);
        ASSERT_TRUE(server.wait_served(1));
        // 421 means the server closes: no QUIT then.
        EXPECT_EQ(server.commands().back() == "QUIT", c.reply.rfind("421", 0) != 0) << c.reply;
    }
}

TEST(SmtpClient, TemporaryFailureAfterTheMessageIsRetry) {
    SmtpBehaviour b;
    b.data_reply = "451 4.3.0 queue full, try again";
    FakeSmtpServer server(behave(b));
    auto r = send(relay_options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::message);
    EXPECT_EQ(r.code, 451);
    EXPECT_EQ(r.detail, "end of data: 451 4.3.0 queue full, try again");
}

TEST(SmtpClient, GreetingCodes) {
    for (auto [greeting, outcome] : {std::pair{"421 4.3.2 too busy", SendOutcome::retry},
                                     std::pair{"554 5.7.1 go away", SendOutcome::permanent}}) {
        SmtpBehaviour b;
        b.greeting = greeting;
        FakeSmtpServer server(behave(b));
        auto r = send(relay_options(server.port()));
        EXPECT_EQ(r.outcome, outcome) << greeting;
        EXPECT_EQ(r.step, SmtpStep::greeting);
        EXPECT_EQ(r.reply, greeting);
    }
}

TEST(SmtpClient, EhloRefusedFallsBackToHeloForAPlainRelay) {
    FakeSmtpServer server(behave(answering([](const std::string& cmd) -> std::optional<std::string> {
        if (starts_with(cmd, "EHLO")) return "502 5.5.1 EHLO not implemented";
        return std::nullopt;
    })));
    auto r = send(relay_options(server.port()));
    ASSERT_TRUE(r.ok()) << r.detail;
    ASSERT_TRUE(server.wait_served(1));
    EXPECT_EQ(server.commands().at(1), "HELO tocsin.test");
}

TEST(SmtpClient, GarbageInsteadOfAGreeting) {
    FakeSmtpServer server([](FakeSmtpConnection& c) {
        c.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        c.wait_closed();
    });
    auto r = send(relay_options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::greeting);
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.detail, "greeting: malformed reply: reply does not start with a three-digit code");
}

TEST(SmtpClient, MixedCodesInAMultiLineReply) {
    SmtpBehaviour b;
    b.ehlo = "250-fake.test\r\n550 surprise";
    FakeSmtpServer server(behave(b));
    auto r = send(relay_options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::ehlo);
    EXPECT_THAT(r.detail, HasSubstr("mixes codes 250 and 550"));
}

TEST(SmtpClient, OverlongReplyLinesAreCapped) {
    FakeSmtpServer server([](FakeSmtpConnection& c) {
        c.send("220-" + std::string(1 << 20, 'x'));  // a megabyte without a line end
        c.wait_closed();
    });
    auto r = send(relay_options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::greeting);
    EXPECT_THAT(r.detail, HasSubstr("reply line longer than 1000 octets"));
}

TEST(SmtpClient, EndlessMultiLineReplyIsCapped) {
    FakeSmtpServer server([](FakeSmtpConnection& c) {
        std::string lines;
        for (int i = 0; i < 200; ++i) lines += "220-still greeting\r\n";
        c.send(lines);
        c.wait_closed();
    });
    auto r = send(relay_options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_THAT(r.detail, HasSubstr("more than 128 lines"));
}

TEST(SmtpClient, SilentServerTimesOut) {
    FakeSmtpServer server([](FakeSmtpConnection& c) { c.wait_closed(); });
    auto options = relay_options(server.port());
    options.command_timeout = 200ms;
    auto r = send(options);
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::greeting);
    EXPECT_EQ(r.detail, "greeting: timed out");
}

TEST(SmtpClient, DribblingServerTimesOutPerReplyNotPerByte) {
    FakeSmtpServer server([](FakeSmtpConnection& c) { c.dribble("220 fake.test a very slow greeting\r\n", 30ms); });
    auto options = relay_options(server.port());
    options.command_timeout = 300ms;  // the greeting takes over a second
    auto r = send(options);
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::greeting);
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
}

TEST(SmtpClient, SendTimeoutBoundsTheWholeSend) {
    FakeSmtpServer server([](FakeSmtpConnection& c) {
        c.reply("220 fake.test");
        c.read_line();  // EHLO
        c.reply("250-fake.test\r\n250 8BITMIME");
        c.read_line();  // MAIL FROM
        c.wait_closed();
    });
    auto options = relay_options(server.port());
    options.command_timeout = 60s;  // never reached: the whole send ends first
    options.send_timeout = 1s;
    auto r = send(options);
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::mail_from);
    EXPECT_EQ(r.detail, "MAIL FROM: timed out (the send timeout of 1s ran out)");
}

TEST(SmtpClient, ServerClosesRightAfterConnecting) {
    FakeSmtpServer server([](FakeSmtpConnection& c) { c.close(); });
    auto r = send(relay_options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::greeting);
    EXPECT_EQ(r.detail, "greeting: the server closed the connection");
}

TEST(SmtpClient, ServerClosesMidData) {
    FakeSmtpServer server(behave(answering([](const std::string& cmd) -> std::optional<std::string> {
        if (cmd == "DATA") return "";  // hang up instead of 354
        return std::nullopt;
    })));
    auto r = send(relay_options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::data);
    EXPECT_THAT(r.detail, HasSubstr("the server closed the connection"));

    FakeSmtpServer midway([](FakeSmtpConnection& c) {
        c.reply("220 fake.test");
        for (int i = 0; i < 4; ++i) {  // EHLO, MAIL, RCPT, DATA
            auto line = c.read_line();
            c.reply(i == 0 ? "250 fake.test" : i == 3 ? "354 go ahead" : "250 OK");
        }
        c.read_some();  // some of the content, then hang up
        c.close();
    });
    auto env = envelope();
    env.data = std::string(16 << 20, 'x');  // more than the socket buffers hold
    auto m = send(relay_options(midway.port()), env);
    EXPECT_EQ(m.outcome, SendOutcome::retry);
    EXPECT_EQ(m.step, SmtpStep::message);
    EXPECT_THAT(m.detail, HasSubstr("the server closed the connection"));
}

TEST(SmtpClient, NoReplyAfterTheContentIsRetry) {
    FakeSmtpServer server([](FakeSmtpConnection& c) {
        c.reply("220 fake.test");
        for (int i = 0; i < 4; ++i) {
            c.read_line();
            c.reply(i == 0 ? "250 fake.test" : i == 3 ? "354 go ahead" : "250 OK");
        }
        c.read_data();
        c.close();
    });
    auto r = send(relay_options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::message);
    EXPECT_EQ(r.detail, "end of data: the server closed the connection");
}

TEST(SmtpClient, AcceptedMessageStaysSentWhenQuitFails) {
    FakeSmtpServer server(behave(answering([](const std::string& cmd) -> std::optional<std::string> {
        if (cmd == "QUIT") return "";  // hang up without 221
        return std::nullopt;
    })));
    auto r = send(relay_options(server.port()));
    EXPECT_TRUE(r.ok()) << r.detail;
}

TEST(SmtpClient, StartTlsIsRequiredWhenConfigured) {
    FakeSmtpServer server(behave({}));  // offers no STARTTLS
    auto options = relay_options(server.port());
    options.security = SmtpSecurity::starttls;
    options.insecure_local_relay = false;
    options.username = "pager";
    options.password = tocsin::Secret("hunter2", "env:SMTP_PASSWORD");
    auto r = send(options);
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::starttls);
    EXPECT_THAT(r.detail, HasSubstr("does not offer STARTTLS"));
    ASSERT_TRUE(server.wait_served(1));
    // Nothing after EHLO but QUIT: no AUTH, no mail over plain text.
    EXPECT_THAT(server.commands(), ElementsAre("EHLO tocsin.test", "QUIT"));
}

TEST(SmtpClient, DataInjectedBeforeTheTlsHandshakeIsRefused) {
    SmtpBehaviour b;
    b.ehlo = "250-fake.test\r\n250 STARTTLS";
    b.on_command = [](const std::string& cmd) -> std::optional<std::string> {
        if (cmd == "STARTTLS") return "220 2.0.0 go ahead\r\n250 injected";  // one write: arrives together
        return std::nullopt;
    };
    FakeSmtpServer server(behave(b));
    auto options = relay_options(server.port());
    options.security = SmtpSecurity::starttls;
    auto r = send(options);
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::starttls);
    EXPECT_THAT(r.detail, HasSubstr("sent data before the TLS handshake"));
}

class SmtpClientAuth : public testing::Test {
protected:
    static constexpr const char* k_password = "hunter2-s3cret";
    SmtpClientOptions options(int port) {
        auto o = relay_options(port);
        o.username = "pager";
        o.password = tocsin::Secret(k_password, "file:/etc/tocsin/smtp-password");
        o.allow_plain_auth_without_tls = true;
        return o;
    }
    static void expect_no_secret(const SendResult& r) {
        for (const std::string& secret : {std::string(k_password), base64_encode(k_password),
                                           base64_encode(std::string("\0pager\0", 7) + k_password)}) {
            EXPECT_THAT(r.reply, Not(HasSubstr(secret)));
            EXPECT_THAT(r.detail, Not(HasSubstr(secret)));
        }
    }
};

TEST_F(SmtpClientAuth, PlainWithInitialResponse) {
    SmtpBehaviour b;
    b.ehlo = "250-fake.test\r\n250 AUTH LOGIN PLAIN";
    b.on_command = [](const std::string& cmd) -> std::optional<std::string> {
        if (starts_with(cmd, "AUTH")) {
            return cmd == "AUTH PLAIN " + base64_encode(std::string("\0pager\0", 7) + k_password)
                       ? "235 2.7.0 Authentication successful"
                       : "535 5.7.8 bad";
        }
        return std::nullopt;
    };
    FakeSmtpServer server(behave(b));
    auto r = send(options(server.port()));
    EXPECT_TRUE(r.ok()) << r.detail;
}

TEST_F(SmtpClientAuth, FailureIsPermanentAndNeverShowsThePassword) {
    SmtpBehaviour b;
    b.ehlo = "250-fake.test\r\n250 AUTH PLAIN";
    // A hostile server echoes what it got, credentials included.
    b.on_command = [](const std::string& cmd) -> std::optional<std::string> {
        if (starts_with(cmd, "AUTH")) return "535-5.7.8 rejected: " + cmd + "\r\n535 5.7.8 password " + k_password;
        return std::nullopt;
    };
    FakeSmtpServer server(behave(b));
    auto r = send(options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::auth);
    EXPECT_EQ(r.code, 535);
    EXPECT_EQ(r.reply, "535 5.7.8 rejected: AUTH PLAIN [redacted] | 5.7.8 password [redacted]");
    expect_no_secret(r);
}

TEST_F(SmtpClientAuth, LoginMechanism) {
    SmtpBehaviour b;
    b.ehlo = "250-fake.test\r\n250 AUTH=LOGIN";
    std::atomic<int> stage = 0;
    b.on_command = [&stage](const std::string& cmd) -> std::optional<std::string> {
        if (cmd == "AUTH LOGIN" && stage == 0) {
            ++stage;
            return "334 VXNlcm5hbWU6";
        }
        if (stage == 1) {
            ++stage;
            return cmd == base64_encode("pager") ? "334 UGFzc3dvcmQ6" : "535 bad user";
        }
        if (stage == 2) {
            ++stage;
            return "535 5.7.8 wrong password " + cmd;  // echoes base64(password)
        }
        return std::nullopt;
    };
    FakeSmtpServer server(behave(b));
    auto r = send(options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::auth);
    EXPECT_EQ(r.reply, "535 5.7.8 wrong password [redacted]");
    EXPECT_EQ(stage, 3);
    expect_no_secret(r);
}

TEST_F(SmtpClientAuth, NoSupportedMechanism) {
    SmtpBehaviour b;
    b.ehlo = "250-fake.test\r\n250 AUTH CRAM-MD5 XOAUTH2";
    FakeSmtpServer server(behave(b));
    auto r = send(options(server.port()));
    EXPECT_EQ(r.outcome, SendOutcome::permanent);
    EXPECT_EQ(r.step, SmtpStep::auth);
    EXPECT_THAT(r.detail, HasSubstr("offered: CRAM-MD5 XOAUTH2"));
}

TEST(SmtpClient, InvalidEnvelopeNeverConnects) {
    FakeSmtpServer server(behave({}));
    for (auto env : {SmtpEnvelope{"pager@alerts.example.com\r\nRCPT TO:<x@evil.example>", {"a@example.com"}, "x"},
                     SmtpEnvelope{"pager@alerts.example.com", {"a@example.com>\r\nDATA"}, "x"},
                     SmtpEnvelope{"pager@alerts.example.com", {}, "x"}, SmtpEnvelope{"", {"a@example.com"}, "x"}}) {
        auto r = send(relay_options(server.port()), env);
        EXPECT_EQ(r.outcome, SendOutcome::permanent);
        EXPECT_EQ(r.step, SmtpStep::envelope);
        EXPECT_THAT(r.detail, Not(HasSubstr("\n")));
    }
    EXPECT_EQ(server.connections(), 0u);
}

TEST(SmtpClient, RefusedConnectionIsRetry) {
    auto r = send(relay_options(tocsin::test::free_port()));
    EXPECT_EQ(r.outcome, SendOutcome::retry);
    EXPECT_EQ(r.step, SmtpStep::connect);
    EXPECT_THAT(r.detail, HasSubstr("connection refused"));
}

TEST(SmtpClient, OptionsFollowTheSecurityRules) {
    boost::asio::io_context io;
    auto create = [&](const SmtpClientOptions& o) { return SmtpClient::create(io, o); };
    auto base = relay_options(2525);
    EXPECT_TRUE(create(base).ok());

    auto o = base;
    o.insecure_local_relay = false;
    EXPECT_THAT(create(o).error().message, HasSubstr("needs insecure_local_relay"));

    o = base;
    o.username = "pager";
    o.password = tocsin::Secret("hunter2", "env:P");
    EXPECT_THAT(create(o).error().message, HasSubstr("refusing AUTH without TLS"));
    o.allow_plain_auth_without_tls = true;
    EXPECT_TRUE(create(o).ok());

    o = base;
    o.security = SmtpSecurity::starttls;
    o.allow_plain_auth_without_tls = true;
    EXPECT_THAT(create(o).error().message, HasSubstr("only applies to security = none"));

    o = base;
    o.password = tocsin::Secret("hunter2", "env:P");
    auto no_user = create(o);
    EXPECT_THAT(no_user.error().message, HasSubstr("without a username"));
    EXPECT_THAT(no_user.error().message, Not(HasSubstr("hunter2")));

    o = base;
    o.host = "";
    EXPECT_FALSE(create(o).ok());
    o = base;
    o.helo_name = "bad name\r\n";
    EXPECT_FALSE(create(o).ok());
    o = base;
    o.command_timeout = 0ms;
    EXPECT_FALSE(create(o).ok());
    o = base;
    o.security = SmtpSecurity::implicit_tls;
    o.tls.ca_file = "/nonexistent/ca.pem";
    auto bad_ca = create(o);
    ASSERT_FALSE(bad_ca.ok());
    EXPECT_THAT(bad_ca.error().message, HasSubstr("/nonexistent/ca.pem"));
}
