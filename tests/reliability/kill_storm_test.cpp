// Scenario 1, the kill -9 storm (docs/reliability.md): many loopback
// targets flap and then fail for good while the daemon is killed with
// SIGKILL at seeded random moments and restarted. Afterwards every incident
// reached alice on Telegram (the fake Bot API) and by email (aiosmtpd) at
// least once, each channel saw at most one duplicated delivery per kill,
// the database passes PRAGMA integrity_check after every kill, the audit
// chain verifies, and no incident was declared twice (rule and incident
// state came back after each restart).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "aiosmtpd.hpp"
#include "daemon_process.hpp"
#include "daemon_state.hpp"
#include "fake_target.hpp"
#include "fake_telegram.hpp"
#include "reliability_support.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using tocsin::notify::testing::Aiosmtpd;
using tocsin::test::DaemonProcess;
using tocsin::test::eventually;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;
using tocsin::test::FakeTelegram;
using tocsin::test::read_file;
using tocsin::test::TempDir;

namespace {

const std::string k_bot_token = "123456:KILL-storm_token";

// Whose page is this: "[P1] #12 svc t5 down" is the first page of incident
// 12 (a notice has a headline after the id, a digest lists each page's
// subject on its own line), so every id a message carries as a page.
std::set<long> page_ids(const std::string& text) {
    static const std::regex k_page(R"(\[P1\] #([0-9]+) svc t[0-9]+ down)");
    std::set<long> ids;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), k_page); it != std::sregex_iterator(); ++it) {
        ids.insert(std::stol((*it)[1].str()));
    }
    return ids;
}

struct Deliveries {
    std::map<long, int> copies;  // incident id -> deliveries carrying its page
    int messages = 0;            // deliveries carrying at least one page
    int duplicated = 0;          // deliveries carrying a page already delivered
};

Deliveries count(const std::vector<std::set<long>>& messages) {
    Deliveries d;
    for (const auto& ids : messages) {
        if (ids.empty()) continue;
        ++d.messages;
        bool dup = false;
        for (long id : ids) dup |= d.copies[id]++ > 0;
        d.duplicated += dup;
    }
    return d;
}

}  // namespace

