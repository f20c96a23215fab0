#include "tocsin/series/snapshot_format.hpp"

#include <zlib.h>

#include <algorithm>

namespace tocsin::series::snapshot {

namespace {
void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
    uLong c = crc;
    while (!bytes.empty()) {
        // zlib takes a 32-bit length.
        const std::size_t n = std::min<std::size_t>(bytes.size(), 1u << 30);
        c = ::crc32(c, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
        bytes.remove_prefix(n);
    }
    return static_cast<std::uint32_t>(c);
}

std::string header(std::uint32_t version) {
    std::string out(k_magic);
    put_u32(out, version);
    return out;
}

std::string frame_section(std::uint8_t kind, std::string_view payload) {
    std::string out;
    out.reserve(payload.size() + 9);
    out.push_back(static_cast<char>(kind));
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    out.append(payload);
    put_u32(out, crc32(out));
    return out;
}

}  // namespace tocsin::series::snapshot
