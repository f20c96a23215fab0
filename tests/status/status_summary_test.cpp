#include "tocsin/status/status_summary.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "status_test_support.hpp"

using namespace tocsin;
using namespace tocsin::status;
using namespace tocsin::status::test;
using incident::EventKind;
using testing::ElementsAre;

namespace {

std::vector<std::string> names(const std::vector<ComponentSummary>& cs) {
    std::vector<std::string> out;
    for (const auto& c : cs) out.push_back(c.name);
    return out;
}

std::vector<std::int64_t> ids(const std::vector<IncidentSummary>& is) {
    std::vector<std::int64_t> out;
    for (const auto& i : is) out.push_back(i.id);
    return out;
}

}  // namespace

TEST(StatusSummary, QuietHistoryIsOperationalWithNinetyFullDays) {
    const auto s = summarize(input({component("api", "the public API"), component("web")}, {}));
    EXPECT_EQ(s.worst, ComponentStatus::operational);
    ASSERT_EQ(s.components.size(), 2u);
    const auto& api = s.components[0];
    EXPECT_EQ(api.name, "api");
    EXPECT_EQ(api.position, 1);
    EXPECT_EQ(api.status, ComponentStatus::operational);
    ASSERT_EQ(api.days.size(), 90u);
    EXPECT_EQ(api.days.front().date, "2025-12-30");  // 89 days before 2026-03-29
    EXPECT_EQ(api.days.back().date, "2026-03-29");
    EXPECT_EQ(s.window_start, api.days.front().start);
    EXPECT_DOUBLE_EQ(api.availability, 1.0);
    EXPECT_EQ(api.id.size(), 16u);
    EXPECT_NE(api.id, s.components[1].id);
    EXPECT_EQ(api.id, summarize(input({component("api")}, {})).components[0].id);  // stable
}

TEST(StatusSummary, OpenIncidentSetsItsComponentAndTheIndicator) {
    const auto s = summarize(input({component("api"), component("web")}, {make_incident(1, "api", "P1", t0() - 2h)}));
    EXPECT_EQ(find(s, "api").status, ComponentStatus::partial_outage);
    EXPECT_EQ(find(s, "web").status, ComponentStatus::operational);
    EXPECT_EQ(s.worst, ComponentStatus::partial_outage);
    EXPECT_STREQ(indicator(s.worst), "major");
    ASSERT_EQ(s.open.size(), 1u);
    EXPECT_EQ(s.open[0].impact, ComponentStatus::partial_outage);
    // Today so far is 12 h, 2 of them down.
    const auto& today = find(s, "api").days.back();
    EXPECT_EQ(today.worst, ComponentStatus::partial_outage);
    EXPECT_EQ(today.outage, std::chrono::duration_cast<Duration>(2h));
    EXPECT_NEAR(today.availability, 10.0 / 12.0, 1e-9);
    EXPECT_EQ(find(s, "api").days[88].worst, ComponentStatus::operational);
}

TEST(StatusSummary, OverlappingIncidentsTakeTheWorstAndCountDowntimeOnce) {
    auto p1 = make_incident(1, "api", "P1", t0() - 2h);
    auto p0 = make_incident(2, "api", "P0", t0() - 1h);
    auto p2 = make_incident(3, "api", "P2", t0() - 5h);  // degraded: not downtime
    const auto s = summarize(input({component("api")}, {p1, p0, p2}));
    const auto& api = find(s, "api");
    EXPECT_EQ(api.status, ComponentStatus::major_outage);
    EXPECT_EQ(s.worst, ComponentStatus::major_outage);
    EXPECT_EQ(api.days.back().outage, std::chrono::duration_cast<Duration>(2h));
    EXPECT_EQ(api.days.back().worst, ComponentStatus::major_outage);
    EXPECT_THAT(ids(s.open), ElementsAre(2, 1, 3));  // newest first
}

TEST(StatusSummary, AffectedComponentsShareTheIncident) {
    auto db = make_incident(1, "db", "P0", t0() - 1h);
    db.incident.affected_components = {"api", "web"};
    const auto s = summarize(input({component("api"), component("db"), component("web"), component("docs")}, {db}));
    EXPECT_EQ(find(s, "api").status, ComponentStatus::major_outage);
    EXPECT_EQ(find(s, "db").status, ComponentStatus::major_outage);
    EXPECT_EQ(find(s, "web").status, ComponentStatus::major_outage);
    EXPECT_EQ(find(s, "docs").status, ComponentStatus::operational);
    EXPECT_THAT(s.open.at(0).components, ElementsAre("db", "api", "web"));
}

