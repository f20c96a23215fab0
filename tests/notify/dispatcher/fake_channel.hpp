// A channel whose outcomes a test scripts: it records every delivery (with
// the ManualClock's time) and answers from its script (sent, with remote id
// "<name>-<n>", once the script is empty), either at once, inside
// deliver(), or later, when the test releases held deliveries.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/notify/channel.hpp"

namespace tocsin::notify::testing {

struct Delivery {
    std::string recipient;
    Notification notification;
    TimePoint at;
};

class FakeChannel final : public Channel {
public:
    FakeChannel(std::string name, const Clock& clock) : m_name(std::move(name)), m_clock(clock) {}

    const std::string& name() const override { return m_name; }

    void deliver(const std::string& recipient, const Notification& notification,
                 std::function<void(DeliveryResult)> done) override {
        deliveries.push_back(Delivery{recipient, notification, m_clock.now()});
        DeliveryResult result;
        if (script.empty()) {
            result.outcome = DeliveryOutcome::sent;
            result.remote_id = m_name + "-" + std::to_string(deliveries.size());
        } else {
            result = script.front();
            script.pop_front();
        }
        if (hold) {
            held.push_back([done = std::move(done), result] { done(result); });
        } else {
            done(std::move(result));
        }
    }

    // Finishes the oldest held delivery; false when none is held.
    bool release_one() {
        if (held.empty()) return false;
        auto next = std::move(held.front());
        held.pop_front();
        next();
        return true;
    }

    static DeliveryResult retry(std::string detail, std::optional<Duration> retry_after = std::nullopt) {
        DeliveryResult r;
        r.outcome = DeliveryOutcome::retry;
        r.detail = std::move(detail);
        r.retry_after = retry_after;
        return r;
    }
    static DeliveryResult sent(std::string remote_id) {
        DeliveryResult r;
        r.outcome = DeliveryOutcome::sent;
        r.remote_id = std::move(remote_id);
        return r;
    }
    static DeliveryResult permanent(std::string detail) {
        DeliveryResult r;
        r.outcome = DeliveryOutcome::permanent;
        r.detail = std::move(detail);
        return r;
    }

    std::deque<DeliveryResult> script;
    std::vector<Delivery> deliveries;
    bool hold = false;
    std::deque<std::function<void()>> held;

private:
    std::string m_name;
    const Clock& m_clock;
};

}  // namespace tocsin::notify::testing
