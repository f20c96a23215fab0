// The incremental snapshot: a base and the deltas appended by later saves.
// Every test checks what matters after a restart: the file loads back as
// the store was at the last complete save.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <limits>
#include <map>
#include <random>

#include "series_test_support.hpp"
#include "test_support.hpp"
#include "tocsin/series/snapshot_format.hpp"

using namespace tocsin::series;
using namespace tocsin::series::testing;
using namespace std::chrono_literals;
using tocsin::ErrorCategory;

namespace {

constexpr std::int64_t k_start = 1'700'000'000'000;

// Every series' labels and its samples with t >= min_t, in label order;
// series without such samples are left out (a load drops them).
using Dump = std::vector<std::pair<std::string, std::vector<Sample>>>;

Dump dump(const SeriesStore& store, std::int64_t min_t = std::numeric_limits<std::int64_t>::min()) {
    Dump out;
    for (SeriesRef r : store.select({})) {
        std::vector<Sample> samples;
        store.samples(r, min_t, std::numeric_limits<std::int64_t>::max(), samples);
        if (!samples.empty()) out.emplace_back(store.labels(r).to_string(), std::move(samples));
    }
    return out;
}

::testing::AssertionResult same(const Dump& want, const Dump& got) {
    if (want.size() != got.size()) {
        return ::testing::AssertionFailure() << want.size() << " series wanted, " << got.size() << " loaded";
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].first != got[i].first) {
            return ::testing::AssertionFailure() << "series " << i << ": " << want[i].first << " vs " << got[i].first;
        }
        if (!same_samples(want[i].second, got[i].second)) {
            return ::testing::AssertionFailure()
                   << want[i].first << ": " << want[i].second.size() << " samples wanted, " << got[i].second.size()
                   << " loaded (or different values)";
        }
    }
    return ::testing::AssertionSuccess();
}

struct Loaded {
    tocsin::Result<LoadReport> report;
    Dump contents;
};

Loaded load_bytes(std::string_view bytes, std::int64_t now, std::chrono::milliseconds retention) {
    SeriesStore store;
    store.set_retention(retention);
    auto r = store.load_snapshot_bytes(bytes, now);
    Dump d = dump(store);
    if (r.ok()) {
        EXPECT_EQ(r->series, store.stats().series);
        EXPECT_EQ(r->samples, store.stats().samples);
    } else {
        EXPECT_EQ(store.stats().series, 0u);
    }
    return Loaded{std::move(r), std::move(d)};
}

// A fleet of series fed like scrapes: counters, gauges, and a value that
// goes stale now and then.
class Feeder {
public:
    explicit Feeder(SeriesStore& store) : m_store(store) {}

    SeriesRef series(int i) {
        const std::string name = i % 3 == 0 ? "requests_total" : i % 3 == 1 ? "temperature" : "up";
        const std::string instance = "host-" + std::to_string(i) + ":9100";
        return m_store.get_or_create(name, std::vector<LabelView>{{"instance", instance}, {"job", "node"}});
    }
    double value(int i, int k) const {
        switch (i % 3) {
            case 0:
                return static_cast<double>(k * (i + 1) * 7);
            case 1:
                return 20.0 + 0.37 * ((k * 13 + i) % 29) - 0.001 * k;
            default:
                return k % 17 == 5 ? tocsin::stale_marker() : 1.0;
        }
    }
    // One scrape of series [first, last) at t.
    void scrape(int first, int last, std::int64_t t) {
        for (int i = first; i < last; ++i) {
            const SeriesRef r = series(i);
            ASSERT_TRUE(r.valid());
            // Jitter like a real scheduler: a few ms either way.
            ASSERT_EQ(m_store.append(r, t + (i * 7 + m_k) % 5, value(i, m_k)), AppendResult::appended);
        }
        ++m_k;
    }

private:
    SeriesStore& m_store;
    int m_k = 0;
};

}  // namespace

