#include "tocsin/core/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

using tocsin::base64url_decode;
using tocsin::base64url_encode;

TEST(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
    // RFC 4648 section 10, padding dropped.
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
    // The URL-safe alphabet: 0xFB 0xFF -> "-_8" (standard base64: "+/8=").
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RoundTripsEveryByteAndLength) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        const std::string in = bytes.substr(bytes.size() - n);
        auto out = base64url_decode(base64url_encode(in));
        ASSERT_TRUE(out.has_value()) << n;
        EXPECT_EQ(*out, in) << n;
    }
}

TEST(Base64Url, DecodeRefusesAnythingButTheCanonicalForm) {
    EXPECT_EQ(base64url_decode(""), std::string());
    EXPECT_EQ(base64url_decode("Zm9vYmFy"), std::string("foobar"));
    EXPECT_FALSE(base64url_decode("Zg=="));      // padding
    EXPECT_FALSE(base64url_decode("Zm9v+g"));    // standard alphabet
    EXPECT_FALSE(base64url_decode("Zm9v/g"));
    EXPECT_FALSE(base64url_decode("Zm9 v"));     // whitespace
    EXPECT_FALSE(base64url_decode("Zm9v\nYg"));
    EXPECT_FALSE(base64url_decode("Z"));         // a lone character is not a byte
    EXPECT_FALSE(base64url_decode("Zm9vY"));
    EXPECT_FALSE(base64url_decode("Zh"));        // unused bits set: "Zg" is the only form of "f"
    EXPECT_FALSE(base64url_decode("Zm9"));       // unused bits set: "fo" is "Zm8"
    EXPECT_EQ(base64url_decode("Zm8"), std::string("fo"));
    EXPECT_FALSE(base64url_decode(std::string("Zg\0", 3)));
    EXPECT_FALSE(base64url_decode("Zg\xc3\xa9"));
}
