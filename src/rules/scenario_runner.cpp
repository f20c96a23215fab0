// Runs a scenario: the series go into a SeriesStore, each rule an
// expectation names is evaluated with the real PromQL engine and AlertRule at
// 0, evaluation_interval, 2 * evaluation_interval, ... (virtual time: nothing
// waits), and each expectation is checked right after the evaluation at its
// `at`, as promtool's unit tests do.
#include <algorithm>
#include <map>
#include <memory>

#include "tocsin/core/duration.hpp"
#include "tocsin/promql/engine.hpp"
#include "tocsin/rules/alert_rule.hpp"
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

}  // namespace

ScenarioReport run_scenario(const Scenario& scenario) {
    ScenarioReport report;
    report.cases.resize(scenario.expectations.size());
    // Each rule's expectations, in order of `at` (file order among equals).
    std::map<std::string, std::vector<std::size_t>> by_rule;
    for (std::size_t i = 0; i < scenario.expectations.size(); ++i) {
        report.cases[i] = ScenarioCase{scenario.file, scenario.expectations[i].line, true, {}};
        by_rule[scenario.expectations[i].rule].push_back(i);
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
    return report;
}

}  // namespace tocsin::rules
