// Signed, expiring acknowledgement links: the token format, tampering,
// expiry and the bounds verify() keeps.
#include "tocsin/paging/ack_link.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace tocsin::paging {
namespace {

using namespace std::chrono;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

const std::string k_key = "0123456789abcdef-test-key";
// 2026-03-29T13:00:00Z
const TimePoint k_expires = TimePoint(seconds(1774789200));
const TimePoint k_before = k_expires - hours(1);

AckLinkSigner signer(const std::string& key = k_key) {
    auto s = AckLinkSigner::create(Secret(key, "file:/etc/tocsin/link.key"));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return std::move(s).value();
}

std::string error_of(const Result<AckLinkClaim>& r) { return r.ok() ? "<ok>" : r.error().message; }

bool url_safe(const std::string& token) {
    for (char c : token) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

TEST(AckLinkSigner, CreateRefusesShortKeysNamingOnlyTheSource) {
    auto s = AckLinkSigner::create(Secret("fifteen-bytes!!", "env:TOCSIN_LINK_KEY"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().category, ErrorCategory::invalid_argument);
    EXPECT_THAT(s.error().message, HasSubstr("env:TOCSIN_LINK_KEY"));
    EXPECT_THAT(s.error().message, HasSubstr("16 bytes"));
    EXPECT_THAT(s.error().message, Not(HasSubstr("fifteen")));
    EXPECT_TRUE(AckLinkSigner::create(Secret("sixteen-bytes!!!", "env:K")).ok());
}

TEST(AckLinkSigner, TokenHasThePinnedFormat) {
    // base64url("v1\n42\nalice\n1774789200") "." base64url(HMAC-SHA256(key,
    // "tocsin/ack-link\n" payload)[:16]), computed with Python's hmac module.
    EXPECT_EQ(signer().token(42, "alice", k_expires), "djEKNDIKYWxpY2UKMTc3NDc4OTIwMA.NaaMzTT0e6EEhibxVqoJBg");
}

TEST(AckLinkSigner, RoundTrips) {
    const auto s = signer();
    const std::string token = s.token(42, "alice", k_expires);
    EXPECT_TRUE(url_safe(token)) << token;
    auto claim = s.verify(token, k_before);
    ASSERT_TRUE(claim.ok()) << claim.error().message;
    EXPECT_EQ(claim->incident_id, 42);
    EXPECT_EQ(claim->person, "alice");
    EXPECT_EQ(claim->expires, k_expires);
    // The same signer, another instance with the same key: same answer.
    EXPECT_EQ(signer().verify(token, k_before).value(), claim.value());
}

TEST(AckLinkSigner, ExpiryIsTruncatedToWholeSeconds) {
    const auto s = signer();
    auto claim = s.verify(s.token(7, "bob", k_expires + milliseconds(999)), k_before);
    ASSERT_TRUE(claim.ok()) << claim.error().message;
    EXPECT_EQ(claim->expires, k_expires);
}

TEST(AckLinkSigner, ExpiresAtTheInstantItNames) {
    const auto s = signer();
    const std::string token = s.token(42, "alice", k_expires);
    EXPECT_TRUE(s.verify(token, k_expires - nanoseconds(1)).ok());
    for (TimePoint now : {k_expires, k_expires + seconds(1), k_expires + days(365)}) {
        auto r = s.verify(token, now);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().category, ErrorCategory::invalid_argument);
        EXPECT_EQ(r.error().message, "this link expired at 2026-03-29T13:00:00Z");
    }
    // Still authentic: the API tells an expired link from a forged one.
    auto claim = s.authenticate(token);
    ASSERT_TRUE(claim.ok());
    EXPECT_EQ(claim->incident_id, 42);
    // Before 1970 counts as 1970: expired for any real `now`.
    auto old = s.verify(s.token(1, "alice", TimePoint(-hours(5))), k_before);
    EXPECT_EQ(error_of(old), "this link expired at 1970-01-01T00:00:00Z");
}

TEST(AckLinkSigner, AnyChangedCharacterIsRefused) {
    const auto s = signer();
    const std::string token = s.token(42, "alice", k_expires);
    for (std::size_t i = 0; i < token.size(); ++i) {
        for (char c : {'A', 'B', 'g', 'w', '0', '-', '_', '.', '=', '+', '/', ' ', '%'}) {
            if (c == token[i]) continue;
            std::string tampered = token;
            tampered[i] = c;
            auto r = s.verify(tampered, k_before);
            EXPECT_FALSE(r.ok()) << "position " << i << " as " << c;
            if (!r.ok()) {
                // Never echoes the token or its MAC.
                EXPECT_THAT(r.error().message, Not(HasSubstr(token.substr(token.find('.') + 1))));
                EXPECT_THAT(r.error().message, Not(HasSubstr(token.substr(0, token.find('.')))));
            }
        }
    }
    // Cut off, or grown.
    for (std::size_t n = 0; n < token.size(); ++n) EXPECT_FALSE(s.verify(token.substr(0, n), k_before).ok()) << n;
    EXPECT_FALSE(s.verify(token + "A", k_before).ok());
    EXPECT_FALSE(s.verify(token + "AA", k_before).ok());
    EXPECT_FALSE(s.verify(token + "=", k_before).ok());
}

TEST(AckLinkSigner, SwappedPartsHaveABadSignature) {
    const auto s = signer();
    const std::string a = s.token(42, "alice", k_expires);
    const std::string b = s.token(43, "alice", k_expires);
    const std::string c = s.token(42, "mallory", k_expires);
    const std::string d = s.token(42, "alice", k_expires + days(30));
    auto payload = [](const std::string& t) { return t.substr(0, t.find('.')); };
    auto mac = [](const std::string& t) { return t.substr(t.find('.')); };
    for (const auto& other : {b, c, d}) {
        auto r = s.verify(payload(other) + mac(a), k_before);
        ASSERT_FALSE(r.ok());
        EXPECT_THAT(r.error().message, HasSubstr("bad signature"));
    }
}

TEST(AckLinkSigner, AnotherKeyGivesABadSignature) {
    const std::string token = signer().token(42, "alice", k_expires);
    auto r = signer("another-key-of-enough-bytes").verify(token, k_before);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::invalid_argument);
    EXPECT_EQ(r.error().message, "acknowledgement link has a bad signature (altered, or made with another key)");
    // Also when it has expired: a forged link never learns it is "expired".
    EXPECT_THAT(error_of(signer("another-key-of-enough-bytes").verify(token, k_expires + days(1))),
                HasSubstr("bad signature"));
}

TEST(AckLinkSigner, MalformedTokensSayWhy) {
    const auto s = signer();
    const std::string token = s.token(42, "alice", k_expires);
    const std::string mac = token.substr(token.find('.'));
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "empty"},
        {"abc", "no signature part"},
        {token + ".x", "more than one '.'"},
        {"!!!!" + mac, "not base64url"},
        {"djEK" + mac.substr(0, mac.size() - 1), "not base64url"},
        {"djEK.AAAA", "the signature has the wrong length"},
        {mac, "no payload"},
        {std::string(513, 'A'), "longer than 512 characters"},
    };
    for (const auto& [text, why] : cases) {
        auto r = s.verify(text, k_before);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().category, ErrorCategory::invalid_argument);
        EXPECT_THAT(r.error().message, StartsWith("malformed acknowledgement link: ")) << text;
        EXPECT_THAT(r.error().message, HasSubstr(why)) << text;
    }
}

