// Scenario 2, configuration under fire (docs/reliability.md): seeded random
// mutations of valid configurations (lines deleted, duplicated or swapped,
// values of another type, truncation, numbers swapped, garbage bytes,
// out-of-range durations and numbers) go through `tocsin check`, which
// must exit 0 or 78 (never crash) and name a line:col for every 78; and
// through SIGHUP to a running daemon, which must never crash, keep
// /healthz at 200, agree with `tocsin check` on every file, keep the
// running configuration after a rejected reload and apply a valid one.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "daemon_process.hpp"
#include "daemon_state.hpp"
#include "fake_target.hpp"
#include "reliability_support.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using tocsin::test::DaemonProcess;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;
using tocsin::test::read_file;
using tocsin::test::TempDir;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// One random mutation of `text`; `what` says which.
std::string mutate(const std::string& text, std::mt19937_64& rng, std::string& what) {
    auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
    auto lines = split_lines(text);
    // Lines holding `key = value`.
    std::vector<std::size_t> assignments;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].find(" = ") != std::string::npos && lines[i][0] != '#') assignments.push_back(i);
    }
    static const std::vector<std::string> k_other_types = {
        "42", "-7", "3.25", "true", "\"text\"", "'literal'", "[1, 2]", "[\"a\", 3]", "{ a = 1 }", "1979-05-27T07:32:00Z",
        "\"\"", "[]", "inf", "nan", "0x7f", "\"\"\"multi\nline\"\"\"", "1e400", "9223372036854775808"};
    static const std::vector<std::string> k_bad_durations = {
        "\"0s\"", "\"-5s\"", "\"1ns\"", "\"999999h\"", "\"\"", "\"5 minutes\"", "\"1h1h\"", "\"3.5s\"",
        "\"1d\"", "\"100000d\"", "\"0\"", "\"1µs\"", "\"18446744073709551616s\""};
    static const std::vector<std::string> k_bad_numbers = {"-1", "0", "65536", "100001", "99999999999999999999",
                                                            "-9223372036854775808", "1e308", "1.5", "+0"};
    switch (rng() % 10) {
        case 0: {
            const auto i = pick(lines.size());
            what = "delete line " + std::to_string(i + 1);
            lines.erase(lines.begin() + static_cast<long>(i));
            return join_lines(lines);
        }
        case 1: {
            const auto i = pick(lines.size());
            what = "duplicate line " + std::to_string(i + 1);
            lines.insert(lines.begin() + static_cast<long>(i), lines[i]);
            return join_lines(lines);
        }
        case 2: {
            if (assignments.empty()) break;
            const auto i = assignments[pick(assignments.size())];
            const auto& v = k_other_types[pick(k_other_types.size())];
            what = "line " + std::to_string(i + 1) + ": value becomes " + v;
            lines[i] = lines[i].substr(0, lines[i].find(" = ") + 3) + v;
            return join_lines(lines);
        }
        case 3: {
            const auto at = pick(text.size());
            what = "truncate at byte " + std::to_string(at);
            return text.substr(0, at);
        }
        case 4: {
            static const std::regex k_number("[0-9]+");
            std::vector<std::pair<std::size_t, std::size_t>> numbers;
            for (auto it = std::sregex_iterator(text.begin(), text.end(), k_number); it != std::sregex_iterator(); ++it) {
                numbers.emplace_back(static_cast<std::size_t>(it->position()), static_cast<std::size_t>(it->length()));
            }
            if (numbers.size() < 2) break;
            auto a = numbers[pick(numbers.size())], b = numbers[pick(numbers.size())];
            if (a.first > b.first) std::swap(a, b);
            if (a.first == b.first) break;
            what = "swap numbers at bytes " + std::to_string(a.first) + " and " + std::to_string(b.first);
            return text.substr(0, a.first) + text.substr(b.first, b.second) +
                   text.substr(a.first + a.second, b.first - a.first - a.second) + text.substr(a.first, a.second) +
                   text.substr(b.first + b.second);
        }
        case 5: {
            std::string garbage;
            const auto n = 1 + pick(8);
            for (std::size_t k = 0; k < n; ++k) {
                static const std::string k_special = std::string("\0\xff\xc3\x28\"'[]{}=#\\\n\r\t", 16);
                garbage += rng() % 2 ? static_cast<char>(rng() % 256) : k_special[pick(k_special.size())];
            }
            const auto at = pick(text.size() + 1);
            what = "insert " + std::to_string(n) + " garbage bytes at byte " + std::to_string(at);
            return text.substr(0, at) + garbage + text.substr(at);
        }
        case 6: {
            // A duration or a number out of range.
            std::vector<std::size_t> durations, numbers;
            static const std::regex k_duration(R"re( = "[0-9]+(ms|s|m|h)")re");
            static const std::regex k_int(R"( = -?[0-9]+$)");
            for (auto i : assignments) {
                if (std::regex_search(lines[i], k_duration)) durations.push_back(i);
                if (std::regex_search(lines[i], k_int)) numbers.push_back(i);
            }
            const bool use_duration = !durations.empty() && (numbers.empty() || rng() % 2 == 0);
            if (use_duration) {
                const auto i = durations[pick(durations.size())];
                const auto& v = k_bad_durations[pick(k_bad_durations.size())];
                what = "line " + std::to_string(i + 1) + ": duration becomes " + v;
                lines[i] = lines[i].substr(0, lines[i].find(" = ") + 3) + v;
            } else if (!numbers.empty()) {
                const auto i = numbers[pick(numbers.size())];
                const auto& v = k_bad_numbers[pick(k_bad_numbers.size())];
                what = "line " + std::to_string(i + 1) + ": number becomes " + v;
                lines[i] = lines[i].substr(0, lines[i].find(" = ") + 3) + v;
            } else {
                break;
            }
            return join_lines(lines);
        }
        case 7: {
            const auto i = pick(lines.size()), j = pick(lines.size());
            what = "swap lines " + std::to_string(i + 1) + " and " + std::to_string(j + 1);
            std::swap(lines[i], lines[j]);
            return join_lines(lines);
        }
        case 8: {
            if (text.empty()) break;
            const auto at = pick(text.size());
            std::string out = text;
            static const std::string k_flips = "\"'[]{}=.,# -_0a";
            out[at] = k_flips[pick(k_flips.size())];
            what = "byte " + std::to_string(at) + " becomes '" + std::string(1, out[at]) + "'";
            return out;
        }
        default: {
            // A key renamed: a typo.
            if (assignments.empty()) break;
            const auto i = assignments[pick(assignments.size())];
            const auto eq = lines[i].find(" = ");
            if (eq < 2) break;
            const auto at = pick(eq);
            lines[i].erase(at, 1);
            what = "line " + std::to_string(i + 1) + ": key loses a character";
            return join_lines(lines);
        }
    }
    what = "delete the last line";
    if (!lines.empty()) lines.pop_back();
    return join_lines(lines);
}

