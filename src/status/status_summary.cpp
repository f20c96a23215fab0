#include "tocsin/status/status_summary.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "tocsin/incident/maintenance_window.hpp"

namespace tocsin::status {
namespace {

using incident::EventKind;
using incident::Incident;
using std::chrono::days;

// Upcoming maintenance is listed this long before it starts.
constexpr Duration k_maintenance_horizon = std::chrono::duration_cast<Duration>(days(7));

// What a component went through: `status` over [begin, end).
struct Segment {
    TimePoint begin{};
    TimePoint end{};
    ComponentStatus status = ComponentStatus::operational;
};

std::string to_side(const std::string& detail, bool to) {
    auto pos = detail.find(" -> ");
    if (pos == std::string::npos) return {};
    return to ? detail.substr(pos + 4) : detail.substr(0, pos);
}

// FNV-1a: ids that stay the same for the same name across restarts and hosts.
std::string stable_id(std::string_view text) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string utc_date(TimePoint t) {
    const auto day = std::chrono::floor<days>(t);
    const std::chrono::year_month_day ymd{day};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

// When the incident's impact began: its first failing sample, unless that
// is unset or (a clock step) after the declaration.
TimePoint impact_begin(const Incident& i) {
    if (i.impact_started == TimePoint{} || i.impact_started > i.detected) return i.detected;
    return i.impact_started;
}

// The incident's status over time, from its tier at each moment (severity
// changes are in the audit trail as "FROM -> TO").
std::vector<Segment> segments(const IncidentRecord& record, const std::vector<config::SeverityConfig>& tiers,
                              TimePoint now) {
    const Incident& i = record.incident;
    const TimePoint end = i.resolved ? std::min(*i.resolved, now) : now;
    TimePoint begin = impact_begin(i);
    std::string tier = i.severity;
    std::vector<std::pair<TimePoint, std::string>> changes;
    for (const auto& ev : record.events) {
        if (ev.kind != EventKind::severity_changed) continue;
        const std::string to = to_side(ev.detail, true);
        if (to.empty()) continue;
        if (changes.empty()) {
            const std::string from = to_side(ev.detail, false);
            if (!from.empty()) tier = from;
        }
        changes.emplace_back(ev.at, to);
    }
    std::vector<Segment> out;
    for (const auto& [at, to] : changes) {
        const TimePoint stop = std::clamp(at, begin, std::max(begin, end));
        if (stop > begin) out.push_back({begin, stop, tier_status(tiers, tier)});
        begin = stop;
        tier = to;
    }
    if (end > begin) out.push_back({begin, end, tier_status(tiers, tier)});
    if (out.empty()) out.push_back({begin, begin, tier_status(tiers, tier)});  // keeps the status of an instant
    return out;
}

std::vector<std::string> components_of(const Incident& i) {
    std::vector<std::string> out;
    auto add = [&](const std::string& c) {
        if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    };
    add(i.component);
    for (const auto& c : i.affected_components) add(c);
    return out;
}

// Public updates, newest first; the same rule as subscribers' notices
// (paging_policy.cpp): a person's state change and its message, and the
// resolution; notes and everything tocsin does on its own stay internal.
std::vector<StatusUpdate> public_updates(const IncidentRecord& record) {
    const Incident& i = record.incident;
    const std::string prefix = std::to_string(i.id) + "-";
    std::vector<StatusUpdate> out;
    out.push_back({prefix + "0", "investigating", "We are investigating this issue.", i.detected});
    for (const auto& ev : record.events) {
        if (ev.kind != EventKind::state_changed) continue;
        const std::string to = to_side(ev.detail, true);
        const bool human = ev.actor.channel != "rule";
        if (to == "resolved") {
            out.push_back({prefix + std::to_string(ev.id), to,
                           ev.message.empty() ? "This incident has been resolved." : ev.message, ev.at});
        } else if (human && incident::parse_incident_state(to)) {
            out.push_back({prefix + std::to_string(ev.id), to,
                           ev.message.empty() ? "Status changed to " + to + "." : ev.message, ev.at});
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const StatusUpdate& a, const StatusUpdate& b) { return a.at > b.at; });
    return out;
}

// Total length of the union of [begin, end) intervals clipped to [from, to).
Duration union_length(std::vector<std::pair<TimePoint, TimePoint>> spans, TimePoint from, TimePoint to) {
    for (auto& [b, e] : spans) {
        b = std::max(b, from);
        e = std::min(e, to);
    }
    std::erase_if(spans, [](const auto& s) { return s.second <= s.first; });
    std::sort(spans.begin(), spans.end());
    Duration total{};
    TimePoint covered = from;
    for (const auto& [b, e] : spans) {
        const TimePoint start = std::max(b, covered);
        if (e > start) {
            total += std::chrono::duration_cast<Duration>(e - start);
            covered = e;
        }
    }
    return total;
}

double fraction_up(Duration outage, Duration length) {
    if (length <= Duration::zero()) return 1.0;
    return std::clamp(1.0 - static_cast<double>(outage.count()) / static_cast<double>(length.count()), 0.0, 1.0);
}

std::vector<MaintenanceSummary> maintenance_of(const std::vector<config::MaintenanceConfig>& configs, TimePoint now) {
    std::vector<MaintenanceSummary> out;
    for (const auto& c : configs) {
        auto window = incident::MaintenanceWindow::make(c);
        if (!window) continue;  // the loader refused it already
        MaintenanceSummary m;
        m.id = stable_id("maintenance/" + c.name);
        m.name = c.name;
        m.components = c.components;
        if (auto now_on = window->occurrence_at(now)) {
            m.in_progress = true;
            m.scheduled_for = now_on->first;
            m.scheduled_until = now_on->second;
        } else if (auto next = window->next_change_after(now); next && *next - now <= k_maintenance_horizon) {
            auto occurrence = window->occurrence_at(*next);
            if (!occurrence) continue;
            m.scheduled_for = occurrence->first;
            m.scheduled_until = occurrence->second;
        } else {
            continue;
        }
        out.push_back(std::move(m));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(b.in_progress, a.scheduled_for, a.name) < std::tie(a.in_progress, b.scheduled_for, b.name);
    });
    return out;
}

}  // namespace

const char* to_string(ComponentStatus status) noexcept {
    switch (status) {
        case ComponentStatus::operational: return "operational";
        case ComponentStatus::degraded_performance: return "degraded_performance";
        case ComponentStatus::partial_outage: return "partial_outage";
        case ComponentStatus::major_outage: return "major_outage";
    }
    return "operational";
}

const char* label(ComponentStatus status) noexcept {
    switch (status) {
        case ComponentStatus::operational: return "Operational";
        case ComponentStatus::degraded_performance: return "Degraded performance";
        case ComponentStatus::partial_outage: return "Partial outage";
        case ComponentStatus::major_outage: return "Major outage";
    }
    return "Operational";
}

std::optional<ComponentStatus> parse_status_label(std::string_view text) noexcept {
    std::string t;
    for (char c : text) t += c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t == "operational") return ComponentStatus::operational;
    if (t == "degraded performance") return ComponentStatus::degraded_performance;
    if (t == "partial outage") return ComponentStatus::partial_outage;
    if (t == "major outage") return ComponentStatus::major_outage;
    return std::nullopt;
}

