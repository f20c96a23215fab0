// The updates poller against the fake Bot API: presses become actions only
// when signed and from an allowed user in an allowed chat, every callback
// query is answered, the offset moves past everything handled and a
// restart from the stored offset applies nothing twice. The io_context runs
// on its own thread; the test waits for requests arriving at the fake (a
// condition variable), never for time to pass.
#include "tocsin/notify/telegram/updates_poller.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <future>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdexcept>
#include <thread>

#include "fake_telegram.hpp"

using namespace std::chrono_literals;
using namespace tocsin::notify::telegram;
using tocsin::Secret;
using tocsin::test::FakeTelegram;
using tocsin::test::TelegramScript;

namespace {

const std::string k_token = "42424242:AAFakeTokenForPollerTests_0123456789";
constexpr std::int64_t k_chat = -100500;
constexpr std::int64_t k_other_chat = -100999;
constexpr std::int64_t k_ana = 11;  // allowed
constexpr std::int64_t k_bob = 12;  // allowed
constexpr std::int64_t k_eve = 66;  // not allowed
constexpr auto k_wait = 10s;

CallbackSigner make_signer(const std::string& key = "poller-test-key-0123456789") {
    return CallbackSigner::create(Secret(key, "test")).value();
}

// One poller on its own io_context thread.
class Harness {
public:
    explicit Harness(FakeTelegram& fake, std::int64_t initial_offset = 0,
                     std::function<ActionReply(const ActionRequest&)> reply = {})
        : m_fake(fake) {
        TelegramOptions client_options;
        client_options.api_url = fake.api_url();
        client_options.bot_token = Secret(k_token, "test");
        auto client = TelegramClient::create(io, client_options).value();
        PollerOptions options;
        options.allowed_chat_ids = {k_chat};
        options.allowed_user_ids = {k_ana, k_bob};
        options.poll_timeout = 30s;  // held at the fake until an update or release_polls()
        options.min_backoff = 1ms;
        options.max_backoff = 4ms;
        options.initial_offset = initial_offset;
        if (!reply) {
            reply = [](const ActionRequest& r) {
                return ActionReply{std::string(to_string(r.action.action)) + "d #" + std::to_string(r.action.incident_id),
                                   r.action.action == IncidentAction::resolve};
            };
        }
        poller.emplace(
            io, std::move(client), make_signer(), options,
            [this, reply](const ActionRequest& r) {
                actions.push_back(r);
                return reply(r);
            },
            [this](const IncomingMessage& m) { messages.push_back(m); },
            [this](std::int64_t next) { offsets.push_back(next); });
        m_fake.hold_polls(true);
        m_work.emplace(io.get_executor());
        poller->start();
        m_thread = std::thread([this] { io.run(); });
    }

    ~Harness() { stop(); }

    // Stops the poller on its thread, then lets its last poll go (held or
    // still on its way), and waits for the io_context to run out of work.
    void stop() {
        if (!m_thread.joinable()) return;
        std::promise<void> stopped;
        boost::asio::post(io, [&] {
            poller->stop();
            stopped.set_value();
        });
        stopped.get_future().wait();
        m_work.reset();
        m_fake.hold_polls(false);
        m_thread.join();
    }

    boost::asio::io_context io;
    std::optional<UpdatesPoller> poller;
    // Written on the io thread; read after stop().
    std::vector<ActionRequest> actions;
    std::vector<IncomingMessage> messages;
    std::vector<std::int64_t> offsets;

private:
    FakeTelegram& m_fake;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    std::thread m_thread;
};

// The offset of the last getUpdates the fake received, once `n` arrived.
std::int64_t poll_offset(FakeTelegram& fake, std::size_t n) {
    EXPECT_TRUE(fake.wait_for_calls("getUpdates", n, k_wait));
    auto calls = fake.calls("getUpdates");
    return calls.at(n - 1).int_param("offset").value_or(0);
}

std::string answer_text(FakeTelegram& fake, const std::string& query_id) {
    for (const auto& c : fake.calls("answerCallbackQuery")) {
        if (c.param("callback_query_id") == query_id) return c.param("text");
    }
    return "(not answered)";
}

}  // namespace

