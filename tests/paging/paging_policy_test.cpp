// The paging policy over hours and days of simulated time: escalation
// levels, re-pages, acknowledgement, status-update reminders, resolution
// targets, business-hours tiers, quiet hours, severity raises and the
// deterministic keys that make re-deciding harmless. A small simulator plays
// the daemon's part: it keeps the state, an outbox keyed like the real one
// (a key already there is ignored), and wakes at each next_deadline.
#include "tocsin/paging/paging_policy.hpp"
#include "tocsin/paging/ack_link.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "paging_test_support.hpp"

namespace tocsin::paging {
namespace {

using namespace std::chrono;
using namespace tocsin::paging::testing;
using incident::EventKind;
using incident::Incident;
using incident::IncidentEvent;

// Monday 2026-11-23 10:00 UTC: business hours (09:00-17:00 UTC, Mon-Fri).
const TimePoint k_monday_10 = utc(2026, 11, 23, 10);

config::PersonConfig person(std::string name, std::string email, std::optional<std::int64_t> chat) {
    config::PersonConfig p;
    p.name = std::move(name);
    p.email = std::move(email);
    p.telegram_chat_id = chat;
    return p;
}

config::ScheduleConfig rota(std::string name, std::vector<std::string> people) {
    config::ScheduleConfig s;
    s.name = std::move(name);
    config::ScheduleLayerConfig l;
    l.name = "layer 1";
    l.people = std::move(people);
    l.rotation = hours(24 * 7);
    l.handoff = hours(9);
    l.start_local = wall(2026, 11, 16, 9);
    s.layers.push_back(l);
    return s;
}

config::SeverityConfig& tier(config::Config& c, const std::string& name) {
    for (auto& t : c.severities) {
        if (t.name == name) return t;
    }
    throw std::runtime_error("no tier " + name);
}

config::Config base_config() {
    config::Config c;
    c.people = {person("alice", "alice@example.org", 1001), person("bob", "bob@example.org", 1002),
                person("carol", "carol@example.org", std::nullopt), person("nobody", "", std::nullopt)};
    c.schedules = {rota("primary", {"alice"}), rota("secondary", {"bob"})};
    c.business_hours.start = hours(9);
    c.business_hours.end = hours(17);
    config::EscalationLevelConfig l1, l2, l3;
    l1.schedules = {"primary"};
    l2.schedules = {"secondary"};
    l3.people = {"carol"};
    for (auto name : {"P0", "P1", "P2"}) tier(c, name).escalation = {l1, l2, l3};
    return c;
}

PagingPolicy make_policy(const config::Config& c, std::set<std::string> channels = {"email", "telegram"}) {
    auto p = PagingPolicy::make(c, std::move(channels));
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return std::move(p).value();
}

Incident make_incident(const std::string& severity, TimePoint at) {
    Incident i;
    i.id = 7;
    i.key = "ApiDown{component=\"api\"}";
    i.rule = "ApiDown";
    i.component = "api";
    i.title = "API is down";
    i.severity = severity;
    i.auto_severity = severity;
    i.impact_started = at - minutes(5);
    i.detected = at;
    return i;
}

struct Sent {
    TimePoint due;
    Page page;
};

struct Sim {
    PagingPolicy policy;
    Incident inc;
    PagingState state;
    std::optional<TimePoint> deadline;
    std::map<std::string, Sent> outbox;  // by idempotency key
    std::set<std::string> cancelled;
    std::vector<std::string> order;  // keys in the order they were queued
    std::int64_t next_event = 1;
    int decisions = 0;

    Sim(PagingPolicy p, Incident i) : policy(std::move(p)), inc(std::move(i)) { state = policy.initial_state(inc); }

    IncidentEvent event(EventKind kind, TimePoint at, std::string actor = "tocsin", std::string channel = "rule",
                        std::string detail = "") {
        IncidentEvent e;
        e.id = next_event++;
        e.incident_id = inc.id;
        e.at = at;
        e.kind = kind;
        e.actor = {std::move(actor), std::move(channel)};
        e.detail = std::move(detail);
        return e;
    }

    PagingDecision decide(TimePoint now, std::vector<IncidentEvent> events = {}) {
        ++decisions;
        auto d = policy.decide(inc, events, state, now);
        apply(d, now);
        return d;
    }

