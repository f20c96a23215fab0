#include "tocsin/rules/incident_observation.hpp"

namespace tocsin::rules {

incident::RuleObservation observation_of(const AlertRule& rule) {
    incident::RuleObservation observation;
    observation.rule = rule.name();
    for (const Alert& alert : rule.alerts()) {
        if (alert.state != AlertState::firing) continue;
        observation.firing.push_back(
            incident::FiringAlert{alert.labels, alert.active_at, rule.title(alert), alert.description});
    }
    return observation;
}

Result<double> evaluate_impact(const promql::Engine& engine, const promql::Expr& impact, std::int64_t t_ms) {
    Result<promql::Value> value = engine.instant(impact, t_ms);
    if (!value) return value.error();
    if (value->type == promql::ValueType::scalar) return value->scalar;
    double sum = 0;
    for (const auto& sample : value->vector) sum += sample.value;
    return sum;
}

}  // namespace tocsin::rules
