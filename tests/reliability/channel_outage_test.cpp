// Channel outages (docs/reliability.md): SMTP down for ten minutes
// (connection refused, or greeting 421), and on its own Telegram answering
// 429 with retry_after and then 5xx for ten minutes, while incidents are
// declared and paged. The daemon's paging chain runs in process on a
// simulated clock (ManualClock): the incident manager of the RuleRunner,
// the PagingService with its outbox dispatcher, the real SMTP and Bot API
// clients and the failing-channel monitor, over a real SQLite file, against
// Debian's aiosmtpd and the fake Bot API on loopback. Ten minutes of outage
// take a few seconds; every step is a moment of simulated time and every
// assertion is about what happened, never about how long it took.
#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "aiosmtpd.hpp"
#include "fake_telegram.hpp"
#include "paging_service.hpp"
#include "reliability_support.hpp"
#include "rule_runner.hpp"
#include "test_support.hpp"
#include "tocsin/config/loader.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/series/series_store.hpp"
#include "tocsin/store/outbox_repository.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tocsin::Duration;
using tocsin::TimePoint;
using tocsin::notify::testing::Aiosmtpd;
using tocsin::test::FakeTelegram;
using tocsin::test::TelegramScript;
using tocsin::test::TempDir;

namespace {

const std::string k_bot_token = "123456:CHANNEL-outage_token";
// Tuesday 11 August 2026, 09:00 UTC: the schedules have started.
const TimePoint k_t0 = std::chrono::sys_days{std::chrono::year{2026} / 8 / 11} + 9h;
const Duration k_outage = 10min;
const Duration k_failure_after = 5min;  // [paging] channel_failure_after (its default)
const Duration k_retry_cap = 2min;      // [paging] retry_cap (its default)
const std::map<std::string, std::int64_t> k_chats = {{"alice", 1001}, {"bob", 1002}};

// "+M:SS.mmm" of simulated time since k_t0.
std::string at(TimePoint t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - k_t0).count();
    char buf[48];
    std::snprintf(buf, sizeof buf, "+%lld:%02lld.%03lld", static_cast<long long>(ms / 60000),
                  static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
    return buf;
}

double minutes(TimePoint::duration d) { return std::chrono::duration<double>(d).count() / 60; }

struct Row {
    std::int64_t id = 0;
    std::int64_t incident_id = 0;
    std::string channel;
    std::string recipient;
    std::string key;
    std::string state;
    int attempts = 0;
    std::string subject;
    TimePoint created{};
    std::optional<TimePoint> sent_at;
};

struct IncidentRow {
    std::int64_t id = 0;
    std::string title;
    std::string state;
    TimePoint declared{};
    std::optional<TimePoint> resolved;
};

// The daemon's paging chain, wired as src/app/daemon.cpp wires it, minus
// the checks and the API: incidents are declared by hand, as
// POST /api/v1/incidents does. One io_context, driven by this thread.
class PagingChain {
public:
    PagingChain(const TempDir& dir, const std::string& toml, std::uint64_t seed)
        : m_clock(k_t0), m_guard(asio::make_work_guard(m_io)) {
        auto loaded = tocsin::config::load_string(toml, dir.file("tocsin.toml"));
        if (!loaded.ok()) throw std::runtime_error(tocsin::config::format_diagnostics(loaded.diagnostics));
        m_config = std::move(*loaded.config);
        std::filesystem::create_directories(m_config.daemon.state_dir);
        m_store.emplace(tocsin::store::Store::open(m_config.storage.path));
        m_rules = std::make_unique<tocsin::app::RuleRunner>(m_series, &db(), nullptr);
        m_rules->install(m_config.rules, m_config.rules_config);
        m_rules->install_incidents(m_config);
        m_paging = std::make_unique<tocsin::app::PagingService>(m_io, db(), m_clock, nullptr, seed);
        if (auto ok = m_paging->start(m_config, *m_rules); !ok) throw std::runtime_error(ok.error().message);
        m_rules->restore(m_clock.now());
        settle();
    }
    ~PagingChain() {
        m_paging->stop();
        m_io.poll();
    }
    PagingChain(const PagingChain&) = delete;
    PagingChain& operator=(const PagingChain&) = delete;

