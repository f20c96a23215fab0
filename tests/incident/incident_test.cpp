#include "tocsin/incident/incident.hpp"

#include <gtest/gtest.h>

namespace tocsin::incident {
namespace {

TEST(IncidentNames, StatesAndKindsRoundTrip) {
    for (auto state : {IncidentState::investigating, IncidentState::identified,
                       IncidentState::monitoring, IncidentState::resolved}) {
        EXPECT_EQ(parse_incident_state(to_string(state)), state);
    }
    for (int i = 0; i <= static_cast<int>(EventKind::page_failed); ++i) {
        auto kind = static_cast<EventKind>(i);
        EXPECT_EQ(parse_event_kind(to_string(kind)), kind) << i;
    }
    EXPECT_FALSE(parse_incident_state("closed"));
    EXPECT_FALSE(parse_event_kind("edited"));
}

}  // namespace
}  // namespace tocsin::incident
