// The read path PromQL uses: bulk reads agree with the cursor, the word-at-a-
// time bit reader never needs bytes past a stream, label orders and label
// filters agree with select() and labels().
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "series_test_support.hpp"
#include "tocsin/series/xor_chunk.hpp"

using namespace tocsin::series;
using namespace tocsin::series::testing;

namespace {

std::vector<Sample> via_cursor(const SeriesStore& store, SeriesRef ref, std::int64_t mint, std::int64_t maxt) {
    std::vector<Sample> out;
    SampleCursor c = store.cursor(ref, mint, maxt);
    Sample s;
    while (c.next(s)) out.push_back(s);
    return out;
}

TEST(ReadPath, BulkReadsMatchTheCursorForEveryWindow) {
    SeriesStore store;
    store.set_retention(std::chrono::minutes(10));  // chunks of about 200 s
    std::mt19937_64 rng(11);
    std::vector<SeriesRef> refs;
    for (int i = 0; i < 20; ++i) refs.push_back(add(store, {{"__name__", "x"}, {"i", std::to_string(i)}}));
    double v = 0;
    for (int k = 0; k < 300; ++k) {
        for (std::size_t i = 0; i < refs.size(); ++i) {
            const std::int64_t t = k * 15'000 + static_cast<std::int64_t>(i % 4) * 7 + static_cast<std::int64_t>(rng() % 3);
            switch (i % 4) {
                case 0: v = static_cast<double>(k); break;                               // counter
                case 1: v = static_cast<double>(rng() % 1000) / 7.0; break;              // noisy gauge
                case 2: v = k % 50 == 7 ? tocsin::stale_marker() : 1.0; break;           // stale markers
                default: v = std::bit_cast<double>(rng()); break;                        // 64-bit XORs
            }
            ASSERT_TRUE(is_accepted(store.append(refs[i], t, v)));
        }
    }
    for (SeriesRef ref : refs) {
        for (std::int64_t mint : {std::int64_t{INT64_MIN}, std::int64_t{0}, std::int64_t{1'000'000}, std::int64_t{4'000'000}}) {
            for (std::int64_t maxt : {std::int64_t{500'000}, std::int64_t{4'485'000}, std::int64_t{INT64_MAX}}) {
                std::vector<Sample> bulk;
                store.samples(ref, mint, maxt, bulk);
                EXPECT_TRUE(same_samples(bulk, via_cursor(store, ref, mint, maxt))) << mint << " " << maxt;
            }
        }
    }
}

TEST(ReadPath, ReaderStaysInsideExactBuffers) {
    // Streams of every length in buffers of exactly (bits + 7) / 8 bytes
    // (heap copies, so ASan sees any read past them), read back with and
    // without slack.
    std::mt19937_64 rng(3);
    for (int n = 1; n < 60; ++n) {
        std::vector<std::uint8_t> buf(n * 24 + 16, 0);
        BitWriter w(buf.data(), 0);
        XorState st;
        std::vector<std::int64_t> ts;
        std::vector<std::uint64_t> vs;
        for (int i = 0; i < n; ++i) {
            ts.push_back(i * 15'000 + static_cast<std::int64_t>(rng() % 50));
            vs.push_back(i % 3 == 0 ? rng() : std::bit_cast<std::uint64_t>(static_cast<double>(i)));
            if (i == 0) {
                xor_encode_first(w, st, ts[0], vs[0]);
            } else {
                xor_encode(w, st, ts[i], vs[i]);
            }
        }
        const std::uint32_t bytes = (w.bits() + 7) / 8;
        std::vector<std::uint8_t> exact(buf.begin(), buf.begin() + bytes);
        for (std::uint32_t readable : {bytes, static_cast<std::uint32_t>(buf.size())}) {
            const std::uint8_t* data = readable == bytes ? exact.data() : buf.data();
            XorDecoder d(data, w.bits(), readable, static_cast<std::uint32_t>(n), ts[0]);
            std::int64_t t = 0;
            std::uint64_t v = 0;
            for (int i = 0; i < n; ++i) {
                ASSERT_TRUE(d.next(t, v)) << n << " " << i;
                EXPECT_EQ(t, ts[static_cast<std::size_t>(i)]);
                EXPECT_EQ(v, vs[static_cast<std::size_t>(i)]);
            }
            EXPECT_FALSE(d.next(t, v));
            EXPECT_FALSE(d.error());
            EXPECT_EQ(d.bits_read(), w.bits());
        }
    }
}

TEST(ReadPath, BitReaderGetsAnyWidthAtAnyOffset) {
    std::vector<std::uint8_t> data(40);
    std::mt19937_64 rng(5);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    auto bit = [&](std::uint32_t i) { return (data[i / 8] >> (7 - i % 8)) & 1u; };
    for (std::uint32_t start = 0; start < 64; ++start) {
        for (unsigned n = 0; n <= 64; ++n) {
            BitReader r(data.data(), static_cast<std::uint32_t>(data.size() * 8));
            std::uint64_t skip = 0;
            ASSERT_TRUE(r.get(start % 58, skip));
            const std::uint32_t pos = start % 58;
            std::uint64_t got = 0;
            ASSERT_TRUE(r.get(n, got));
            std::uint64_t want = 0;
            for (unsigned k = 0; k < n; ++k) want = (want << 1) | bit(pos + k);
            EXPECT_EQ(got, want) << start << " " << n;
        }
    }
    BitReader r(data.data(), 10);
    std::uint64_t out = 0;
    EXPECT_FALSE(r.get(11, out));
    EXPECT_TRUE(r.get(10, out));
    EXPECT_FALSE(r.get(1, out));
}

TEST(ReadPath, LabelOrderSortsAnUnorderedSelectionLikeSelect) {
    SeriesStore store;
    std::mt19937_64 rng(9);
    // Enough series for the packed-key path, in an order unlike the labels'.
    for (int i = 0; i < 500; ++i) {
        const auto k = rng() % 100000;
        add(store, {{"__name__", i % 2 ? "a" : "b"},
                    {"job", "j" + std::to_string(k % 7)},
                    {"instance", "i" + std::to_string(k % 131)},
                    {"extra", i % 5 == 0 ? "" : "e" + std::to_string(i)}});
    }
    for (std::size_t n : {std::size_t{3}, std::size_t{64}, std::size_t{65}, std::size_t{500}}) {
        std::vector<SeriesRef> unordered = store.select({}, SelectOrder::unordered);
        unordered.resize(std::min(n, unordered.size()));
        std::vector<tocsin::Labels> sets;
        for (SeriesRef ref : unordered) sets.push_back(store.labels(ref));
        std::sort(sets.begin(), sets.end());
        std::vector<std::string> got;
        for (std::uint32_t p : store.label_order(unordered)) got.push_back(store.labels(unordered[p]).to_string());
        std::vector<std::string> want;
        for (const auto& l : sets) want.push_back(l.to_string());
        EXPECT_EQ(got, want) << n;
    }
    // And the full selection in select()'s order.
    std::vector<SeriesRef> all = store.select({}, SelectOrder::unordered);
    std::vector<SeriesRef> reordered;
    for (std::uint32_t p : store.label_order(all)) reordered.push_back(all[p]);
    EXPECT_EQ(reordered, store.select({}));
}

TEST(ReadPath, LabelFiltersKeepOrDropNames) {
    SeriesStore store;
    const SeriesRef ref = add(store, {{"__name__", "x"}, {"job", "a"}, {"le", "0.5"}, {"zone", "z"}});
    const std::vector<std::string> le_and_unknown = {"le", "never_seen", "le"};
    EXPECT_EQ(store.labels(ref, store.label_filter(le_and_unknown, true)).to_string(), "{le=\"0.5\"}");
    EXPECT_EQ(store.labels(ref, store.label_filter(le_and_unknown, false)).to_string(), "x{job=\"a\", zone=\"z\"}");
    const std::vector<std::string> name = {"__name__"};
    EXPECT_EQ(store.labels(ref, store.label_filter(name, false)), store.labels_without_metric_name(ref));
    EXPECT_EQ(store.labels(ref, store.label_filter({}, false)), store.labels(ref));
    EXPECT_EQ(store.labels_without_metric_name(ref), store.labels(ref).without_metric_name());
    EXPECT_TRUE(store.labels(SeriesRef{}, store.label_filter(name, true)).empty());
    store.prefetch_samples(ref);  // hints: no effect to check, but no crash on any ref
    store.prefetch_labels(ref);
    store.prefetch_samples(SeriesRef{});
    store.prefetch_labels(SeriesRef{});
}

}  // namespace