    TimePoint now() const { return m_clock.now(); }
    tocsin::store::Database& db() { return m_store->database(); }
    const std::string& db_path() const { return m_config.storage.path; }
    // Runs after every settled moment (the test logs the fake's requests then).
    std::function<void()> on_settled;

    // Moves the clock to `t` and lets whatever is due there happen.
    void advance_to(TimePoint t) {
        m_clock.set(t);
        m_paging->clock_moved();
        settle();
    }

    // Declares an incident as the API does; its pages are queued in the same
    // transaction and the dispatcher starts on them at once.
    std::int64_t declare(const std::string& title, const std::string& severity) {
        tocsin::incident::ManualDeclaration d;
        d.title = title;
        d.components = {"shop"};
        d.severity = severity;
        d.description = "declared by the channel outage scenario";
        d.reporter = tocsin::incident::Actor{"carol", "api"};
        auto update = m_rules->incidents()->declare(d, now());
        if (!update) throw std::runtime_error(update.error().message);
        const auto id = update->incident.id;
        if (!m_rules->commit_incident_updates({std::move(*update)}, now())) {
            throw std::runtime_error("cannot commit the declaration of " + title);
        }
        settle();
        return id;
    }

    // The earliest moment a pending page is due; nullopt when none is pending.
    std::optional<TimePoint> next_due() {
        auto stmt = db().prepare("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'");
        if (!stmt) throw std::runtime_error("next_due");
        auto row = stmt->step();
        if (!row || !*row || stmt->column_is_null(0)) return std::nullopt;
        return stmt->column_time(0);
    }

    std::int64_t count(const std::string& sql) {
        auto n = db().query_int64(sql);
        if (!n) throw std::runtime_error(sql + ": " + n.error().message);
        return *n;
    }

    std::vector<Row> outbox() {
        auto stmt = db().prepare(
            "SELECT id, coalesce(incident_id, 0), channel, recipient, idempotency_key, state, attempts, payload, "
            "created_at, sent_at FROM outbox ORDER BY id");
        if (!stmt) throw std::runtime_error("outbox");
        std::vector<Row> out;
        while (true) {
            auto more = stmt->step();
            if (!more || !*more) break;
            Row r;
            r.id = stmt->column_int64(0);
            r.incident_id = stmt->column_int64(1);
            r.channel = stmt->column_text(2);
            r.recipient = stmt->column_text(3);
            r.key = stmt->column_text(4);
            r.state = stmt->column_text(5);
            r.attempts = static_cast<int>(stmt->column_int64(6));
            auto n = tocsin::store::notification_from_json(stmt->column_text(7));
            r.subject = n ? n->subject : "<unreadable payload>";
            r.created = stmt->column_time(8);
            if (!stmt->column_is_null(9)) r.sent_at = stmt->column_time(9);
            out.push_back(std::move(r));
        }
        return out;
    }

    std::vector<IncidentRow> incidents() {
        auto stmt = db().prepare("SELECT id, title, state, detected_ms, resolved_ms FROM incidents ORDER BY id");
        if (!stmt) throw std::runtime_error("incidents");
        std::vector<IncidentRow> out;
        while (true) {
            auto more = stmt->step();
            if (!more || !*more) break;
            IncidentRow r{stmt->column_int64(0), stmt->column_text(1), stmt->column_text(2), stmt->column_time(3),
                          std::nullopt};
            if (!stmt->column_is_null(4)) r.resolved = stmt->column_time(4);
            out.push_back(std::move(r));
        }
        return out;
    }

private:
    // Runs the io_context until nothing is left to do at this moment: no
    // delivery in flight, no page due, no handler ready. Polls with a
    // deadline; the deliveries are real loopback exchanges.
    void settle() {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (m_io.poll() > 0) continue;
            if (quiet()) {
                if (on_settled) on_settled();
                return;
            }
            m_io.run_one_for(20ms);
        }
        throw std::runtime_error("the paging chain did not settle at " + at(now()));
    }

    bool quiet() {
        const auto now_ms = std::to_string(tocsin::store::to_unix_millis(now()));
        return count(
                   "SELECT count(*) FROM outbox WHERE state = 'sending' OR (state = 'pending' AND next_attempt_at <= " +
                   now_ms + ")") == 0;
    }

