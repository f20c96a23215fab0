// Bot API responses, well formed and not: every answer becomes sent, retry
// or permanent with a clear reason, and nothing malformed crashes.
#include "tocsin/notify/telegram/response_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace tocsin::notify::telegram;
using testing::HasSubstr;

namespace {

const char* k_sent = R"({"ok":true,"result":{"message_id":17,"chat":{"id":-1001234567890,"type":"supergroup"},"date":1,"text":"x"}})";

}  // namespace

TEST(TelegramResponses, SentMessage) {
    auto r = parse_send_message_response(200, k_sent);
    ASSERT_TRUE(r.ok()) << r.failure().message();
    EXPECT_EQ(r->message_id, 17);
    EXPECT_EQ(r->chat_id, -1001234567890);
    EXPECT_EQ(r.outcome(), Outcome::sent);
}

TEST(TelegramResponses, FloodControlIsRetryWithTheWait) {
    auto r = parse_send_message_response(
        429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}})");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.outcome(), Outcome::retry);
    ASSERT_TRUE(r.failure().retry_after);
    EXPECT_EQ(r.failure().retry_after->count(), 35);
    EXPECT_EQ(r.failure().message(), "sendMessage: HTTP 429: Too Many Requests: retry after 35 (retry after 35 s)");
    EXPECT_TRUE(r.failure().to_error().retryable);

    // Without parameters the description still says how long.
    auto d = parse_send_message_response(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7"})");
    ASSERT_TRUE(d.failure().retry_after);
    EXPECT_EQ(d.failure().retry_after->count(), 7);
    // A silly wait is capped at a day; a negative or mistyped one ignored.
    auto big = parse_send_message_response(429, R"({"ok":false,"error_code":429,"description":"x","parameters":{"retry_after":99999999}})");
    EXPECT_EQ(big.failure().retry_after->count(), 86400);
    auto neg = parse_send_message_response(429, R"({"ok":false,"error_code":429,"description":"x","parameters":{"retry_after":-5}})");
    EXPECT_FALSE(neg.failure().retry_after);
    auto str = parse_send_message_response(429, R"({"ok":false,"error_code":429,"description":"x","parameters":{"retry_after":"5"}})");
    EXPECT_FALSE(str.failure().retry_after);
    EXPECT_EQ(str.outcome(), Outcome::retry);
}

TEST(TelegramResponses, ClassifiesErrors) {
    struct Case {
        int status;
        const char* body;
        Outcome outcome;
    };
    const Case cases[] = {
        {400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})", Outcome::permanent},
        {401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})", Outcome::permanent},
        {403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})", Outcome::permanent},
        {404, R"({"ok":false,"error_code":404,"description":"Not Found"})", Outcome::permanent},
        {409, R"({"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"})", Outcome::retry},
        {500, R"({"ok":false,"error_code":500,"description":"Internal Server Error"})", Outcome::retry},
        {502, "<html>Bad Gateway</html>", Outcome::retry},
        {504, "", Outcome::retry},
        {400, "<html>Bad Request</html>", Outcome::permanent},
        // The Bot API's code wins over a proxy's status.
        {200, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was kicked"})", Outcome::permanent},
        {200, R"({"ok":false,"description":"mystery"})", Outcome::retry},
    };
    for (const auto& c : cases) {
        auto r = parse_send_message_response(c.status, c.body);
        ASSERT_FALSE(r.ok()) << c.body;
        EXPECT_EQ(r.outcome(), c.outcome) << c.status << " " << c.body;
        EXPECT_EQ(r.failure().to_error().retryable, c.outcome == Outcome::retry);
        EXPECT_EQ(r.failure().method, "sendMessage");
    }
}

TEST(TelegramResponses, CantParseEntitiesIsRecognised) {
    auto r = parse_send_message_response(
        400, R"({"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"foo\" at byte offset 4"})");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.outcome(), Outcome::permanent);
    EXPECT_TRUE(r.failure().cant_parse_entities());
    auto other = parse_send_message_response(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})");
    EXPECT_FALSE(other.failure().cant_parse_entities());
}

