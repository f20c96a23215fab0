// Per-client request budget: a token bucket per address that holds `burst`
// requests and refills at `per_second`. Private to the api module; pure
// (time is a parameter) so tests need no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tocsin/core/clock.hpp"

namespace tocsin::api {

class RateLimiter {
public:
    // per_second 0: no limit. At most `max_clients` addresses are tracked;
    // beyond that, idle (full) buckets are forgotten first, then the
    // longest-unused one.
    RateLimiter(std::int64_t per_second, std::int64_t burst, std::size_t max_clients = 4096);

    // Zero when the request may go ahead (its cost is taken); else how long
    // until one request's worth has refilled, rounded up to a second.
    std::chrono::seconds admit(std::string_view client, TimePoint now);

    std::size_t tracked() const { return m_buckets.size(); }

private:
    struct Bucket {
        double tokens = 0;
        TimePoint updated{};
    };
    void make_room(TimePoint now);
    double refilled(const Bucket& b, TimePoint now) const;

    double m_rate;
    double m_burst;
    std::size_t m_max_clients;
    std::unordered_map<std::string, Bucket> m_buckets;
};

// The address part of "1.2.3.4:5678" or "[::1]:5678" (HttpRequest::remote).
std::string_view client_address(std::string_view remote);

}  // namespace tocsin::api