    tocsin::ManualClock m_clock;
    asio::io_context m_io{1};
    asio::executor_work_guard<asio::io_context::executor_type> m_guard;
    tocsin::config::Config m_config;
    std::optional<tocsin::store::Store> m_store;
    tocsin::series::SeriesStore m_series;
    std::unique_ptr<tocsin::app::RuleRunner> m_rules;
    std::unique_ptr<tocsin::app::PagingService> m_paging;
};

// alice and bob are both paged (level 1 lists both schedules); P2, the
// tier of the scenario's incidents, pages through `p2_channels` only; P1,
// the tier of the failing-channel incident, through both channels.
std::string chain_config(const TempDir& dir, int smtp_port, const FakeTelegram& tg, const std::string& p2_channels,
                         int max_attempts) {
    dir.write("bot-token", k_bot_token + "\n", 0600);
    return "[daemon]\nstate_dir = \"" + dir.file("state") +
           "\"\n"
           "\n[severity.P1]\nrank = 0\nack_within = \"2h\"\nchannels = [\"telegram\", \"email\"]\n"
           "[[severity.P1.escalation]]\nschedules = [\"primary\", \"secondary\"]\n"
           "\n[severity.P2]\nrank = 1\nack_within = \"2h\"\nchannels = " +
           p2_channels +
           "\n[[severity.P2.escalation]]\nschedules = [\"primary\", \"secondary\"]\n"
           "\n[incidents]\ndefault_severity = \"P2\"\nsecurity_severity = \"P1\"\n"
           "\n[[person]]\nname = \"alice\"\nemail = \"alice@example.org\"\ntelegram_chat_id = 1001\n"
           "\n[[person]]\nname = \"bob\"\nemail = \"bob@example.org\"\ntelegram_chat_id = 1002\n"
           "\n[[schedule]]\nname = \"primary\"\n[[schedule.layer]]\npeople = [\"alice\"]\nstart = \"2026-01-05 "
           "09:00\"\n"
           "\n[[schedule]]\nname = \"secondary\"\n[[schedule.layer]]\npeople = [\"bob\"]\nstart = \"2026-01-05 "
           "09:00\"\n"
           "\n[channel.email]\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(smtp_port) +
           "\nsecurity = \"none\"\ninsecure_local_relay = true\nfrom = \"tocsin@example.org\"\n"
           "\n[channel.telegram]\napi_url = \"" +
           tg.api_url() + "\"\nbot_token_file = \"" + dir.file("bot-token") +
           "\"\npoll_updates = false\n"
           "\n[paging]\nmax_attempts = " +
           std::to_string(max_attempts) + "\nchannel_failure_after = \"5m\"\nchannel_failure_severity = \"P1\"\n";
}

// Seeded moments of the outage at which incidents are declared: the first
// in its first half minute (so the channel fails from the start), the
// others anywhere before its last 30 s.
std::vector<TimePoint> declaration_moments(std::mt19937_64& rng, int n) {
    std::vector<TimePoint> out;
    std::uniform_int_distribution<long> first(0, 30'000), rest(0, (k_outage - 30s).count());
    out.push_back(k_t0 + std::chrono::milliseconds(first(rng)));
    for (int i = 1; i < n; ++i) out.push_back(k_t0 + std::chrono::milliseconds(rest(rng)));
    std::sort(out.begin(), out.end());
    return out;
}

// Strips HTML tags and the entities Telegram's HTML uses.
std::string plain(const std::string& html) {
    std::string out;
    bool tag = false;
    for (char c : html) {
        if (c == '<') tag = true;
        if (!tag) out += c;
        if (c == '>') tag = false;
    }
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}}) {
        for (std::size_t p = 0; (p = out.find(from, p)) != std::string::npos; p += to.size())
            out.replace(p, from.size(), to);
    }
    return out;
}

// The pages (outbox subjects among `subjects`) one message carries, in the
// order it lists them: a single page has its subject on a line of its
// own, a digest one line per page.
std::vector<std::string> pages_in(const std::string& text, const std::set<std::string>& subjects) {
    std::vector<std::string> out;
    std::size_t start = 0;
    const std::string t = plain(text);
    while (start <= t.size()) {
        std::size_t end = t.find('\n', start);
        if (end == std::string::npos) end = t.size();
        std::string line = t.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (subjects.count(line) && std::find(out.begin(), out.end(), line) == out.end()) out.push_back(line);
        start = end + 1;
    }
    return out;
}

