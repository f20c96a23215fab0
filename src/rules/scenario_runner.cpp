// Runs a scenario: the series go into a SeriesStore, each rule an
// expectation names is evaluated with the real PromQL engine and AlertRule at
// 0, evaluation_interval, 2 * evaluation_interval, ... (virtual time: nothing
// waits), and each expectation is checked right after the evaluation at its
// `at`, as promtool's unit tests do.
#include <algorithm>
#include <map>
#include <memory>

#include "tocsin/core/duration.hpp"
#include "tocsin/core/go_format.hpp"
#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/promql/engine.hpp"
#include "tocsin/rules/alert_rule.hpp"
#include "tocsin/rules/incident_observation.hpp"
#include "tocsin/rules/scenario.hpp"
#include "tocsin/series/series_store.hpp"

namespace tocsin::rules {

std::size_t ScenarioReport::passed() const {
    return static_cast<std::size_t>(
        std::count_if(cases.begin(), cases.end(), [](const ScenarioCase& c) { return c.passed; }));
}

std::size_t ScenarioReport::failed() const { return cases.size() - passed(); }

std::string format_label_sets(const std::vector<Labels>& sets) {
    std::string out = "[";
    for (std::size_t i = 0; i < sets.size(); ++i) {
        if (i > 0) out += ", ";
        out += sets[i].to_string();
    }
    out += ']';
    return out;
}

namespace {

// The alerts of `rule` in `state`, without alertname, sorted.
std::vector<Labels> alerts_in(const AlertRule& rule, AlertState state) {
    std::vector<Labels> out;
    for (const Alert& alert : rule.alerts()) {
        if (alert.state == state) out.push_back(alert.labels.without({"alertname"}));
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The expectation's failures against the rule's state after the evaluation
// at `at`; empty when it holds.
std::vector<std::string> check_expectation(const Expectation& expect, const AlertRule& rule) {
    std::vector<std::string> failures;
    const std::string prefix = "rule " + expect.rule + " at " + format_duration(expect.at) + ": ";
    auto compare = [&](const char* what, const std::vector<Labels>& expected, AlertState state) {
        std::vector<Labels> got = alerts_in(rule, state);
        if (got != expected) {
            failures.push_back(prefix + what + ": expected " + format_label_sets(expected) + " got " +
                               format_label_sets(got));
        }
    };
    compare("firing", expect.firing, AlertState::firing);
    if (expect.pending) compare("pending", *expect.pending, AlertState::pending);
    return failures;
}

// What the rule engine takes: a scalar is one sample without labels.
std::vector<Sample> to_samples(promql::Value& value) {
    std::vector<Sample> samples;
    if (value.type == promql::ValueType::scalar) {
        samples.push_back(Sample{Labels{}, value.scalar});
    } else {
        samples.reserve(value.vector.size());
        for (auto& s : value.vector) samples.push_back(Sample{std::move(s.labels), s.value});
    }
    return samples;
}

// AlertRule's errors start with "rule NAME: "; the case line already says so.
std::string without_rule_prefix(const std::string& message, const std::string& rule) {
    const std::string prefix = "rule " + rule + ": ";
    return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
}

std::unique_ptr<series::SeriesStore> load_series(const Scenario& scenario) {
    auto store = std::make_unique<series::SeriesStore>();
    // Nothing is garbage collected here; retention only sizes chunks. Cover
    // the whole scenario so every sample stays readable.
    Duration span = std::chrono::minutes(5);
    for (const auto& e : scenario.expectations) span = std::max(span, e.at);
    for (const auto& s : scenario.series) {
        span = std::max(span, s.interval * static_cast<Duration::rep>(s.values.size()));
    }
    store->set_retention(span + std::chrono::hours(1));
    for (const auto& s : scenario.series) {
        const series::SeriesRef ref = store->get_or_create(s.labels);
        if (!ref) continue;  // the reader refuses series without a name
        for (std::size_t i = 0; i < s.values.size(); ++i) {
            if (s.values[i].omitted) continue;
            const std::int64_t t = (s.interval * static_cast<Duration::rep>(i)).count();
            (void)store->append(ref, t, s.values[i].value);  // in order, one series each: always accepted
        }
    }
    return store;
}

std::string format_number(double v) { return gofmt::format_float(v); }

std::string quote_text(std::string_view s) {
    std::string out;
    append_quoted(out, s);
    return out;
}

std::string describe(const incident::Incident& i) {
    std::string out = "#" + std::to_string(i.id) + " {";
    out += i.manual ? "manual" : "rule=" + quote_text(i.rule);
    if (!i.component.empty()) out += " component=" + quote_text(i.component);
    out += " severity=" + quote_text(i.severity) + " state=" + incident::to_string(i.state);
    if (i.impact) out += " impact=" + format_number(*i.impact);
    if (i.peak_impact) out += " peak_impact=" + format_number(*i.peak_impact);
    if (i.acknowledged) out += " acknowledged";
    if (!i.affected_components.empty()) {
        out += " affected_components=[";
        for (std::size_t k = 0; k < i.affected_components.size(); ++k) {
            out += (k ? ", " : "") + quote_text(i.affected_components[k]);
        }
        out += "]";
    }
    out += " title=" + quote_text(i.title) + "}";
    return out;
}

// The fields of `expected` that `got` does not match, e.g. "state: expected
// resolved got monitoring".
std::vector<std::string> incident_mismatches(const IncidentExpectation& expected, const incident::Incident& got) {
    std::vector<std::string> out;
    auto differs = [&](const char* what, const std::string& want, const std::string& have) {
        out.push_back(std::string(what) + ": expected " + want + " got " + have);
    };
    auto text = [&](const char* what, const std::string& want, const std::string& have) {
        if (!want.empty() && want != have) differs(what, quote_text(want), quote_text(have));
    };
    text("title", expected.title, got.title);
    text("rule", expected.rule, got.rule);
    text("component", expected.component, got.component);
    text("severity", expected.severity, got.severity);
    if (expected.state && *expected.state != got.state) {
        differs("state", incident::to_string(*expected.state), incident::to_string(got.state));
    }
    auto number = [](const std::optional<double>& v) { return v ? format_number(*v) : std::string("none"); };
    if (expected.impact && got.impact != expected.impact) differs("impact", number(expected.impact), number(got.impact));
    if (expected.peak_impact && got.peak_impact != expected.peak_impact) {
        differs("peak_impact", number(expected.peak_impact), number(got.peak_impact));
    }
    if (expected.acknowledged && *expected.acknowledged != got.acknowledged.has_value()) {
        differs("acknowledged", *expected.acknowledged ? "true" : "false", got.acknowledged ? "true" : "false");
    }
    auto list = [](const std::vector<std::string>& v) {
        std::string s = "[";
        for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + quote_text(v[k]);
        return s + "]";
    };
    if (!expected.affected_components.empty() && expected.affected_components != got.affected_components) {
        differs("affected_components", list(expected.affected_components), list(got.affected_components));
    }
    return out;
}

// Every rule with incidents enabled is evaluated at each step up to the last
// incident expectation, feeding the real incident manager (observe, then
// tick) exactly as the daemon does after each evaluation round.
void run_incident_expectations(const Scenario& scenario, const promql::Engine& engine, ScenarioReport& report) {
    std::vector<std::size_t> indices;
    for (std::size_t i = 0; i < scenario.expectations.size(); ++i) {
        if (scenario.expectations[i].incidents) indices.push_back(i);
    }
    if (indices.empty()) return;
    std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
        return scenario.expectations[a].at < scenario.expectations[b].at;
    });
    auto fail = [&](std::size_t index, std::string message) {
        ScenarioCase& c = report.cases[index];
        c.passed = false;
        c.failures.push_back("incidents at " + format_duration(scenario.expectations[index].at) + ": " +
                             std::move(message));
    };

    incident::PolicyConfig policy_config = scenario.incident_policy;
    policy_config.rules = scenario.rules;
    auto policy = incident::IncidentPolicy::make(std::move(policy_config));
    if (!policy) {
        for (std::size_t i : indices) fail(i, policy.error().message);
        return;
    }
    std::vector<AlertRule> rules;
    for (const auto& config : scenario.rules) {
        if (!config.incident) continue;
        Result<AlertRule> made = AlertRule::make(config);
        if (!made) {
            for (std::size_t i : indices) fail(i, made.error().message);
            return;
        }
        rules.push_back(std::move(*made));
    }

    incident::IncidentManager manager(std::move(*policy), {}, 0);
    std::map<std::int64_t, incident::Incident> declared;
    auto record = [&](std::vector<incident::IncidentUpdate> updates) {
        for (auto& u : updates) declared[u.incident.id] = std::move(u.incident);
    };
    std::optional<std::string> eval_failure;
    std::size_t next = 0;
    const Duration last = scenario.expectations[indices.back()].at;
    for (Duration t = Duration::zero(); t <= last; t += scenario.evaluation_interval) {
        const TimePoint now = TimePoint{} + t;
        for (AlertRule& rule : rules) {
            Result<promql::Value> value = engine.instant(rule.expr(), t.count());
            std::optional<std::string> failure;
            if (!value) {
                failure = value.error().message;
            } else if (auto transitions = rule.eval(to_samples(*value), now); !transitions) {
                failure = without_rule_prefix(transitions.error().message, rule.name());
            }
            incident::RuleObservation observation = observation_of(rule);
            if (rule.impact() != nullptr) {
                Result<double> impact = evaluate_impact(engine, *rule.impact(), t.count());
                if (impact) {
                    observation.impact = *impact;
                } else if (!failure) {
                    failure = "impact: " + impact.error().message;
                }
            }
            if (failure && !eval_failure) {
                eval_failure = "rule " + rule.name() + ": evaluation failed at " + format_duration(t) + ": " + *failure;
            }
            record(manager.observe(observation, now));
        }
        record(manager.tick(now));
        for (; next < indices.size() && scenario.expectations[indices[next]].at == t; ++next) {
            const std::size_t i = indices[next];
            if (eval_failure) {
                fail(i, *eval_failure);
                continue;
            }
            const auto& expected = *scenario.expectations[i].incidents;
            std::vector<const incident::Incident*> got;
            for (const auto& [id, incident] : declared) got.push_back(&incident);
            std::string listing = "[";
            for (std::size_t k = 0; k < got.size(); ++k) listing += (k ? ", " : "") + describe(*got[k]);
            listing += "]";
            if (got.size() != expected.size()) {
                fail(i, "expected " + std::to_string(expected.size()) + " incident(s), got " +
                            std::to_string(got.size()) + ": " + listing);
                continue;
            }
            for (std::size_t k = 0; k < got.size(); ++k) {
                auto mismatches = incident_mismatches(expected[k], *got[k]);
                if (mismatches.empty()) continue;
                std::string message = "incident " + std::to_string(k + 1) + ":";
                for (const auto& m : mismatches) message += " " + m + ";";
                fail(i, message + " all incidents: " + listing);
            }
        }
    }
}

}  // namespace

ScenarioReport run_scenario(const Scenario& scenario) {
    ScenarioReport report;
    report.cases.resize(scenario.expectations.size());
    // Each rule's expectations, in order of `at` (file order among equals).
    std::map<std::string, std::vector<std::size_t>> by_rule;
    for (std::size_t i = 0; i < scenario.expectations.size(); ++i) {
        report.cases[i] = ScenarioCase{scenario.file, scenario.expectations[i].line, true, {}};
        if (!scenario.expectations[i].rule.empty()) by_rule[scenario.expectations[i].rule].push_back(i);
    }

    const std::unique_ptr<series::SeriesStore> store = load_series(scenario);
    const promql::Engine engine(*store);
    const Duration step = scenario.evaluation_interval;

    auto fail = [&](std::size_t index, std::string message) {
        ScenarioCase& c = report.cases[index];
        c.passed = false;
        c.failures.push_back("rule " + scenario.expectations[index].rule + " at " +
                             format_duration(scenario.expectations[index].at) + ": " + std::move(message));
    };

    for (auto& [name, indices] : by_rule) {
        std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
            return scenario.expectations[a].at < scenario.expectations[b].at;
        });
        auto config = std::find_if(scenario.rules.begin(), scenario.rules.end(),
                                   [&](const config::RuleConfig& r) { return r.name == name; });
        if (config == scenario.rules.end()) {
            for (std::size_t i : indices) fail(i, "no such rule");
            continue;
        }
        Result<AlertRule> made = AlertRule::make(*config);
        if (!made) {
            for (std::size_t i : indices) fail(i, made.error().message);
            continue;
        }
        AlertRule& rule = *made;

