#include "paging_service.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "email_channel.hpp"
#include "paging_runner.hpp"
#include "rule_runner.hpp"
#include "self_metrics.hpp"
#include "telegram_channel.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/incident/incident_manager.hpp"
#include "tocsin/net/http_client.hpp"
#include "tocsin/notify/console/console_channel.hpp"
#include "tocsin/notify/dispatcher.hpp"
#include "tocsin/notify/telegram/updates_poller.hpp"
#include "tocsin/notify/webhook/webhook_channel.hpp"
#include "tocsin/paging/paging_policy.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/outbox_repository.hpp"
#include "tocsin/store/paging_repository.hpp"

namespace tocsin::app {

namespace asio = boost::asio;
namespace tg = notify::telegram;

namespace {

constexpr const char* k_offset_key = "telegram.update_offset";

net::TlsOptions tls_options(const config::TlsConfig& t) {
    return net::TlsOptions{t.ca_file, t.cert_file, t.key_file, t.server_name, t.insecure_skip_verify};
}

Result<std::unique_ptr<notify::Channel>> email_channel(asio::io_context& io, const config::EmailChannelConfig& c,
                                                       const Clock& clock) {
    notify::email::SmtpClientOptions o;
    o.host = c.host;
    o.port = c.port;
    o.security = c.security == "tls"    ? notify::email::SmtpSecurity::implicit_tls
                 : c.security == "none" ? notify::email::SmtpSecurity::none
                                        : notify::email::SmtpSecurity::starttls;
    o.insecure_local_relay = c.insecure_local_relay;
    o.tls = tls_options(c.tls);
    o.username = c.username;
    if (c.password) o.password = *c.password;
    o.auth_mechanism = c.auth == "plain"   ? notify::email::SmtpAuthMechanism::plain
                       : c.auth == "login" ? notify::email::SmtpAuthMechanism::login
                                           : notify::email::SmtpAuthMechanism::automatic;
    o.allow_plain_auth_without_tls = c.allow_plain_auth_without_tls;
    o.helo_name = c.helo_name;
    o.connect_timeout = c.connect_timeout;
    o.command_timeout = c.command_timeout;
    o.send_timeout = c.send_timeout;
    auto client = notify::email::SmtpClient::create(io, std::move(o));
    if (!client) return client.error();
    notify::email::EmailChannelOptions eo;
    eo.from = notify::email::Mailbox{c.from_name.empty() ? "tocsin" : c.from_name, c.from};
    return std::unique_ptr<notify::Channel>(
        std::make_unique<notify::email::EmailChannel>(std::move(*client), std::move(eo), clock));
}

tg::TelegramOptions telegram_options(const config::TelegramChannelConfig& c) {
    tg::TelegramOptions o;
    o.api_url = c.api_url;
    if (c.bot_token) o.bot_token = *c.bot_token;
    o.tls = tls_options(c.tls);
    o.request_timeout = c.request_timeout;
    return o;
}

// The button key: its own secret when configured, else the bot token (a
// secret already, and only the bot's holder can forge a press with it).
Result<tg::CallbackSigner> callback_signer(const config::TelegramChannelConfig& c) {
    if (c.callback_key) return tg::CallbackSigner::create(*c.callback_key);
    if (!c.bot_token) return Error::make(ErrorCategory::invalid_argument, "channel.telegram: no bot_token");
    return tg::CallbackSigner::create(*c.bot_token);
}

}  // namespace

// One channel's delivery health: failing since its first failed attempt
// after the last delivery; the incident declared about it, if any.
struct ChannelHealth {
    std::optional<TimePoint> failing_since;
    std::string last_error;
    std::optional<std::int64_t> incident;
};

std::string failing_title(const std::string& channel) { return "Paging channel " + channel + " failing"; }

struct PagingService::Impl {
    Impl(asio::io_context& io_, store::Database& db_, const Clock& clock_, SelfMetrics* metrics_,
         std::optional<std::uint64_t> dispatcher_seed_)
        : io(io_), db(db_), clock(clock_), metrics(metrics_), dispatcher_seed(dispatcher_seed_), timer(io_),
          health_timer(io_), heartbeat_timer(io_) {}

