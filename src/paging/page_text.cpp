#include "page_text.hpp"

#include <cmath>
#include <cstdio>

#include "tocsin/core/duration.hpp"

namespace tocsin::paging {
namespace {

std::string number_text(double v) {
    char buf[64];
    if (std::isfinite(v) && std::fabs(v) < 1e15 && v == std::floor(v)) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    } else {
        std::snprintf(buf, sizeof buf, "%g", v);
    }
    return buf;
}

// Subjects are one line: incident text may hold anything.
std::string one_line(std::string s) {
    for (char& c : s) {
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    }
    return s;
}

}  // namespace


notify::Notification render_page(const incident::Incident& incident, const config::SeverityConfig& tier,
                                 const PageReason& reason, bool actionable) {
    const std::string title = incident.title.empty() ? incident.key : incident.title;
    notify::Notification n;
    n.incident_id = incident.id;
    n.actionable = actionable && incident.open();
    n.subject = "[" + incident.severity + "] #" + std::to_string(incident.id) + " ";
    if (!reason.headline.empty()) n.subject += reason.headline + ": ";
    n.subject += title;
    n.subject = one_line(std::move(n.subject));

    std::string& t = n.text;
    t += incident.severity + " incident #" + std::to_string(incident.id) + ": " + title + "\n";
    t += "State: " + std::string(incident::to_string(incident.state));
    if (incident.acknowledged_by) t += " (acknowledged by " + incident.acknowledged_by->name + ")";
    t += "\nSeverity: " + incident.severity;
    if (!tier.status.empty()) t += " (" + tier.status + ")";
    t += "\n";
    if (!incident.component.empty()) t += "Component: " + incident.component + "\n";
    if (!incident.affected_components.empty()) {
        t += "Also affected:";
        for (const auto& c : incident.affected_components) t += " " + c;
        t += "\n";
    }
    if (incident.impact) {
        t += "Impact: " + number_text(*incident.impact);
        if (incident.peak_impact && *incident.peak_impact != *incident.impact) {
            t += " (peak " + number_text(*incident.peak_impact) + ")";
        }
        t += "\n";
    }
    t += "Started: " + format_utc_time(incident.impact_started) + "\n";
    t += "Declared: " + format_utc_time(incident.detected) + "\n";
    if (incident.resolved) t += "Resolved: " + format_utc_time(*incident.resolved) + "\n";
    if (!incident.description.empty()) t += "\n" + incident.description + "\n";
    if (!reason.line.empty()) t += "\n" + reason.line + "\n";
    if (n.actionable) t += "Acknowledge: tocsin incident ack " + std::to_string(incident.id) + "\n";
    return n;
}

notify::Notification render_announcement(const incident::Incident& incident, const config::SeverityConfig& tier,
                                         const std::string& status, const std::string& message) {
    const std::string title = incident.title.empty() ? incident.key : incident.title;
    notify::Notification n;
    n.incident_id = incident.id;
    n.actionable = false;
    n.subject = one_line(status + ": " + title);
    std::string& t = n.text;
    t += status + ": " + title + "\n";
    if (!incident.component.empty()) {
        t += "Affected: " + incident.component;
        for (const auto& c : incident.affected_components) t += ", " + c;
        t += "\n";
    }
    if (!tier.status.empty() && status != "Resolved") t += "Impact: " + tier.status + "\n";
    t += "\n" + message + "\n";
    t += "\nStarted: " + format_utc_time(incident.impact_started) + "\n";
    if (incident.resolved) t += "Resolved: " + format_utc_time(*incident.resolved) + "\n";
    return n;
}

}  // namespace tocsin::paging
