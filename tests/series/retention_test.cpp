#include <gtest/gtest.h>

#include "series_test_support.hpp"

using namespace tocsin::series;
using namespace tocsin::series::testing;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t k_min = 60'000;
}

// Retention 30 min: chunks are cut every 10 min (a third), so with one
// sample a minute each chunk holds minutes [10k, 10k+9].
TEST(Retention, GcFreesWholeChunksAndEmptySeries) {
    SeriesStore store;
    store.set_retention(30min);
    EXPECT_EQ(store.retention(), 30min);
    const SeriesRef a = add(store, {{"__name__", "m"}, {"id", "a"}});
    const SeriesRef b = add(store, {{"__name__", "m"}, {"id", "b-unique"}});
    for (std::int64_t m = 0; m < 60; ++m) store.append(a, m * k_min, 1.0);
    for (std::int64_t m = 0; m <= 20; ++m) store.append(b, m * k_min, 2.0);
    const StoreStats before = store.stats();
    EXPECT_EQ(before.series, 2u);
    EXPECT_EQ(before.samples, 81u);
    EXPECT_EQ(before.chunks, 6u + 3u);

    // Nothing is older than 30 min at minute 29.
    GcReport r = store.gc(29 * k_min);
    EXPECT_EQ(r.series_removed, 0u);
    EXPECT_EQ(r.chunks_removed, 0u);

    // At minute 60 the cutoff is minute 30: a keeps minutes 30..59, b goes.
    r = store.gc(60 * k_min);
    EXPECT_EQ(r.series_removed, 1u);
    EXPECT_EQ(r.chunks_removed, 3u + 3u);
    EXPECT_EQ(r.samples_removed, 30u + 21u);
    const StoreStats after = store.stats();
    EXPECT_EQ(after.series, 1u);
    EXPECT_EQ(after.samples, 30u);
    EXPECT_EQ(after.chunks, 3u);
    EXPECT_LT(after.memory_bytes, before.memory_bytes);
    EXPECT_LT(after.sample_bytes, before.sample_bytes);
    EXPECT_EQ(after.symbols, before.symbols - 1);  // "b-unique" released
    EXPECT_EQ(read_all(store, a).front().t, 30 * k_min);

    // b's ref is dead, its index entry gone; a is untouched.
    EXPECT_FALSE(store.contains(b));
    EXPECT_EQ(store.append(b, 61 * k_min, 1.0), AppendResult::unknown_series);
    EXPECT_TRUE(store.labels(b).empty());
    EXPECT_TRUE(store.select(std::vector<Matcher>{Matcher::equals("id", "b-unique")}).empty());
    EXPECT_EQ(store.select(std::vector<Matcher>{Matcher::equals("__name__", "m")}).size(), 1u);
    EXPECT_TRUE(store.contains(a));

    // The same labels come back as a new series with a new ref.
    const SeriesRef b2 = add(store, {{"__name__", "m"}, {"id", "b-unique"}});
    ASSERT_TRUE(b2.valid());
    EXPECT_NE(b2, b);
    EXPECT_EQ(b2.slot(), b.slot());  // the slot is reused, the generation tells them apart
    EXPECT_EQ(store.append(b, 61 * k_min, 1.0), AppendResult::unknown_series);
    EXPECT_EQ(store.append(b2, 61 * k_min, 1.0), AppendResult::appended);
    EXPECT_EQ(store.select(std::vector<Matcher>{Matcher::equals("id", "b-unique")}).size(), 1u);
}

TEST(Retention, SeriesWithoutSamplesGoAtTheNextGc) {
    SeriesStore store;
    add(store, {{"__name__", "never_appended"}});
    EXPECT_EQ(store.gc(0).series_removed, 1u);
    EXPECT_EQ(store.stats().series, 0u);
}

TEST(Retention, GcEverythingThenReuse) {
    SeriesStore store;
    store.set_retention(10min);
    std::vector<SeriesRef> refs;
    for (int i = 0; i < 3000; ++i) {
        refs.push_back(store.get_or_create("m", std::vector<LabelView>{{"i", std::to_string(i)}, {"job", "x"}}));
        store.append(refs.back(), 0, i);
    }
    const std::size_t full = store.stats().memory_bytes;
    EXPECT_EQ(store.gc(11 * k_min).series_removed, 3000u);
    const StoreStats st = store.stats();
    EXPECT_EQ(st.series, 0u);
    EXPECT_EQ(st.samples, 0u);
    EXPECT_EQ(st.chunks, 0u);
    EXPECT_EQ(st.symbols, 0u);
    EXPECT_EQ(st.sample_bytes, 0u);
    EXPECT_EQ(st.chunk_bytes, 0u);
    // Pages, tables and vectors keep their capacity for the next series.
    EXPECT_LT(st.memory_bytes, full);
    EXPECT_TRUE(store.select({}).empty());
    // Slots, postings and symbols are all reusable.
    for (int i = 0; i < 3000; i += 2) {
        const SeriesRef r = store.get_or_create("m", std::vector<LabelView>{{"i", std::to_string(i)}, {"job", "x"}});
        ASSERT_TRUE(r.valid());
        EXPECT_EQ(store.append(r, 12 * k_min, 1), AppendResult::appended);
    }
    EXPECT_EQ(store.select(std::vector<Matcher>{Matcher::equals("job", "x")}).size(), 1500u);
    EXPECT_EQ(store.select(std::vector<Matcher>{Matcher::equals("i", "42")}).size(), 1u);
    EXPECT_TRUE(store.select(std::vector<Matcher>{Matcher::equals("i", "43")}).empty());
}

