// Scenario 3, secrets (docs/reliability.md): every channel configured with
// a distinctive secret (SMTP AUTH password, Telegram bot token and callback
// key, webhook signing secret, API tokens, the link key, a probe's bearer
// token), every channel failing (the SMTP server refuses AUTH, the Bot API
// answers 5xx, garbage and resets, the webhook's port is closed), pages
// attempted, given up and fallen back, the paging path declared failing;
// then the daemon's log, /metrics, the API's answers and the SQLite files
// (every byte) are searched for each secret and its encodings: zero hits.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
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
using tocsin::test::TelegramScript;
using tocsin::test::TempDir;

namespace {

std::string base64(const std::string& in) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += {k[(v >> 18) & 63], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
    }
    if (i + 1 == in.size()) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += {k[(v >> 18) & 63], k[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
        out += {k[(v >> 18) & 63], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
    }
    return out;
}

// Base64 of `secret` starts at a byte offset of its container in 3 ways;
// the middle of each encoding (without the edge characters, which depend on
// the neighbours) is what any container would show.
std::vector<std::string> base64_cores(const std::string& secret) {
    std::vector<std::string> out;
    for (int shift = 0; shift < 3; ++shift) {
        std::string padded = std::string(static_cast<std::size_t>(shift), '\0') + secret;
        std::string b = base64(padded);
        const std::size_t skip = shift == 0 ? 0 : 4;  // the leading group mixes in the neighbour
        const std::size_t keep = ((padded.size() / 3) * 4) - skip - 4;
        out.push_back(b.substr(skip, keep));
    }
    return out;
}

std::string bytes_of(const std::string& path) { return std::filesystem::exists(path) ? read_file(path) : ""; }

}  // namespace

TEST(Secrets, NoSecretReachesLogsMetricsApiOrDatabaseWhenEveryChannelFails) {
    TempDir dir;
    const std::map<std::string, std::string> secrets = {
        {"smtp password", "SMTPpw-Q7v9-zebra-crossing-4411"},
        {"telegram bot token", "777111:TGtok-Xylophone_Marmalade-9q"},
        {"telegram callback key", "CBkey-Harpsichord-31337-walrus"},
        {"webhook secret", "WHsec-Quokka-Tangerine-80808"},
        {"api token ops", "APIops-Narwhal-Velvet-2718281828"},
        {"api token read-only", "APIro-Pangolin-Saffron-1414213"},
        {"link key", "LINKkey-Axolotl-Cardamom-161803"},
        {"probe bearer token", "PRObearer-Okapi-Juniper-57721"},
        {"legacy api token", tocsin::test::k_token},
    };
    const std::string smtp_user = "pager-user";
    auto secret_file = [&](const std::string& file, const std::string& name) {
        dir.write(file, secrets.at(name) + "\n", 0600);
        return "\"" + dir.file(file) + "\"";
    };

    // Every channel fails: AUTH refused (the server knows another password),
    // the Bot API answers 502, garbage and resets, the webhook port is closed.
    Aiosmtpd smtp({"--auth", smtp_user + ":the-server-expects-another-one", "--auth-without-tls"});
    FakeTelegram tg(secrets.at("telegram bot token"));
    tg.script("sendMessage", TelegramScript::server_error(502), 3);
    tg.script("sendMessage", TelegramScript::raw(200, "<html>garbage, not JSON</html>"), 3);
    tg.script("sendMessage", TelegramScript::connection_reset(), 3);
    tg.script("sendMessage", TelegramScript::server_error(503), 1000000);
    tg.script("getUpdates", TelegramScript::raw(500, "{\"ok\":false,"), 1000000);
    const int closed_port = tocsin::test::free_port();
    FakeTarget service([](const auto&) { return FakeResponse::text(503, "down\n"); });

    auto config_for = [&](int smtp_port) {
      return
        "\n[[api.tokens]]\nname = \"ops\"\nscope = \"read-write\"\ntoken_file = " +
        secret_file("api-ops.token", "api token ops") +
        "\n\n[[api.tokens]]\nname = \"grafana\"\nscope = \"read-only\"\ntoken_file = " +
        secret_file("api-ro.token", "api token read-only") +
        "\n\n[[target]]\nname = \"api\"\nurl = \"" + service.url("/healthz") +
        "\"\ninterval = \"1s\"\ntimeout = \"1s\"\nlabels = { component = \"api\" }\nbearer_token_file = " +
        secret_file("probe-bearer", "probe bearer token") +
        "\n\n[[rule]]\nname = \"ApiDown\"\nexpr = 'probe_success{target=\"api\"} == 0'\nfor = \"1s\"\n"
        "severity = \"P1\"\ntitle = 'API is down'\n"
        "\n[severity.P1]\nrank = 0\nack_within = \"1h\"\nrepage_every = \"2s\"\n"
        "channels = [\"telegram\", \"email\", \"webhook\"]\n"
        "\n[severity.P2]\nrank = 1\n"
        "\n[incidents]\ndefault_severity = \"P2\"\nsecurity_severity = \"P1\"\n"
        "\n[[component]]\nname = \"api\"\n"
        "\n[[person]]\nname = \"alice\"\nemail = \"alice@example.org\"\ntelegram_chat_id = 1001\n"
        "\n[[schedule]]\nname = \"primary\"\n[[schedule.layer]]\npeople = [\"alice\"]\nstart = \"2026-01-05 09:00\"\n"
        "\n[channel.email]\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(smtp_port) +
        "\nsecurity = \"none\"\ninsecure_local_relay = true\nallow_plain_auth_without_tls = true\n"
        "username = \"" +
        smtp_user + "\"\npassword_file = " + secret_file("smtp-password", "smtp password") +
        "\nfrom = \"tocsin@example.org\"\ncommand_timeout = \"2s\"\n"
        "\n[channel.telegram]\napi_url = \"" +
        tg.api_url() + "\"\nbot_token_file = " + secret_file("bot-token", "telegram bot token") +
        "\ncallback_key_file = " + secret_file("callback-key", "telegram callback key") +
        "\npoll_timeout = \"1s\"\nrequest_timeout = \"2s\"\n"
        "\n[channel.webhook]\nurl = \"http://127.0.0.1:" +
        std::to_string(closed_port) + "/hook\"\nsecret_file = " + secret_file("webhook-secret", "webhook secret") +
        "\ntimeout = \"2s\"\n"
        "\n[paging]\nretry_base = \"100ms\"\nretry_cap = \"500ms\"\nmax_attempts = 3\n"
        "channel_failure_after = \"2s\"\npublic_url = \"http://127.0.0.1:@API_PORT@\"\nlink_key_file = " +
        secret_file("link-key", "link key") + "\n";
    };
    DaemonProcess daemon(dir, config_for(smtp.port()));
    ASSERT_NO_FATAL_FAILURE(daemon.start());

    // Pages were tried and given up on every channel, and the paging path
    // itself became an incident.
    ASSERT_TRUE(eventually(
        [&] {
            const auto m = tocsin::test::http_get(daemon.port(), "/metrics").body;
            for (const char* ch : {"email", "telegram", "webhook"}) {
                if (m.find(std::string("tocsin_page_attempts_total{channel=\"") + ch + "\",outcome=\"failed\"}") ==
                    std::string::npos) {
                    return false;
                }
            }
            return true;
        },
        60s))
        << read_file(daemon.log()) << tocsin::test::http_get(daemon.port(), "/metrics").body;
    // (With [[api.tokens]] reads need a token: not DaemonProcess::incidents.)
    ASSERT_TRUE(eventually(
        [&] {
            auto r = tocsin::test::http_request(daemon.port(), "GET", "/api/v1/incidents?state=all", "",
                                                {"Authorization: Bearer " + secrets.at("api token read-only")});
            return r.status == 200 && r.body.find("Paging channel") != std::string::npos;
        },
        60s))
        << read_file(daemon.log());
    // Telegram went through its 502s, garbage, resets and 503s (one a second per chat).
    ASSERT_TRUE(tg.wait_for_calls("sendMessage", 11, 60s)) << read_file(daemon.log());

    // Second phase: email now points at a server that greets with 421 and
    // closes. [channel.*] changes take effect on restart (the reload says
    // so), so the file is rewritten through a reload, then tocsin restarts.
    Aiosmtpd closing({"--greet", "421"});
    daemon.reload(config_for(closing.port()));
    const auto reloaded = daemon.wait_notify("READY=1", 20s);
    ASSERT_TRUE(reloaded && reloaded->find("configuration reloaded") != std::string::npos) << read_file(daemon.log());
    daemon.stop();
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(tocsin::test::wait_for_log(daemon.log(), "421", 60s)) << read_file(daemon.log());

    // Everything the API says, with each token.
    const auto ops = "Authorization: Bearer " + secrets.at("api token ops");
    const auto ro = "Authorization: Bearer " + secrets.at("api token read-only");
    std::string api;
    auto call = [&](const std::string& method, const std::string& path, const std::string& body,
                    const std::string& auth) {
        std::vector<std::string> headers = {"Content-Type: application/json"};
        if (!auth.empty()) headers.push_back(auth);
        auto r = tocsin::test::http_request(daemon.port(), method, path, body, headers);
        api += method + " " + path + " -> " + std::to_string(r.status) + "\n" + r.body + "\n";
        return r;
    };
    EXPECT_EQ(call("GET", "/api/v1/incidents?state=all", "", ro).status, 200);
    EXPECT_EQ(call("GET", "/api/v1/incidents/1", "", ops).status, 200);
    EXPECT_EQ(call("GET", "/api/v1/incidents/2", "", ro).status, 200);
    call("GET", "/api/v1/status", "", "");
    call("GET", "/status", "", "");
    call("GET", "/api/v1/oncall", "", ro);
    EXPECT_EQ(call("POST", "/api/v1/maintenance",
         "{\"components\":[\"api\"],\"duration\":\"1h\",\"reason\":\"secrets test\",\"actor\":\"alice\"}",
                   ops)
                  .status,
              201);
    EXPECT_EQ(call("POST", "/api/v1/silences",
                   "{\"match\":\"{target=\\\"api\\\"}\",\"duration\":\"1h\",\"reason\":\"s\",\"actor\":\"bob\"}", ops)
                  .status,
              201);
    call("GET", "/api/v1/maintenance", "", ro);
    call("GET", "/api/v1/silences", "", ro);
    call("POST", "/api/v1/incidents/1/notes", "{\"text\":\"looking\"}", ro);  // 403: read-only
    call("POST", "/api/v1/incidents/1/ack", "{}", "Authorization: Bearer " + secrets.at("link key"));  // 401
    call("GET", "/api/v1/incidents", "", "Authorization: Bearer " + secrets.at("webhook secret"));    // 401
    const std::string metrics = tocsin::test::http_get(daemon.port(), "/metrics").body;
    daemon.stop();

    std::string logs;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        if (e.path().extension() == ".log") logs += read_file(e.path().string());
    }
    const std::string db = dir.file("state/tocsin.db");
    const std::string database = bytes_of(db) + bytes_of(db + "-wal");
    const std::string dump = tocsin::test::run_command({"/usr/bin/sqlite3", "-readonly", db, ".dump"}).output;
    const std::map<std::string, const std::string*> places = {
        {"log", &logs}, {"/metrics", &metrics}, {"API answers", &api}, {"database file", &database},
        {"database dump", &dump}};

