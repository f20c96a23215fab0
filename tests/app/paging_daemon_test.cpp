// Paging end to end through the real binary: a loopback target fails, the
// incident is declared, the on-call person's email arrives at Debian's
// aiosmtpd and the Telegram message at the fake Bot API; without an
// acknowledgement the page repeats and level 2 is paged; an Acknowledge
// button press (through the fake getUpdates) stops both, tells the others,
// and starts the status-update reminders; the resolution reaches everyone
// paged, threaded under the first message. Faults: SMTP 451 then accepted,
// 550 with the Telegram fallback, Telegram 429, and kill -9 between queueing
// and sending.
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aiosmtpd.hpp"
#include "daemon_process.hpp"
#include "daemon_state.hpp"
#include "fake_target.hpp"
#include "fake_telegram.hpp"
#include "test_support.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/statement.hpp"

using namespace std::chrono_literals;
using tocsin::notify::testing::Aiosmtpd;
using tocsin::test::DaemonProcess;
using tocsin::test::event_kinds;
using tocsin::test::eventually;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;
using tocsin::test::FakeTelegram;
using tocsin::test::mails_to;
using tocsin::test::messages_to;
using tocsin::test::outbox;
using tocsin::test::read_file;
using tocsin::test::TelegramCall;
using tocsin::test::TelegramScript;
using tocsin::test::TempDir;

namespace {

const std::string k_bot_token = "123456:TEST-token_for-paging-tests";

// Alice is on call (level 1), Bob is level 2. P1 here has a seconds-long
// cadence so the test sees re-pages, escalation and reminders in real time.
struct PagingSetup {
    std::string channels = "[\"telegram\", \"email\"]";
    std::string tier = "ack_within = \"4s\"\nrepage_every = \"2s\"\nupdate_every = \"3s\"\n";
    std::string auto_resolve = "1s";
    std::string rule_for = "1s";
};

std::string paging_config(TempDir& dir, const std::string& target_url, int smtp_port, const FakeTelegram& tg,
                          const PagingSetup& s) {
    dir.write("bot-token", k_bot_token + "\n");
    ::chmod(dir.file("bot-token").c_str(), 0600);
    return "\n[[target]]\nname = \"api\"\nurl = \"" + target_url +
           "\"\ninterval = \"1s\"\ntimeout = \"1s\"\n"
           "\n[[rule]]\nname = \"ApiDown\"\nexpr = 'probe_success{target=\"api\"} == 0'\nfor = \"" +
           s.rule_for +
           "\"\nseverity = \"P1\"\ncomponent = \"api\"\ntitle = 'API {{ $labels.target }} is down'\n"
           "\n[severity.P1]\nrank = 0\nstatus = \"major outage\"\nauto_resolve_after = \"" +
           s.auto_resolve + "\"\nchannels = " + s.channels + "\n" + s.tier +
           "\n[[severity.P1.escalation]]\nschedules = [\"primary\"]\n"
           "\n[[severity.P1.escalation]]\nschedules = [\"secondary\"]\n"
           "\n[severity.P2]\nrank = 1\n"
           "\n[incidents]\ndefault_severity = \"P2\"\nsecurity_severity = \"P1\"\n"
           "\n[[person]]\nname = \"alice\"\nemail = \"alice@example.org\"\ntelegram_chat_id = 1001\n"
           "\n[[person]]\nname = \"bob\"\nemail = \"bob@example.org\"\ntelegram_chat_id = 1002\n"
           "\n[[schedule]]\nname = \"primary\"\n[[schedule.layer]]\npeople = [\"alice\"]\nstart = \"2026-01-05 09:00\"\n"
           "\n[[schedule]]\nname = \"secondary\"\n[[schedule.layer]]\npeople = [\"bob\"]\nstart = \"2026-01-05 09:00\"\n"
           "\n[channel.email]\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(smtp_port) +
           "\nsecurity = \"none\"\ninsecure_local_relay = true\nfrom = \"tocsin@example.org\"\n"
           "\n[channel.telegram]\napi_url = \"" +
           tg.api_url() + "\"\nbot_token_file = \"" + dir.file("bot-token") + "\"\npoll_timeout = \"1s\"\n" +
           "\n[[component]]\nname = \"api\"\n"
           "\n[[subscribers]]\nname = \"customers\"\ncomponents = [\"api\"]\nemails = [\"ops@customer.example\"]\n"
           "\n[paging]\nretry_base = \"500ms\"\nretry_cap = \"2s\"\n";
}

// The callback data of the first button labelled `label` under a sent message.
std::string button_data(const TelegramCall& sent, const std::string& label) {
    std::string markup = sent.param("reply_markup");
    if (markup.empty()) return "";
    auto json = boost::json::parse(markup);
    if (json.is_string()) json = boost::json::parse(json.as_string());
    for (const auto& row : json.at("inline_keyboard").as_array()) {
        for (const auto& b : row.as_array()) {
            if (std::string(b.at("text").as_string()).find(label) != std::string::npos) {
                return std::string(b.at("callback_data").as_string());
            }
        }
    }
    return "";
}

// The fake numbers the messages it accepts from 1, in order; every call in
// these tests is accepted unless scripted otherwise.
std::int64_t first_message_id(const FakeTelegram& tg, std::int64_t chat) {
    auto all = tg.calls("sendMessage");
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].int_param("chat_id") == chat) return static_cast<std::int64_t>(i + 1);
    }
    return 0;
}

}  // namespace

