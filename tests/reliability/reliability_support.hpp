// Shared pieces of the fault and load suite (docs/reliability.md): the
// seed every scenario draws from (printed, overridable), the short/long
// switch, and read-only looks at the daemon's database.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

}  // namespace tocsin::reliability
