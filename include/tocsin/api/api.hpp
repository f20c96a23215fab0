// Routes HTTP requests to tocsin's endpoints. Business logic lives elsewhere;
// the api module asks hooks for answers and renders them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/api/access.hpp"
#include "tocsin/api/alert_batch.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/core/secret.hpp"
#include "tocsin/incident/incident.hpp"
#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/incident/maintenance_record.hpp"
#include "tocsin/net/http_server.hpp"
#include "tocsin/paging/ack_link.hpp"
#include "tocsin/status/status_summary.hpp"

namespace prometheus {
class Registry;
template <typename T> class Family;
class Counter;
}  // namespace prometheus

namespace tocsin::api {

struct Check {
    bool ok = false;
    std::string detail;  // one line an operator can act on; never a secret
};

// A person's action on incidents, as the API received it. `actor.channel`
// is "api" ("email" for an acknowledgement link); `actor.name` is who the
// request (or the link) says acts.
struct IncidentCommand {
    enum class Kind { declare, acknowledge, set_state, set_severity, note, set_taxonomy, postmortem_published, assign_owner };
    Kind kind = Kind::note;
    std::int64_t id = 0;  // all but declare
    incident::Actor actor;
    std::string message;
    incident::IncidentState state = incident::IncidentState::investigating;  // set_state
    bool force = false;                                                     // set_state
    std::string severity;                                                   // set_severity
    std::string taxonomy;                                                   // set_taxonomy
    std::string url;                                                        // postmortem_published
    std::string owner;                                                      // assign_owner
    incident::ManualDeclaration declaration;                                // declare
};

// What the daemon answered: the incident after the change, or why nothing
// changed. `status` is the HTTP status to send (200, 201 for declare, 400
// invalid, 404 unknown incident, 409 conflict such as already acknowledged,
// 503 the database refused the write).
struct IncidentCommandResult {
    int status = 200;
    std::optional<incident::Incident> incident;
    std::string error;
};

// GET /api/v1/incidents: which incidents, newest first.
struct IncidentFilter {
    bool open_only = true;
    std::size_t limit = 100;
    std::string severity;   // "" : any
    std::string component;  // "" : any; else the main component or an affected one
    // Incidents open at some moment at or after this: declared since, or
    // resolved since, or still open.
    std::optional<TimePoint> since;
};

struct IncidentDetail {
    incident::Incident incident;
    std::vector<incident::IncidentEvent> events;
};

// POST /api/v1/maintenance and /api/v1/silences: a window to create.
// Times are checked by the daemon (ends after starts, not in the past).
struct MaintenanceRequest {
    incident::MaintenanceKind kind = incident::MaintenanceKind::maintenance;
    std::vector<std::string> components;
    std::string match;
    std::optional<TimePoint> starts;  // nullopt: now
    std::optional<TimePoint> ends;    // exactly one of ends and duration
    std::optional<Duration> duration;
    std::string reason;
    incident::Actor actor;
};

// What the daemon answered; `status` as for IncidentCommandResult (201
// created, 400 invalid, 404 unknown id, 409 already ended, 503).
struct MaintenanceResult {
    int status = 200;
    std::optional<incident::MaintenanceRecord> window;
    std::string error;
};

struct MaintenanceListing {
    std::vector<config::MaintenanceConfig> configured;  // [[maintenance]] of the configuration
    std::vector<incident::MaintenanceRecord> windows;   // from the API, current (or recent) first
};

// Who is on call in one [[schedule]] at an instant.
struct OncallEntry {
    std::string schedule;
    std::string time_zone;
    std::string person;        // "" : nobody
    std::string display_name;  // the person's display name, else ""
    std::string source;        // "layer" or "override"
    std::string layer;         // the layer's name (source "layer")
    std::string covering_for;  // who the override replaces (source "override"), else ""
    std::optional<TimePoint> until;  // next handoff; nullopt: none within two years
};

struct ApiHooks {
    std::function<Check()> health;  // the loop is alive and the store writable
    std::function<Check()> ready;   // started, migrated, not shutting down
    // Incidents; unset hooks answer 503. Reads never change anything.
    std::function<Result<std::vector<incident::Incident>>(const IncidentFilter& filter)> list_incidents;
    // nullopt: no such incident.
    std::function<Result<std::optional<IncidentDetail>>(std::int64_t id)> get_incident;
    std::function<IncidentCommandResult(const IncidentCommand&)> incident_command;
    // Maintenance windows and silences; unset hooks answer 503. `all`:
    // recent ended windows too.
    std::function<Result<MaintenanceListing>(bool all)> list_maintenance;
    std::function<MaintenanceResult(const MaintenanceRequest&)> create_maintenance;
    std::function<MaintenanceResult(std::int64_t id, const incident::Actor& actor)> end_maintenance;
    // Who is on call at `at` in each schedule (GET /api/v1/oncall).
    std::function<Result<std::vector<OncallEntry>>(TimePoint at)> oncall;
    // Who may read and write /api/v1; Api::set_access replaces it on reload.
    AccessPolicy access;
    // Checks signed acknowledgement links (GET/POST /ack/<token>, which
    // need no bearer token: the link is the credential); nullopt: /ack
    // answers 404.
    std::optional<paging::AckLinkSigner> ack_links;
    // The time links are checked against; unset: the system clock.
    std::function<TimePoint()> now;
    // The public status page (GET /status, /api/v1/status; no token). Unset:
    // both answer 404 ([status_page] enabled = false).
    std::function<Result<status::StatusSummary>()> status;
    // Alertmanager's webhook (POST /api/v1/alerts, after authorization as a
    // write). Unset: 404.
    std::function<AlertsResult(const AlertBatch&)> receive_alerts;
};

class RateLimiter;

class Api {
public:
    Api(std::shared_ptr<prometheus::Registry> registry, ApiHooks hooks);

    net::HttpResponse handle(const net::HttpRequest& request);
    ~Api();
    // New tokens and limits take effect for the next request (configuration
    // reload); clients keep their remaining budget only if the limits stay.
    void set_access(AccessPolicy access);

private:
    net::HttpResponse route(const net::HttpRequest& request, std::string& handler_label);
    net::HttpResponse metrics() const;

    std::shared_ptr<prometheus::Registry> m_registry;
    ApiHooks m_hooks;
    prometheus::Family<prometheus::Counter>* m_requests = nullptr;
    std::unique_ptr<RateLimiter> m_limiter;
};

}  // namespace tocsin::api
