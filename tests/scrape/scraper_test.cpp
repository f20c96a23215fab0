// Scrapes of loopback pages into a real SeriesStore: labels, honor_labels,
// limits, all-or-nothing failures with line numbers, staleness, gzip bombs,
// oversized bodies and a one-million-series page.
#include "tocsin/scrape/scraper.hpp"

#include <boost/asio/io_context.hpp>
#include <cmath>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

#include "fake_target.hpp"
#include "tocsin/core/labels.hpp"

using namespace std::chrono_literals;
using testing::HasSubstr;
using tocsin::config::ScrapeConfig;
using tocsin::scrape::ScrapeReport;
using tocsin::scrape::Scraper;
using tocsin::series::Matcher;
using tocsin::series::SeriesStore;
using tocsin::test::FakeRequest;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;

namespace {

constexpr std::int64_t k_t0 = 1'700'000'000'000;

// A page server whose content the test changes between scrapes.
struct Page {
    std::string body;
    std::string content_type = "text/plain; version=0.0.4";
    std::string encoding;
    int status = 200;
};

class ScraperTest : public testing::Test {
protected:
    Page page;
    FakeTarget server{[this](const FakeRequest&) {
        FakeResponse r = FakeResponse::text(page.status, page.body);
        r.headers.emplace_back("Content-Type", page.content_type);
        if (!page.encoding.empty()) r.headers.emplace_back("Content-Encoding", page.encoding);
        return r;
    }};
    SeriesStore store;

    ScrapeConfig config() {
        ScrapeConfig c;
        c.job = "app";
        c.url = server.url("/metrics");
        c.instance = "127.0.0.1:" + std::to_string(server.port());
        c.timeout = 10s;
        return c;
    }

    ScrapeReport scrape(Scraper& s, std::int64_t t) {
        boost::asio::io_context io;
        tocsin::ManualClock clock{tocsin::TimePoint(std::chrono::milliseconds(t))};
        ScrapeReport out;
        s.run(io, store, clock, [&](const ScrapeReport& r) { out = r; });
        io.run();
        return out;
    }

    std::shared_ptr<Scraper> make(const ScrapeConfig& c) {
        auto s = Scraper::create(c);
        EXPECT_TRUE(s.ok());
        return *s;
    }

    // The samples of the one series matching `name` and `extra` matchers.
    std::vector<tocsin::series::Sample> samples(const std::string& name, std::vector<Matcher> extra = {}) {
        extra.push_back(Matcher::equals("__name__", name));
        auto refs = store.select(extra);
        EXPECT_EQ(refs.size(), 1u) << name;
        std::vector<tocsin::series::Sample> out;
        if (!refs.empty()) store.samples(refs[0], 0, INT64_MAX, out);
        return out;
    }
    double last(const std::string& name, std::vector<Matcher> extra = {}) {
        auto s = samples(name, std::move(extra));
        return s.empty() ? -1 : s.back().v;
    }
};

}  // namespace

TEST_F(ScraperTest, IngestsAPageWithTargetLabelsAndReportSeries) {
    page.body = "# TYPE http_requests_total counter\n"
                "http_requests_total{code=\"200\"} 10\n"
                "http_requests_total{code=\"500\"} 2\n"
                "temperature 21.5\n";
    auto s = make(config());
    auto r = scrape(*s, k_t0);
    EXPECT_TRUE(r.up) << r.error;
    EXPECT_EQ(r.samples_scraped, 3u);
    EXPECT_EQ(r.samples_appended, 3u);
    EXPECT_EQ(r.series_added, 3u);
    auto refs = store.select(std::vector<Matcher>{Matcher::equals("__name__", "http_requests_total")});
    ASSERT_EQ(refs.size(), 2u);
    tocsin::Labels l = store.labels(refs[0]);
    EXPECT_EQ(l.get("job"), "app");
    EXPECT_EQ(l.get("instance"), config().instance);
    EXPECT_EQ(last("temperature"), 21.5);
    auto up = samples("up");
    ASSERT_EQ(up.size(), 1u);
    EXPECT_EQ(up[0].t, k_t0);
    EXPECT_EQ(up[0].v, 1);
    EXPECT_EQ(last("scrape_samples_scraped"), 3);
    EXPECT_EQ(last("scrape_series_added"), 3);
    EXPECT_GE(last("scrape_duration_seconds"), 0);
}

