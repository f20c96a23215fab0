#include "tocsin/series/series_store.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "series_test_support.hpp"

using namespace tocsin::series;
using namespace tocsin::series::testing;
using tocsin::Labels;

TEST(SeriesStore, SameLabelsInAnyOrderAreOneSeries) {
    SeriesStore store;
    const std::vector<LabelView> a = {{"job", "api"}, {"instance", "h:9100"}};
    const std::vector<LabelView> b = {{"instance", "h:9100"}, {"job", "api"}};
    const SeriesRef r1 = store.get_or_create("up", a);
    const SeriesRef r2 = store.get_or_create("up", b);
    ASSERT_TRUE(r1.valid());
    EXPECT_EQ(r1, r2);
    EXPECT_EQ(store.get_or_create(Labels{{"__name__", "up"}, {"job", "api"}, {"instance", "h:9100"}}), r1);
    const std::vector<LabelView> with_name = {{"job", "api"}, {"__name__", "up"}, {"instance", "h:9100"}};
    EXPECT_EQ(store.get_or_create({}, with_name), r1);
    EXPECT_EQ(store.stats().series, 1u);
    EXPECT_EQ(store.labels(r1).to_string(), "up{instance=\"h:9100\", job=\"api\"}");
    EXPECT_EQ(store.label_value(r1, "job"), "api");
    EXPECT_EQ(store.label_value(r1, "__name__"), "up");
    EXPECT_EQ(store.label_value(r1, "missing"), "");
}

TEST(SeriesStore, EmptyValuesAreAbsentLabelsAndLastDuplicateWins) {
    SeriesStore store;
    const SeriesRef r = store.get_or_create("m", std::vector<LabelView>{{"a", "1"}, {"b", ""}});
    EXPECT_EQ(store.get_or_create("m", std::vector<LabelView>{{"a", "1"}}), r);
    const SeriesRef d = store.get_or_create("m", std::vector<LabelView>{{"a", "0"}, {"a", "1"}});
    EXPECT_EQ(d, r);
    EXPECT_EQ(store.labels(r), (Labels{{"__name__", "m"}, {"a", "1"}}));
}

TEST(SeriesStore, RefusesEmptyLabelSetsAndEmptyNames) {
    SeriesStore store;
    EXPECT_FALSE(store.get_or_create({}, {}).valid());
    EXPECT_FALSE(store.get_or_create({}, std::vector<LabelView>{{"a", ""}}).valid());
    EXPECT_FALSE(store.get_or_create("m", std::vector<LabelView>{{"", "x"}}).valid());
    EXPECT_EQ(store.stats().series, 0u);
    EXPECT_EQ(store.stats().invalid_series, 3u);
}

TEST(SeriesStore, NamesSharingPrefixesSortAndMatchExactly) {
    SeriesStore store;
    const std::vector<LabelView> a = {{"ab", "1"}, {"a", "2"}, {"abc", "3"}, {"b", "4"}, {"aa", "5"}, {"A", "6"}};
    const std::vector<LabelView> b = {{"A", "6"}, {"b", "4"}, {"aa", "5"}, {"abc", "3"}, {"a", "2"}, {"ab", "1"}};
    const SeriesRef r = store.get_or_create({}, a);
    EXPECT_EQ(store.get_or_create({}, b), r);
    EXPECT_EQ(store.labels(r).to_string(), "{A=\"6\", a=\"2\", aa=\"5\", ab=\"1\", abc=\"3\", b=\"4\"}");
    // Values of every length, differing in a single byte anywhere, are distinct series.
    std::vector<std::pair<std::string, SeriesRef>> made;
    for (std::size_t len = 1; len <= 40; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string value(len, 'x');
            value[at] = 'y';
            made.emplace_back(value, store.get_or_create("m", std::vector<LabelView>{{"v", value}}));
        }
        made.emplace_back(std::string(len, 'x'), store.get_or_create("m", std::vector<LabelView>{{"v", std::string(len, 'x')}}));
    }
    EXPECT_EQ(store.stats().series, made.size() + 1);
    for (const auto& [value, ref] : made) {
        EXPECT_EQ(store.find("m", std::vector<LabelView>{{"v", value}}), ref) << value;
        EXPECT_EQ(store.label_value(ref, "v"), value);
    }
}

TEST(SeriesStore, FindNeverCreates) {
    SeriesStore store;
    const std::vector<LabelView> l = {{"job", "x"}};
    EXPECT_FALSE(store.find("up", l).valid());
    const SeriesRef r = store.get_or_create("up", l);
    EXPECT_EQ(store.find("up", l), r);
    EXPECT_EQ(store.find(Labels{{"__name__", "up"}, {"job", "x"}}), r);
    EXPECT_EQ(store.stats().series, 1u);
}

