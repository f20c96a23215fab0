// The channel adapters against real servers on loopback: EmailChannel
// against Debian's aiosmtpd (tests/support/smtp_server.py), TelegramChannel
// against the fake Bot API (tests/support/fake_telegram.hpp); and the
// dispatcher with each of them over a real SQLite file: the real loop
// (start, poke, timers) with email, virtual time with Telegram.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/json/parse.hpp>

#include "../../store/temp_dir.hpp"
#include "aiosmtpd.hpp"
#include "email_channel.hpp"
#include "fake_telegram.hpp"
#include "telegram_channel.hpp"
#include "tocsin/notify/dispatcher.hpp"
#include "tocsin/notify/email/email_message.hpp"
#include "tocsin/notify/telegram/html.hpp"
#include "tocsin/notify/telegram/keyboard.hpp"
#include "tocsin/store/outbox_repository.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"

namespace tocsin::notify {
namespace {

using namespace std::chrono_literals;
using email::EmailChannel;
using email::EmailChannelOptions;
using email::SmtpClient;
using email::SmtpClientOptions;
using email::SmtpSecurity;
using store::OutboxRepository;
using store::OutboxState;
using telegram::TelegramChannel;
using telegram::TelegramChannelOptions;
using telegram::TelegramClient;
using testing::Aiosmtpd;
using ::testing::HasSubstr;
using ::testing::Not;
using tocsin::test::FakeTelegram;
using tocsin::test::TelegramScript;

const std::string k_from = "pager@alerts.example.com";

Notification page(std::int64_t incident, std::string key, std::string subject = "[P1] API down <prod>",
                  std::string text = "Incident #42 is firing.\nSeverity: P1 & rising") {
    Notification n;
    n.idempotency_key = std::move(key);
    n.incident_id = incident;
    n.subject = std::move(subject);
    n.text = std::move(text);
    n.actionable = true;
    return n;
}

// A digest of four pages (as the dispatcher builds them), one not actionable.
Notification digest_of_four(std::string key = "inc-1/page-1/telegram/-100123/digest") {
    Notification d;
    d.idempotency_key = std::move(key);
    d.subject = "[P1] 4 incidents";
    d.digest = {{1, "[P1] #1 API down <prod>", true},
                {2, "[P1] #2 DB down & slow", true},
                {3, "[P1] #3 resolved: cache", false},
                {4, "[P1] #4 Queue stuck", true}};
    d.digest_id = 77;
    d.actionable = true;
    d.text = "4 incidents paged at once, one line each:\n\n";
    for (const auto& item : d.digest) d.text += item.subject + "\n";
    d.text += "\nAcknowledge all: " + acknowledge_all_command(d.digest) + "\n";
    return d;
}

// Runs one delivery to completion on `io`.
DeliveryResult deliver(boost::asio::io_context& io, Channel& channel, const std::string& recipient,
                       const Notification& n) {
    std::optional<DeliveryResult> out;
    int calls = 0;
    channel.deliver(recipient, n, [&](DeliveryResult r) {
        ++calls;
        out = std::move(r);
    });
    io.restart();
    io.run();
    EXPECT_EQ(calls, 1);
    return out.value_or(DeliveryResult{});
}

// ------------------------------------------------------------------ email

class EmailChannelTest : public ::testing::Test {
protected:
    std::unique_ptr<EmailChannel> channel(const Aiosmtpd& server) {
        SmtpClientOptions o;
        o.host = "127.0.0.1";
        o.port = static_cast<std::uint16_t>(server.port());
        o.security = SmtpSecurity::none;
        o.insecure_local_relay = true;
        o.helo_name = "tocsin.test";
        o.connect_timeout = 5s;
        o.command_timeout = 10s;
        o.send_timeout = 20s;
        auto client = SmtpClient::create(io, o);
        if (!client) throw std::runtime_error(client.error().message);
        EmailChannelOptions co;
        co.from = {"tocsin Pager", k_from};
        co.headers = {{"X-Tocsin-Instance", "test-1"}};
        return std::make_unique<EmailChannel>(std::move(*client), co, clock);
    }

