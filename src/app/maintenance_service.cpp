#include "maintenance_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "tocsin/api/incident_json.hpp"
#include "tocsin/incident/maintenance_window.hpp"
#include "tocsin/store/maintenance_repository.hpp"

namespace tocsin::app {
namespace {

constexpr Duration k_max_length = std::chrono::hours(24 * 366);
constexpr Duration k_max_lead = std::chrono::hours(24 * 366);
constexpr std::size_t k_recent = 100;

api::MaintenanceResult refused(int status, std::string message) { return {status, std::nullopt, std::move(message)}; }

}  // namespace

Status MaintenanceService::load(TimePoint now) {
    auto current = store::MaintenanceRepository(*m_db).load_current(now);
    if (!current) return current.error();
    m_current = std::move(*current);
    if (!m_current.empty()) spdlog::info("{} maintenance window(s) or silence(s) from the API restored", m_current.size());
    return Ok{};
}

config::Config MaintenanceService::with_windows(const config::Config& config, TimePoint now) const {
    config::Config out = config;
    for (const auto& w : m_current) {
        if (w.ends > now) out.maintenance.push_back(w.to_config());
    }
    return out;
}

api::MaintenanceResult MaintenanceService::create(const api::MaintenanceRequest& r, const config::Config& config,
                                                  TimePoint now) {
    incident::MaintenanceRecord w;
    w.kind = r.kind;
    w.components = r.components;
    w.match = r.match;
    w.starts = r.starts.value_or(now);
    // Bound the duration before adding it: "300y" would overflow the clock.
    if (r.duration && *r.duration > k_max_length) return refused(400, "a window lasts at most 366 days");
    w.ends = r.ends ? *r.ends : w.starts + *r.duration;
    w.reason = r.reason;
    w.created_by = r.actor;
    w.created = now;
    for (const auto& c : w.components) {
        if (std::none_of(config.components.begin(), config.components.end(),
                         [&](const config::ComponentConfig& k) { return k.name == c; })) {
            std::string known;
            for (const auto& k : config.components) known += (known.empty() ? "" : ", ") + k.name;
            return refused(400, "unknown component \"" + c + "\" (configured: " + (known.empty() ? "none" : known) + ")");
        }
    }
    if (w.ends <= w.starts) return refused(400, "\"ends\" must be after \"starts\"");
    if (w.ends <= now) return refused(400, "the window would be over already (it ends " + api::format_rfc3339(w.ends) + ")");
    if (w.ends - w.starts > k_max_length) return refused(400, "a window lasts at most 366 days");
    if (w.starts - now > k_max_lead) return refused(400, "a window starts at most 366 days ahead");
    if (auto made = incident::MaintenanceWindow::make(w.to_config()); !made) {
        return refused(400, "\"match\": " + made.error().message);
    }
    auto stored = store::MaintenanceRepository(*m_db).insert(std::move(w));
    if (!stored) return refused(503, "cannot store the window: " + stored.error().message);
    spdlog::info("{} {} created by {} via {}: {} until {}", incident::to_string(stored->kind), stored->id,
                 stored->created_by.name, stored->created_by.channel, api::format_rfc3339(stored->starts),
                 api::format_rfc3339(stored->ends));
    std::erase_if(m_current, [&](const auto& c) { return c.ends <= now; });
    m_current.push_back(*stored);
    return {201, std::move(*stored), {}};
}

api::MaintenanceResult MaintenanceService::end(std::int64_t id, const incident::Actor& actor, TimePoint now) {
    store::MaintenanceRepository repo(*m_db);
    auto found = repo.find(id);
    if (!found) return refused(503, "cannot read the window: " + found.error().message);
    if (!*found) return refused(404, "no maintenance window or silence " + std::to_string(id));
    if ((*found)->ends <= now) {
        return refused(409, std::string(incident::to_string((*found)->kind)) + " " + std::to_string(id) +
                                " is already over (it ended " + api::format_rfc3339((*found)->ends) + ")");
    }
    auto ended = repo.end(id, now, actor);
    if (!ended) return refused(503, "cannot end the window: " + ended.error().message);
    if (!*ended) return refused(404, "no maintenance window or silence " + std::to_string(id));
    spdlog::info("{} {} ended by {} via {}", incident::to_string((*ended)->kind), id, actor.name, actor.channel);
    std::erase_if(m_current, [&](const auto& c) { return c.id == id || c.ends <= now; });
    return {200, std::move(**ended), {}};
}

Result<api::MaintenanceListing> MaintenanceService::list(bool all, const config::Config& config, TimePoint now) const {
    store::MaintenanceRepository repo(*m_db);
    auto windows = all ? repo.load_recent(k_recent) : repo.load_current(now);
    if (!windows) return windows.error();
    return api::MaintenanceListing{config.maintenance, std::move(*windows)};
}

std::vector<config::MaintenanceConfig> MaintenanceService::public_windows(TimePoint now) const {
    std::vector<config::MaintenanceConfig> out;
    for (const auto& w : m_current) {
        if (w.kind != incident::MaintenanceKind::maintenance || w.ends <= now) continue;
        config::MaintenanceConfig c = w.to_config();
        c.name = w.reason.substr(0, w.reason.find('\n'));
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace tocsin::app
