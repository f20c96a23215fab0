#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace tocsin::api {

RateLimiter::RateLimiter(std::int64_t per_second, std::int64_t burst, std::size_t max_clients)
    : m_rate(static_cast<double>(std::max<std::int64_t>(per_second, 0))),
      m_burst(static_cast<double>(std::max<std::int64_t>(burst, 1))),
      m_max_clients(std::max<std::size_t>(max_clients, 1)) {}

double RateLimiter::refilled(const Bucket& b, TimePoint now) const {
    // A clock stepping back refills nothing rather than going negative.
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.updated).count());
    return std::min(m_burst, b.tokens + elapsed * m_rate);
}

void RateLimiter::make_room(TimePoint now) {
    std::erase_if(m_buckets, [&](const auto& entry) { return refilled(entry.second, now) >= m_burst; });
    if (m_buckets.size() < m_max_clients) return;
    auto oldest = std::min_element(m_buckets.begin(), m_buckets.end(),
                                   [](const auto& a, const auto& b) { return a.second.updated < b.second.updated; });
    m_buckets.erase(oldest);
}

std::chrono::seconds RateLimiter::admit(std::string_view client, TimePoint now) {
    if (m_rate <= 0) return std::chrono::seconds(0);
    auto it = m_buckets.find(std::string(client));
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= m_max_clients) make_room(now);
        it = m_buckets.emplace(std::string(client), Bucket{m_burst, now}).first;
    }
    Bucket& b = it->second;
    b.tokens = refilled(b, now);
    // Follow the clock even when it steps back: holding on to a later
    // "updated" would refill nothing until the clock caught up, locking the
    // client out while telling it to retry in a second.
    b.updated = now;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return std::chrono::seconds(0);
    }
    const double wait = (1.0 - b.tokens) / m_rate;
    return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait))));
}

std::string_view client_address(std::string_view remote) {
    if (remote.starts_with('[')) {
        const auto close = remote.find(']');
        return close == std::string_view::npos ? remote : remote.substr(1, close - 1);
    }
    const auto colon = remote.rfind(':');
    // One colon: "host:port". More (a bare IPv6 address) or none: as is.
    if (colon != std::string_view::npos && remote.find(':') == colon) return remote.substr(0, colon);
    return remote;
}

}  // namespace tocsin::api
