// Scenario 4, hostile targets (docs/reliability.md): loopback servers that
// dribble one byte a second (slowloris), stream a 1 GiB body, answer a
// scrape with a gzip bomb, redirect forever, speak garbage instead of TLS,
// and serve a page of many series; tocsin's RSS stays under a bound, the
// hostile checks fail with the documented reasons, and a healthy target
// keeps being probed at its interval all along.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>

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

// A loopback server whose every connection gets `serve(fd, stopping)`:
// for behaviours FakeTarget cannot script (streaming without storing,
// bytes before any request). Stopped and joined by the destructor.
class RawServer {
public:
    using Serve = std::function<void(int fd, const std::atomic<bool>& stopping)>;
    explicit RawServer(Serve serve) : m_serve(std::move(serve)) {
        m_fd = tocsin::reliability::listen_loopback(0, 64, m_port);
        m_accept = std::thread([this] {
            for (;;) {
                const int c = ::accept(m_fd, nullptr, nullptr);
                if (c < 0 || m_stopping) {
                    if (c >= 0) ::close(c);
                    return;
                }
                timeval tv{1, 0};
                ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
                ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                std::lock_guard lock(m_mutex);
                m_threads.emplace_back([this, c] {
                    m_serve(c, m_stopping);
                    ::close(c);
                });
            }
        });
    }
    ~RawServer() {
        m_stopping = true;
        ::shutdown(m_fd, SHUT_RDWR);
        ::close(m_fd);
        m_accept.join();
        std::lock_guard lock(m_mutex);
        for (auto& t : m_threads) t.join();
    }
    int port() const { return m_port; }

private:
    Serve m_serve;
    int m_fd = -1;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::thread m_accept;
    std::mutex m_mutex;
    std::list<std::thread> m_threads;
};

// Reads up to the end of the request's headers (or a timeout).
void read_request(int fd) {
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        got.append(buf, static_cast<std::size_t>(n));
    }
}

// gzip of `zeros` zero bytes, compressed in chunks (never held whole).
std::string gzip_zeros(std::size_t zeros) {
    z_stream zs{};
    deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
    const std::string chunk(1 << 20, '\0');
    std::string out;
    char buf[1 << 16];
    for (std::size_t done = 0; done < zeros;) {
        const std::size_t n = std::min(chunk.size(), zeros - done);
        done += n;
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
        zs.avail_in = static_cast<uInt>(n);
        const int flush = done == zeros ? Z_FINISH : Z_NO_FLUSH;
        do {
            zs.next_out = reinterpret_cast<Bytef*>(buf);
            zs.avail_out = sizeof buf;
            deflate(&zs, flush);
            out.append(buf, sizeof buf - zs.avail_out);
        } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
    return out;
}


}  // namespace