namespace {

// Sends the page the buttons are under, so the fake knows its keyboard.
std::int64_t send_page(FakeTelegram& fake, const CallbackSigner& signer, std::int64_t incident_id) {
    boost::asio::io_context io;
    TelegramOptions options;
    options.api_url = fake.api_url();
    options.bot_token = Secret(k_token, "test");
    auto client = TelegramClient::create(io, options).value();
    SendMessageRequest page;
    page.chat_id = k_chat;
    page.text = "<b>Incident #" + std::to_string(incident_id) + "</b>";
    page.buttons = incident_keyboard(signer, incident_id);
    std::int64_t id = 0;
    client.send_message(page, [&](ApiResult<SentMessage> r) { id = r.ok() ? r->message_id : -1; });
    io.run();
    return id;
}

}  // namespace

TEST(TelegramPoller, DeliversSignedPressesAnswersThemAndAdvancesTheOffset) {
    FakeTelegram fake(k_token);
    auto signer = make_signer();
    ASSERT_EQ(send_page(fake, signer, 7), 1);
    ASSERT_EQ(send_page(fake, signer, 8), 2);
    auto ack = fake.inject_callback(k_chat, k_ana, "ana", 1, signer.sign(IncidentAction::acknowledge, 7));
    auto res = fake.inject_callback(k_chat, k_bob, "bob", 1, signer.sign(IncidentAction::resolve, 7));
    auto esc = fake.inject_callback(k_chat, k_ana, "ana", 2, signer.sign(IncidentAction::escalate, 8));
    Harness h(fake);
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 3, k_wait));
    EXPECT_EQ(poll_offset(fake, 2), esc.update_id + 1);  // the next poll confirms all three
    h.stop();

    ASSERT_EQ(h.actions.size(), 3u);
    EXPECT_EQ(h.actions[0].action, (CallbackAction{IncidentAction::acknowledge, 7}));
    EXPECT_EQ(h.actions[0].from.id, k_ana);
    EXPECT_EQ(h.actions[0].from.display_name(), "@ana");
    EXPECT_EQ(h.actions[0].chat_id, k_chat);
    EXPECT_EQ(h.actions[0].message_id, 1);
    EXPECT_EQ(h.actions[0].update_id, ack.update_id);
    EXPECT_EQ(h.actions[0].next_offset, ack.update_id + 1);
    EXPECT_EQ(h.actions[1].action, (CallbackAction{IncidentAction::resolve, 7}));
    EXPECT_EQ(h.actions[2].action, (CallbackAction{IncidentAction::escalate, 8}));
    for (const auto& q : {ack, res, esc}) EXPECT_EQ(fake.answers(q.query_id), 1) << q.query_id;
    EXPECT_EQ(answer_text(fake, ack.query_id), "acknowledged #7");
    EXPECT_EQ(answer_text(fake, res.query_id), "resolved #7");
    EXPECT_EQ(h.offsets, (std::vector<std::int64_t>{ack.update_id + 1, res.update_id + 1, esc.update_id + 1}));
    EXPECT_EQ(h.poller->offset(), esc.update_id + 1);
    EXPECT_EQ(h.poller->counters().actions, 3u);
    EXPECT_EQ(poll_offset(fake, 1), 0);  // the first poll had no offset yet
    // The resolve asked for the buttons to go.
    ASSERT_TRUE(fake.wait_for_calls("editMessageReplyMarkup", 1, k_wait));
    EXPECT_EQ(fake.calls("editMessageReplyMarkup")[0].int_param("message_id"), 1);
    EXPECT_EQ(fake.markup(1), "");
    EXPECT_EQ(fake.markup(2), keyboard_json(incident_keyboard(signer, 8)));
}