    boost::asio::io_context io;
    ManualClock clock{std::chrono::sys_days{std::chrono::year{2024} / 6 / 3} + 12h};
};

TEST_F(EmailChannelTest, SendsAPageWithItsMessageId) {
    Aiosmtpd server;
    auto ch = channel(server);
    EXPECT_EQ(ch->name(), "email");
    auto r = deliver(io, *ch, "zoe@example.com", page(42, "inc-42/page-1/email/zoe@example.com"));
    ASSERT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail << "\n" << server.log();
    EXPECT_EQ(r.remote_id, email::make_message_id("inc-42/page-1/email/zoe@example.com", k_from));
    EXPECT_THAT(r.detail, HasSubstr("250"));

    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    const auto& m = messages[0];
    EXPECT_EQ(m.str({"mail_from"}), k_from);
    EXPECT_EQ(m.str({"rcpt_tos"}), R"(["zoe@example.com"])");
    EXPECT_EQ(m.str({"decoded", "from"}), "tocsin Pager <pager@alerts.example.com>");
    EXPECT_EQ(m.str({"decoded", "to"}), "zoe@example.com");
    EXPECT_EQ(m.str({"decoded", "subject"}), "[P1] API down <prod>");
    EXPECT_EQ(m.str({"decoded", "message_id"}), r.remote_id);
    EXPECT_EQ(m.str({"decoded", "in_reply_to"}), "");
    EXPECT_EQ(m.str({"decoded", "defects"}), "[]");
    EXPECT_THAT(m.data, HasSubstr("X-Tocsin-Incident: 42\r\n"));
    EXPECT_THAT(m.data, HasSubstr("X-Tocsin-Instance: test-1\r\n"));
    EXPECT_THAT(m.data, HasSubstr("Date: Mon, 03 Jun 2024 12:00:00 +0000\r\n"));
    const auto& parts = m.facts.at("decoded").as_object().at("parts").as_array();
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(std::string(parts[0].at("content").as_string()),
              "Incident #42 is firing.\nSeverity: P1 & rising\n");  // a final line end added
}

TEST_F(EmailChannelTest, FollowUpsReplyToTheThreadRoot) {
    Aiosmtpd server;
    auto ch = channel(server);
    const std::string root = email::make_message_id("inc-42/page-1/email/zoe@example.com", k_from);
    Notification update = page(42, "inc-42/update-1/email/zoe@example.com", "[P1] API down: identified");
    update.thread_root = root;
    ASSERT_EQ(deliver(io, *ch, "zoe@example.com", update).outcome, DeliveryOutcome::sent);
    // A thread root that is not a Message-ID (a Telegram id by mistake) is
    // left out; the page still goes.
    Notification odd = page(42, "inc-42/update-2/email/zoe@example.com");
    odd.thread_root = "12345";
    ASSERT_EQ(deliver(io, *ch, "zoe@example.com", odd).outcome, DeliveryOutcome::sent);

    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].str({"decoded", "in_reply_to"}), root);
    EXPECT_EQ(messages[0].str({"decoded", "references"}), root);
    EXPECT_EQ(messages[1].str({"decoded", "in_reply_to"}), "");
}

