// Selection semantics, checked against the cases of Prometheus'
// tsdb/querier_test.go TestPostingsForMatchers (v2.42).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "series_test_support.hpp"

using namespace tocsin::series;
using namespace tocsin::series::testing;
using S = std::vector<std::string>;

namespace {

class Select : public ::testing::Test {
protected:
    void SetUp() override {
        add(store, {{"n", "1"}});
        add(store, {{"n", "1"}, {"i", "a"}});
        add(store, {{"n", "1"}, {"i", "b"}});
        add(store, {{"n", "1"}, {"i", "\n"}});
        add(store, {{"n", "2"}});
        add(store, {{"n", "2.5"}});
    }
    S sel(std::vector<Matcher> ms) const { return select_strings(store, ms); }
    static Matcher eq(const char* n, const char* v) { return matcher(Matcher::equal, n, v); }
    static Matcher ne(const char* n, const char* v) { return matcher(Matcher::not_equal, n, v); }
    static Matcher re(const char* n, const char* v) { return matcher(Matcher::regex, n, v); }
    static Matcher nre(const char* n, const char* v) { return matcher(Matcher::not_regex, n, v); }

    SeriesStore store;
};

const std::string n1 = "{n=\"1\"}";
const std::string n1a = "{i=\"a\", n=\"1\"}";
const std::string n1b = "{i=\"b\", n=\"1\"}";
const std::string n1nl = "{i=\"\\n\", n=\"1\"}";
const std::string n2 = "{n=\"2\"}";
const std::string n25 = "{n=\"2.5\"}";

}  // namespace

TEST_F(Select, Equality) {
    EXPECT_EQ(sel({eq("n", "1")}), (S{n1nl, n1a, n1b, n1}));
    EXPECT_EQ(sel({eq("n", "1"), eq("i", "a")}), (S{n1a}));
    EXPECT_EQ(sel({eq("n", "1"), eq("i", "missing")}), S{});
    EXPECT_EQ(sel({eq("missing", "x")}), S{});
    EXPECT_EQ(sel({eq("missing", "")}), (S{n1nl, n1a, n1b, n1, n2, n25}));
    EXPECT_EQ(sel({}), (S{n1nl, n1a, n1b, n1, n2, n25}));
}

TEST_F(Select, EmptyValueSelectsSeriesLackingTheLabel) {
    EXPECT_EQ(sel({eq("n", "1"), eq("i", "")}), (S{n1}));
    EXPECT_EQ(sel({eq("i", "")}), (S{n1, n2, n25}));
    EXPECT_EQ(sel({eq("n", "1"), ne("i", "")}), (S{n1nl, n1a, n1b}));
    EXPECT_EQ(sel({ne("i", "")}), (S{n1nl, n1a, n1b}));
}

TEST_F(Select, NotEqual) {
    EXPECT_EQ(sel({eq("n", "1"), ne("i", "a")}), (S{n1nl, n1b, n1}));
    EXPECT_EQ(sel({ne("n", "1")}), (S{n2, n25}));
    EXPECT_EQ(sel({ne("missing", "x")}), (S{n1nl, n1a, n1b, n1, n2, n25}));
}

TEST_F(Select, Regex) {
    EXPECT_EQ(sel({re("n", "^1$")}), (S{n1nl, n1a, n1b, n1}));
    EXPECT_EQ(sel({eq("n", "1"), re("i", "^a$")}), (S{n1a}));
    EXPECT_EQ(sel({eq("n", "1"), re("i", "^a?$")}), (S{n1a, n1}));
    EXPECT_EQ(sel({re("i", "^$")}), (S{n1, n2, n25}));
    EXPECT_EQ(sel({eq("n", "1"), re("i", "^$")}), (S{n1}));
    EXPECT_EQ(sel({eq("n", "1"), re("i", "^.*$")}), (S{n1a, n1b, n1}));  // '.' does not match "\n"
    EXPECT_EQ(sel({eq("n", "1"), re("i", "^.+$")}), (S{n1a, n1b}));
    EXPECT_EQ(sel({eq("n", "1"), re("i", ".*")}), (S{n1a, n1b, n1}));  // the fast path agrees
    EXPECT_EQ(sel({eq("n", "1"), re("i", ".+")}), (S{n1a, n1b}));
    EXPECT_EQ(sel({re("n", "2.*")}), (S{n2, n25}));
    EXPECT_EQ(sel({re("n", "2")}), (S{n2}));  // anchored: not 2.5
    EXPECT_EQ(sel({re("n", ".")}), (S{n1nl, n1a, n1b, n1, n2}));
}