    void apply(const PagingDecision& d, TimePoint now) {
        for (const auto& prefix : d.cancel_prefixes) {
            for (const auto& [key, s] : outbox) {
                // Pending: not yet due (a real outbox also holds back rows
                // still retrying; the simulator delivers due rows at once).
                if (key.starts_with(prefix) && s.due > now) cancelled.insert(key);
            }
        }
        for (const auto& p : d.pages) {
            if (outbox.emplace(p.notification.idempotency_key, Sent{p.not_before, p}).second) {
                order.push_back(p.notification.idempotency_key);
            }
        }
        state = d.state;
        deadline = d.next_deadline;
    }

    // Wakes at every deadline up to `end`, as the daemon's timer does.
    void run_until(TimePoint end) {
        while (deadline && *deadline <= end) decide(*deadline);
    }

    void declare(TimePoint at) { decide(at, {event(EventKind::opened, at)}); }

    void acknowledge(TimePoint at, const std::string& who, const std::string& channel = "telegram") {
        inc.acknowledged = at;
        inc.acknowledged_by = incident::Actor{who, channel};
        decide(at, {event(EventKind::acknowledged, at, who, channel)});
    }

    // Pages sent (not cancelled) matching a key prefix, in order.
    std::vector<Page> pages(const std::string& prefix = "page/") const {
        std::vector<Page> out;
        for (const auto& k : order) {
            if (k.starts_with(prefix) && !cancelled.count(k)) out.push_back(outbox.at(k).page);
        }
        return out;
    }
    std::vector<std::string> keys(const std::string& prefix) const {
        std::vector<std::string> out;
        for (const auto& p : pages(prefix)) out.push_back(p.notification.idempotency_key);
        return out;
    }
};

TEST(PagingPolicy, DeclarationPagesLevelOneOnEveryChannelAtOnce) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    EXPECT_EQ(sim.keys("page/"),
              (std::vector<std::string>{"page/7/c0/l0/r0/alice/telegram", "page/7/c0/l0/r0/alice/email"}));
    const auto pages = sim.pages();
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_EQ(pages[0].recipient, "1001");
    EXPECT_EQ(pages[1].recipient, "alice@example.org");
    EXPECT_EQ(pages[0].not_before, k_monday_10);
    EXPECT_EQ(pages[0].event_id, std::optional<std::int64_t>(1));
    EXPECT_TRUE(pages[0].notification.actionable);
    EXPECT_EQ(pages[0].notification.subject, "[P1] #7 API is down");
    EXPECT_NE(pages[0].notification.text.find("Acknowledge within 30m or level 2 is paged."), std::string::npos);
    EXPECT_NE(pages[0].notification.text.find("tocsin incident ack 7"), std::string::npos);
    EXPECT_EQ(sim.state.paged, std::vector<std::string>{"alice"});
    // Level 2 is due after ack_within.
    EXPECT_EQ(sim.deadline, k_monday_10 + minutes(30));
}

TEST(PagingPolicy, EscalatesLevelByLevelWhenNobodyAcknowledges) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    sim.run_until(k_monday_10 + hours(3));
    std::vector<std::pair<std::string, TimePoint>> seen;
    for (const auto& k : sim.order) seen.emplace_back(k, sim.outbox.at(k).due);
    EXPECT_EQ(seen, (std::vector<std::pair<std::string, TimePoint>>{
                        {"page/7/c0/l0/r0/alice/telegram", k_monday_10},
                        {"page/7/c0/l0/r0/alice/email", k_monday_10},
                        {"page/7/c0/l1/r0/bob/telegram", k_monday_10 + minutes(30)},
                        {"page/7/c0/l1/r0/bob/email", k_monday_10 + minutes(30)},
                        {"page/7/c0/l2/r0/carol/email", k_monday_10 + minutes(60)},
                    }));
    // The last level stays: nothing more without repeat or repage_every,
    // until P1's resolution target (8 business hours: Tuesday 10:00).
    EXPECT_EQ(sim.state.level, 2);
    EXPECT_EQ(sim.deadline, utc(2026, 11, 24, 10));
    EXPECT_EQ(sim.state.paged, (std::vector<std::string>{"alice", "bob", "carol"}));
    EXPECT_NE(sim.pages()[2].notification.text.find("Escalated: not acknowledged in time."), std::string::npos);
}

