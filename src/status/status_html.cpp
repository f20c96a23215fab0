// The status page as HTML. Stable ids, classes and data-* attributes
// (docs/status-page.md) let tests and people's scrapers find things:
//   #overall[data-indicator], li.component#component-<id>[data-component][data-status],
//   .bar > span.day[data-date][data-status][data-availability] (90 of them),
//   article.incident#incident-<id>[data-status][data-impact] > li.update[data-status].
#include <string>

#include "status_text.hpp"
#include "tocsin/status/status_summary.hpp"

namespace tocsin::status {
namespace {

// Readable on a phone, no external assets, dark mode; the bar is flex
// segments that shrink to fit any width.
constexpr std::string_view k_style =
    "body{margin:0;padding:1rem;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "line-height:1.45;background:#f4f4f5;color:#18181b}"
    "main{max-width:46rem;margin:0 auto}"
    "h1{font-size:1.5rem;margin:.25rem 0 1rem;overflow-wrap:anywhere}"
    "h2{font-size:1.15rem;margin:1.5rem 0 .5rem}"
    "h3{font-size:1rem;margin:0 0 .25rem;overflow-wrap:anywhere}"
    "section>ul{list-style:none;margin:0;padding:0}"
    ".card,.component,.incident{background:#fff;border-radius:.5rem;padding:.9rem 1rem;margin:0 0 .75rem;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}"
    ".overall{color:#fff;font-weight:600;font-size:1.1rem;border-radius:.5rem;padding:.9rem 1rem;margin:0 0 1rem}"
    ".indicator-none{background:#15803d}.indicator-minor{background:#a16207}"
    ".indicator-major{background:#c2410c}.indicator-critical{background:#b91c1c}"
    ".row{display:flex;justify-content:space-between;gap:.5rem;flex-wrap:wrap}"
    ".name{font-weight:600;overflow-wrap:anywhere}"
    ".desc,.muted,.legend{color:#52525b;font-size:.85rem}"
    ".st-operational{color:#15803d}.st-degraded_performance{color:#a16207}"
    ".st-partial_outage{color:#c2410c}.st-major_outage{color:#b91c1c}"
    ".bar{display:flex;gap:1px;height:2rem;margin:.5rem 0 .25rem}"
    ".day{flex:1 1 0;min-width:0;border-radius:1px;background:#22c55e}"
    ".day.s-degraded_performance{background:#eab308}.day.s-partial_outage{background:#f97316}"
    ".day.s-major_outage{background:#dc2626}"
    ".legend{display:flex;justify-content:space-between}"
    ".updates{list-style:none;margin:.5rem 0 0;padding:0}"
    ".update{margin:.4rem 0;overflow-wrap:anywhere}"
    ".update time{display:block;color:#52525b;font-size:.8rem}"
    ".impact-minor{border-left:4px solid #eab308}.impact-major{border-left:4px solid #f97316}"
    ".impact-critical{border-left:4px solid #dc2626}"
    "footer{color:#52525b;font-size:.8rem;margin:1.5rem 0 .5rem;text-align:center}"
    "a{color:inherit}"
    "@media (prefers-color-scheme:dark){body{background:#18181b;color:#f4f4f5}"
    ".card,.component,.incident{background:#27272a}.desc,.muted,.legend,.update time,footer{color:#a1a1aa}}";

std::string capitalized(std::string text) {
    if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
    return text;
}

std::string time_html(TimePoint t) {
    return "<time datetime=\"" + rfc3339(t) + "\">" + utc_minute(t) + "</time>";
}

std::string day_html(const DayBucket& d) {
    std::string tip = d.date + ": " + percent(d.availability) + "% available";
    if (d.worst != ComponentStatus::operational) tip += ", worst: " + capitalized(label(d.worst));
    std::string h = "<span class=\"day s-";
    h += to_string(d.worst);
    h += "\" data-date=\"" + d.date + "\" data-status=\"" + to_string(d.worst) + "\" data-availability=\"" +
         percent(d.availability) + "\" title=\"" + escape_html(tip) + "\"></span>";
    return h;
}

std::string component_html(const ComponentSummary& c) {
    std::string h = "<li class=\"component\" id=\"component-" + c.id + "\" data-component=\"" + escape_html(c.name) +
                    "\" data-status=\"" + to_string(c.status) + "\">\n";
    h += "<div class=\"row\"><span class=\"name\">" + escape_html(c.name) + "</span><span class=\"component-status st-" +
         to_string(c.status) + "\">" + label(c.status) + "</span></div>\n";
    if (!c.description.empty()) h += "<div class=\"desc\">" + escape_html(c.description) + "</div>\n";
    h += "<div class=\"bar\" role=\"img\" aria-label=\"" +
         escape_html(c.name + ": " + percent(c.availability) + "% available over " + std::to_string(k_days) + " days") +
         "\">";
    for (const auto& d : c.days) h += day_html(d);
    h += "</div>\n<div class=\"legend\"><span>" + std::to_string(k_days) + " days ago</span><span class=\"uptime\">" +
         percent(c.availability) + "% available</span><span>Today</span></div>\n</li>\n";
    return h;
}

std::string incident_html(const IncidentSummary& i) {
    std::string h = "<article class=\"incident impact-" + std::string(indicator(i.impact)) + "\" id=\"incident-" +
                    std::to_string(i.id) + "\" data-incident-id=\"" + std::to_string(i.id) + "\" data-status=\"" +
                    escape_html(i.status) + "\" data-impact=\"" + indicator(i.impact) + "\">\n";
    h += "<h3 class=\"incident-name\">" + escape_html(i.name) + "</h3>\n";
    h += "<div class=\"muted\">" + escape_html(capitalized(i.status)) + " · " + label(i.impact);
    if (!i.components.empty()) {
        h += " · ";
        for (std::size_t k = 0; k < i.components.size(); ++k) h += (k ? ", " : "") + escape_html(i.components[k]);
    }
    h += "</div>\n<div class=\"muted\">Started " + time_html(i.started);
    if (i.resolved) h += ", resolved " + time_html(*i.resolved);
    h += "</div>\n<ol class=\"updates\">\n";
    for (const auto& u : i.updates) {
        h += "<li class=\"update\" data-status=\"" + escape_html(u.status) + "\"><strong>" +
             escape_html(capitalized(u.status)) + "</strong> - " + escape_html(u.body) + " " + time_html(u.at) +
             "</li>\n";
    }
    h += "</ol>\n</article>\n";
    return h;
}

std::string maintenance_html(const MaintenanceSummary& m) {
    std::string h = "<article class=\"card maintenance\" id=\"maintenance-" + m.id + "\" data-status=\"" +
                    (m.in_progress ? "in_progress" : "scheduled") + "\">\n<h3>" + escape_html(m.name) + "</h3>\n";
    h += "<div class=\"muted\">" + std::string(m.in_progress ? "In progress" : "Scheduled") + ": " +
         time_html(m.scheduled_for) + " to " + time_html(m.scheduled_until);
    if (!m.components.empty()) {
        h += " · ";
        for (std::size_t k = 0; k < m.components.size(); ++k) h += (k ? ", " : "") + escape_html(m.components[k]);
    }
    return h + "</div>\n</article>\n";
}

}  // namespace

std::string render_html(const StatusSummary& s) {
    std::string h;
    h.reserve(16384 + s.components.size() * 12000);
    h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<title>" + escape_html(s.title) + "</title>\n<style>";
    h += k_style;
    h += "</style>\n</head>\n<body>\n<main>\n<h1 id=\"page-title\">" + escape_html(s.title) + "</h1>\n";
    h += "<div id=\"overall\" class=\"overall indicator-" + std::string(indicator(s.worst)) + "\" data-indicator=\"" +
         indicator(s.worst) + "\">" + overall_description(s.worst) + "</div>\n";

    if (!s.maintenance.empty()) {
        h += "<section id=\"maintenance\">\n<h2>Maintenance</h2>\n";
        for (const auto& m : s.maintenance) h += maintenance_html(m);
        h += "</section>\n";
    }
    if (!s.open.empty()) {
        h += "<section id=\"open-incidents\">\n<h2>Current incidents</h2>\n";
        for (const auto& i : s.open) h += incident_html(i);
        h += "</section>\n";
    }
    h += "<section id=\"components\">\n<h2>Components</h2>\n";
    if (s.components.empty()) h += "<p class=\"muted\">No components are configured.</p>\n";
    else {
        h += "<ul>\n";
        for (const auto& c : s.components) h += component_html(c);
        h += "</ul>\n";
    }
    h += "</section>\n<section id=\"past-incidents\">\n<h2>Past incidents (" + std::to_string(k_days) + " days)</h2>\n";
    if (s.resolved.empty()) h += "<p class=\"muted\">No incidents in the last " + std::to_string(k_days) + " days.</p>\n";
    for (const auto& i : s.resolved) h += incident_html(i);
    h += "</section>\n<footer>Updated " + time_html(s.now) +
         " · times in UTC · <a href=\"api/v1/status\">JSON</a></footer>\n</main>\n</body>\n</html>\n";
    return h;
}

}  // namespace tocsin::status
