// The disk-full scenario (docs/reliability.md, "Disk full"): the daemon's
// state directory is a small tmpfs that a filler file fills to ENOSPC while
// incidents are open and new ones are being declared. The daemon stays up
// (same PID, watchdog keep-alives on time), keeps probing, answers
// /healthz, keeps the declarations it cannot store in memory, and tells the
// on-call person on a channel that its storage fails, without SQLite. Once
// the filler is gone it recovers by itself: the held declarations are
// stored and paged, the recovery is announced, nothing committed before the
// fill is lost, the database passes integrity_check, the audit chain
// verifies, and the series snapshot was never left unreadable.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "aiosmtpd.hpp"
#include "daemon_state.hpp"
#include "fake_target.hpp"
#include "fake_telegram.hpp"
#include "reliability_support.hpp"
#include "test_support.hpp"
#include "tocsin/series/series_store.hpp"

using namespace std::chrono_literals;
using tocsin::notify::testing::Aiosmtpd;
using tocsin::test::eventually;
using tocsin::test::FakeResponse;
using tocsin::test::FakeTarget;
using tocsin::test::FakeTelegram;
using tocsin::test::read_file;
using tocsin::test::TempDir;

namespace {

const std::string k_bot_token = "123456:DISK-full_token";
constexpr auto k_watchdog = 2s;  // WATCHDOG_USEC: tocsin pings every half of it

// A tmpfs of `bytes` mounted on `dir`, unmounted (lazily, so an open file
// cannot keep it) by the destructor. Mounting needs CAP_SYS_ADMIN; without
// it in this namespace, a private mount namespace of the test process (the
// daemon it starts inherits it) is tried, as `unshare -m` would.
class SmallTmpfs {
public:
    SmallTmpfs(const std::string& dir, std::size_t bytes) : m_dir(dir) {
        std::filesystem::create_directories(dir);
        const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
        if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0) {
            m_mounted = true;
            return;
        }
        const int first = errno;
        if (first == EPERM && ::unshare(CLONE_NEWNS) == 0 &&
            ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
            ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0) {
            m_mounted = true;
            m_how = " (in a private mount namespace)";
            return;
        }
        m_error = std::string("mount -t tmpfs: ") + std::strerror(first) + "; in a new mount namespace: " +
                  std::strerror(errno);
    }
    ~SmallTmpfs() {
        if (m_mounted) ::umount2(m_dir.c_str(), MNT_DETACH);
    }
    bool mounted() const { return m_mounted; }
    const std::string& error() const { return m_error; }
    const std::string& how() const { return m_how; }

private:
    std::string m_dir;
    bool m_mounted = false;
    std::string m_error;
    std::string m_how;
};

// Writes `path` until the file system refuses (ENOSPC); the bytes written.
long long fill(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    long long total = 0;
    for (std::size_t block : {std::size_t{1} << 18, std::size_t{4096}, std::size_t{512}}) {
        const std::string chunk(block, 'F');
        for (;;) {
            const ssize_t n = ::write(fd, chunk.data(), chunk.size());
            if (n <= 0) break;
            total += n;
        }
    }
    ::fsync(fd);
    ::close(fd);
    return total;
}

// The tocsin binary with NOTIFY_SOCKET and WATCHDOG_USEC, as systemd starts
// it; a thread reads every datagram and keeps the times of the keep-alives.
class Watched {
public:
    Watched(TempDir& dir, const std::string& config_text) : m_dir(dir) {
        dir.write("tocsin.toml", config_text);
        m_notify = std::make_unique<tocsin::test::NotifySocket>(dir.file("notify.sock"));
        m_reader = std::thread([this] {
            while (!m_stop) {
                auto d = m_notify->receive(100ms);
                if (!d) continue;
                std::lock_guard lock(m_mutex);
                if (d->find("WATCHDOG=1") != std::string::npos) m_pings.push_back(std::chrono::steady_clock::now());
                if (d->find("READY=1") != std::string::npos) ++m_ready;
            }
        });
    }
    ~Watched() {
        m_process.reset();
        m_stop = true;
        m_reader.join();
    }
    void start() {
        const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(k_watchdog).count();
        m_process = std::make_unique<tocsin::test::Process>(
            std::vector<std::string>{TOCSIN_BINARY, "run", "--config", m_dir.file("tocsin.toml")},
            std::vector<std::string>{"NOTIFY_SOCKET=" + m_notify->path(), "WATCHDOG_USEC=" + std::to_string(usec)},
            log());
        ASSERT_TRUE(eventually([&] { return ready() > 0; }, 30s)) << read_file(log());
    }
    int stop() {
        m_process->signal(SIGTERM);
        auto code = m_process->wait(15s);
        m_process.reset();
        return code.value_or(-1);
    }
    // Still running: not exited, not a zombie (waitpid, not kill -0).
    bool running() { return m_process && !m_process->wait(0ms).has_value(); }
    pid_t pid() const { return m_process ? m_process->pid() : -1; }
    int ready() {
        std::lock_guard lock(m_mutex);
        return m_ready;
    }
    std::vector<std::chrono::steady_clock::time_point> pings() {
        std::lock_guard lock(m_mutex);
        return m_pings;
    }
    std::string log() const { return m_dir.file("tocsin.log"); }

private:
    TempDir& m_dir;
    std::unique_ptr<tocsin::test::NotifySocket> m_notify;
    std::unique_ptr<tocsin::test::Process> m_process;
    std::thread m_reader;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::vector<std::chrono::steady_clock::time_point> m_pings;
    int m_ready = 0;
};

