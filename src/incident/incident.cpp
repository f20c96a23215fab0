#include "tocsin/incident/incident.hpp"

#include <array>
#include <utility>

namespace tocsin::incident {
namespace {

constexpr std::array<std::pair<IncidentState, const char*>, 4> k_states{{
    {IncidentState::investigating, "investigating"},
    {IncidentState::identified, "identified"},
    {IncidentState::monitoring, "monitoring"},
    {IncidentState::resolved, "resolved"},
}};

constexpr std::array<std::pair<EventKind, const char*>, 15> k_kinds{{
    {EventKind::opened, "opened"},
    {EventKind::alert_joined, "alert_joined"},
    {EventKind::component_affected, "component_affected"},
    {EventKind::severity_changed, "severity_changed"},
    {EventKind::state_changed, "state_changed"},
    {EventKind::acknowledged, "acknowledged"},
    {EventKind::impact_changed, "impact_changed"},
    {EventKind::note, "note"},
    {EventKind::taxonomy_set, "taxonomy_set"},
    {EventKind::page_queued, "page_queued"},
    {EventKind::page_sent, "page_sent"},
    {EventKind::page_failed, "page_failed"},
    {EventKind::escalated, "escalated"},
    {EventKind::postmortem_published, "postmortem_published"},
    {EventKind::owner_assigned, "owner_assigned"},
}};

template <typename Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& table, Enum value) {
    for (const auto& [v, name] : table) {
        if (v == value) return name;
    }
    return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, const char*>, N>& table,
                             std::string_view text) {
    for (const auto& [v, name] : table) {
        if (text == name) return v;
    }
    return std::nullopt;
}

}  // namespace

const char* to_string(IncidentState state) noexcept { return name_of(k_states, state); }
std::optional<IncidentState> parse_incident_state(std::string_view text) noexcept {
    return value_of(k_states, text);
}
const char* to_string(EventKind kind) noexcept { return name_of(k_kinds, kind); }
std::optional<EventKind> parse_event_kind(std::string_view text) noexcept {
    return value_of(k_kinds, text);
}

}  // namespace tocsin::incident