// A configuration using most sections, valid as written (`dir` holds its secrets).
std::string rich_config(const TempDir& dir) {
    for (const char* name : {"api-ops.token", "api-ro.token", "bot-token", "smtp-password", "webhook-secret",
                             "link-key"}) {
        dir.write(name, std::string(name) + "-value-0123456789abcdef\n", 0600);
    }
    dir.write("bot-token", "123456:ABC-def_ghi\n", 0600);
    const auto f = [&](const char* name) { return "\"" + dir.file(name) + "\""; };
    return "[daemon]\nstate_dir = \"" + dir.file("state") +
           "\"\nshutdown_timeout = \"5s\"\nmax_concurrent_checks = 16\n"
           "\n[storage]\nbusy_timeout = \"5s\"\n"
           "\n[log]\nlevel = \"info\"\n"
           "\n[api]\nlisten = \"127.0.0.1:9464\"\nrequest_timeout = \"10s\"\nmax_body_bytes = 1048576\n"
           "\n[[api.tokens]]\nname = \"ops\"\nscope = \"read-write\"\ntoken_file = " +
           f("api-ops.token") + "\n\n[[api.tokens]]\nname = \"grafana\"\nscope = \"read-only\"\ntoken_file = " +
           f("api-ro.token") +
           "\n\n[[target]]\nname = \"api\"\nurl = \"http://127.0.0.1:8080/healthz\"\ninterval = \"15s\"\n"
           "timeout = \"5s\"\nexpected_status = [\"2xx\", 301]\nmax_redirects = 3\nlabels = { component = \"api\" }\n"
           "body_must_not_match = [\"degraded\"]\n"
           "\n[[target]]\nname = \"db\"\naddress = \"127.0.0.1:5432\"\ninterval = \"30s\"\n"
           "\n[[scrape]]\njob = \"node\"\nurl = \"http://127.0.0.1:9100/metrics\"\ninterval = \"15s\"\n"
           "body_size_limit = \"10MiB\"\nsample_limit = 5000\n"
           "\n[[rule]]\nname = \"ApiDown\"\nexpr = 'probe_success{target=\"api\"} == 0'\nfor = \"1m\"\n"
           "keep_firing_for = \"30s\"\nseverity = \"P1\"\ncomponent = \"api\"\ntitle = 'API {{ $labels.target }} is down'\n"
           "\n[[rule]]\nname = \"NodeHot\"\nexpr = 'rate(node_cpu_seconds_total[5m]) > 0.9'\nfor = \"10m\"\n"
           "\n[rules]\noutage_tolerance = \"1h\"\ngrace_period = \"10m\"\nevaluation_interval = \"30s\"\n"
           "\n[severity.P1]\nrank = 0\nstatus = \"major outage\"\nack_within = \"30m\"\nrepage_every = \"5m\"\n"
           "update_every = \"1h\"\nresolve_within = \"8 business hours\"\nchannels = [\"telegram\", \"email\", \"webhook\"]\n"
           "repeat = 1\n"
           "\n[[severity.P1.escalation]]\nschedules = [\"primary\"]\n"
           "\n[[severity.P1.escalation]]\npeople = [\"bob\"]\nafter = \"15m\"\n"
           "\n[severity.P2]\nrank = 1\nack_within = \"4 business hours\"\nhours = \"business\"\nchannels = [\"email\"]\n"
           "\n[incidents]\ndefault_severity = \"P2\"\nsecurity_severity = \"P1\"\n"
           "\n[[component]]\nname = \"api\"\ndepends_on = [\"db\"]\n\n[[component]]\nname = \"db\"\n"
           "\n[[maintenance]]\nname = \"db upgrade\"\ncomponents = [\"db\"]\nstart = \"2026-03-01 02:00\"\n"
           "end = \"2026-03-01 04:00\"\n"
           "\n[[person]]\nname = \"alice\"\nemail = \"alice@example.org\"\ntelegram_chat_id = 1001\n"
           "\n[[person]]\nname = \"bob\"\nemail = \"bob@example.org\"\n"
           "\n[[schedule]]\nname = \"primary\"\n[[schedule.layer]]\npeople = [\"alice\", \"bob\"]\n"
           "start = \"2026-01-05 09:00\"\nrotation = \"1w\"\n"
           "\n[business_hours]\nstart = \"09:00\"\nend = \"17:00\"\ntime_zone = \"Europe/Berlin\"\n"
           "\n[channel.email]\nhost = \"smtp.example.org\"\nport = 587\nsecurity = \"starttls\"\n"
           "username = \"tocsin\"\npassword_file = " +
           f("smtp-password") +
           "\nfrom = \"alerts@example.org\"\ncommand_timeout = \"30s\"\n"
           "\n[channel.telegram]\nbot_token_file = " +
           f("bot-token") +
           "\npoll_timeout = \"30s\"\n"
           "\n[channel.webhook]\nurl = \"https://hooks.example.org/tocsin\"\nsecret_file = " +
           f("webhook-secret") +
           "\ntimeout = \"10s\"\n"
           "\n[paging]\nretry_base = \"2s\"\nretry_cap = \"2m\"\nmax_attempts = 10\nmax_in_flight = 8\n"
           "digest_after = 3\npublic_url = \"https://tocsin.example.org\"\nlink_key_file = " +
           f("link-key") +
           "\n\n[[subscribers]]\nname = \"customers\"\ncomponents = [\"api\"]\nemails = [\"ops@customer.example\"]\n"
           "\n[status_page]\ntitle = \"Example status\"\n"
           "\n[heartbeat]\nurl = \"https://hc.example.org/ping/abc\"\ninterval = \"1m\"\n";
}