TEST(DaemonPaging, PagesEscalatesStopsOnAcknowledgementRemindsAndResolvesThreaded) {
    TempDir dir;
    std::atomic<int> status{200};
    FakeTarget target([&](const auto&) { return FakeResponse::text(status.load(), "state\n"); });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    DaemonProcess daemon(dir, paging_config(dir, target.url("/healthz"), smtp.port(), tg, PagingSetup{}));
    ASSERT_NO_FATAL_FAILURE(daemon.start());

    status = 503;
    const auto failed_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1; })) << read_file(daemon.log());

    // Level 1: alice, on Telegram and by email.
    ASSERT_TRUE(eventually([&] { return !messages_to(tg, 1001).empty() && !mails_to(smtp, "alice@").empty(); }))
        << read_file(daemon.log()) << smtp.log();
    // The issue's bound is `for` (1 s) + one probe interval (1 s) + 1 s;
    // printed, not asserted: the suite has no timing assertions.
    std::printf("failure to first page (Telegram and email): %.2f s (bound 3 s)\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - failed_at).count());
    auto first_tg = messages_to(tg, 1001)[0];
    EXPECT_THAT(first_tg.param("text"), testing::HasSubstr("API api is down"));
    const auto first_mail = mails_to(smtp, "alice@")[0];
    EXPECT_THAT(first_mail.str({"decoded", "subject"}), testing::HasSubstr("[P1] #1 API api is down"));
    const std::string root_message_id = first_mail.str({"decoded", "message_id"});

    // The page went out when the incident was declared: same instant queued.
    auto rows = outbox(dir);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0].key.rfind("page/1/c0/l0/r0/alice/", 0), 0u) << rows[0].key;

    // No acknowledgement: a re-page (2 s) and level 2, bob (4 s).
    ASSERT_TRUE(eventually([&] { return messages_to(tg, 1001).size() >= 2; })) << read_file(daemon.log());
    EXPECT_THAT(messages_to(tg, 1001)[1].param("text"), testing::HasSubstr("re-page 1"));
    ASSERT_TRUE(eventually([&] { return !messages_to(tg, 1002).empty() && !mails_to(smtp, "bob@").empty(); }))
        << read_file(daemon.log());
    EXPECT_THAT(messages_to(tg, 1002)[0].param("text"), testing::HasSubstr("Escalated"));

    // Alice presses Acknowledge under her first page.
    const std::int64_t alice_message = first_message_id(tg, 1001);
    const std::string ack = button_data(first_tg, "Acknowledge");
    ASSERT_FALSE(ack.empty()) << first_tg.body;
    auto press = tg.inject_callback(1001, 1001, "alice", alice_message, ack);
    ASSERT_TRUE(eventually([&] { return tg.answers(press.query_id) == 1; })) << read_file(daemon.log());
    ASSERT_TRUE(daemon.wait_for([](const auto& l) {
        return l.size() == 1 && !l[0].at("acknowledged").is_null() &&
               l[0].at("acknowledged_by").at("name").as_string() == "alice";
    })) << read_file(daemon.log());

    // Bob hears that alice acknowledged.
    ASSERT_TRUE(eventually([&] {
        for (const auto& m : messages_to(tg, 1002)) {
            if (m.param("text").find("acknowledged by alice") != std::string::npos) return true;
        }
        return false;
    })) << read_file(daemon.log());

    // A status-update reminder reaches alice (update_every 3 s) ...
    ASSERT_TRUE(eventually([&] {
        for (const auto& r : outbox(dir)) {
            if (r.key.rfind("remind/1/u1/alice/", 0) == 0 && r.state == "sent") return true;
        }
        return false;
    })) << read_file(daemon.log());
    // ... and no page was queued after the acknowledgement.
    const auto pages_after_ack = [&] {
        std::set<std::string> keys;
        for (const auto& r : outbox(dir)) {
            if (r.key.rfind("page/", 0) == 0 && r.state != "cancelled") keys.insert(r.key);
        }
        return keys;
    };
    const auto pages_then = pages_after_ack();
    ASSERT_TRUE(daemon.wait_for_evaluations(4)) << read_file(daemon.log());
    EXPECT_EQ(pages_after_ack(), pages_then);

    // Recovery: monitoring, then resolved after 1 s of quiet; everyone
    // paged is told, threaded under the first message.
    status = 200;
    ASSERT_TRUE(daemon.wait_for([](const auto& l) { return l.size() == 1 && l[0].at("state").as_string() == "resolved"; }))
        << read_file(daemon.log());
    ASSERT_TRUE(eventually([&] {
        int told = 0;
        for (const auto& m : smtp.messages()) {
            if (m.str({"decoded", "subject"}).find("resolved") != std::string::npos) ++told;
        }
        return told >= 2;
    })) << read_file(daemon.log());
    for (const auto& m : mails_to(smtp, "alice@")) {
        if (m.str({"decoded", "subject"}).find("resolved") == std::string::npos) continue;
        EXPECT_EQ(m.str({"decoded", "in_reply_to"}), root_message_id);
        EXPECT_THAT(m.str({"decoded", "references"}), testing::HasSubstr(root_message_id));
    }

    // The customers heard the public side: known at the acknowledgement,
    // then resolved; never the internal page texts.
    // "Still investigating" notices may come between the two (update_every
    // lapses with no news), so wait for the resolution itself.
    ASSERT_TRUE(eventually([&] {
        const auto mails = mails_to(smtp, "ops@customer.example");
        return std::any_of(mails.begin(), mails.end(),
                           [](const auto& m) { return m.str({"decoded", "subject"}).rfind("Resolved:", 0) == 0; });
    })) << read_file(daemon.log());
    const auto public_mails = mails_to(smtp, "ops@customer.example");
    EXPECT_EQ(public_mails[0].str({"decoded", "subject"}), "Investigating: API api is down");
    const auto resolved_mails = std::count_if(public_mails.begin(), public_mails.end(), [](const auto& m) {
        return m.str({"decoded", "subject"}) == "Resolved: API api is down";
    });
    EXPECT_EQ(resolved_mails, 1);
    for (const auto& m : public_mails) EXPECT_EQ(m.data.find("tocsin incident ack"), std::string::npos);

    // The audit trail says who was paged and how it ended.
    const auto kinds = event_kinds(dir);
    auto has = [&](const std::string& prefix) {
        return std::any_of(kinds.begin(), kinds.end(), [&](const auto& k) { return k.rfind(prefix, 0) == 0; });
    };
    EXPECT_TRUE(has("page_sent:sent to alice via telegram"));
    EXPECT_TRUE(has("page_sent:sent to bob via email"));
    EXPECT_TRUE(has("acknowledged:"));
    daemon.stop();
    auto verify = tocsin::test::run_command({TOCSIN_BINARY, "audit", "verify", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    const std::string log = read_file(daemon.log());
    EXPECT_EQ(log.find(k_bot_token), std::string::npos) << "the bot token must never be logged";
}

TEST(DaemonPaging, Smtp451IsRetriedAndDeliveredOnce) {
    TempDir dir;
    FakeTarget target([&](const auto&) { return FakeResponse::text(500, "down\n"); });
    Aiosmtpd smtp({"--fail-first-data", "451"});
    FakeTelegram tg(k_bot_token);
    PagingSetup s;
    s.tier = "ack_within = \"1h\"\n";
    s.channels = "[\"email\"]";
    DaemonProcess daemon(dir, paging_config(dir, target.url("/healthz"), smtp.port(), tg, s));
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(eventually([&] { return mails_to(smtp, "alice@").size() == 1; })) << read_file(daemon.log());
    ASSERT_TRUE(eventually([&] {
        auto rows = outbox(dir);
        return !rows.empty() && rows[0].state == "sent";
    }));
    auto rows = outbox(dir);
    EXPECT_EQ(rows[0].attempts, 2);
    EXPECT_EQ(mails_to(smtp, "alice@").size(), 1u);
    daemon.stop();
}

TEST(DaemonPaging, Smtp550FallsBackToTelegramAndIsAudited) {
    TempDir dir;
    FakeTarget target([&](const auto&) { return FakeResponse::text(500, "down\n"); });
    Aiosmtpd smtp({"--reject-rcpt", "alice@example.org"});
    FakeTelegram tg(k_bot_token);
    PagingSetup s;
    s.tier = "ack_within = \"1h\"\n";
    s.channels = "[\"email\"]";
    DaemonProcess daemon(dir, paging_config(dir, target.url("/healthz"), smtp.port(), tg, s));
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    // The email fails for good; the same page goes to alice's Telegram.
    ASSERT_TRUE(eventually([&] { return !messages_to(tg, 1001).empty(); })) << read_file(daemon.log());
    ASSERT_TRUE(eventually([&] {
        const auto kinds = event_kinds(dir);
        return std::any_of(kinds.begin(), kinds.end(),
                           [](const auto& k) { return k.rfind("page_failed:gave up on alice via email", 0) == 0; });
    })) << read_file(daemon.log());
    auto rows = outbox(dir);
    ASSERT_GE(rows.size(), 2u);
    EXPECT_EQ(rows[0].state, "failed");
    EXPECT_THAT(rows[0].error, testing::HasSubstr("550"));
    EXPECT_THAT(rows[1].key, testing::HasSubstr("/fallback/telegram/1001"));
    daemon.stop();
}

TEST(DaemonPaging, Telegram429WaitsForRetryAfter) {
    TempDir dir;
    FakeTarget target([&](const auto&) { return FakeResponse::text(500, "down\n"); });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    tg.script("sendMessage", TelegramScript::flood(2));
    PagingSetup s;
    s.tier = "ack_within = \"1h\"\n";
    s.channels = "[\"telegram\"]";
    DaemonProcess daemon(dir, paging_config(dir, target.url("/healthz"), smtp.port(), tg, s));
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(eventually([&] {
        auto rows = outbox(dir);
        return !rows.empty() && rows[0].state == "sent";
    })) << read_file(daemon.log());
    auto rows = outbox(dir);
    EXPECT_EQ(rows[0].attempts, 2);
    // Telegram asked for 2 s: the second attempt was not earlier.
    EXPECT_GE(rows[0].sent_ms - rows[0].created_ms, 2000);
    EXPECT_EQ(tg.calls("sendMessage").size(), 2u);
    daemon.stop();
}

TEST(DaemonPaging, Kill9BetweenQueueingAndSendingDeliversAfterRestartOnce) {
    TempDir dir;
    FakeTarget target([&](const auto&) { return FakeResponse::text(500, "down\n"); });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    // The first sendMessage hangs: the row is 'sending' when tocsin dies.
    tg.script("sendMessage", TelegramScript::slow(60s));
    PagingSetup s;
    s.tier = "ack_within = \"1h\"\n";
    s.channels = "[\"telegram\"]";
    DaemonProcess daemon(dir, paging_config(dir, target.url("/healthz"), smtp.port(), tg, s));
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(eventually([&] {
        auto rows = outbox(dir);
        return !rows.empty() && rows[0].state == "sending";
    })) << read_file(daemon.log());
    daemon.kill9();
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(eventually([&] {
        auto rows = outbox(dir);
        return !rows.empty() && rows[0].state == "sent";
    })) << read_file(daemon.log());
    EXPECT_TRUE(tocsin::test::wait_for_log(daemon.log(), "page(s) interrupted by a crash will be sent again", 5s));
    auto rows = outbox(dir);
    // One page queued, one row, sent once after the restart (the hung
    // attempt never completed).
    std::size_t pages = 0;
    for (const auto& r : rows) pages += r.key.rfind("page/", 0) == 0;
    EXPECT_EQ(pages, 1u);
    // Usually one attempt; on a loaded machine the restarted daemon's first
    // attempt can time out behind the fake's still-hung handler and be
    // retried (seen once in CI). Either way the row was sent, once.
    EXPECT_GE(rows[0].attempts, 1);
    EXPECT_LE(rows[0].attempts, 2);
    daemon.stop();
}

TEST(DaemonPaging, AFailingChannelBecomesAnIncidentPagedThroughTheOthers) {
    TempDir dir;
    FakeTarget target([&](const auto&) { return FakeResponse::text(500, "down\n"); });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    tg.script("sendMessage", TelegramScript::server_error(502), 1000000);
    PagingSetup s;
    s.tier = "ack_within = \"1h\"\nrepage_every = \"2s\"\n";
    s.channels = "[\"telegram\"]";
    auto config = paging_config(dir, target.url("/healthz"), smtp.port(), tg, s);
    config += "channel_failure_after = \"2s\"\nchannel_failure_severity = \"P1\"\n";
    DaemonProcess daemon(dir, config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    // Telegram keeps answering 502: after 2 s tocsin declares an incident
    // about it, paged to alice by email at once (Telegram keeps trying).
    ASSERT_TRUE(daemon.wait_for([](const auto& l) {
        return std::any_of(l.begin(), l.end(), [](const auto& i) {
            return i.at("title").as_string() == "Paging channel telegram failing" && i.at("state").as_string() != "resolved";
        });
    })) << read_file(daemon.log());
    ASSERT_TRUE(eventually([&] {
        for (const auto& m : mails_to(smtp, "alice@")) {
            if (m.str({"decoded", "subject"}).find("Paging channel telegram failing") != std::string::npos) return true;
        }
        return false;
    })) << read_file(daemon.log());
    // Telegram recovers: its next delivery (a re-page) resolves the incident.
    tg.clear_scripts();
    ASSERT_TRUE(daemon.wait_for([](const auto& l) {
        return std::any_of(l.begin(), l.end(), [](const auto& i) {
            return i.at("title").as_string() == "Paging channel telegram failing" && i.at("state").as_string() == "resolved";
        });
    })) << read_file(daemon.log());
    daemon.stop();
}

TEST(DaemonPaging, HeartbeatCallsTheDeadMansSwitch) {
    TempDir dir;
    std::atomic<int> beats{0};
    FakeTarget target([&](const auto&) { return FakeResponse::text(200, "ok\n"); });
    FakeTarget monitor([&](const auto&) {
        ++beats;
        return FakeResponse::text(200, "ok\n");
    });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    auto config = paging_config(dir, target.url("/healthz"), smtp.port(), tg, PagingSetup{});
    config += "\n[heartbeat]\nurl = \"" + monitor.url("/ping/tocsin") + "\"\ninterval = \"1s\"\n";
    DaemonProcess daemon(dir, config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(eventually([&] { return beats.load() >= 2; })) << read_file(daemon.log());
    EXPECT_THAT(tocsin::test::http_get(daemon.port(), "/metrics").body,
                testing::HasSubstr("tocsin_heartbeats_total{outcome=\"ok\"}"));
    daemon.stop();
}

// 500 incidents declared in one evaluation round: alice gets a few digests
// on each channel instead of 1,000 messages, Telegram's one message a second
// per chat is kept, every incident is listed, and one "Acknowledge all"
// press per digest acknowledges them all.
TEST(DaemonPaging, AStormOf500IncidentsArrivesAsDigestsAndIsAcknowledgeable) {
    constexpr int k_incidents = 500;
    TempDir dir;
    std::atomic<bool> failing{false};
    FakeTarget exporter([&](const auto&) {
        std::string page = "# TYPE svc_up gauge\n";
        for (int i = 0; i < k_incidents; ++i) {
            page += "svc_up{shard=\"s" + std::to_string(i) + "\"} " + (failing.load() ? "0" : "1") + "\n";
        }
        return FakeResponse::text(200, page);
    });
    FakeTarget target([&](const auto&) { return FakeResponse::text(200, "ok\n"); });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    PagingSetup s;
    s.tier = "ack_within = \"1h\"\n";
    auto config = paging_config(dir, target.url("/healthz"), smtp.port(), tg, s);
    config += "\n[[scrape]]\njob = \"svc\"\nurl = \"" + exporter.url("/metrics") +
              "\"\ninterval = \"1s\"\n"
              "\n[[rule]]\nname = \"ShardDown\"\nexpr = 'svc_up == 0'\nseverity = \"P1\"\n"
              "title = 'shard {{ $labels.shard }} down'\n";
    config.replace(config.find("[incidents]\n"), 12, "[incidents]\ngroup_by = [\"alertname\", \"shard\"]\n");
    DaemonProcess daemon(dir, config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    failing = true;

    auto open_count = [&] {
        auto db = tocsin::store::Database::open_read_only(dir.file("state/tocsin.db"), 5s);
        auto n = db.query_int64("SELECT count(*) FROM incidents WHERE rule = 'ShardDown'");
        return n ? *n : 0;
    };
    ASSERT_TRUE(eventually([&] { return open_count() == k_incidents; }, 60s)) << read_file(daemon.log());
    // Every page row is delivered, inside digests.
    auto all_sent = [&] {
        auto rows = outbox(dir);
        if (rows.size() < 2 * k_incidents) return false;
        return std::all_of(rows.begin(), rows.end(), [](const auto& r) { return r.state == "sent"; });
    };
    ASSERT_TRUE(eventually(all_sent, 90s)) << read_file(daemon.log());
    const auto messages = messages_to(tg, 1001);
    const auto mails = mails_to(smtp, "alice@");
    std::printf("storm: %d incidents reached alice as %zu Telegram messages and %zu emails\n", k_incidents,
                messages.size(), mails.size());
    EXPECT_LE(messages.size(), 20u) << "a storm must not flood the phone";
    EXPECT_LE(mails.size(), 20u);
    // Every incident is listed in some digest, on both channels.
    std::set<std::string> listed_tg, listed_mail;
    for (int i = 0; i < k_incidents; ++i) {
        const std::string title = "shard s" + std::to_string(i) + " down";
        for (const auto& m : messages) {
            if (m.param("text").find(title + "\n") != std::string::npos ||
                m.param("text").find(title + "<") != std::string::npos) {
                listed_tg.insert(title);
            }
        }
        for (const auto& m : mails) {
            if (m.data.find(title) != std::string::npos) listed_mail.insert(title);
        }
    }
    EXPECT_EQ(listed_tg.size(), static_cast<std::size_t>(k_incidents));
    EXPECT_EQ(listed_mail.size(), static_cast<std::size_t>(k_incidents));

    // One press of "Acknowledge all" under each digest.
    auto all = tg.calls("sendMessage");
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].int_param("chat_id") != 1001) continue;
        const std::string data = button_data(all[i], "Acknowledge all");
        if (data.empty()) continue;
        tg.inject_callback(1001, 1001, "alice", static_cast<std::int64_t>(i + 1), data);
    }
    auto acknowledged = [&] {
        auto db = tocsin::store::Database::open_read_only(dir.file("state/tocsin.db"), 5s);
        auto n = db.query_int64("SELECT count(*) FROM incidents WHERE rule = 'ShardDown' AND acknowledged_ms IS NOT NULL");
        return n ? *n : 0;
    };
    ASSERT_TRUE(eventually([&] { return acknowledged() == k_incidents; }, 60s)) << read_file(daemon.log());
    daemon.stop();
}

// The email carries a signed link; opening it (GET, as a mail scanner
// would) changes nothing; confirming it (POST) acknowledges as the person.
TEST(DaemonPaging, TheEmailLinkAcknowledgesOnlyWhenConfirmed) {
    TempDir dir;
    FakeTarget target([&](const auto&) { return FakeResponse::text(500, "down\n"); });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    dir.write("link-key", "link-key-for-tests-0123456789\n");
    ::chmod(dir.file("link-key").c_str(), 0600);
    PagingSetup s;
    s.tier = "ack_within = \"1h\"\n";
    s.channels = "[\"email\"]";
    auto config = paging_config(dir, target.url("/healthz"), smtp.port(), tg, s);
    config += "public_url = \"http://127.0.0.1:@API_PORT@\"\nlink_key_file = \"" + dir.file("link-key") + "\"\n";
    DaemonProcess daemon(dir, config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(eventually([&] { return !mails_to(smtp, "alice@").empty(); })) << read_file(daemon.log());
    const std::string text = mails_to(smtp, "alice@")[0].data;
    const std::string marker = "/ack/";
    const auto at = text.find(marker);
    ASSERT_NE(at, std::string::npos) << text;
    auto end = text.find_first_of("\r\n <\"", at);
    const std::string path = text.substr(at, end - at);

    auto get = tocsin::test::http_get(daemon.port(), path);
    EXPECT_EQ(get.status, 200) << get.body;
    EXPECT_THAT(get.body, testing::HasSubstr("method=\"post\""));
    EXPECT_TRUE(daemon.incidents()[0].at("acknowledged").is_null()) << "a GET must not acknowledge";

    auto post = tocsin::test::http_request(daemon.port(), "POST", path, "", {});
    EXPECT_EQ(post.status, 200) << post.body;
    ASSERT_TRUE(daemon.wait_for([](const auto& l) {
        return l.size() == 1 && !l[0].at("acknowledged").is_null() &&
               l[0].at("acknowledged_by").at("name").as_string() == "alice" &&
               l[0].at("acknowledged_by").at("channel").as_string() == "email";
    })) << read_file(daemon.log());
    daemon.stop();
}

// A reload keeps each incident's paging where it is: no page is sent twice,
// and the escalation continues on the new cadence.
TEST(DaemonPaging, AReloadKeepsPagingStateAndTakesTheNewCadence) {
    TempDir dir;
    FakeTarget target([&](const auto&) { return FakeResponse::text(500, "down\n"); });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    PagingSetup s;
    s.tier = "ack_within = \"1h\"\n";
    s.channels = "[\"telegram\"]";
    DaemonProcess daemon(dir, paging_config(dir, target.url("/healthz"), smtp.port(), tg, s));
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(eventually([&] { return messages_to(tg, 1001).size() == 1; })) << read_file(daemon.log());
    // Level 2 was an hour away; after the reload it is due 2 s after level 1.
    s.tier = "ack_within = \"2s\"\n";
    daemon.reload(paging_config(dir, target.url("/healthz"), smtp.port(), tg, s));
    ASSERT_TRUE(tocsin::test::wait_for_log(daemon.log(), "configuration reloaded", 20s)) << read_file(daemon.log());
    ASSERT_TRUE(eventually([&] { return messages_to(tg, 1002).size() == 1; })) << read_file(daemon.log());
    // Alice's page went once (her later message is the subscribers'
    // first-notice reminder, due with the new ack_within too).
    std::size_t alice_pages = 0;
    for (const auto& m : messages_to(tg, 1001)) {
        alice_pages += m.param("text").find("public notice due") == std::string::npos;
    }
    EXPECT_EQ(alice_pages, 1u);
    daemon.stop();
}

// The shipped configuration's demo (README command 1), on a free port and
// with shorter times: the flaky service fails, the page is printed by the
// console sink with a link, and the link acknowledges.
TEST(DaemonPaging, TheShippedDemoPagesTheConsoleAndItsLinkAcknowledges) {
    TempDir dir;
    std::string shipped = read_file(std::string(TOCSIN_SOURCE_DIR) + "/config/tocsin.toml");
    // Its [daemon] and [api] sections are replaced by the test's own.
    std::string config = shipped.substr(shipped.find("# tocsin probes its own health endpoint."));
    auto replace = [&](const std::string& from, const std::string& to) {
        auto at = config.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        config.replace(at, from.size(), to);
    };
    for (auto at = config.find("127.0.0.1:9464"); at != std::string::npos; at = config.find("127.0.0.1:9464")) {
        config.replace(at, 14, "127.0.0.1:@API_PORT@");
    }
    replace("up = \"30s\"", "up = \"2s\"");
    replace("interval = \"5s\"\ntimeout = \"2s\"", "interval = \"1s\"\ntimeout = \"1s\"");
    replace("for = \"10s\"", "for = \"1s\"");
    replace("path = \"-\"", "path = \"" + dir.file("pages.txt") + "\"");
    DaemonProcess daemon(dir, config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    EXPECT_TRUE(tocsin::test::wait_for_log(daemon.log(), "demo: to acknowledge, open the link", 5s));
    ASSERT_TRUE(eventually([&] { return read_file(dir.file("pages.txt")).find("/ack/") != std::string::npos; }, 30s))
        << read_file(daemon.log());
    const std::string pages = read_file(dir.file("pages.txt"));
    EXPECT_THAT(pages, testing::HasSubstr("Subject: [P1] #1 The demo service is down"));
    EXPECT_THAT(pages, testing::HasSubstr("Telegram buttons: [Acknowledge] [Resolve] [Escalate]"));
    const auto at = pages.find("/ack/");
    const std::string path = pages.substr(at, pages.find('\n', at) - at);
    auto post = tocsin::test::http_request(daemon.port(), "POST", path, "", {});
    EXPECT_EQ(post.status, 200) << post.body;
    ASSERT_TRUE(daemon.wait_for([](const auto& l) {
        return !l.empty() && !l[0].at("acknowledged").is_null() && l[0].at("acknowledged_by").at("name").as_string() == "you";
    })) << read_file(daemon.log());
    daemon.stop();
}
