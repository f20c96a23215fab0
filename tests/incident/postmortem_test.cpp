#include "tocsin/incident/postmortem.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace tocsin::incident {
namespace {

using namespace std::chrono;

TimePoint utc(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
    return TimePoint{sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss}};
}

Duration ms_of(double minutes_value) { return Duration{static_cast<std::int64_t>(minutes_value * 60'000 + 0.5)}; }

TEST(FormatElapsed, UnitsAndOneDecimal) {
    EXPECT_EQ(format_elapsed(Duration{0}), "0.0 minutes");
    EXPECT_EQ(format_elapsed(seconds{3}), "0.1 minutes");  // 0.05 rounds half up
    EXPECT_EQ(format_elapsed(seconds{2}), "0.0 minutes");
    EXPECT_EQ(format_elapsed(seconds{30}), "0.5 minutes");
    EXPECT_EQ(format_elapsed(minutes{12} + seconds{30}), "12.5 minutes");
    EXPECT_EQ(format_elapsed(ms_of(59.9)), "59.9 minutes");
    EXPECT_EQ(format_elapsed(ms_of(59.94)), "59.9 minutes");
    EXPECT_EQ(format_elapsed(ms_of(59.96)), "1.0 hours");  // never "60.0 minutes"
    EXPECT_EQ(format_elapsed(hours{1}), "1.0 hours");
    EXPECT_EQ(format_elapsed(minutes{90}), "1.5 hours");
    EXPECT_EQ(format_elapsed(hours{3}), "3.0 hours");
    EXPECT_EQ(format_elapsed(minutes{23 * 60 + 56}), "23.9 hours");
    EXPECT_EQ(format_elapsed(minutes{23 * 60 + 58}), "1.0 days");  // 23.97 h
    EXPECT_EQ(format_elapsed(hours{24}), "1.0 days");
    EXPECT_EQ(format_elapsed(hours{50}), "2.1 days");
    EXPECT_EQ(format_elapsed(hours{29 * 24 + 22}), "29.9 days");
    EXPECT_EQ(format_elapsed(hours{29 * 24 + 23}), "1.0 months");  // 29.96 days
    EXPECT_EQ(format_elapsed(hours{30 * 24}), "1.0 months");
    EXPECT_EQ(format_elapsed(hours{45 * 24}), "1.5 months");
    EXPECT_EQ(format_elapsed(hours{400 * 24}), "13.3 months");
    EXPECT_EQ(format_elapsed(-minutes{5}), "0.0 minutes");
}

TEST(Taxonomy, TermsOfTheSeedInOrder) {
    const auto& terms = taxonomy_terms();
    ASSERT_EQ(terms.size(), 15u);
    EXPECT_EQ(terms.front(), "COMMUNICATION_FAILURE");
    EXPECT_EQ(terms[4], "IMPOSSIBLE_TO_TEST");
    EXPECT_EQ(terms[10], "NO_SPECIFIED");
    EXPECT_EQ(terms.back(), "UNHANDLED_EXCEPTION");
    EXPECT_TRUE(std::is_sorted(terms.begin(), terms.end()));
}

TEST(Taxonomy, ParsesTermsAndTrees) {
    EXPECT_EQ(parse_taxonomy("MISSING_TEST").value(), "MISSING_TEST");
    EXPECT_EQ(parse_taxonomy("  DATA_QUALITY<FAILED_MIGRATION ").value(), "DATA_QUALITY < FAILED_MIGRATION");
    EXPECT_EQ(parse_taxonomy("INFRASTRUCTURE_ERROR  <  ROTATION_FAILURE\t< THIRD_PARTY_CHANGE").value(),
              "INFRASTRUCTURE_ERROR < ROTATION_FAILURE < THIRD_PARTY_CHANGE");
    // Any case in, upper case out.
    EXPECT_EQ(parse_taxonomy("missing_alert < Lack_Of_Traceability").value(), "MISSING_ALERT < LACK_OF_TRACEABILITY");
}

TEST(Taxonomy, RefusesUnknownAndMalformed) {
    auto typo = parse_taxonomy("DATA_QUALITY < MISING_TEST");
    ASSERT_FALSE(typo.ok());
    EXPECT_EQ(typo.error().category, ErrorCategory::invalid_argument);
    EXPECT_EQ(typo.error().message, "unknown taxonomy term \"MISING_TEST\"; did you mean \"MISSING_TEST\"?");

    auto unknown = parse_taxonomy("COSMIC_RAYS");
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("unknown taxonomy term \"COSMIC_RAYS\"; known terms: "
                                           "COMMUNICATION_FAILURE, DATA_QUALITY,"),
              std::string::npos)
        << unknown.error().message;

    for (const char* text : {"", "   ", "DATA_QUALITY <", "< DATA_QUALITY", "DATA_QUALITY << MISSING_TEST"}) {
        auto result = parse_taxonomy(text);
        EXPECT_FALSE(result.ok()) << text;
    }
    auto twice = parse_taxonomy("DATA_QUALITY < data_quality");
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().message, "taxonomy term \"DATA_QUALITY\" appears twice in the tree");
}

IncidentEvent event(TimePoint at, EventKind kind, Actor actor, std::string message, std::string detail = {}) {
    IncidentEvent e;
    e.incident_id = 42;
    e.at = at;
    e.kind = kind;
    e.actor = std::move(actor);
    e.message = std::move(message);
    e.detail = std::move(detail);
    return e;
}

// Declared by a rule, resolved, across Madrid's spring-forward night.
Incident resolved_incident() {
    Incident i;
    i.id = 42;
    i.key = R"(ApiDown{component="api"})";
    i.rule = "ApiDown";
    i.component = "api";
    i.affected_components = {"db"};
    i.title = "API returns 5xx";
    i.description = "The public API answered 5xx to most requests.";
    i.severity = "P1";
    i.state = IncidentState::resolved;
    i.impact = 40;
    i.peak_impact = 120;
    i.alerts = {Labels{{"alertname", "ApiDown"}, {"component", "api"}}};
    i.impact_started = utc(2024, 3, 30, 23, 50);
    i.detected = utc(2024, 3, 30, 23, 55, 30);
    i.acknowledged = utc(2024, 3, 31, 0, 10);
    i.acknowledged_by = Actor{"alice", "telegram"};
    i.identified = utc(2024, 3, 31, 0, 40);
    i.mitigated = utc(2024, 3, 31, 1, 20);
    i.resolved = utc(2024, 3, 31, 2, 5, 30);
    i.condition_active = false;
    i.taxonomy = "DATA_QUALITY < FAILED_MIGRATION";
    return i;
}

std::vector<IncidentEvent> resolved_events() {
    const Actor alice{"alice", "telegram"};
    return {
        event(utc(2024, 3, 30, 23, 55, 30), EventKind::opened, tocsin_actor(), "ApiDown firing for 5m"),
        event(utc(2024, 3, 30, 23, 56), EventKind::page_sent, tocsin_actor(), "paged alice by telegram"),
        event(utc(2024, 3, 31, 0, 10), EventKind::acknowledged, alice, "looking"),
        event(utc(2024, 3, 31, 0, 40), EventKind::state_changed, alice, "bad migration on orders table",
              "investigating -> identified"),
        event(utc(2024, 3, 31, 0, 45), EventKind::severity_changed, Actor{"alice", "api"},
              "customers cannot pay\ncheckout fails", "P2 -> P1"),
        event(utc(2024, 3, 31, 1, 20), EventKind::state_changed, tocsin_actor(), "condition cleared",
              "identified -> monitoring"),
        // Out of order on purpose: the timeline sorts by time.
        event(utc(2024, 3, 31, 2, 30), EventKind::taxonomy_set, Actor{"bob", "cli"}, "",
              "DATA_QUALITY < FAILED_MIGRATION"),
        event(utc(2024, 3, 31, 2, 5, 30), EventKind::state_changed, tocsin_actor(), "quiet for 45m",
              "monitoring -> resolved"),
    };
}

TEST(Postmortem, ResolvedRuleIncidentGolden) {
    const std::string expected = R"(# Postmortem: API returns 5xx (incident #42)

| Field | Value |
|---|---|
| Severity | P1 |
| State | resolved |
| Components | api, db |
| Source | rule ApiDown |
| Taxonomy | DATA_QUALITY < FAILED_MIGRATION |

The public API answered 5xx to most requests.

## Impact

_How the users were affected, for a general audience; link the issue created to resolve it._

- Affected users: 120 at the peak, 40 at the last measurement.
- Detection: proactive, by the rule ApiDown.
- Time to detect was 5.5 minutes.
- Time to fix was 2.2 hours.
- Time to recover was 2.3 hours.

### Timeline

Times are in Europe/Madrid (CET, UTC+01:00; CEST, UTC+02:00).

- Failure reached production: _the date of the merge request that caused the incident_
- Impact started: `24-03-31 00:50`
- Detected: `24-03-31 00:55`
- Acknowledged: `24-03-31 01:10` by alice via telegram
- Identified: `24-03-31 01:40`
- Mitigated: `24-03-31 03:20`
- Resolved: `24-03-31 04:05`

Events:

- `24-03-31 00:55` Declared (tocsin via rule): ApiDown firing for 5m
- `24-03-31 00:56` Page sent (tocsin via rule): paged alice by telegram
- `24-03-31 01:10` Acknowledged (alice via telegram): looking
- `24-03-31 01:40` State changed investigating -> identified (alice via telegram): bad migration on orders table
- `24-03-31 01:45` Severity changed P2 -> P1 (alice via api): customers cannot pay checkout fails
- `24-03-31 03:20` State changed identified -> monitoring (tocsin via rule): condition cleared
- `24-03-31 04:05` State changed monitoring -> resolved (tocsin via rule): quiet for 45m
- `24-03-31 04:30` Taxonomy set DATA_QUALITY < FAILED_MIGRATION (bob via cli)

## Cause

_The root cause, found with the developer who remediated the incident (the 5 Whys help); link the merge request that introduced it (the merge request, not the commit)._

Alerts involved:

- `{alertname="ApiDown", component="api"}`

## Solution

_How the incident was remediated, with the developer who fixed it; link the merge request that fixed it if code changed._

## Conclusion

_Lessons learned: what in the architecture let the problem reach production, and what was done to remediate the root cause._

Taxonomy: DATA_QUALITY < FAILED_MIGRATION
)";
    PostmortemOptions options;
    options.time_zone = "Europe/Madrid";
    const auto text = render_postmortem(resolved_incident(), resolved_events(), options);
    EXPECT_EQ(text, expected);
    // Deterministic: the same input renders the same text.
    EXPECT_EQ(render_postmortem(resolved_incident(), resolved_events(), options), text);
}