TEST_F(EmailChannelTest, OutcomesMapToRetryAndPermanent) {
    Aiosmtpd server({"--fail-first-data", "451", "--reject-rcpt", "gone@example.com"});
    auto ch = channel(server);
    const Notification n = page(42, "inc-42/page-1");
    auto first = deliver(io, *ch, "zoe@example.com", n);
    EXPECT_EQ(first.outcome, DeliveryOutcome::retry);
    EXPECT_THAT(first.detail, HasSubstr("451"));
    EXPECT_EQ(first.remote_id, "");
    auto second = deliver(io, *ch, "zoe@example.com", n);
    ASSERT_EQ(second.outcome, DeliveryOutcome::sent) << second.detail;

    auto gone = deliver(io, *ch, "gone@example.com", page(42, "inc-42/page-1/gone"));
    EXPECT_EQ(gone.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(gone.detail, HasSubstr("550"));

    auto bad = deliver(io, *ch, "not an address", page(42, "inc-42/page-1/bad"));
    EXPECT_EQ(bad.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(bad.detail, HasSubstr("cannot render"));
    EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(EmailChannelTest, SendsADigestWithItsListInPlainTextAndHtmlUnthreaded) {
    Aiosmtpd server;
    auto ch = channel(server);
    Notification d = digest_of_four("inc-1/page-1/email/zoe@example.com/digest");
    // Ignored: a digest stands alone.
    d.thread_root = email::make_message_id("inc-1/page-0/email/zoe@example.com", k_from);
    auto r = deliver(io, *ch, "zoe@example.com", d);
    ASSERT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail << "\n" << server.log();
    EXPECT_EQ(r.remote_id, email::make_message_id("inc-1/page-1/email/zoe@example.com/digest", k_from));
    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    const auto& m = messages[0];
    EXPECT_EQ(m.str({"decoded", "subject"}), "[P1] 4 incidents");
    EXPECT_EQ(m.str({"decoded", "in_reply_to"}), "");
    EXPECT_EQ(m.str({"decoded", "defects"}), "[]");
    EXPECT_THAT(m.data, HasSubstr("X-Tocsin-Digest: 77\r\n"));
    EXPECT_THAT(m.data, HasSubstr("X-Tocsin-Incidents: 1, 2, 3, 4\r\n"));
    EXPECT_THAT(m.data, Not(HasSubstr("X-Tocsin-Incident:")));
    const auto& parts = m.facts.at("decoded").as_object().at("parts").as_array();
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(std::string(parts[0].at("content_type").as_string()), "text/plain");
    EXPECT_EQ(std::string(parts[1].at("content_type").as_string()), "text/html");
    const std::string plain(parts[0].at("content").as_string());
    const std::string html(parts[1].at("content").as_string());
    EXPECT_THAT(plain, HasSubstr("[P1] #2 DB down & slow\n"));
    EXPECT_THAT(plain, HasSubstr("Acknowledge all: for id in 1 2 4; do tocsin incident ack \"$id\"; done"));
    EXPECT_THAT(html, HasSubstr("<li>[P1] #1 API down &lt;prod&gt;</li>"));
    EXPECT_THAT(html, HasSubstr("<li>[P1] #2 DB down &amp; slow</li>"));
    EXPECT_THAT(html, HasSubstr("<code>for id in 1 2 4; do tocsin incident ack &quot;$id&quot;; done</code>"));
}

// The dispatcher's own loop (start, poke, its timer) with real time: a page
// refused once with 451 is retried and sent; its follow-up threads under it.
TEST_F(EmailChannelTest, DispatcherRetriesAndThreadsThroughTheRealLoop) {
    Aiosmtpd server({"--fail-first-data", "451"});
    ::tocsin::store::testing::TempDir dir;
    store::Store db = store::Store::open(dir.file("tocsin.db"));
    ASSERT_TRUE(db.database()
                    .exec("INSERT INTO incidents (id, key, title, severity, state, impact_started_ms, detected_ms) "
                          "VALUES (42, 'k', 'API down', 'P1', 'investigating', 0, 0)")
                    .ok());
    SystemClock system_clock;
    DispatcherOptions o;
    o.retry = RetryPolicy{200ms, 200ms, 5};
    o.seed = 1;
    std::vector<AttemptReport> reports;
    o.on_result = [&](const AttemptReport& r) { reports.push_back(r); };
    Dispatcher dispatcher(io, db.database(), system_clock, o);
    ASSERT_TRUE(dispatcher.add_channel(channel(server)).ok());
    OutboxRepository repo(db.database());
    auto first = repo.enqueue(store::make_outbox_entry(page(42, "inc-42/page-1/email/zoe@example.com"), "email",
                                                       "zoe@example.com", system_clock.now()));
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(dispatcher.start().ok());
    auto run_until = [&](auto done) {
        for (int i = 0; i < 2000 && !done(); ++i) io.run_one_for(10ms);
        return done();
    };
    auto state_of = [&](std::int64_t id) { return (*repo.find(id))->state; };
    ASSERT_TRUE(run_until([&] { return state_of(first->id) == OutboxState::sent; })) << server.log();
    EXPECT_EQ((*repo.find(first->id))->attempts, 2);

    auto second = repo.enqueue(store::make_outbox_entry(page(42, "inc-42/update-1/email/zoe@example.com"), "email",
                                                        "zoe@example.com", system_clock.now()));
    ASSERT_TRUE(second.ok());
    dispatcher.poke();
    ASSERT_TRUE(run_until([&] { return state_of(second->id) == OutboxState::sent; }));
    dispatcher.stop();

    auto messages = server.messages();
    ASSERT_EQ(messages.size(), 2u);
    const std::string root = email::make_message_id("inc-42/page-1/email/zoe@example.com", k_from);
    EXPECT_EQ(messages[0].str({"decoded", "message_id"}), root);
    EXPECT_EQ(messages[1].str({"decoded", "in_reply_to"}), root);
    EXPECT_EQ((*repo.find(first->id))->remote_id, root);
    ASSERT_EQ(reports.size(), 3u);
    EXPECT_EQ(reports[0].row.state, OutboxState::pending);
    EXPECT_THAT(reports[0].row.last_error, HasSubstr("451"));
    EXPECT_EQ(reports[1].row.state, OutboxState::sent);
}

// ------------------------------------------------------------------ Telegram

const std::string k_token = "123456789:AAHsecretPartOfTheToken_xyz-0123456789";

class TelegramChannelTest : public ::testing::Test {
protected:
    TelegramChannelTest() {
        telegram::TelegramOptions o;
        o.api_url = fake.api_url();
        o.bot_token = Secret(k_token, "env:TOCSIN_TELEGRAM_TOKEN");
        o.request_timeout = 5s;
        o.connect_timeout = 2s;
        auto c = TelegramClient::create(io, o);
        if (!c) throw std::runtime_error(c.error().message);
        client.emplace(std::move(*c));
    }

    std::unique_ptr<TelegramChannel> channel(bool with_signer = true) {
        TelegramChannelOptions o;
        if (with_signer) o.signer = signer;
        return std::make_unique<TelegramChannel>(*client, std::move(o));
    }

    FakeTelegram fake{k_token};
    boost::asio::io_context io;
    std::optional<TelegramClient> client;
    telegram::CallbackSigner signer = telegram::CallbackSigner::create(Secret("0123456789abcdef0123", "test")).value();
};

TEST_F(TelegramChannelTest, SendsAnActionablePageWithSignedButtons) {
    auto ch = channel();
    EXPECT_EQ(ch->name(), "telegram");
    auto r = deliver(io, *ch, "-100123", page(42, "inc-42/page-1/telegram/-100123"));
    ASSERT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
    EXPECT_EQ(r.remote_id, "1");
    auto calls = fake.calls("sendMessage");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].int_param("chat_id"), -100123);
    EXPECT_EQ(calls[0].param("text"),
              "<b>[P1] API down &lt;prod&gt;</b>\n\nIncident #42 is firing.\nSeverity: P1 &amp; rising");
    EXPECT_EQ(calls[0].param("parse_mode"), "HTML");
    EXPECT_EQ(calls[0].param("reply_markup"), telegram::keyboard_json(telegram::incident_keyboard(signer, 42)));
    EXPECT_FALSE(calls[0].has("reply_parameters"));
}

TEST_F(TelegramChannelTest, FollowUpsReplyToTheThreadRootAndInformationHasNoButtons) {
    auto ch = channel();
    Notification update = page(42, "inc-42/update-1", "[P1] API down: identified", "Cause: a bad deploy.");
    update.thread_root = "1";
    update.actionable = false;
    ASSERT_EQ(deliver(io, *ch, "-100123", update).outcome, DeliveryOutcome::sent);
    // Without a signer an actionable page goes out without buttons.
    ASSERT_EQ(deliver(io, *channel(false), "4242", page(42, "inc-42/page-1/4242")).outcome, DeliveryOutcome::sent);
    auto calls = fake.calls("sendMessage");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].param("reply_parameters"), R"({"message_id":1,"allow_sending_without_reply":true})");
    EXPECT_FALSE(calls[0].has("reply_markup"));
    EXPECT_FALSE(calls[1].has("reply_markup"));
    EXPECT_EQ(calls[1].int_param("chat_id"), 4242);
}

