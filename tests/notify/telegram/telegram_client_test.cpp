// The Bot API client against the fake Bot API server on loopback: what it
// sends, each outcome class, flood control, the plain-text fallback, long
// polling, HTTPS, malformed answers, and that the bot token never shows up
// in any error or log line.
#include "tocsin/notify/telegram/telegram_client.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sstream>
#include <thread>

#include "fake_telegram.hpp"
#include "test_certs.hpp"
#include "test_support.hpp"
#include "tocsin/notify/telegram/html.hpp"

using namespace std::chrono_literals;
using namespace tocsin::notify::telegram;
using testing::HasSubstr;
using tocsin::Ok;
using tocsin::Secret;
using tocsin::test::FakeTelegram;
using tocsin::test::TelegramScript;

namespace {

const std::string k_token = "123456789:AAHsecretPartOfTheToken_xyz-0123456789";
const std::string k_secret_half = "AAHsecretPartOfTheToken_xyz-0123456789";

TelegramOptions options_for(const std::string& api_url, const std::string& token = k_token) {
    TelegramOptions o;
    o.api_url = api_url;
    o.bot_token = Secret(token, "env:TOCSIN_TELEGRAM_TOKEN");
    o.request_timeout = 5s;
    o.connect_timeout = 2s;
    return o;
}

TelegramClient make_client(boost::asio::io_context& io, TelegramOptions options) {
    auto c = TelegramClient::create(io, std::move(options));
    if (!c.ok()) throw std::runtime_error(c.error().message);
    return std::move(c).value();
}

// Runs one call to completion on `io`.
template <typename T, typename Start>
ApiResult<T> run(boost::asio::io_context& io, Start start) {
    std::optional<ApiResult<T>> out;
    int calls = 0;
    start([&](ApiResult<T> r) {
        ++calls;
        out.emplace(std::move(r));
    });
    io.restart();
    io.run();
    EXPECT_EQ(calls, 1);
    if (!out) throw std::runtime_error("no result");
    return std::move(*out);
}

ApiResult<SentMessage> send(boost::asio::io_context& io, TelegramClient& client, SendMessageRequest request) {
    return run<SentMessage>(io, [&](auto done) { client.send_message(std::move(request), std::move(done)); });
}

SendMessageRequest message(std::string text, std::int64_t chat_id = -100123) {
    SendMessageRequest r;
    r.chat_id = chat_id;
    r.text = std::move(text);
    return r;
}

// Captures every log line (debug and up) while alive.
class LogCapture {
public:
    LogCapture() : m_previous(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(m_stream);
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(m_previous); }
    std::string text() {
        spdlog::default_logger()->flush();
        return m_stream.str();
    }

private:
    std::shared_ptr<spdlog::logger> m_previous;
    std::ostringstream m_stream;
};

class TelegramClientTest : public testing::Test {
protected:
    FakeTelegram fake{k_token};
    boost::asio::io_context io;
    TelegramClient client = make_client(io, options_for(fake.api_url()));
};

}  // namespace

TEST_F(TelegramClientTest, SendsAPageAndGetsItsMessageId) {
    auto signer = CallbackSigner::create(Secret("0123456789abcdef0123", "test")).value();
    SendMessageRequest request = message(bold("Incident #42") + " " + escape_html("api <prod> down"));
    request.buttons = incident_keyboard(signer, 42);
    auto first = send(io, client, request);
    ASSERT_TRUE(first.ok()) << first.failure().message();
    EXPECT_EQ(first->message_id, 1);
    EXPECT_EQ(first->chat_id, -100123);
    EXPECT_FALSE(first->plain_text);

    SendMessageRequest follow_up = message("still investigating");
    follow_up.reply_to_message_id = first->message_id;
    follow_up.disable_notification = true;
    auto second = send(io, client, follow_up);
    ASSERT_TRUE(second.ok()) << second.failure().message();
    EXPECT_EQ(second->message_id, 2);

    auto calls = fake.calls("sendMessage");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].token, k_token);
    EXPECT_THAT(calls[0].content_type, HasSubstr("application/json"));
    EXPECT_EQ(calls[0].int_param("chat_id"), -100123);
    EXPECT_EQ(calls[0].param("text"), "<b>Incident #42</b> api &lt;prod&gt; down");
    EXPECT_EQ(calls[0].param("parse_mode"), "HTML");
    EXPECT_EQ(calls[0].param("reply_markup"), keyboard_json(request.buttons));
    EXPECT_EQ(calls[0].param("link_preview_options"), R"({"is_disabled":true})");
    EXPECT_FALSE(calls[0].has("disable_notification"));
    EXPECT_FALSE(calls[0].has("reply_parameters"));
    EXPECT_EQ(calls[1].param("reply_parameters"), R"({"message_id":1,"allow_sending_without_reply":true})");
    EXPECT_EQ(calls[1].param("disable_notification"), "true");
    EXPECT_FALSE(calls[1].has("reply_markup"));
    EXPECT_EQ(fake.markup(1), keyboard_json(request.buttons));
}

