// The SMTP reply parser (limits, malformed input), EHLO capabilities, DATA
// preparation (CRLF normalisation, dot-stuffing) and log-safe reply text.
#include "tocsin/notify/email/smtp_protocol.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace tocsin::notify::email;
using Status = SmtpReplyParse::Status;
using testing::ElementsAre;
using testing::HasSubstr;

TEST(SmtpReplyParser, SingleLine) {
    auto p = parse_reply("250 2.0.0 OK\r\n");
    ASSERT_EQ(p.status, Status::complete);
    EXPECT_EQ(p.reply.code, 250);
    EXPECT_THAT(p.reply.lines, ElementsAre("2.0.0 OK"));
    EXPECT_EQ(p.consumed, 14u);
}

TEST(SmtpReplyParser, MultiLineAndBareCode) {
    auto p = parse_reply("250-smtp.example.com\r\n250-SIZE 1000\r\n250-AUTH PLAIN\r\n250 HELP\r\n");
    ASSERT_EQ(p.status, Status::complete);
    EXPECT_EQ(p.reply.code, 250);
    EXPECT_THAT(p.reply.lines, ElementsAre("smtp.example.com", "SIZE 1000", "AUTH PLAIN", "HELP"));

    auto bare = parse_reply("354\r\n");
    ASSERT_EQ(bare.status, Status::complete);
    EXPECT_EQ(bare.reply.code, 354);
    EXPECT_THAT(bare.reply.lines, ElementsAre(""));
}

TEST(SmtpReplyParser, ToleratesBareLf) {
    auto p = parse_reply("220-hello\n220 ready\n");
    ASSERT_EQ(p.status, Status::complete);
    EXPECT_THAT(p.reply.lines, ElementsAre("hello", "ready"));
}

TEST(SmtpReplyParser, IncompleteUntilTheLastLineEnds) {
    for (const char* partial : {"", "2", "25", "250", "250 OK", "250 OK\r", "250-a\r\n", "250-a\r\n250 b"}) {
        EXPECT_EQ(parse_reply(partial).status, Status::incomplete) << partial;
    }
}

TEST(SmtpReplyParser, ConsumesOnlyOneReply) {
    std::string buffer = "250 first\r\n251 second\r\n";
    auto p = parse_reply(buffer);
    ASSERT_EQ(p.status, Status::complete);
    EXPECT_EQ(p.consumed, 11u);
    auto q = parse_reply(std::string_view(buffer).substr(p.consumed));
    EXPECT_EQ(q.reply.code, 251);
}

TEST(SmtpReplyParser, MalformedReplies) {
    struct Case {
        std::string input;
        std::string why;
    };
    const std::vector<Case> cases = {
        {"HTTP/1.1 200 OK\r\n", "three-digit code"},
        {"HTT", "three-digit code"},  // judged before the line ends
        {"25x OK\r\n", "three-digit code"},
        {"\r\n", "three-digit code"},
        {"199 too low\r\n", "out of range"},
        {"600 too high\r\n", "out of range"},
        {"260 second digit\r\n", "out of range"},
        {"250_OK\r\n", "not followed by"},
        {"250-a\r\n251 b\r\n", "mixes codes 250 and 251"},
        {"250-a\r\n550 b\r\n", "mixes codes"},
    };
    for (const auto& c : cases) {
        auto p = parse_reply(c.input);
        EXPECT_EQ(p.status, Status::malformed) << c.input;
        EXPECT_THAT(p.error, HasSubstr(c.why)) << c.input;
    }
}

TEST(SmtpReplyParser, OverlongLinesAndTooManyLinesAreRefused) {
    SmtpReplyLimits limits{512, 4};
    // Unfinished: refused as soon as the limit is passed, not when a CRLF comes.
    auto unfinished = parse_reply("250 " + std::string(600, 'x'), limits);
    EXPECT_EQ(unfinished.status, Status::malformed);
    EXPECT_THAT(unfinished.error, HasSubstr("longer than 512"));
    EXPECT_EQ(parse_reply("250 " + std::string(600, 'x') + "\r\n", limits).status, Status::malformed);
    EXPECT_EQ(parse_reply("250 " + std::string(506, 'x') + "\r\n", limits).status, Status::complete);  // 512 exactly

    std::string many;
    for (int i = 0; i < 5; ++i) many += "250-line\r\n";
    auto p = parse_reply(many + "250 end\r\n", limits);
    EXPECT_EQ(p.status, Status::malformed);
    EXPECT_THAT(p.error, HasSubstr("more than 4 lines"));
}

