// Alertmanager's webhook payload (version 4) as POST /api/v1/alerts
// receives it, parsed and checked (docs/alertmanager.md). Plain data: the
// daemon (app/external_alerts.hpp) decides what the alerts mean.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/labels.hpp"

namespace tocsin::api {

struct ReceivedAlert {
    bool firing = true;  // "firing"; false: "resolved"
    Labels labels;       // never empty; identifies the alert
    std::vector<std::pair<std::string, std::string>> annotations;  // in the payload's order
    std::optional<TimePoint> starts_at;  // nullopt: Go's zero time
    std::optional<TimePoint> ends_at;    // nullopt: Go's zero time (Alertmanager's firing alerts)
    std::string fingerprint;             // as sent, may be ""
    std::string generator_url;

    std::string_view annotation(std::string_view name) const;  // "" when absent
};

struct AlertBatch {
    bool firing = true;  // the group's status
    std::string receiver;
    std::vector<ReceivedAlert> alerts;
};

// What the daemon did with a batch: `status` 200 (taken), 404 (the
// receiver is off), 503 (cannot take it now; Alertmanager retries).
struct AlertsResult {
    int status = 200;
    std::string error;
    std::size_t accepted = 0;  // alerts that feed an incident rule
    std::size_t dropped = 0;   // alerts no route took
};

// Limits on one payload; larger ones are refused with 400.
inline constexpr std::size_t k_max_alerts_per_request = 5000;
inline constexpr std::size_t k_max_alert_labels = 128;       // labels, and annotations, per alert
inline constexpr std::size_t k_max_label_name_bytes = 256;
inline constexpr std::size_t k_max_label_value_bytes = 4096;
inline constexpr std::size_t k_max_annotation_bytes = 16384;

// The payload, or a message naming the bad field (the request was malformed).
std::variant<AlertBatch, std::string> parse_alert_batch(std::string_view body);

}  // namespace tocsin::api
