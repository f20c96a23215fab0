#include "tocsin/core/labels.hpp"

#include <cmath>
#include <gtest/gtest.h>

using tocsin::Labels;

TEST(Labels, SortsByNameLastValueWinsEmptyValuesDropped) {
    Labels l{{"b", "2"}, {"a", "1"}, {"b", "3"}, {"c", ""}};
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l.items()[0].name, "a");
    EXPECT_EQ(l.get("b"), "3");
    EXPECT_FALSE(l.has("c"));
    EXPECT_EQ(l.get("missing"), "");
}

TEST(Labels, WithAndWithout) {
    Labels l{{"__name__", "up"}, {"job", "api"}};
    EXPECT_EQ(l.with("instance", "x:1").get("instance"), "x:1");
    EXPECT_FALSE(l.with("job", "").has("job"));
    EXPECT_EQ(l.without_metric_name(), (Labels{{"job", "api"}}));
    EXPECT_EQ(l.metric_name(), "up");
}

TEST(Labels, PrintsInPrometheusNotationWithEscapes) {
    Labels l{{"__name__", "http_requests_total"}, {"path", "/a\"b\\c\nd"}, {"code", "500"}};
    EXPECT_EQ(l.to_string(), "http_requests_total{code=\"500\", path=\"/a\\\"b\\\\c\\nd\"}");
    EXPECT_EQ(Labels{}.to_string(), "{}");
}

TEST(Labels, HashIsStableAndSeparatesBoundaries) {
    // A fixed value: fingerprints are persisted, so the hash must never change.
    EXPECT_EQ((Labels{{"a", "b"}}).hash(), (Labels{{"a", "b"}}).hash());
    EXPECT_NE((Labels{{"a", "bc"}}).hash(), (Labels{{"ab", "c"}}).hash());
    EXPECT_EQ(Labels{}.hash(), 0xcbf29ce484222325ULL);
}

TEST(Labels, StaleMarkerIsADistinctNaN) {
    double stale = tocsin::stale_marker();
    EXPECT_TRUE(std::isnan(stale));
    EXPECT_TRUE(tocsin::is_stale_marker(stale));
    EXPECT_FALSE(tocsin::is_stale_marker(std::nan("")));
    EXPECT_FALSE(tocsin::is_stale_marker(1.0));
}

TEST(Labels, NameRules) {
    EXPECT_TRUE(tocsin::is_valid_metric_name("job:http_requests:rate5m"));
    EXPECT_FALSE(tocsin::is_valid_label_name("job:rate"));
    EXPECT_FALSE(tocsin::is_valid_metric_name("0abc"));
    EXPECT_TRUE(tocsin::is_valid_label_name("_x9"));
    EXPECT_FALSE(tocsin::is_valid_label_name(""));
}

TEST(Labels, FromSortedAndEraseKeepTheInvariant) {
    const Labels full{{"__name__", "x"}, {"job", "a"}, {"le", "1"}};
    Labels copy = Labels::from_sorted(full.items());
    EXPECT_EQ(copy, full);
    EXPECT_TRUE(copy.erase("__name__"));
    EXPECT_EQ(copy, full.without_metric_name());
    EXPECT_FALSE(copy.erase("__name__"));
    EXPECT_TRUE(copy.erase("le"));
    EXPECT_EQ(copy, (Labels{{"job", "a"}}));
    EXPECT_FALSE(copy.erase("zzz"));
}