TEST(SmtpCapabilities, FromEhlo) {
    SmtpReply r{250, {"mx.example.com Hello", "size 35882577", "8BITMIME", "AUTH LOGIN plain XOAUTH2", "AUTH=LOGIN",
                      "STARTTLS", "PIPELINING", "ENHANCEDSTATUSCODES"}};
    auto c = SmtpCapabilities::from_ehlo(r);
    EXPECT_TRUE(c.starttls);
    EXPECT_TRUE(c.eight_bit_mime);
    EXPECT_TRUE(c.pipelining);
    ASSERT_TRUE(c.size.has_value());
    EXPECT_EQ(*c.size, 35882577u);
    EXPECT_THAT(c.auth, ElementsAre("LOGIN", "PLAIN", "XOAUTH2"));
    EXPECT_TRUE(c.has_auth("PLAIN"));
    EXPECT_FALSE(c.has_auth("CRAM-MD5"));

    // The greeting line is not a capability; SIZE without a number means no fixed limit.
    auto d = SmtpCapabilities::from_ehlo(SmtpReply{250, {"STARTTLS", "SIZE"}});
    EXPECT_FALSE(d.starttls);
    EXPECT_EQ(d.size, std::optional<std::uint64_t>(0));
    EXPECT_FALSE(SmtpCapabilities::from_ehlo(SmtpReply{250, {"x", "SIZE lots"}}).size.has_value());
    EXPECT_FALSE(SmtpCapabilities::from_ehlo(SmtpReply{250, {"x", "SIZE 99999999999999999999999"}}).size.has_value());
}

// Found by tests/fuzz/smtp_reply_fuzz (corpus/smtp_reply/auth_equals_empty):
// "AUTH=" with nothing after the '=' advertised an empty mechanism.
TEST(SmtpCapabilities, BareAuthEqualsNamesNoMechanism) {
    EXPECT_TRUE(SmtpCapabilities::from_ehlo(SmtpReply{250, {"x", "AUTH="}}).auth.empty());
    auto c = SmtpCapabilities::from_ehlo(SmtpReply{250, {"x", "AUTH= login", "auth=PLAIN"}});
    EXPECT_THAT(c.auth, ElementsAre("LOGIN", "PLAIN"));
    EXPECT_FALSE(c.has_auth(""));
}

TEST(SmtpData, DotStuffingAndLineEnds) {
    EXPECT_EQ(prepare_data(""), ".\r\n");
    EXPECT_EQ(prepare_data("a\r\n"), "a\r\n.\r\n");
    EXPECT_EQ(prepare_data("no final line end"), "no final line end\r\n.\r\n");
    EXPECT_EQ(prepare_data("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd\r\n.\r\n");
    EXPECT_EQ(prepare_data(".\r\n"), "..\r\n.\r\n");
    EXPECT_EQ(prepare_data("x\r\n.\r\ny"), "x\r\n..\r\ny\r\n.\r\n");
    EXPECT_EQ(prepare_data(".leading\n..two\r. after cr\n"), "..leading\r\n...two\r\n.. after cr\r\n.\r\n");
    EXPECT_EQ(prepare_data("not.at.start\r\n"), "not.at.start\r\n.\r\n");
    // A lone "." line inside hostile content can never end the DATA early.
    std::string hostile = "Subject: x\r\n\r\nbody\r\n.\r\nMAIL FROM:<evil@example.com>\r\n";
    std::string prepared = prepare_data(hostile);
    EXPECT_EQ(prepared.find("\r\n.\r\n"), prepared.size() - 5);
}

TEST(SmtpReplyText, SanitisedForLogs) {
    SmtpReply r{550, {"5.1.1 <a@b>: unknown\x1b[31m", "second \xff line"}};
    EXPECT_EQ(sanitize_reply(r), "550 5.1.1 <a@b>: unknown?[31m | second ? line");
    EXPECT_EQ(sanitize_reply(SmtpReply{250, {std::string(1000, 'x')}}, {}, 20), "250 xxxxxxxxxxxxx...");
}

TEST(SmtpReplyText, SecretsAreRedacted) {
    SmtpReply r{535, {"5.7.8 bad credentials AHVzZXIAaHVudGVyMg== for hunter2", "hunter2hunter2"}};
    auto text = sanitize_reply(r, {"AHVzZXIAaHVudGVyMg==", "hunter2"});
    EXPECT_EQ(text, "535 5.7.8 bad credentials [redacted] for [redacted] | [redacted][redacted]");
    // Redaction happens before the cut, so no prefix of a secret survives it.
    auto cut = sanitize_reply(SmtpReply{535, {"x hunter2"}}, {"hunter2"}, 12);
    EXPECT_EQ(cut.find("hunt"), std::string::npos);
}
