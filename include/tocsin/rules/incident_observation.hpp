// What the incident manager needs from a rule after an evaluation: its
// firing alerts (with their incident titles) and the value of its impact
// expression. Shared by the daemon and `tocsin test` so both declare
// incidents from exactly the same facts.
#pragma once

#include <cstdint>

#include "tocsin/core/result.hpp"
#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/promql/engine.hpp"
#include "tocsin/rules/alert_rule.hpp"

namespace tocsin::rules {

// The rule's firing alerts; `impact` left unset.
incident::RuleObservation observation_of(const AlertRule& rule);

// The impact expression's value at `t_ms`: the sum of its samples (a scalar
// is its value; an empty result is 0).
Result<double> evaluate_impact(const promql::Engine& engine, const promql::Expr& impact, std::int64_t t_ms);

}  // namespace tocsin::rules
