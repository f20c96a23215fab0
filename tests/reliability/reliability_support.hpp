// Shared pieces of the fault and load suite (docs/reliability.md): the
// seed every scenario draws from (printed, overridable), the short/long
// switch, and read-only looks at the daemon's database.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tocsin/store/database.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::reliability {

// TOCSIN_RELIABILITY_LONG=1 runs the full sizes; CI runs the short ones.
inline bool long_run() {
    const char* v = std::getenv("TOCSIN_RELIABILITY_LONG");
    return v != nullptr && std::string(v) == "1";
}

// A size: the short (CI) one or the long one.
inline int sized(int short_size, int long_size) { return long_run() ? long_size : short_size; }

// TOCSIN_RELIABILITY_SEED=N replays a run; the default is fixed so CI is
// deterministic. Printed by every scenario that draws from it.
inline std::uint64_t seed(const char* scenario) {
    std::uint64_t s = 20260811;
    if (const char* v = std::getenv("TOCSIN_RELIABILITY_SEED"); v != nullptr && *v != '\0') {
        s = std::strtoull(v, nullptr, 10);
    }
    std::printf("[%s] seed %llu (replay with TOCSIN_RELIABILITY_SEED=%llu)%s\n", scenario,
                static_cast<unsigned long long>(s), static_cast<unsigned long long>(s),
                long_run() ? ", long variant" : "");
    std::fflush(stdout);
    return s;
}

// Every row of `PRAGMA integrity_check` on the file opened read-only:
// {"ok"} for a sound database.
inline std::vector<std::string> integrity_check(const std::string& db_path) {
    using namespace std::chrono_literals;
    auto db = tocsin::store::Database::open_read_only(db_path, 5s);
    auto stmt = db.prepare("PRAGMA integrity_check");
    std::vector<std::string> out;
    if (!stmt) return {"prepare failed"};
    while (true) {
        auto row = stmt->step();
        if (!row) return {"step failed"};
        if (!*row) break;
        out.push_back(stmt->column_text(0));
    }
    return out;
}

// One integer from a read-only query (-1 when it fails).
inline std::int64_t query_int(const std::string& db_path, const std::string& sql) {
    using namespace std::chrono_literals;
    auto db = tocsin::store::Database::open_read_only(db_path, 5s);
    auto n = db.query_int64(sql);
    return n ? *n : -1;
}

// The value of the first sample of `series` (exact text up to the value,
// e.g. `tocsin_config_last_reload_successful`) in a /metrics page; -1 when absent.
inline double metric(const std::string& page, const std::string& series) {
    std::size_t at = 0;
    while ((at = page.find(series, at)) != std::string::npos) {
        const bool line_start = at == 0 || page[at - 1] == '\n';
        const std::size_t after = at + series.size();
        if (line_start && after < page.size() && page[after] == ' ') return std::stod(page.substr(after + 1));
        at = after;
    }
    return -1;
}

// VmRSS of a process in KiB (0 when it is gone).
inline long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
}

// A TCP socket listening on 127.0.0.1 at a free port (`port` set), for the
// tests' hand-written servers; `flags` are socket(2) type flags.
inline int listen_loopback(int flags, int backlog, int& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | flags, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, backlog);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    return fd;
}

// The paging scenarios' shared configuration: `targets` probed every second
// at url_of(t), a rule over all of them (one P1 incident per target, paged
// to alice on Telegram and email), the given SMTP port and Bot API, and a
// [paging] section with short retries plus `paging_extra` lines.
inline std::string flapping_targets_config(int targets, const std::function<std::string(int)>& url_of, int smtp_port,
                                           const std::string& telegram_api_url, const std::string& bot_token_file,
                                           const std::string& paging_extra = "") {
    std::string config;
    for (int t = 0; t < targets; ++t) {
        config += "\n[[target]]\nname = \"t" + std::to_string(t) + "\"\nurl = \"" + url_of(t) +
                  "\"\ninterval = \"1s\"\ntimeout = \"1s\"\n";
    }
    config +=
        "\n[[rule]]\nname = \"SvcDown\"\nexpr = 'probe_success == 0'\nfor = \"1s\"\nseverity = \"P1\"\n"
        "title = 'svc {{ $labels.target }} down'\n"
        "\n[severity.P1]\nrank = 0\nauto_resolve_after = \"1h\"\nack_within = \"1h\"\n"
        "channels = [\"telegram\", \"email\"]\n"
        "\n[severity.P2]\nrank = 1\n"
        "\n[incidents]\ndefault_severity = \"P2\"\nsecurity_severity = \"P1\"\ngroup_by = [\"alertname\", \"target\"]\n"
        "\n[[person]]\nname = \"alice\"\nemail = \"alice@example.org\"\ntelegram_chat_id = 1001\n"
        "\n[[schedule]]\nname = \"primary\"\n[[schedule.layer]]\npeople = [\"alice\"]\nstart = \"2026-01-05 09:00\"\n"
        "\n[channel.email]\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(smtp_port) +
        "\nsecurity = \"none\"\ninsecure_local_relay = true\nfrom = \"tocsin@example.org\"\n"
        "\n[channel.telegram]\napi_url = \"" +
        telegram_api_url + "\"\nbot_token_file = \"" + bot_token_file + "\"\npoll_timeout = \"1s\"\n" +
        "\n[paging]\nretry_base = \"200ms\"\nretry_cap = \"1s\"\n" + paging_extra;
    return config;
}

}  // namespace tocsin::reliability