std::string mail_text(const tocsin::notify::testing::ReceivedMail& m) {
    std::string text = m.str({"decoded", "subject"}) + "\n";
    if (const auto* parts = m.facts.at("decoded").as_object().if_contains("parts")) {
        for (const auto& p : parts->as_array()) {
            if (const auto* c = p.as_object().if_contains("content"); c != nullptr && c->is_string()) {
                text += std::string(c->as_string()) + "\n";
            }
        }
    }
    return text;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += "  " + s + "\n";
    return out;
}

// A request the fake Bot API received, on the simulated clock, and what it answered.
struct TelegramRequest {
    TimePoint at;
    std::int64_t chat = 0;
    int answered = 200;  // 429, 5xx or 200
    std::string text;
};

// Per recipient of `channel`: the pages delivered (messages in arrival
// order, a digest's pages in its order) must be exactly the outbox rows
// that were sent, each once, none twice, no page (subject) in two rows;
// and the backlog (rows
// queued before `recovery`) in the order it was queued, none overtaking an
// older one. A page queued after the recovery is tried at once (the
// dispatcher never holds a new page behind other incidents' retries), so it
// may arrive before the backlog; those pages keep their own order too.
// `delivered` maps a recipient to its messages' texts.
void expect_in_order_exactly_once(const std::vector<Row>& rows, const std::string& channel, TimePoint recovery,
                                  const std::map<std::string, std::vector<std::string>>& delivered, int* pages_seen,
                                  int* messages_seen) {
    std::map<std::string, std::vector<const Row*>> expected;
    std::set<std::string> subjects;
    for (const auto& r : rows) {
        if (r.channel != channel || r.state != "sent") continue;
        expected[r.recipient].push_back(&r);
        subjects.insert(r.subject);
    }
    for (const auto& [recipient, want_rows] : expected) {
        std::vector<std::string> got;
        auto it = delivered.find(recipient);
        if (it != delivered.end()) {
            for (const auto& text : it->second) {
                auto pages = pages_in(text, subjects);
                if (!pages.empty()) ++*messages_seen;
                got.insert(got.end(), pages.begin(), pages.end());
            }
        }
        *pages_seen += static_cast<int>(got.size());
        std::vector<std::string> want, want_backlog, want_later;
        std::set<std::string> backlog;
        for (const Row* r : want_rows) {
            want.push_back(r->subject);
            (r->created < recovery ? want_backlog : want_later).push_back(r->subject);
            if (r->created < recovery) backlog.insert(r->subject);
        }
        std::vector<std::string> got_backlog, got_later;
        for (const auto& page : got) (backlog.count(page) ? got_backlog : got_later).push_back(page);
        auto got_sorted = got, want_sorted = want;
        std::sort(got_sorted.begin(), got_sorted.end());
        std::sort(want_sorted.begin(), want_sorted.end());
        EXPECT_EQ(std::adjacent_find(want_sorted.begin(), want_sorted.end()), want_sorted.end())
            << channel << " to " << recipient << ": one page queued twice (as two rows)";
        EXPECT_EQ(got_sorted, want_sorted) << channel << " to " << recipient << ": not every page exactly once";
        EXPECT_EQ(got_backlog, want_backlog) << channel << " to " << recipient << ": the backlog out of order";
        EXPECT_EQ(got_later, want_later) << channel << " to " << recipient << ": later pages out of order";
        if (::testing::Test::HasFailure()) {
            std::printf("%s to %s: delivered\n%sexpected (outbox order)\n%s", channel.c_str(), recipient.c_str(),
                        join(got).c_str(), join(want).c_str());
        }
    }
}

std::map<std::string, std::vector<std::string>> mails_by_recipient(const Aiosmtpd& smtp) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& m : smtp.messages()) {
        auto rcpt = boost::json::parse(m.str({"rcpt_tos"})).as_array();
        for (const auto& r : rcpt) out[std::string(r.as_string())].push_back(mail_text(m));
    }
    return out;
}

std::map<std::string, std::vector<std::string>> telegram_by_recipient(const std::vector<TelegramRequest>& log) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& r : log) {
        if (r.answered == 200) out[std::to_string(r.chat)].push_back(r.text);
    }
    return out;
}

