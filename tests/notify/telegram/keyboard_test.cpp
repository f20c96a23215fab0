// Inline keyboards and signed callback data: what Telegram receives, and
// that only data signed with tocsin's key is accepted.
#include "tocsin/notify/telegram/keyboard.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <limits>

using namespace tocsin::notify::telegram;
using tocsin::Secret;

namespace {

CallbackSigner signer(const std::string& key = "0123456789abcdef-test-key") {
    auto s = CallbackSigner::create(Secret(key, "env:TOCSIN_TELEGRAM_KEY"));
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
}

}  // namespace

TEST(TelegramKeyboard, IncidentKeyboardAsJson) {
    auto s = signer();
    Keyboard keyboard = incident_keyboard(s, 42);
    ASSERT_EQ(keyboard.size(), 1u);
    ASSERT_EQ(keyboard[0].size(), 3u);
    auto v = boost::json::parse(keyboard_json(keyboard));
    const auto& row = v.at("inline_keyboard").at(0).as_array();
    ASSERT_EQ(row.size(), 3u);
    EXPECT_EQ(row[0].at("text").as_string(), "Acknowledge");
    EXPECT_EQ(row[1].at("text").as_string(), "Resolve");
    EXPECT_EQ(row[2].at("text").as_string(), "Escalate");
    EXPECT_EQ(row[0].at("callback_data").as_string(), s.sign(IncidentAction::acknowledge, 42));
    EXPECT_TRUE(std::string(row[0].at("callback_data").as_string()).starts_with("ack:42:"));
    EXPECT_TRUE(std::string(row[1].at("callback_data").as_string()).starts_with("res:42:"));
    EXPECT_TRUE(std::string(row[2].at("callback_data").as_string()).starts_with("esc:42:"));
    EXPECT_EQ(keyboard_json({}), R"({"inline_keyboard":[]})");
}

TEST(TelegramKeyboard, ButtonTextIsJsonEscaped) {
    Keyboard keyboard{{Button{"Say \"hi\" \\ 😀", "d"}}};
    auto v = boost::json::parse(keyboard_json(keyboard));
    EXPECT_EQ(v.at("inline_keyboard").at(0).at(0).at("text").as_string(), "Say \"hi\" \\ 😀");
}

TEST(TelegramKeyboard, SignedDataRoundTripsAndFitsTelegramsLimit) {
    auto s = signer();
    for (auto action : {IncidentAction::acknowledge, IncidentAction::resolve, IncidentAction::escalate,
                        IncidentAction::acknowledge_all}) {
        for (std::int64_t id : {std::int64_t{1}, std::int64_t{987654}, std::numeric_limits<std::int64_t>::max()}) {
            std::string data = s.sign(action, id);
            EXPECT_LE(data.size(), k_max_callback_data_bytes) << data;
            auto verified = s.verify(data);
            ASSERT_TRUE(verified.ok()) << verified.error().message;
            EXPECT_EQ(verified->action, action);
            EXPECT_EQ(verified->incident_id, id);
        }
    }
    EXPECT_EQ(s.sign(IncidentAction::escalate, std::numeric_limits<std::int64_t>::max()).size(), 46u);
}

TEST(TelegramKeyboard, ForgedOrTamperedDataIsRefused) {
    auto s = signer();
    const std::string good = s.sign(IncidentAction::acknowledge, 42);
    const std::string mac = good.substr(good.rfind(':') + 1);
    // Another incident or action with the same MAC.
    EXPECT_FALSE(s.verify("ack:43:" + mac).ok());
    EXPECT_FALSE(s.verify("res:42:" + mac).ok());
    // Signed with another key.
    auto other = signer("another-key-of-enough-length");
    EXPECT_FALSE(s.verify(other.sign(IncidentAction::acknowledge, 42)).ok());
    // One character of the MAC changed.
    std::string flipped = good;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(s.verify(flipped).ok());
    // Truncated, extended, malformed.
    EXPECT_FALSE(s.verify(good.substr(0, good.size() - 1)).ok());
    EXPECT_FALSE(s.verify(good + "A").ok());
    for (const std::string& bad : std::vector<std::string>{"", "ack", "ack:42", "ack:42:", ":42:" + mac, "ack::" + mac, "ack:-1:" + mac,
                            "ack:042:" + mac, "ack:x:" + mac, std::string(65, 'a'), "ack:42:" + mac + ":x"}) {
        auto r = s.verify(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_EQ(r.error().category, tocsin::ErrorCategory::invalid_argument);
            EXPECT_EQ(r.error().message.find(mac), std::string::npos);  // never echoes the MAC
        }
    }
}

