#include "tocsin/series/snapshot_format.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "series_test_support.hpp"
#include "test_support.hpp"

using namespace tocsin::series;
using namespace tocsin::series::testing;
using namespace std::chrono_literals;
using tocsin::ErrorCategory;

namespace {

constexpr std::int64_t k_now = 1'700'000'000'000;

void fill(SeriesStore& store) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const SeriesRef up = store.get_or_create("up", std::vector<LabelView>{{"job", "api"}, {"instance", "a:1"}});
    const SeriesRef lat = store.get_or_create("latency_seconds", std::vector<LabelView>{{"job", "api"}, {"quantile", "0.99"}});
    const SeriesRef odd = store.get_or_create("odd", std::vector<LabelView>{{"path", "/a\"b\\c\nd"}, {"utf8", "ünï"}});
    for (int i = 0; i < 300; ++i) {
        const std::int64_t t = k_now - 3'600'000 + i * 12'000;
        store.append(up, t, 1.0);
        store.append(lat, t + 3, 0.1 * i);
    }
    store.append(odd, k_now - 5000, nan);
    store.append(odd, k_now - 4000, tocsin::stale_marker());
    store.append(odd, k_now - 3000, std::numeric_limits<double>::infinity());
    store.append(odd, k_now - 2000, -std::numeric_limits<double>::infinity());
    store.append(odd, k_now - 1000, -0.0);
    store.append(odd, k_now, std::bit_cast<double>(0xfff0000000000123ULL));
    add(store, {{"__name__", "no_samples"}});  // not written: nothing to restore
}

// Every series' labels and samples, in label order.
std::vector<std::pair<std::string, std::vector<Sample>>> dump(const SeriesStore& store) {
    std::vector<std::pair<std::string, std::vector<Sample>>> out;
    for (SeriesRef r : store.select({})) out.emplace_back(store.labels(r).to_string(), read_all(store, r));
    return out;
}

void expect_same(const SeriesStore& a, const SeriesStore& b) {
    const auto da = dump(a);
    const auto db = dump(b);
    ASSERT_EQ(da.size(), db.size());
    for (std::size_t i = 0; i < da.size(); ++i) {
        EXPECT_EQ(da[i].first, db[i].first);
        EXPECT_TRUE(same_samples(da[i].second, db[i].second)) << da[i].first;
    }
}

void expect_empty_and_usable(SeriesStore& store) {
    EXPECT_EQ(store.stats().series, 0u);
    EXPECT_EQ(store.stats().samples, 0u);
    const SeriesRef r = add(store, {{"__name__", "after_failure"}});
    ASSERT_TRUE(r.valid());
    EXPECT_EQ(store.append(r, 1, 1.0), AppendResult::appended);
    store.clear();
}

SeriesStore filled(std::chrono::milliseconds retention = 2h) {
    SeriesStore store;
    store.set_retention(retention);
    fill(store);
    return store;
}

}  // namespace

TEST(Snapshot, RoundTripsLabelsAndSamplesBitExactly) {
    tocsin::test::TempDir dir;
    SeriesStore original = filled();
    const std::string path = dir.file("series.snapshot");
    ASSERT_TRUE(original.write_snapshot(path).ok());
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

    SeriesStore loaded;
    loaded.set_retention(2h);
    auto report = loaded.load_snapshot(path, k_now);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->series, 3u);
    EXPECT_EQ(report->samples, 606u);
    EXPECT_EQ(report->samples_dropped, 0u);
    EXPECT_EQ(report->series_dropped, 0u);
    EXPECT_EQ(loaded.stats().series, 3u);
    original.gc(0);  // drop the sample-less series for the comparison
    expect_same(original, loaded);
    const auto odd = loaded.select(std::vector<Matcher>{Matcher::equals("__name__", "odd")});
    ASSERT_EQ(odd.size(), 1u);
    const auto samples = read_all(loaded, odd[0]);
    EXPECT_TRUE(tocsin::is_stale_marker(samples[1].v));
    EXPECT_FALSE(tocsin::is_stale_marker(samples[0].v));
    EXPECT_EQ(bits(samples[5].v), 0xfff0000000000123ULL);
    EXPECT_EQ(loaded.label_value(odd[0], "path"), "/a\"b\\c\nd");
    // The loaded store keeps working: appends continue after the last sample.
    EXPECT_EQ(loaded.append(odd[0], k_now, 1.0), AppendResult::duplicate_sample_for_timestamp);
    EXPECT_EQ(loaded.append(odd[0], k_now + 1, 1.0), AppendResult::appended);
}