const IncidentRow* find_title(const std::vector<IncidentRow>& incidents, const std::string& title) {
    for (const auto& i : incidents) {
        if (i.title == title) return &i;
    }
    return nullptr;
}

// What a scenario saw, for the figures.
struct Figures {
    int incidents = 0;
    int email_pages = 0, email_messages = 0, telegram_pages = 0, telegram_messages = 0;
    int attempts = 0, failed = 0, cancelled = 0, fallbacks = 0;
    double gave_up_min = 0, gave_up_max = 0;  // minutes from queueing to giving up, of the pages that fell back
    std::string failing_declared, failing_resolved, all_delivered;
    std::int64_t steps = 0;
};

void print(const char* name, std::uint64_t seed, const Figures& f, double wall_s, const std::string& extra) {
    std::printf(
        "%s: seed %llu, %d incidents; failing-channel incident declared %s, resolved %s; every page delivered %s; "
        "email %d pages in %d messages, telegram %d pages in %d messages; %d attempts, %d failed (%d fell back, "
        "given up %.1f-%.1f min after queueing), %d cancelled; "
        "%lld steps; %s%.1f s wall\n",
        name, static_cast<unsigned long long>(seed), f.incidents, f.failing_declared.c_str(),
        f.failing_resolved.c_str(), f.all_delivered.c_str(), f.email_pages, f.email_messages, f.telegram_pages,
        f.telegram_messages, f.attempts, f.failed, f.fallbacks, f.gave_up_min, f.gave_up_max, f.cancelled,
        static_cast<long long>(f.steps), extra.c_str(), wall_s);
    std::fflush(stdout);
}

// Something the scenario does at a moment of simulated time.
struct Event {
    TimePoint at;
    std::function<void()> run;
};

// Drives the chain from k_t0: each step moves the clock to the next moment
// anything is due (a page, an incident to declare, an event), at most 1 s
// ahead, and lets it happen. Stops once every incident was declared, the
// events ran, no page is pending or being sent and the incident `failing`
// exists and is resolved: that moment; nullopt if that never came within
// 30 simulated minutes after the last event.
std::optional<TimePoint> drive(PagingChain& chain, const std::vector<TimePoint>& moments, std::vector<Event> events,
                               const std::string& failing, std::int64_t* steps) {
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
    const TimePoint give_up = (events.empty() ? k_t0 : events.back().at) + 30min;
    std::size_t next_incident = 0, next_event = 0;
    while (chain.now() < give_up) {
        TimePoint next = chain.now() + 1s;
        if (auto due = chain.next_due(); due && *due > chain.now()) next = std::min(next, *due);
        if (next_incident < moments.size()) next = std::min(next, moments[next_incident]);
        if (next_event < events.size()) next = std::min(next, events[next_event].at);
        chain.advance_to(std::max(next, chain.now()));
        ++*steps;
        bool acted = false;
        for (; next_event < events.size() && events[next_event].at <= chain.now(); ++next_event) {
            events[next_event].run();
            acted = true;
        }
        for (; next_incident < moments.size() && moments[next_incident] <= chain.now(); ++next_incident) {
            chain.declare("svc " + std::to_string(next_incident + 1) + " down", "P2");
        }
        if (acted) chain.advance_to(chain.now());  // what the event made due now
        if (next_event == events.size() && next_incident == moments.size() &&
            chain.count("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')") == 0) {
            const auto* f = find_title(chain.incidents(), failing);
            if (f != nullptr && f->state == "resolved") return chain.now();
        }
    }
    return std::nullopt;
}

// Logs the fake Bot API's sendMessage requests against the simulated
// clock: the chain settles after every step, and every request of a step
// happened at that step's moment. `answer` says what the fake answers now.
struct TelegramLog {
    std::vector<TelegramRequest> requests;
    std::size_t seen = 0;
    int answer = 200;

    void take(const FakeTelegram& tg, TimePoint now) {
        auto calls = tg.calls("sendMessage");
        for (; seen < calls.size(); ++seen) {
            requests.push_back({now, calls[seen].int_param("chat_id").value_or(0), answer, calls[seen].param("text")});
        }
    }
};

