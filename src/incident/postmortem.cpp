// Postmortem drafts in the shape of seed 002 (Fluid Attacks): Impact, Cause,
// Solution, Conclusion; the timeline in one time zone as `yy-mm-dd hh:mm`;
// Time To Detect / Fix / Recover; a taxonomy term or tree. Pure: every time
// comes from the incident and its events.
#include "tocsin/incident/postmortem.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <utility>

#include <date/tz.h>

namespace tocsin::incident {

std::string format_elapsed(Duration elapsed) {
    using std::chrono::milliseconds;
    struct Unit {
        std::int64_t ms;
        std::int64_t below_tenths;  // the next unit takes over at this many tenths
        const char* name;
    };
    static constexpr Unit k_units[] = {
        {60'000, 600, "minutes"},
        {3'600'000, 240, "hours"},
        {86'400'000, 300, "days"},
        {30LL * 86'400'000, 0, "months"},  // 0: no larger unit
    };
    const std::int64_t ms = std::max<std::int64_t>(0, elapsed.count());
    for (const auto& unit : k_units) {
        // Rounded to tenths (half up), then the unit is decided: 59.96
        // minutes rounds to 60.0 and is written "1.0 hours".
        const std::int64_t tenths = (ms / unit.ms) * 10 + ((ms % unit.ms) * 10 + unit.ms / 2) / unit.ms;
        if (unit.below_tenths != 0 && tenths >= unit.below_tenths) continue;
        return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " " + unit.name;
    }
    return {};  // unreachable: months has no bound
}

namespace {

// One line of Markdown: newlines become spaces.
std::string one_line(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return out;
}

// A table cell: one line, '|' escaped.
std::string cell(std::string_view text) {
    std::string out;
    for (char c : one_line(text)) {
        if (c == '|') out += '\\';
        out += c;
    }
    return out;
}

std::string number(double value) {
    char buffer[64];
    if (std::isfinite(value) && std::fabs(value) < 1e15 && value == std::floor(value)) {
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
    } else {
        std::snprintf(buffer, sizeof buffer, "%g", value);
    }
    return buffer;
}

std::string utc_offset(std::chrono::seconds offset) {
    char buffer[32];
    const long long total = offset.count();
    const long long minutes = (total < 0 ? -total : total) / 60;
    std::snprintf(buffer, sizeof buffer, "UTC%c%02lld:%02lld", total < 0 ? '-' : '+', minutes / 60, minutes % 60);
    return buffer;
}

const char* describe(EventKind kind) {
    switch (kind) {
        case EventKind::opened:
            return "Declared";
        case EventKind::alert_joined:
            return "Alert joined";
        case EventKind::component_affected:
            return "Component affected";
        case EventKind::severity_changed:
            return "Severity changed";
        case EventKind::state_changed:
            return "State changed";
        case EventKind::acknowledged:
            return "Acknowledged";
        case EventKind::impact_changed:
            return "Impact changed";
        case EventKind::note:
            return "Update";
        case EventKind::taxonomy_set:
            return "Taxonomy set";
        case EventKind::page_queued:
            return "Page queued";
        case EventKind::page_sent:
            return "Page sent";
        case EventKind::page_failed:
            return "Page failed";
        case EventKind::escalated:
            return "Escalated";
        case EventKind::postmortem_published:
            return "Postmortem published";
        case EventKind::owner_assigned:
            return "Owner assigned";
    }
    return "Event";
}

class ZoneStamper {
public:
    explicit ZoneStamper(const std::string& zone_name) : m_name(zone_name) {
        try {
            m_zone = date::locate_zone(zone_name);
        } catch (const std::exception&) {
            m_zone = date::locate_zone("UTC");
            m_unknown = true;
        }
    }

    // `yy-mm-dd hh:mm` in the zone; remembers the zone's abbreviation.
    std::string stamp(TimePoint t) {
        const auto sys = date::floor<std::chrono::seconds>(t);
        const auto info = m_zone->get_info(sys);
        auto seen = std::make_pair(info.abbrev, info.offset);
        if (std::find(m_seen.begin(), m_seen.end(), seen) == m_seen.end()) m_seen.push_back(std::move(seen));
        return "`" + date::format("%y-%m-%d %H:%M", m_zone->to_local(sys)) + "`";
    }

    // "Times are in Europe/Madrid (CET, UTC+01:00; CEST, UTC+02:00)."
    std::string note() const {
        std::string out;
        if (m_unknown) {
            out = "Unknown time zone \"" + m_name + "\": times are in UTC";
        } else {
            out = "Times are in " + m_name;
        }
        std::string abbreviations;
        for (const auto& [abbrev, offset] : m_seen) {
            if (!abbreviations.empty()) abbreviations += "; ";
            std::string name = m_unknown ? "UTC" : m_name;
            if (abbrev != name) abbreviations += abbrev + ", ";
            abbreviations += utc_offset(offset);
        }
        if (!abbreviations.empty()) out += " (" + abbreviations + ")";
        return out + ".";
    }

private:
    std::string m_name;
    const date::time_zone* m_zone = nullptr;
    bool m_unknown = false;
    std::vector<std::pair<std::string, std::chrono::seconds>> m_seen;
};

}  // namespace

std::string render_postmortem(const Incident& incident, const std::vector<IncidentEvent>& events,
                              const PostmortemOptions& options) {
    ZoneStamper clock(options.time_zone);
    std::string out;
    auto line = [&](std::string_view text = {}) {
        out += text;
        out += '\n';
    };

    // Title and summary.
    line("# Postmortem: " + one_line(incident.title) + " (incident #" + std::to_string(incident.id) + ")");
    line();
    if (incident.open()) {
        line("_Draft: the incident is not resolved yet; complete the postmortem once it is._");
        line();
    }
    std::vector<std::string> components;
    if (!incident.component.empty()) components.push_back(incident.component);
    for (const auto& c : incident.affected_components) {
        if (std::find(components.begin(), components.end(), c) == components.end()) components.push_back(c);
    }
    std::string component_list;
    for (const auto& c : components) component_list += (component_list.empty() ? "" : ", ") + c;

    line("| Field | Value |");
    line("|---|---|");
    line("| Severity | " + cell(incident.severity) + " |");
    line(std::string("| State | ") + to_string(incident.state) + " |");
    line(std::string("| ") + (components.size() > 1 ? "Components" : "Component") + " | " +
         (components.empty() ? std::string("none") : cell(component_list)) + " |");
    if (incident.manual || incident.rule.empty()) {
        line("| Source | declared by " + cell(incident.reporter.empty() ? "unknown" : incident.reporter) + " |");
    } else {
        line("| Source | rule " + cell(incident.rule) + " |");
    }
    if (incident.security) line("| Security | yes |");
    line("| Taxonomy | " + (incident.taxonomy.empty() ? std::string("not set") : cell(incident.taxonomy)) + " |");
    line();
    if (!incident.description.empty()) {
        line(incident.description);
        line();
    }

    // Impact.
    line("## Impact");
    line();
    line("_How the users were affected, for a general audience; link the issue created to resolve it._");
    line();
    std::string users;
    if (incident.peak_impact) {
        users = number(*incident.peak_impact) + " at the peak";
        if (incident.impact) users += ", " + number(*incident.impact) + " at the last measurement";
    } else if (incident.impact) {
        users = number(*incident.impact);
    } else {
        users = "not measured";
    }
    line("- Affected users: " + users + ".");
    if (incident.manual || incident.rule.empty()) {
        std::string reporter = incident.reporter;
        std::string channel;
        for (const auto& event : events) {
            if (event.kind != EventKind::opened) continue;
            if (reporter.empty()) reporter = event.actor.name;
            channel = event.actor.channel;
            break;
        }
        std::string how = "- Detection: reported by " + one_line(reporter.empty() ? "unknown" : reporter);
        if (!channel.empty()) how += " through " + one_line(channel);
        line(how + ".");
    } else {
        line("- Detection: proactive, by the rule " + one_line(incident.rule) + ".");
    }
    line("- Time to detect was " +
         format_elapsed(std::chrono::duration_cast<Duration>(incident.detected - incident.impact_started)) + ".");
    if (incident.resolved) {
        line("- Time to fix was " +
             format_elapsed(std::chrono::duration_cast<Duration>(*incident.resolved - incident.detected)) + ".");
        line("- Time to recover was " +
             format_elapsed(std::chrono::duration_cast<Duration>(*incident.resolved - incident.impact_started)) + ".");
    } else {
        line("- Time to fix: not resolved yet.");
        line("- Time to recover: not resolved yet.");
    }
    line();

    // Timeline: key timestamps, then one line per event. The zone note
    // lists the abbreviations the stamps used, so it is built after them.
    std::string timeline;
    auto add = [&](std::string_view text) {
        timeline += text;
        timeline += '\n';
    };
    auto optional_stamp = [&](const std::optional<TimePoint>& t, const char* otherwise) {
        return t ? clock.stamp(*t) : std::string(otherwise);
    };
    add("- Failure reached production: _the date of the merge request that caused the incident_");
    add("- Impact started: " + clock.stamp(incident.impact_started));
    add("- Detected: " + clock.stamp(incident.detected));
    std::string acknowledged = optional_stamp(incident.acknowledged, "not acknowledged");
    if (incident.acknowledged && incident.acknowledged_by) {
        acknowledged +=
            " by " + one_line(incident.acknowledged_by->name) + " via " + one_line(incident.acknowledged_by->channel);
    }
    add("- Acknowledged: " + acknowledged);
    add("- Identified: " + optional_stamp(incident.identified, "not recorded"));
    add("- Mitigated: " + optional_stamp(incident.mitigated, "not recorded"));
    add("- Resolved: " + optional_stamp(incident.resolved, "not resolved yet"));

    std::vector<const IncidentEvent*> ordered;
    ordered.reserve(events.size());
    for (const auto& event : events) ordered.push_back(&event);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const IncidentEvent* a, const IncidentEvent* b) { return a->at < b->at; });
    std::string event_lines;
    for (const IncidentEvent* event : ordered) {
        std::string text = "- " + clock.stamp(event->at) + " " + describe(event->kind);
        if (!event->detail.empty()) text += " " + one_line(event->detail);
        if (!event->actor.name.empty()) {
            text += " (" + one_line(event->actor.name);
            if (!event->actor.channel.empty()) text += " via " + one_line(event->actor.channel);
            text += ")";
        }
        if (!event->message.empty()) text += ": " + one_line(event->message);
        event_lines += text + "\n";
    }

