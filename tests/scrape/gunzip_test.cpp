#include "tocsin/scrape/gunzip.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

using tocsin::test::gzip_compress;

TEST(Gunzip, RoundTripsAndConcatenatedMembers) {
    auto r = tocsin::scrape::gunzip(gzip_compress("hello ") + gzip_compress("world"), 0);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, "hello world");
}

TEST(Gunzip, StopsAtTheLimitWithoutExpandingTheRest) {
    std::string bomb = gzip_compress(std::string(50 << 20, '\0'));
    EXPECT_LT(bomb.size(), 100u << 10);
    auto r = tocsin::scrape::gunzip(bomb, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "body size limit of 1048576 bytes exceeded after decompression");
    EXPECT_TRUE(tocsin::scrape::gunzip(gzip_compress("exactly"), 7).ok());
}

TEST(Gunzip, RejectsGarbageAndTruncation) {
    EXPECT_FALSE(tocsin::scrape::gunzip("not gzip at all", 0).ok());
    std::string z = gzip_compress(std::string(10000, 'x'));
    auto truncated = tocsin::scrape::gunzip(z.substr(0, z.size() / 2), 0);
    ASSERT_FALSE(truncated.ok());
    EXPECT_EQ(truncated.error().message.rfind("invalid gzip data", 0), 0u) << truncated.error().message;
    EXPECT_FALSE(tocsin::scrape::gunzip("", 0).ok());
}