// A digest's "Acknowledge all" comes through like any other button: signed,
// allow-listed, answered, with the digest's id.
TEST(TelegramPoller, AcknowledgeAllOfADigestIsPassedThrough) {
    FakeTelegram fake(k_token);
    auto signer = make_signer();
    const std::string all = signer.sign(IncidentAction::acknowledge_all, 901);
    auto press = fake.inject_callback(k_chat, k_ana, "ana", 1, all);
    auto stranger = fake.inject_callback(k_chat, k_eve, "eve", 1, all);
    auto forged = fake.inject_callback(k_chat, k_ana, "ana", 1, "aka:902" + all.substr(all.rfind(':')));
    Harness h(fake, 0, [](const ActionRequest& r) {
        return ActionReply{"Acknowledged the " + std::to_string(r.action.incident_id) + " digest", false};
    });
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 3, k_wait));
    EXPECT_EQ(poll_offset(fake, 2), forged.update_id + 1);
    h.stop();

    ASSERT_EQ(h.actions.size(), 1u);
    EXPECT_EQ(h.actions[0].action, (CallbackAction{IncidentAction::acknowledge_all, 901}));
    EXPECT_EQ(h.actions[0].from.id, k_ana);
    EXPECT_EQ(h.actions[0].chat_id, k_chat);
    EXPECT_EQ(h.actions[0].update_id, press.update_id);
    EXPECT_EQ(answer_text(fake, press.query_id), "Acknowledged the 901 digest");
    EXPECT_EQ(answer_text(fake, stranger.query_id), "You are not allowed to do this.");
    EXPECT_EQ(answer_text(fake, forged.query_id), "This button is not valid.");
    EXPECT_EQ(h.poller->counters().refused_invalid, 1u);
    EXPECT_EQ(h.poller->counters().refused_unauthorised, 1u);
}

TEST(TelegramPoller, UnauthorisedUsersAndChatsAreAnsweredNotAllowed) {
    FakeTelegram fake(k_token);
    auto signer = make_signer();
    const std::string data = signer.sign(IncidentAction::acknowledge, 7);
    auto eve = fake.inject_callback(k_chat, k_eve, "eve", 1, data);          // stranger in our chat
    auto elsewhere = fake.inject_callback(k_other_chat, k_ana, "ana", 1, data);  // ana, another chat
    fake.inject_message(k_other_chat, k_ana, "/ack 7");                      // ignored
    fake.inject_message(k_chat, k_eve, "/ack 7");                            // ignored
    auto ok_message = fake.inject_message(k_chat, k_bob, "/status");         // delivered
    Harness h(fake);
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 2, k_wait));
    EXPECT_EQ(poll_offset(fake, 2), ok_message + 1);
    h.stop();

    EXPECT_TRUE(h.actions.empty());
    EXPECT_EQ(fake.answers(eve.query_id), 1);
    EXPECT_EQ(fake.answers(elsewhere.query_id), 1);
    EXPECT_EQ(answer_text(fake, eve.query_id), "You are not allowed to do this.");
    EXPECT_EQ(answer_text(fake, elsewhere.query_id), "You are not allowed to do this.");
    ASSERT_EQ(h.messages.size(), 1u);
    EXPECT_EQ(h.messages[0].text, "/status");
    const auto& c = h.poller->counters();
    EXPECT_EQ(c.refused_unauthorised, 2u);
    EXPECT_EQ(c.ignored, 2u);
    EXPECT_EQ(c.messages, 1u);
    EXPECT_EQ(h.poller->offset(), ok_message + 1);
}