TEST_F(Select, RegexLiteralSets) {
    EXPECT_EQ(sel({eq("n", "1"), re("i", "a|b")}), (S{n1a, n1b}));
    EXPECT_EQ(sel({eq("n", "1"), re("i", "a|")}), (S{n1a, n1}));
    EXPECT_EQ(sel({re("n", "1|2.5")}), (S{n1nl, n1a, n1b, n1, n25}));
    EXPECT_EQ(sel({re("n", "1|nothing")}), (S{n1nl, n1a, n1b, n1}));
    EXPECT_EQ(sel({re("n", "x|y")}), S{});
    EXPECT_EQ(sel({re("i", "a|b"), re("n", "2|1")}), (S{n1a, n1b}));
}

TEST_F(Select, NotRegex) {
    EXPECT_EQ(sel({eq("n", "1"), nre("i", "^a$")}), (S{n1nl, n1b, n1}));
    EXPECT_EQ(sel({eq("n", "1"), nre("i", "^a?$")}), (S{n1nl, n1b}));
    EXPECT_EQ(sel({eq("n", "1"), nre("i", "^$")}), (S{n1nl, n1a, n1b}));
    EXPECT_EQ(sel({eq("n", "1"), nre("i", "^.*$")}), (S{n1nl}));
    EXPECT_EQ(sel({eq("n", "1"), nre("i", "^.+$")}), (S{n1nl, n1}));
    EXPECT_EQ(sel({nre("n", "1|2.5")}), (S{n2}));
    EXPECT_EQ(sel({nre("n", "1"), nre("n", "2")}), (S{n25}));
    EXPECT_EQ(sel({eq("n", "1"), nre("i", "a|b|\n")}), (S{n1}));
}

TEST_F(Select, RegexOnMissingLabel) {
    EXPECT_EQ(sel({re("missing", "x")}), S{});
    EXPECT_EQ(sel({re("missing", "x|")}), (S{n1nl, n1a, n1b, n1, n2, n25}));
    EXPECT_EQ(sel({re("missing", ".*")}), (S{n1nl, n1a, n1b, n1, n2, n25}));
    EXPECT_EQ(sel({re("missing", ".+")}), S{});
    EXPECT_EQ(sel({nre("missing", "x")}), (S{n1nl, n1a, n1b, n1, n2, n25}));
    EXPECT_EQ(sel({nre("missing", ".*")}), S{});
}

TEST_F(Select, CombinationsAndCandidateFiltering) {
    // Many candidates, then a regex: both the postings-union and the
    // per-candidate strategies must give the same answer.
    SeriesStore big;
    for (int i = 0; i < 500; ++i) {
        big.get_or_create("m", std::vector<LabelView>{{"job", i % 2 ? "odd" : "even"},
                                                      {"id", std::to_string(i)},
                                                      {"code", std::to_string(200 + i % 5)}});
    }
    auto count = [&](std::vector<Matcher> ms) { return big.select(ms, SelectOrder::unordered).size(); };
    EXPECT_EQ(count({re("id", "1.*")}), 111u);                     // 1, 10-19, 100-199
    EXPECT_EQ(count({eq("job", "odd"), re("id", "1.*")}), 56u);    // candidates first, then per-series check
    EXPECT_EQ(count({eq("job", "odd"), eq("code", "201"), re("id", "1.*")}), 12u);
    EXPECT_EQ(count({re("code", "200|201"), eq("job", "even")}), 100u);
    EXPECT_EQ(count({re("code", "20[01]"), eq("job", "even")}), 100u);
    EXPECT_EQ(count({nre("code", "200|201"), ne("job", "even")}), 150u);
    EXPECT_EQ(count({eq("__name__", "m"), ne("code", "")}), 500u);
    // Sorted by labels: code first, then id as a string.
    const auto refs = big.select(std::vector<Matcher>{eq("code", "200"), re("id", "1.")});
    ASSERT_EQ(refs.size(), 2u);
    EXPECT_EQ(big.label_value(refs[0], "id"), "10");
    EXPECT_EQ(big.label_value(refs[1], "id"), "15");
}