TEST_F(TelegramChannelTest, LongTextIsSplitWithButtonsOnTheFirstPart) {
    auto ch = channel();
    std::string text;
    for (int i = 0; i < 300; ++i) text += "line " + std::to_string(i) + ": p99 > 2 s on <api> & <web>\n";
    Notification n = page(42, "inc-42/page-1", "[P1] API down", text);
    n.thread_root = "7";
    auto r = deliver(io, *ch, "-100123", n);
    ASSERT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
    auto calls = fake.calls("sendMessage");
    ASSERT_GE(calls.size(), 3u);
    EXPECT_EQ(r.remote_id, "1");  // the first part: the one with the buttons
    EXPECT_THAT(r.detail, HasSubstr(std::to_string(calls.size()) + " parts"));
    std::string joined;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        EXPECT_LE(telegram::visible_length(calls[i].param("text")), telegram::k_max_message_units);
        EXPECT_EQ(calls[i].has("reply_markup"), i == 0) << "part " << i;
        EXPECT_EQ(calls[i].param("reply_parameters"), R"({"message_id":7,"allow_sending_without_reply":true})");
        joined += telegram::html_to_plain(calls[i].param("text"));
    }
    EXPECT_THAT(joined, HasSubstr("line 299: p99 > 2 s on <api> & <web>"));
}

