// gzip decoding with a ceiling on the decoded size, so a small compressed
// page cannot expand into gigabytes (a "gzip bomb") before any check runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tocsin/core/result.hpp"

namespace tocsin::scrape {

// Decodes one or more concatenated gzip members. `limit` 0 means no limit.
// Errors: "body size limit of N bytes exceeded after decompression", or
// "invalid gzip data: ...".
Result<std::string> gunzip(std::string_view compressed, std::uint64_t limit);

}  // namespace tocsin::scrape