TEST(Snapshot, BytesAreDeterministic) {
    SeriesStore original = filled();
    SeriesStore a;
    a.set_retention(2h);
    ASSERT_TRUE(a.load_snapshot_bytes(original.snapshot_bytes(), k_now).ok());
    SeriesStore b;
    b.set_retention(2h);
    ASSERT_TRUE(b.load_snapshot_bytes(a.snapshot_bytes(), k_now).ok());
    EXPECT_EQ(a.snapshot_bytes(), b.snapshot_bytes());
}

TEST(Snapshot, EmptyStoreRoundTrips) {
    SeriesStore empty;
    const std::string bytes = empty.snapshot_bytes();
    SeriesStore loaded;
    auto r = loaded.load_snapshot_bytes(bytes, k_now);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->series, 0u);
}

TEST(Snapshot, RetentionAppliesAtLoad) {
    SeriesStore original = filled();
    SeriesStore loaded;
    loaded.set_retention(30min);
    auto r = loaded.load_snapshot_bytes(original.snapshot_bytes(), k_now);
    ASSERT_TRUE(r.ok()) << r.error().message;
    // up and latency: samples every 12 s over the last hour; only t >= now - 30 min stay.
    std::vector<Sample> up;
    const auto refs = loaded.select(std::vector<Matcher>{Matcher::equals("__name__", "up")});
    ASSERT_EQ(refs.size(), 1u);
    up = read_all(loaded, refs[0]);
    ASSERT_FALSE(up.empty());
    EXPECT_GE(up.front().t, k_now - 1'800'000);
    EXPECT_LT(up.front().t - 12'000, k_now - 1'800'000);
    EXPECT_EQ(r->samples + r->samples_dropped, 606u);
    EXPECT_EQ(r->series, 3u);

    // A load far in the future: nothing is recent enough.
    SeriesStore later;
    later.set_retention(30min);
    r = later.load_snapshot_bytes(original.snapshot_bytes(), k_now + 3'600'000);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->series, 0u);
    EXPECT_EQ(r->series_dropped, 3u);
    EXPECT_EQ(r->samples_dropped, 606u);
    EXPECT_EQ(later.stats().series, 0u);
}

TEST(Snapshot, AdmissionAppliesAtLoad) {
    SeriesStore original = filled();
    SeriesStore loaded;
    loaded.set_retention(2h);
    loaded.set_admission({{Matcher::equals("__name__", "up")}}, false);
    auto r = loaded.load_snapshot_bytes(original.snapshot_bytes(), k_now);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->series, 1u);
    EXPECT_EQ(r->series_dropped, 2u);
    EXPECT_EQ(loaded.stats().series, 1u);
}

TEST(Snapshot, LoadReplacesExistingContents) {
    SeriesStore original = filled();
    SeriesStore loaded;
    loaded.set_retention(2h);
    add(loaded, {{"__name__", "stale_leftover"}});
    ASSERT_TRUE(loaded.load_snapshot_bytes(original.snapshot_bytes(), k_now).ok());
    EXPECT_TRUE(loaded.select(std::vector<Matcher>{Matcher::equals("__name__", "stale_leftover")}).empty());
    EXPECT_EQ(loaded.stats().series, 3u);
}

TEST(Snapshot, EveryTruncationIsACleanError) {
    SeriesStore small;
    const SeriesRef r = small.get_or_create("m", std::vector<LabelView>{{"a", "b"}});
    for (int i = 0; i < 5; ++i) small.append(r, k_now + i, i * 0.5);
    const std::string bytes = small.snapshot_bytes();
    ASSERT_GT(bytes.size(), 40u);
    SeriesStore loaded;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        auto result = loaded.load_snapshot_bytes(std::string_view(bytes).substr(0, n), k_now);
        ASSERT_FALSE(result.ok()) << "prefix of " << n << " bytes loaded";
        EXPECT_EQ(result.error().category, ErrorCategory::invalid_argument);
        EXPECT_EQ(result.error().message.rfind("snapshot: ", 0), 0u) << result.error().message;
        ASSERT_NO_FATAL_FAILURE(expect_empty_and_usable(loaded));
    }
    EXPECT_TRUE(loaded.load_snapshot_bytes(bytes, k_now).ok());
}