TEST_F(TelegramClientTest, FloodControlIsRetryAndReturnsRetryAfter) {
    fake.script("sendMessage", TelegramScript::flood(17));
    auto r = send(io, client, message("page"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.outcome(), Outcome::retry);
    ASSERT_TRUE(r.failure().retry_after);
    EXPECT_EQ(*r.failure().retry_after, 17s);
    EXPECT_EQ(r.failure().http_status, 429);
    EXPECT_TRUE(r.failure().to_error().retryable);
    // The flood is over: the next send goes through.
    EXPECT_TRUE(send(io, client, message("page")).ok());
}

TEST_F(TelegramClientTest, ServerErrorsAreRetry) {
    for (int status : {500, 502, 503, 504}) {
        fake.script("sendMessage", TelegramScript::server_error(status));
        auto r = send(io, client, message("page"));
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.outcome(), Outcome::retry) << status;
        EXPECT_EQ(r.failure().http_status, status);
        EXPECT_FALSE(r.failure().retry_after);
    }
}

TEST_F(TelegramClientTest, NetworkErrorsAndTimeoutsAreRetry) {
    // Refused: nothing listens there.
    auto refused_client = make_client(io, options_for("http://127.0.0.1:" + std::to_string(tocsin::test::free_port())));
    auto refused = send(io, refused_client, message("page"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.outcome(), Outcome::retry);
    EXPECT_EQ(refused.failure().http_status, 0);
    EXPECT_THAT(refused.failure().description, HasSubstr("refused"));

    fake.script("sendMessage", TelegramScript::connection_reset());
    auto reset = send(io, client, message("page"));
    ASSERT_FALSE(reset.ok());
    EXPECT_EQ(reset.outcome(), Outcome::retry);

    // Slow: the fake holds the answer far longer than the client waits.
    auto options = options_for(fake.api_url());
    options.request_timeout = 300ms;
    auto impatient = make_client(io, options);
    fake.script("sendMessage", TelegramScript::slow(60s));
    auto slow = send(io, impatient, message("page"));
    ASSERT_FALSE(slow.ok());
    EXPECT_EQ(slow.outcome(), Outcome::retry);
    EXPECT_EQ(slow.failure().category, tocsin::ErrorCategory::timeout);
}

TEST_F(TelegramClientTest, PermanentErrors) {
    fake.script("sendMessage", TelegramScript::blocked());
    auto blocked = send(io, client, message("page"));
    ASSERT_FALSE(blocked.ok());
    EXPECT_EQ(blocked.outcome(), Outcome::permanent);
    EXPECT_EQ(blocked.failure().http_status, 403);
    EXPECT_THAT(blocked.failure().description, HasSubstr("blocked"));
    EXPECT_FALSE(blocked.failure().to_error().retryable);

    fake.script("sendMessage", TelegramScript::error(400, "Bad Request: chat not found"));
    EXPECT_EQ(send(io, client, message("page")).outcome(), Outcome::permanent);

    // A wrong token: the fake answers 401 as Telegram does.
    auto wrong = make_client(io, options_for(fake.api_url(), "987654321:AAwrongwrongwrongwrong"));
    auto unauthorized = send(io, wrong, message("page"));
    ASSERT_FALSE(unauthorized.ok());
    EXPECT_EQ(unauthorized.outcome(), Outcome::permanent);
    EXPECT_EQ(unauthorized.failure().http_status, 401);
}

TEST_F(TelegramClientTest, RefusedHtmlIsResentAsPlainText) {
    fake.script("sendMessage", TelegramScript::cant_parse_entities());
    const std::string html = bold("Incident #3") + " " + escape_html("p99 > 2s & rising");
    auto r = send(io, client, message(html));
    ASSERT_TRUE(r.ok()) << r.failure().message();
    EXPECT_TRUE(r->plain_text);
    auto calls = fake.calls("sendMessage");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].param("parse_mode"), "HTML");
    EXPECT_FALSE(calls[1].has("parse_mode"));
    EXPECT_EQ(calls[1].param("text"), "Incident #3 p99 > 2s & rising");
}