    line("### Timeline");
    line();
    line(clock.note());
    line();
    out += timeline;
    if (!event_lines.empty()) {
        line();
        line("Events:");
        line();
        out += event_lines;
    }
    line();

    // Cause.
    line("## Cause");
    line();
    line(
        "_The root cause, found with the developer who remediated the incident (the 5 Whys help); "
        "link the merge request that introduced it (the merge request, not the commit)._");
    if (!incident.alerts.empty()) {
        line();
        line("Alerts involved:");
        line();
        for (const auto& alert : incident.alerts) line("- `" + one_line(alert.to_string()) + "`");
    }
    line();

    // Solution.
    line("## Solution");
    line();
    line(
        "_How the incident was remediated, with the developer who fixed it; "
        "link the merge request that fixed it if code changed._");
    line();

    // Conclusion.
    line("## Conclusion");
    line();
    line(
        "_Lessons learned: what in the architecture let the problem reach production, "
        "and what was done to remediate the root cause._");
    line();
    if (!incident.taxonomy.empty()) {
        line("Taxonomy: " + one_line(incident.taxonomy));
    } else {
        std::string terms;
        for (const auto& term : taxonomy_terms()) terms += (terms.empty() ? "" : ", ") + term;
        line("Taxonomy: _not set; one term, or a tree \"principal failure < primary cause < ...\", of:_ " + terms);
    }
    return out;
}

}  // namespace tocsin::incident