TEST(PagingPolicy, RepeatRunsTheChainAgainAndPerLevelAfterOverridesAckWithin) {
    auto c = base_config();
    auto& p1 = tier(c, "P1");
    p1.repeat = 1;
    p1.escalation[1].after = config::Cadence::wall(minutes(10));
    Sim sim(make_policy(c), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    sim.run_until(k_monday_10 + hours(5));
    std::vector<std::pair<std::string, TimePoint>> levels;
    for (const auto& p : sim.pages()) {
        if (p.channel == "email") levels.emplace_back(p.person, sim.outbox.at(p.notification.idempotency_key).due);
    }
    EXPECT_EQ(levels, (std::vector<std::pair<std::string, TimePoint>>{
                          {"alice", k_monday_10},
                          {"bob", k_monday_10 + minutes(10)},
                          {"carol", k_monday_10 + minutes(40)},
                          {"alice", k_monday_10 + minutes(70)},
                          {"bob", k_monday_10 + minutes(80)},
                          {"carol", k_monday_10 + minutes(110)},
                      }));
    EXPECT_EQ(sim.state.level, 5);
}

TEST(PagingPolicy, RepagesUntilAcknowledgedThenTellsTheOthersAndCancels) {
    Sim sim(make_policy(base_config()), make_incident("P0", k_monday_10));
    sim.declare(k_monday_10);
    sim.run_until(k_monday_10 + minutes(12));
    EXPECT_EQ(sim.keys("page/7/c0/l0/"),
              (std::vector<std::string>{"page/7/c0/l0/r0/alice/telegram", "page/7/c0/l0/r0/alice/email",
                                        "page/7/c0/l0/r1/alice/telegram", "page/7/c0/l0/r1/alice/email",
                                        "page/7/c0/l0/r2/alice/telegram", "page/7/c0/l0/r2/alice/email"}));
    EXPECT_EQ(sim.outbox.at("page/7/c0/l0/r2/alice/email").due, k_monday_10 + minutes(10));
    EXPECT_NE(sim.outbox.at("page/7/c0/l0/r1/alice/email").page.notification.subject.find("re-page 1"),
              std::string::npos);

    sim.run_until(k_monday_10 + minutes(31));  // level 2 (bob) at 30m
    ASSERT_EQ(sim.state.level, 1);
    sim.acknowledge(k_monday_10 + minutes(32), "bob");
    // Alice hears that bob acknowledged; bob does not hear about himself.
    auto notices = sim.pages("notice/");
    ASSERT_EQ(notices.size(), 2u);
    EXPECT_EQ(notices[0].person, "alice");
    EXPECT_EQ(notices[0].notification.subject, "[P0] #7 acknowledged by bob: API is down");
    EXPECT_FALSE(notices[0].notification.actionable);
    const auto pages_before = sim.pages("page/").size();
    sim.run_until(k_monday_10 + hours(3));
    EXPECT_EQ(sim.pages("page/").size(), pages_before) << "no page after the acknowledgement";
}

TEST(PagingPolicy, AcknowledgementCancelsPagesStillWaiting) {
    auto c = base_config();
    tier(c, "P2").hours = config::PagingHours::business;
    // Friday 20:00: the P2 page waits for Monday 09:00.
    const TimePoint friday_20 = utc(2026, 11, 20, 20);
    Sim sim(make_policy(c), make_incident("P2", friday_20));
    sim.declare(friday_20);
    ASSERT_EQ(sim.pages().size(), 1u);  // P2: email only
    EXPECT_EQ(sim.pages()[0].not_before, utc(2026, 11, 23, 9));
    sim.acknowledge(friday_20 + hours(1), "alice", "api");
    EXPECT_TRUE(sim.cancelled.count("page/7/c0/l0/r0/alice/email"));
    EXPECT_TRUE(sim.pages().empty());
}

TEST(PagingPolicy, BusinessHoursTierEscalatesInBusinessTime) {
    const TimePoint friday_15 = utc(2026, 11, 20, 15);
    Sim sim(make_policy(base_config()), make_incident("P2", friday_15));
    sim.declare(friday_15);
    sim.run_until(friday_15 + hours(24 * 4));
    std::vector<std::pair<std::string, TimePoint>> levels;
    for (const auto& p : sim.pages()) levels.emplace_back(p.person, sim.outbox.at(p.notification.idempotency_key).due);
    // 4 business hours from Friday 15:00 is Monday 11:00; then Monday 15:00.
    EXPECT_EQ(levels, (std::vector<std::pair<std::string, TimePoint>>{
                          {"alice", friday_15},
                          {"bob", utc(2026, 11, 23, 11)},
                          {"carol", utc(2026, 11, 23, 15)},
                      }));
}

TEST(PagingPolicy, ANewOwnerIsToldAndGetsTheReminders) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    sim.acknowledge(k_monday_10 + minutes(5), "alice");
    // Alice hands it to carol, who was never paged.
    sim.inc.acknowledged_by = incident::Actor{"carol", "api:ops"};
    sim.decide(k_monday_10 + minutes(10), {sim.event(EventKind::owner_assigned, k_monday_10 + minutes(10), "alice",
                                                     "api:ops", "alice -> carol")});
    auto notices = sim.pages("notice/");
    std::vector<std::string> told;
    for (const auto& p : notices) {
        if (p.notification.subject.find("owner carol") != std::string::npos) told.push_back(p.person);
    }
    EXPECT_EQ(told, (std::vector<std::string>{"carol"}));  // alice acted; carol hears it
    // The status-update reminder goes to the new owner.
    sim.run_until(k_monday_10 + minutes(65));
    auto reminders = sim.pages("remind/");
    ASSERT_FALSE(reminders.empty());
    for (const auto& r : reminders) EXPECT_EQ(r.person, "carol");
}