    asio::io_context& io;
    store::Database& db;
    const Clock& clock;
    SelfMetrics* metrics;
    std::optional<std::uint64_t> dispatcher_seed;
    asio::steady_timer timer;  // the next paging deadline
    asio::steady_timer health_timer;     // when a failing channel becomes an incident
    asio::steady_timer heartbeat_timer;  // the dead man's switch
    RuleRunner* rules = nullptr;
    config::ChannelsConfig channels;
    config::PagingConfig paging_config;
    std::string security_severity;  // the default tier of a failing channel's incident
    config::HeartbeatConfig heartbeat;
    std::optional<net::TlsClientContext> heartbeat_tls;
    std::map<std::string, ChannelHealth> health;
    bool health_check_posted = false;
    std::unique_ptr<PagingRunner> runner;
    std::unique_ptr<notify::Dispatcher> dispatcher;
    std::unique_ptr<tg::UpdatesPoller> poller;
    bool stopped = false;

    Status build_channels(const config::Config& config, std::set<std::string>& names);
    Status start_poller(const config::Config& config);
    void record(const notify::AttemptReport& report);
    tg::ActionReply on_action(const tg::ActionRequest& request);
    void arm();
    void note_outcome(const std::string& channel, bool delivered, const std::string& detail);
    void check_channels();
    void arm_health();
    void beat();
    void send_direct(const notify::Destination& to, const notify::Notification& n, int attempt);
    // Expires with this object: notify_operators' retries stop with it.
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

// Runs inside the dispatcher's transaction: only notes the outcome; the
// incident about a failing channel is declared or resolved afterwards, in
// its own transaction.
void PagingService::Impl::note_outcome(const std::string& channel, bool delivered, const std::string& detail) {
    auto& h = health[channel];
    if (delivered) {
        h.failing_since.reset();
        if (!h.incident) return;
    } else {
        if (!h.failing_since) h.failing_since = clock.now();
        h.last_error = detail;
    }
    if (!health_check_posted) {
        health_check_posted = true;
        asio::post(io, [this] {
            health_check_posted = false;
            if (!stopped) check_channels();
        });
    }
}

// A channel failing for channel_failure_after gets an incident (paged
// through the channels that still work, by fallback); its first delivery
// afterwards resolves it.
void PagingService::Impl::check_channels() {
    if (rules == nullptr || rules->incidents() == nullptr) return;
    auto* manager = rules->incidents();
    const TimePoint now = clock.now();
    const incident::Actor actor{"tocsin", "paging"};
    for (auto& [channel, h] : health) {
        if (h.incident) {
            const auto* inc = manager->find(*h.incident);
            if (inc == nullptr || !inc->open()) {
                h.incident.reset();
            } else if (!h.failing_since) {
                auto u = manager->set_state(*h.incident, incident::IncidentState::resolved, actor,
                                            "deliveries through " + channel + " work again", now, true);
                if (u && rules->commit_incident_updates({std::move(*u)}, now)) {
                    spdlog::info("paging channel {} delivers again; incident {} resolved", channel, *h.incident);
                    h.incident.reset();
                }
                continue;
            }
        }
        if (h.incident || !h.failing_since || now - *h.failing_since < paging_config.channel_failure_after) continue;
        // An incident about this channel may still be open from before a restart.
        for (const auto& inc : manager->open_incidents()) {
            if (inc.manual && inc.title == failing_title(channel)) h.incident = inc.id;
        }
        if (h.incident) continue;
        if (runner) {
            // Its own pages already go through the other channels.
            auto unhealthy = runner->policy().unhealthy();
            unhealthy.insert(channel);
            runner->set_unhealthy(std::move(unhealthy));
        }
        incident::ManualDeclaration d;
        d.title = failing_title(channel);
        d.components = {"tocsin"};
        d.severity = paging_config.channel_failure_severity.empty() ? security_severity
                                                                    : paging_config.channel_failure_severity;
        d.description = "No page was delivered through " + channel + " since " +
                        format_duration(std::chrono::duration_cast<Duration>(now - *h.failing_since)) +
                        " ago. Last error: " + h.last_error + ". Pages fall back to the other channels.";
        d.reporter = actor;
        d.impact_started = *h.failing_since;
        auto u = manager->declare(d, now);
        if (!u) {
            spdlog::error("cannot declare the incident about channel {}: {}", channel, u.error().message);
            continue;
        }
        const auto id = u->incident.id;
        if (rules->commit_incident_updates({std::move(*u)}, now)) {
            h.incident = id;
            spdlog::error("paging channel {} failing for {}: incident {} declared", channel,
                          format_duration(std::chrono::duration_cast<Duration>(now - *h.failing_since)), id);
        }
    }
    if (runner) {
        std::set<std::string> unhealthy;
        for (const auto& [channel, h] : health) {
            if (h.incident) unhealthy.insert(channel);
        }
        runner->set_unhealthy(std::move(unhealthy));
    }
    arm_health();
}

void PagingService::Impl::arm_health() {
    std::optional<TimePoint> due;
    for (const auto& [channel, h] : health) {
        if (h.failing_since && !h.incident) {
            TimePoint t = *h.failing_since + paging_config.channel_failure_after;
            if (!due || t < *due) due = t;
        }
    }
    health_timer.cancel();
    if (!due || stopped) return;
    const TimePoint now = clock.now();
    health_timer.expires_after(*due > now ? std::chrono::duration_cast<Duration>(*due - now) : Duration::zero());
    health_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped) return;
        check_channels();
    });
}