TEST_F(TelegramChannelTest, OutcomesMapToRetryPermanentAndRetryAfter) {
    auto ch = channel();
    fake.script("sendMessage", TelegramScript::flood(17));
    auto flood = deliver(io, *ch, "-100123", page(42, "a"));
    EXPECT_EQ(flood.outcome, DeliveryOutcome::retry);
    ASSERT_TRUE(flood.retry_after.has_value());
    EXPECT_EQ(*flood.retry_after, 17s);

    fake.script("sendMessage", TelegramScript::server_error(502));
    auto bad_gateway = deliver(io, *ch, "-100123", page(42, "b"));
    EXPECT_EQ(bad_gateway.outcome, DeliveryOutcome::retry);
    EXPECT_FALSE(bad_gateway.retry_after.has_value());

    fake.script("sendMessage", TelegramScript::blocked());
    auto blocked = deliver(io, *ch, "-100123", page(42, "c"));
    EXPECT_EQ(blocked.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(blocked.detail, HasSubstr("403"));

    fake.script("sendMessage", TelegramScript::cant_parse_entities());
    auto plain = deliver(io, *ch, "-100123", page(42, "d"));
    EXPECT_EQ(plain.outcome, DeliveryOutcome::sent);
    EXPECT_THAT(plain.detail, HasSubstr("plain text"));

    const std::size_t before = fake.calls("sendMessage").size();
    auto not_a_chat = deliver(io, *ch, "@oncall", page(42, "e"));
    EXPECT_EQ(not_a_chat.outcome, DeliveryOutcome::permanent);
    EXPECT_THAT(not_a_chat.detail, HasSubstr("not a Telegram chat id"));
    EXPECT_EQ(fake.calls("sendMessage").size(), before);

    // Never the token, in any detail.
    for (const auto& d : {flood.detail, bad_gateway.detail, blocked.detail, plain.detail}) {
        EXPECT_THAT(d, Not(HasSubstr("AAHsecret")));
    }
}

TEST_F(TelegramChannelTest, SendsADigestWithAnAckButtonPerIncidentAndAcknowledgeAll) {
    auto ch = channel();
    const Notification d = digest_of_four();
    auto r = deliver(io, *ch, "-100123", d);
    ASSERT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
    auto calls = fake.calls("sendMessage");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].param("text"), "<b>[P1] 4 incidents</b>\n\n" + telegram::escape_html(d.text));
    EXPECT_FALSE(calls[0].has("reply_parameters"));
    // Ack #1, #2, #4 (#3 is not actionable), then Acknowledge all.
    EXPECT_EQ(calls[0].param("reply_markup"),
              telegram::keyboard_json(telegram::digest_keyboard(signer, {1, 2, 4}, 77)));
    EXPECT_EQ(fake.markup(std::stoll(r.remote_id)), calls[0].param("reply_markup"));
}