TEST(SeriesStore, ManyLabelsUseTheSlowPathCorrectly) {
    SeriesStore store;
    std::vector<std::string> names;
    for (int i = 0; i < 50; ++i) names.push_back("label_" + std::to_string(49 - i));
    std::vector<LabelView> views;
    for (const auto& n : names) views.push_back({n, "v"});
    const SeriesRef r = store.get_or_create("wide", views);
    ASSERT_TRUE(r.valid());
    std::reverse(views.begin(), views.end());
    EXPECT_EQ(store.get_or_create("wide", views), r);
    EXPECT_EQ(store.labels(r).size(), 51u);
}

TEST(SeriesStore, AppendFollowsPrometheusOrderingRules) {
    SeriesStore store;
    const SeriesRef r = add(store, {{"__name__", "m"}});
    EXPECT_EQ(store.append(r, 1000, 1.0), AppendResult::appended);
    EXPECT_EQ(store.append(r, 2000, 2.0), AppendResult::appended);
    EXPECT_EQ(store.append(r, 1500, 9.0), AppendResult::out_of_order);
    EXPECT_EQ(store.append(r, 1000, 1.0), AppendResult::out_of_order);  // older than newest, even if equal to an old one
    EXPECT_EQ(store.append(r, 2000, 2.0), AppendResult::duplicate);
    EXPECT_EQ(store.append(r, 2000, 3.0), AppendResult::duplicate_sample_for_timestamp);
    EXPECT_TRUE(is_accepted(AppendResult::duplicate));
    EXPECT_FALSE(is_accepted(AppendResult::out_of_order));
    EXPECT_EQ(store.append(r, 3000, 3.0), AppendResult::appended);
    EXPECT_EQ(store.stats().samples, 3u);
    EXPECT_TRUE(same_samples(read_all(store, r), {{1000, 1.0}, {2000, 2.0}, {3000, 3.0}}));
    EXPECT_EQ(store.append(SeriesRef{}, 4000, 1.0), AppendResult::unknown_series);
    EXPECT_STREQ(to_string(AppendResult::out_of_order), "out of order sample");
}

TEST(SeriesStore, DuplicateCheckIsBitwise) {
    SeriesStore store;
    const SeriesRef r = add(store, {{"__name__", "m"}});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    ASSERT_EQ(store.append(r, 1000, nan), AppendResult::appended);
    EXPECT_EQ(store.append(r, 1000, nan), AppendResult::duplicate);  // NaN != NaN, but same bits
    EXPECT_EQ(store.append(r, 1000, tocsin::stale_marker()), AppendResult::duplicate_sample_for_timestamp);
    ASSERT_EQ(store.append(r, 2000, 0.0), AppendResult::appended);
    EXPECT_EQ(store.append(r, 2000, -0.0), AppendResult::duplicate_sample_for_timestamp);  // 0.0 == -0.0, bits differ
}

TEST(SeriesStore, StaleMarkerRoundTripsAndIsNotAnOrdinaryNaN) {
    SeriesStore store;
    const SeriesRef r = add(store, {{"__name__", "m"}});
    store.append(r, 1000, 5.0);
    store.append(r, 2000, std::numeric_limits<double>::quiet_NaN());
    store.append(r, 3000, tocsin::stale_marker());
    const auto got = read_all(store, r);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_TRUE(std::isnan(got[1].v));
    EXPECT_FALSE(tocsin::is_stale_marker(got[1].v));
    EXPECT_TRUE(tocsin::is_stale_marker(got[2].v));
    EXPECT_TRUE(tocsin::is_stale_marker(store.last_sample(r)->v));
}