const char* indicator(ComponentStatus worst) noexcept {
    switch (worst) {
        case ComponentStatus::operational: return "none";
        case ComponentStatus::degraded_performance: return "minor";
        case ComponentStatus::partial_outage: return "major";
        case ComponentStatus::major_outage: return "critical";
    }
    return "none";
}

ComponentStatus tier_status(const std::vector<config::SeverityConfig>& tiers, const std::string& tier) {
    auto it = std::find_if(tiers.begin(), tiers.end(), [&](const auto& t) { return t.name == tier; });
    if (it == tiers.end()) return ComponentStatus::degraded_performance;
    const ComponentStatus s = parse_status_label(it->status).value_or(ComponentStatus::degraded_performance);
    // A tier that does not page is not an outage, whatever its label says.
    return it->page ? s : std::min(s, ComponentStatus::degraded_performance);
}

TimePoint window_start(TimePoint now) {
    return std::chrono::floor<days>(now) - days(k_days - 1);
}

StatusSummary summarize(const StatusInput& input) {
    StatusSummary out;
    out.title = input.title;
    out.url = input.url;
    out.now = input.now;
    out.window_start = window_start(input.now);
    const TimePoint now = input.now;

    // Component list: configured order, then names only incidents know.
    std::vector<ComponentSummary>& comps = out.components;
    std::map<std::string, std::size_t> index;
    auto add_component = [&](const std::string& name, const std::string& description) {
        if (name.empty() || index.count(name)) return;
        index[name] = comps.size();
        ComponentSummary c;
        c.id = stable_id(name);
        c.name = name;
        c.description = description;
        comps.push_back(std::move(c));
    };
    for (const auto& c : input.components) add_component(c.name, c.description);
    auto in_window = [&](const Incident& i) {
        return i.open() || (i.resolved && *i.resolved >= out.window_start);
    };
    std::set<std::string> extra;
    for (const auto& r : input.incidents) {
        if (!in_window(r.incident)) continue;
        for (const auto& c : components_of(r.incident)) {
            if (!index.count(c)) extra.insert(c);
        }
    }
    for (const auto& c : extra) add_component(c, "");
    for (std::size_t k = 0; k < comps.size(); ++k) comps[k].position = static_cast<int>(k + 1);

    // Incidents, and what each did to its components.
    std::vector<std::vector<Segment>> history(comps.size());
    for (const auto& r : input.incidents) {
        const Incident& i = r.incident;
        if (!in_window(i)) continue;
        const std::vector<Segment> segs = segments(r, input.tiers, now);
        ComponentStatus worst = ComponentStatus::operational;
        for (const auto& s : segs) worst = std::max(worst, s.status);
        if (worst == ComponentStatus::operational) continue;  // declassified: not an incident

        IncidentSummary s;
        s.id = i.id;
        s.name = i.title.empty() ? i.key : i.title;
        s.status = incident::to_string(i.state);
        s.impact = worst;
        s.started = impact_begin(i);
        s.created = i.detected;
        s.monitoring = i.mitigated;
        s.resolved = i.resolved;
        s.components = components_of(i);
        s.updates = public_updates(r);
        s.updated = s.updates.empty() ? i.detected : s.updates.front().at;

        const ComponentStatus current = segs.back().status;
        for (const auto& name : s.components) {
            const std::size_t k = index.at(name);
            if (i.open()) comps[k].status = std::max(comps[k].status, current);
            for (const auto& seg : segs) {
                history[k].push_back(seg);
                TimePoint last = i.open() ? seg.begin : seg.end;
                if (!comps[k].updated || *comps[k].updated < last) comps[k].updated = last;
            }
        }
        if (i.open()) {
            out.worst = std::max(out.worst, current);
            out.open.push_back(std::move(s));
        } else {
            out.resolved.push_back(std::move(s));
        }
    }
    std::sort(out.open.begin(), out.open.end(),
              [](const auto& a, const auto& b) { return std::tie(b.created, b.id) < std::tie(a.created, a.id); });
    std::sort(out.resolved.begin(), out.resolved.end(),
              [](const auto& a, const auto& b) { return std::tie(*b.resolved, b.id) < std::tie(*a.resolved, a.id); });

    // Daily buckets: the worst status of each day and its time without a
    // partial or major outage.
    for (std::size_t k = 0; k < comps.size(); ++k) {
        std::vector<std::pair<TimePoint, TimePoint>> outages;
        for (const auto& seg : history[k]) {
            if (seg.status >= ComponentStatus::partial_outage) outages.emplace_back(seg.begin, seg.end);
        }
        Duration total_outage{};
        for (int d = 0; d < k_days; ++d) {
            DayBucket b;
            b.start = out.window_start + days(d);
            b.date = utc_date(b.start);
            const TimePoint end = std::min(b.start + days(1), std::max(now, b.start));
            for (const auto& seg : history[k]) {
                // An instant (an incident declared just now) counts for its day.
                const bool overlaps = seg.begin < b.start + days(1) &&
                                      (seg.end > b.start || (seg.begin == seg.end && seg.begin >= b.start));
                if (overlaps) b.worst = std::max(b.worst, seg.status);
            }
            b.outage = union_length(outages, b.start, end);
            b.availability = fraction_up(b.outage, std::chrono::duration_cast<Duration>(end - b.start));
            total_outage += b.outage;
            comps[k].days.push_back(std::move(b));
        }
        comps[k].availability =
            fraction_up(total_outage, std::chrono::duration_cast<Duration>(std::max(now, out.window_start) -
                                                                           out.window_start));
    }

    out.maintenance = maintenance_of(input.maintenance, now);
    return out;
}

}  // namespace tocsin::status