TEST(KillStorm, EveryIncidentReachesEveryChannelThroughSigkills) {
    const std::uint64_t seed = tocsin::reliability::seed("kill storm");
    const int targets = tocsin::reliability::sized(30, 200);
    const int kills = tocsin::reliability::sized(8, 50);
    const auto storm = std::chrono::seconds(tocsin::reliability::sized(30, 150));
    std::mt19937_64 rng(seed);

    // Each target: up, maybe one flap (down 2-4 s, then up), then down for
    // good at a random moment of the storm. Incidents resolve only after an
    // hour of quiet, so a flap reopens its incident: one incident per target.
    std::vector<std::atomic<bool>> down(static_cast<std::size_t>(targets));
    for (auto& d : down) d = false;
    FakeTarget service([&](const tocsin::test::FakeRequest& req) {
        const std::size_t k = std::stoul(req.target.substr(2));
        return FakeResponse::text(down[k].load() ? 503 : 200, "state\n");
    });
    struct Event {
        std::chrono::milliseconds at;
        int target;  // -1: a kill
        bool down;
    };
    std::vector<Event> events;
    const auto storm_ms = std::chrono::duration_cast<std::chrono::milliseconds>(storm).count();
    std::uniform_int_distribution<long> moment(0, storm_ms);
    int flaps = 0;
    for (int t = 0; t < targets; ++t) {
        const long final_down = moment(rng);
        if (rng() % 2 == 0 && final_down > 6000) {
            std::uniform_int_distribution<long> flap_at(0, final_down - 6000);
            const long a = flap_at(rng);
            const long len = 2000 + static_cast<long>(rng() % 2000);
            events.push_back({std::chrono::milliseconds(a), t, true});
            events.push_back({std::chrono::milliseconds(a + len), t, false});
            ++flaps;
        }
        events.push_back({std::chrono::milliseconds(final_down), t, true});
    }
    for (int k = 0; k < kills; ++k) events.push_back({std::chrono::milliseconds(moment(rng)), -1, false});
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });

    TempDir dir;
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    dir.write("bot-token", k_bot_token + "\n", 0600);
    std::string config = tocsin::reliability::flapping_targets_config(
        targets, [&](int t) { return service.url("/t" + std::to_string(t)); }, smtp.port(), tg.api_url(),
        dir.file("bot-token"));
    DaemonProcess daemon(dir, config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());

    const auto db = dir.file("state/tocsin.db");
    const auto started = std::chrono::steady_clock::now();
    int killed = 0;
    std::string kill_moments;
    for (const auto& e : events) {
        // Pacing the fault injection, not waiting for a rule.
        std::this_thread::sleep_until(started + e.at);
        if (e.target >= 0) {
            down[static_cast<std::size_t>(e.target)] = e.down;
            continue;
        }
        daemon.kill9();
        ++killed;
        kill_moments += " " + std::to_string(e.at.count());
        const auto check = tocsin::reliability::integrity_check(db);
        EXPECT_EQ(check, std::vector<std::string>{"ok"}) << "after kill " << killed;
        ASSERT_NO_FATAL_FAILURE(daemon.start());
    }
    const double storm_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    // Every target is down now: one incident each, every page delivered.
    ASSERT_TRUE(eventually(
        [&] { return tocsin::reliability::query_int(db, "SELECT count(*) FROM incidents") >= targets; }, 60s))
        << read_file(daemon.log());
    ASSERT_TRUE(eventually(
        [&] {
            auto rows = tocsin::test::outbox(dir);
            int pages = 0;
            for (const auto& r : rows) {
                if (r.key.rfind("page/", 0) != 0) continue;
                if (r.state != "sent") return false;
                ++pages;
            }
            return pages >= 2 * targets;
        },
        120s))
        << read_file(daemon.log());

    // What each channel delivered: the pages every message carries.
    std::vector<std::set<long>> tg_messages, mail_messages;
    for (const auto& c : tocsin::test::messages_to(tg, 1001)) tg_messages.push_back(page_ids(c.param("text")));
    for (const auto& m : tocsin::test::mails_to(smtp, "alice@")) {
        std::string text = m.str({"decoded", "subject"}) + "\n";
        if (const auto* parts = m.facts.at("decoded").as_object().if_contains("parts")) {
            for (const auto& p : parts->as_array()) {
                if (const auto* c = p.as_object().if_contains("content"); c != nullptr && c->is_string()) {
                    text += std::string(c->as_string()) + "\n";
                }
            }
        }
        mail_messages.push_back(page_ids(text));
    }
    const auto by_tg = count(tg_messages);
    const auto by_mail = count(mail_messages);

    // One incident per target, never re-declared after a restart (from the
    // database: the API pages its list).
    std::vector<std::pair<long, std::string>> incidents;
    {
        auto reader = tocsin::store::Database::open_read_only(db, 5s);
        auto stmt = reader.prepare("SELECT id, title FROM incidents ORDER BY id");
        ASSERT_TRUE(static_cast<bool>(stmt));
        while (true) {
            auto row = stmt->step();
            if (!row || !*row) break;
            incidents.emplace_back(static_cast<long>(stmt->column_int64(0)), stmt->column_text(1));
        }
    }
    std::set<std::string> titles;
    std::set<long> ids;
    for (const auto& [id, title] : incidents) {
        ids.insert(id);
        titles.insert(title);
    }
    EXPECT_EQ(incidents.size(), static_cast<std::size_t>(targets));
    EXPECT_EQ(titles.size(), static_cast<std::size_t>(targets)) << "an incident was declared twice";
    EXPECT_EQ(tocsin::reliability::query_int(db, "SELECT count(*) FROM incident_events WHERE kind = 'opened'"),
              targets);

    // Every incident reached both channels; at most one duplicate per kill each.
    for (long id : ids) {
        EXPECT_GE(by_tg.copies.count(id) ? by_tg.copies.at(id) : 0, 1) << "incident " << id << " never reached Telegram";
        EXPECT_GE(by_mail.copies.count(id) ? by_mail.copies.at(id) : 0, 1) << "incident " << id << " never reached email";
    }
    EXPECT_LE(by_tg.duplicated, killed);
    EXPECT_LE(by_mail.duplicated, killed);

    daemon.stop();
    EXPECT_EQ(tocsin::reliability::integrity_check(db), std::vector<std::string>{"ok"});
    auto verify = tocsin::test::run_command({TOCSIN_BINARY, "audit", "verify", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;

    std::printf(
        "kill storm: seed %llu, %d targets (%d flapped), %zu incidents, %d kills at ms%s; storm %.1f s, "
        "all delivered after %.1f s; telegram %d deliveries (%d duplicated), email %d deliveries (%d duplicated); %s",
        static_cast<unsigned long long>(seed), targets, flaps, incidents.size(), killed, kill_moments.c_str(), storm_s,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), by_tg.messages,
        by_tg.duplicated, by_mail.messages, by_mail.duplicated, verify.output.c_str());
}
