#include "storage_alarm.hpp"

#include <algorithm>

#include "tocsin/core/duration.hpp"

namespace tocsin::app {

namespace {

std::int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Whole seconds: "for 2m5s", not "for 2m5s317ms".
std::string span(TimePoint from, TimePoint to) {
    return format_duration(std::chrono::duration_cast<std::chrono::seconds>(std::max(to - from, TimePoint::duration{})));
}

}  // namespace

const char* to_string(StorageNotice::Kind kind) noexcept {
    switch (kind) {
        case StorageNotice::Kind::failing: return "failing";
        case StorageNotice::Kind::update: return "update";
        case StorageNotice::Kind::reminder: return "reminder";
        case StorageNotice::Kind::recovered: return "recovered";
    }
    return "?";
}

bool StorageAlarm::failed(const std::string& operation, const std::string& error, TimePoint now) {
    Operation& op = m_operations[operation];
    const bool changed = !op.failing_since.has_value();
    if (changed) op.failing_since = now;
    op.last_error = error;
    ++op.errors;
    ++m_episode_errors[operation];
    if (!m_since) m_since = now;
    return changed;
}

bool StorageAlarm::succeeded(const std::string& operation) {
    auto it = m_operations.find(operation);
    if (it == m_operations.end() || !it->second.failing_since) return false;
    it->second = Operation{};
    return true;
}

bool StorageAlarm::failing() const {
    return std::any_of(m_operations.begin(), m_operations.end(),
                       [](const auto& kv) { return kv.second.failing_since.has_value(); });
}

bool StorageAlarm::failing(const std::string& operation) const {
    auto it = m_operations.find(operation);
    return it != m_operations.end() && it->second.failing_since.has_value();
}

std::uint64_t StorageAlarm::errors(const std::string& operation) const {
    auto it = m_operations.find(operation);
    return it == m_operations.end() ? 0 : it->second.errors;
}

std::string StorageAlarm::describe(TimePoint now) const {
    std::string out;
    for (const auto& [name, op] : m_operations) {
        if (!op.failing_since) continue;
        out += "- " + name + " (failing for " + span(*op.failing_since, now) + ", " + std::to_string(op.errors) +
               " failed write" + (op.errors == 1 ? "" : "s") + "): " + op.last_error + "\n";
    }
    return out;
}

std::string StorageAlarm::held_lines(const std::vector<HeldIncident>& held) const {
    if (held.empty()) return "No incident was declared since; none is waiting.\n";
    std::string out = "Declared since, not stored and not paged yet (paged once the store takes them):\n";
    for (const auto& h : held) {
        out += "- #" + std::to_string(h.id) + " [" + h.severity + "] " + h.title + "\n";
    }
    return out;
}

std::optional<StorageNotice> StorageAlarm::due(TimePoint now, const std::vector<HeldIncident>& held) {
    if (!m_since) return std::nullopt;
    const std::string dir = m_options.state_dir.empty() ? "its state directory" : m_options.state_dir;
    const std::string base = "storage/" + std::to_string(to_ms(*m_since)) + "/";
    auto announce = [&] {
        for (const auto& h : held) m_announced.insert(h.id);
        m_last_sent = now;
    };

    if (!failing()) {
        // Everything writes again: end the episode, and say so if it was announced.
        std::optional<StorageNotice> out;
        if (m_alerted) {
            std::string counts;
            for (const auto& [name, n] : m_episode_errors) {
                counts += (counts.empty() ? "" : ", ") + name + " " + std::to_string(n);
            }
            out = StorageNotice{StorageNotice::Kind::recovered, base + "recovered", "tocsin: state storage works again",
                                "tocsin writes to " + dir + " again, after " + span(*m_since, now) +
                                    " of failed writes (" + counts +
                                    "). Incident changes held meanwhile are stored now and their pages sent "
                                    "through the usual channels.\n"};
        }
        m_since.reset();
        m_episode_errors.clear();
        m_alerted = false;
        m_reminders = 0;
        m_updates = 0;
        m_announced.clear();
        return out;
    }

    const std::string standing =
        "Probes, scrapes and rules keep running. Incident changes and the pages they cause are held in memory and "
        "stored, then sent, as soon as writes succeed again (a restart now would lose what is held).\n";
    const std::string action = "Free space (df " + dir + ") or repair the file system; tocsin recovers by itself.\n";
    if (!m_alerted) {
        if (now - *m_since < m_options.alert_after) return std::nullopt;
        m_alerted = true;
        announce();
        return StorageNotice{StorageNotice::Kind::failing, base + "failing", "tocsin: state storage failing",
                             "tocsin cannot write to " + dir + " since " + format_utc_time(*m_since) + " (" +
                                 span(*m_since, now) + "):\n" + describe(now) + standing + held_lines(held) + action};
    }
    const bool news = std::any_of(held.begin(), held.end(), [&](const HeldIncident& h) { return !m_announced.count(h.id); });
    if (news && now - m_last_sent >= m_options.alert_after) {
        ++m_updates;
        announce();
        return StorageNotice{StorageNotice::Kind::update, base + "update/" + std::to_string(m_updates),
                             "tocsin: state storage still failing, incidents held",
                             "tocsin still cannot write to " + dir + " (for " + span(*m_since, now) + "):\n" +
                                 describe(now) + held_lines(held) + action};
    }
    if (now - m_last_sent >= m_options.remind_every) {
        ++m_reminders;
        announce();
        return StorageNotice{StorageNotice::Kind::reminder, base + "reminder/" + std::to_string(m_reminders),
                             "tocsin: state storage still failing",
                             "tocsin still cannot write to " + dir + " (for " + span(*m_since, now) + "):\n" +
                                 describe(now) + standing + held_lines(held) + action};
    }
    return std::nullopt;
}

std::optional<TimePoint> StorageAlarm::next_deadline(TimePoint now) const {
    if (!m_since || !failing()) return std::nullopt;
    if (!m_alerted) return *m_since + m_options.alert_after;
    // An update may be due once the gap passed (the daemon also looks after
    // every write outcome); a reminder at the latest.
    const TimePoint update = m_last_sent + m_options.alert_after;
    const TimePoint reminder = m_last_sent + m_options.remind_every;
    return update > now ? std::min(update, reminder) : reminder;
}

}  // namespace tocsin::app
