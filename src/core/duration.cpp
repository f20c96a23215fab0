#include "tocsin/core/duration.hpp"

#include <ctime>

#include <array>
#include <cstdint>
#include <limits>


namespace tocsin {
namespace {

struct Unit {
    std::string_view suffix;
    std::int64_t millis;
};

// Ordered from largest to smallest; "ms" precedes "m" only in matching.
constexpr std::array<Unit, 6> k_units{{
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    std::size_t next_unit = 0;  // index of the smallest unit still allowed
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        std::int64_t amount = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (amount > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
            amount = amount * 10 + (text[i] - '0');
            ++i;
        }
        std::size_t end = i;
        while (end < text.size() && (text[end] < '0' || text[end] > '9')) ++end;
        std::string_view suffix = text.substr(i, end - i);
        std::size_t found = k_units.size();
        for (std::size_t u = next_unit; u < k_units.size(); ++u) {
            if (k_units[u].suffix == suffix) {
                found = u;
                break;
            }
        }
        if (found == k_units.size()) return std::nullopt;
        if (amount > (std::numeric_limits<std::int64_t>::max() - total) / k_units[found].millis) {
            return std::nullopt;
        }
        total += amount * k_units[found].millis;
        next_unit = found + 1;
        i = end;
    }
    return Duration{total};
}

std::string format_duration(Duration d) {
    std::int64_t ms = d.count();
    if (ms == 0) return "0s";
    std::string out;
    if (ms < 0) {
        out = "-";
        ms = -ms;
    }
    for (const auto& unit : k_units) {
        if (ms >= unit.millis) {
            out += std::to_string(ms / unit.millis);
            out += unit.suffix;
            ms %= unit.millis;
        }
    }
    return out;
}


std::string format_utc_time(TimePoint t) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
    std::time_t tt = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

}  // namespace tocsin
