// parse_go_float against what Go's strconv.ParseFloat(s, 64) returns, behind
// Prometheus' refusal of 'p', 'P' and '_'.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "go_float.hpp"
#include "utf8.hpp"

namespace tocsin::scrape {
namespace {

struct Accepted {
    const char* text;
    double value;
};

TEST(GoFloat, AcceptedSpellings) {
    const double inf = std::numeric_limits<double>::infinity();
    const Accepted cases[] = {
        {"0", 0},        {"1", 1},         {"+1", 1},          {"-1", -1},        {"1.", 1},
        {".5", 0.5},     {"-.5", -0.5},    {"+.5", 0.5},       {"1e3", 1e3},      {"1E3", 1e3},
        {"1e+3", 1e3},   {"1e-3", 1e-3},   {"1.5e2", 150},     {".5e1", 5},       {"5.e1", 50},
        {"0.1", 0.1},    {"00012", 12},    {"inf", inf},       {"+Inf", inf},     {"-INF", -inf},
        {"infinity", inf}, {"-Infinity", -inf}, {"999999999999999", 999999999999999.0},
        {"9007199254740993", 9007199254740992.0},  // rounds to even like Go
        {"1e-400", 0},   {"2.4703282292062328e-324", 4.9406564584124654e-324},
        {"1.7976931348623157e308", 1.7976931348623157e308},
        {"0e999999999999", 0},
    };
    for (const auto& c : cases) {
        double v = -1;
        EXPECT_EQ(parse_go_float(c.text, v), FloatStatus::ok) << c.text;
        EXPECT_EQ(v, c.value) << c.text;
    }
    double nan = 0;
    for (const char* t : {"nan", "NaN", "NAN"}) {
        ASSERT_EQ(parse_go_float(t, nan), FloatStatus::ok) << t;
        EXPECT_EQ(std::bit_cast<std::uint64_t>(nan), k_normal_nan_bits) << t;
    }
}

TEST(GoFloat, RejectedSpellings) {
    for (const char* t : {"", "+", "-", ".", "e3", "1e", "1e+", "1.2.3", "--1", "+-1", "1 ", " 1", "0x10", "0X1",
                          "+nan", "-nan", "nan(1)", "infin", "infinityy", "in", "1f", "true", "1,5", "\xff"}) {
        double v = 0;
        EXPECT_EQ(parse_go_float(t, v), FloatStatus::syntax) << t;
    }
    for (const char* t : {"1_000", "0x1p3", "0x1P-3", "p", "_1"}) {
        double v = 0;
        EXPECT_EQ(parse_go_float(t, v), FloatStatus::unsupported) << t;
    }
    for (const char* t : {"1e309", "-1e309", "1.7976931348623159e308", "1e99999999999999999999"}) {
        double v = 0;
        EXPECT_EQ(parse_go_float(t, v), FloatStatus::out_of_range) << t;
    }
}

TEST(GoFloat, NegativeZeroAndUnderflowKeepTheSign) {
    double v = 0;
    ASSERT_EQ(parse_go_float("-0", v), FloatStatus::ok);
    EXPECT_TRUE(std::signbit(v));
    ASSERT_EQ(parse_go_float("-1e-999", v), FloatStatus::ok);
    EXPECT_TRUE(std::signbit(v));
    EXPECT_EQ(v, 0);
}

TEST(GoFloat, SecondsToMillisecondsLikeGoOnAmd64) {
    EXPECT_EQ(seconds_to_milliseconds(1.5), 1500);
    EXPECT_EQ(seconds_to_milliseconds(-1.5), -1500);
    EXPECT_EQ(seconds_to_milliseconds(0.0019), 1);
    EXPECT_EQ(seconds_to_milliseconds(-0.0019), -1);
    EXPECT_EQ(seconds_to_milliseconds(1e300), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(seconds_to_milliseconds(-1e300), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(seconds_to_milliseconds(-9223372036854775.808), std::numeric_limits<std::int64_t>::min());
}

TEST(GoFloat, Int64Digits) {
    std::int64_t v = 0;
    EXPECT_TRUE(parse_int64_digits("9223372036854775807", v));
    EXPECT_EQ(v, std::numeric_limits<std::int64_t>::max());
    EXPECT_FALSE(parse_int64_digits("9223372036854775808", v));
    EXPECT_FALSE(parse_int64_digits("", v));
    EXPECT_TRUE(parse_int64_digits("000", v));
    EXPECT_EQ(v, 0);
}

TEST(Utf8, GoRules) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
    EXPECT_TRUE(is_valid_utf8(std::string_view("\0", 1)));
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));          // overlong
    EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));  // overlong
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
    EXPECT_FALSE(is_valid_utf8("\xe2\x28\xa1"));
}


// The parser reads plain digits[.digits] values with parse_plain_decimal in
// the pass that finds the token's end; it must agree bit for bit with
// parse_go_float on everything it accepts, and hand back the rest.
TEST(GoFloat, PlainDecimalAgreesWithTheFullParser) {
    std::uint64_t seed = 0x9e3779b97f4a7c15ULL;
    auto next = [&seed] {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        return seed;
    };
    const char alphabet[] = "0123456789.0000e-+9";
    std::size_t accepted = 0;
    for (int i = 0; i < 200000; ++i) {
        std::string text;
        const std::size_t length = 1 + next() % 24;
        for (std::size_t k = 0; k < length; ++k) text += alphabet[next() % (sizeof alphabet - 1)];
        double plain = 0;
        const char* end = parse_plain_decimal(text.data(), text.data() + text.size(), plain);
        if (end == nullptr) continue;
        // What the parser hands to parse_plain_decimal's caller: the digits read.
        const std::string_view token(text.data(), static_cast<std::size_t>(end - text.data()));
        double full = 0;
        ASSERT_EQ(parse_go_float(token, full), FloatStatus::ok) << token;
        ASSERT_EQ(std::bit_cast<std::uint64_t>(plain), std::bit_cast<std::uint64_t>(full)) << token;
        ++accepted;
    }
    EXPECT_GT(accepted, 10000U);
    for (const char* refused : {"", ".", "-1", "+1", "1234567890123456", "0.12345678901234567", "e5", "inf"}) {
        double v = 0;
        const std::string_view t(refused);
        const char* end = parse_plain_decimal(t.data(), t.data() + t.size(), v);
        EXPECT_TRUE(end == nullptr || end != t.data() + t.size()) << refused;
    }
    double v = 0;
    const std::string_view t = "0.005 17";
    EXPECT_EQ(parse_plain_decimal(t.data(), t.data() + t.size(), v), t.data() + 5);
    EXPECT_EQ(v, 0.005);
}

}  // namespace
}  // namespace tocsin::scrape