        // The first failed evaluation taints every later state of the rule.
        std::optional<std::string> eval_failure;
        std::size_t next = 0;
        const Duration last = scenario.expectations[indices.back()].at;
        for (Duration t = Duration::zero(); t <= last; t += step) {
            Result<promql::Value> value = engine.instant(rule.expr(), t.count());
            if (!value) {
                if (!eval_failure)
                    eval_failure = "evaluation failed at " + format_duration(t) + ": " + value.error().message;
            } else {
                auto transitions = rule.eval(to_samples(*value), TimePoint{} + t);
                if (!transitions && !eval_failure) {
                    eval_failure = "evaluation failed at " + format_duration(t) + ": " +
                                   without_rule_prefix(transitions.error().message, name);
                }
            }
            for (; next < indices.size() && scenario.expectations[indices[next]].at == t; ++next) {
                const std::size_t i = indices[next];
                if (eval_failure) {
                    fail(i, *eval_failure);
                    continue;
                }
                std::vector<std::string> failures = check_expectation(scenario.expectations[i], rule);
                if (!failures.empty()) {
                    report.cases[i].passed = false;
                    report.cases[i].failures = std::move(failures);
                }
            }
        }
    }
    run_incident_expectations(scenario, engine, report);
    return report;
}

}  // namespace tocsin::rules