TEST(PagingPolicy, StatusUpdateRemindersFollowTheLastUpdate) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    sim.acknowledge(k_monday_10 + minutes(5), "alice");
    sim.run_until(k_monday_10 + minutes(64));
    EXPECT_TRUE(sim.pages("remind/").empty());
    sim.run_until(k_monday_10 + minutes(65));
    auto reminders = sim.pages("remind/");
    ASSERT_EQ(reminders.size(), 2u);  // alice, telegram and email
    EXPECT_EQ(reminders[0].person, "alice");
    EXPECT_EQ(reminders[0].notification.idempotency_key, "remind/7/u1/alice/telegram");
    EXPECT_NE(reminders[0].notification.text.find("No status update for 1h"), std::string::npos);
    // A note at 1h30 moves the next reminder to 2h30 (not 2h05).
    sim.decide(k_monday_10 + minutes(90),
               {sim.event(EventKind::note, k_monday_10 + minutes(90), "alice", "api")});
    sim.run_until(k_monday_10 + minutes(149));
    EXPECT_EQ(sim.pages("remind/").size(), 2u);
    sim.run_until(k_monday_10 + minutes(150));
    EXPECT_EQ(sim.keys("remind/7/u2/"),
              (std::vector<std::string>{"remind/7/u2/alice/telegram", "remind/7/u2/alice/email"}));
    // A day with no news: one reminder an hour, no backlog.
    sim.run_until(k_monday_10 + minutes(150) + hours(24));
    EXPECT_EQ(sim.state.update_reminders, 2 + 24);
}

TEST(PagingPolicy, ResolutionTargetTellsTheOwnerAndTheNextLevel) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    sim.acknowledge(k_monday_10 + minutes(5), "alice");
    // 8 business hours from Monday 10:00 (09:00-17:00) is Tuesday 10:00.
    sim.run_until(utc(2026, 11, 24, 9, 59));
    EXPECT_TRUE(sim.pages("remind/7/resolve").empty());
    sim.run_until(utc(2026, 11, 24, 10));
    std::set<std::string> who;
    for (const auto& p : sim.pages("remind/7/resolve/")) who.insert(p.person);
    EXPECT_EQ(who, (std::set<std::string>{"alice", "bob"}));
    EXPECT_TRUE(sim.state.resolve_notified);
}

TEST(PagingPolicy, ResolutionTellsEveryonePagedAndCloses) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    sim.run_until(k_monday_10 + minutes(45));  // alice and bob paged
    const TimePoint at = k_monday_10 + minutes(50);
    sim.inc.state = incident::IncidentState::resolved;
    sim.inc.resolved = at;
    sim.decide(at, {sim.event(EventKind::state_changed, at, "carol", "cli", "investigating -> resolved")});
    std::set<std::string> told;
    for (const auto& p : sim.pages("notice/")) told.insert(p.person);
    EXPECT_EQ(told, (std::set<std::string>{"alice", "bob"}));
    EXPECT_TRUE(sim.state.closed);
    EXPECT_FALSE(sim.deadline.has_value());
    EXPECT_EQ(sim.pages("notice/")[0].notification.subject, "[P1] #7 resolved: API is down");
    // Closed: nothing more, whatever happens.
    auto d = sim.decide(at + hours(10));
    EXPECT_TRUE(d.pages.empty());
}