TEST(StatusSummary, TiersThatDoNotPageAreDegradedAtMostAndDeclassifiedIsNotShown) {
    const auto s = summarize(input({component("api"), component("web")},
                                   {make_incident(1, "api", "quiet", t0() - 1h), make_incident(2, "web", "declassified", t0() - 1h)}));
    EXPECT_EQ(find(s, "api").status, ComponentStatus::degraded_performance);
    EXPECT_EQ(find(s, "api").days.back().outage, Duration::zero());
    EXPECT_EQ(find(s, "web").status, ComponentStatus::operational);
    EXPECT_THAT(ids(s.open), ElementsAre(1));
    EXPECT_EQ(s.worst, ComponentStatus::degraded_performance);
    EXPECT_STREQ(indicator(s.worst), "minor");
}

TEST(StatusSummary, UnknownTierCountsAsDegraded) {
    EXPECT_EQ(tier_status(tiers(), "P7"), ComponentStatus::degraded_performance);
    EXPECT_EQ(tier_status(tiers(), "P0"), ComponentStatus::major_outage);
    EXPECT_EQ(parse_status_label("Major_Outage"), ComponentStatus::major_outage);
    EXPECT_EQ(parse_status_label("down"), std::nullopt);
}

TEST(StatusSummary, NinetyDayEdge) {
    const TimePoint start = window_start(t0());
    EXPECT_EQ(start, TimePoint{std::chrono::sys_days{std::chrono::year{2025} / 12 / 30}});
    auto at_edge = make_incident(1, "api", "P0", start - 3h, start);            // resolved exactly at the start: shown
    auto before = make_incident(2, "api", "P0", start - 3h, start - 1ms);       // just before: not shown
    auto long_ago = make_incident(3, "api", "P0", t0() - 200 * 24h, t0() - 199 * 24h);
    auto straddling = make_incident(4, "web", "P0", start - 2h, start + 6h);    // clipped to the window
    const auto s = summarize(input({component("api"), component("web")}, {at_edge, before, long_ago, straddling}));
    EXPECT_THAT(ids(s.resolved), ElementsAre(4, 1));  // newest resolution first
    EXPECT_TRUE(s.open.empty());
    const auto& api = find(s, "api");
    EXPECT_EQ(api.days.front().outage, Duration::zero());
    EXPECT_EQ(api.status, ComponentStatus::operational);
    const auto& web = find(s, "web");
    EXPECT_EQ(web.days.front().outage, std::chrono::duration_cast<Duration>(6h));
    EXPECT_DOUBLE_EQ(web.days.front().availability, 0.75);
    EXPECT_EQ(web.days.front().worst, ComponentStatus::major_outage);
    EXPECT_EQ(web.days[1].worst, ComponentStatus::operational);
    EXPECT_LT(web.availability, 1.0);
    EXPECT_GT(web.availability, 0.99);
}

TEST(StatusSummary, AnIncidentAcrossMidnightSplitsBetweenDays) {
    const TimePoint midnight = std::chrono::floor<std::chrono::days>(t0());
    const auto s = summarize(input({component("api")}, {make_incident(1, "api", "P1", midnight - 6h, midnight + 3h)}));
    const auto& days = find(s, "api").days;
    EXPECT_EQ(days[88].outage, std::chrono::duration_cast<Duration>(6h));
    EXPECT_DOUBLE_EQ(days[88].availability, 0.75);
    EXPECT_EQ(days[89].outage, std::chrono::duration_cast<Duration>(3h));
    EXPECT_DOUBLE_EQ(days[89].availability, 0.75);  // 3 of the 12 hours so far
    EXPECT_EQ(find(s, "api").status, ComponentStatus::operational);
}

TEST(StatusSummary, SeverityChangesShapeTheHistory) {
    auto r = make_incident(1, "api", "P0", t0() - 3h);
    r.events.push_back(event(r, 101, t0() - 1h, EventKind::severity_changed, "P2 -> P0", "worse"));
    const auto s = summarize(input({component("api")}, {r}));
    const auto& today = find(s, "api").days.back();
    EXPECT_EQ(today.outage, std::chrono::duration_cast<Duration>(1h));  // degraded for 2 h, then down
    EXPECT_EQ(today.worst, ComponentStatus::major_outage);
    EXPECT_EQ(find(s, "api").status, ComponentStatus::major_outage);

    // Lowered to a tier that does not page: the component is degraded now.
    auto lowered = make_incident(2, "api", "P2", t0() - 3h);
    lowered.events.push_back(event(lowered, 201, t0() - 1h, EventKind::severity_changed, "P0 -> P2", ""));
    const auto s2 = summarize(input({component("api")}, {lowered}));
    EXPECT_EQ(find(s2, "api").status, ComponentStatus::degraded_performance);
    EXPECT_EQ(find(s2, "api").days.back().outage, std::chrono::duration_cast<Duration>(2h));
    EXPECT_EQ(s2.open.at(0).impact, ComponentStatus::major_outage);  // the worst it was
}

