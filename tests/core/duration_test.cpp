#include "tocsin/core/duration.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using tocsin::Duration;
using tocsin::format_duration;
using tocsin::parse_duration;

TEST(Duration, ParsesEveryUnit) {
    EXPECT_EQ(parse_duration("500ms"), Duration(500));
    EXPECT_EQ(parse_duration("90s"), Duration(90s));
    EXPECT_EQ(parse_duration("5m"), Duration(5min));
    EXPECT_EQ(parse_duration("1h30m"), Duration(90min));
    EXPECT_EQ(parse_duration("2d"), Duration(48h));
    EXPECT_EQ(parse_duration("1w"), Duration(168h));
    EXPECT_EQ(parse_duration("1h0m5s250ms"), Duration(3605250));
    EXPECT_EQ(parse_duration("0s"), Duration(0));
}

TEST(Duration, RejectsWhatOperatorsMightTypeByMistake) {
    for (const char* bad : {"", "5", "5 minutes", "5min", "1m1h", "1h1h", "-5m", "1.5h", "h", "5s ", " 5s", "5M",
                            "99999999999999999999s", "1y"}) {
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
    }
}

TEST(Duration, FormatsCanonically) {
    EXPECT_EQ(format_duration(Duration(0)), "0s");
    EXPECT_EQ(format_duration(Duration(90min)), "1h30m");
    EXPECT_EQ(format_duration(Duration(500)), "500ms");
    EXPECT_EQ(format_duration(Duration(8 * 24h + 1s)), "1w1d1s");
}

TEST(Duration, FormatThenParseIsIdentity) {
    for (std::int64_t ms : {1LL, 999LL, 1000LL, 61000LL, 3600000LL, 86400001LL, 1234567890123LL}) {
        auto text = format_duration(Duration(ms));
        ASSERT_EQ(parse_duration(text), Duration(ms)) << text;
    }
}
