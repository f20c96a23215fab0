#include "status_hooks.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "tocsin/store/database.hpp"
#include "tocsin/store/incident_repository.hpp"

namespace tocsin::app {

std::vector<config::ComponentConfig> status_components(const config::Config& config) {
    std::vector<config::ComponentConfig> out = config.components;
    auto add = [&](const std::string& name) {
        if (name.empty()) return;
        if (std::any_of(out.begin(), out.end(), [&](const auto& c) { return c.name == name; })) return;
        config::ComponentConfig c;
        c.name = name;
        out.push_back(std::move(c));
    };
    const std::string& key = config.incidents.component_label;
    auto from_labels = [&](const config::StringPairs& labels) {
        for (const auto& [k, v] : labels) {
            if (k == key) add(v);
        }
    };
    for (const auto& t : config.targets) from_labels(t.labels);
    for (const auto& s : config.scrapes) from_labels(s.labels);
    for (const auto& r : config.rules) {
        from_labels(r.labels);
        add(r.component);
    }
    return out;
}

void add_status_hooks(api::ApiHooks& hooks, const config::Config& config, store::Database& db, const Clock& clock,
                      std::function<std::vector<config::MaintenanceConfig>(TimePoint)> api_windows) {
    hooks.status = [&config, &db, &clock, api_windows = std::move(api_windows)]() -> Result<status::StatusSummary> {
        // Checked per request: a reload can turn the page on or off.
        if (!config.status_page.enabled) return Error::make(ErrorCategory::not_found, "the status page is disabled");
        status::StatusInput input;
        input.now = clock.now();
        input.title = config.status_page.title;
        input.url = config.paging.public_url;
        input.components = status_components(config);
        input.tiers = config.severities;
        input.maintenance = config.maintenance;
        if (api_windows) {
            for (auto& w : api_windows(input.now)) input.maintenance.push_back(std::move(w));
        }

        store::IncidentRepository repo(db);
        auto loaded = repo.load_since(status::window_start(input.now));
        if (!loaded) {
            spdlog::warn("status page: cannot read incidents: {}", loaded.error().message);
            return loaded.error();
        }
        for (const auto& w : loaded->warnings) spdlog::warn("stored incidents: {}", w);
        input.incidents.reserve(loaded->incidents.size());
        for (auto& i : loaded->incidents) {
            auto events = repo.events(i.id);
            if (!events) {
                spdlog::warn("status page: cannot read the events of incident {}: {}", i.id, events.error().message);
                return events.error();
            }
            input.incidents.push_back({std::move(i), std::move(events->events)});
        }
        return status::summarize(input);
    };
}

}  // namespace tocsin::app