TEST_F(TelegramClientTest, HtmlTelegramCannotParseFallsBackWithoutAScript) {
    // Telegram knows no <blink>; the fake refuses it as Telegram would.
    auto r = send(io, client, message("<blink>down</blink> &amp; out"));
    ASSERT_TRUE(r.ok()) << r.failure().message();
    EXPECT_TRUE(r->plain_text);
    EXPECT_EQ(fake.calls("sendMessage").back().param("text"), "down & out");
}

TEST_F(TelegramClientTest, WithoutTheFallbackRefusedHtmlIsPermanent) {
    auto options = options_for(fake.api_url());
    options.plain_text_fallback = false;
    auto strict = make_client(io, options);
    fake.script("sendMessage", TelegramScript::cant_parse_entities());
    auto r = send(io, strict, message("<b>x</b>"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.outcome(), Outcome::permanent);
    EXPECT_TRUE(r.failure().cant_parse_entities());
    EXPECT_EQ(fake.calls("sendMessage").size(), 1u);
}

TEST_F(TelegramClientTest, AFailingFallbackSaysSo) {
    fake.script("sendMessage", TelegramScript::cant_parse_entities());
    fake.script("sendMessage", TelegramScript::flood(3));
    auto r = send(io, client, message("<b>x</b>"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.outcome(), Outcome::retry);
    EXPECT_EQ(*r.failure().retry_after, 3s);
    EXPECT_THAT(r.failure().description, HasSubstr("plain-text fallback"));
}

TEST_F(TelegramClientTest, TooLongEmptyOrBadButtonsFailBeforeAnyRequest) {
    auto too_long = send(io, client, message(std::string(4097, 'x')));
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.outcome(), Outcome::permanent);
    EXPECT_THAT(too_long.failure().description, HasSubstr("4097"));
    auto empty = send(io, client, message("<b> </b>\n"));
    EXPECT_EQ(empty.outcome(), Outcome::permanent);
    SendMessageRequest bad_button = message("x");
    bad_button.buttons = {{Button{"Ack", std::string(65, 'a')}}};
    EXPECT_EQ(send(io, client, bad_button).outcome(), Outcome::permanent);
    EXPECT_TRUE(fake.calls().empty());
    // Exactly at the limit (in UTF-16 units, after entities) is fine.
    auto at_limit = send(io, client, message(std::string(4093, 'x') + "&amp;😀"));
    EXPECT_TRUE(at_limit.ok()) << at_limit.failure().message();
}

TEST_F(TelegramClientTest, EveryPartOfASplitMessageIsAccepted) {
    std::string html = bold("Incident #9: checkout 5xx") + "\n<pre>";
    for (int i = 0; i < 400; ++i) html += escape_html("10:00:" + std::to_string(i) + " GET /cart -> 503 <no upstream> 😀 漢字") + "\n";
    html += "</pre>";
    auto parts = split_message(html);
    ASSERT_GE(parts.size(), 3u);
    for (const auto& part : parts) {
        auto r = send(io, client, message(part));
        ASSERT_TRUE(r.ok()) << r.failure().message();
        EXPECT_FALSE(r->plain_text);
    }
}

TEST_F(TelegramClientTest, AnswersCallbacksAndRemovesButtons) {
    auto injected = fake.inject_callback(-100123, 7, "ana", 1, "ack:1:x");
    auto answered = run<Ok>(io, [&](auto done) { client.answer_callback_query(injected.query_id, "Acknowledged", false, std::move(done)); });
    EXPECT_TRUE(answered.ok()) << answered.failure().message();
    EXPECT_EQ(fake.answers(injected.query_id), 1);
    EXPECT_EQ(fake.calls("answerCallbackQuery")[0].param("text"), "Acknowledged");
    // Twice is refused by Telegram ("query is too old"): permanent.
    auto again = run<Ok>(io, [&](auto done) { client.answer_callback_query(injected.query_id, "x", false, std::move(done)); });
    EXPECT_EQ(again.outcome(), Outcome::permanent);
    // A long answer is cut to Telegram's 200 characters.
    auto other = fake.inject_callback(-100123, 7, "ana", 1, "ack:1:x");
    EXPECT_TRUE(run<Ok>(io, [&](auto done) { client.answer_callback_query(other.query_id, std::string(300, 'y'), true, std::move(done)); }).ok());
    EXPECT_EQ(utf16_length(fake.calls("answerCallbackQuery").back().param("text")), 200u);
    EXPECT_EQ(fake.calls("answerCallbackQuery").back().param("show_alert"), "true");

    SendMessageRequest page = message("page");
    page.buttons = {{Button{"Acknowledge", "ack:1:x"}}};
    auto sent = send(io, client, page);
    ASSERT_TRUE(sent.ok());
    auto removed = run<Ok>(io, [&](auto done) { client.edit_message_reply_markup(-100123, sent->message_id, {}, std::move(done)); });
    EXPECT_TRUE(removed.ok()) << removed.failure().message();
    EXPECT_EQ(fake.markup(sent->message_id), "");
    EXPECT_FALSE(fake.calls("editMessageReplyMarkup")[0].has("reply_markup"));
    // Removing again: Telegram says "message is not modified", which is success.
    auto twice = run<Ok>(io, [&](auto done) { client.edit_message_reply_markup(-100123, sent->message_id, {}, std::move(done)); });
    EXPECT_TRUE(twice.ok()) << twice.failure().message();
    auto missing = run<Ok>(io, [&](auto done) { client.edit_message_reply_markup(-100123, 999, {}, std::move(done)); });
    EXPECT_EQ(missing.outcome(), Outcome::permanent);
}

TEST_F(TelegramClientTest, GetUpdatesReturnsCallbacksAndMessages) {
    auto cb = fake.inject_callback(-100123, 7, "ana", 5, "ack:1:abc");
    auto msg = fake.inject_message(-100123, 8, "/status");
    auto r = run<std::vector<Update>>(io, [&](auto done) { client.get_updates(0, 0s, std::move(done)); });
    ASSERT_TRUE(r.ok()) << r.failure().message();
    ASSERT_EQ(r.value().size(), 2u);
    EXPECT_EQ(r.value()[0].update_id, cb.update_id);
    ASSERT_TRUE(r.value()[0].callback_query);
    EXPECT_EQ(r.value()[0].callback_query->id, cb.query_id);
    EXPECT_EQ(r.value()[0].callback_query->from.username, "ana");
    EXPECT_EQ(r.value()[0].callback_query->chat_id, -100123);
    EXPECT_EQ(r.value()[0].callback_query->message_id, 5);
    EXPECT_EQ(r.value()[0].callback_query->data, "ack:1:abc");
    EXPECT_EQ(r.value()[1].update_id, msg);
    ASSERT_TRUE(r.value()[1].message);
    EXPECT_EQ(r.value()[1].message->text, "/status");
    auto call = fake.calls("getUpdates").back();
    EXPECT_FALSE(call.has("offset"));
    EXPECT_EQ(call.int_param("timeout"), 0);
    EXPECT_EQ(call.param("allowed_updates"), R"(["message","callback_query"])");

    // With an offset past them, Telegram forgets them.
    auto after = run<std::vector<Update>>(io, [&](auto done) { client.get_updates(msg + 1, 0s, std::move(done)); });
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(after.value().empty());
    EXPECT_EQ(fake.calls("getUpdates").back().int_param("offset"), msg + 1);
}

TEST_F(TelegramClientTest, LongPollWaitsForAnUpdate) {
    std::optional<ApiResult<std::vector<Update>>> result;
    client.get_updates(0, 30s, [&](ApiResult<std::vector<Update>> r) { result.emplace(std::move(r)); });
    std::thread runner([&] { io.run(); });
    ASSERT_TRUE(fake.wait_for_held_polls(1, 10s));  // the request is waiting at the server
    auto id = fake.inject_message(-100123, 8, "hello");
    runner.join();
    ASSERT_TRUE(result && result->ok());
    ASSERT_EQ(result->value().size(), 1u);
    EXPECT_EQ(result->value()[0].update_id, id);
}

TEST_F(TelegramClientTest, MalformedAnswersAreErrorsNotCrashes) {
    const std::vector<std::string> bodies = {
        "garbage",
        R"({"ok":true,"result":{"message_id":99999999999999999999999,"chat":{"id":1}}})",
        R"({"ok":true,"result":{"message_id":-1,"chat":{"id":1}}})",
        R"({"ok":true,"result":null})",
        std::string(5000, '{'),
    };
    for (const auto& body : bodies) {
        fake.script("sendMessage", TelegramScript::raw(200, body));
        auto r = send(io, client, message("page"));
        ASSERT_FALSE(r.ok()) << body.substr(0, 60);
        EXPECT_EQ(r.failure().category, tocsin::ErrorCategory::protocol) << body.substr(0, 60);
        EXPECT_EQ(r.outcome(), Outcome::retry);
    }
    fake.script("getUpdates", TelegramScript::raw(200, R"({"ok":true,"result":[{"update_id":1.5}]})"));
    auto updates = run<std::vector<Update>>(io, [&](auto done) { client.get_updates(0, 0s, std::move(done)); });
    ASSERT_FALSE(updates.ok());
    EXPECT_THAT(updates.failure().description, HasSubstr("update_id"));
}

TEST(TelegramClientTls, TalksHttpsWithTheConfiguredCa) {
    tocsin::test::TempDir dir;
    tocsin::test::TestCa ca(dir.path());
    auto cert = ca.issue("api", {"127.0.0.1"});
    FakeTelegram fake(k_token, tocsin::test::FakeTls{cert.cert, cert.key, {}});
    ASSERT_TRUE(fake.api_url().starts_with("https://"));
    boost::asio::io_context io;
    auto options = options_for(fake.api_url());
    options.tls.ca_file = ca.ca_file();
    auto client = make_client(io, options);
    auto r = send(io, client, message("over TLS"));
    ASSERT_TRUE(r.ok()) << r.failure().message();

    // Without the CA, verification fails: retry (it may be a transient MITM or clock issue).
    auto untrusting = make_client(io, options_for(fake.api_url()));
    auto refused = send(io, untrusting, message("over TLS"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.outcome(), Outcome::retry);
    EXPECT_THAT(refused.failure().description, HasSubstr("tls"));
}

TEST(TelegramClientOptions, BadOptionsAreRefusedWithoutShowingTheToken) {
    boost::asio::io_context io;
    auto bad_chars = TelegramClient::create(io, options_for("https://api.telegram.org", "123:abc/../../etc?x=" + k_secret_half));
    ASSERT_FALSE(bad_chars.ok());
    EXPECT_THAT(bad_chars.error().message, HasSubstr("env:TOCSIN_TELEGRAM_TOKEN"));
    EXPECT_THAT(bad_chars.error().message, testing::Not(HasSubstr(k_secret_half)));
    auto empty = TelegramClient::create(io, options_for("https://api.telegram.org", ""));
    EXPECT_FALSE(empty.ok());
    auto scheme = TelegramClient::create(io, options_for("ftp://api.telegram.org"));
    EXPECT_FALSE(scheme.ok());
    auto ok = TelegramClient::create(io, options_for("https://api.telegram.org/"));
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok.value().api_url(), "https://api.telegram.org");
}

TEST(TelegramClientRedaction, RedactsTheTokenRawEncodedAndItsSecretHalf) {
    boost::asio::io_context io;
    auto client = make_client(io, options_for("http://127.0.0.1:1"));
    EXPECT_EQ(client.redact("GET /bot" + k_token + "/sendMessage"), "GET /bot<redacted>/sendMessage");
    EXPECT_EQ(client.redact("/bot123456789%3A" + k_secret_half + "/x"), "/bot<redacted>/x");
    EXPECT_EQ(client.redact("/bot123456789%3a" + k_secret_half + "/x"), "/bot<redacted>/x");
    EXPECT_EQ(client.redact("secret=" + k_secret_half), "secret=<redacted>");
    EXPECT_EQ(client.redact("nothing secret"), "nothing secret");
}

// Forces an error of every kind, through every method, and checks that the
// token appears in no result, error message or log line.
TEST(TelegramClientRedaction, TheTokenNeverAppearsInErrorsOrLogs) {
    LogCapture logs;
    std::vector<std::string> seen;  // every string a caller could get
    auto collect = [&](const ApiFailure& f) {
        seen.push_back(f.message());
        seen.push_back(f.description);
        seen.push_back(f.to_error().message);
    };

    FakeTelegram fake(k_token);
    boost::asio::io_context io;
    auto client = make_client(io, options_for(fake.api_url()));
    const std::string echo_path = "/bot" + k_token + "/sendMessage";
    const std::string encoded_path = "/bot123456789%3A" + k_secret_half + "/sendMessage";
    std::vector<TelegramScript> scripts = {
        TelegramScript::error(404, "Not Found: " + echo_path),                         // JSON echoing the path
        TelegramScript::raw(502, "<html>upstream failed for " + echo_path + "</html>"),  // HTML echoing it
        TelegramScript::raw(200, "not json " + encoded_path),                          // garbage, encoded
        TelegramScript::raw(200, R"({"ok":true,"result":")" + k_token + R"("})"),      // wrong type
        TelegramScript::error(429, "Too Many Requests for " + k_secret_half),          // the secret half alone
        TelegramScript::error(400, "Bad Request: can't parse entities near " + k_token),
        TelegramScript::error(401, "Unauthorized token " + k_token),
        TelegramScript::error(403, "Forbidden: " + k_token),
        TelegramScript::connection_reset(),
    };
    for (const auto& script : scripts) {
        fake.script("", script);
        fake.script("", script);  // the plain-text fallback, when there is one, gets it too
        auto r = send(io, client, message("<b>page</b>"));
        ASSERT_FALSE(r.ok());
        collect(r.failure());
        auto a = run<Ok>(io, [&](auto done) { client.answer_callback_query("q", "x", false, std::move(done)); });
        if (!a.ok()) collect(a.failure());
        fake.script("", script);
        auto e = run<Ok>(io, [&](auto done) { client.edit_message_reply_markup(1, 1, {}, std::move(done)); });
        if (!e.ok()) collect(e.failure());
        fake.script("", script);
        auto u = run<std::vector<Update>>(io, [&](auto done) { client.get_updates(1, 0s, std::move(done)); });
        if (!u.ok()) collect(u.failure());
    }
    // Timeout.
    auto options = options_for(fake.api_url());
    options.request_timeout = 200ms;
    auto impatient = make_client(io, options);
    fake.script("", TelegramScript::slow(60s));
    auto slow = send(io, impatient, message("x"));
    ASSERT_FALSE(slow.ok());
    collect(slow.failure());
    // Refused, TLS and invalid URLs.
    std::string tls_to_plain = fake.api_url();
    tls_to_plain.replace(0, 4, "https");  // a TLS handshake with a plain-HTTP server
    for (const std::string& url : {"http://127.0.0.1:" + std::to_string(tocsin::test::free_port()), tls_to_plain,
                                   std::string("http://127.0.0.1:99999"), std::string("http://[::1")}) {
        auto c = TelegramClient::create(io, options_for(url));
        if (!c.ok()) {
            seen.push_back(c.error().message);
            continue;
        }
        auto r = send(io, c.value(), message("x"));
        ASSERT_FALSE(r.ok()) << url;
        collect(r.failure());
    }
    ASSERT_GT(seen.size(), 40u);
    for (const auto& s : seen) {
        EXPECT_THAT(s, testing::Not(HasSubstr(k_secret_half))) << s;
        EXPECT_THAT(s, testing::Not(HasSubstr("123456789:"))) << s;
    }
    // The echoes were there to hide: they show up redacted.
    EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](const std::string& s) {
        return s.find("/bot<redacted>/sendMessage") != std::string::npos;
    }));
    const std::string log_text = logs.text();
    EXPECT_THAT(log_text, HasSubstr("<redacted>"));  // the client did log the failures
    EXPECT_THAT(log_text, testing::Not(HasSubstr(k_secret_half)));
    EXPECT_THAT(log_text, testing::Not(HasSubstr("123456789:")));
}
