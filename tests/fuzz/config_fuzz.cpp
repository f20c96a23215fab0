// libFuzzer target: arbitrary bytes as a tocsin.toml. The loader must never
// crash, hang or leak, and must either produce a config or diagnostics.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tocsin/config/loader.hpp"
#include "tocsin/core/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // A fixed environment: fuzz inputs must not depend on the machine's.
    static const tocsin::config::Environment env{[](const std::string& name) -> std::optional<std::string> {
        if (name == "TOCSIN_API_TOKEN") return std::string("fuzz-token");
        return std::nullopt;
    }};
    auto result = tocsin::config::load_string(text, "/nonexistent/fuzz.toml", env);
    if (result.ok() == !result.diagnostics.empty()) std::abort();
    if (result.ok()) {
        // What check --print writes must load back to the same config.
        auto again = tocsin::config::load_string(tocsin::config::to_toml(*result.config), "/nonexistent/fuzz.toml", env);
        if (!again.ok()) std::abort();
    }
    for (const auto& d : result.diagnostics) (void)d.to_string();
    if (auto d = tocsin::parse_duration(text)) {
        if (tocsin::parse_duration(tocsin::format_duration(*d)) != d) std::abort();
    }
    return 0;
}
