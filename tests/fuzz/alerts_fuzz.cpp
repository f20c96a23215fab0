// libFuzzer target: arbitrary bodies for POST /api/v1/alerts' parser. A
// payload either parses into alerts that keep the limits, or is refused
// with a message; never a crash. Seeds: corpus/alerts/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "tocsin/api/alert_batch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto parsed = tocsin::api::parse_alert_batch(body);
    if (auto* batch = std::get_if<tocsin::api::AlertBatch>(&parsed)) {
        if (batch->alerts.size() > tocsin::api::k_max_alerts_per_request) std::abort();
        for (const auto& alert : batch->alerts) {
            if (alert.labels.empty() || alert.labels.size() > tocsin::api::k_max_alert_labels) std::abort();
            if (alert.annotations.size() > tocsin::api::k_max_alert_labels) std::abort();
        }
    } else if (std::get<std::string>(parsed).empty()) {
        std::abort();  // a refusal always says why
    }
    return 0;
}
