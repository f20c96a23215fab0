// Paging in the daemon: the channels ([channel.*]), the outbox dispatcher
// that drains what the paging runner queued, the Telegram updates poller
// whose button presses become acknowledgements, resolutions and
// escalations, and the audit events about each page (page_sent,
// page_failed). Everything runs on the daemon's io_context thread; Asio
// stays in the .cpp.
#pragma once

#include <memory>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

namespace boost::asio {
class io_context;
}
namespace tocsin::store {
class Database;
}

namespace tocsin::app {

class RuleRunner;
class PagingRunner;
class SelfMetrics;

class PagingService {
public:
    PagingService(boost::asio::io_context& io, store::Database& db, const Clock& clock, SelfMetrics* metrics);
    ~PagingService();
    PagingService(const PagingService&) = delete;
    PagingService& operator=(const PagingService&) = delete;

    // Builds the channels and the policy, hands the paging runner to
    // `rules` (after its install_incidents), recovers rows a crash left
    // 'sending' and starts the dispatcher and the poller. An error (a
    // channel that cannot be built, e.g. an unreadable CA file) stops the
    // start-up: a daemon that cannot page must not look healthy.
    Status start(const config::Config& config, RuleRunner& rules);
    // A reloaded configuration: the policy (tiers, schedules, people) follows
    // it; channel settings take effect on restart (a warning says so).
    void reconfigure(const config::Config& config);
    // Stops the dispatcher and the poller (deliveries in flight finish).
    void stop();

    PagingRunner* runner();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tocsin::app
