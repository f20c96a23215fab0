// libFuzzer target: arbitrary bytes as a series snapshot. The loader must
// never crash, hang or read out of bounds; on error the store must be empty
// and usable; what loads must write back and reload to the same bytes.
//
// A random file almost never passes the section checksums, so inputs whose
// first byte is odd are taken as section bodies instead ([kind, length,
// payload]...) and framed with a valid header and CRCs here, letting the
// fuzzer reach the record parsers and the chunk decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tocsin/series/series_store.hpp"
#include "tocsin/series/snapshot_format.hpp"

namespace {

constexpr std::int64_t k_now = 1'700'000'000'000;

std::string frame(std::string_view body) {
    using namespace tocsin::series::snapshot;
    std::string out = header();
    while (body.size() >= 2) {
        const auto kind = static_cast<std::uint8_t>(body[0] % 4);  // end, symbols, series, unknown
        const std::size_t length = std::min<std::size_t>(static_cast<unsigned char>(body[1]), body.size() - 2);
        out += frame_section(kind, body.substr(2, length));
        body.remove_prefix(2 + length);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using tocsin::series::SeriesStore;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string framed;
    if (!input.empty() && (static_cast<unsigned char>(input[0]) & 1) != 0) {
        framed = frame(input.substr(1));
        input = framed;
    }
    SeriesStore store;
    store.set_retention(std::chrono::hours(1));
    auto result = store.load_snapshot_bytes(input, k_now);
    if (!result.ok()) {
        if (store.stats().series != 0 || store.stats().samples != 0) std::abort();
        const std::vector<tocsin::series::LabelView> labels = {{"a", "b"}};
        auto ref = store.get_or_create("m", labels);
        if (store.append(ref, k_now, 1.0) != tocsin::series::AppendResult::appended) std::abort();
        return 0;
    }
    if (result->series != store.stats().series || result->samples != store.stats().samples) std::abort();
    // Read everything back through the public API.
    std::vector<tocsin::series::Sample> samples;
    for (auto ref : store.select({})) {
        (void)store.labels(ref);
        store.samples(ref, INT64_MIN, INT64_MAX, samples);
    }
    if (samples.size() != store.stats().samples) std::abort();
    // Round trip: the store's own snapshot reloads to identical bytes.
    const std::string first = store.snapshot_bytes();
    SeriesStore again;
    again.set_retention(std::chrono::hours(1));
    if (!again.load_snapshot_bytes(first, k_now).ok()) std::abort();
    if (again.snapshot_bytes() != first) std::abort();
    store.gc(k_now + 1);
    return 0;
}
