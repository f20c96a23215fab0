// Incidents and their events as the HTTP API shows them (docs/api.md), and
// the timestamp format it uses: RFC 3339 in UTC with milliseconds,
// "2026-03-29T12:34:56.789Z". Shared by the API and `tocsin incident`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tocsin/core/clock.hpp"
#include "tocsin/incident/incident.hpp"

namespace tocsin::api {

// Truncates to the millisecond: "2026-03-29T12:34:56.789Z".
std::string format_rfc3339(TimePoint t);

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('T' may also be 't' or
// a space, 'Z' may be 'z'); fractions beyond milliseconds are truncated.
// nullopt for anything else, for impossible dates and times, and for
// instants before 1970 or after 9999.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// One JSON object each; snake_case keys, times as format_rfc3339() or null.
std::string to_json(const incident::Incident& incident);
std::string to_json(const incident::IncidentEvent& event);

}  // namespace tocsin::api
