#include "tocsin/core/clock.hpp"

#include <gtest/gtest.h>

#include "tocsin/core/result.hpp"

using namespace std::chrono_literals;

TEST(ManualClock, MovesOnlyWhenTold) {
    tocsin::ManualClock clock(tocsin::TimePoint(1'700'000'000s));
    const tocsin::Clock& c = clock;
    EXPECT_EQ(c.now(), tocsin::TimePoint(1'700'000'000s));
    clock.advance(15min);
    EXPECT_EQ(c.now(), tocsin::TimePoint(1'700'000'900s));
    clock.set(tocsin::TimePoint(5s));
    EXPECT_DOUBLE_EQ(tocsin::to_unix_seconds(c.now()), 5.0);
}

TEST(Result, CarriesValueOrError) {
    tocsin::Result<int> good = 42;
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 42);
    tocsin::Result<int> bad = tocsin::Error::make(tocsin::ErrorCategory::storage, "database is locked", true);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().category, tocsin::ErrorCategory::storage);
    EXPECT_TRUE(bad.error().retryable);
    EXPECT_STREQ(tocsin::to_string(bad.error().category), "storage");
}
