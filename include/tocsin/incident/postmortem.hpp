// `tocsin postmortem ID`: a Markdown draft with the seed's sections (Impact,
// Cause, Solution, Conclusion), the timeline from the audit trail and Time
// To Detect / Fix / Recover formatted as the seed requires.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/incident/incident.hpp"

namespace tocsin::incident {

// Elapsed time as the seed writes it, one decimal: under an hour in minutes
// ("12.5 minutes"), under a day in hours ("3.0 hours"), under a month (30
// days) in days ("2.1 days"), beyond in months ("1.5 months").
std::string format_elapsed(Duration elapsed);

// The taxonomy terms of the seed (COMMUNICATION_FAILURE ... UNHANDLED_EXCEPTION).
const std::vector<std::string>& taxonomy_terms();
// A term or a tree "A < B < C" of known terms, normalised to single spaces
// around '<'; an error naming the unknown term (with a suggestion) otherwise.
Result<std::string> parse_taxonomy(std::string_view text);

struct PostmortemOptions {
    std::string time_zone = "UTC";  // timestamps in the timeline
};

std::string render_postmortem(const Incident& incident, const std::vector<IncidentEvent>& events,
                              const PostmortemOptions& options = {});

}  // namespace tocsin::incident