TEST(PagingPolicy, SeverityRaiseBeforeAcknowledgementRestartsTheChain) {
    Sim sim(make_policy(base_config()), make_incident("P2", k_monday_10));
    sim.declare(k_monday_10);
    const TimePoint at = k_monday_10 + minutes(20);
    sim.inc.severity = "P1";
    sim.decide(at, {sim.event(EventKind::severity_changed, at, "tocsin", "rule", "P2 -> P1")});
    EXPECT_EQ(sim.state.cycle, 1);
    EXPECT_EQ(sim.state.tier, "P1");
    EXPECT_EQ(sim.keys("page/7/c1/"),
              (std::vector<std::string>{"page/7/c1/l0/r0/alice/telegram", "page/7/c1/l0/r0/alice/email"}));
    EXPECT_NE(sim.pages("page/7/c1/")[0].notification.text.find("Severity raised to P1"), std::string::npos);
    // The new tier's cadence: level 2 after 30 minutes of wall time.
    EXPECT_EQ(sim.deadline, at + minutes(30));
}

TEST(PagingPolicy, SeverityChangeAfterAcknowledgementIsANotice) {
    Sim sim(make_policy(base_config()), make_incident("P2", k_monday_10));
    sim.declare(k_monday_10);
    sim.acknowledge(k_monday_10 + minutes(1), "alice", "api");
    const TimePoint at = k_monday_10 + minutes(20);
    sim.inc.severity = "P1";
    sim.decide(at, {sim.event(EventKind::severity_changed, at, "bob", "api", "P2 -> P1")});
    EXPECT_EQ(sim.state.cycle, 0);
    EXPECT_EQ(sim.keys("notice/7/e3/"), (std::vector<std::string>{"notice/7/e3/alice/telegram",
                                                                  "notice/7/e3/alice/email"}));
}

TEST(PagingPolicy, ALevelThatReachesNobodyIsPassedAtOnce) {
    auto c = base_config();
    config::EscalationLevelConfig empty;
    empty.people = {"nobody"};  // no address on any channel
    auto& p1 = tier(c, "P1");
    p1.escalation.insert(p1.escalation.begin(), empty);
    Sim sim(make_policy(c), make_incident("P1", k_monday_10));
    auto d = sim.decide(k_monday_10, {sim.event(EventKind::opened, k_monday_10)});
    EXPECT_EQ(d.unreachable_levels, std::vector<int>{0});
    EXPECT_EQ(sim.keys("page/"),
              (std::vector<std::string>{"page/7/c0/l1/r0/alice/telegram", "page/7/c0/l1/r0/alice/email"}));
}

TEST(PagingPolicy, QuietHoursKeepTelegramSilentExceptForTheMostSevereTier) {
    auto c = base_config();
    c.people[0].quiet_hours = config::DailyHours{hours(22), hours(7)};
    const TimePoint night = utc(2026, 11, 23, 23);
    {
        Sim sim(make_policy(c), make_incident("P1", night));
        sim.declare(night);
        EXPECT_EQ(sim.keys("page/"), std::vector<std::string>{"page/7/c0/l0/r0/alice/email"});
    }
    {
        Sim sim(make_policy(c), make_incident("P0", night));
        sim.declare(night);
        EXPECT_EQ(sim.pages().size(), 2u);
    }
}

TEST(PagingPolicy, OnlyConfiguredChannelsAreUsed) {
    Sim sim(make_policy(base_config(), {"email"}), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    EXPECT_EQ(sim.keys("page/"), std::vector<std::string>{"page/7/c0/l0/r0/alice/email"});
}

TEST(PagingPolicy, DecidingAgainChangesNothing) {
    Sim sim(make_policy(base_config()), make_incident("P0", k_monday_10));
    sim.declare(k_monday_10);
    sim.run_until(k_monday_10 + minutes(17));
    const auto state = sim.state;
    const auto queued = sim.order.size();
    // The daemon restarted and decides again at the same instant (e.g. the
    // transaction that queued the pages rolled back): same state, same keys.
    auto d = sim.policy.decide(sim.inc, {}, state, k_monday_10 + minutes(17));
    EXPECT_EQ(d.state, state);
    EXPECT_TRUE(d.pages.empty());
    EXPECT_EQ(sim.order.size(), queued);
}

TEST(PagingPolicy, AfterDowntimeOnlyTheLevelReachedIsPaged) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    // Down from 10:01 to 11:30: levels 2 (10:30) and 3 (11:00) both passed.
    sim.decide(k_monday_10 + minutes(90));
    EXPECT_EQ(sim.state.level, 2);
    EXPECT_EQ(sim.keys("page/7/c0/l1/").size(), 0u);
    EXPECT_EQ(sim.keys("page/7/c0/l2/"), std::vector<std::string>{"page/7/c0/l2/r0/carol/email"});
}