    int searched = 0;
    for (const auto& [name, secret] : secrets) {
        std::vector<std::pair<std::string, std::string>> forms = {{"as is", secret}};
        for (const auto& core : base64_cores(secret)) forms.emplace_back("base64", core);
        if (name == "smtp password") {
            forms.emplace_back("AUTH PLAIN", base64(std::string("\0", 1) + smtp_user + std::string("\0", 1) + secret));
        }
        if (name == "telegram bot token") {
            forms.emplace_back("the part after ':'", secret.substr(secret.find(':') + 1));
            forms.emplace_back("URL-encoded", "777111%3A" + secret.substr(secret.find(':') + 1));
        }
        for (const auto& [form, needle] : forms) {
            for (const auto& [where, text] : places) {
                ++searched;
                EXPECT_EQ(text->find(needle), std::string::npos) << name << " (" << form << ") found in the " << where;
            }
        }
    }
    // The searches looked at something real.
    EXPECT_NE(logs.find("alice"), std::string::npos);
    EXPECT_NE(dump.find("page_failed"), std::string::npos);
    std::printf("secrets: %zu secrets, %d searches over %zu bytes of log, %zu of /metrics, %zu of API answers, %zu of "
                "database files (%zu of dump): no hits expected; Telegram saw %zu sendMessage calls\n",
                secrets.size(), searched, logs.size(), metrics.size(), api.size(), database.size(), dump.size(),
                tg.calls("sendMessage").size());
}
