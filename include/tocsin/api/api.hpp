// Routes HTTP requests to tocsin's endpoints. Business logic lives elsewhere;
// the api module asks hooks for answers and renders them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/core/result.hpp"
#include "tocsin/core/secret.hpp"
#include "tocsin/incident/incident.hpp"
#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/net/http_server.hpp"
#include "tocsin/paging/ack_link.hpp"

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
    enum class Kind { declare, acknowledge, set_state, set_severity, note, set_taxonomy, postmortem_published };
    Kind kind = Kind::note;
    std::int64_t id = 0;  // all but declare
    incident::Actor actor;
    std::string message;
    incident::IncidentState state = incident::IncidentState::investigating;  // set_state
    bool force = false;                                                     // set_state
    std::string severity;                                                   // set_severity
    std::string taxonomy;                                                   // set_taxonomy
    std::string url;                                                        // postmortem_published
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

struct IncidentDetail {
    incident::Incident incident;
    std::vector<incident::IncidentEvent> events;
};

struct ApiHooks {
    std::function<Check()> health;  // the loop is alive and the store writable
    std::function<Check()> ready;   // started, migrated, not shutting down
    // Incidents; unset hooks answer 503. Reads never change anything.
    std::function<Result<std::vector<incident::Incident>>(bool open_only, std::size_t limit)> list_incidents;
    // nullopt: no such incident.
    std::function<Result<std::optional<IncidentDetail>>(std::int64_t id)> get_incident;
    std::function<IncidentCommandResult(const IncidentCommand&)> incident_command;
    // Bearer token write endpoints require; nullopt: writes are refused.
    std::optional<Secret> token;
    // Checks signed acknowledgement links (GET/POST /ack/<token>, which
    // need no bearer token: the link is the credential); nullopt: /ack
    // answers 404.
    std::optional<paging::AckLinkSigner> ack_links;
    // The time links are checked against; unset: the system clock.
    std::function<TimePoint()> now;
};

class Api {
public:
    Api(std::shared_ptr<prometheus::Registry> registry, ApiHooks hooks);

    net::HttpResponse handle(const net::HttpRequest& request);

private:
    net::HttpResponse route(const net::HttpRequest& request, std::string& handler_label);
    net::HttpResponse metrics() const;

    std::shared_ptr<prometheus::Registry> m_registry;
    ApiHooks m_hooks;
    prometheus::Family<prometheus::Counter>* m_requests = nullptr;
};

}  // namespace tocsin::api