TEST(PagingPolicy, EscalateButtonPagesTheNextLevelNow) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    auto e = sim.policy.escalate(sim.inc, sim.state, 9, k_monday_10 + minutes(3));
    ASSERT_TRUE(e.has_value());
    sim.apply(*e, k_monday_10 + minutes(3));
    EXPECT_EQ(sim.keys("page/7/c0/l1/"),
              (std::vector<std::string>{"page/7/c0/l1/r0/bob/telegram", "page/7/c0/l1/r0/bob/email"}));
    EXPECT_EQ(sim.deadline, k_monday_10 + minutes(33));
    sim.run_until(k_monday_10 + minutes(33));
    EXPECT_EQ(sim.state.level, 2);
    // At the last level there is nowhere to go.
    EXPECT_FALSE(sim.policy.escalate(sim.inc, sim.state, 10, k_monday_10 + minutes(40)).has_value());
}

TEST(PagingPolicy, ThreeDaysOfAnUnacknowledgedP0) {
    auto c = base_config();
    tier(c, "P0").repeat = 2;
    Sim sim(make_policy(c), make_incident("P0", k_monday_10));
    sim.declare(k_monday_10);
    sim.run_until(k_monday_10 + hours(72));
    // 9 levels (3 x 3), 30 minutes each; re-pages every 5 minutes; the last
    // level stays and keeps being re-paged.
    EXPECT_EQ(sim.state.level, 8);
    const auto last_started = k_monday_10 + minutes(8 * 30);
    EXPECT_EQ(sim.state.level_started, last_started);
    EXPECT_EQ(sim.state.repages, static_cast<int>((hours(72) - minutes(240)) / minutes(5)));
    std::set<std::string> unique(sim.order.begin(), sim.order.end());
    EXPECT_EQ(unique.size(), sim.order.size());
    // Woken only when something was due: one decision per re-page or level.
    EXPECT_LT(sim.decisions, 72 * 12 + 20);
}

TEST(PagingPolicy, FallbackIsThePersonsNextChannel) {
    auto policy = make_policy(base_config());
    auto f = policy.fallback("telegram", "1001");
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(*f, (Destination{"alice", "email", "alice@example.org"}));
    EXPECT_EQ(policy.fallback("email", "alice@example.org"), (Destination{"alice", "telegram", "1001"}));
    EXPECT_FALSE(policy.fallback("email", "carol@example.org").has_value());
    EXPECT_FALSE(policy.fallback("email", "stranger@example.org").has_value());
    EXPECT_EQ(policy.person_for("telegram", "1002"), std::optional<std::string>("bob"));
}

}  // namespace
}  // namespace tocsin::paging

