#include "systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <spdlog/spdlog.h>

namespace tocsin::app {

SystemdNotifier::SystemdNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    m_enabled = socket != nullptr && *socket != '\0';
    std::uint64_t usec = 0;
    if (m_enabled && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        m_watchdog_interval = std::chrono::duration_cast<Duration>(std::chrono::microseconds(usec / 2));
    }
}

void SystemdNotifier::send(const std::string& message) {
    if (!m_enabled) return;
    int rc = sd_notify(0, message.c_str());
    if (rc < 0) spdlog::warn("systemd notify failed: {}", std::strerror(-rc));
}

void SystemdNotifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }

void SystemdNotifier::reloading() {
    // MONOTONIC_USEC lets systemd >= 253 (Type=notify-reload) match the reload.
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL + static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::stopping() { send("STOPPING=1"); }
void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }
void SystemdNotifier::status(const std::string& status) { send("STATUS=" + status); }

}  // namespace tocsin::app