// The dead man's switch: a GET to the heartbeat URL every interval while
// the daemon runs; a failure is logged (the monitor on the other side is
// what pages when the beats stop).
void PagingService::Impl::beat() {
    if (stopped || heartbeat.url.empty()) return;
    net::HttpClientRequest req;
    req.url = heartbeat.url;
    req.total_timeout = heartbeat.timeout;
    req.connect_timeout = std::min(heartbeat.timeout, Duration(std::chrono::seconds(5)));
    req.tls_timeout = req.connect_timeout;
    req.max_redirects = 3;
    req.max_body_bytes = 64 << 10;
    req.tls = heartbeat_tls;
    net::http_fetch(io, std::move(req), [this](net::HttpClientResult r) {
        if (stopped) return;
        if (!r.ok() || r.status < 200 || r.status >= 300) {
            spdlog::warn("heartbeat failed: {}", r.ok() ? "HTTP " + std::to_string(r.status) : r.detail);
        } else {
            spdlog::debug("heartbeat sent");
        }
        if (metrics) metrics->heartbeat(r.ok() && r.status >= 200 && r.status < 300);
        heartbeat_timer.expires_after(heartbeat.interval);
        heartbeat_timer.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) beat();
        });
    });
}

void PagingService::Impl::arm() {
    if (stopped || runner == nullptr) return;
    timer.cancel();
    auto due = runner->next_deadline();
    if (!due) return;
    const TimePoint now = clock.now();
    // A round that could not be saved is retried a second later, not in a loop.
    Duration wait = *due > now ? std::chrono::duration_cast<Duration>(*due - now) : Duration::zero();
    if (runner->due(now)) wait = std::max(wait, Duration(std::chrono::seconds(1)));
    timer.expires_after(wait);
    timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped) return;
        if (rules) rules->run_paging(clock.now());
        arm();
    });
}

Status PagingService::Impl::build_channels(const config::Config& config, std::set<std::string>& names) {
    notify::DispatcherOptions options;
    options.retry = notify::RetryPolicy{config.paging.retry_base, config.paging.retry_cap, config.paging.max_attempts};
    options.max_in_flight = config.paging.max_in_flight;
    options.digest_after = config.paging.digest_after;
    options.seed = dispatcher_seed;
    options.fallback = [this](const notify::Destination& failed) -> std::optional<notify::Destination> {
        if (!runner) return std::nullopt;
        auto d = runner->policy().fallback(failed.channel, failed.recipient);
        if (!d) return std::nullopt;
        return notify::Destination{d->channel, d->recipient};
    };
    options.on_result = [this](const notify::AttemptReport& report) { record(report); };
    dispatcher = std::make_unique<notify::Dispatcher>(io, db, clock, std::move(options));

    if (config.channels.email) {
        auto ch = email_channel(io, *config.channels.email, clock);
        if (!ch) return Error::make(ch.error().category, "channel.email: " + ch.error().message);
        if (auto ok = dispatcher->add_channel(std::move(*ch)); !ok) return ok;
        names.insert("email");
    }
    if (config.channels.telegram) {
        auto client = tg::TelegramClient::create(io, telegram_options(*config.channels.telegram));
        if (!client) return Error::make(client.error().category, "channel.telegram: " + client.error().message);
        tg::TelegramChannelOptions to;
        auto signer = callback_signer(*config.channels.telegram);
        if (!signer) return Error::make(signer.error().category, "channel.telegram: " + signer.error().message);
        to.signer = std::move(*signer);
        auto ch = std::make_unique<tg::TelegramChannel>(std::move(*client), std::move(to));
        if (auto ok = dispatcher->add_channel(std::move(ch), notify::telegram_limits()); !ok) return ok;
        names.insert("telegram");
    }
    if (config.channels.console) {
        auto ch = std::make_unique<notify::console::ConsoleChannel>(config.channels.console->path, clock);
        if (auto ok = dispatcher->add_channel(std::move(ch)); !ok) return ok;
        names.insert("console");
    }
    if (config.channels.webhook) {
        auto ch = notify::webhook::WebhookChannel::create(io, *config.channels.webhook, clock);
        if (!ch) return Error::make(ch.error().category, "channel.webhook: " + ch.error().message);
        if (auto ok = dispatcher->add_channel(std::move(*ch)); !ok) return ok;
        names.insert("webhook");
    }
    return Ok{};
}

