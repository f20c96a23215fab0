#include "systemd_notifier.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
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

// sd_notify() sends on a blocking socket: if nobody reads NOTIFY_SOCKET (a
// stalled manager, a test harness) its queue fills and the daemon's only
// thread would hang. A message that cannot go at once is dropped instead;
// the next one (a watchdog ping at the latest) carries the news again.
void SystemdNotifier::send(const std::string& message) {
    if (!m_enabled) return;
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || *path == '\0') return;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t length = std::strlen(path);
    if (length >= sizeof(addr.sun_path) || (path[0] != '/' && path[0] != '@')) {
        spdlog::warn("systemd notify failed: NOTIFY_SOCKET is not a unix socket path");
        return;
    }
    std::memcpy(addr.sun_path, path, length);
    if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        spdlog::warn("systemd notify failed: {}", std::strerror(errno));
        return;
    }
    const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    const ssize_t sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                                  reinterpret_cast<const sockaddr*>(&addr), addr_len);
    const int error = errno;
    ::close(fd);
    if (sent < 0) {
        if (error == EAGAIN || error == EWOULDBLOCK) {
            spdlog::warn("systemd notify dropped: the manager is not reading NOTIFY_SOCKET");
        } else {
            spdlog::warn("systemd notify failed: {}", std::strerror(error));
        }
    }
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