TEST(TelegramPoller, ForgedAndMalformedCallbacksAreRefusedButAnswered) {
    FakeTelegram fake(k_token);
    auto good = make_signer().sign(IncidentAction::acknowledge, 7);
    auto forged_key = fake.inject_callback(k_chat, k_ana, "ana", 1,
                                           make_signer("attacker-key-0123456789").sign(IncidentAction::resolve, 7));
    auto tampered = fake.inject_callback(k_chat, k_ana, "ana", 1, "res" + good.substr(3));
    auto garbage = fake.inject_callback(k_chat, k_ana, "ana", 1, "resolve everything");
    auto empty = fake.inject_callback(k_chat, k_ana, "ana", 1, "");
    // A callback query whose sender is malformed: still answered.
    boost::json::object raw = boost::json::parse(R"({"callback_query":{"id":"raw-1","from":{"id":"eleven"},
        "message":{"message_id":1,"chat":{"id":-100500}},"data":"x"}})").as_object();
    auto raw_id = fake.inject_update(raw);
    auto fine = fake.inject_callback(k_chat, k_ana, "ana", 1, good);
    Harness h(fake);
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 6, k_wait));
    EXPECT_EQ(poll_offset(fake, 2), fine.update_id + 1);
    h.stop();

    ASSERT_EQ(h.actions.size(), 1u);
    EXPECT_EQ(h.actions[0].update_id, fine.update_id);
    for (const auto& q : {forged_key, tampered, garbage, empty}) {
        EXPECT_EQ(fake.answers(q.query_id), 1) << q.query_id;
        EXPECT_EQ(answer_text(fake, q.query_id), "This button is not valid.");
    }
    EXPECT_EQ(fake.answers("raw-1"), 1);
    EXPECT_EQ(fake.answers(fine.query_id), 1);
    EXPECT_EQ(h.poller->counters().refused_invalid, 5u);
    EXPECT_GT(fine.update_id, raw_id);
}

TEST(TelegramPoller, RestartFromTheStoredOffsetAppliesNothingTwice) {
    FakeTelegram fake(k_token);
    fake.set_forget_confirmed(false);  // the fake would hand out old updates again
    auto signer = make_signer();
    auto first = fake.inject_callback(k_chat, k_ana, "ana", 1, signer.sign(IncidentAction::acknowledge, 1));
    auto second = fake.inject_callback(k_chat, k_ana, "ana", 2, signer.sign(IncidentAction::acknowledge, 2));
    std::int64_t stored = 0;
    {
        Harness a(fake);
        ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 2, k_wait));
        EXPECT_EQ(poll_offset(fake, 2), second.update_id + 1);
        a.stop();
        ASSERT_EQ(a.actions.size(), 2u);
        ASSERT_FALSE(a.offsets.empty());
        stored = a.offsets.back();  // what the caller persisted
    }
    EXPECT_EQ(stored, second.update_id + 1);
    auto third = fake.inject_callback(k_chat, k_ana, "ana", 3, signer.sign(IncidentAction::acknowledge, 3));
    const std::size_t polls_before = fake.calls("getUpdates").size();
    Harness b(fake, stored);
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 3, k_wait));
    EXPECT_EQ(poll_offset(fake, polls_before + 1), stored);  // the restart asked from the stored offset
    EXPECT_EQ(poll_offset(fake, polls_before + 2), third.update_id + 1);
    b.stop();
    ASSERT_EQ(b.actions.size(), 1u);
    EXPECT_EQ(b.actions[0].action.incident_id, 3);
    EXPECT_EQ(fake.answers(first.query_id), 1);
    EXPECT_EQ(fake.answers(second.query_id), 1);
    EXPECT_EQ(fake.answers(third.query_id), 1);
}

