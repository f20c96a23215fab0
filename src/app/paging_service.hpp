// Paging in the daemon: the channels ([channel.*]), the outbox dispatcher
// that drains what the paging runner queued, the Telegram updates poller
// whose button presses become acknowledgements, resolutions and
// escalations, and the audit events about each page (page_sent,
// page_failed). Everything runs on the daemon's io_context thread; Asio
// stays in the .cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

namespace boost::asio {
class io_context;
}
namespace tocsin::store {
class Database;
}
namespace tocsin::notify {
struct Notification;
}

namespace tocsin::app {

class RuleRunner;
class PagingRunner;
class SelfMetrics;

class PagingService {
public:
    // `dispatcher_seed` fixes the retry jitter's RNG (tests replaying a
    // scenario); nullopt, as in the daemon: random.
    PagingService(boost::asio::io_context& io, store::Database& db, const Clock& clock, SelfMetrics* metrics,
                  std::optional<std::uint64_t> dispatcher_seed = std::nullopt);
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
    // The clock moved without the timers seeing it (they wait on steady
    // time; a test's ManualClock jumps): drain the outbox, judge the
    // channels' health and run the paging cadences due now, as the timers
    // would have. The daemon never needs it. On the io_context's thread.
    void clock_moved();

    PagingRunner* runner();

    // tocsin's notices about itself that cannot wait for the outbox (its
    // state storage failing, app/storage_alarm.hpp): straight through the
    // channels, nothing written to SQLite, to whoever the first escalation
    // level of the failing-channel tier (paging.channel_failure_severity,
    // else incidents.security_severity) reaches now. Each destination is
    // retried on its own with the [paging] retry policy. Returns how many
    // destinations it goes to (0: nobody is reachable).
    std::size_t notify_operators(const notify::Notification& notification);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tocsin::app