TEST(SelectOrder, SortsByLabelPairsLikePrometheus) {
    SeriesStore store;
    add(store, {{"__name__", "b"}});
    add(store, {{"__name__", "a"}, {"z", "1"}});
    add(store, {{"__name__", "a"}});
    add(store, {{"__name__", "a"}, {"y", "2"}});
    add(store, {{"A", "x"}, {"__name__", "a"}});  // 'A' < '_' in byte order
    EXPECT_EQ(select_strings(store, {}),
              (S{"a{A=\"x\"}", "a{}", "a{y=\"2\"}", "a{z=\"1\"}", "b{}"}));
}

TEST(SelectOrder, LargeResultsSortLikeSmallOnes) {
    // Above 64 results the store sorts by precomputed string ranks; the
    // order must equal plain label-set comparison (tocsin::Labels' <=>).
    SeriesStore store;
    std::mt19937 rng(5);
    const std::vector<std::string> names = {"a", "aa", "b", "code", "job", "z"};
    for (int i = 0; i < 700; ++i) {
        std::vector<std::string> values;
        std::vector<LabelView> labels;
        values.reserve(names.size());
        for (const auto& n : names) {
            if (rng() % 3 == 0) continue;  // label sets of different sizes
            values.push_back(std::to_string(rng() % 4) + (rng() % 2 ? "x" : ""));
            labels.push_back({n, values.back()});
        }
        store.get_or_create(rng() % 2 ? "m" : "n", labels);
    }
    for (auto order : {std::vector<Matcher>{}, std::vector<Matcher>{Matcher::equals("__name__", "m")}}) {
        const auto refs = store.select(order);
        ASSERT_GT(refs.size(), 64u);
        for (std::size_t i = 1; i < refs.size(); ++i) {
            ASSERT_LT(store.labels(refs[i - 1]), store.labels(refs[i])) << i;
        }
    }
    // And the unordered variant returns the same set.
    auto sorted = store.select({});
    auto unordered = store.select({}, SelectOrder::unordered);
    auto by_id = [](SeriesRef a, SeriesRef b) { return a.id() < b.id(); };
    std::sort(sorted.begin(), sorted.end(), by_id);
    std::sort(unordered.begin(), unordered.end(), by_id);
    EXPECT_EQ(sorted, unordered);
}

TEST(SelectFiltering, ManyCandidatesUseTheMemoizedFilterCorrectly) {
    // More than 256 candidates: matchers run once per distinct value. With
    // job="api" (1000 candidates) against x's 2400 postings, the positive
    // regex filters candidates directly; the negative ones always do.
    SeriesStore store;
    auto x_of = [](int i) { return i % 5 != 0 ? "v" + std::to_string(i % 37) : std::string(); };
    for (int i = 0; i < 3000; ++i) {
        const std::string id = std::to_string(i);
        const std::string x = x_of(i);
        store.get_or_create("m", std::vector<LabelView>{{"job", i % 3 == 0 ? "api" : "web"}, {"i", id}, {"x", x}});
    }
    auto count = [&](const Matcher& m) {
        return store.select(std::vector<Matcher>{Matcher::equals("job", "api"), m}, SelectOrder::unordered).size();
    };
    auto brute = [&](const Matcher& m) {
        std::size_t n = 0;
        for (int i = 0; i < 3000; i += 3) n += m.matches(x_of(i)) ? 1 : 0;
        return n;
    };
    for (const auto& m : {matcher(Matcher::regex, "x", "v1.*"), matcher(Matcher::not_regex, "x", "v1.*"),
                          matcher(Matcher::regex, "x", "|v1.*"), matcher(Matcher::regex, "x", "v(1|2)"),
                          matcher(Matcher::not_equal, "x", "v3"), matcher(Matcher::regex, "x", ".+")}) {
        EXPECT_EQ(count(m), brute(m)) << m.to_string();
        EXPECT_GT(brute(m), 0u) << m.to_string();
    }
}