struct Checked {
    int exit_code;
    std::string output;
};

Checked check(const std::string& path, bool print = false) {
    std::vector<std::string> args = {TOCSIN_BINARY, "check", "--config", path};
    if (print) args.push_back("--print");
    auto r = tocsin::test::run_command(args);
    return {r.exit_code, r.output};
}

// `tocsin check` said 78: every problem is named at file:line:col.
bool has_location(const std::string& output) {
    static const std::regex k_located(R"(:[0-9]+:[0-9]+: )");
    return std::regex_search(output, k_located);
}

}  // namespace

TEST(ConfigUnderFire, CheckSurvivesMutationsAndLocatesEveryProblem) {
    const std::uint64_t seed = tocsin::reliability::seed("config under fire: check");
    const int rounds = tocsin::reliability::sized(200, 1000);
    std::mt19937_64 rng(seed);
    TempDir dir;
    const std::string shipped = read_file(std::string(TOCSIN_SOURCE_DIR) + "/config/tocsin.toml");
    const std::vector<std::string> bases = {rich_config(dir), shipped};
    dir.write("base0.toml", bases[0]);
    ASSERT_EQ(check(dir.file("base0.toml")).exit_code, 0) << check(dir.file("base0.toml")).output;

    int valid = 0, rejected = 0, unlocated = 0;
    const auto started = std::chrono::steady_clock::now();
    for (int n = 0; n < rounds; ++n) {
        const auto& base = bases[static_cast<std::size_t>(n) % bases.size()];
        std::string what;
        const std::string text = mutate(base, rng, what);
        // The shipped config's relative state_dir resolves against its own directory.
        const std::string path = n % 2 == 0 ? dir.file("mutated.toml") : dir.file("shipped-mutated.toml");
        dir.write(n % 2 == 0 ? "mutated.toml" : "shipped-mutated.toml", text);
        const auto r = check(path);
        SCOPED_TRACE("round " + std::to_string(n) + ": " + what);
        ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 78) << "exit " << r.exit_code << "\n" << r.output;
        if (r.exit_code == 0) {
            ++valid;
            continue;
        }
        ++rejected;
        if (!has_location(r.output)) {
            ++unlocated;
            ADD_FAILURE() << "no line:col in the diagnostic:\n" << r.output;
        }
    }
    std::printf("config under fire (check): seed %llu, %d mutations in %.1f s: %d valid, %d rejected (exit 78), "
                "%d without line:col, 0 crashes\n",
                static_cast<unsigned long long>(seed), rounds,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), valid, rejected,
                unlocated);
}

