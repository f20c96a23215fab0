#include "self_metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "build_info.hpp"

namespace tocsin::app {
namespace {

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

SelfMetrics::SelfMetrics() : m_registry(std::make_shared<prometheus::Registry>()) {
    prometheus::BuildGauge()
        .Name("tocsin_build_info")
        .Help("A metric with a constant '1' value labelled by version, commit and compiler of this tocsin.")
        .Register(*m_registry)
        .Add({{"version", build::k_version}, {"commit", build::k_commit}, {"compiler", build::k_compiler}})
        .Set(1);
    m_start_time = &gauge(*m_registry, "tocsin_start_time_seconds", "Unix time when tocsin started.");
    m_reload_ok = &gauge(*m_registry, "tocsin_config_last_reload_successful",
                         "Whether the last configuration load or reload succeeded (1) or was rejected (0).");
    m_reload_ok_time = &gauge(*m_registry, "tocsin_config_last_reload_success_timestamp_seconds",
                              "Unix time of the last successful configuration load or reload.");
    m_store_writable = &gauge(*m_registry, "tocsin_store_writable",
                              "Whether the last write probe of the SQLite store succeeded.");
    m_schema_version = &gauge(*m_registry, "tocsin_store_schema_version", "Schema version of the SQLite store.");
}

void SelfMetrics::started(TimePoint now) {
    m_start_time->Set(to_unix_seconds(now));
    reload_succeeded(now);  // the initial load counts, as in Prometheus
}

void SelfMetrics::reload_succeeded(TimePoint now) {
    m_reload_ok->Set(1);
    m_reload_ok_time->Set(to_unix_seconds(now));
}

void SelfMetrics::reload_failed() { m_reload_ok->Set(0); }
void SelfMetrics::store_writable(bool writable) { m_store_writable->Set(writable ? 1 : 0); }
void SelfMetrics::store_schema_version(int version) { m_schema_version->Set(version); }

}  // namespace tocsin::app
