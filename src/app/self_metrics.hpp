// tocsin's own metrics (tocsin_*), served on /metrics next to the API's.
#pragma once

#include <memory>

#include "tocsin/core/clock.hpp"

namespace prometheus {
class Registry;
class Gauge;
}  // namespace prometheus

namespace tocsin::app {

class SelfMetrics {
public:
    SelfMetrics();

    std::shared_ptr<prometheus::Registry> registry() const { return m_registry; }

    void started(TimePoint now);
    void reload_succeeded(TimePoint now);
    void reload_failed();
    void store_writable(bool writable);
    void store_schema_version(int version);

private:
    std::shared_ptr<prometheus::Registry> m_registry;
    prometheus::Gauge* m_start_time = nullptr;
    prometheus::Gauge* m_reload_ok = nullptr;
    prometheus::Gauge* m_reload_ok_time = nullptr;
    prometheus::Gauge* m_store_writable = nullptr;
    prometheus::Gauge* m_schema_version = nullptr;
};

}  // namespace tocsin::app
