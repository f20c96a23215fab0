// The page's HTML (escaping, stable hooks for tests, no external assets)
// and the JSON in Statuspage's summary.json shape.
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "status_test_support.hpp"
#include "tocsin/status/status_summary.hpp"

using namespace tocsin;
using namespace tocsin::status;
using namespace tocsin::status::test;
using incident::EventKind;
using testing::HasSubstr;
using testing::Not;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

StatusSummary hostile() {
    auto r = make_incident(7, "api", "P0", t0() - 1h);
    r.incident.title = "<script>alert('x')</script> & \"quotes\"";
    r.events.push_back(event(r, 701, t0() - 30min, EventKind::state_changed, "investigating -> identified",
                             "<img src=x onerror=alert(1)>"));
    auto in = input({component("api", "<b>bold</b>"), component("we\"b")}, {r});
    in.title = "<title>Evil</title>";
    return summarize(in);
}

}  // namespace

TEST(StatusHtml, EscapesEveryDynamicString) {
    const std::string html = render_html(hostile());
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("<img")));
    EXPECT_THAT(html, Not(HasSubstr("<b>bold")));
    EXPECT_THAT(html, Not(HasSubstr("<title>Evil")));
    EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"));
    EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
    EXPECT_THAT(html, HasSubstr("data-component=\"we&quot;b\""));
}

TEST(StatusHtml, SelfContainedAndReadableOnAPhone) {
    const std::string html = render_html(hostile());
    EXPECT_THAT(html, HasSubstr("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
    EXPECT_THAT(html, HasSubstr("<style>"));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("<link")));
    EXPECT_THAT(html, Not(HasSubstr("src=\"")));
    EXPECT_THAT(html, Not(HasSubstr("url(")));
    EXPECT_THAT(html, Not(HasSubstr("http://")));
    EXPECT_THAT(html, Not(HasSubstr("https://")));
}

TEST(StatusHtml, StableHooksForTests) {
    const auto s = hostile();
    const std::string html = render_html(s);
    EXPECT_THAT(html, HasSubstr("id=\"overall\" class=\"overall indicator-critical\" data-indicator=\"critical\""));
    EXPECT_THAT(html, HasSubstr("<li class=\"component\" id=\"component-" + find(s, "api").id +
                                "\" data-component=\"api\" data-status=\"major_outage\">"));
    EXPECT_THAT(html, HasSubstr("id=\"incident-7\" data-incident-id=\"7\" data-status=\"investigating\" "
                                "data-impact=\"critical\""));
    EXPECT_EQ(count(html, "<span class=\"day "), 2u * 90u);
    EXPECT_THAT(html, HasSubstr("data-date=\"2026-03-29\" data-status=\"major_outage\" data-availability=\"91.66\" "
                                "title=\"2026-03-29: 91.66% available, worst: Major outage\""));
    EXPECT_THAT(html, HasSubstr("<section id=\"open-incidents\">"));
    EXPECT_THAT(html, HasSubstr("<li class=\"update\" data-status=\"identified\">"));
    EXPECT_THAT(html, HasSubstr("2026-03-29 11:00 UTC"));  // dates in UTC
}

TEST(StatusHtml, QuietPageSaysSo) {
    const std::string html = render_html(summarize(input({component("api")}, {})));
    EXPECT_THAT(html, HasSubstr("All Systems Operational"));
    EXPECT_THAT(html, HasSubstr("No incidents in the last 90 days."));
    EXPECT_THAT(html, Not(HasSubstr("open-incidents")));
    const std::string none = render_html(summarize(input({}, {})));
    EXPECT_THAT(none, HasSubstr("No components are configured."));
}