Status PagingService::Impl::start_poller(const config::Config& config) {
    const auto& c = *config.channels.telegram;
    auto client = tg::TelegramClient::create(io, telegram_options(c));
    if (!client) return Error::make(client.error().category, "channel.telegram: " + client.error().message);
    auto signer = callback_signer(c);
    if (!signer) return Error::make(signer.error().category, "channel.telegram: " + signer.error().message);
    tg::PollerOptions po;
    po.allowed_chat_ids = c.allowed_chat_ids;
    po.allowed_user_ids = c.allowed_user_ids;
    if (po.allowed_chat_ids.empty()) {
        for (const auto& p : config.people) {
            if (p.telegram_chat_id) po.allowed_chat_ids.push_back(*p.telegram_chat_id);
        }
    }
    if (po.allowed_user_ids.empty()) {
        // A private chat's id is its user's id: people act from their own chats.
        for (const auto& p : config.people) {
            if (p.telegram_chat_id && *p.telegram_chat_id > 0) po.allowed_user_ids.push_back(*p.telegram_chat_id);
        }
    }
    po.poll_timeout = c.poll_timeout;
    auto stored = store::PagingRepository(db).get_setting(k_offset_key);
    if (!stored) return stored.error();
    if (*stored) {
        try {
            po.initial_offset = std::stoll(**stored);
        } catch (const std::exception&) {
            spdlog::warn("stored Telegram update offset {:?} unreadable; starting from Telegram's", **stored);
        }
    }
    poller = std::make_unique<tg::UpdatesPoller>(
        io, std::move(*client), std::move(*signer), std::move(po),
        [this](const tg::ActionRequest& r) { return on_action(r); }, nullptr,
        [this](std::int64_t offset) {
            // After the action committed: a crash in between applies the
            // press again, which an acknowledged incident shrugs off.
            if (auto ok = store::PagingRepository(db).set_setting(k_offset_key, std::to_string(offset)); !ok) {
                spdlog::warn("cannot store the Telegram update offset: {}", ok.error().message);
            }
        });
    poller->start();
    return Ok{};
}

// Runs inside the dispatcher's transaction: the audit trail says what was
// delivered and what failed for good (retries are counted, not recorded).
void PagingService::Impl::record(const notify::AttemptReport& report) {
    const auto& row = report.row;
    const bool sent = row.state == store::OutboxState::sent;
    const bool failed = row.state == store::OutboxState::failed;
    if (metrics) metrics->page_attempt(row.channel, store::to_string(row.state));
    note_outcome(row.channel, sent, report.result.detail);
    if (row.incident_id == 0 || (!sent && !failed)) return;
    std::string who = row.recipient;
    if (runner) {
        if (auto p = runner->policy().person_for(row.channel, row.recipient)) who = *p;
    }
    incident::IncidentEvent ev;
    ev.incident_id = row.incident_id;
    ev.at = clock.now();
    ev.kind = sent ? incident::EventKind::page_sent : incident::EventKind::page_failed;
    ev.actor = incident::Actor{"tocsin", "paging"};
    ev.message = (sent ? "sent to " : "gave up on ") + who + " via " + row.channel;
    if (failed) {
        ev.message += ": " + report.result.detail;
        if (report.fallback) ev.message += "; trying " + report.fallback->channel;
        spdlog::error("incident {}: page to {} via {} failed: {}", row.incident_id, who, row.channel,
                      report.result.detail);
    }
    ev.detail = row.idempotency_key;
    auto saved = store::IncidentRepository(db).append_events({ev});
    if (!saved) spdlog::warn("cannot record page outcome for incident {}: {}", row.incident_id, saved.error().message);
}