// Declared by a person, not resolved, no impact measured, no taxonomy.
Incident manual_incident() {
    Incident i;
    i.id = 7;
    i.key = "manual:7";
    i.manual = true;
    i.reporter = "carol";
    i.title = "Login slow";
    i.severity = "P2";
    i.state = IncidentState::identified;
    i.impact_started = utc(2024, 6, 1, 10, 0);
    i.detected = utc(2024, 6, 1, 12, 30);
    i.identified = utc(2024, 6, 1, 12, 45);
    return i;
}

std::vector<IncidentEvent> manual_events() {
    return {
        event(utc(2024, 6, 1, 12, 30), EventKind::opened, Actor{"carol", "email"}, "customers report slow login"),
        event(utc(2024, 6, 1, 12, 45), EventKind::state_changed, Actor{"dave", "cli"}, "",
              "investigating -> identified"),
    };
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST(Postmortem, UnresolvedManualIncident) {
    const auto text = render_postmortem(manual_incident(), manual_events());
    EXPECT_TRUE(
        text.starts_with("# Postmortem: Login slow (incident #7)\n\n"
                         "_Draft: the incident is not resolved yet; complete the postmortem once it is._\n"))
        << text;
    for (std::string_view part : {
             "| State | identified |\n",
             "| Component | none |\n",
             "| Source | declared by carol |\n",
             "| Taxonomy | not set |\n",
             "- Affected users: not measured.\n",
             "- Detection: reported by carol through email.\n",
             "- Time to detect was 2.5 hours.\n",
             "- Time to fix: not resolved yet.\n",
             "- Time to recover: not resolved yet.\n",
             "Times are in UTC (UTC+00:00).\n",
             "- Impact started: `24-06-01 10:00`\n",
             "- Acknowledged: not acknowledged\n",
             "- Identified: `24-06-01 12:45`\n",
             "- Mitigated: not recorded\n",
             "- Resolved: not resolved yet\n",
             "- `24-06-01 12:30` Declared (carol via email): customers report slow login\n",
             "- `24-06-01 12:45` State changed investigating -> identified (dave via cli)\n",
             "## Cause\n",
             "## Solution\n",
             "## Conclusion\n",
             "Taxonomy: _not set; one term, or a tree \"principal failure < primary cause < ...\", of:_ "
             "COMMUNICATION_FAILURE, DATA_QUALITY, FAILED_LINTER, FAILED_MIGRATION, IMPOSSIBLE_TO_TEST, "
             "INCOMPLETE_PERSPECTIVE, INFRASTRUCTURE_ERROR, LACK_OF_TRACEABILITY, MISSING_ALERT, MISSING_TEST, "
             "NO_SPECIFIED, ROTATION_FAILURE, THIRD_PARTY_CHANGE, THIRD_PARTY_ERROR, UNHANDLED_EXCEPTION\n",
         }) {
        EXPECT_TRUE(contains(text, part)) << "missing: " << part << "\nin:\n" << text;
    }
    EXPECT_FALSE(contains(text, "Time to fix was"));
    EXPECT_FALSE(contains(text, "Alerts involved"));
    EXPECT_FALSE(contains(text, "Security"));
}

TEST(Postmortem, OtherZonesAndDetails) {
    auto incident = manual_incident();
    incident.impact = 3;
    incident.security = true;
    incident.title = "Login\nslow";
    incident.reporter = "";  // falls back to the opening event's actor
    PostmortemOptions options;
    options.time_zone = "America/Bogota";
    const auto text = render_postmortem(incident, manual_events(), options);
    EXPECT_TRUE(text.starts_with("# Postmortem: Login slow (incident #7)\n")) << text;
    EXPECT_TRUE(contains(text, "| Security | yes |\n")) << text;
    EXPECT_TRUE(contains(text, "- Affected users: 3.\n")) << text;
    EXPECT_TRUE(contains(text, "- Detection: reported by carol through email.\n")) << text;
    EXPECT_TRUE(contains(text, "Times are in America/Bogota (-05, UTC-05:00).\n")) << text;
    EXPECT_TRUE(contains(text, "- Impact started: `24-06-01 05:00`\n")) << text;
    EXPECT_TRUE(contains(text, "- `24-06-01 07:30` Declared (carol via email)")) << text;

    options.time_zone = "Nowhere/Land";
    const auto fallback = render_postmortem(incident, manual_events(), options);
    EXPECT_TRUE(contains(fallback, "Unknown time zone \"Nowhere/Land\": times are in UTC (UTC+00:00).\n")) << fallback;
    EXPECT_TRUE(contains(fallback, "- Impact started: `24-06-01 10:00`\n")) << fallback;
}

TEST(Postmortem, ResolvedManualIncidentAndPipesInCells) {
    auto incident = manual_incident();
    incident.state = IncidentState::resolved;
    incident.resolved = utc(2024, 6, 3, 12, 30);
    incident.severity = "P2|minor";
    incident.taxonomy = "THIRD_PARTY_ERROR";
    const auto text = render_postmortem(incident, manual_events());
    EXPECT_FALSE(contains(text, "_Draft")) << text;
    EXPECT_TRUE(contains(text, "| Severity | P2\\|minor |\n")) << text;
    EXPECT_TRUE(contains(text, "- Time to fix was 2.0 days.\n")) << text;
    EXPECT_TRUE(contains(text, "- Time to recover was 2.1 days.\n")) << text;
    EXPECT_TRUE(contains(text, "- Resolved: `24-06-03 12:30`\n")) << text;
    EXPECT_TRUE(text.ends_with("\nTaxonomy: THIRD_PARTY_ERROR\n")) << text;
}

}  // namespace
}  // namespace tocsin::incident
