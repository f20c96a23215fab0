// Boost.JSON values for incidents and events (private to the api module;
// include/tocsin/api/incident_json.hpp has the string forms).
#pragma once

#include <boost/json/object.hpp>

#include "tocsin/incident/incident.hpp"

namespace tocsin::api {

boost::json::object incident_object(const incident::Incident& incident);
boost::json::object event_object(const incident::IncidentEvent& event);

}  // namespace tocsin::api
