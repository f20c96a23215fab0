// The status as Atlassian Statuspage's /api/v2/summary.json has it, so
// widgets written for Statuspage can read tocsin's (docs/status-page.md).
#include <boost/json.hpp>

#include "status_text.hpp"
#include "tocsin/status/status_summary.hpp"

namespace tocsin::status {
namespace {

namespace json = boost::json;

constexpr const char* k_page_id = "tocsin";

json::value time_or_null(const std::optional<TimePoint>& t) {
    if (!t) return nullptr;
    return json::value(rfc3339(*t));
}

json::object component_json(const ComponentSummary& c, TimePoint window_start, bool with_days = false) {
    json::object o;
    o["id"] = c.id;
    o["name"] = c.name;
    o["status"] = to_string(c.status);
    o["created_at"] = rfc3339(window_start);
    o["updated_at"] = rfc3339(c.updated.value_or(window_start));
    o["position"] = c.position;
    o["description"] = c.description.empty() ? json::value(nullptr) : json::value(c.description);
    o["showcase"] = true;
    o["start_date"] = nullptr;
    o["group_id"] = nullptr;
    o["page_id"] = k_page_id;
    o["group"] = false;
    o["only_show_if_degraded"] = false;
    // tocsin's addition: the 90-day availability (Statuspage's uptime
    // showcase is not in its summary).
    o["availability"] = c.availability;
    if (with_days) {
        json::array days;
        for (const auto& d : c.days) {
            days.push_back(json::object{{"date", d.date},
                                        {"status", to_string(d.worst)},
                                        {"availability", d.availability},
                                        {"outage_seconds", std::chrono::duration_cast<std::chrono::seconds>(d.outage).count()}});
        }
        o["days"] = std::move(days);
    }
    return o;
}

std::string shortlink(const StatusSummary& s, std::int64_t id) {
    if (s.url.empty()) return {};
    std::string base = s.url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/status#incident-" + std::to_string(id);
}

json::object incident_json(const StatusSummary& s, const IncidentSummary& i) {
    const std::string id = std::to_string(i.id);
    json::object o;
    o["id"] = id;
    o["name"] = i.name;
    o["status"] = i.status;
    o["created_at"] = rfc3339(i.created);
    o["updated_at"] = rfc3339(i.updated);
    o["monitoring_at"] = time_or_null(i.monitoring);
    o["resolved_at"] = time_or_null(i.resolved);
    o["impact"] = indicator(i.impact);
    o["shortlink"] = shortlink(s, i.id);
    o["started_at"] = rfc3339(i.started);
    o["page_id"] = k_page_id;
    json::array updates;
    for (const auto& u : i.updates) {
        json::object j;
        j["id"] = u.id;
        j["status"] = u.status;
        j["body"] = u.body;
        j["incident_id"] = id;
        j["created_at"] = rfc3339(u.at);
        j["updated_at"] = rfc3339(u.at);
        j["display_at"] = rfc3339(u.at);
        j["affected_components"] = nullptr;
        j["deliver_notifications"] = true;
        updates.push_back(std::move(j));
    }
    o["incident_updates"] = std::move(updates);
    json::array components;
    for (const auto& name : i.components) {
        for (const auto& c : s.components) {
            if (c.name == name) components.push_back(component_json(c, s.window_start));
        }
    }
    o["components"] = std::move(components);
    return o;
}

json::object maintenance_json(const StatusSummary& s, const MaintenanceSummary& m) {
    json::object o;
    o["id"] = m.id;
    o["name"] = m.name;
    o["status"] = m.in_progress ? "in_progress" : "scheduled";
    o["created_at"] = rfc3339(m.scheduled_for);
    o["updated_at"] = rfc3339(m.scheduled_for);
    o["monitoring_at"] = nullptr;
    o["resolved_at"] = nullptr;
    o["impact"] = "maintenance";
    o["shortlink"] = "";
    o["started_at"] = rfc3339(m.scheduled_for);
    o["page_id"] = k_page_id;
    o["scheduled_for"] = rfc3339(m.scheduled_for);
    o["scheduled_until"] = rfc3339(m.scheduled_until);
    o["incident_updates"] = json::array{};
    json::array components;
    for (const auto& name : m.components) {
        for (const auto& c : s.components) {
            if (c.name == name) components.push_back(component_json(c, s.window_start));
        }
    }
    o["components"] = std::move(components);
    return o;
}

}  // namespace

std::string render_json(const StatusSummary& s) {
    json::object root;
    json::object page;
    page["id"] = k_page_id;
    page["name"] = s.title;
    page["url"] = s.url;
    page["time_zone"] = "Etc/UTC";
    page["updated_at"] = rfc3339(s.now);
    root["page"] = std::move(page);

    json::array components;
    for (const auto& c : s.components) components.push_back(component_json(c, s.window_start, true));
    root["components"] = std::move(components);

    json::array incidents;  // Statuspage lists unresolved incidents only
    for (const auto& i : s.open) incidents.push_back(incident_json(s, i));
    root["incidents"] = std::move(incidents);
    json::array past;  // tocsin's addition: resolved in the last 90 days, as on the page
    for (const auto& i : s.resolved) past.push_back(incident_json(s, i));
    root["past_incidents"] = std::move(past);

    json::array maintenance;
    for (const auto& m : s.maintenance) maintenance.push_back(maintenance_json(s, m));
    root["scheduled_maintenances"] = std::move(maintenance);

    json::object status;
    status["indicator"] = indicator(s.worst);
    status["description"] = overall_description(s.worst);
    root["status"] = std::move(status);
    return json::serialize(root) + "\n";
}

}  // namespace tocsin::status
