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
    newer.replace(snapshot::k_magic.size(), 4, std::string("\x03\0\0\0", 4));
    r = store.load_snapshot_bytes(newer, k_now);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("version 3 is newer"), std::string::npos) << r.error().message;
    expect_empty_and_usable(store);
}

// Hand-built files: a payload is its entry count and entries, varints below 128 as single bytes.
namespace {

std::string bytes_of(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out.push_back(static_cast<char>(v));
    return out;
}

std::string symbols_record(std::initializer_list<std::string> texts, std::uint32_t version = snapshot::k_version) {
    std::string p(1, static_cast<char>(texts.size()));
    for (const auto& t : texts) {
        p.push_back(static_cast<char>(t.size()));
        p += t;
    }
    return snapshot::frame_record(1, p, version);
}

// flags, sequence, live series, zz oldest kept timestamp (0: zigzag of 0).
std::string commit(int flags, int sequence, int series) {
    return snapshot::frame_record(0, bytes_of({flags, sequence, series, 0}));
}

void expect_refused(const std::string& bytes, const std::string& why) {
    SeriesStore store;
    auto r = store.load_snapshot_bytes(bytes, k_now);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
    expect_empty_and_usable(store);
}

// One chunk of one sample at t = 0 with value 1.0: zz min_t, count, bits, 8 bytes.
std::string one_sample_chunk() { return bytes_of({0, 1, 64, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}); }

}  // namespace

TEST(Snapshot, WellFramedButInvalidContentsAreRefused) {
    using snapshot::frame_record;
    const std::string head = snapshot::header();
    const std::string base = head + commit(1, 0, 0);
    EXPECT_TRUE(SeriesStore().load_snapshot_bytes(base, k_now).ok());
    expect_refused(head, "no complete save");
    expect_refused(head + symbols_record({"a"}), "no commit record");
    expect_refused(head + commit(0, 0, 0), "does not start with a full save");
    expect_refused(base + commit(1, 1, 0), "a full save after the first");
    expect_refused(base + commit(0, 2, 0), "save 2 where 1 was due");
    expect_refused(head + commit(1, 0, 1), "commit counts 1 series");
    expect_refused(head + frame_record(0, bytes_of({1, 0, 0})), "malformed commit");
    expect_refused(head + frame_record(9, bytes_of({0})) + commit(1, 0, 0), "unknown record kind 9");
    expect_refused(head + frame_record(1, bytes_of({1, 5})) + commit(1, 0, 0), "malformed symbols");
    expect_refused(head + frame_record(1, bytes_of({5, 1})) + commit(1, 0, 0), "malformed record");
    expect_refused(head + frame_record(3, bytes_of({1, 7})) + commit(1, 0, 0), "removed series in a full save");
    expect_refused(head + frame_record(4, bytes_of({1, 7, 0, 0})) + commit(1, 0, 0), "appended samples in a full save");
    // slot 0, one label: symbol 7 of 2.
    expect_refused(head + symbols_record({"a", "b"}) +
                       frame_record(2, bytes_of({1, 0, 1, 0, 7, 1}) + one_sample_chunk()) + commit(1, 0, 1),
                   "unknown symbol");
    // Labels out of order (b before a) and duplicated.
    expect_refused(head + symbols_record({"a", "b", "v"}) +
                       frame_record(2, bytes_of({1, 0, 2, 1, 2, 0, 2, 1}) + one_sample_chunk()) + commit(1, 0, 1),
                   "not sorted");
    expect_refused(head + symbols_record({"a", "v"}) +
                       frame_record(2, bytes_of({1, 0, 2, 0, 1, 0, 1, 1}) + one_sample_chunk()) + commit(1, 0, 1),
                   "not sorted");
    // An empty label value.
    expect_refused(head + symbols_record({"a", ""}) +
                       frame_record(2, bytes_of({1, 0, 1, 0, 1, 1}) + one_sample_chunk()) + commit(1, 0, 1),
                   "empty label");
    // A series without chunks.
    expect_refused(head + symbols_record({"a", "v"}) + frame_record(2, bytes_of({1, 0, 1, 0, 1, 0})) + commit(1, 0, 1),
                   "malformed series record");
    // A chunk claiming 2 samples in 64 bits.
    expect_refused(head + symbols_record({"a", "v"}) +
                       frame_record(2, bytes_of({1, 0, 1, 0, 1, 1, 0, 2, 64, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0})) +
                       commit(1, 0, 1),
                   "malformed chunk");
    // The same slot twice, and the same labels under two slots.
    const std::string series0 = bytes_of({0, 1, 0, 1, 1}) + one_sample_chunk();
    const std::string series1 = bytes_of({1, 1, 0, 1, 1}) + one_sample_chunk();
    expect_refused(
        head + symbols_record({"a", "v"}) + frame_record(2, bytes_of({2}) + series0 + series0) + commit(1, 0, 2),
        "slot 0 appears twice");
    expect_refused(
        head + symbols_record({"a", "v"}) + frame_record(2, bytes_of({2}) + series0 + series1) + commit(1, 0, 2),
        "series appears twice");
    // Deltas about series the file does not have.
    const std::string one =
        head + symbols_record({"a", "v"}) + frame_record(2, bytes_of({1}) + series0) + commit(1, 0, 1);
    ASSERT_TRUE(SeriesStore().load_snapshot_bytes(one, k_now).ok());
    expect_refused(one + frame_record(3, bytes_of({1, 5})) + commit(0, 1, 0),
                   "removed series slot 5 is not in the file");
    expect_refused(one + frame_record(4, bytes_of({1, 5, 0, 1}) + one_sample_chunk()) + commit(0, 1, 1),
                   "appended series slot 5 is not in the file");
    // A new chunk not after the series' last sample, and an empty append.
    expect_refused(one + frame_record(4, bytes_of({1, 0, 0, 1}) + one_sample_chunk()) + commit(0, 1, 1),
                   "out of order");
    expect_refused(one + frame_record(4, bytes_of({1, 0, 0, 0})) + commit(0, 1, 1), "without samples");
    // A continuation that does not grow the chunk, and one whose first byte
    // contradicts it (the chunk ends at bit 64, a byte boundary, so use 65+).
    expect_refused(one + frame_record(4, bytes_of({1, 0, 64, 0})) + commit(0, 1, 1), "malformed continuation");
    // Removing the series, then appending to it.
    expect_refused(one + frame_record(3, bytes_of({1, 0})) +
                       frame_record(4, bytes_of({1, 0, 0, 1}) + one_sample_chunk()) + commit(0, 1, 0),
                   "appended series slot 0 is not in the file");
    // Removal then a new series in the same slot with the same labels is fine.
    auto r = SeriesStore().load_snapshot_bytes(one + frame_record(3, bytes_of({1, 0})) + symbols_record({"a", "v"}) +
                                                   frame_record(2, bytes_of({1}) + series0) + commit(0, 1, 1),
                                               k_now);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->saves, 2u);
}