tg::ActionReply PagingService::Impl::on_action(const tg::ActionRequest& r) {
    if (rules == nullptr || rules->incidents() == nullptr) return {"tocsin is starting; try again.", false};
    incident::Actor actor{r.from.display_name(), "telegram"};
    if (runner) {
        if (auto p = runner->policy().person_for("telegram", std::to_string(r.from.id))) actor.name = *p;
    }
    const TimePoint now = clock.now();
    const auto id = r.action.incident_id;
    auto* manager = rules->incidents();
    switch (r.action.action) {
        case tg::IncidentAction::acknowledge: {
            auto u = manager->acknowledge(id, actor, now);
            if (!u) return {u.error().message, false};
            if (!rules->commit_incident_updates({std::move(*u)}, now)) return {"Saved later: the database is busy.", false};
            spdlog::info("incident {} acknowledged by {} via Telegram", id, actor.name);
            return {"Acknowledged #" + std::to_string(id) + ". Escalation stopped.", false};
        }
        case tg::IncidentAction::resolve: {
            auto u = manager->set_state(id, incident::IncidentState::resolved, actor, "resolved from Telegram", now);
            if (!u) return {u.error().message, false};
            if (!rules->commit_incident_updates({std::move(*u)}, now)) return {"Saved later: the database is busy.", false};
            spdlog::info("incident {} resolved by {} via Telegram", id, actor.name);
            return {"Resolved #" + std::to_string(id) + ".", true};
        }
        case tg::IncidentAction::acknowledge_all: {
            // The digest's lead row names every incident it listed.
            auto rows = store::OutboxRepository(db).digest_rows(id);
            if (!rows) return {"Cannot read the digest now; try again.", false};
            std::set<std::int64_t> seen;
            std::vector<incident::IncidentUpdate> updates;
            const std::string chat = std::to_string(r.chat_id);
            for (const auto& row : *rows) {
                // Only a digest sent to the chat the button is in.
                if (row.channel != "telegram" || row.recipient != chat) continue;
                if (row.incident_id == 0 || !seen.insert(row.incident_id).second) continue;
                auto u = manager->acknowledge(row.incident_id, actor, now);
                if (u) updates.push_back(std::move(*u));  // already acknowledged or resolved: skipped
            }
            const auto n = updates.size();
            if (n > 0 && !rules->commit_incident_updates(std::move(updates), now)) {
                return {"Saved later: the database is busy.", false};
            }
            spdlog::info("{} incident(s) of digest {} acknowledged by {} via Telegram", n, id, actor.name);
            return {"Acknowledged " + std::to_string(n) + " of " + std::to_string(seen.size()) + " incident(s).", false};
        }
        case tg::IncidentAction::escalate: {
            auto ok = rules->escalate(id, actor, now);
            if (!ok) return {ok.error().message, false};
            spdlog::info("incident {} escalated by {} via Telegram", id, actor.name);
            return {"Escalated #" + std::to_string(id) + ": the next level is paged.", false};
        }
    }
    return {"Unknown action.", false};
}

PagingService::PagingService(asio::io_context& io, store::Database& db, const Clock& clock, SelfMetrics* metrics,
                             std::optional<std::uint64_t> dispatcher_seed)
    : m_impl(std::make_unique<Impl>(io, db, clock, metrics, dispatcher_seed)) {}

PagingService::~PagingService() { stop(); }

Status PagingService::start(const config::Config& config, RuleRunner& rules) {
    auto& m = *m_impl;
    m.rules = &rules;
    m.channels = config.channels;
    m.paging_config = config.paging;
    m.security_severity = config.incidents.security_severity;
    m.heartbeat = config.heartbeat;
    std::set<std::string> names;
    if (auto ok = m.build_channels(config, names); !ok) return ok;
    auto policy = paging::PagingPolicy::make(config, names);
    if (!policy) return policy.error();
    m.runner = std::make_unique<PagingRunner>(std::move(*policy));
    if (auto ok = m.runner->load(m.db); !ok) return ok;
    m.runner->on_queued = [&m] {
        if (m.dispatcher) m.dispatcher->poke();
    };
    m.runner->on_committed = [&m] { m.arm(); };
    rules.set_paging(m.runner.get());

    auto recovered = m.dispatcher->start();
    if (!recovered) return recovered.error();
    if (*recovered > 0) spdlog::warn("{} page(s) interrupted by a crash will be sent again", *recovered);
    if (config.channels.telegram && config.channels.telegram->poll_updates) {
        if (auto ok = m.start_poller(config); !ok) return ok;
    }
    if (names.empty()) {
        spdlog::warn("no [channel.*] configured: incidents are recorded but nobody is paged");
    } else {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        spdlog::info("paging through {}", list);
    }
    m.arm();
    if (!m.heartbeat.url.empty()) {
        if (m.heartbeat.url.rfind("https://", 0) == 0) {
            auto tls = net::TlsClientContext::create(tls_options(m.heartbeat.tls));
            if (!tls) return Error::make(tls.error().category, "heartbeat: " + tls.error().message);
            m.heartbeat_tls = std::move(*tls);
        }
        spdlog::info("heartbeat every {}", format_duration(m.heartbeat.interval));
        m.beat();
    }
    return Ok{};
}

