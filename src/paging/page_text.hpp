// What pages say: channel-neutral subject and plain text, rendered from the
// incident and why it is being sent. The channels format it (email HTML
// alternative, Telegram bold subject and buttons). Internal to the policy.
#pragma once

#include <string>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/incident/incident.hpp"
#include "tocsin/notify/channel.hpp"

namespace tocsin::paging {

// Why a page goes out; `line` is the sentence saying so, e.g. "You are on
// call (level 1). Acknowledge within 30m or level 2 is paged."
struct PageReason {
    std::string headline;  // short, goes into the subject: "acknowledged by alice"; "" for a first page
    std::string line;
};

// `actionable` pages ask for an acknowledgement (and carry buttons/links).
notify::Notification render_page(const incident::Incident& incident, const config::SeverityConfig& tier,
                                 const PageReason& reason, bool actionable);

// A notice for [[subscribers]]: the public facts (title, component, status
// label, start) and `message`; never internal notes, impact or people.
// `status` is "Investigating", "Identified", "Monitoring" or "Resolved".
notify::Notification render_announcement(const incident::Incident& incident, const config::SeverityConfig& tier,
                                         const std::string& status, const std::string& message);

}  // namespace tocsin::paging
