// Text helpers the HTML and JSON renderers share. Private to the status module.
#pragma once

#include <string>
#include <string_view>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/html.hpp"
#include "tocsin/status/status_summary.hpp"

namespace tocsin::status {

using tocsin::escape_html;  // tocsin/core/html.hpp

// The overall status line: "All Systems Operational", "Major Service Outage"...
const char* overall_description(ComponentStatus worst);

// "2026-03-29T12:34:56.789Z" (Statuspage's JSON has times like this).
std::string rfc3339(TimePoint t);

// "2026-03-29 12:34 UTC", for people.
std::string utc_minute(TimePoint t);

// "99.95": a fraction as a percentage with two decimals, never rounded up
// to 100 while something was down.
std::string percent(double fraction);

}  // namespace tocsin::status
