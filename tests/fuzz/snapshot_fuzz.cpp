// libFuzzer target: arbitrary bytes as a series snapshot (a base and the
// deltas appended after it, or a version 1 file). The loader must never
// crash, hang or read out of bounds; on error the store must be empty and
// usable; what loads must write back and reload to the same contents.
//
// A random file almost never passes the record checksums, so inputs whose
// first byte is odd are taken as record bodies instead ([kind, length,
// payload]...) and framed with a valid header and checksums here (version
// 1 when the first byte's second bit is set), letting the fuzzer reach the
// record parsers, the delta logic and the chunk decoder.
//
// What loads is then used to drive the writer: a base, a mutation decided
// by the input's last bytes (samples appended, a gc that may remove series,
// a new series), a delta; base + delta must load back as the store is, and
// base + any prefix of the delta as the base was.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/series/series_store.hpp"
#include "tocsin/series/snapshot_format.hpp"

namespace {

using tocsin::series::LabelView;
using tocsin::series::Sample;
using tocsin::series::SeriesStore;

constexpr std::int64_t k_now = 1'700'000'000'000;

std::string frame(std::string_view body, std::uint32_t version) {
    using namespace tocsin::series::snapshot;
    std::string out = header(version);
    while (body.size() >= 2) {
        // commit (or v1's end), symbols, series, removed, appended, unknown
        const auto kind = static_cast<std::uint8_t>(static_cast<unsigned char>(body[0]) % 6);
        const std::size_t length = std::min<std::size_t>(static_cast<unsigned char>(body[1]), body.size() - 2);
        out += frame_record(kind, body.substr(2, length), version);
        body.remove_prefix(2 + length);
    }
    return out;
}

using Dump = std::vector<std::pair<std::string, std::vector<Sample>>>;

Dump dump(const SeriesStore& store, std::int64_t min_t) {
    Dump out;
    for (auto ref : store.select({})) {
        std::vector<Sample> samples;
        store.samples(ref, min_t, std::numeric_limits<std::int64_t>::max(), samples);
        if (!samples.empty()) out.emplace_back(store.labels(ref).to_string(), std::move(samples));
    }
    return out;
}

bool same(const Dump& a, const Dump& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].first != b[i].first || a[i].second.size() != b[i].second.size()) return false;
        for (std::size_t k = 0; k < a[i].second.size(); ++k) {
            const Sample& x = a[i].second[k];
            const Sample& y = b[i].second[k];
            if (x.t != y.t || std::bit_cast<std::uint64_t>(x.v) != std::bit_cast<std::uint64_t>(y.v)) return false;
        }
    }
    return true;
}

SeriesStore fresh() {
    SeriesStore store;
    store.set_retention(std::chrono::hours(1));
    return store;
}

// The writer's side: base, mutation, delta, reload.
void exercise_log(SeriesStore& store, std::string_view input) {
    const auto byte = [&](std::size_t i) -> unsigned {
        return input.size() > i ? static_cast<unsigned char>(input[input.size() - 1 - i]) : 0;
    };
    const std::string base = store.save_snapshot_bytes(true);
    const Dump before = dump(store, k_now - 3'600'000);
    std::int64_t now = k_now;
    // Append to some series, a few samples each, past the newest one.
    const unsigned every = 1 + byte(0) % 4;
    const unsigned samples = byte(1) % 200;
    std::size_t n = 0;
    for (auto ref : store.select({}, tocsin::series::SelectOrder::unordered)) {
        if (n++ % every != 0) continue;
        std::int64_t t = store.last_sample(ref) ? store.last_sample(ref)->t : now;
        for (unsigned k = 0; k < samples; ++k) {
            if (t > std::numeric_limits<std::int64_t>::max() - 100'000) break;
            t += 1 + (byte(2) + k * 7919) % 30'000;
            store.append(ref, t, static_cast<double>(k * byte(3)) * 0.25);
            now = std::max(now, t);
        }
    }
    if ((byte(4) & 1) != 0) {
        const std::string value = std::to_string(byte(5));
        const std::vector<LabelView> labels = {{"fuzz", value}};
        store.append(store.get_or_create("new_series", labels), now + 1, 1.0);
        now += 1;
    }
    if ((byte(4) & 2) != 0) store.gc(now);
    const std::string delta = store.save_snapshot_bytes();

    // base + delta is the store now (as a load at `now` keeps it).
    const std::int64_t cutoff = now - 3'600'000;
    SeriesStore whole = fresh();
    auto loaded = whole.load_snapshot_bytes(base + delta, now);
    if (!loaded.ok() || loaded->saves != 2 || loaded->ignored_bytes != 0) std::abort();
    if (!same(dump(store, cutoff), dump(whole, cutoff))) std::abort();
    // base + a torn delta is the base.
    const std::size_t cut = delta.empty() ? 0 : (byte(6) * 256 + byte(7)) % delta.size();
    SeriesStore torn = fresh();
    loaded = torn.load_snapshot_bytes(base + delta.substr(0, cut), now);
    if (!loaded.ok() || loaded->saves != 1 || loaded->ignored_bytes != cut) std::abort();
    Dump expected;
    for (auto& [labels, kept] : before) {
        std::vector<Sample> recent;
        for (const Sample& s : kept) {
            if (s.t >= cutoff) recent.push_back(s);
        }
        if (!recent.empty()) expected.emplace_back(labels, std::move(recent));
    }
    if (!same(expected, dump(torn, cutoff))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string framed;
    if (!input.empty() && (static_cast<unsigned char>(input[0]) & 1) != 0) {
        framed = frame(input.substr(1), (static_cast<unsigned char>(input[0]) & 2) != 0 ? 1 : 2);
        input = framed;
    }
    SeriesStore store = fresh();
    auto result = store.load_snapshot_bytes(input, k_now);
    if (!result.ok()) {
        if (store.stats().series != 0 || store.stats().samples != 0) std::abort();
        const std::vector<LabelView> labels = {{"a", "b"}};
        auto ref = store.get_or_create("m", labels);
        if (store.append(ref, k_now, 1.0) != tocsin::series::AppendResult::appended) std::abort();
        return 0;
    }
    if (result->series != store.stats().series || result->samples != store.stats().samples) std::abort();
    if (result->ignored_bytes > input.size()) std::abort();
    // Read everything back through the public API.
    std::vector<Sample> samples;
    for (auto ref : store.select({})) {
        (void)store.labels(ref);
        store.samples(ref, INT64_MIN, INT64_MAX, samples);
    }
    if (samples.size() != store.stats().samples) std::abort();
    // Round trip: the store's own snapshot reloads to the same contents,
    // and (once slots are dense) to identical bytes.
    const std::string first = store.snapshot_bytes();
    SeriesStore again = fresh();
    if (!again.load_snapshot_bytes(first, k_now).ok()) std::abort();
    if (!same(dump(store, INT64_MIN), dump(again, INT64_MIN))) std::abort();
    const std::string second = again.snapshot_bytes();
    SeriesStore third = fresh();
    if (!third.load_snapshot_bytes(second, k_now).ok() || third.snapshot_bytes() != second) std::abort();
    exercise_log(store, input);
    store.gc(k_now + 1);
    return 0;
}