std::map<long, std::string> incidents(const std::string& db) {
    std::map<long, std::string> out;
    auto reader = tocsin::store::Database::open_read_only(db, 5s);
    auto stmt = reader.prepare("SELECT id, title FROM incidents ORDER BY id");
    if (!stmt) return out;
    while (true) {
        auto row = stmt->step();
        if (!row || !*row) break;
        out.emplace(static_cast<long>(stmt->column_int64(0)), stmt->column_text(1));
    }
    return out;
}

// Pages (keys "page/...") in the outbox already sent.
int pages_sent(const TempDir& dir) {
    int n = 0;
    for (const auto& r : tocsin::test::outbox(dir)) n += r.key.rfind("page/", 0) == 0 && r.state == "sent";
    return n;
}

int telegram_with(const FakeTelegram& tg, const std::string& needle) {
    int n = 0;
    for (const auto& c : tocsin::test::messages_to(tg, 1001)) n += c.param("text").find(needle) != std::string::npos;
    return n;
}

int mails_with(const Aiosmtpd& smtp, const std::string& needle) {
    int n = 0;
    for (const auto& m : tocsin::test::mails_to(smtp, "alice@")) n += m.str({"decoded", "subject"}).find(needle) != std::string::npos;
    return n;
}

double metric_of(int port, const std::string& series) {
    return tocsin::reliability::metric(tocsin::test::http_get(port, "/metrics").body, series);
}

// The snapshot as tocsin would load it at its next start (from a copy
// outside the full file system): ok, and how much of a torn tail it skips.
std::string load_copy(const std::string& snapshot, const std::string& copy, std::size_t* series,
                      std::size_t* ignored) {
    std::error_code ec;
    std::filesystem::copy_file(snapshot, copy, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return "cannot copy: " + ec.message();
    tocsin::series::SeriesStore store;
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto loaded = store.load_snapshot(copy, now_ms);
    if (!loaded) return loaded.error().message;
    *series = loaded->series;
    *ignored = loaded->ignored_bytes;
    return "ok";
}

}  // namespace

