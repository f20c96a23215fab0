#include "tocsin/series/matcher.hpp"

#include <gtest/gtest.h>

#include "series_test_support.hpp"

using tocsin::ErrorCategory;
using tocsin::series::Matcher;
using tocsin::series::testing::matcher;

TEST(Matcher, EqualityAndInequality) {
    auto eq = matcher(Matcher::equal, "job", "api");
    EXPECT_TRUE(eq.matches("api"));
    EXPECT_FALSE(eq.matches("apis"));
    EXPECT_FALSE(eq.matches(""));
    EXPECT_FALSE(eq.matches_empty());
    auto ne = matcher(Matcher::not_equal, "job", "api");
    EXPECT_FALSE(ne.matches("api"));
    EXPECT_TRUE(ne.matches("web"));
    EXPECT_TRUE(ne.matches_empty());  // {job!="api"} selects series without job
    EXPECT_TRUE(matcher(Matcher::equal, "job", "").matches_empty());
    EXPECT_FALSE(matcher(Matcher::not_equal, "job", "").matches_empty());
    EXPECT_TRUE(Matcher::equals("job", "api").matches("api"));
    EXPECT_FALSE(Matcher::equals("job", "api").matches_empty());
}

TEST(Matcher, RegexIsFullyAnchored) {
    auto m = matcher(Matcher::regex, "name", "o");
    EXPECT_FALSE(m.matches("foo"));
    EXPECT_TRUE(m.matches("o"));
    EXPECT_TRUE(matcher(Matcher::regex, "name", "f.*").matches("foo"));
    EXPECT_FALSE(matcher(Matcher::regex, "name", "f.*").matches("afoo"));
    EXPECT_FALSE(matcher(Matcher::regex, "name", "fo").matches("foo"));
    // Anchoring wraps the alternation as a whole: ^(?:a|b)$, not ^a|b$.
    EXPECT_FALSE(matcher(Matcher::regex, "name", "a|b").matches("ab"));
    EXPECT_FALSE(matcher(Matcher::regex, "name", "a.|b").matches("xb"));
    EXPECT_TRUE(matcher(Matcher::regex, "name", "a.|b").matches("ax"));
    EXPECT_FALSE(matcher(Matcher::not_regex, "name", "o").matches("o"));
    EXPECT_TRUE(matcher(Matcher::not_regex, "name", "o").matches("foo"));
}

TEST(Matcher, RegexSyntaxFollowsGoRe2) {
    EXPECT_TRUE(matcher(Matcher::regex, "code", "5\\d\\d").matches("503"));
    EXPECT_TRUE(matcher(Matcher::regex, "code", "[45]..").matches("404"));
    EXPECT_FALSE(matcher(Matcher::regex, "x", "FOO").matches("foo"));  // case-sensitive
    EXPECT_TRUE(matcher(Matcher::regex, "x", "(?i)FOO").matches("foo"));
    EXPECT_TRUE(matcher(Matcher::regex, "x", "\\p{Greek}+").matches("αβγ"));
    EXPECT_TRUE(matcher(Matcher::regex, "x", "a.c").matches("aéc"));  // '.' is a UTF-8 character
    // Prometheus 2.42: '.' does not match a newline unless (?s) is given.
    EXPECT_FALSE(matcher(Matcher::regex, "x", "a.c").matches("a\nc"));
    EXPECT_FALSE(matcher(Matcher::regex, "x", ".*").matches("a\nb"));
    EXPECT_FALSE(matcher(Matcher::regex, "x", ".+").matches("\n"));
    EXPECT_TRUE(matcher(Matcher::regex, "x", "(?s).*").matches("a\nb"));
    // $ is end of text, not end of line (Go's OneLine).
    EXPECT_FALSE(matcher(Matcher::regex, "x", "a$").matches("a\n"));
}

TEST(Matcher, EmptyMatchingRegexes) {
    EXPECT_TRUE(matcher(Matcher::regex, "foo", "a|").matches_empty());
    EXPECT_TRUE(matcher(Matcher::regex, "foo", "").matches_empty());
    EXPECT_FALSE(matcher(Matcher::regex, "foo", "").matches("a"));
    EXPECT_TRUE(matcher(Matcher::regex, "foo", ".*").matches_empty());
    EXPECT_FALSE(matcher(Matcher::regex, "foo", ".+").matches_empty());
    EXPECT_TRUE(matcher(Matcher::not_regex, "foo", ".+").matches_empty());
    EXPECT_FALSE(matcher(Matcher::not_regex, "foo", ".*").matches_empty());
    EXPECT_TRUE(matcher(Matcher::regex, "foo", "x*").matches_empty());
}

TEST(Matcher, InvalidRegexIsAnError) {
    for (const char* bad : {"(", "a)", "a)|(b", "[z-a]", "*", "a{2,1}", "\\8"}) {
        auto m = Matcher::make(Matcher::regex, "job", bad);
        ASSERT_FALSE(m.ok()) << bad;
        EXPECT_EQ(m.error().category, ErrorCategory::invalid_argument);
        EXPECT_NE(m.error().message.find(bad), std::string::npos) << m.error().message;
        EXPECT_NE(m.error().message.find("job"), std::string::npos);
        EXPECT_FALSE(Matcher::make(Matcher::not_regex, "job", bad).ok());
    }
    // Not a regex: any value is fine.
    EXPECT_TRUE(Matcher::make(Matcher::equal, "job", "(").ok());
}

TEST(Matcher, LiteralAlternationFastPath) {
    auto m = matcher(Matcher::regex, "code", "503|500|500|");
    ASSERT_TRUE(m.is_literal_set());
    EXPECT_EQ(m.literal_set(), (std::vector<std::string>{"", "500", "503"}));
    EXPECT_TRUE(m.matches("500"));
    EXPECT_TRUE(m.matches(""));
    EXPECT_FALSE(m.matches("50"));
    EXPECT_FALSE(m.matches("500|503"));
    EXPECT_FALSE(matcher(Matcher::regex, "code", "5.0|503").is_literal_set());
    EXPECT_FALSE(matcher(Matcher::regex, "code", "(500)").is_literal_set());
}

// The fast paths must agree with RE2 itself: compare each against a
// spelling RE2 has to run ((?:...) defeats every fast path).
TEST(Matcher, FastPathsAgreeWithRe2) {
    const std::vector<std::string> values = {"", "a", "500", "503", "5000", "a\nb", "\n", "é", "a|b", " ", "ab"};
    for (const std::string pattern : {".*", ".+", "500|503", "a|", "", "a|b|ab", "é"}) {
        for (auto type : {Matcher::regex, Matcher::not_regex}) {
            auto fast = matcher(type, "x", pattern);
            auto slow = matcher(type, "x", "(?:" + pattern + ")");
            for (const auto& v : values) {
                EXPECT_EQ(fast.matches(v), slow.matches(v)) << "pattern " << pattern << " value " << v;
            }
            EXPECT_EQ(fast.matches_empty(), slow.matches_empty()) << pattern;
        }
    }
}

TEST(Matcher, PrintsInPromqlNotation) {
    EXPECT_EQ(matcher(Matcher::equal, "job", "a\"b").to_string(), "job=\"a\\\"b\"");
    EXPECT_EQ(matcher(Matcher::not_equal, "job", "x").to_string(), "job!=\"x\"");
    EXPECT_EQ(matcher(Matcher::regex, "code", "5..").to_string(), "code=~\"5..\"");
    EXPECT_EQ(matcher(Matcher::not_regex, "path", "a\\.b").to_string(), "path!~\"a\\\\.b\"");
}