TEST_F(TelegramChannelTest, ALongDigestCarriesItsButtonsUnderTheLastPart) {
    auto ch = channel();
    Notification d = digest_of_four();
    for (int i = 5; i <= 99; ++i) {
        d.digest.push_back({i, "[P1] #" + std::to_string(i) + " " + std::string(60, 'x'), true});
        d.text += d.digest.back().subject + "\n";
    }
    auto r = deliver(io, *ch, "-100123", d);
    ASSERT_EQ(r.outcome, DeliveryOutcome::sent) << r.detail;
    auto calls = fake.calls("sendMessage");
    ASSERT_GE(calls.size(), 2u);
    EXPECT_EQ(r.remote_id, "1");  // the first part, for threading
    for (std::size_t i = 0; i < calls.size(); ++i) {
        EXPECT_EQ(calls[i].has("reply_markup"), i + 1 == calls.size()) << "part " << i;
    }
    auto markup = boost::json::parse(calls.back().param("reply_markup"));
    std::size_t buttons = 0;
    for (const auto& row : markup.at("inline_keyboard").as_array()) buttons += row.as_array().size();
    EXPECT_EQ(buttons, 99u);  // 98 actionable incidents + Acknowledge all
}

// A storm through the dispatcher and the real channel: 60 incidents for one
// chat go out as two digests a second apart, every incident with its button.
TEST_F(TelegramChannelTest, DispatcherSendsAStormAsDigestsWithButtons) {
    ::tocsin::store::testing::TempDir dir;
    store::Store db = store::Store::open(dir.file("tocsin.db"));
    for (int i = 1; i <= 60; ++i) {
        ASSERT_TRUE(db.database()
                        .exec("INSERT INTO incidents (id, key, title, severity, state, impact_started_ms, detected_ms) "
                              "VALUES (" +
                              std::to_string(i) + ", 'k" + std::to_string(i) +
                              "', 'API down', 'P1', 'investigating', 0, 0)")
                        .ok());
    }
    const TimePoint t0 = store::from_unix_millis(1'700'000'000'000);
    ManualClock clock{t0};
    DispatcherOptions o;
    o.seed = 3;
    Dispatcher dispatcher(io, db.database(), clock, o);
    ASSERT_TRUE(dispatcher.add_channel(channel(), telegram_limits()).ok());
    OutboxRepository repo(db.database());
    std::vector<std::int64_t> rows;
    for (int i = 1; i <= 60; ++i) {
        auto e = repo.enqueue(store::make_outbox_entry(
            page(i, "inc-" + std::to_string(i) + "/page-1/telegram/4242", "[P1] #" + std::to_string(i) + " API down"),
            "telegram", "4242", t0));
        ASSERT_TRUE(e.ok());
        rows.push_back(e->id);
    }
    for (int i = 0; i < 20; ++i) {
        dispatcher.run_due(clock.now());
        io.restart();
        io.run();
        auto next = dispatcher.next_due();
        if (!next) break;
        clock.set(std::max(*next, clock.now()));
    }
    auto calls = fake.calls("sendMessage");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_THAT(calls[0].param("text"), HasSubstr("<b>[P1] 50 incidents</b>"));
    EXPECT_THAT(calls[1].param("text"), HasSubstr("<b>[P1] 10 incidents</b>"));
    std::set<std::int64_t> acked;
    for (std::size_t m = 0; m < calls.size(); ++m) {
        auto markup = boost::json::parse(calls[m].param("reply_markup"));
        const auto& keyboard = markup.at("inline_keyboard").as_array();
        const auto& last = keyboard.back().as_array();
        ASSERT_EQ(last.size(), 1u);
        auto all = signer.verify(std::string(last[0].at("callback_data").as_string()));
        ASSERT_TRUE(all.ok());
        EXPECT_EQ(all->action, telegram::IncidentAction::acknowledge_all);
        EXPECT_EQ(all->incident_id, m == 0 ? rows[0] : rows[50]);  // the lead row
        auto incidents = repo.digest_incidents(all->incident_id);
        ASSERT_TRUE(incidents.ok());
        EXPECT_EQ(incidents->size(), m == 0 ? 50u : 10u);
        for (std::size_t r = 0; r + 1 < keyboard.size(); ++r) {
            for (const auto& button : keyboard[r].as_array()) {
                auto ack = signer.verify(std::string(button.at("callback_data").as_string()));
                ASSERT_TRUE(ack.ok());
                EXPECT_EQ(ack->action, telegram::IncidentAction::acknowledge);
                EXPECT_TRUE(acked.insert(ack->incident_id).second);
            }
        }
    }
    EXPECT_EQ(acked.size(), 60u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto r = (*repo.find(rows[i])).value();
        EXPECT_EQ(r.state, OutboxState::sent);
        EXPECT_EQ(r.remote_id, i < 50 ? "1" : "2");
    }
    EXPECT_EQ(*(*repo.find(rows[50]))->sent_at - *(*repo.find(rows[0]))->sent_at, 1s);
}