TEST(DiskFull, StateDirectoryFillsUpAndTocsinRecoversByItself) {
    const std::uint64_t seed = tocsin::reliability::seed("disk full");
    const int before = tocsin::reliability::sized(3, 20);  // incidents committed before the fill
    const int during = tocsin::reliability::sized(2, 10);  // declared while the disk is full
    const auto full_for = std::chrono::seconds(tocsin::reliability::sized(8, 60));
    const int targets = before + during + 1;  // the last one stays up
    std::mt19937_64 rng(seed);

    TempDir dir;
    const std::string state = dir.file("state");
    SmallTmpfs tmpfs(state, 8u << 20);
    if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs for the state directory: " << tmpfs.error();

    std::vector<std::atomic<bool>> down(static_cast<std::size_t>(targets));
    for (auto& d : down) d = false;
    FakeTarget service([&](const tocsin::test::FakeRequest& req) {
        const std::size_t k = std::stoul(req.target.substr(2));
        return FakeResponse::text(down[k].load() ? 503 : 200, "state\n");
    });
    Aiosmtpd smtp;
    FakeTelegram tg(k_bot_token);
    dir.write("bot-token", k_bot_token + "\n", 0600);
    const int port = tocsin::test::free_port();
    std::string config = "[daemon]\nstate_dir = \"" + state +
                         "\"\nshutdown_timeout = \"3s\"\nhealth_interval = \"1s\"\n"
                         "\n[api]\nlisten = \"127.0.0.1:" +
                         std::to_string(port) + "\"\n\n[storage]\nsnapshot_interval = \"1s\"\n";
    config += tocsin::reliability::flapping_targets_config(
        targets, [&](int t) { return service.url("/t" + std::to_string(t)); }, smtp.port(), tg.api_url(),
        dir.file("bot-token"), "channel_failure_after = \"2s\"\n");
    Watched daemon(dir, config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    const pid_t pid = daemon.pid();
    const std::string db = state + "/tocsin.db";
    const std::string snapshot = state + "/series.snapshot";
    const auto started = std::chrono::steady_clock::now();

    // Before: incidents declared, paged on both channels, committed.
    std::vector<int> order(static_cast<std::size_t>(before + during));
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::shuffle(order.begin(), order.end(), rng);  // which targets fail before, which during
    for (int i = 0; i < before; ++i) down[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = true;
    ASSERT_TRUE(eventually([&] { return pages_sent(dir) >= 2 * before; }, 60s)) << read_file(daemon.log());
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(snapshot); }, 20s));
    const auto committed = incidents(db);
    ASSERT_EQ(committed.size(), static_cast<std::size_t>(before));

    // The fill.
    const double probes_at_fill = metric_of(port, "tocsin_probe_duration_seconds_count{target=\"t" +
                                                      std::to_string(targets - 1) + "\"}");
    const long long filler = fill(state + "/filler");
    ASSERT_GT(filler, 0);
    const auto filled_at = std::chrono::steady_clock::now();
    for (int i = before; i < before + during; ++i) down[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = true;

    // While full: a self-alert on a channel, errors counted, declarations
    // held in memory, the snapshot failing.
    const bool alerted = eventually([&] { return telegram_with(tg, "storage failing") > 0; }, 60s);
    EXPECT_TRUE(alerted) << read_file(daemon.log());
    const double alert_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - filled_at).count();
    EXPECT_TRUE(eventually([&] { return metric_of(port, "tocsin_storage_errors_total{operation=\"database\"}") > 0; }, 30s));
    EXPECT_TRUE(eventually([&] { return metric_of(port, "tocsin_storage_errors_total{operation=\"snapshot\"}") > 0; }, 30s))
        << read_file(daemon.log());
    EXPECT_TRUE(eventually([&] { return metric_of(port, "tocsin_incident_updates_unsaved") >= during; }, 30s))
        << read_file(daemon.log());
    // Holding the fault a while: pacing the scenario, not waiting for an outcome.
    std::this_thread::sleep_until(filled_at + full_for);
    const auto health_full = tocsin::test::http_get(port, "/healthz");
    EXPECT_EQ(health_full.status, 503) << health_full.body;
    const double probes_full = metric_of(port, "tocsin_probe_duration_seconds_count{target=\"t" +
                                                  std::to_string(targets - 1) + "\"}");
    EXPECT_GT(probes_full, probes_at_fill) << "probes stopped while the disk was full";
    EXPECT_EQ(incidents(db).size(), static_cast<std::size_t>(before)) << "written to a full disk?";
    std::size_t snap_series = 0, snap_ignored = 0;
    const std::string snap_full = load_copy(snapshot, dir.file("snapshot-full"), &snap_series, &snap_ignored);
    EXPECT_EQ(snap_full, "ok") << "the snapshot on the full disk would not load";
    EXPECT_TRUE(daemon.running()) << read_file(daemon.log());
    EXPECT_EQ(daemon.pid(), pid);
    const int storage_mails = mails_with(smtp, "storage failing");

    // Space again: everything held is stored and paged, the recovery told.
    std::filesystem::remove(state + "/filler");
    const auto freed_at = std::chrono::steady_clock::now();
    EXPECT_TRUE(eventually([&] { return tocsin::test::http_get(port, "/healthz").status == 200; }, 30s));
    EXPECT_TRUE(eventually([&] { return incidents(db).size() == static_cast<std::size_t>(before + during); }, 30s))
        << read_file(daemon.log());
    EXPECT_TRUE(eventually([&] { return pages_sent(dir) >= 2 * (before + during); }, 60s)) << read_file(daemon.log());
    const double recovered_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - freed_at).count();
    EXPECT_TRUE(eventually([&] { return telegram_with(tg, "storage works again") > 0; }, 30s)) << read_file(daemon.log());
    EXPECT_TRUE(eventually([&] { return metric_of(port, "tocsin_storage_failing{operation=\"snapshot\"}") == 0; }, 30s))
        << read_file(daemon.log());
    EXPECT_EQ(metric_of(port, "tocsin_storage_failing{operation=\"database\"}"), 0);
    EXPECT_EQ(metric_of(port, "tocsin_incident_updates_unsaved"), 0);
    const double db_errors = metric_of(port, "tocsin_storage_errors_total{operation=\"database\"}");
    const double snap_errors = metric_of(port, "tocsin_storage_errors_total{operation=\"snapshot\"}");
    EXPECT_TRUE(daemon.running());
    EXPECT_EQ(daemon.pid(), pid) << "restarted";
    EXPECT_EQ(daemon.ready(), 1);

    // Never a missed watchdog deadline: the daemon was never restartable.
    const auto pings = daemon.pings();
    double max_gap = 0;
    for (std::size_t i = 1; i < pings.size(); ++i) {
        max_gap = std::max(max_gap, std::chrono::duration<double>(pings[i] - pings[i - 1]).count());
    }
    EXPECT_GE(pings.size(), 3u);
    EXPECT_LT(max_gap, std::chrono::duration<double>(k_watchdog).count()) << "a watchdog keep-alive came late";
    const auto tail = std::chrono::duration<double>(std::chrono::steady_clock::now() - pings.back()).count();
    EXPECT_LT(tail, std::chrono::duration<double>(k_watchdog).count()) << "keep-alives stopped";

    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_EQ(tocsin::reliability::integrity_check(db), std::vector<std::string>{"ok"});
    const auto after = incidents(db);
    for (const auto& [id, title] : committed) {
        auto it = after.find(id);
        EXPECT_TRUE(it != after.end() && it->second == title) << "incident " << id << " (" << title << ") lost";
    }
    EXPECT_EQ(tocsin::reliability::query_int(db, "SELECT count(*) FROM incident_events WHERE kind = 'opened'"),
              before + during);
    auto verify = tocsin::test::run_command({TOCSIN_BINARY, "audit", "verify", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    std::size_t end_series = 0, end_ignored = 0;
    EXPECT_EQ(load_copy(snapshot, dir.file("snapshot-end"), &end_series, &end_ignored), "ok");
    EXPECT_EQ(end_ignored, 0u);

    const std::string log = read_file(daemon.log());
    auto lines = [&](const std::string& needle) {
        int n = 0;
        for (std::size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
        return n;
    };
    // Once per change, not once per failed round or snapshot.
    EXPECT_EQ(lines("state storage failing: database"), 1);
    EXPECT_EQ(lines("state storage failing: snapshot"), 1);
    EXPECT_EQ(lines("cannot save rule state and incidents"), 1);
    EXPECT_EQ(lines("state storage: database writes again"), 1);
    std::printf(
        "disk full: seed %llu, tmpfs 8 MiB%s, filler %lld bytes; %d incidents before, %d declared while full; "
        "full for %.1f s; storage alert on Telegram after %.1f s (%d by email), recovery %.1f s after the filler "
        "went; storage errors: database %.0f, snapshot %.0f; snapshot while full: %zu series, %zu torn bytes "
        "ignored; %zu watchdog keep-alives, max gap %.2f s (deadline %.1f s); log lines: 'storage failing' %d, "
        "'works again' %d; probes of the healthy target %.0f -> %.0f while full; whole run %.1f s; %s",
        static_cast<unsigned long long>(seed), tmpfs.how().c_str(), filler, before, during,
        std::chrono::duration<double>(freed_at - filled_at).count(), alert_after, storage_mails, recovered_after,
        db_errors, snap_errors, snap_series, snap_ignored, pings.size(), max_gap,
        std::chrono::duration<double>(k_watchdog).count(), lines("state storage failing"), lines("works again"),
        probes_at_fill, probes_full, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
        verify.output.c_str());
    // What an operator saw in the journal about the storage, and what alice got.
    for (std::size_t at = 0; (at = log.find('\n', at)) != std::string::npos; ++at) {
        const std::string line = log.substr(at + 1, log.find('\n', at + 1) - at - 1);
        if (line.find("storage") != std::string::npos || line.find("saved again") != std::string::npos ||
            line.find("cannot save") != std::string::npos) {
            std::printf("  log: %s\n", line.substr(0, 260).c_str());
        }
    }
    for (const auto& c : tocsin::test::messages_to(tg, 1001)) {
        const std::string text = c.param("text");
        if (text.find("storage") != std::string::npos) std::printf("  telegram:\n%s\n", text.c_str());
    }
}