TEST(StatusSummary, OnlyPublicUpdatesAreShownNewestFirst) {
    auto r = make_incident(1, "api", "P1", t0() - 3h, t0() - 10min);
    r.events.insert(r.events.end() - 1,
                    {event(r, 101, t0() - 170min, EventKind::note, "", "internal: suspect deploy 4711"),
                     event(r, 102, t0() - 160min, EventKind::state_changed, "investigating -> identified",
                           "A bad deploy; rolling back."),
                     event(r, 103, t0() - 150min, EventKind::severity_changed, "P1 -> P1", "internal"),
                     event(r, 104, t0() - 60min, EventKind::state_changed, "identified -> monitoring", "",
                           incident::tocsin_actor()),  // automatic: internal
                     event(r, 105, t0() - 50min, EventKind::state_changed, "monitoring -> monitoring", "",
                           {"bob", "telegram"})});
    r.events.back().message = "Fixed; watching.";
    const auto s = summarize(input({component("api")}, {r}));
    ASSERT_EQ(s.resolved.size(), 1u);
    const auto& u = s.resolved[0].updates;
    ASSERT_EQ(u.size(), 4u);
    EXPECT_EQ(u[0].status, "resolved");
    EXPECT_EQ(u[0].body, "Fixed; watching.");
    EXPECT_EQ(u[1].status, "monitoring");
    EXPECT_EQ(u[1].body, "Status changed to monitoring.");
    EXPECT_EQ(u[2].status, "identified");
    EXPECT_EQ(u[2].body, "A bad deploy; rolling back.");
    EXPECT_EQ(u[3].status, "investigating");
    EXPECT_EQ(u[3].id, "1-0");
    for (const auto& x : u) EXPECT_EQ(x.body.find("internal"), std::string::npos) << x.body;
    EXPECT_EQ(s.resolved[0].updated, t0() - 10min);
}

TEST(StatusSummary, ComponentsOnlyIncidentsNameAreAppendedByName) {
    const auto s = summarize(input({component("web"), component("api")},
                                   {make_incident(1, "zeta", "P1", t0() - 1h), make_incident(2, "alpha", "P1", t0() - 1h),
                                    make_incident(3, "", "P1", t0() - 1h),
                                    make_incident(4, "gone", "P1", t0() - 200 * 24h, t0() - 199 * 24h)}));
    EXPECT_THAT(names(s.components), ElementsAre("web", "api", "alpha", "zeta"));  // not "gone": out of the window
    EXPECT_EQ(s.components[3].position, 4);
    EXPECT_EQ(s.open.size(), 3u);  // the one without a component still shows
}

TEST(StatusSummary, ImpactBeforeDetectionCountsFromTheFirstFailure) {
    auto r = make_incident(1, "api", "P0", t0() - 1h);
    r.incident.impact_started = t0() - 90min;
    const auto s = summarize(input({component("api")}, {r}));
    EXPECT_EQ(find(s, "api").days.back().outage, std::chrono::duration_cast<Duration>(90min));
    EXPECT_EQ(s.open[0].started, t0() - 90min);
    EXPECT_EQ(s.open[0].created, t0() - 1h);
}

TEST(StatusSummary, DeclaredJustNowStillColoursToday) {
    const auto s = summarize(input({component("api")}, {make_incident(1, "api", "P0", t0())}));
    EXPECT_EQ(find(s, "api").days.back().worst, ComponentStatus::major_outage);
    EXPECT_EQ(find(s, "api").status, ComponentStatus::major_outage);
}

TEST(StatusSummary, MaintenanceInProgressAndUpcoming) {
    auto window = [](std::string name, TimePoint start, Duration length) {
        config::MaintenanceConfig m;
        m.name = std::move(name);
        m.components = {"api"};
        m.start_local = std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch());
        m.length = length;
        return m;
    };
    auto in = input({component("api")}, {});
    in.maintenance = {window("later", t0() + 48h, 1h), window("now", t0() - 30min, 1h),
                      window("far", t0() + 30 * 24h, 1h), window("past", t0() - 48h, 1h)};
    const auto s = summarize(in);
    ASSERT_EQ(s.maintenance.size(), 2u);
    EXPECT_EQ(s.maintenance[0].name, "now");
    EXPECT_TRUE(s.maintenance[0].in_progress);
    EXPECT_EQ(s.maintenance[0].scheduled_until, t0() + 30min);
    EXPECT_EQ(s.maintenance[1].name, "later");
    EXPECT_FALSE(s.maintenance[1].in_progress);
    EXPECT_EQ(s.maintenance[1].scheduled_for, t0() + 48h);
}