TEST(StatusJson, HasStatuspageSummaryShape) {
    auto resolved = make_incident(3, "web", "P1", t0() - 30h, t0() - 28h);
    auto in = input({component("api", "the API"), component("web")}, {make_incident(7, "api", "P0", t0() - 1h), resolved});
    config::MaintenanceConfig m;
    m.name = "upgrade";
    m.components = {"web"};
    m.start_local = std::chrono::duration_cast<std::chrono::seconds>((t0() + 2h).time_since_epoch());
    m.length = std::chrono::hours(1);
    in.maintenance = {m};
    const auto v = boost::json::parse(render_json(summarize(in)));
    const auto& root = v.as_object();

    const auto& page = root.at("page").as_object();
    EXPECT_EQ(page.at("name").as_string(), "Example status");
    EXPECT_EQ(page.at("url").as_string(), "https://status.example.com");
    EXPECT_EQ(page.at("time_zone").as_string(), "Etc/UTC");
    EXPECT_EQ(page.at("updated_at").as_string(), "2026-03-29T12:00:00.000Z");
    EXPECT_TRUE(page.at("id").is_string());

    EXPECT_EQ(root.at("status").at("indicator").as_string(), "critical");
    EXPECT_EQ(root.at("status").at("description").as_string(), "Major Service Outage");

    const auto& components = root.at("components").as_array();
    ASSERT_EQ(components.size(), 2u);
    const auto& api = components[0].as_object();
    EXPECT_EQ(api.at("name").as_string(), "api");
    EXPECT_EQ(api.at("status").as_string(), "major_outage");
    EXPECT_EQ(api.at("description").as_string(), "the API");
    EXPECT_EQ(api.at("position").as_int64(), 1);
    EXPECT_EQ(api.at("id").as_string().size(), 16u);
    EXPECT_TRUE(api.at("group_id").is_null());
    EXPECT_EQ(api.at("days").as_array().size(), 90u);
    EXPECT_EQ(components[1].at("status").as_string(), "operational");
    EXPECT_TRUE(components[1].at("description").is_null());

    const auto& incidents = root.at("incidents").as_array();
    ASSERT_EQ(incidents.size(), 1u);  // unresolved only, as Statuspage has it
    const auto& i = incidents[0].as_object();
    EXPECT_EQ(i.at("id").as_string(), "7");
    EXPECT_EQ(i.at("name").as_string(), "Incident 7");
    EXPECT_EQ(i.at("status").as_string(), "investigating");
    EXPECT_EQ(i.at("impact").as_string(), "critical");
    EXPECT_EQ(i.at("created_at").as_string(), "2026-03-29T11:00:00.000Z");
    EXPECT_TRUE(i.at("resolved_at").is_null());
    EXPECT_EQ(i.at("shortlink").as_string(), "https://status.example.com/status#incident-7");
    const auto& updates = i.at("incident_updates").as_array();
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].at("status").as_string(), "investigating");
    EXPECT_EQ(updates[0].at("incident_id").as_string(), "7");
    EXPECT_TRUE(updates[0].at("body").is_string());
    EXPECT_TRUE(updates[0].at("created_at").is_string());
    EXPECT_EQ(i.at("components").as_array().at(0).at("name").as_string(), "api");

    const auto& past = root.at("past_incidents").as_array();
    ASSERT_EQ(past.size(), 1u);
    EXPECT_EQ(past[0].at("resolved_at").as_string(), "2026-03-28T08:00:00.000Z");
    EXPECT_EQ(past[0].at("impact").as_string(), "major");

    const auto& maintenance = root.at("scheduled_maintenances").as_array();
    ASSERT_EQ(maintenance.size(), 1u);
    EXPECT_EQ(maintenance[0].at("status").as_string(), "scheduled");
    EXPECT_EQ(maintenance[0].at("scheduled_for").as_string(), "2026-03-29T14:00:00.000Z");
    EXPECT_EQ(maintenance[0].at("scheduled_until").as_string(), "2026-03-29T15:00:00.000Z");
    EXPECT_EQ(maintenance[0].at("impact").as_string(), "maintenance");
}

TEST(StatusJson, HostileTextStaysText) {
    const auto v = boost::json::parse(render_json(hostile()));
    EXPECT_EQ(v.at("incidents").at(0).at("name").as_string(), "<script>alert('x')</script> & \"quotes\"");
    EXPECT_EQ(v.at("page").at("name").as_string(), "<title>Evil</title>");
}
