#include "tocsin/scrape/gunzip.hpp"

#include <zlib.h>

#include <gtest/gtest.h>

namespace {

std::string gzip(const std::string& data) {
    z_stream zs{};
    deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, data.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

}  // namespace

TEST(Gunzip, RoundTripsAndConcatenatedMembers) {
    auto r = tocsin::scrape::gunzip(gzip("hello ") + gzip("world"), 0);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, "hello world");
}

TEST(Gunzip, StopsAtTheLimitWithoutExpandingTheRest) {
    std::string bomb = gzip(std::string(50 << 20, '\0'));
    EXPECT_LT(bomb.size(), 100u << 10);
    auto r = tocsin::scrape::gunzip(bomb, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "body size limit of 1048576 bytes exceeded after decompression");
    EXPECT_TRUE(tocsin::scrape::gunzip(gzip("exactly"), 7).ok());
}

TEST(Gunzip, RejectsGarbageAndTruncation) {
    EXPECT_FALSE(tocsin::scrape::gunzip("not gzip at all", 0).ok());
    std::string z = gzip(std::string(10000, 'x'));
    auto truncated = tocsin::scrape::gunzip(z.substr(0, z.size() / 2), 0);
    ASSERT_FALSE(truncated.ok());
    EXPECT_EQ(truncated.error().message.rfind("invalid gzip data", 0), 0u) << truncated.error().message;
    EXPECT_FALSE(tocsin::scrape::gunzip("", 0).ok());
}