TEST(TelegramResponses, MigratedGroupIsReported) {
    auto r = parse_send_message_response(
        400, R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009876543210}})");
    ASSERT_TRUE(r.failure().migrate_to_chat_id);
    EXPECT_EQ(*r.failure().migrate_to_chat_id, -1009876543210);
}

TEST(TelegramResponses, MalformedAnswersAreClearProtocolErrors) {
    struct Case {
        std::string body;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"", "empty response"},
        {"not json at all", "not JSON"},
        {"{\"ok\":tru", "not JSON"},
        {"[1,2,3]", "not a JSON object"},
        {"{}", "no boolean \"ok\""},
        {R"({"ok":"true","result":{}})", "no boolean \"ok\""},
        {R"({"ok":true})", "no \"result\""},
        {R"({"ok":true,"result":true})", "not a Message"},
        {R"({"ok":true,"result":{"chat":{"id":1}}})", "result.message_id is missing"},
        {R"({"ok":true,"result":{"message_id":"17","chat":{"id":1}}})", "result.message_id is not an integer"},
        {R"({"ok":true,"result":{"message_id":1.5,"chat":{"id":1}}})", "not an integer within 64 bits"},
        {R"({"ok":true,"result":{"message_id":18446744073709551615,"chat":{"id":1}}})", "not an integer within 64 bits"},
        {R"({"ok":true,"result":{"message_id":123456789012345678901234567890,"chat":{"id":1}}})", "not an integer within 64 bits"},
        {R"({"ok":true,"result":{"message_id":0,"chat":{"id":1}}})", "not positive"},
        {R"({"ok":true,"result":{"message_id":5,"chat":7}})", "result.chat is not an object"},
        {R"({"ok":true,"result":{"message_id":5,"chat":{"id":null}}})", "result.chat.id is not an integer"},
        {std::string(100000, '[') + std::string(100000, ']'), "not JSON"},
    };
    for (const auto& c : cases) {
        auto r = parse_send_message_response(200, c.body);
        ASSERT_FALSE(r.ok()) << c.body.substr(0, 80);
        EXPECT_EQ(r.failure().category, tocsin::ErrorCategory::protocol) << c.body.substr(0, 80);
        EXPECT_THAT(r.failure().description, HasSubstr(c.says)) << c.body.substr(0, 80);
        EXPECT_EQ(r.outcome(), Outcome::retry);  // a proxy's hiccup; the dispatcher retries
        EXPECT_LT(r.failure().message().size(), 400u);  // bodies are quoted in short excerpts
    }
}

TEST(TelegramResponses, OkResponses) {
    EXPECT_TRUE(parse_ok_response("answerCallbackQuery", 200, R"({"ok":true,"result":true})").ok());
    EXPECT_TRUE(parse_ok_response("editMessageReplyMarkup", 200, R"({"ok":true,"result":{"message_id":3}})").ok());
    EXPECT_FALSE(parse_ok_response("answerCallbackQuery", 200, R"({"ok":true,"result":false})").ok());
    EXPECT_FALSE(parse_ok_response("answerCallbackQuery", 200, R"({"ok":true,"result":"yes"})").ok());
    // The keyboard is already gone: nothing to do, so success.
    const char* not_modified = R"({"ok":false,"error_code":400,"description":"Bad Request: message is not modified: specified new message content and reply markup are exactly the same"})";
    EXPECT_TRUE(parse_ok_response("editMessageReplyMarkup", 400, not_modified).ok());
    EXPECT_FALSE(parse_ok_response("answerCallbackQuery", 400, not_modified).ok());
    auto old = parse_ok_response("answerCallbackQuery", 400,
                                 R"({"ok":false,"error_code":400,"description":"Bad Request: query is too old and response timeout expired or query ID is invalid"})");
    EXPECT_EQ(old.outcome(), Outcome::permanent);
}