TEST_F(ScraperTest, ConflictingLabelsAreExportedUnlessHonored) {
    page.body = "m{job=\"other\",instance=\"x\",exported_job=\"y\"} 1\n";
    auto c = config();
    c.labels = {{"env", "prod"}};
    auto s = make(c);
    ASSERT_TRUE(scrape(*s, k_t0).up);
    tocsin::Labels l = store.labels(store.select(std::vector<Matcher>{Matcher::equals("__name__", "m")}).at(0));
    EXPECT_EQ(l.get("job"), "app");
    EXPECT_EQ(l.get("exported_job"), "y");
    EXPECT_EQ(l.get("exported_exported_job"), "other");
    EXPECT_EQ(l.get("exported_instance"), "x");
    EXPECT_EQ(l.get("env"), "prod");

    SeriesStore other;
    store.clear();
    c.honor_labels = true;
    auto honoring = make(c);
    ASSERT_TRUE(scrape(*honoring, k_t0).up);
    tocsin::Labels h = store.labels(store.select(std::vector<Matcher>{Matcher::equals("__name__", "m")}).at(0));
    EXPECT_EQ(h.get("job"), "other");
    EXPECT_EQ(h.get("instance"), "x");
    EXPECT_EQ(h.get("env"), "prod");
}

TEST_F(ScraperTest, AMalformedLineFailsTheWholeScrapeAndStalesThePrevious) {
    page.body = "a 1\nb 2\n";
    auto s = make(config());
    ASSERT_TRUE(scrape(*s, k_t0).up);
    page.body = "a 3\nb 4\nc{oops 5\n";
    auto r = scrape(*s, k_t0 + 15000);
    EXPECT_FALSE(r.up);
    EXPECT_THAT(r.error, testing::StartsWith("line 3: "));
    EXPECT_EQ(r.samples_appended, 0u);
    EXPECT_EQ(r.stale_markers, 2u);
    auto a = samples("a");
    ASSERT_EQ(a.size(), 2u);  // 1, then the staleness marker; never 3
    EXPECT_EQ(a[0].v, 1);
    EXPECT_TRUE(tocsin::is_stale_marker(a[1].v));
    EXPECT_TRUE(store.select(std::vector<Matcher>{Matcher::equals("__name__", "c")}).empty());
    EXPECT_EQ(last("up"), 0);
}

TEST_F(ScraperTest, DisappearedSeriesGetAStalenessMarker) {
    page.body = "a 1\nb 2\n";
    auto s = make(config());
    scrape(*s, k_t0);
    page.body = "a 1\n";
    auto r = scrape(*s, k_t0 + 15000);
    EXPECT_TRUE(r.up);
    EXPECT_EQ(r.stale_markers, 1u);
    auto b = samples("b");
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[1].t, k_t0 + 15000);
    EXPECT_TRUE(tocsin::is_stale_marker(b[1].v));
    page.body = "a 1\nb 5\n";
    EXPECT_EQ(scrape(*s, k_t0 + 30000).series_added, 1u);
}

TEST_F(ScraperTest, ExplicitTimestampsAreKeptAndNotStaled) {
    page.body = "a 1 1699999999000\n";
    auto s = make(config());
    ASSERT_TRUE(scrape(*s, k_t0).up);
    EXPECT_EQ(samples("a").at(0).t, 1699999999000);
    page.body = "";
    EXPECT_EQ(scrape(*s, k_t0 + 15000).stale_markers, 0u);
}