// The rows every scenario checks: none lost. Every one was sent, or
// cancelled with its resolved incident, or (`fallback_allowed`) given up
// and queued on the person's other channel, where that row was sent.
void expect_nothing_lost(const std::vector<Row>& rows, const std::vector<IncidentRow>& incidents, Figures& fig,
                         bool fallback_allowed) {
    for (const auto& r : rows) {
        fig.attempts += r.attempts;
        fig.failed += r.state == "failed";
        fig.cancelled += r.state == "cancelled";
        if (r.state == "sent") continue;
        if (r.state == "cancelled") {
            bool resolved = false;
            for (const auto& i : incidents) resolved |= i.id == r.incident_id && i.state == "resolved";
            EXPECT_TRUE(resolved) << r.key << " cancelled, but its incident is open";
            continue;
        }
        bool fell_back = false;
        for (const auto& other : rows) {
            if (other.key.rfind(r.key + "/fallback/", 0) != 0 || other.state != "sent") continue;
            fell_back = true;
            // The fallback row is queued when the page is given up.
            const double after = minutes(other.created - r.created);
            fig.gave_up_min = fig.fallbacks == 0 ? after : std::min(fig.gave_up_min, after);
            fig.gave_up_max = std::max(fig.gave_up_max, after);
        }
        EXPECT_TRUE(r.state == "failed" && fallback_allowed && fell_back) << r.key << " is " << r.state;
        fig.fallbacks += fell_back;
    }
}

// Once every page is out: the run's figures, checked for nothing lost.
Figures delivered_figures(const std::vector<Row>& rows, const std::vector<IncidentRow>& incidents, std::int64_t steps,
                          TimePoint delivered, bool fallback_allowed) {
    Figures fig;
    fig.incidents = static_cast<int>(incidents.size());
    fig.steps = steps;
    fig.all_delivered = at(delivered);
    expect_nothing_lost(rows, incidents, fig, fallback_allowed);
    return fig;
}

// The failing-channel incident: declared once, after channel_failure_after
// without a delivery since `first_failure` and before the channel came
// back; resolved after it came back.
void expect_failing_incident(const std::vector<IncidentRow>& incidents, const std::string& title,
                             TimePoint first_failure, TimePoint recovery, Figures& fig) {
    int declared = 0;
    for (const auto& i : incidents) declared += i.title == title;
    EXPECT_EQ(declared, 1) << title;
    const auto* f = find_title(incidents, title);
    ASSERT_NE(f, nullptr) << title;
    EXPECT_GE(f->declared, first_failure + k_failure_after);
    EXPECT_LT(f->declared, recovery);
    ASSERT_TRUE(f->resolved);
    EXPECT_GE(*f->resolved, recovery);
    char buf[64];
    std::snprintf(buf, sizeof buf, " (%.2f min after the first failure)", minutes(f->declared - first_failure));
    fig.failing_declared = at(f->declared) + buf;
    fig.failing_resolved = at(*f->resolved);
}

enum class SmtpFault { refused, greets_421 };