TEST(Snapshot, EveryFlippedByteIsDetected) {
    SeriesStore small;
    const SeriesRef r = small.get_or_create("m", std::vector<LabelView>{{"a", "b"}});
    for (int i = 0; i < 5; ++i) small.append(r, k_now + i, i * 0.5);
    const std::string bytes = small.snapshot_bytes();
    SeriesStore loaded;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        for (unsigned char mask : {0x01, 0x80, 0xff}) {
            std::string damaged = bytes;
            damaged[i] = static_cast<char>(damaged[i] ^ mask);
            auto result = loaded.load_snapshot_bytes(damaged, k_now);
            ASSERT_FALSE(result.ok()) << "byte " << i << " mask " << int(mask);
            if (i >= snapshot::k_header_size) {
                // Past the header, a flip is a checksum mismatch unless it hits
                // a section's length field, which misframes the file first.
                const std::string& msg = result.error().message;
                EXPECT_TRUE(msg.find("checksum") != std::string::npos || msg.find("truncated") != std::string::npos ||
                            msg.find("claims") != std::string::npos)
                    << i << ": " << msg;
            }
            ASSERT_NO_FATAL_FAILURE(expect_empty_and_usable(loaded));
        }
    }
}

TEST(Snapshot, ForeignAndNewerFilesAreRefusedClearly) {
    SeriesStore store;
    const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    auto r = store.load_snapshot_bytes(png, k_now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::invalid_argument);
    EXPECT_NE(r.error().message.find("not a tocsin series snapshot"), std::string::npos) << r.error().message;
    EXPECT_FALSE(store.load_snapshot_bytes("PK\x03\x04", k_now).ok());
    EXPECT_NE(store.load_snapshot_bytes("", k_now).error().message.find("empty"), std::string::npos);

    SeriesStore filled_store = filled();
    std::string newer = filled_store.snapshot_bytes();
    newer.replace(snapshot::k_magic.size(), 4, std::string("\x02\0\0\0", 4));
    r = store.load_snapshot_bytes(newer, k_now);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("version 2 is newer"), std::string::npos) << r.error().message;
    expect_empty_and_usable(store);
}

TEST(Snapshot, WellFramedButInvalidContentsAreRefused) {
    using snapshot::frame_section;
    const std::string head = snapshot::header();
    auto end = [](int series, int samples, int symbols) {
        std::string p;
        p.push_back(static_cast<char>(series));
        p.push_back(static_cast<char>(samples));
        p.push_back(static_cast<char>(symbols));
        return frame_section(0, p);
    };
    auto symbols = [](std::initializer_list<std::string> texts) {
        std::string p(1, static_cast<char>(texts.size()));
        for (const auto& t : texts) {
            p.push_back(static_cast<char>(t.size()));
            p += t;
        }
        return frame_section(1, p);
    };
    auto expect_refused = [](const std::string& bytes, const std::string& why) {
        SeriesStore store;
        auto r = store.load_snapshot_bytes(bytes, k_now);
        ASSERT_FALSE(r.ok()) << why;
        EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
        expect_empty_and_usable(store);
    };
    EXPECT_TRUE(SeriesStore().load_snapshot_bytes(head + end(0, 0, 0), k_now).ok());
    expect_refused(head, "no end section");
    expect_refused(head + end(0, 0, 0) + "x", "after the end section");
    expect_refused(head + end(1, 0, 0), "totals");
    expect_refused(head + frame_section(9, "") + end(0, 0, 0), "unknown section kind 9");
    expect_refused(head + frame_section(1, std::string("\x05\x01", 2)) + end(0, 0, 0), "malformed symbols");
    // A series referring to symbol 7 of 2.
    expect_refused(head + symbols({"a", "b"}) + frame_section(2, std::string("\x01\x01\x00\x07\x00", 5)) + end(1, 0, 2),
                   "unknown symbol");
    // Labels out of order (b before a) and duplicated.
    expect_refused(head + symbols({"a", "b", "v"}) +
                       frame_section(2, std::string("\x01\x02\x01\x02\x00\x02\x00", 7)) + end(1, 0, 3),
                   "not sorted");
    expect_refused(head + symbols({"a", "v"}) + frame_section(2, std::string("\x01\x02\x00\x01\x00\x01\x00", 7)) +
                       end(1, 0, 2),
                   "not sorted");
    // An empty label value.
    expect_refused(head + symbols({"a", ""}) + frame_section(2, std::string("\x01\x01\x00\x01\x00", 5)) + end(1, 0, 2),
                   "empty label");
    // A chunk claiming 2 samples in 64 bits.
    std::string chunk("\x01\x01\x00\x01\x01\x00\x02\x40", 8);
    chunk += std::string(8, '\0');
    expect_refused(head + symbols({"a", "v"}) + frame_section(2, chunk) + end(1, 2, 2), "malformed chunk");
}

