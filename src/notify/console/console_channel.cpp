#include "tocsin/notify/console/console_channel.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tocsin/core/duration.hpp"

namespace tocsin::notify::console {
namespace {


bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

ConsoleChannel::ConsoleChannel(std::string path, const Clock& clock) : m_path(std::move(path)), m_clock(clock) {}

std::string ConsoleChannel::render(const std::string& recipient, const Notification& n, TimePoint at) {
    std::string out;
    out += "\n===== page for " + recipient + " at " + format_utc_time(at) + " (what the email and the Telegram message say) =====\n";
    out += "Subject: " + n.subject + "\n\n";
    out += n.text;
    if (!n.text.empty() && n.text.back() != '\n') out += '\n';
    if (!n.digest.empty()) {
        out += "\nIncidents in this digest:\n";
        for (const auto& item : n.digest) out += "  - " + item.subject + "\n";
    }
    if (n.actionable) {
        out += n.digest.empty() ? "\nTelegram buttons: [Acknowledge] [Resolve] [Escalate]\n"
                                : "\nTelegram buttons: one [Ack #ID] per incident, [Acknowledge all]\n";
    }
    out += "===== end of page =====\n";
    return out;
}

void ConsoleChannel::deliver(const std::string& recipient, const Notification& notification,
                             std::function<void(DeliveryResult)> done) {
    const std::string block = render(recipient, notification, m_clock.now());
    DeliveryResult result;
    bool ok = false;
    if (m_path == "-") {
        ok = write_all(STDOUT_FILENO, block);
    } else {
        int fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ok = write_all(fd, block);
            ::close(fd);
        }
    }
    if (ok) {
        result.outcome = DeliveryOutcome::sent;
        result.remote_id = "console-" + std::to_string(++m_count);
        result.detail = "printed";
    } else {
        result.outcome = DeliveryOutcome::retry;
        result.detail = std::string("cannot write ") + (m_path == "-" ? "to standard output" : m_path) + ": " +
                        std::strerror(errno);
    }
    done(std::move(result));
}

}  // namespace tocsin::notify::console
