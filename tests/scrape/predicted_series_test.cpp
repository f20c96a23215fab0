// The parser's fast path for repeated pages (SampleSink::expected_series):
// a line is handed over as "the expected series" only when a full parse
// would have read exactly that series, and everything after the series
// (value, timestamp, exemplar, errors) is parsed the same either way.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tocsin/scrape/exposition_parser.hpp"

namespace tocsin::scrape {
namespace {

struct Seen {
    bool predicted = false;
    std::string series;  // series_text, or the expected text when predicted
    double value = 0;
    std::optional<std::int64_t> timestamp;
    std::size_t line = 0;
    bool operator==(const Seen&) const = default;
};

// Expects the series of `expected` in order, as the scraper's cache does.
class PredictingSink final : public SampleSink {
public:
    explicit PredictingSink(std::vector<std::string> expected) : m_expected(std::move(expected)) {}
    std::vector<Seen> seen;

    ExpectedSeries expected_series() override {
        return m_next < m_expected.size() ? std::string_view(m_expected[m_next]) : std::string_view{};
    }
    void on_expected_sample(double value, std::optional<std::int64_t> ts, std::size_t line) override {
        seen.push_back(Seen{true, m_expected[m_next++], value, ts, line});
    }
    void on_sample(const SampleView& s) override {
        seen.push_back(Seen{false, std::string(s.series_text), s.value, s.timestamp_ms, s.line});
        ++m_next;
    }

private:
    std::vector<std::string> m_expected;
    std::size_t m_next = 0;
};

struct Outcome {
    std::vector<Seen> seen;
    std::optional<ParseError> error;
};

Outcome parse(ExpositionFormat format, std::string_view page, std::vector<std::string> expected) {
    PredictingSink sink(std::move(expected));
    ExpositionParser parser(format);
    auto result = parser.parse(page, sink);
    Outcome o;
    o.seen = sink.seen;
    if (auto* e = std::get_if<ParseError>(&result)) o.error = *e;
    return o;
}

Outcome text(std::string_view page, std::vector<std::string> expected) {
    return parse(ExpositionFormat::prometheus_text, page, std::move(expected));
}

TEST(PredictedSeries, SeriesTextIsThePagesOwnSpelling) {
    auto o = text("a 1\nb{x=\"1\", } 2\nc {y=\"\\\"\"}\t3 99\n", {});
    ASSERT_FALSE(o.error);
    ASSERT_EQ(o.seen.size(), 3u);
    EXPECT_EQ(o.seen[0].series, "a");
    EXPECT_EQ(o.seen[1].series, "b{x=\"1\", }");
    EXPECT_EQ(o.seen[2].series, "c {y=\"\\\"\"}");
    EXPECT_EQ(o.seen[2].timestamp, 99);
}

TEST(PredictedSeries, AMatchingLineSkipsToItsValue) {
    auto o = text("a{x=\"1\"} 5 1000\nb  6\nc\t7\n", {"a{x=\"1\"}", "b", "c"});
    ASSERT_FALSE(o.error);
    EXPECT_EQ(o.seen, (std::vector<Seen>{{true, "a{x=\"1\"}", 5, 1000, 1}, {true, "b", 6, {}, 2},
                                         {true, "c", 7, {}, 3}}));
}

TEST(PredictedSeries, APrefixThatIsNotTheWholeSeriesIsParsedInFull) {
    auto o = text("ab 1\na {x=\"1\"} 2\na{x=\"1\",y=\"2\"} 3\n", {"a", "a", "a{x=\"1\"}"});
    ASSERT_FALSE(o.error) << o.error->message;
    ASSERT_EQ(o.seen.size(), 3u);
    EXPECT_FALSE(o.seen[0].predicted);
    EXPECT_EQ(o.seen[0].series, "ab");
    EXPECT_FALSE(o.seen[1].predicted);
    EXPECT_EQ(o.seen[1].series, "a {x=\"1\"}");
    EXPECT_FALSE(o.seen[2].predicted);
}

TEST(PredictedSeries, ErrorsAfterThePredictedSeriesAreTheFullParsersErrors) {
    for (std::string page : {"a{x=\"1\"} oops\n", "a{x=\"1\"} 1 2 3\n", "a{x=\"1\"}\n", "a{x=\"1\"} 1 99999999999999999999\n"}) {
        auto predicted = text(page, {"a{x=\"1\"}"});
        auto full = text(page, {});
        ASSERT_TRUE(predicted.error) << page;
        ASSERT_TRUE(full.error) << page;
        EXPECT_EQ(predicted.error->line, full.error->line) << page;
        EXPECT_EQ(predicted.error->message, full.error->message) << page;
    }
}

TEST(PredictedSeries, OpenMetricsExemplarsAreCheckedOnPredictedLines) {
    auto ok = parse(ExpositionFormat::openmetrics, "a_total 1 # {t=\"1\"} 2\n# EOF\n", {"a_total"});
    ASSERT_FALSE(ok.error) << ok.error->message;
    ASSERT_EQ(ok.seen.size(), 1u);
    EXPECT_TRUE(ok.seen[0].predicted);
    const std::string bad = "a 1 # {t=\"1\"} 2\n# EOF\n";
    auto predicted = parse(ExpositionFormat::openmetrics, bad, {"a"});
    auto full = parse(ExpositionFormat::openmetrics, bad, {});
    ASSERT_TRUE(predicted.error);
    ASSERT_TRUE(full.error);
    EXPECT_EQ(predicted.error->message, full.error->message);
}

// Each page parsed with the previous page's series as predictions gives the
// same samples as a full parse of it.
TEST(PredictedSeries, PredictionsNeverChangeWhatAPageSays) {
    const std::vector<std::string> pages = {
        "# TYPE a counter\na{x=\"1\"} 1\na{x=\"2\"} 2\nb 3\nbb 4\nc{y=\"q\\\\\"} 5 100\n",
        "# TYPE a counter\na{x=\"1\"} 11\nb 13\na{x=\"2\"} 12\nbb 14\nc{y=\"q\\\\\"} 15 200\nd 16\n",
        "b{z=\"1\"} 21\nb 22\nbb 23\nbbb 24\na{x=\"1\"} 25\n",
        "b{z=\"1\"} 31\nb 32\nbb 33\nbbb 34\na{x=\"1\"} 35\n",
        // A raw line break in a label value: line numbers after it still count it.
        "m{v=\"one\ntwo\"} 1\nn 2\n",
        "m{v=\"one\ntwo\"} 3\nn 4\n",
    };
    std::vector<std::string> expected;
    for (const auto& page : pages) {
        auto full = text(page, {});
        auto predicted = text(page, expected);
        ASSERT_FALSE(full.error);
        ASSERT_FALSE(predicted.error);
        ASSERT_EQ(full.seen.size(), predicted.seen.size());
        // The sink's "next" follows the page, so it expects entry i at line i.
        for (std::size_t i = 0; i < full.seen.size(); ++i) {
            EXPECT_EQ(full.seen[i].series, predicted.seen[i].series) << page;
            EXPECT_EQ(full.seen[i].value, predicted.seen[i].value);
            EXPECT_EQ(full.seen[i].timestamp, predicted.seen[i].timestamp);
            EXPECT_EQ(full.seen[i].line, predicted.seen[i].line);
        }
        expected.clear();
        for (const auto& s : full.seen) expected.push_back(s.series);
    }
}

}  // namespace
}  // namespace tocsin::scrape