// Version 1 files (before incremental saves) still load: the corpus file
// was written by that version's writer.
TEST(Snapshot, Version1FilesLoad) {
    const std::string v1 =
        tocsin::test::read_file(std::string(TOCSIN_SOURCE_DIR) + "/tests/fuzz/corpus/snapshot/small.snap");
    ASSERT_GT(v1.size(), snapshot::k_header_size);
    ASSERT_EQ(v1[snapshot::k_magic.size()], '\x01');
    SeriesStore loaded;
    loaded.set_retention(std::chrono::hours(24 * 365 * 100));
    auto r = loaded.load_snapshot_bytes(v1, k_now);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->saves, 1u);
    EXPECT_GT(r->series, 0u);
    EXPECT_GT(r->samples, 0u);
    // What it saves now is version 2 and loads back the same.
    const std::string v2 = loaded.snapshot_bytes();
    EXPECT_EQ(v2[snapshot::k_magic.size()], '\x02');
    SeriesStore again;
    again.set_retention(std::chrono::hours(24 * 365 * 100));
    ASSERT_TRUE(again.load_snapshot_bytes(v2, k_now).ok());
    expect_same(loaded, again);

    // Version 1's rules: zlib CRC-32, strict framing, end totals.
    const std::string head = snapshot::header(1);
    auto end = [](int series, int samples, int symbols) {
        return snapshot::frame_record(0, bytes_of({series, samples, symbols}), 1);
    };
    const std::string series = snapshot::frame_record(2, bytes_of({1, 1, 0, 1, 1}) + one_sample_chunk(), 1);
    const std::string good = head + symbols_record({"a", "v"}, 1) + series + end(1, 1, 2);
    r = SeriesStore().load_snapshot_bytes(good, k_now);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->series, 0u);  // its one sample, at t = 0, is far past retention
    EXPECT_EQ(r->series_dropped, 1u);
    expect_refused(head + symbols_record({"a", "v"}, 1) + series, "no end section");
    expect_refused(good + "x", "after the end section");
    expect_refused(good + end(1, 1, 2), "after the end section");
    expect_refused(head + symbols_record({"a", "v"}, 1) + series + end(1, 2, 2), "totals");
    expect_refused(head + symbols_record({"a", "v"}) + series + end(1, 1, 2), "checksum");
}

TEST(Snapshot, Crc32cMatchesKnownValuesAndThePortableCode) {
    EXPECT_EQ(snapshot::crc32c("123456789"), 0xe3069283u);
    EXPECT_EQ(snapshot::crc32c_portable("123456789"), 0xe3069283u);
    EXPECT_EQ(snapshot::crc32c(""), 0u);
    EXPECT_EQ(snapshot::crc32c(std::string(32, '\0')), 0x8a9136aau);
    std::string data;
    std::uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.push_back(static_cast<char>(x));
    }
    for (std::size_t n : {0, 1, 7, 8, 9, 23, 24, 25, 100, 3071, 3072, 3073, 4096, 9999, 20000}) {
        const std::string_view part(data.data() + 3, std::min<std::size_t>(n, data.size() - 3));
        EXPECT_EQ(snapshot::crc32c(part), snapshot::crc32c_portable(part)) << n;
        // Chained: the CRC of a whole is the CRC of its second part seeded with the first's.
        const std::size_t half = part.size() / 2;
        EXPECT_EQ(snapshot::crc32c(part.substr(half), snapshot::crc32c(part.substr(0, half))), snapshot::crc32c(part))
            << n;
    }
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