void PagingService::reconfigure(const config::Config& config) {
    auto& m = *m_impl;
    if (!m.runner) return;
    if (config.channels != m.channels) spdlog::warn("[channel.*] changed: takes effect on restart");
    auto policy = paging::PagingPolicy::make(config, m.runner->policy().channels());
    if (!policy) {
        spdlog::error("paging policy: {} (keeping the previous one)", policy.error().message);
        return;
    }
    m.runner->reconfigure(std::move(*policy));
    m.paging_config = config.paging;
    m.security_severity = config.incidents.security_severity;
    if (config.heartbeat != m.heartbeat) spdlog::warn("[heartbeat] changed: takes effect on restart");
    m.arm();
    m.arm_health();
}

void PagingService::stop() {
    auto& m = *m_impl;
    if (m.stopped) return;
    m.stopped = true;
    m.timer.cancel();
    m.health_timer.cancel();
    m.heartbeat_timer.cancel();
    if (m.poller) m.poller->stop();
    if (m.dispatcher) m.dispatcher->stop();
}

void PagingService::clock_moved() {
    auto& m = *m_impl;
    if (m.stopped) return;
    if (m.dispatcher) m.dispatcher->poke();
    m.check_channels();  // declares or resolves what is due, then re-arms the health timer
    m.arm();             // a cadence due now fires at once
}

PagingRunner* PagingService::runner() { return m_impl->runner.get(); }

std::size_t PagingService::notify_operators(const notify::Notification& notification) {
    auto& m = *m_impl;
    if (m.stopped || !m.dispatcher || !m.runner) return 0;
    const std::string tier = m.paging_config.channel_failure_severity.empty() ? m.security_severity
                                                                               : m.paging_config.channel_failure_severity;
    const auto destinations = m.runner->policy().first_level(tier, m.clock.now());
    if (destinations.empty()) spdlog::error("\"{}\": nobody on call for {} to tell", notification.subject, tier);
    for (const auto& d : destinations) m.send_direct(notify::Destination{d.channel, d.recipient}, notification, 1);
    return destinations.size();
}

// One destination of notify_operators(): retried after a retryable failure
// (the channel's retry_after at least) until max_attempts, then logged.
void PagingService::Impl::send_direct(const notify::Destination& to, const notify::Notification& n, int attempt) {
    dispatcher->send_direct(to, n, [this, alive = std::weak_ptr<bool>(alive), to, n, attempt](notify::DeliveryResult r) {
        if (alive.expired() || stopped) return;
        if (r.outcome == notify::DeliveryOutcome::sent) {
            spdlog::info("\"{}\" sent via {} to {} (attempt {})", n.subject, to.channel, to.recipient, attempt);
            return;
        }
        const notify::RetryPolicy policy{paging_config.retry_base, paging_config.retry_cap, paging_config.max_attempts};
        if (r.outcome == notify::DeliveryOutcome::retry && attempt < policy.max_attempts) {
            const Duration delay = notify::retry_delay(policy, attempt, 0.5, r.retry_after);
            spdlog::warn("\"{}\" via {} to {} failed (attempt {}), retrying in {}: {}", n.subject, to.channel,
                         to.recipient, attempt, format_duration(delay), r.detail);
            auto timer = std::make_shared<asio::steady_timer>(io, delay);
            timer->async_wait([this, alive, timer, to, n, attempt](const boost::system::error_code& ec) {
                if (!ec && !alive.expired() && !stopped) send_direct(to, n, attempt + 1);
            });
            return;
        }
        spdlog::error("\"{}\" could not be sent via {} to {} (attempt {}): {}", n.subject, to.channel, to.recipient,
                      attempt, r.detail);
    });
}

}  // namespace tocsin::app
