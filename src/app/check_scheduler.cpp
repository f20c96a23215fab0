#include "check_scheduler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>

namespace tocsin::app {

namespace asio = boost::asio;

struct Entry {
    Entry(asio::io_context& io, ScheduledCheck c) : check(std::move(c)), schedule(check.key, check.interval), timer(io) {}
    ScheduledCheck check;
    IntervalSchedule schedule;
    asio::steady_timer timer;
    TimePoint slot{};       // the slot the pending or current run belongs to
    bool running = false;
    bool queued = false;
    bool removed = false;
};

struct CheckScheduler::Impl : std::enable_shared_from_this<CheckScheduler::Impl> {
    Impl(asio::io_context& io, const Clock& clock, std::size_t max, SchedulerObserver observer)
        : io(io), clock(clock), max_concurrent(max), observer(std::move(observer)) {}

    asio::io_context& io;
    const Clock& clock;
    std::size_t max_concurrent;
    SchedulerObserver observer;
    std::map<std::string, std::shared_ptr<Entry>> entries;
    std::deque<std::shared_ptr<Entry>> waiting;  // due, but no concurrency slot free
    std::size_t running = 0;
    bool stopped = false;

    void arm(const std::shared_ptr<Entry>& e) {
        if (stopped || e->removed) return;
        TimePoint now = clock.now();
        TimePoint next = e->schedule.next_after(now);
        e->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(next - now));
        e->timer.async_wait([self = shared_from_this(), e, next](const boost::system::error_code& ec) {
            if (ec || self->stopped || e->removed) return;
            self->due(e, next);
            self->arm(e);
        });
    }

    void due(const std::shared_ptr<Entry>& e, TimePoint slot) {
        if (e->running || e->queued) {
            if (observer.skipped) observer.skipped(e->check.key);
            return;
        }
        e->slot = slot;
        if (running >= max_concurrent) {
            e->queued = true;
            waiting.push_back(e);
            return;
        }
        start(e);
    }

    void start(const std::shared_ptr<Entry>& e) {
        e->running = true;
        ++running;
        if (observer.started) {
            double late = std::chrono::duration<double>(clock.now() - e->slot).count();
            observer.started(e->check.key, late < 0 ? 0 : late);
        }
        auto finished = std::make_shared<bool>(false);
        e->check.run([self = shared_from_this(), e, finished] {
            if (*finished) return;  // tolerate a double call rather than corrupt the count
            *finished = true;
            e->running = false;
            --self->running;
            self->drain();
        });
    }

    void drain() {
        while (!stopped && running < max_concurrent && !waiting.empty()) {
            auto e = waiting.front();
            waiting.pop_front();
            e->queued = false;
            if (!e->removed) start(e);
        }
    }
};

bool SkipDigest::note(const std::string& key, Time now) {
    if (!m_last_line || now - *m_last_line >= m_period) {
        if (m_ticks == 0) {
            m_last_line = now;
            return true;
        }
    }
    ++m_ticks;
    if (m_checks.insert(key).second && m_examples.size() < 3) m_examples.push_back(key);
    return false;
}

std::optional<SkipDigest::Summary> SkipDigest::flush(Time now) {
    if (m_ticks == 0 || (m_last_line && now - *m_last_line < m_period)) return std::nullopt;
    Summary out{m_ticks, m_checks.size(), std::move(m_examples)};
    m_last_line = now;
    m_ticks = 0;
    m_checks.clear();
    m_examples.clear();
    return out;
}

std::optional<SkipDigest::Time> SkipDigest::next_flush() const {
    if (m_ticks == 0) return std::nullopt;
    return m_last_line ? *m_last_line + m_period : Time{};
}

CheckScheduler::CheckScheduler(asio::io_context& io, const Clock& clock, std::size_t max_concurrent,
                               SchedulerObserver observer)
    : m_impl(std::make_shared<Impl>(io, clock, max_concurrent, std::move(observer))) {}

CheckScheduler::~CheckScheduler() { stop(); }

void CheckScheduler::set_checks(std::vector<ScheduledCheck> checks) {
    auto& impl = *m_impl;
    std::map<std::string, std::shared_ptr<Entry>> next;
    for (auto& check : checks) {
        auto key = check.key;
        auto it = impl.entries.find(key);
        auto entry = std::make_shared<Entry>(impl.io, std::move(check));
        if (it != impl.entries.end()) {
            // Same key: the new definition takes over; a run in flight counts.
            entry->running = it->second->running;
            it->second->removed = true;
            it->second->timer.cancel();
        }
        next.emplace(key, entry);
    }
    for (auto& [key, old] : impl.entries) {
        if (!next.contains(key)) {
            old->removed = true;
            old->timer.cancel();
        }
    }
    impl.entries = std::move(next);
    for (auto& [key, e] : impl.entries) impl.arm(e);
}

void CheckScheduler::set_max_concurrent(std::size_t max_concurrent) {
    m_impl->max_concurrent = max_concurrent == 0 ? 1 : max_concurrent;
    m_impl->drain();
}

void CheckScheduler::stop() {
    m_impl->stopped = true;
    for (auto& [key, e] : m_impl->entries) e->timer.cancel();
    m_impl->waiting.clear();
}

std::size_t CheckScheduler::in_flight() const { return m_impl->running; }
std::size_t CheckScheduler::queued() const { return m_impl->waiting.size(); }

}  // namespace tocsin::app
