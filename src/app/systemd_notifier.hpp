// The sd_notify(3) protocol: tells systemd when tocsin is ready, reloading,
// stopping, and alive (watchdog). Does nothing when NOTIFY_SOCKET is unset.
#pragma once

#include <optional>
#include <string>

#include "tocsin/core/clock.hpp"

namespace tocsin::app {

class SystemdNotifier {
public:
    SystemdNotifier();

    bool enabled() const { return m_enabled; }
    // Half of WATCHDOG_USEC when systemd expects keep-alive pings for us.
    std::optional<Duration> watchdog_interval() const { return m_watchdog_interval; }

    void ready(const std::string& status);
    void reloading();
    void stopping();
    void watchdog();
    void status(const std::string& status);

private:
    void send(const std::string& message);

    bool m_enabled = false;
    std::optional<Duration> m_watchdog_interval;
};

}  // namespace tocsin::app