TEST_F(ScraperTest, DuplicateSeriesInOnePageAreCountedNotFatal) {
    page.body = "a{x=\"1\"} 1\na{x=\"1\"} 2\n";
    auto s = make(config());
    auto r = scrape(*s, k_t0);
    EXPECT_TRUE(r.up);
    EXPECT_EQ(r.duplicates, 1u);
    EXPECT_EQ(last("a"), 1);
}

TEST_F(ScraperTest, LimitsFailTheScrapeWithTheLine) {
    page.body = "a 1\nb{x=\"1\",y=\"2\"} 2\nc 3\n";
    auto c = config();
    c.sample_limit = 2;
    auto r = scrape(*make(c), k_t0);
    EXPECT_FALSE(r.up);
    EXPECT_EQ(r.error, "line 3: sample_limit of 2 exceeded");

    c = config();
    c.label_limit = 4;  // __name__, x, y, job, instance = 5
    r = scrape(*make(c), k_t0 + 1);
    EXPECT_EQ(r.error, "line 2: label_limit of 4 exceeded (metric b has 5 labels)");

    c = config();
    page.body = "a{path=\"/a/very/long/path\"} 1\n";
    c.label_value_length_limit = 10;
    r = scrape(*make(c), k_t0 + 2);
    EXPECT_EQ(r.error, "line 1: label_value_length_limit of 10 exceeded by label path of a");
    EXPECT_TRUE(store.select(std::vector<Matcher>{Matcher::equals("__name__", "a")}).empty() ||
                samples("a").empty());
}

TEST_F(ScraperTest, ServerErrorsAndBadPages) {
    auto s = make(config());
    page.status = 503;
    page.body = "down";
    EXPECT_EQ(scrape(*s, k_t0).error, "server returned HTTP status 503");
    page.status = 200;
    page.body = "a{x=\"\xff\xfe\"} 1\n";
    auto r = scrape(*s, k_t0 + 1);
    EXPECT_FALSE(r.up);
    EXPECT_THAT(r.error, testing::StartsWith("line 1: "));
}

TEST_F(ScraperTest, OpenMetricsNeedsItsEof) {
    page.content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    page.body = "# TYPE a counter\na_total 1 1700000000.5\n# EOF\n";
    auto s = make(config());
    auto r = scrape(*s, k_t0);
    EXPECT_TRUE(r.up) << r.error;
    EXPECT_EQ(samples("a_total").at(0).t, 1700000000500);
    page.body = "# TYPE a counter\na_total 1\n";
    EXPECT_FALSE(scrape(*s, k_t0 + 15000).up);
}

TEST_F(ScraperTest, GzipPagesAndGzipBombs) {
    page.body = tocsin::test::gzip_compress("a 1\nb 2\n");
    page.encoding = "gzip";
    auto s = make(config());
    auto r = scrape(*s, k_t0);
    EXPECT_TRUE(r.up) << r.error;
    EXPECT_EQ(r.samples_scraped, 2u);

    page.body = tocsin::test::gzip_compress("# " + std::string(64 << 20, 'A') + "\n");  // 64 MiB of comment, ~64 KiB compressed
    auto c = config();
    c.body_size_limit = 1 << 20;
    auto bomb = scrape(*make(c), k_t0 + 1);
    EXPECT_FALSE(bomb.up);
    EXPECT_EQ(bomb.error, "body size limit of 1048576 bytes exceeded after decompression");

    page.body = tocsin::test::gzip_compress("a 1\n").substr(0, 10);
    EXPECT_THAT(scrape(*s, k_t0 + 2).error, HasSubstr("invalid gzip data"));
}

TEST_F(ScraperTest, BodyOverTheLimit) {
    page.body = std::string(2 << 20, '#') + "\n";
    auto c = config();
    c.body_size_limit = 1 << 20;
    auto r = scrape(*make(c), k_t0);
    EXPECT_FALSE(r.up);
    EXPECT_EQ(r.error, "body size limit exceeded");
}