namespace tocsin::paging {
namespace {

TEST(PagingPolicy, AFailingChannelAddsThePersonsOtherChannels) {
    auto c = base_config();
    tier(c, "P1").channels = {"telegram"};
    auto policy = make_policy(c);
    policy.set_unhealthy({"telegram"});
    Sim sim(policy, make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    // Telegram still tries (its first delivery shows it works again); email
    // goes at once.
    EXPECT_EQ(sim.keys("page/"),
              (std::vector<std::string>{"page/7/c0/l0/r0/alice/telegram", "page/7/c0/l0/r0/alice/email"}));
    policy.set_unhealthy({});
    Sim healthy(policy, make_incident("P1", k_monday_10));
    healthy.declare(k_monday_10);
    EXPECT_EQ(healthy.keys("page/"), std::vector<std::string>{"page/7/c0/l0/r0/alice/telegram"});
}

}  // namespace
}  // namespace tocsin::paging

namespace tocsin::paging {
namespace {

config::Config with_subscribers() {
    auto c = base_config();
    config::SubscribersConfig customers;
    customers.name = "customers";
    customers.components = {"api"};
    customers.emails = {"ops@customer.example"};
    customers.telegram_chats = {-100500};
    config::SubscribersConfig other;
    other.name = "billing-watchers";
    other.components = {"billing"};
    other.emails = {"finance@example.org"};
    c.subscribers = {customers, other};
    return c;
}

TEST(PagingPolicy, SubscribersHearThePublicSideOnly) {
    Sim sim(make_policy(with_subscribers()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    EXPECT_TRUE(sim.pages("public/").empty()) << "nothing public before anyone acknowledged";
    sim.acknowledge(k_monday_10 + minutes(5), "alice");
    EXPECT_EQ(sim.keys("public/"),
              (std::vector<std::string>{"public/7/known/customers/email/ops@customer.example",
                                        "public/7/known/customers/telegram/-100500"}));
    const auto known = sim.pages("public/")[0];
    EXPECT_EQ(known.kind, PageKind::announcement);
    EXPECT_EQ(known.notification.subject, "Investigating: API is down");
    EXPECT_FALSE(known.notification.actionable);
    EXPECT_EQ(known.notification.text.find("alice"), std::string::npos) << known.notification.text;
    EXPECT_EQ(known.notification.text.find("tocsin incident"), std::string::npos);

    // An internal note is not public; a person's state change is.
    const TimePoint note_at = k_monday_10 + minutes(20);
    auto note = sim.event(EventKind::note, note_at, "alice", "api");
    note.message = "restarting db-2 (internal)";
    sim.decide(note_at, {note});
    EXPECT_EQ(sim.pages("public/").size(), 2u);
    const TimePoint identified_at = k_monday_10 + minutes(30);
    auto change = sim.event(EventKind::state_changed, identified_at, "alice", "api", "investigating -> identified");
    change.message = "A faulty deploy; rolling back.";
    sim.inc.state = incident::IncidentState::identified;
    sim.decide(identified_at, {change});
    auto update = sim.pages("public/7/e");
    ASSERT_EQ(update.size(), 2u);
    EXPECT_EQ(update[0].notification.subject, "Identified: API is down");
    EXPECT_NE(update[0].notification.text.find("A faulty deploy; rolling back."), std::string::npos);

    // Silence for the update cadence (1h): "still investigating", publicly too.
    sim.run_until(identified_at + minutes(60));
    EXPECT_EQ(sim.keys("public/7/u1/").size(), 2u);
    EXPECT_NE(sim.pages("public/7/u1/")[0].notification.text.find("still investigating"), std::string::npos);

    const TimePoint at = identified_at + minutes(70);
    sim.inc.state = incident::IncidentState::resolved;
    sim.inc.resolved = at;
    auto resolved = sim.event(EventKind::state_changed, at, "alice", "api", "identified -> resolved");
    resolved.message = "Rolled back; all requests succeed again.";
    sim.decide(at, {resolved});
    auto last = sim.pages("public/7/resolved/");
    ASSERT_EQ(last.size(), 2u);
    EXPECT_EQ(last[0].notification.subject, "Resolved: API is down");
    // billing-watchers never heard of an api incident.
    for (const auto& p : sim.pages("public/")) EXPECT_EQ(p.person, "customers");
}

TEST(PagingPolicy, TheFirstPublicNoticeIsRemindedAndAutoPublished) {
    auto c = with_subscribers();
    tier(c, "P1").auto_publish = true;
    Sim sim(make_policy(c), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    // ack_within 30m: reminded at 22m30s, published at 30m.
    sim.run_until(k_monday_10 + minutes(22));
    EXPECT_TRUE(sim.pages("remind/7/publish/").empty());
    sim.run_until(k_monday_10 + minutes(23));
    EXPECT_EQ(sim.keys("remind/7/publish/"),
              (std::vector<std::string>{"remind/7/publish/alice/telegram", "remind/7/publish/alice/email"}));
    EXPECT_TRUE(sim.pages("public/").empty());
    sim.run_until(k_monday_10 + minutes(30));
    EXPECT_EQ(sim.keys("public/7/known/").size(), 2u);
    EXPECT_TRUE(sim.state.published);
    // The acknowledgement later does not publish it again.
    sim.acknowledge(k_monday_10 + minutes(31), "bob");
    EXPECT_EQ(sim.keys("public/").size(), 2u);
}

TEST(PagingPolicy, NoSubscribersNoPublicReminder) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    sim.run_until(k_monday_10 + hours(2));
    EXPECT_TRUE(sim.pages("remind/7/publish/").empty());
    EXPECT_TRUE(sim.pages("public/").empty());
}

}  // namespace
}  // namespace tocsin::paging

namespace tocsin::paging {
namespace {

TEST(PagingPolicy, ActionablePagesCarryASignedLinkForTheirPerson) {
    auto c = base_config();
    c.paging.public_url = "https://tocsin.example.com/";
    c.paging.link_key = Secret("0123456789abcdef0123456789abcdef", "env:LINK");
    c.paging.ack_link_ttl = hours(24);
    Sim sim(make_policy(c), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    const auto page = sim.pages()[1];  // alice's email
    const std::string marker = "https://tocsin.example.com/ack/";
    const auto at = page.notification.text.find(marker);
    ASSERT_NE(at, std::string::npos) << page.notification.text;
    const std::string token =
        page.notification.text.substr(at + marker.size(), page.notification.text.find('\n', at) - at - marker.size());
    auto signer = AckLinkSigner::create(*c.paging.link_key);
    ASSERT_TRUE(signer.ok());
    auto claim = signer->verify(token, k_monday_10 + hours(1));
    ASSERT_TRUE(claim.ok()) << claim.error().message;
    EXPECT_EQ(claim->incident_id, 7);
    EXPECT_EQ(claim->person, "alice");
    EXPECT_FALSE(signer->verify(token, k_monday_10 + hours(25)).ok());
    // Notices carry none.
    sim.acknowledge(k_monday_10 + minutes(40), "bob");
    for (const auto& n : sim.pages("notice/")) EXPECT_EQ(n.notification.text.find(marker), std::string::npos);
}

}  // namespace
}  // namespace tocsin::paging

namespace tocsin::paging {
namespace {

TEST(PagingPolicy, APostmortemIsRemindedEachBusinessDayUntilPublished) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    sim.acknowledge(k_monday_10 + minutes(5), "alice");
    // Open for two hours: a P1 over an hour owes a postmortem.
    const TimePoint resolved_at = k_monday_10 + hours(2);
    sim.inc.state = incident::IncidentState::resolved;
    sim.inc.resolved = resolved_at;
    sim.decide(resolved_at, {sim.event(EventKind::state_changed, resolved_at, "alice", "api", "investigating -> resolved")});
    EXPECT_FALSE(sim.state.closed);
    // 7 business days from Monday 12:00: the Wednesday after next, 12:00.
    EXPECT_EQ(sim.state.postmortem_due, utc(2026, 12, 2, 12));
    EXPECT_EQ(sim.deadline, utc(2026, 11, 24, 12));
    sim.run_until(utc(2026, 11, 24, 12));
    EXPECT_EQ(sim.keys("postmortem/7/1/"),
              (std::vector<std::string>{"postmortem/7/1/alice/telegram", "postmortem/7/1/alice/email"}));
    EXPECT_NE(sim.pages("postmortem/")[0].notification.text.find("tocsin incident postmortem 7 --url URL"),
              std::string::npos);
    // Overdue on day 7: bob (the next level) hears too.
    sim.run_until(utc(2026, 12, 2, 12));
    std::set<std::string> day7;
    for (const auto& p : sim.pages("postmortem/7/7/")) day7.insert(p.person);
    EXPECT_EQ(day7, (std::set<std::string>{"alice", "bob"}));
    const TimePoint published = utc(2026, 12, 2, 15);
    auto d = sim.decide(published, {sim.event(EventKind::postmortem_published, published, "alice", "cli")});
    EXPECT_TRUE(sim.state.closed);
    EXPECT_FALSE(sim.deadline.has_value());
    EXPECT_EQ(d.cancel_prefixes, std::vector<std::string>{"postmortem/7/"});
}

TEST(PagingPolicy, AShortP1OwesNoPostmortem) {
    Sim sim(make_policy(base_config()), make_incident("P1", k_monday_10));
    sim.declare(k_monday_10);
    const TimePoint resolved_at = k_monday_10 + minutes(40);
    sim.inc.state = incident::IncidentState::resolved;
    sim.inc.resolved = resolved_at;
    sim.decide(resolved_at, {sim.event(EventKind::state_changed, resolved_at, "tocsin", "rule", "monitoring -> resolved")});
    EXPECT_TRUE(sim.state.closed);
    EXPECT_FALSE(sim.state.postmortem_due.has_value());
}

// tocsin's notices about itself (a failing state directory) go where the
// tier's first page would: the level's on-call people on the tier's
// channels, without an incident or the outbox.
TEST(PagingPolicy, FirstLevelNamesWhoTheTiersFirstPageWouldReach) {
    config::Config c = base_config();
    const auto d = make_policy(c).first_level("P1", k_monday_10);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0], (Destination{"alice", "telegram", "1001"}));
    EXPECT_EQ(d[1], (Destination{"alice", "email", "alice@example.org"}));
    // Only the channels the daemon runs.
    EXPECT_EQ(make_policy(c, {"email"}).first_level("P1", k_monday_10),
              (std::vector<Destination>{{"alice", "email", "alice@example.org"}}));
    // Nobody on call at the first level: nobody.
    tier(c, "P2").escalation.front().schedules = {};
    EXPECT_TRUE(make_policy(c).first_level("P2", k_monday_10).empty());
}

}  // namespace
}  // namespace tocsin::paging