TEST(TelegramKeyboard, KeysMustBeLongEnoughAndAreNeverShown) {
    auto r = CallbackSigner::create(Secret("short-secret", "file:/etc/tocsin/key"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("file:/etc/tocsin/key"), std::string::npos);
    EXPECT_EQ(r.error().message.find("short-secret"), std::string::npos);
}

TEST(TelegramKeyboard, SignaturesAreDeterministicPerKey) {
    EXPECT_EQ(signer().sign(IncidentAction::resolve, 7), signer().sign(IncidentAction::resolve, 7));
    EXPECT_NE(signer().sign(IncidentAction::resolve, 7), signer("a-different-key-16+").sign(IncidentAction::resolve, 7));
}

TEST(TelegramKeyboard, DigestKeyboardAcksEachIncidentThenAll) {
    auto s = signer();
    Keyboard keyboard = digest_keyboard(s, {12, 13, 14, 15, 16, 17, 18}, 901);
    ASSERT_EQ(keyboard.size(), 4u);  // 3 + 3 + 1, then "Acknowledge all"
    EXPECT_EQ(keyboard[0].size(), 3u);
    EXPECT_EQ(keyboard[1].size(), 3u);
    ASSERT_EQ(keyboard[2].size(), 1u);
    EXPECT_EQ(keyboard[0][0], (Button{"Ack #12", s.sign(IncidentAction::acknowledge, 12)}));
    EXPECT_EQ(keyboard[2][0], (Button{"Ack #18", s.sign(IncidentAction::acknowledge, 18)}));
    ASSERT_EQ(keyboard[3].size(), 1u);
    EXPECT_EQ(keyboard[3][0].text, "Acknowledge all");
    const std::string& all = keyboard[3][0].callback_data;
    EXPECT_TRUE(all.starts_with("aka:901:")) << all;
    EXPECT_LE(all.size(), k_max_callback_data_bytes);
    auto verified = s.verify(all);
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(*verified, (CallbackAction{IncidentAction::acknowledge_all, 901}));
    EXPECT_EQ(std::string(to_string(IncidentAction::acknowledge_all)), "acknowledge_all");
    // The "Acknowledge all" of one digest is not an "Acknowledge" of an incident.
    const std::string mac = all.substr(all.rfind(':') + 1);
    EXPECT_FALSE(s.verify("ack:901:" + mac).ok());
    // Every button's data verifies back to what it says.
    std::size_t buttons = 0;
    for (const auto& row : keyboard) {
        for (const auto& button : row) {
            ++buttons;
            EXPECT_TRUE(s.verify(button.callback_data).ok()) << button.text;
        }
    }
    EXPECT_EQ(buttons, 8u);
}

TEST(TelegramKeyboard, DigestKeyboardStaysWithinTelegramsButtonLimit) {
    auto s = signer();
    std::vector<std::int64_t> ids(99);
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int64_t>(1000 + i);
    Keyboard full = digest_keyboard(s, ids, 7);
    std::size_t buttons = 0;
    for (const auto& row : full) buttons += row.size();
    EXPECT_EQ(buttons, k_max_keyboard_buttons);  // 99 + "Acknowledge all"
    EXPECT_EQ(full.back().back().text, "Acknowledge all");

    ids.push_back(2000);  // one more does not fit: only "Acknowledge all"
    Keyboard only_all = digest_keyboard(s, ids, 7);
    ASSERT_EQ(only_all.size(), 1u);
    ASSERT_EQ(only_all[0].size(), 1u);
    EXPECT_EQ(only_all[0][0].text, "Acknowledge all");
    EXPECT_TRUE(digest_keyboard(s, {}, 7).empty());  // nothing to acknowledge: no keyboard
}