TEST_F(ScraperTest, AMillionSeriesPage) {
    std::string body;
    body.reserve(40 << 20);
    body += "# TYPE node_series gauge\n";
    for (int i = 0; i < 1'000'000; ++i) {
        body += "node_series{shard=\"" + std::to_string(i % 1000) + "\",id=\"" + std::to_string(i) + "\"} " +
                std::to_string(i) + "\n";
    }
    page.body = std::move(body);
    auto c = config();
    c.timeout = 60s;
    auto r = scrape(*make(c), k_t0);
    EXPECT_TRUE(r.up) << r.error;
    EXPECT_EQ(r.samples_scraped, 1'000'000u);
    EXPECT_EQ(r.samples_appended, 1'000'000u);
    EXPECT_EQ(store.stats().series, 1'000'000u + 5u);  // plus up and the scrape_* series
}

TEST_F(ScraperTest, CachedSeriesDroppedByGcAreResolvedAgain) {
    page.body = "a 1\nb 2\n";
    auto s = make(config());
    ASSERT_TRUE(scrape(*s, k_t0).up);
    store.set_retention(1min);
    store.gc(k_t0 + 3600'000);  // everything aged out: every cached ref is now invalid
    ASSERT_EQ(store.stats().series, 0u);
    auto r = scrape(*s, k_t0 + 3600'000 + 1);
    EXPECT_TRUE(r.up) << r.error;
    EXPECT_EQ(r.samples_appended, 2u);
    EXPECT_EQ(last("b"), 2);
}

TEST_F(ScraperTest, RefusedSeriesAreRetriedOnlyAfterForgetRefusals) {
    store.set_admission({{Matcher::equals("__name__", "a")}}, false);
    page.body = "a 1\nb 2\n";
    auto s = make(config());
    auto r = scrape(*s, k_t0);
    EXPECT_TRUE(r.up);
    EXPECT_EQ(r.not_admitted, 1u);
    store.set_admission({{Matcher::equals("__name__", "a")}, {Matcher::equals("__name__", "b")}}, false);
    EXPECT_EQ(scrape(*s, k_t0 + 15000).not_admitted, 1u);  // the refusal is cached
    s->forget_refusals();
    EXPECT_EQ(scrape(*s, k_t0 + 30000).not_admitted, 0u);
    EXPECT_EQ(last("b"), 2);
}

// The cache predicts each line from the last page; every way a page can
// differ from the last one must still land each value in the right series.
TEST_F(ScraperTest, ChangedPagesLandEveryValueInItsSeries) {
    auto s = make(config());
    page.body = "a{x=\"1\"} 1\na{x=\"2\"} 2\nb 3\nc 4\n";
    ASSERT_TRUE(scrape(*s, k_t0).up);
    // A new series in the middle, one gone, the rest reordered, and one
    // respelled (blank and trailing comma): same series, new text.
    page.body = "c 14\na{x=\"3\"} 13\nb 12\na{ x=\"1\", } 11\n";
    auto r = scrape(*s, k_t0 + 15000);
    ASSERT_TRUE(r.up) << r.error;
    EXPECT_EQ(r.samples_appended, 4u);
    EXPECT_EQ(r.series_added, 2u);  // as in Prometheus, a new spelling counts as added
    EXPECT_EQ(last("a", {Matcher::equals("x", "1")}), 11);
    EXPECT_EQ(last("a", {Matcher::equals("x", "3")}), 13);
    EXPECT_EQ(last("b"), 12);
    EXPECT_EQ(last("c"), 14);
    EXPECT_TRUE(tocsin::is_stale_marker(last("a", {Matcher::equals("x", "2")})));
    // A bare name whose text is a prefix of the next line's name, and a bare
    // name followed by a label set after a blank: neither is the expected series.
    page.body = "cc 20\nb {x=\"9\"} 21\nc 22\na{x=\"3\"} 23\n";
    r = scrape(*s, k_t0 + 30000);
    ASSERT_TRUE(r.up) << r.error;
    EXPECT_EQ(last("cc"), 20);
    EXPECT_EQ(last("b", {Matcher::equals("x", "9")}), 21);
    EXPECT_EQ(last("c"), 22);
    EXPECT_EQ(last("a", {Matcher::equals("x", "3")}), 23);
    EXPECT_TRUE(tocsin::is_stale_marker(last("b", {Matcher::equals("x", "")})));
    // The same page again: every line is predicted, timestamps and errors still parsed.
    page.body = "cc 30\nb {x=\"9\"} 31 1700000040000\nc 32\na{x=\"3\"} 33\n";
    r = scrape(*s, k_t0 + 45000);
    ASSERT_TRUE(r.up) << r.error;
    EXPECT_EQ(r.samples_appended, 4u);
    EXPECT_EQ(samples("b", {Matcher::equals("x", "9")}).back().t, 1700000040000);
    page.body = "cc 40\nb {x=\"9\"} 41 x\n";
    r = scrape(*s, k_t0 + 60000);
    EXPECT_FALSE(r.up);
    EXPECT_THAT(r.error, HasSubstr("line 2:"));
    EXPECT_TRUE(tocsin::is_stale_marker(last("cc")));  // nothing of the failed page landed
}

TEST_F(ScraperTest, SpellingsOfOneSeriesInOnePageStayDuplicates) {
    auto s = make(config());
    page.body = "a{x=\"1\"} 1\na{x=\"1\",} 2\n";
    auto r = scrape(*s, k_t0);
    EXPECT_EQ(r.duplicates, 1u);
    page.body = "a{x=\"1\",} 3\n";  // one spelling gone: the series is still there
    r = scrape(*s, k_t0 + 15000);
    EXPECT_TRUE(r.up);
    EXPECT_EQ(r.stale_markers, 0u);
    EXPECT_EQ(last("a"), 3);
}

TEST_F(ScraperTest, AFormatChangeStalesOnlyWhatTheNewPageLacks) {
    auto s = make(config());
    page.body = "a_total 1\nb 2\n";
    ASSERT_TRUE(scrape(*s, k_t0).up);
    page.content_type = "application/openmetrics-text; version=1.0.0";
    page.body = "# TYPE a counter\na_total 5\n# EOF\n";
    auto r = scrape(*s, k_t0 + 15000);
    ASSERT_TRUE(r.up) << r.error;
    EXPECT_EQ(r.stale_markers, 1u);
    EXPECT_EQ(last("a_total"), 5);
    EXPECT_TRUE(tocsin::is_stale_marker(last("b")));
    page.body = "# TYPE a counter\na_total 6\n# EOF\n";
    EXPECT_EQ(scrape(*s, k_t0 + 30000).samples_appended, 1u);
    EXPECT_EQ(last("a_total"), 6);
}

TEST_F(ScraperTest, ALimitIsEnforcedOnPredictedLinesToo) {
    auto c = config();
    c.sample_limit = 2;
    auto s = make(c);
    page.body = "a 1\nb 2\n";
    ASSERT_TRUE(scrape(*s, k_t0).up);
    page.body = "a 1\nb 2\nc 3\n";
    auto r = scrape(*s, k_t0 + 15000);
    EXPECT_FALSE(r.up);
    EXPECT_EQ(r.reason, "sample_limit");
    EXPECT_THAT(r.error, HasSubstr("line 3:"));
}

TEST_F(ScraperTest, AClearedStoreStartsTheCacheOver) {
    auto s = make(config());
    page.body = "a 1\nb 2\n";
    ASSERT_TRUE(scrape(*s, k_t0).up);
    store.clear();
    page.body = "b 3\nz 4\n";  // new series may now reuse the old slots
    auto r = scrape(*s, k_t0 + 15000);
    ASSERT_TRUE(r.up) << r.error;
    EXPECT_EQ(r.samples_appended, 2u);
    EXPECT_EQ(samples("b").size(), 1u);
    EXPECT_EQ(last("b"), 3);
    EXPECT_EQ(last("z"), 4);
    EXPECT_TRUE(store.select(std::vector<Matcher>{Matcher::equals("__name__", "a")}).empty());
}
