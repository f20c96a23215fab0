// The status page of the real daemon in a real headless browser (Debian's
// chromium): the demo's flaky service declares an incident by itself, a
// person declares another over the API, and the page chromium renders has
// the components, the incidents and 90-day bars; a phone-sized screenshot
// comes out at that size. Skipped when chromium is not installed.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon_process.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;
using tocsin::test::DaemonProcess;
using tocsin::test::http_get;
using tocsin::test::read_file;
using tocsin::test::run_command;
using tocsin::test::TempDir;

namespace {

constexpr const char* k_chromium = "/usr/bin/chromium";

// The embedded demo (config/tocsin.toml) on a faster clock, plus a
// configured component people declare incidents on.
const std::string k_config = R"(
[status_page]
title = "Example & Co status"

[demo]
flaky_target = true
up = "1s"
down = "1h"

[[target]]
name = "demo"
url = "http://127.0.0.1:@API_PORT@/demo/flaky"
interval = "1s"
timeout = "1s"
labels = { component = "demo" }

[[rule]]
name = "DemoServiceDown"
expr = 'probe_success{target="demo"} == 0'
for = "1s"
severity = "P1"
title = 'The demo service is down'

[[component]]
name = "checkout"
description = "Payments and the basket"
)";

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

// The HTML element that starts at the first `needle`, up to `end`.
std::string element(const std::string& html, const std::string& needle, const std::string& end) {
    const auto at = html.find(needle);
    if (at == std::string::npos) return {};
    const auto stop = html.find(end, at);
    return html.substr(at, stop == std::string::npos ? std::string::npos : stop - at);
}

std::vector<std::string> chromium(const TempDir& dir, std::vector<std::string> args) {
    std::vector<std::string> all{k_chromium,
                                 "--headless=new",
                                 "--no-sandbox",
                                 "--disable-gpu",
                                 "--disable-dev-shm-usage",
                                 "--no-first-run",
                                 "--hide-scrollbars",
                                 "--user-data-dir=" + dir.file("chromium-profile")};
    all.insert(all.end(), args.begin(), args.end());
    return all;
}

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(bytes[at + k]);
    return v;
}

}  // namespace

TEST(StatusPageBrowser, RendersTheDemoAndADeclaredIncident) {
    if (::access(k_chromium, X_OK) != 0) {
        GTEST_SKIP() << k_chromium << " is not installed (apt-get install chromium; .ci/dev deps installs it)";
    }
    TempDir dir;
    DaemonProcess daemon(dir, k_config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());

    auto r = daemon.post("/api/v1/incidents",
                         R"({"title": "Checkout <b>down</b>", "components": ["checkout"], "severity": "P0",
                             "reporter": "alice"})");
    ASSERT_EQ(r.status, 201) << r.body;
    const auto id = boost::json::parse(r.body).at("id").as_int64();
    r = daemon.post("/api/v1/incidents/" + std::to_string(id) + "/state",
                    R"({"state": "identified", "actor": "alice", "message": "A bad deploy; rolling back."})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = daemon.post("/api/v1/incidents/" + std::to_string(id) + "/notes",
                    R"({"actor": "alice", "message": "internal: blame deploy 4711"})");
    ASSERT_EQ(r.status, 200) << r.body;

    // The demo's own incident, declared by the rule once the service fails.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    boost::json::value status;
    while (std::chrono::steady_clock::now() < deadline) {
        auto s = http_get(daemon.port(), "/api/v1/status");  // no token
        if (s.status == 200) {
            status = boost::json::parse(s.body);
            if (status.at("incidents").as_array().size() == 2) break;
        }
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(status.at("incidents").as_array().size(), 2u) << read_file(daemon.log());
    EXPECT_EQ(status.at("status").at("indicator").as_string(), "critical");
    EXPECT_EQ(status.at("page").at("name").as_string(), "Example & Co status");

    const std::string url = "http://127.0.0.1:" + std::to_string(daemon.port()) + "/status";
    const std::vector<std::string> env{"HOME=" + dir.path()};

    // The DOM as chromium built it.
    auto dom = run_command(chromium(dir, {"--dump-dom", url}), env);
    ASSERT_EQ(dom.exit_code, 0) << dom.output;
    const std::string& html = dom.output;
    EXPECT_THAT(html, HasSubstr("<h1 id=\"page-title\">Example &amp; Co status</h1>"));
    EXPECT_THAT(html, HasSubstr("data-indicator=\"critical\""));
    const std::string checkout = element(html, "data-component=\"checkout\"", "</li>");
    EXPECT_THAT(checkout, HasSubstr("data-status=\"major_outage\""));
    EXPECT_THAT(checkout, HasSubstr("Payments and the basket"));
    EXPECT_EQ(count(checkout, "class=\"day "), 90u);
    const std::string demo = element(html, "data-component=\"demo\"", "</li>");  // from the target's labels
    ASSERT_FALSE(demo.empty()) << html;
    EXPECT_THAT(demo, Not(testing::StartsWith("data-component=\"demo\" data-status=\"operational\"")));
    EXPECT_EQ(count(demo, "class=\"day "), 90u);
    EXPECT_EQ(count(html, "class=\"day "), 90u * count(html, "<li class=\"component\""));

    const std::string declared = element(html, "id=\"incident-" + std::to_string(id) + "\"", "</article>");
    EXPECT_THAT(declared, HasSubstr("Checkout &lt;b&gt;down&lt;/b&gt;"));  // text, not markup
    EXPECT_THAT(declared, HasSubstr("A bad deploy; rolling back."));
    EXPECT_THAT(declared, HasSubstr("data-status=\"identified\""));
    EXPECT_THAT(html, Not(HasSubstr("<b>down</b>")));
    EXPECT_THAT(html, Not(HasSubstr("blame deploy")));  // notes stay internal
    EXPECT_THAT(html, HasSubstr("The demo service is down"));

    // A phone-sized screenshot.
    const std::string png = dir.file("status.png");
    auto shot = run_command(chromium(dir, {"--screenshot=" + png, "--window-size=390,844", url}), env);
    ASSERT_EQ(shot.exit_code, 0) << shot.output;
    const std::string bytes = read_file(png);
    ASSERT_GT(bytes.size(), 24u + 1000u) << "a near-empty PNG";
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(bytes.substr(12, 4), "IHDR");
    EXPECT_EQ(big_endian(bytes, 16), 390u);
    EXPECT_EQ(big_endian(bytes, 20), 844u);

    daemon.stop();
}
