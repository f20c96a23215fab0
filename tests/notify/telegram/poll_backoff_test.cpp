// The poller's retry schedule, as a pure function: no waiting needed.
#include <gtest/gtest.h>

#include "tocsin/notify/telegram/updates_poller.hpp"

using namespace std::chrono_literals;
using namespace tocsin::notify::telegram;

TEST(TelegramBackoff, HonoursRetryAfterElseDoublesUpToTheCap) {
    PollerOptions options;
    options.min_backoff = 1s;
    options.max_backoff = 60s;
    ApiFailure plain;
    EXPECT_EQ(poll_backoff(plain, 1, options), 1s);
    EXPECT_EQ(poll_backoff(plain, 2, options), 2s);
    EXPECT_EQ(poll_backoff(plain, 5, options), 16s);
    EXPECT_EQ(poll_backoff(plain, 7, options), 60s);
    EXPECT_EQ(poll_backoff(plain, 1000, options), 60s);
    ApiFailure flood;
    flood.retry_after = std::chrono::seconds(17);
    EXPECT_EQ(poll_backoff(flood, 1, options), 17s);
    EXPECT_EQ(poll_backoff(flood, 9, options), 17s);  // Telegram's word, not our doubling
    flood.retry_after = std::chrono::seconds(0);
    EXPECT_EQ(poll_backoff(flood, 1, options), 1s);
}