// SMTP is down from k_t0 for k_outage (nothing listening on its port, or
// a server greeting every connection with 421) while incidents (P2, paged
// by email only) are declared; then a working aiosmtpd takes the port.
// `max_attempts` 30 lets a page outlive the outage; with the default 10 a
// page queued early is given up after a few minutes and falls back to
// Telegram instead (allowed then, and checked: its fallback was sent).
void smtp_outage(SmtpFault fault, int max_attempts, const char* name) {
    const std::uint64_t seed = tocsin::reliability::seed(name);
    std::mt19937_64 rng(seed);
    const int n = tocsin::reliability::sized(12, 100);
    const auto wall_start = std::chrono::steady_clock::now();

    TempDir dir;
    const int smtp_port = tocsin::test::free_port();
    std::optional<Aiosmtpd> smtp;
    if (fault == SmtpFault::greets_421) {
        smtp.emplace(std::vector<std::string>{"--port", std::to_string(smtp_port), "--greet", "421"});
    }
    FakeTelegram tg(k_bot_token);
    PagingChain chain(dir, chain_config(dir, smtp_port, tg, "[\"email\"]", max_attempts), seed);
    TelegramLog tg_log;
    chain.on_settled = [&] { tg_log.take(tg, chain.now()); };

    const TimePoint recovery = k_t0 + k_outage;
    const std::string failing = "Paging channel email failing";
    std::int64_t steps = 0;
    const auto all_delivered = drive(chain, declaration_moments(rng, n),
                                     {{recovery,
                                       [&] {
                                           smtp.reset();  // the 421 server, if any, gives the port back
                                           smtp.emplace(std::vector<std::string>{"--port", std::to_string(smtp_port)});
                                       }}},
                                     failing, &steps);
    ASSERT_TRUE(all_delivered) << "still pending at " << at(chain.now());

    const auto rows = chain.outbox();
    const auto incidents = chain.incidents();
    Figures fig = delivered_figures(rows, incidents, steps, *all_delivered, max_attempts < 30);
    std::optional<TimePoint> first_email;
    for (const auto& r : rows) {
        if (r.channel != "email") continue;
        if (!first_email || r.created < *first_email) first_email = r.created;  // tried, and failed, at once
        if (r.sent_at) {
            EXPECT_GE(*r.sent_at, recovery) << r.key << ": accepted while SMTP was down?";
        }
    }
    ASSERT_TRUE(first_email);

    // Every email exactly once, in the order the pages were queued, per
    // recipient; the same on Telegram.
    expect_in_order_exactly_once(rows, "email", recovery, mails_by_recipient(*smtp), &fig.email_pages,
                                 &fig.email_messages);
    expect_in_order_exactly_once(rows, "telegram", recovery, telegram_by_recipient(tg_log.requests),
                                 &fig.telegram_pages, &fig.telegram_messages);
    std::set<std::string> message_ids;
    for (const auto& m : smtp->messages()) {
        EXPECT_TRUE(message_ids.insert(m.str({"decoded", "message_id"})).second)
            << "accepted twice: " << m.str({"decoded", "message_id"});
    }

    // The paging path failing became an incident, told to alice and bob on
    // Telegram while SMTP was still down.
    expect_failing_incident(incidents, failing, *first_email, recovery, fig);
    for (const auto& [person, chat] : k_chats) {
        bool told = false;
        for (const auto& r : tg_log.requests) {
            told |= r.chat == chat && r.answered == 200 && r.at < recovery && r.text.find(failing) != std::string::npos;
        }
        EXPECT_TRUE(told) << person << " was not told on Telegram during the outage";
    }

    EXPECT_EQ(tocsin::reliability::integrity_check(chain.db_path()), std::vector<std::string>{"ok"});
    print(name, seed, fig, std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(), "");
}

}  // namespace

TEST(ChannelOutage, SmtpRefusedForTenMinutesEveryEmailDeliveredOnceInOrder) {
    smtp_outage(SmtpFault::refused, 30, "channel outage: SMTP refused");
}

TEST(ChannelOutage, Smtp421ForTenMinutesEveryEmailDeliveredOnceInOrder) {
    smtp_outage(SmtpFault::greets_421, 30, "channel outage: SMTP 421");
}

// The default retry budget (10 attempts): pages queued early are given up
// during the outage and reach their people on Telegram instead; none is
// lost, none arrives twice on a channel, the rest go by email afterwards.
TEST(ChannelOutage, SmtpRefusedWithTheDefaultRetryBudgetFallsBackToTelegramAndLosesNothing) {
    smtp_outage(SmtpFault::refused, 10, "channel outage: SMTP refused, default budget");
}