TEST(SeriesStore, WindowsAreInclusiveAtBothEnds) {
    SeriesStore store;
    const SeriesRef r = add(store, {{"__name__", "m"}});
    for (int i = 0; i <= 10; ++i) store.append(r, i * 1000, i);
    std::vector<Sample> out;
    EXPECT_EQ(store.samples(r, 2000, 5000, out), 4u);  // 2000, 3000, 4000, 5000
    EXPECT_EQ(out.front().t, 2000);
    EXPECT_EQ(out.back().t, 5000);
    out.clear();
    EXPECT_EQ(store.samples(r, 2001, 4999, out), 2u);  // PromQL's left-open range is mint + 1
    out.clear();
    EXPECT_EQ(store.samples(r, 5000, 5000, out), 1u);
    out.clear();
    EXPECT_EQ(store.samples(r, 5001, 5999, out), 0u);
    EXPECT_EQ(store.samples(r, 6000, 5000, out), 0u);
    EXPECT_EQ(store.samples(r, -100, -1, out), 0u);
    EXPECT_EQ(store.samples(r, 10'001, 20'000, out), 0u);
    EXPECT_EQ(store.samples(r, 10'000, 20'000, out), 1u);
    EXPECT_EQ(store.samples(SeriesRef{}, 0, 20'000, out), 0u);
}

TEST(SeriesStore, CursorAgreesWithFullReadsAcrossChunks) {
    SeriesStore store;
    store.set_retention(std::chrono::hours(6));  // chunks of 120 samples
    const SeriesRef r = add(store, {{"__name__", "m"}});
    std::vector<Sample> all;
    std::mt19937_64 rng(1);
    std::int64_t t = 1'700'000'000'000;
    for (int i = 0; i < 1000; ++i) {
        t += 15'000 + static_cast<std::int64_t>(rng() % 7);
        const Sample s{t, static_cast<double>(rng() % 1000) / 3.0};
        ASSERT_EQ(store.append(r, s.t, s.v), AppendResult::appended);
        all.push_back(s);
    }
    EXPECT_EQ(store.sample_count(r), 1000u);
    EXPECT_GE(store.stats().chunks, 9u);
    EXPECT_TRUE(same_samples(read_all(store, r), all));
    for (int round = 0; round < 300; ++round) {
        std::int64_t mint = all.front().t - 20'000 + static_cast<std::int64_t>(rng() % 15'100'000);
        std::int64_t maxt = mint + static_cast<std::int64_t>(rng() % 3'000'000);
        if (round % 10 == 0) mint = all[rng() % all.size()].t;  // exactly on samples
        if (round % 10 == 1) maxt = all[rng() % all.size()].t;
        std::vector<Sample> want;
        for (const Sample& s : all) {
            if (s.t >= mint && s.t <= maxt) want.push_back(s);
        }
        std::vector<Sample> got;
        store.samples(r, mint, maxt, got);
        ASSERT_TRUE(same_samples(got, want)) << mint << ".." << maxt;
    }
    SampleCursor c = store.cursor(r, all[500].t, all[502].t);
    Sample s;
    ASSERT_TRUE(c.next(s));
    EXPECT_EQ(s.t, all[500].t);
    ASSERT_TRUE(c.next(s));
    ASSERT_TRUE(c.next(s));
    EXPECT_FALSE(c.next(s));
    EXPECT_FALSE(c.next(s));
}

TEST(SeriesStore, RandomValuesRoundTripBitExactly) {
    SeriesStore store;
    std::mt19937_64 rng(99);
    std::vector<SeriesRef> refs;
    std::vector<std::vector<Sample>> want(20);
    for (int i = 0; i < 20; ++i) refs.push_back(store.get_or_create("m", std::vector<LabelView>{{"i", std::to_string(i)}}));
    for (int step = 0; step < 500; ++step) {
        for (int i = 0; i < 20; ++i) {
            const std::uint64_t raw = i % 2 == 0 ? rng() : std::bit_cast<std::uint64_t>(static_cast<double>(step * i));
            const Sample s{step * 10'000 + i, std::bit_cast<double>(raw)};
            ASSERT_EQ(store.append(refs[static_cast<std::size_t>(i)], s.t, s.v), AppendResult::appended);
            want[static_cast<std::size_t>(i)].push_back(s);
        }
    }
    for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(same_samples(read_all(store, refs[static_cast<std::size_t>(i)]), want[static_cast<std::size_t>(i)]));
    }
    EXPECT_EQ(store.stats().samples, 10'000u);
}

TEST(SeriesStore, StatsCountSeriesSamplesAndMemory) {
    SeriesStore store;
    store.set_retention(std::chrono::hours(1));  // one chunk holds all ten samples
    const StoreStats empty = store.stats();
    EXPECT_EQ(empty.series, 0u);
    EXPECT_EQ(empty.samples, 0u);
    std::vector<SeriesRef> refs;
    for (int i = 0; i < 1000; ++i) {
        refs.push_back(store.get_or_create("http_requests_total",
                                           std::vector<LabelView>{{"job", "api"}, {"instance", "host-" + std::to_string(i)}}));
    }
    for (int step = 0; step < 10; ++step) {
        for (auto r : refs) store.append(r, step * 15'000, step);
    }
    const StoreStats st = store.stats();
    EXPECT_EQ(st.series, 1000u);
    EXPECT_EQ(st.samples, 10'000u);
    EXPECT_EQ(st.chunks, 1000u);
    EXPECT_EQ(st.symbols, 1000u + 5);  // __name__, job, instance, the metric, api + hosts
    EXPECT_GT(st.sample_bytes, 10'000u);  // first values are 8 bytes raw
    EXPECT_EQ(st.memory_bytes, st.chunk_bytes + st.index_bytes + st.symbol_bytes + st.series_bytes);
    EXPECT_GT(st.memory_bytes, st.sample_bytes);
    // Not a benchmark, a sanity bound: far below Prometheus' ~3 KB per series.
    EXPECT_LT(st.memory_bytes / st.series, 1000u);
}

TEST(SeriesStore, MovedStoreKeepsItsSeries) {
    SeriesStore a;
    const SeriesRef r = add(a, {{"__name__", "m"}});
    a.append(r, 1, 1);
    SeriesStore b(std::move(a));
    EXPECT_EQ(b.sample_count(r), 1u);
}