TEST(Retention, ChurnKeepsIndexConsistent) {
    // Series come and go in waves; after each gc every label lookup must
    // agree with a brute-force scan.
    SeriesStore store;
    store.set_retention(5min);
    std::int64_t now = 0;
    for (int wave = 0; wave < 8; ++wave) {
        for (int i = 0; i < 400; ++i) {
            if ((i + wave) % 3 == 0) continue;
            const SeriesRef r = store.get_or_create(
                "m", std::vector<LabelView>{{"i", std::to_string(i)}, {"w", std::to_string(wave % 2)}});
            store.append(r, now, 1.0);
        }
        now += 3 * k_min;
        store.gc(now);
        const auto all = store.select({});
        EXPECT_EQ(all.size(), store.stats().series);
        for (const char* w : {"0", "1"}) {
            std::size_t brute = 0;
            for (auto r : all) brute += store.label_value(r, "w") == w ? 1 : 0;
            EXPECT_EQ(store.select(std::vector<Matcher>{Matcher::equals("w", w)}).size(), brute);
        }
        for (auto r : all) EXPECT_EQ(store.find(store.labels(r)), r);
    }
}

TEST(Admission, OnlySeriesSomeSelectorMatchesAreStored) {
    SeriesStore store;
    store.set_admission({{Matcher::equals("__name__", "up")},
                         {matcher(Matcher::regex, "__name__", "http_.*"), Matcher::equals("code", "500")}},
                        false);
    EXPECT_TRUE(add(store, {{"__name__", "up"}, {"job", "a"}}).valid());
    EXPECT_TRUE(add(store, {{"__name__", "http_requests_total"}, {"code", "500"}}).valid());
    EXPECT_FALSE(add(store, {{"__name__", "http_requests_total"}, {"code", "200"}}).valid());
    EXPECT_FALSE(add(store, {{"__name__", "node_load1"}}).valid());
    const StoreStats st = store.stats();
    EXPECT_EQ(st.series, 2u);
    EXPECT_EQ(st.refused_series, 2u);
}

TEST(Admission, MatchersThatMatchEmptyAdmitSeriesLackingTheLabel) {
    SeriesStore store;
    store.set_admission({{Matcher::equals("__name__", "m"), matcher(Matcher::not_equal, "env", "dev")}}, false);
    EXPECT_TRUE(add(store, {{"__name__", "m"}}).valid());
    EXPECT_TRUE(add(store, {{"__name__", "m"}, {"env", "prod"}}).valid());
    EXPECT_FALSE(add(store, {{"__name__", "m"}, {"env", "dev"}}).valid());
}

TEST(Admission, KeepUnmatchedStoresEverythingAndNoSelectorsStoreNothing) {
    SeriesStore store;
    store.set_admission({}, true);
    EXPECT_TRUE(add(store, {{"__name__", "anything"}}).valid());
    SeriesStore strict;
    strict.set_admission({}, false);
    EXPECT_FALSE(add(strict, {{"__name__", "anything"}}).valid());
    SeriesStore unset;  // before any set_admission: everything
    EXPECT_TRUE(add(unset, {{"__name__", "anything"}}).valid());
}

TEST(Admission, ReloadDropsSeriesNoLongerAdmittedAtTheNextGc) {
    SeriesStore store;
    store.set_admission({{Matcher::equals("__name__", "up")}, {Matcher::equals("__name__", "errors")}}, false);
    const SeriesRef up = add(store, {{"__name__", "up"}});
    const SeriesRef errors = add(store, {{"__name__", "errors"}});
    store.append(up, 1000, 1);
    store.append(errors, 1000, 1);

    store.set_admission({{Matcher::equals("__name__", "errors")}}, false);
    // Existing series stay readable until gc; new ones follow the new rules.
    EXPECT_TRUE(store.contains(up));
    EXPECT_EQ(store.append(up, 2000, 1), AppendResult::appended);
    EXPECT_FALSE(add(store, {{"__name__", "up"}, {"job", "new"}}).valid());

    const GcReport r = store.gc(2000);
    EXPECT_EQ(r.series_removed, 1u);
    EXPECT_EQ(r.series_not_admitted, 1u);
    EXPECT_FALSE(store.contains(up));
    EXPECT_TRUE(store.contains(errors));
    EXPECT_FALSE(add(store, {{"__name__", "up"}}).valid());

    // Widening again admits it anew.
    store.set_admission({}, true);
    EXPECT_EQ(store.gc(2000).series_removed, 0u);
    EXPECT_TRUE(add(store, {{"__name__", "up"}}).valid());
}