// The dispatcher stepped through virtual time (ManualClock, run_due) while
// the requests are real: a 429 is retried no earlier than Telegram asked,
// and the follow-up replies to the page.
TEST_F(TelegramChannelTest, DispatcherHonoursRetryAfterAndThreads) {
    ::tocsin::store::testing::TempDir dir;
    store::Store db = store::Store::open(dir.file("tocsin.db"));
    ASSERT_TRUE(db.database()
                    .exec("INSERT INTO incidents (id, key, title, severity, state, impact_started_ms, detected_ms) "
                          "VALUES (42, 'k', 'API down', 'P1', 'investigating', 0, 0)")
                    .ok());
    const TimePoint t0 = store::from_unix_millis(1'700'000'000'000);
    ManualClock clock{t0};
    DispatcherOptions o;
    o.retry = RetryPolicy{1s, 1s, 5};
    o.seed = 3;
    Dispatcher dispatcher(io, db.database(), clock, o);
    ASSERT_TRUE(dispatcher.add_channel(channel(), telegram_limits()).ok());
    OutboxRepository repo(db.database());
    auto first = repo.enqueue(store::make_outbox_entry(page(42, "inc-42/page-1"), "telegram", "-100123", t0));
    auto second = repo.enqueue(
        store::make_outbox_entry(page(42, "inc-42/update-1", "[P1] API down: identified"), "telegram", "-100123", t0));
    ASSERT_TRUE(first.ok() && second.ok());
    fake.script("sendMessage", TelegramScript::flood(30));

    auto step = [&] {
        dispatcher.run_due(clock.now());
        io.restart();
        io.run();  // the requests started, to their end
    };
    step();
    auto row = (*repo.find(first->id)).value();
    EXPECT_EQ(row.state, OutboxState::pending);
    EXPECT_EQ(row.next_attempt_at, t0 + 30s);
    for (int i = 0; i < 20; ++i) {
        auto next = dispatcher.next_due();
        if (!next) break;
        clock.set(std::max(*next, clock.now()));
        step();
    }
    EXPECT_EQ((*repo.find(first->id))->state, OutboxState::sent);
    EXPECT_EQ((*repo.find(second->id))->state, OutboxState::sent);
    auto calls = fake.calls("sendMessage");
    ASSERT_EQ(calls.size(), 3u);  // the 429, the page, the follow-up
    EXPECT_EQ(calls[1].param("text").substr(0, 24), "<b>[P1] API down &lt;pro");
    const std::string page_id = (*repo.find(first->id))->remote_id;
    EXPECT_EQ(calls[2].param("reply_parameters"),
              R"({"message_id":)" + page_id + R"(,"allow_sending_without_reply":true})");
    EXPECT_GE((*repo.find(second->id))->sent_at, t0 + 31s);  // after the page, one second apart
}

}  // namespace
}  // namespace tocsin::notify