TEST(HostileTargets, LimitsHoldAndTheHealthyTargetIsProbedOnTime) {
    const auto phase = std::chrono::seconds(tocsin::reliability::sized(20, 120));
    const int series = tocsin::reliability::sized(200000, 1000000);
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer's shadow memory and quarantine roughly double the
    // daemon's footprint; the bound is for the daemon as shipped.
    constexpr long k_rss_bound_kib = 1536 * 1024;
#else
    constexpr long k_rss_bound_kib = 512 * 1024;
#endif
    TempDir dir;

    FakeTarget healthy([](const auto&) { return FakeResponse::text(200, "ok\n"); });
    FakeTarget slowloris([](const auto&) {
        FakeResponse r = FakeResponse::text(200, std::string(600, 'x'));
        r.dribble = 1s;
        return r;
    });
    std::atomic<long long> streamed{0};
    RawServer huge([&](int fd, const std::atomic<bool>& stopping) {
        read_request(fd);
        const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1073741824\r\n\r\n";
        ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
        const std::string zeros(1 << 16, '0');
        for (long long sent = 0; sent < (1LL << 30) && !stopping;) {
            const ssize_t n = ::send(fd, zeros.data(), zeros.size(), MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // the client is slow; keep offering
            if (n <= 0) return;
            sent += n;
            streamed += n;
        }
    });
    RawServer tls_garbage([](int fd, const std::atomic<bool>& stopping) {
        const std::string junk = "\x16\x03\x01\x7f\xffthis is not TLS at all\r\n\r\n\x00\x01\x02";
        for (int i = 0; i < 50 && !stopping; ++i) {
            if (::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) <= 0) return;
            std::this_thread::sleep_for(20ms);  // the server's pace, not a wait for tocsin
        }
    });
    FakeTarget redirects([](const tocsin::test::FakeRequest& req) {
        FakeResponse r;
        r.status = 302;
        const long n = req.target.size() > 2 ? std::stol(req.target.substr(2)) : 0;
        r.headers.emplace_back("Location", "/r" + std::to_string(n + 1));
        return r;
    });
    const std::string bomb = gzip_zeros(std::size_t{1} << 30);  // 1 GiB of zeros, ~1 MiB on the wire
    FakeTarget gzip_bomb([&](const auto&) {
        FakeResponse r = FakeResponse::text(200, bomb);
        r.headers.emplace_back("Content-Encoding", "gzip");
        r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
        return r;
    });
    std::string page = "# TYPE many gauge\n";
    for (int i = 0; i < series; ++i) page += "many{i=\"" + std::to_string(i) + "\"} 1\n";
    FakeTarget many([&](const auto&) { return FakeResponse::text(200, page); });

    auto target = [](const std::string& name, const std::string& url, const std::string& interval,
                     const std::string& timeout) {
        return "\n[[target]]\nname = \"" + name + "\"\nurl = \"" + url + "\"\ninterval = \"" + interval +
               "\"\ntimeout = \"" + timeout + "\"\n";
    };
    std::string config = target("healthy", healthy.url("/ok"), "1s", "1s") +
                         target("slowloris", slowloris.url("/"), "3s", "2s") +
                         target("huge", "http://127.0.0.1:" + std::to_string(huge.port()) + "/", "3s", "3s") +
                         target("tls-garbage", "https://127.0.0.1:" + std::to_string(tls_garbage.port()) + "/", "2s",
                                "2s") +
                         target("redirects", redirects.url("/r0"), "2s", "2s") +
                         "\n[[scrape]]\njob = \"bomb\"\nurl = \"" + gzip_bomb.url("/metrics") +
                         "\"\ninterval = \"3s\"\ntimeout = \"3s\"\nbody_size_limit = \"16MiB\"\n"
                         "\n[[scrape]]\njob = \"many\"\nurl = \"" +
                         many.url("/metrics") +
                         "\"\ninterval = \"5s\"\ntimeout = \"5s\"\nsample_limit = 50000\n"
                         "\n[[rule]]\nname = \"Down\"\nexpr = 'probe_success == 0'\nfor = \"1h\"\n";
    DaemonProcess daemon(dir, config);
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    const pid_t pid = daemon.pid();

    const auto started = std::chrono::steady_clock::now();
    const std::size_t probes_before = healthy.requests();
    long max_rss = 0;
    int unhealthy = 0;
    // Sampling the daemon once a second for the phase: a measurement, not a wait for a rule.
    while (std::chrono::steady_clock::now() - started < phase) {
        max_rss = std::max(max_rss, tocsin::reliability::rss_kib(pid));
        unhealthy += tocsin::test::http_get(daemon.port(), "/healthz").status != 200;
        std::this_thread::sleep_for(1s);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::size_t probes = healthy.requests() - probes_before;
    const std::string metrics = tocsin::test::http_get(daemon.port(), "/metrics").body;

    EXPECT_GT(tocsin::reliability::rss_kib(pid), 0) << "tocsin died\n" << read_file(daemon.log());
    EXPECT_LT(max_rss, k_rss_bound_kib) << "RSS peaked at " << max_rss << " KiB";
    EXPECT_EQ(unhealthy, 0) << "/healthz failed during the phase";
    // The healthy target (1 s interval) kept its pace: at least every other slot.
    EXPECT_GE(static_cast<double>(probes), seconds / 2) << probes << " probes in " << seconds << " s";
    auto failures = [&](const std::string& target, const std::string& reason) {
        return tocsin::reliability::metric(
            metrics, "tocsin_probe_failures_total{reason=\"" + reason + "\",target=\"" + target + "\"}");
    };
    // Any failure counted for `target` (whatever the reason).
    auto any_failure = [&](const std::string& target) {
        std::size_t at = 0;
        while ((at = metrics.find("\ntocsin_probe_failures_total{", at)) != std::string::npos) {
            const auto end = metrics.find('\n', at + 1);
            if (metrics.substr(at, end - at).find("target=\"" + target + "\"}") != std::string::npos) return true;
            at = end;
        }
        return false;
    };
    for (const char* t : {"slowloris", "huge", "tls-garbage", "redirects"}) {
        EXPECT_TRUE(any_failure(t)) << t << " never failed\n" << metrics;
    }
    EXPECT_FALSE(any_failure("healthy")) << metrics;
    daemon.stop();
    std::printf(
        "hostile targets: %.0f s; peak RSS %ld KiB (bound %ld); healthy target probed %zu times (interval 1 s); "
        "huge body: %lld bytes streamed to tocsin in all; %d-series page; failures: slowloris timeout %.0f, huge "
        "body_too_large %.0f / timeout %.0f, tls %.0f, redirect_limit %.0f\n",
        seconds, max_rss, k_rss_bound_kib, probes, streamed.load(), series, failures("slowloris", "timeout"),
        failures("huge", "body_too_large"), failures("huge", "timeout"), failures("tls-garbage", "tls"),
        failures("redirects", "redirect_limit"));
    // What the scrapes said (logged once per state change): each limit held.
    const std::string log = read_file(daemon.log());
    EXPECT_NE(log.find("sample_limit of 50000 exceeded"), std::string::npos) << log;
    EXPECT_NE(log.find("exceeded after decompression"), std::string::npos) << log;
    for (std::size_t at = log.find(" scrape "); at != std::string::npos; at = log.find(" scrape ", at + 1)) {
        std::printf("  log:%s\n", log.substr(at, std::min<std::size_t>(log.find('\n', at) - at, 200)).c_str());
    }
}