TEST(TelegramPoller, UpdatesBelowTheOffsetAreNeverHandled) {
    FakeTelegram fake(k_token);
    auto signer = make_signer();
    // A confused server answers with updates the offset already passed.
    std::string old_update = R"({"update_id":40,"callback_query":{"id":"old","from":{"id":11},
        "message":{"message_id":1,"chat":{"id":-100500}},"data":")" + signer.sign(IncidentAction::resolve, 1) + R"("}})";
    fake.script("getUpdates", TelegramScript::raw(200, R"({"ok":true,"result":[)" + old_update + "]}"));
    auto fresh = fake.inject_callback(k_chat, k_ana, "ana", 1, signer.sign(IncidentAction::acknowledge, 2));
    Harness h(fake, 41);
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 1, k_wait));
    EXPECT_EQ(poll_offset(fake, 3), fresh.update_id + 1);
    h.stop();
    ASSERT_EQ(h.actions.size(), 1u);
    EXPECT_EQ(h.actions[0].action.incident_id, 2);
    EXPECT_EQ(h.poller->counters().ignored, 1u);
    EXPECT_EQ(fake.calls("getUpdates")[0].int_param("offset"), 41);
}

TEST(TelegramPoller, BacksOffOnErrorsAndRecovers) {
    FakeTelegram fake(k_token);
    fake.script("getUpdates", TelegramScript::server_error(502), 2);
    fake.script("getUpdates", TelegramScript::raw(200, "<html>captive portal</html>"));
    fake.script("getUpdates", TelegramScript::connection_reset());
    auto cb = fake.inject_callback(k_chat, k_ana, "ana", 1, make_signer().sign(IncidentAction::acknowledge, 5));
    Harness h(fake);
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 1, k_wait));
    EXPECT_EQ(poll_offset(fake, 6), cb.update_id + 1);
    h.stop();
    ASSERT_EQ(h.actions.size(), 1u);
    EXPECT_EQ(h.poller->counters().poll_errors, 4u);
    // Every retry asked from the same place: nothing was skipped.
    auto polls = fake.calls("getUpdates");
    for (std::size_t i = 0; i < 5; ++i) EXPECT_FALSE(polls[i].has("offset")) << i;
}

TEST(TelegramPoller, AFailingHandlerStillAnswersAndMovesOn) {
    FakeTelegram fake(k_token);
    auto signer = make_signer();
    auto bad = fake.inject_callback(k_chat, k_ana, "ana", 1, signer.sign(IncidentAction::acknowledge, 1));
    auto good = fake.inject_callback(k_chat, k_ana, "ana", 1, signer.sign(IncidentAction::acknowledge, 2));
    Harness h(fake, 0, [](const ActionRequest& r) -> ActionReply {
        if (r.action.incident_id == 1) throw std::runtime_error("database is locked");
        return {"ok", false};
    });
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 2, k_wait));
    EXPECT_EQ(poll_offset(fake, 2), good.update_id + 1);
    h.stop();
    EXPECT_EQ(answer_text(fake, bad.query_id), "Sorry, that failed; please try again.");
    EXPECT_EQ(answer_text(fake, good.query_id), "ok");
    EXPECT_TRUE(fake.calls("editMessageReplyMarkup").empty());
}

TEST(TelegramPoller, StopsCleanlyAndHandlesNothingAfterwards) {
    FakeTelegram fake(k_token);
    Harness h(fake);
    ASSERT_TRUE(fake.wait_for_held_polls(1, k_wait));  // idle, long-polling
    std::promise<void> stopped;
    boost::asio::post(h.io, [&] {
        h.poller->stop();
        stopped.set_value();
    });
    stopped.get_future().wait();
    // Pressed after the stop: the abandoned poll brings it back, unconfirmed and unhandled.
    auto late = fake.inject_callback(k_chat, k_ana, "ana", 1, make_signer().sign(IncidentAction::acknowledge, 1));
    h.stop();
    EXPECT_TRUE(h.actions.empty());
    EXPECT_EQ(fake.answers(late.query_id), 0);
    EXPECT_EQ(h.poller->offset(), 0);
    EXPECT_EQ(fake.calls("getUpdates").size(), 1u);

    // A new poller picks it up.
    Harness again(fake);
    ASSERT_TRUE(fake.wait_for_calls("answerCallbackQuery", 1, k_wait));
    again.stop();
    ASSERT_EQ(again.actions.size(), 1u);
    EXPECT_EQ(fake.answers(late.query_id), 1);
}