// The Bot API answers every sendMessage with 429 and a seeded retry_after
// for the first three minutes, then 502/500/503 until k_outage; the
// scenario's incidents page by Telegram only. No request reaches a chat
// before the retry_after it was given expired (the fake's request log on
// the simulated clock); every message arrives once, the backlog in order;
// the Telegram-failing incident goes out by email.
TEST(ChannelOutage, Telegram429Then5xxHonoursRetryAfterAndDeliversEverythingOnceInOrder) {
    const char* name = "channel outage: Telegram 429 then 5xx";
    const std::uint64_t seed = tocsin::reliability::seed(name);
    std::mt19937_64 rng(seed);
    const int n = tocsin::reliability::sized(12, 100);
    const int retry_after = 20 + static_cast<int>(rng() % 41);  // seconds
    const auto wall_start = std::chrono::steady_clock::now();

    TempDir dir;
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    PagingChain chain(dir, chain_config(dir, smtp.port(), tg, "[\"telegram\"]", 30), seed);
    TelegramLog tg_log;
    chain.on_settled = [&] { tg_log.take(tg, chain.now()); };

    const TimePoint flood_end = k_t0 + 3min;
    const TimePoint recovery = k_t0 + k_outage;
    const std::string failing = "Paging channel telegram failing";
    std::vector<Event> events = {
        {k_t0,
         [&] {
             tg_log.take(tg, chain.now());
             tg_log.answer = 429;
             tg.script("sendMessage", TelegramScript::flood(retry_after), 1'000'000);
         }},
        {flood_end,
         [&] {
             tg_log.take(tg, chain.now());
             tg_log.answer = 502;
             tg.clear_scripts();
             for (int i = 0; i < 2000; ++i) {
                 for (int status : {502, 500, 503}) tg.script("sendMessage", TelegramScript::server_error(status), 1);
             }
         }},
        {recovery,
         [&] {
             tg_log.take(tg, chain.now());
             tg_log.answer = 200;
             tg.clear_scripts();
         }},
    };
    std::int64_t steps = 0;
    const auto all_delivered = drive(chain, declaration_moments(rng, n), std::move(events), failing, &steps);
    ASSERT_TRUE(all_delivered) << "still pending at " << at(chain.now());

    const auto rows = chain.outbox();
    const auto incidents = chain.incidents();
    Figures fig = delivered_figures(rows, incidents, steps, *all_delivered, false);

    // retry_after honoured: after a 429 to a chat, nothing more to that chat
    // until it expired.
    std::map<std::int64_t, TimePoint> hold;  // chat -> no request before
    int floods = 0, server_errors = 0;
    std::optional<TimePoint::duration> shortest_wait;  // after a 429, to the next request to the chat
    std::map<std::int64_t, TimePoint> last_flood;
    std::optional<TimePoint> first_failure;
    for (const auto& r : tg_log.requests) {
        if (auto h = hold.find(r.chat); h != hold.end()) {
            EXPECT_GE(r.at, h->second) << "request to chat " << r.chat << " at " << at(r.at)
                                       << " before the retry_after of its 429 expired (" << at(h->second) << ")";
        }
        if (auto f = last_flood.find(r.chat); f != last_flood.end()) {
            const auto wait = r.at - f->second;
            if (!shortest_wait || wait < *shortest_wait) shortest_wait = wait;
            last_flood.erase(f);
        }
        if (r.answered != 200 && !first_failure) first_failure = r.at;
        if (r.answered == 429) {
            ++floods;
            hold[r.chat] = std::max(hold[r.chat], r.at + std::chrono::seconds(retry_after));
            last_flood[r.chat] = r.at;
        } else if (r.answered != 200) {
            ++server_errors;
        } else {
            EXPECT_GE(r.at, recovery) << "accepted while the Bot API was failing?";
        }
    }
    EXPECT_GT(floods, 1);
    EXPECT_GT(server_errors, 0);
    ASSERT_TRUE(first_failure);

    // Every message exactly once, the backlog in the order it was queued,
    // per chat; email likewise.
    expect_in_order_exactly_once(rows, "telegram", recovery, telegram_by_recipient(tg_log.requests),
                                 &fig.telegram_pages, &fig.telegram_messages);
    expect_in_order_exactly_once(rows, "email", recovery, mails_by_recipient(smtp), &fig.email_pages,
                                 &fig.email_messages);

    // The Telegram-failing incident, told to alice and bob by email while
    // the Bot API was still failing.
    expect_failing_incident(incidents, failing, *first_failure, recovery, fig);
    const auto* f = find_title(incidents, failing);
    ASSERT_NE(f, nullptr);
    for (const auto& [person, chat] : k_chats) {
        bool told = false;
        for (const auto& r : rows) {
            told |= r.incident_id == f->id && r.channel == "email" && r.recipient == person + "@example.org" &&
                    r.sent_at && *r.sent_at < recovery && r.subject.find(failing) != std::string::npos;
        }
        EXPECT_TRUE(told) << person << " was not told by email during the outage";
    }

    EXPECT_EQ(tocsin::reliability::integrity_check(chain.db_path()), std::vector<std::string>{"ok"});
    char extra[160];
    std::snprintf(extra, sizeof extra,
                  "retry_after %d s: %d answered 429, shortest wait after one %.1f s; %d answered 5xx; ", retry_after,
                  floods, shortest_wait ? std::chrono::duration<double>(*shortest_wait).count() : -1.0, server_errors);
    print(name, seed, fig, std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(), extra);
}