TEST(SnapshotLog, SavesAppendDeltasThatLoadBackAcrossCompactions) {
    tocsin::test::TempDir dir;
    const std::string path = dir.file("series.snapshot");
    SeriesStore store;
    store.set_retention(5min);
    Feeder feed(store);
    std::int64_t t = k_start;
    int full_saves = 0;
    int delta_saves = 0;
    std::uintmax_t size_before_compaction = 0;
    // Scrapes between saves: usually a minute of 10 s scrapes; sometimes
    // nothing, one, or seven minutes' worth (several chunks sealed, and the
    // head the last save saw aged out by the next gc).
    const int scrapes_per_save[] = {6, 6, 1, 6, 0, 6, 42, 6, 6, 2, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6};
    for (std::size_t save = 0; save < std::size(scrapes_per_save); ++save) {
        // Series 0-29 always; 30-39 only in the first half (then aged out by
        // gc: removals); 40-44 from the middle on (new series in a delta).
        for (int k = 0; k < scrapes_per_save[save]; ++k) {
            t += 10'000;
            feed.scrape(0, 30, t);
            if (save < 8) feed.scrape(30, 40, t);
            if (save >= 10) feed.scrape(40, 45, t);
        }
        t += 1000;
        store.gc(t);
        const std::uintmax_t size = std::filesystem::exists(path) ? std::filesystem::file_size(path) : 0;
        auto saved = store.save_snapshot(path);
        ASSERT_TRUE(saved.ok()) << saved.error().message;
        EXPECT_EQ(saved->file_bytes, std::filesystem::file_size(path));
        if (saved->full) {
            ++full_saves;
            if (save > 0) size_before_compaction = std::max(size_before_compaction, size);
            EXPECT_EQ(saved->bytes, saved->file_bytes);
        } else {
            ++delta_saves;
            EXPECT_EQ(saved->file_bytes, size + saved->bytes);
        }
        Loaded loaded = load_bytes(tocsin::test::read_file(path), t, 5min);
        ASSERT_TRUE(loaded.report.ok()) << save << ": " << loaded.report.error().message;
        EXPECT_EQ(loaded.report->ignored_bytes, 0u);
        EXPECT_TRUE(same(dump(store, t - 300'000), loaded.contents)) << "after save " << save;
    }
    EXPECT_GE(full_saves, 2) << "the log never outgrew the base";
    EXPECT_GE(delta_saves, 15);
    // Compaction bounds the file: the base plus k_compact_ratio bases of deltas, about.
    EXPECT_GT(size_before_compaction, 0u);
}

TEST(SnapshotLog, EveryTornTailLoadsTheSaveBefore) {
    tocsin::test::TempDir dir;
    const std::string path = dir.file("series.snapshot");
    SeriesStore store;
    store.set_retention(1h);  // nothing ages out: every save's state is exact
    Feeder feed(store);
    std::int64_t t = k_start;
    std::vector<std::uintmax_t> ends;
    std::vector<Dump> states;
    for (int save = 0; save < 4; ++save) {
        for (int k = 0; k < 6; ++k) feed.scrape(0, 12 + 2 * save, t += 10'000);
        store.gc(t);
        auto saved = store.save_snapshot(path);
        ASSERT_TRUE(saved.ok()) << saved.error().message;
        EXPECT_EQ(saved->full, save == 0);
        ends.push_back(std::filesystem::file_size(path));
        states.push_back(dump(store));
    }
    const std::string bytes = tocsin::test::read_file(path);
    // kill -9 in the middle of the last save (or of any earlier one: what
    // follows a torn save is never read).
    for (std::size_t n = ends[0]; n < bytes.size(); ++n) {
        std::size_t complete = 0;
        while (complete + 1 < ends.size() && ends[complete + 1] <= n) ++complete;
        Loaded loaded = load_bytes(std::string_view(bytes).substr(0, n), t, 1h);
        ASSERT_TRUE(loaded.report.ok()) << n << ": " << loaded.report.error().message;
        EXPECT_EQ(loaded.report->saves, complete + 1) << n;
        EXPECT_EQ(loaded.report->ignored_bytes, n - ends[complete]) << n;
        if (n != ends[complete]) {
            EXPECT_FALSE(loaded.report->ignored_reason.empty());
        }
        ASSERT_TRUE(same(states[complete], loaded.contents)) << "truncated at " << n;
    }
    // A base cut short is no snapshot at all.
    for (std::size_t n = 0; n < ends[0]; n += 7) {
        Loaded loaded = load_bytes(std::string_view(bytes).substr(0, n), t, 1h);
        ASSERT_FALSE(loaded.report.ok()) << n;
        EXPECT_EQ(loaded.report.error().category, ErrorCategory::invalid_argument);
    }

    // After loading a torn file the first save rewrites it: the torn bytes
    // are gone and later saves append to a clean file.
    const std::uintmax_t torn = ends[2] + (ends[3] - ends[2]) / 2;
    std::filesystem::resize_file(path, torn);
    SeriesStore restarted;
    restarted.set_retention(1h);
    auto report = restarted.load_snapshot(path, t);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->ignored_bytes, torn - ends[2]);
    EXPECT_TRUE(same(states[2], dump(restarted)));
    Feeder again(restarted);
    for (int k = 0; k < 6; ++k) again.scrape(0, 3, t += 10'000);
    auto saved = restarted.save_snapshot(path);
    ASSERT_TRUE(saved.ok());
    EXPECT_TRUE(saved->full);
    for (int k = 0; k < 6; ++k) again.scrape(0, 3, t += 10'000);
    saved = restarted.save_snapshot(path);
    ASSERT_TRUE(saved.ok());
    EXPECT_FALSE(saved->full);
    Loaded loaded = load_bytes(tocsin::test::read_file(path), t, 1h);
    ASSERT_TRUE(loaded.report.ok());
    EXPECT_EQ(loaded.report->ignored_bytes, 0u);
    EXPECT_TRUE(same(dump(restarted), loaded.contents));
}

TEST(SnapshotLog, DamageInTheLogLoadsTheSaveBeforeItAndDamageInTheBaseNothing) {
    SeriesStore store;
    store.set_retention(1h);
    Feeder feed(store);
    std::int64_t t = k_start;
    std::string file;
    std::vector<std::size_t> ends;
    std::vector<Dump> states;
    for (int save = 0; save < 3; ++save) {
        for (int k = 0; k < 3; ++k) feed.scrape(0, 3 + save, t += 10'000);
        file += store.save_snapshot_bytes();
        ends.push_back(file.size());
        states.push_back(dump(store));
    }
    for (std::size_t i = 0; i < file.size(); ++i) {
        for (unsigned char mask : {0x01, 0x80, 0xff}) {
            std::string damaged = file;
            damaged[i] = static_cast<char>(damaged[i] ^ mask);
            Loaded loaded = load_bytes(damaged, t, 1h);
            if (i < ends[0]) {
                ASSERT_FALSE(loaded.report.ok()) << "byte " << i << " of the base";
                EXPECT_TRUE(loaded.contents.empty());
                continue;
            }
            std::size_t save = 0;
            while (ends[save] <= i) ++save;  // the save holding byte i
            ASSERT_TRUE(loaded.report.ok()) << i << ": " << loaded.report.error().message;
            EXPECT_EQ(loaded.report->saves, save) << i;
            EXPECT_EQ(loaded.report->ignored_bytes, file.size() - ends[save - 1]) << i;
            const std::string& why = loaded.report->ignored_reason;
            EXPECT_TRUE(why.find("checksum") != std::string::npos || why.find("truncated") != std::string::npos ||
                        why.find("claims") != std::string::npos)
                << i << ": " << why;
            ASSERT_TRUE(same(states[save - 1], loaded.contents)) << "byte " << i;
        }
    }
}

TEST(SnapshotLog, SeriesRemovedBetweenSavesStayRemovedAndMayComeBack) {
    SeriesStore store;
    store.set_retention(2min);
    Feeder feed(store);
    std::int64_t t = k_start;
    std::string file;
    auto save_and_check = [&](const char* when) {
        file += store.save_snapshot_bytes();
        Loaded loaded = load_bytes(file, t, 2min);
        EXPECT_TRUE(loaded.report.ok()) << when << ": " << loaded.report.error().message;
        EXPECT_TRUE(same(dump(store, t - 120'000), loaded.contents)) << when;
        return loaded;
    };
    for (int k = 0; k < 6; ++k) feed.scrape(0, 6, t += 10'000);
    save_and_check("base");
    // Series 3-5 go quiet (a target went away); a staleness marker ends them.
    for (int i = 3; i < 6; ++i)
        ASSERT_EQ(store.append(feed.series(i), t + 5000, tocsin::stale_marker()), AppendResult::appended);
    for (int k = 0; k < 18; ++k) feed.scrape(0, 3, t += 10'000);
    const auto report = store.gc(t);
    EXPECT_EQ(report.series_removed, 3u);
    Loaded loaded = save_and_check("after removal");
    EXPECT_EQ(loaded.report->series, 3u);
    // Their slots are reused by new series, and one of the old ones comes back.
    store.get_or_create("brand_new", std::vector<LabelView>{{"a", "1"}});
    store.append(store.find("brand_new", std::vector<LabelView>{{"a", "1"}}), t + 1, 42.0);
    for (int k = 0; k < 6; ++k) feed.scrape(0, 4, t += 10'000);
    loaded = save_and_check("slots reused");
    EXPECT_EQ(loaded.report->series, 5u);
    EXPECT_EQ(loaded.report->saves, 3u);
    // Removed and re-created between two saves: the file has it once.
    for (int k = 0; k < 14; ++k) feed.scrape(0, 3, t += 10'000);
    store.gc(t);
    for (int k = 0; k < 3; ++k) feed.scrape(0, 4, t += 10'000);
    loaded = save_and_check("removed and re-created");
    EXPECT_EQ(loaded.report->series, 4u);
}

TEST(SnapshotLog, AReloadWithAChangedConfigAppliesTheNewOne) {
    tocsin::test::TempDir dir;
    const std::string path = dir.file("series.snapshot");
    SeriesStore store;
    store.set_retention(5min);
    Feeder feed(store);
    std::int64_t t = k_start;
    for (int save = 0; save < 8; ++save) {
        for (int k = 0; k < 6; ++k) feed.scrape(0, 9, t += 10'000);
        store.gc(t);
        ASSERT_TRUE(store.save_snapshot(path).ok());
    }
    // Shorter retention: fewer samples.
    SeriesStore shorter;
    shorter.set_retention(1min);
    auto r = shorter.load_snapshot(path, t);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_GT(r->samples_dropped, 0u);
    EXPECT_TRUE(same(dump(store, t - 60'000), dump(shorter)));
    // Longer retention: the file still has samples older than the writer's
    // last gc kept (in the base), but they do not come back.
    SeriesStore longer;
    longer.set_retention(1h);
    r = longer.load_snapshot(path, t);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(same(dump(store, t - 300'000), dump(longer)));
    // Admission refusing some series: they are dropped, the rest load.
    SeriesStore admitting;
    admitting.set_retention(5min);
    admitting.set_admission({{Matcher::equals("__name__", "up")}}, false);
    r = admitting.load_snapshot(path, t);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->series, 3u);
    EXPECT_EQ(r->series_dropped, 6u);
    // Its next save rewrites the file with what it kept.
    auto saved = admitting.save_snapshot(path);
    ASSERT_TRUE(saved.ok());
    EXPECT_TRUE(saved->full);
    SeriesStore after;
    after.set_retention(5min);
    ASSERT_TRUE(after.load_snapshot(path, t).ok());
    EXPECT_EQ(after.stats().series, 3u);
}

TEST(SnapshotLog, AFileChangedBehindTheStoresBackIsRewrittenNotAppendedTo) {
    tocsin::test::TempDir dir;
    const std::string path = dir.file("series.snapshot");
    SeriesStore store;
    store.set_retention(1h);
    Feeder feed(store);
    std::int64_t t = k_start;
    auto save = [&]() {
        for (int k = 0; k < 3; ++k) feed.scrape(0, 4, t += 10'000);
        auto saved = store.save_snapshot(path);
        EXPECT_TRUE(saved.ok()) << saved.error().message;
        Loaded loaded = load_bytes(tocsin::test::read_file(path), t, 1h);
        EXPECT_TRUE(loaded.report.ok());
        if (loaded.report.ok()) {
            EXPECT_TRUE(same(dump(store), loaded.contents));
        }
        return saved.ok() && saved->full;
    };
    EXPECT_TRUE(save());
    EXPECT_FALSE(save());
    std::filesystem::remove(path);  // an operator deleted it
    EXPECT_TRUE(save());
    EXPECT_FALSE(save());
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);  // damaged
    EXPECT_TRUE(save());
    SeriesStore other;
    other.set_retention(1h);
    Feeder(other).scrape(0, 1, t);
    ASSERT_TRUE(other.write_snapshot(path).ok());  // another writer replaced it
    EXPECT_TRUE(save());
    EXPECT_FALSE(save());
    // A write that fails is reported, and the save after it starts over.
    std::filesystem::remove(path);
    std::filesystem::create_directory(path);
    for (int k = 0; k < 3; ++k) feed.scrape(0, 4, t += 10'000);
    auto failed = store.save_snapshot(path);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().category, ErrorCategory::io);
    EXPECT_TRUE(failed.error().retryable);
    std::filesystem::remove(path);
    EXPECT_TRUE(save());
    EXPECT_FALSE(save());
    // write_snapshot (a graceful stop) compacts; saves append after it.
    ASSERT_TRUE(store.write_snapshot(path).ok());
    EXPECT_FALSE(save());
    // A save to another path starts a file there.
    const std::string elsewhere = dir.file("elsewhere.snapshot");
    auto saved = store.save_snapshot(elsewhere);
    ASSERT_TRUE(saved.ok());
    EXPECT_TRUE(saved->full);
}

TEST(SnapshotLog, SnapshotBytesDoesNotDisturbTheNextDelta) {
    SeriesStore store;
    store.set_retention(1h);
    Feeder feed(store);
    std::int64_t t = k_start;
    for (int k = 0; k < 5; ++k) feed.scrape(0, 5, t += 10'000);
    std::string file = store.save_snapshot_bytes();
    for (int k = 0; k < 5; ++k) feed.scrape(0, 6, t += 10'000);
    const std::string whole = store.snapshot_bytes();
    EXPECT_EQ(whole, store.snapshot_bytes());
    file += store.save_snapshot_bytes();
    Loaded from_log = load_bytes(file, t, 1h);
    Loaded from_whole = load_bytes(whole, t, 1h);
    ASSERT_TRUE(from_log.report.ok()) << from_log.report.error().message;
    ASSERT_TRUE(from_whole.report.ok());
    EXPECT_EQ(from_log.report->saves, 2u);
    EXPECT_TRUE(same(dump(store), from_log.contents));
    EXPECT_TRUE(same(dump(store), from_whole.contents));
}

TEST(SnapshotLog, ADeltaHoldsOnlyWhatChanged) {
    SeriesStore store;
    store.set_retention(1h);
    Feeder feed(store);
    std::int64_t t = k_start;
    for (int k = 0; k < 30; ++k) feed.scrape(0, 100, t += 10'000);
    const std::string base = store.save_snapshot_bytes();
    // Nothing new: a commit record and nothing else.
    const std::string nothing = store.save_snapshot_bytes();
    EXPECT_LT(nothing.size(), 32u);
    feed.scrape(0, 100, t += 10'000);
    const std::string one_scrape = store.save_snapshot_bytes();
    EXPECT_LT(one_scrape.size() * 10, base.size());
    const Loaded loaded = load_bytes(base + nothing + one_scrape, t, 1h);
    ASSERT_TRUE(loaded.report.ok());
    EXPECT_EQ(loaded.report->saves, 3u);
    EXPECT_TRUE(same(dump(store), loaded.contents));
}

TEST(SnapshotLog, ManySealsBetweenTwoSaves) {
    for (const std::chrono::milliseconds retention : {std::chrono::milliseconds(5min), std::chrono::milliseconds(1h)}) {
        SeriesStore store;
        store.set_retention(retention);  // chunks span 100 s, or 120 samples
        Feeder feed(store);
        std::int64_t t = k_start;
        for (int k = 0; k < 6; ++k) feed.scrape(0, 6, t += 10'000);
        std::string file = store.save_snapshot_bytes();
        // Seven minutes of scrapes, then (with the short retention) a gc that
        // drops the chunk the base's head went into: the delta starts with
        // new chunks; with the long one, with the rest of that chunk.
        for (int k = 0; k < 42; ++k) feed.scrape(0, 6, t += 10'000);
        store.gc(t);
        file += store.save_snapshot_bytes();
        for (int k = 0; k < 300; ++k) feed.scrape(0, 6, t += 1'000);  // 120-sample chunks
        store.gc(t);
        file += store.save_snapshot_bytes();
        Loaded loaded = load_bytes(file, t, retention);
        ASSERT_TRUE(loaded.report.ok()) << loaded.report.error().message;
        EXPECT_EQ(loaded.report->saves, 3u);
        EXPECT_TRUE(same(dump(store, t - retention.count()), loaded.contents)) << "retention " << retention.count();
    }
}

TEST(SnapshotLog, AContinuationThatContradictsItsChunkIsRefused) {
    SeriesStore store;
    store.set_retention(1h);
    const SeriesRef r = store.get_or_create("m", std::vector<LabelView>{});
    store.append(r, k_start, 1.0);
    store.append(r, k_start + 1, 1.0);  // 64 + 10 bits: the chunk ends inside a byte
    const std::string base = store.save_snapshot_bytes();
    store.append(r, k_start + 2, 2.0);
    const std::string delta = store.save_snapshot_bytes();
    ASSERT_TRUE(load_bytes(base + delta, k_start, 1h).report.ok());
    // appended record: kind, length, then count 1, slot, new bit length, and
    // the chunk's bytes from its last partial byte on.
    ASSERT_EQ(delta[0], static_cast<char>(snapshot::RecordKind::appended));
    const std::uint32_t length = static_cast<unsigned char>(delta[1]);
    std::string payload = delta.substr(5, length);
    ASSERT_EQ(payload[0], 1);
    payload[3] = static_cast<char>(payload[3] ^ 0x80);  // a bit the base already has
    const std::string forged = snapshot::frame_record(4, payload) + delta.substr(9 + length);
    auto loaded = load_bytes(base + forged, k_start, 1h);
    ASSERT_FALSE(loaded.report.ok());
    EXPECT_NE(loaded.report.error().message.find("does not match its chunk"), std::string::npos)
        << loaded.report.error().message;
}

// Random appends, series churn, gc, saves, compactions and restarts, checked
// after every save. Deterministic: a fixed seed.
TEST(SnapshotLog, RandomHistoriesReloadExactly) {
    std::mt19937_64 rng(20261123);
    for (int round = 0; round < 8; ++round) {
        SeriesStore store;
        const auto retention = std::chrono::milliseconds(60'000 + static_cast<std::int64_t>(rng() % 600'000));
        store.set_retention(retention);
        std::int64_t t = k_start;
        std::map<int, double> value;
        std::string file;
        int saves = 0;
        for (int step = 0; step < 400; ++step) {
            const unsigned op = rng() % 100;
            if (op < 80) {
                // Append to a random series at a random later time.
                const int id = static_cast<int>(rng() % 40);
                const std::string id_text = std::to_string(id);
                const SeriesRef r = store.get_or_create("m", std::vector<LabelView>{{"id", id_text}});
                t += static_cast<std::int64_t>(rng() % 20'000);
                const auto last = store.last_sample(r);
                const std::int64_t at = last && last->t >= t ? last->t + 1 : t;
                double& v = value[id];
                v += rng() % 4 == 0 ? std::ldexp(static_cast<double>(rng() % 1000), static_cast<int>(rng() % 40) - 20)
                                    : 1.0;
                ASSERT_EQ(store.append(r, at, rng() % 50 == 0 ? tocsin::stale_marker() : v), AppendResult::appended);
            } else if (op < 85) {
                t += static_cast<std::int64_t>(rng() % 200'000);
                store.gc(t);
            } else if (op < 97) {
                const bool full = rng() % 8 == 0;
                const std::string bytes = store.save_snapshot_bytes(full);
                if (bytes.starts_with(snapshot::k_magic)) {
                    file = bytes;  // a full save (also the first)
                } else {
                    file += bytes;
                }
                ++saves;
                store.gc(t);  // what loading drops
                Loaded loaded = load_bytes(file, t, retention);
                ASSERT_TRUE(loaded.report.ok()) << round << "/" << step << ": " << loaded.report.error().message;
                ASSERT_TRUE(same(dump(store, t - retention.count()), loaded.contents)) << round << "/" << step;
            } else if (!file.empty()) {
                // A restart from the file; the next save is full again.
                ASSERT_TRUE(store.load_snapshot_bytes(file, t).ok());
                file = store.save_snapshot_bytes();
                EXPECT_TRUE(file.starts_with(snapshot::k_magic));
            }
        }
        EXPECT_GT(saves, 20);
    }
}
