#include "tocsin/scrape/gunzip.hpp"

#include <zlib.h>

namespace tocsin::scrape {

Result<std::string> gunzip(std::string_view compressed, std::uint64_t limit) {
    z_stream zs{};
    // 16 + MAX_WBITS: expect a gzip header, not raw zlib.
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        return Error::make(ErrorCategory::internal, "cannot initialise zlib");
    }
    std::string out;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    zs.avail_in = static_cast<uInt>(compressed.size());
    char buffer[64 * 1024];
    int rc = Z_OK;
    for (;;) {
        zs.next_out = reinterpret_cast<Bytef*>(buffer);
        zs.avail_out = sizeof buffer;
        rc = inflate(&zs, Z_NO_FLUSH);
        std::size_t produced = sizeof buffer - zs.avail_out;
        if (limit != 0 && out.size() + produced > limit) {
            inflateEnd(&zs);
            return Error::make(ErrorCategory::protocol,
                               "body size limit of " + std::to_string(limit) + " bytes exceeded after decompression");
        }
        out.append(buffer, produced);
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) break;
            // Another gzip member follows (concatenated streams are valid gzip).
            if (inflateReset(&zs) != Z_OK) break;
            continue;
        }
        if (rc != Z_OK) break;
        if (zs.avail_in == 0 && produced == 0) {
            rc = Z_DATA_ERROR;  // input ended mid-stream
            break;
        }
    }
    std::string message = zs.msg ? zs.msg : (rc == Z_DATA_ERROR ? "truncated stream" : "error " + std::to_string(rc));
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) return Error::make(ErrorCategory::protocol, "invalid gzip data: " + message);
    return out;
}

}  // namespace tocsin::scrape