TEST(TelegramResponses, Updates) {
    auto r = parse_updates_response(200, R"({"ok":true,"result":[
        {"update_id":500,"callback_query":{"id":"4382","from":{"id":11,"is_bot":false,"first_name":"Ana","username":"ana"},
          "message":{"message_id":9,"date":1,"chat":{"id":-100777,"type":"supergroup"}},"chat_instance":"x","data":"ack:1:abc"}},
        {"update_id":501,"message":{"message_id":10,"date":1,"chat":{"id":-100777,"type":"supergroup"},
          "from":{"id":12,"is_bot":false,"first_name":"Bo"},"text":"/status","reply_to_message":{"message_id":9,"date":1,"chat":{"id":-100777}}}},
        {"update_id":502,"edited_message":{"message_id":10}},
        {"update_id":503,"callback_query":{"id":"4383","from":{"id":11},"inline_message_id":"abc","data":"x"}}
    ]})");
    ASSERT_TRUE(r.ok()) << r.failure().message();
    const auto& u = r.value();
    ASSERT_EQ(u.size(), 4u);
    ASSERT_TRUE(u[0].callback_query);
    EXPECT_EQ(u[0].update_id, 500);
    EXPECT_EQ(u[0].callback_query->id, "4382");
    EXPECT_EQ(u[0].callback_query->from.id, 11);
    EXPECT_EQ(u[0].callback_query->from.display_name(), "@ana");
    EXPECT_EQ(u[0].callback_query->chat_id, -100777);
    EXPECT_EQ(u[0].callback_query->message_id, 9);
    EXPECT_EQ(u[0].callback_query->data, "ack:1:abc");
    EXPECT_TRUE(u[0].problem.empty());
    ASSERT_TRUE(u[1].message);
    EXPECT_EQ(u[1].message->text, "/status");
    EXPECT_EQ(u[1].message->from->display_name(), "Bo");
    EXPECT_EQ(u[1].message->reply_to_message_id, 9);
    EXPECT_FALSE(u[2].callback_query || u[2].message);
    EXPECT_THAT(u[2].problem, HasSubstr("edited_message"));
    ASSERT_TRUE(u[3].callback_query);
    EXPECT_FALSE(u[3].callback_query->chat_id);  // inline-mode message: no chat
}

TEST(TelegramResponses, MalformedUpdatesKeepTheirIdAndWhatCanBeAnswered) {
    auto r = parse_updates_response(200, R"({"ok":true,"result":[
        {"update_id":1,"callback_query":{"id":"q1","from":{"id":"eleven"},"data":"x"}},
        {"update_id":2,"callback_query":{"from":{"id":11}}},
        {"update_id":3,"callback_query":"nope"},
        {"update_id":4,"message":{"message_id":1,"chat":{"id":99999999999999999999999}}},
        {"update_id":5,"callback_query":{"id":"q5","from":{"id":1},"message":{"message_id":2,"chat":{"id":3}},"data":42}},
        {"update_id":6}
    ]})");
    ASSERT_TRUE(r.ok()) << r.failure().message();
    const auto& u = r.value();
    ASSERT_EQ(u.size(), 6u);
    EXPECT_THAT(u[0].problem, HasSubstr("callback_query.from.id is not an integer"));
    ASSERT_TRUE(u[0].callback_query);
    EXPECT_EQ(u[0].callback_query->id, "q1");  // can still be answered
    EXPECT_THAT(u[1].problem, HasSubstr("callback_query.id"));
    EXPECT_FALSE(u[1].callback_query);
    EXPECT_THAT(u[2].problem, HasSubstr("not an object"));
    EXPECT_THAT(u[3].problem, HasSubstr("message.chat.id is not an integer within 64 bits"));
    EXPECT_FALSE(u[3].message);
    EXPECT_THAT(u[4].problem, HasSubstr("callback_query.data is not a string"));
    EXPECT_THAT(u[5].problem, HasSubstr("empty update"));
}

TEST(TelegramResponses, UnusableUpdateIdsFailTheWholeAnswer) {
    for (const char* body : {R"({"ok":true,"result":{}})", R"({"ok":true,"result":[1]})",
                             R"({"ok":true,"result":[{"message":{}}]})", R"({"ok":true,"result":[{"update_id":"7"}]})",
                             R"({"ok":true,"result":[{"update_id":9223372036854775808}]})"}) {
        auto r = parse_updates_response(200, body);
        ASSERT_FALSE(r.ok()) << body;
        EXPECT_EQ(r.failure().category, tocsin::ErrorCategory::protocol);
        EXPECT_EQ(r.failure().method, "getUpdates");
    }
    auto empty = parse_updates_response(200, R"({"ok":true,"result":[]})");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty.value().empty());
}