TEST(Snapshot, DuplicateSeriesAreRefused) {
    SeriesStore one;
    const SeriesRef r = one.get_or_create("m", std::vector<LabelView>{});
    one.append(r, k_now, 1.0);
    const std::string bytes = one.snapshot_bytes();
    // header | symbols section | series section | end section: repeat the series section.
    const std::size_t symbols_len = 9 + static_cast<unsigned char>(bytes[snapshot::k_header_size + 1]);
    const std::size_t series_at = snapshot::k_header_size + symbols_len;
    const std::size_t series_len = 9 + static_cast<unsigned char>(bytes[series_at + 1]);
    const std::string series_section = bytes.substr(series_at, series_len);
    std::string end;
    end.push_back(2);
    end.push_back(2);
    end.push_back(2);
    const std::string twice = bytes.substr(0, series_at + series_len) + series_section + snapshot::frame_section(0, end);
    SeriesStore loaded;
    auto result = loaded.load_snapshot_bytes(twice, k_now);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("twice"), std::string::npos) << result.error().message;
    expect_empty_and_usable(loaded);
}

TEST(Snapshot, FileErrorsAreIoOrNotFound) {
    tocsin::test::TempDir dir;
    SeriesStore store;
    auto missing = store.load_snapshot(dir.file("absent"), k_now);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().category, ErrorCategory::not_found);

    const std::string bad_dir = dir.file("no/such/dir/series.snapshot");
    const auto st = filled().write_snapshot(bad_dir);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().category, ErrorCategory::io);
    EXPECT_NE(st.error().message.find(bad_dir), std::string::npos) << st.error().message;

    dir.write("png", std::string("\x89PNG\r\n\x1a\n", 8));
    auto foreign = store.load_snapshot(dir.file("png"), k_now);
    ASSERT_FALSE(foreign.ok());
    EXPECT_EQ(foreign.error().category, ErrorCategory::invalid_argument);
    EXPECT_NE(foreign.error().message.find(dir.file("png")), std::string::npos);

    dir.write("empty", "");
    auto empty = store.load_snapshot(dir.file("empty"), k_now);
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message.find("empty file"), std::string::npos) << empty.error().message;
}

TEST(Snapshot, FailedWriteLeavesThePreviousSnapshotIntact) {
    tocsin::test::TempDir dir;
    const std::string path = dir.file("series.snapshot");
    SeriesStore first = filled();
    ASSERT_TRUE(first.write_snapshot(path).ok());
    const std::string before = tocsin::test::read_file(path);

    // A directory where the temp file should go: the write fails early.
    std::filesystem::create_directory(path + ".tmp");
    SeriesStore second;
    add(second, {{"__name__", "other"}});
    second.append(second.select({})[0], k_now, 1);
    const auto st = second.write_snapshot(path);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().category, ErrorCategory::io);
    EXPECT_TRUE(st.error().retryable);
    EXPECT_EQ(tocsin::test::read_file(path), before);

    SeriesStore loaded;
    loaded.set_retention(2h);
    ASSERT_TRUE(loaded.load_snapshot(path, k_now).ok());
    EXPECT_EQ(loaded.stats().series, 3u);

    // Once the obstacle is gone the new snapshot replaces the old one.
    std::filesystem::remove(path + ".tmp");
    ASSERT_TRUE(second.write_snapshot(path).ok());
    ASSERT_TRUE(loaded.load_snapshot(path, k_now).ok());
    EXPECT_EQ(loaded.stats().series, 1u);
}
