// What one probe run found: success, why not, and the blackbox_exporter-style
// samples it produced.
#pragma once

#include <string>
#include <vector>

#include "tocsin/core/sample.hpp"

namespace tocsin::probe {

struct ProbeOutcome {
    bool success = false;
    // Stable and low-cardinality (metric label): "ok", a net::FailureReason
    // name, "status" or "body_regex".
    std::string reason = "ok";
    std::string detail;  // for logs: what exactly went wrong
    double duration_seconds = 0;
    std::vector<Sample> samples;
};

}  // namespace tocsin::probe