TEST(AckLinkSigner, SignedButInvalidContentIsMalformed) {
    // Only tocsin can make these; verify() still refuses what it would not sign.
    const auto s = signer();
    EXPECT_EQ(error_of(s.verify(s.token(0, "alice", k_expires), k_before)),
              "malformed acknowledgement link: invalid incident id");
    EXPECT_EQ(error_of(s.verify(s.token(-3, "alice", k_expires), k_before)),
              "malformed acknowledgement link: invalid incident id");
    EXPECT_EQ(error_of(s.verify(s.token(42, "", k_expires), k_before)), "malformed acknowledgement link: no person");
}

TEST(AckLinkSigner, LengthBounds) {
    const auto s = signer();
    const std::int64_t max_id = std::numeric_limits<std::int64_t>::max();
    const std::string longest_person(k_max_ack_link_person_bytes, '\xff');
    const TimePoint far = TimePoint(seconds(9'000'000'000));  // year 2255
    const std::string token = s.token(max_id, longest_person, far);
    EXPECT_LE(token.size(), k_max_ack_link_token_chars);
    auto claim = s.verify(token, k_before);
    ASSERT_TRUE(claim.ok()) << claim.error().message;
    EXPECT_EQ(claim->incident_id, max_id);
    EXPECT_EQ(claim->person, longest_person);
    EXPECT_EQ(claim->expires, far);

    // Just over the bound: refused before any decoding, whatever it holds.
    const std::string too_long = s.token(1, std::string(400, 'a'), k_expires);
    ASSERT_GT(too_long.size(), k_max_ack_link_token_chars);
    EXPECT_THAT(error_of(s.verify(too_long, k_before)), HasSubstr("longer than 512 characters"));
    EXPECT_THAT(error_of(s.verify(std::string(100000, '.'), k_before)), HasSubstr("longer than 512 characters"));
}

TEST(AckLinkSigner, PersonNamesWithOddCharactersRoundTrip) {
    const auto s = signer();
    const std::vector<std::string> names = {
        "alice",     "a.b-c_d",  "O'Brien", "Zoë",          "a b",       "a\nb",   "\n",          "a\n1\nb",
        "<script>",  "x&amp;y",  "a.b.c",   "a/../b?c=d#e", "%2e%2E",    "\x01\x7f", std::string("a\0b", 3),
        "名前",      "a\tb",     "=",       "==",           "v1\n1\nx\n2",
    };
    for (const auto& name : names) {
        const std::string token = s.token(9, name, k_expires);
        EXPECT_TRUE(url_safe(token)) << token;
        auto claim = s.verify(token, k_before);
        ASSERT_TRUE(claim.ok()) << name << ": " << claim.error().message;
        EXPECT_EQ(claim->person, name);
        EXPECT_EQ(claim->incident_id, 9);
        EXPECT_EQ(claim->expires, k_expires);
    }
}

TEST(AckLinkUrl, JoinsThePublicUrlAndTheToken) {
    EXPECT_EQ(ack_link_url("https://tocsin.example.com", "T.M"), "https://tocsin.example.com/ack/T.M");
    EXPECT_EQ(ack_link_url("https://tocsin.example.com/", "T.M"), "https://tocsin.example.com/ack/T.M");
    EXPECT_EQ(ack_link_url("https://example.com/tocsin//", "T.M"), "https://example.com/tocsin/ack/T.M");
    EXPECT_EQ(ack_link_url("http://127.0.0.1:9464", "T.M"), "http://127.0.0.1:9464/ack/T.M");
}

}  // namespace
}  // namespace tocsin::paging
