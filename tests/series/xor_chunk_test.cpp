#include "tocsin/series/xor_chunk.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "tocsin/core/labels.hpp"

using namespace tocsin::series;

namespace {

struct Encoded {
    std::vector<std::uint8_t> data;
    std::uint32_t bits = 0;
};

Encoded encode(const std::vector<std::int64_t>& ts, const std::vector<std::uint64_t>& vs) {
    Encoded e;
    e.data.assign(ts.size() * (k_max_sample_bits / 8 + 1) + 8, 0xAA);  // garbage: the writer must not rely on zeros
    BitWriter w(e.data.data(), 0);
    XorState state;
    for (std::size_t i = 0; i < ts.size(); ++i) {
        if (i == 0) {
            xor_encode_first(w, state, ts[i], vs[i]);
        } else {
            xor_encode(w, state, ts[i], vs[i]);
        }
    }
    e.bits = w.bits();
    return e;
}

void expect_round_trip(const std::vector<std::int64_t>& ts, const std::vector<std::uint64_t>& vs) {
    const Encoded e = encode(ts, vs);
    XorDecoder d(e.data.data(), e.bits, static_cast<std::uint32_t>(ts.size()), ts.front());
    std::int64_t t = 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < ts.size(); ++i) {
        ASSERT_TRUE(d.next(t, v)) << "sample " << i;
        ASSERT_EQ(t, ts[i]) << "sample " << i;
        ASSERT_EQ(v, vs[i]) << "sample " << i;
    }
    EXPECT_FALSE(d.next(t, v));
    EXPECT_FALSE(d.error());
    EXPECT_EQ(d.bits_read(), e.bits);
}

std::uint64_t bits_of(double v) { return std::bit_cast<std::uint64_t>(v); }

}  // namespace

TEST(BitStream, WritesAndReadsAnyWidth) {
    std::vector<std::uint8_t> buf(64, 0xFF);
    BitWriter w(buf.data(), 0);
    for (unsigned n = 1; n <= 64; n += 7) w.put(0x0123456789abcdefULL, n);
    BitReader r(buf.data(), w.bits());
    for (unsigned n = 1; n <= 64; n += 7) {
        std::uint64_t v = 0;
        ASSERT_TRUE(r.get(n, v));
        const std::uint64_t mask = n == 64 ? ~0ULL : ((1ULL << n) - 1);
        EXPECT_EQ(v, 0x0123456789abcdefULL & mask) << n;
    }
    std::uint64_t v = 0;
    EXPECT_FALSE(r.get(1, v));  // bounds are exact, not rounded to bytes
}

TEST(XorChunk, RegularScrapeCompressesToAFewBitsPerSample) {
    std::vector<std::int64_t> ts;
    std::vector<std::uint64_t> vs;
    for (int i = 0; i < 120; ++i) {
        ts.push_back(1'700'000'000'000 + i * 15'000);
        vs.push_back(bits_of(1.0));  // e.g. up == 1
    }
    const Encoded e = encode(ts, vs);
    EXPECT_LT(e.bits, 64u + 24 + 119 * 2 + 8);  // one bit of time and one of value per sample
    expect_round_trip(ts, vs);
}

TEST(XorChunk, SpecialValuesRoundTripBitExactly) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<std::uint64_t> vs = {
        bits_of(0.0), bits_of(-0.0), bits_of(tocsin::stale_marker()), bits_of(nan), 0x7ff8000000000001ULL,
        0xfff8dead0000beefULL, bits_of(std::numeric_limits<double>::infinity()),
        bits_of(-std::numeric_limits<double>::infinity()), bits_of(std::numeric_limits<double>::denorm_min()),
        bits_of(std::numeric_limits<double>::max()), bits_of(tocsin::stale_marker()), bits_of(1e-300), 0, ~0ULL, 1,
        1ULL << 63, bits_of(42.5), bits_of(42.5)};
    std::vector<std::int64_t> ts;
    for (std::size_t i = 0; i < vs.size(); ++i) ts.push_back(static_cast<std::int64_t>(i) * 1000);
    expect_round_trip(ts, vs);
}

TEST(XorChunk, ExtremeTimestampsRoundTrip) {
    // Deltas across every dod bucket boundary, and the full int64 range.
    std::vector<std::int64_t> ts = {std::numeric_limits<std::int64_t>::min(), -1'000'000'000'000'000, -5, 0, 1, 2,
                                    66, 130, 8'322, 16'514, 540'000, 1'064'000, 50'000'000'000,
                                    std::numeric_limits<std::int64_t>::max() - 1,
                                    std::numeric_limits<std::int64_t>::max()};
    std::vector<std::uint64_t> vs(ts.size(), bits_of(3.0));
    expect_round_trip(ts, vs);
    for (std::int64_t jump : {63, 64, 65, -63, -64, -65, 8191, 8192, 8193, 524287, 524288, 524289}) {
        std::vector<std::int64_t> t2 = {0, 1'000'000, 2'000'000, 3'000'000 + jump, 4'000'000 + jump};
        expect_round_trip(t2, std::vector<std::uint64_t>(t2.size(), 7));
    }
}

TEST(XorChunk, RandomSequencesRoundTrip) {
    std::mt19937_64 rng(42);
    for (int round = 0; round < 300; ++round) {
        const std::size_t n = 1 + rng() % 150;
        std::vector<std::int64_t> ts;
        std::vector<std::uint64_t> vs;
        std::int64_t t = static_cast<std::int64_t>(rng() % 2'000'000'000'000);
        double counter = 0;
        for (std::size_t i = 0; i < n; ++i) {
            t += 1 + static_cast<std::int64_t>(rng() % (round % 3 == 0 ? 30'000 : 20)) + (round % 5 == 0 ? 15'000 : 0);
            ts.push_back(t);
            switch ((rng() >> 8) % (1 + round % 4)) {
            case 0: counter += static_cast<double>(rng() % 100); vs.push_back(bits_of(counter)); break;
            case 1: vs.push_back(rng()); break;  // arbitrary bit patterns, NaNs included
            case 2: vs.push_back(bits_of(static_cast<double>(rng() % 1000) / 7.0)); break;
            default: vs.push_back(vs.empty() ? 0 : vs.back()); break;
            }
        }
        expect_round_trip(ts, vs);
    }
}

TEST(XorChunk, TruncatedOrGarbageStreamsFailCleanly) {
    std::vector<std::int64_t> ts;
    std::vector<std::uint64_t> vs;
    for (int i = 0; i < 50; ++i) {
        ts.push_back(i * 15'000 + (i % 3));
        vs.push_back(bits_of(i * 1.5));
    }
    const Encoded e = encode(ts, vs);
    for (std::uint32_t limit = 0; limit < e.bits; ++limit) {
        XorDecoder d(e.data.data(), limit, 50, 0);
        std::int64_t t = 0;
        std::uint64_t v = 0;
        int n = 0;
        while (d.next(t, v)) ++n;
        EXPECT_TRUE(d.error()) << limit;
        EXPECT_LT(n, 50);
    }
    std::mt19937_64 rng(7);
    std::vector<std::uint8_t> junk(256);
    for (int round = 0; round < 2000; ++round) {
        for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
        XorDecoder d(junk.data(), static_cast<std::uint32_t>(rng() % (junk.size() * 8)), 1000, 0);
        std::int64_t t = 0;
        std::int64_t last = std::numeric_limits<std::int64_t>::min();
        std::uint64_t v = 0;
        while (d.next(t, v)) {
            ASSERT_GT(t, last);  // whatever it decodes is still increasing
            last = t;
        }
    }
}
