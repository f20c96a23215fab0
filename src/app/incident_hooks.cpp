#include "incident_hooks.hpp"

#include <spdlog/spdlog.h>

#include "rule_runner.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/incident_repository.hpp"

namespace tocsin::app {
namespace {

int status_of(const Error& error) {
    switch (error.category) {
        case ErrorCategory::not_found: return 404;
        case ErrorCategory::invalid_argument: return 409;  // a valid request the incident's state refuses
        default: return 503;
    }
}

api::IncidentCommandResult refused(const Error& error) {
    return api::IncidentCommandResult{status_of(error), std::nullopt, error.message};
}

}  // namespace

void add_incident_hooks(api::ApiHooks& hooks, RuleRunner* const& rules, store::Database& db, const Clock& clock) {
    hooks.list_incidents = [&db](const api::IncidentFilter& f) -> Result<std::vector<incident::Incident>> {
        auto loaded =
            store::IncidentRepository(db).list(store::IncidentQuery{f.open_only, f.limit, f.severity, f.component, f.since});
        if (!loaded) return loaded.error();
        for (const auto& w : loaded->warnings) spdlog::warn("stored incidents: {}", w);
        return std::move(loaded->incidents);
    };
    hooks.get_incident = [&db](std::int64_t id) -> Result<std::optional<api::IncidentDetail>> {
        store::IncidentRepository repo(db);
        auto found = repo.find(id);
        if (!found) return found.error();
        if (!*found) return std::optional<api::IncidentDetail>{};
        auto events = repo.events(id);
        if (!events) return events.error();
        return std::optional<api::IncidentDetail>{api::IncidentDetail{std::move(**found), std::move(events->events)}};
    };
    hooks.incident_command = [&rules, &db, &clock](const api::IncidentCommand& c) -> api::IncidentCommandResult {
        incident::IncidentManager* manager = rules != nullptr ? rules->incidents() : nullptr;
        if (manager == nullptr) return api::IncidentCommandResult{503, std::nullopt, "incidents are not loaded yet"};
        const TimePoint now = clock.now();
        Result<incident::IncidentUpdate> update = Error::make(ErrorCategory::internal, "unknown command");
        using Kind = api::IncidentCommand::Kind;
        switch (c.kind) {
            case Kind::declare: update = manager->declare(c.declaration, now); break;
            case Kind::acknowledge: update = manager->acknowledge(c.id, c.actor, now); break;
            case Kind::set_state: update = manager->set_state(c.id, c.state, c.actor, c.message, now, c.force); break;
            case Kind::set_severity: update = manager->set_severity(c.id, c.severity, c.actor, c.message, now); break;
            case Kind::note: update = manager->add_note(c.id, c.actor, c.message, now); break;
            case Kind::assign_owner: update = manager->assign_owner(c.id, c.owner, c.actor, c.message, now); break;
            case Kind::postmortem_published: {
                auto found = store::IncidentRepository(db).find(c.id);
                if (!found) return refused(found.error());
                if (!*found) return api::IncidentCommandResult{404, std::nullopt, "no incident " + std::to_string(c.id)};
                update = incident::mark_postmortem_published(**found, c.url, c.actor, now);
                if (!update) return api::IncidentCommandResult{409, std::nullopt, update.error().message};
                break;
            }
            case Kind::set_taxonomy: {
                // Postmortems come after resolution: resolved incidents too,
                // read from the database.
                std::optional<incident::Incident> target;
                if (const auto* open = manager->find(c.id)) target = *open;
                if (!target) {
                    auto found = store::IncidentRepository(db).find(c.id);
                    if (!found) return refused(found.error());
                    target = *found;
                }
                if (!target) return api::IncidentCommandResult{404, std::nullopt, "no incident " + std::to_string(c.id)};
                update = incident::set_taxonomy(*target, c.taxonomy, c.actor, now);
                if (!update) return api::IncidentCommandResult{400, std::nullopt, update.error().message};
                if (target->open()) {
                    // Keep the manager's copy in step with the stored one.
                    (void)manager->apply_taxonomy(c.id, update->incident.taxonomy);
                }
                break;
            }
        }
        if (!update) {
            // Declaring with a bad severity or title is the request's fault.
            const int status = c.kind == Kind::declare && update.error().category == ErrorCategory::invalid_argument
                                   ? 400
                                   : status_of(update.error());
            return api::IncidentCommandResult{status, std::nullopt, update.error().message};
        }
        incident::Incident after = update->incident;
        if (!rules->commit_incident_updates({std::move(*update)}, now)) {
            return api::IncidentCommandResult{503, std::nullopt,
                                              "the change is made but the database refused to save it; it is retried "
                                              "with the next evaluation round"};
        }
        return api::IncidentCommandResult{c.kind == Kind::declare ? 201 : 200, std::move(after), {}};
    };
}

}  // namespace tocsin::app
