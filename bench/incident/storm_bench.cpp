// A storm: one evaluation round in which N alerts of different components
// fire at once. Measures the incident manager's decisions and the one
// transaction that commits every incident row and its audit events (hashes
// chained) to a real SQLite file in WAL mode with synchronous=FULL, as the
// daemon does after an evaluation round.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace {

using namespace tocsin;

std::filesystem::path scratch_dir() {
    // Next to the build by default (a real disk, not tmpfs); TOCSIN_BENCH_DIR overrides.
    const char* dir = std::getenv("TOCSIN_BENCH_DIR");
    std::filesystem::path base = dir != nullptr ? dir : std::filesystem::current_path();
    auto path = base / ("tocsin-storm-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
}

incident::RuleObservation storm(std::size_t n) {
    incident::RuleObservation observation;
    observation.rule = "ServiceDown";
    for (std::size_t i = 0; i < n; ++i) {
        observation.firing.push_back(incident::FiringAlert{
            Labels{{"alertname", "ServiceDown"}, {"component", "svc-" + std::to_string(i)}, {"instance", "10.0.0.1:80"}},
            TimePoint{} + std::chrono::minutes(1), "Service svc-" + std::to_string(i) + " is down", ""});
    }
    return observation;
}

void BM_DeclareAndCommitStorm(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto dir = scratch_dir();
    config::RuleConfig rule;
    rule.name = "ServiceDown";
    rule.expr = "up == 0";
    rule.severity = "P1";
    incident::PolicyConfig policy_config;
    policy_config.rules = {rule};
    const auto observation = storm(n);
    int round = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const auto path = dir / ("storm-" + std::to_string(round++) + ".db");
        auto store = store::Store::open(path.string());
        incident::IncidentManager manager(*incident::IncidentPolicy::make(policy_config), {}, 0);
        state.ResumeTiming();

        auto updates = manager.observe(observation, TimePoint{} + std::chrono::minutes(2));
        auto tx = store::Transaction::begin(store.database());
        auto saved = store::IncidentRepository(store.database()).save(updates);
        if (!saved || !tx->commit()) state.SkipWithError("commit failed");

        state.PauseTiming();
        if (updates.size() != n) state.SkipWithError("wrong number of incidents");
        state.ResumeTiming();
    }
    state.counters["incidents"] = static_cast<double>(n);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
    std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DeclareAndCommitStorm)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

// The manager alone: deciding 1,000 declarations, no I/O.
void BM_DecideStorm(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    config::RuleConfig rule;
    rule.name = "ServiceDown";
    rule.expr = "up == 0";
    incident::PolicyConfig policy_config;
    policy_config.rules = {rule};
    const auto observation = storm(n);
    for (auto _ : state) {
        incident::IncidentManager manager(*incident::IncidentPolicy::make(policy_config), {}, 0);
        benchmark::DoNotOptimize(manager.observe(observation, TimePoint{} + std::chrono::minutes(2)));
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_DecideStorm)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