namespace {

// The running daemon's configuration as seen from outside: the component
// names on the status page.
std::set<std::string> status_components(int port) {
    std::set<std::string> out;
    auto r = tocsin::test::http_get(port, "/api/v1/status");
    if (r.status != 200) return {"<status " + std::to_string(r.status) + ">"};
    const auto json = boost::json::parse(r.body);
    for (const auto& c : json.at("components").as_array()) {
        out.insert(std::string(c.at("name").as_string()));
    }
    return out;
}

// The component names `tocsin check --print` shows for a valid file.
std::set<std::string> printed_components(const std::string& printed) {
    std::set<std::string> out;
    static const std::regex k_component(R"(\[\[component\]\]\n(?:[^\[\n][^\n]*\n)*?name = '([^'\n]*)')");
    for (auto it = std::sregex_iterator(printed.begin(), printed.end(), k_component); it != std::sregex_iterator();
         ++it) {
        out.insert((*it)[1].str());
    }
    return out;
}

}  // namespace

TEST(ConfigUnderFire, SighupNeverCrashesAndKeepsOrAppliesTheWholeConfiguration) {
    const std::uint64_t seed = tocsin::reliability::seed("config under fire: SIGHUP");
    const int rounds = tocsin::reliability::sized(200, 1000);
    std::mt19937_64 rng(seed);
    TempDir dir;
    FakeTarget service([](const auto&) { return FakeResponse::text(200, "ok\n"); });
    // The part of the file the mutations touch ([daemon] and [api] stay as
    // the harness writes them); generation `g` names a component "gen-g".
    auto tail = [&](int g) {
        return "\n[[target]]\nname = \"web\"\nurl = \"" + service.url("/healthz") +
               "\"\ninterval = \"1s\"\ntimeout = \"1s\"\nlabels = { component = \"web\" }\n"
               "\n[[target]]\nname = \"db\"\naddress = \"127.0.0.1:" +
               std::to_string(service.port()) +
               "\"\ninterval = \"2s\"\n"
               "\n[[rule]]\nname = \"WebDown\"\nexpr = 'probe_success{target=\"web\"} == 0'\nfor = \"30s\"\n"
               "severity = \"P1\"\ntitle = 'web is down'\n"
               "\n[severity.P1]\nrank = 0\nack_within = \"30m\"\nrepage_every = \"5m\"\nchannels = []\n"
               "\n[severity.P2]\nrank = 1\nauto_resolve_after = \"10m\"\n"
               "\n[incidents]\ndefault_severity = \"P2\"\nsecurity_severity = \"P1\"\n"
               "\n[[component]]\nname = \"gen-" +
               std::to_string(g) +
               "\"\n\n[[component]]\nname = \"web\"\ndescription = \"the web front\"\n"
               "\n[[person]]\nname = \"alice\"\nemail = \"alice@example.org\"\n"
               "\n[[schedule]]\nname = \"primary\"\n[[schedule.layer]]\npeople = [\"alice\"]\nstart = \"2026-01-05 09:00\"\n"
               "\n[rules]\nevaluation_interval = \"5s\"\n";
    };
    DaemonProcess daemon(dir, tail(0));
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    std::set<std::string> running = status_components(daemon.port());
    ASSERT_TRUE(running.count("gen-0")) << tocsin::test::http_get(daemon.port(), "/api/v1/status").body;

    int applied = 0, rejected = 0;
    const auto started = std::chrono::steady_clock::now();
    for (int n = 1; n <= rounds; ++n) {
        std::string what;
        const std::string text = mutate(tail(n), rng, what);
        SCOPED_TRACE("reload " + std::to_string(n) + ": " + what);
        daemon.reload(text);  // writes the file (harness prefix + text) and sends SIGHUP
        // `tocsin check` on the very file the daemon reads is the oracle.
        const auto expected = check(dir.file("tocsin.toml"), true);
        ASSERT_TRUE(expected.exit_code == 0 || expected.exit_code == 78) << expected.output;
        // This reload's outcome: READY=1 with its STATUS (sd_notify).
        const auto outcome = daemon.wait_notify("READY=1", 20s);
        ASSERT_TRUE(outcome.has_value()) << read_file(daemon.log());
        const bool reloaded = outcome->find("STATUS=configuration reloaded") != std::string::npos;
        EXPECT_EQ(reloaded, expected.exit_code == 0) << *outcome << "\n" << expected.output;
        const auto health = tocsin::test::http_get(daemon.port(), "/healthz");
        ASSERT_EQ(health.status, 200) << health.body << read_file(daemon.log());
        const std::string metrics = tocsin::test::http_get(daemon.port(), "/metrics").body;
        const double ok = tocsin::reliability::metric(metrics, "tocsin_config_last_reload_successful");
        const auto now_running = status_components(daemon.port());
        if (expected.exit_code == 0) {
            ++applied;
            EXPECT_EQ(ok, 1.0) << "check accepted the file but the daemon did not\n" << read_file(daemon.log());
            // Applied entirely: every component of the new file is served,
            // and the previous generation's is gone unless the file kept it.
            const auto printed = printed_components(expected.output);
            for (const auto& c : printed) EXPECT_TRUE(now_running.count(c)) << c << " not applied";
            for (const auto& c : running) {
                if (c.rfind("gen-", 0) == 0 && !printed.count(c)) {
                    EXPECT_FALSE(now_running.count(c)) << c;
                }
            }
        } else {
            ++rejected;
            EXPECT_EQ(ok, 0.0) << "check rejected the file but the daemon took it\n" << expected.output;
            EXPECT_EQ(now_running, running) << "a rejected reload changed the running configuration";
        }
        running = now_running;
    }
    // Still the same process, still answering.
    daemon.reload(tail(rounds + 1));
    const auto last = daemon.wait_notify("READY=1", 20s);
    ASSERT_TRUE(last.has_value() && last->find("configuration reloaded") != std::string::npos) << read_file(daemon.log());
    EXPECT_TRUE(tocsin::test::eventually(
        [&] { return status_components(daemon.port()).count("gen-" + std::to_string(rounds + 1)) == 1; }, 20s));
    daemon.stop();
    std::printf("config under fire (SIGHUP): seed %llu, %d reloads in %.1f s: %d applied, %d rejected, daemon never "
                "crashed, /healthz 200 after each\n",
                static_cast<unsigned long long>(seed), rounds,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), applied, rejected);
}
