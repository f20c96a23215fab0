#include "tocsin/paging/paging_policy.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <stdexcept>

#include "page_text.hpp"
#include "tocsin/paging/ack_link.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/paging/business_hours.hpp"
#include "tocsin/paging/person.hpp"
#include "tocsin/paging/schedule.hpp"

namespace tocsin::paging {

using config::Cadence;
using config::SeverityConfig;
using incident::EventKind;
using incident::Incident;
using incident::IncidentEvent;

const char* to_string(PageKind kind) noexcept {
    switch (kind) {
        case PageKind::page:
            return "page";
        case PageKind::notice:
            return "notice";
        case PageKind::reminder:
            return "reminder";
        case PageKind::announcement:
            return "announcement";
    }
    return "page";
}

namespace {

// Fallback order of a person's channels.
constexpr const char* k_channel_order[] = {"telegram", "email", "webhook", "console"};

std::string level_key(std::int64_t id, int cycle, int level, int repage) {
    return "page/" + std::to_string(id) + "/c" + std::to_string(cycle) + "/l" + std::to_string(level) + "/r" +
           std::to_string(repage);
}

// "P2 -> P1" → "P1"; "" when the detail is not of that shape.
std::string detail_to(const std::string& detail) {
    auto pos = detail.find(" -> ");
    return pos == std::string::npos ? std::string() : detail.substr(pos + 4);
}

}  // namespace

struct PagingPolicy::Impl {
    std::vector<SeverityConfig> tiers;  // most severe first
    std::map<std::string, Person> people;
    std::map<std::string, Schedule> schedules;
    // A tier without escalation: one level, whoever is on call in every
    // [[schedule]] (config order).
    std::vector<config::EscalationLevelConfig> default_chain{config::EscalationLevelConfig{}};
    BusinessHours business;
    std::set<std::string> channels;
    std::set<std::string> unhealthy;
    std::vector<config::SubscribersConfig> subscribers;
    // Signed acknowledgement links in actionable pages ([paging] public_url).
    std::optional<AckLinkSigner> links;
    std::string public_url;
    Duration link_ttl{};

    const SeverityConfig& tier(const std::string& name) const {
        for (const auto& t : tiers) {
            if (t.name == name) return t;
        }
        // The loader only lets known tiers through; an incident stored under
        // a tier since removed pages as the least severe paging tier.
        for (auto it = tiers.rbegin(); it != tiers.rend(); ++it) {
            if (it->page) return *it;
        }
        return tiers.back();
    }
    bool most_severe(const SeverityConfig& t) const { return t.rank == tiers.front().rank; }

    TimePoint add(TimePoint t, const Cadence& c) const {
        switch (c.clock) {
            case Cadence::Clock::wall:
                return t + c.length;
            case Cadence::Clock::business_time:
                return business.add_business_time(t, c.length);
            case Cadence::Clock::business_days:
                return business.add_business_days(t, c.days);
        }
        return t + c.length;
    }

    const std::vector<config::EscalationLevelConfig>& chain(const SeverityConfig& t) const {
        return t.escalation.empty() ? default_chain : t.escalation;
    }
    int levels(const SeverityConfig& t) const {
        return static_cast<int>(chain(t).size()) * (std::max(t.repeat, 0) + 1);
    }
    // Level `level` counting repeats of the chain.
    const config::EscalationLevelConfig& level_config(const SeverityConfig& t, int level) const {
        const auto& c = chain(t);
        return c[static_cast<std::size_t>(level) % c.size()];
    }
    // When `level` (>= 1) is due after the previous level started.
    TimePoint level_due(const SeverityConfig& t, int level, TimePoint previous_started) const {
        const auto& l = level_config(t, level);
        return add(previous_started, l.after.value_or(t.ack_within));
    }

    // The people of a level at t: each schedule's person on call, then the
    // listed people, without repeats.
    std::vector<std::string> level_people(const SeverityConfig& t, int level, TimePoint at) const {
        std::vector<std::string> out;
        if (level < 0 || level >= levels(t)) return out;
        const auto& l = level_config(t, level);
        auto add_person = [&](const std::string& p) {
            if (people.count(p) && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
        };
        for (const auto& s : l.schedules) {
            auto it = schedules.find(s);
            if (it == schedules.end()) continue;
            if (auto a = it->second.on_call(at)) add_person(a->person);
        }
        for (const auto& p : l.people) add_person(p);
        return out;
    }

    std::optional<std::string> address(const Person& person, const std::string& channel) const {
        const auto& pc = person.config();
        if (channel == "email" && !pc.email.empty()) return pc.email;
        if (channel == "telegram" && pc.telegram_chat_id) return std::to_string(*pc.telegram_chat_id);
        if (channel == "webhook" || channel == "console") return pc.name;
        return std::nullopt;
    }

    // (channel, recipient) pairs for a person under a tier at t. In quiet
    // hours only non-Telegram channels are used, unless the tier is the most
    // severe or nothing else would reach them.
    std::vector<std::pair<std::string, std::string>> destinations(const std::string& name, const SeverityConfig& t,
                                                                  TimePoint at) const {
        std::vector<std::pair<std::string, std::string>> all;
        auto it = people.find(name);
        if (it == people.end()) return all;
        for (const auto& ch : t.channels) {
            if (!channels.count(ch)) continue;
            if (auto a = address(it->second, ch)) all.emplace_back(ch, *a);
        }
        // The console sink mirrors every page, whatever the tier lists.
        if (channels.count("console") &&
            std::none_of(all.begin(), all.end(), [](const auto& d) { return d.first == "console"; })) {
            all.emplace_back("console", name);
        }
        const bool degraded =
            std::any_of(all.begin(), all.end(), [&](const auto& d) { return unhealthy.count(d.first) > 0; });
        if (degraded) {
            for (const char* ch : k_channel_order) {
                if (!channels.count(ch) || unhealthy.count(ch)) continue;
                if (std::any_of(all.begin(), all.end(), [&](const auto& d) { return d.first == ch; })) continue;
                if (auto a = address(it->second, ch)) all.emplace_back(ch, *a);
            }
        }
        if (most_severe(t) || !it->second.quiet_at(at)) return all;
        std::vector<std::pair<std::string, std::string>> quiet;
        for (const auto& d : all) {
            if (d.first != "telegram") quiet.push_back(d);
        }
        return quiet.empty() ? all : quiet;
    }

    TimePoint due_at(const SeverityConfig& t, TimePoint at) const {
        return t.hours == config::PagingHours::business ? business.next_open(at) : at;
    }

    // Queues `n` for `person` on every destination; false when none.
    bool emit(PagingDecision& d, PageKind kind, const std::string& key_base, const std::string& person,
              const SeverityConfig& t, TimePoint at, const notify::Notification& n,
              std::optional<std::int64_t> event_id) const {
        auto dests = destinations(person, t, at);
        notify::Notification personal = n;
        if (links && n.actionable && !dests.empty()) {
            // The link acts as this person; the page says until when.
            const TimePoint expires = at + link_ttl;
            personal.text += "Acknowledge in a browser (until " + format_utc_time(expires) + "): " +
                             ack_link_url(public_url, links->token(n.incident_id, person, expires)) + "\n";
        }
        for (const auto& [channel, recipient] : dests) {
            Page p;
            p.kind = kind;
            p.person = person;
            p.channel = channel;
            p.recipient = recipient;
            p.notification = personal;
            p.notification.idempotency_key = key_base + "/" + person + "/" + channel;
            p.not_before = due_at(t, at);
            p.event_id = event_id;
            d.pages.push_back(std::move(p));
        }
        return !dests.empty();
    }

    // Pages `level` of the current cycle; false when it reaches nobody.
    bool page_level(PagingDecision& d, const Incident& inc, const SeverityConfig& t, int level, int repage,
                    TimePoint at, const std::string& line, std::optional<std::int64_t> event_id) const {
        auto& s = d.state;
        auto who = level_people(t, level, at);
        PageReason reason;
        reason.line = line;
        if (repage > 0) reason.headline = "re-page " + std::to_string(repage);
        auto n = render_page(inc, t, reason, true);
        bool any = false;
        for (const auto& p : who) {
            if (emit(d, PageKind::page, level_key(inc.id, s.cycle, level, repage), p, t, at, n, event_id)) {
                any = true;
                if (std::find(s.paged.begin(), s.paged.end(), p) == s.paged.end()) s.paged.push_back(p);
            }
        }
        return any;
    }

    std::string level_line(const SeverityConfig& t, int level) const {
        std::string line = "You are paged at escalation level " + std::to_string(level + 1) + ".";
        if (level + 1 < levels(t)) {
            const auto& next = level_config(t, level + 1);
            line += " Acknowledge within " + config::to_string(next.after.value_or(t.ack_within)) + " or level " +
                    std::to_string(level + 2) + " is paged.";
        }
        return line;
    }

    // The people a reminder goes to: the acknowledging person when they are
    // a [[person]], else the current level, else everyone paged.
    std::vector<std::string> owners(const Incident& inc, const PagingState& s, const SeverityConfig& t,
                                    TimePoint at) const {
        if (inc.acknowledged_by && people.count(inc.acknowledged_by->name)) return {inc.acknowledged_by->name};
        auto current = level_people(t, s.level, at);
        return current.empty() ? s.paged : current;
    }

    void notice(PagingDecision& d, const Incident& inc, const SeverityConfig& t, const IncidentEvent& ev,
                const std::string& headline, const std::string& line, const std::string& except = {}) const {
        PageReason reason{headline, line};
        auto n = render_page(inc, t, reason, false);
        const std::string base = "notice/" + std::to_string(inc.id) + "/e" + std::to_string(ev.id);
        for (const auto& p : d.state.paged) {
            if (p == except) continue;
            emit(d, PageKind::notice, base, p, t, ev.at, n, ev.id);
        }
    }

    // (subscribers name, channel, recipient) for the incident's components
    // and tier.
    std::vector<std::tuple<std::string, std::string, std::string>> audience(const Incident& inc,
                                                                            const SeverityConfig& t) const {
        std::vector<std::tuple<std::string, std::string, std::string>> out;
        for (const auto& sub : subscribers) {
            if (!sub.severities.empty() &&
                std::find(sub.severities.begin(), sub.severities.end(), t.name) == sub.severities.end()) {
                continue;
            }
            if (!sub.components.empty()) {
                bool match = std::find(sub.components.begin(), sub.components.end(), inc.component) != sub.components.end();
                for (const auto& c : inc.affected_components) {
                    match = match || std::find(sub.components.begin(), sub.components.end(), c) != sub.components.end();
                }
                if (!match) continue;
            }
            if (channels.count("email")) {
                for (const auto& e : sub.emails) out.emplace_back(sub.name, "email", e);
            }
            if (channels.count("telegram")) {
                for (auto chat : sub.telegram_chats) out.emplace_back(sub.name, "telegram", std::to_string(chat));
            }
        }
        return out;
    }

    // A public notice to every subscriber of the incident; the wording is
    // `message` and the incident's public facts, never internal notes.
    void announce(PagingDecision& d, const Incident& inc, const SeverityConfig& t, const std::string& what,
                  const std::string& status, const std::string& message, TimePoint at,
                  std::optional<std::int64_t> event_id) const {
        auto n = render_announcement(inc, t, status, message);
        for (const auto& [sub, channel, recipient] : audience(inc, t)) {
            Page p;
            p.kind = PageKind::announcement;
            p.person = sub;
            p.channel = channel;
            p.recipient = recipient;
            p.notification = n;
            p.notification.idempotency_key =
                "public/" + std::to_string(inc.id) + "/" + what + "/" + sub + "/" + channel + "/" + recipient;
            p.not_before = at;
            p.event_id = event_id;
            d.pages.push_back(std::move(p));
        }
    }

    void escalation(PagingDecision& d, const Incident& inc, std::span<const IncidentEvent> events,
                    TimePoint now) const;
    void first_notice(PagingDecision& d, const Incident& inc, TimePoint now) const;
    void postmortem(PagingDecision& d, const Incident& inc, TimePoint now) const;
    void reminders(PagingDecision& d, const Incident& inc, TimePoint now) const;
};

void PagingPolicy::Impl::escalation(PagingDecision& d, const Incident& inc, std::span<const IncidentEvent> events,
                                    TimePoint now) const {
    auto& s = d.state;
    const auto& t = tier(s.tier);
    if (!t.page || inc.acknowledged || !inc.open()) return;
    const int total = levels(t);
    std::optional<std::int64_t> opened_event;
    for (const auto& ev : events) {
        if (ev.kind == EventKind::opened) opened_event = ev.id;
    }

    // Move up the chain as far as `now` allows; a level that reaches nobody
    // is passed at once. Only the level reached is paged: after downtime the
    // levels in between are not woken for nothing.
    bool advanced = false;
    bool skip = false;
    while (s.level + 1 < total) {
        TimePoint due = (s.level < 0 || skip) ? s.level_started : level_due(t, s.level + 1, s.level_started);
        if (now < due) break;
        ++s.level;
        s.level_started = due;
        s.repages = 0;
        advanced = true;
        const auto who = level_people(t, s.level, due);
        skip = std::none_of(who.begin(), who.end(),
                            [&](const std::string& p) { return !destinations(p, t, due).empty(); });
        if (skip) d.unreachable_levels.push_back(s.level);
    }
    if (advanced && !skip) {
        std::string line = level_line(t, s.level);
        if (s.level > 0) {
            line = "Escalated: not acknowledged in time. " + line;
        } else if (s.cycle > 0) {
            line = "Severity raised to " + t.name + ": escalation restarts. " + line;
        }
        page_level(d, inc, t, s.level, 0, s.level_started, line, s.level == 0 ? opened_event : std::nullopt);
    }

    if (t.repage_every && s.level >= 0 && !skip && *t.repage_every > Duration::zero()) {
        const auto n = static_cast<int>((now - s.level_started) / *t.repage_every);
        if (n > s.repages) {
            s.repages = n;
            const TimePoint at = s.level_started + n * *t.repage_every;
            page_level(d, inc, t, s.level, n, at,
                       "Not acknowledged for " + format_duration(std::chrono::duration_cast<Duration>(at - s.level_started)) + ". " + level_line(t, s.level),
                       std::nullopt);
        }
    }

    auto later = [&](TimePoint t2) {
        if (!d.next_deadline || t2 < *d.next_deadline) d.next_deadline = t2;
    };
    if (s.level + 1 < total) later(s.level < 0 ? s.level_started : level_due(t, s.level + 1, s.level_started));
    if (t.repage_every && s.level >= 0 && *t.repage_every > Duration::zero()) {
        later(s.level_started + (s.repages + 1) * *t.repage_every);
    }
}

void PagingPolicy::Impl::reminders(PagingDecision& d, const Incident& inc, TimePoint now) const {
    auto& s = d.state;
    const auto& t = tier(s.tier);
    if (!t.page || !inc.open()) return;
    auto later = [&](TimePoint t2) {
        if (!d.next_deadline || t2 < *d.next_deadline) d.next_deadline = t2;
    };

    if (inc.acknowledged && t.update_every) {
        // Due one cadence after the last update or the last reminder,
        // whichever is later: one reminder per lapse, not a backlog.
        TimePoint base = s.last_update.value_or(*inc.acknowledged);
        TimePoint due = add(base, *t.update_every);
        if (now >= due) {
            ++s.update_reminders;
            s.last_update = due;  // the next reminder counts from this one
            PageReason reason{"status update due",
                              "No status update for " + config::to_string(*t.update_every) +
                                  ". Post one (tocsin incident note " + std::to_string(inc.id) +
                                  " \"...\"), even if there is no news."};
            auto n = render_page(inc, t, reason, false);
            const std::string base_key =
                "remind/" + std::to_string(inc.id) + "/u" + std::to_string(s.update_reminders);
            for (const auto& p : owners(inc, s, t, due)) emit(d, PageKind::reminder, base_key, p, t, due, n, {});
            if (s.published) {
                // Seed: updates go out even when there is no news.
                announce(d, inc, t, "u" + std::to_string(s.update_reminders), "Investigating",
                         "We are still investigating this issue. Next update within " +
                             config::to_string(*t.update_every) + ".",
                         due, std::nullopt);
            }
            due = add(due, *t.update_every);
        }
        later(due);
    }

    if (t.resolve_within && !s.resolve_notified) {
        TimePoint due = add(inc.detected, *t.resolve_within);
        if (now >= due) {
            s.resolve_notified = true;
            PageReason reason{"resolution target passed",
                              "The " + t.name + " resolution target (" + config::to_string(*t.resolve_within) +
                                  ") has passed and the incident is still " + incident::to_string(inc.state) + "."};
            auto n = render_page(inc, t, reason, false);
            const std::string base_key = "remind/" + std::to_string(inc.id) + "/resolve";
            auto who = owners(inc, s, t, due);
            for (const auto& p : level_people(t, std::max(s.level, 0) + 1, due)) {
                if (std::find(who.begin(), who.end(), p) == who.end()) who.push_back(p);
            }
            for (const auto& p : who) emit(d, PageKind::reminder, base_key, p, t, due, n, {});
        } else {
            later(due);
        }
    }
}

// The tier's ack_within is also the deadline of the first public notice:
// with subscribers to tell and nothing published, the current level is
// reminded at three quarters of it, and with auto_publish tocsin publishes
// the default notice when it lapses.
void PagingPolicy::Impl::first_notice(PagingDecision& d, const Incident& inc, TimePoint now) const {
    auto& s = d.state;
    const auto& t = tier(s.tier);
    if (!t.page || s.published || !inc.open() || audience(inc, t).empty()) return;
    const TimePoint due = add(inc.detected, t.ack_within);
    const TimePoint remind_at = inc.detected + (due - inc.detected) * 3 / 4;
    auto later = [&](TimePoint t2) {
        if (!d.next_deadline || t2 < *d.next_deadline) d.next_deadline = t2;
    };
    if (!s.publish_reminded) {
        if (now >= remind_at) {
            s.publish_reminded = true;
            PageReason reason{"public notice due",
                              "Subscribers have not been told yet. The first public notice is due by " + format_utc_time(due) +
                                  (t.auto_publish ? "; tocsin publishes a default notice then."
                                                  : ": acknowledge the incident or post a status update.")};
            auto n = render_page(inc, t, reason, true);
            const std::string key = "remind/" + std::to_string(inc.id) + "/publish";
            for (const auto& p : owners(inc, s, t, remind_at)) emit(d, PageKind::reminder, key, p, t, remind_at, n, {});
        } else {
            later(remind_at);
        }
    }
    if (t.auto_publish) {
        if (now >= due) {
            s.published = true;
            announce(d, inc, t, "known", "Investigating", "We are aware of this issue and are investigating.", due,
                     std::nullopt);
        } else {
            later(due);
        }
    }
}

// A postmortem is due: the owner is reminded each business day after the
// resolution until it is marked published; once overdue, the next level too.
void PagingPolicy::Impl::postmortem(PagingDecision& d, const Incident& inc, TimePoint now) const {
    auto& s = d.state;
    const auto& t = tier(s.tier);
    const TimePoint resolved_at = inc.resolved.value_or(now);
    int k = s.postmortem_reminders;
    while (business.add_business_days(resolved_at, k + 1) <= now) ++k;
    if (k > s.postmortem_reminders) {
        s.postmortem_reminders = k;
        const TimePoint at = business.add_business_days(resolved_at, k);
        const bool overdue = at >= *s.postmortem_due;
        PageReason reason{overdue ? "postmortem overdue" : "postmortem due",
                          "The postmortem of this " + t.name + " incident is " +
                              (overdue ? "overdue (it was due " : "due by ") + format_utc_time(*s.postmortem_due) +
                              (overdue ? ")" : "") + ". Draft: tocsin postmortem " + std::to_string(inc.id) +
                              "; when published: tocsin incident postmortem " + std::to_string(inc.id) + " --url URL"};
        auto n = render_page(inc, t, reason, false);
        auto who = owners(inc, s, t, at);
        if (overdue) {
            for (const auto& p : level_people(t, std::max(s.level, 0) + 1, at)) {
                if (std::find(who.begin(), who.end(), p) == who.end()) who.push_back(p);
            }
        }
        const std::string key = "postmortem/" + std::to_string(inc.id) + "/" + std::to_string(k);
        for (const auto& p : who) emit(d, PageKind::reminder, key, p, t, at, n, {});
    }
    d.next_deadline = business.add_business_days(resolved_at, s.postmortem_reminders + 1);
}

Result<PagingPolicy> PagingPolicy::make(const config::Config& config, std::set<std::string> channels) {
    auto business = BusinessHours::make(config.business_hours);
    if (!business) return business.error();
    auto impl = std::make_shared<Impl>(Impl{{}, {}, {}, {config::EscalationLevelConfig{}}, std::move(*business), std::move(channels), {}, {}, {}, {}, {}});
    impl->tiers = config.severities;
    impl->subscribers = config.subscribers;
    if (!config.paging.public_url.empty() && config.paging.link_key) {
        auto signer = AckLinkSigner::create(*config.paging.link_key);
        if (!signer) return signer.error();
        impl->links = std::move(*signer);
        impl->public_url = config.paging.public_url;
        impl->link_ttl = config.paging.ack_link_ttl;
    }
    if (impl->tiers.empty()) impl->tiers = config::default_severities();
    std::sort(impl->tiers.begin(), impl->tiers.end(), [](const auto& a, const auto& b) { return a.rank < b.rank; });
    for (const auto& pc : config.people) {
        auto p = Person::make(pc);
        if (!p) return p.error();
        impl->people.emplace(pc.name, std::move(*p));
    }
    for (const auto& sc : config.schedules) {
        auto s = Schedule::make(sc);
        if (!s) return s.error();
        impl->schedules.emplace(sc.name, std::move(*s));
        impl->default_chain.front().schedules.push_back(sc.name);
    }
    PagingPolicy policy;
    policy.m_impl = std::move(impl);
    return policy;
}

const std::set<std::string>& PagingPolicy::channels() const { return m_impl->channels; }

void PagingPolicy::set_unhealthy(std::set<std::string> channels) {
    if (channels == m_impl->unhealthy) return;
    auto impl = std::make_shared<Impl>(*m_impl);
    impl->unhealthy = std::move(channels);
    m_impl = std::move(impl);
}

const std::set<std::string>& PagingPolicy::unhealthy() const { return m_impl->unhealthy; }

PagingState PagingPolicy::initial_state(const Incident& incident) const {
    PagingState s;
    s.incident_id = incident.id;
    s.tier = incident.severity;
    s.level = -1;  // level 0 is due at the declaration
    s.level_started = incident.detected;
    return s;
}

PagingDecision PagingPolicy::decide(const Incident& inc, std::span<const IncidentEvent> events,
                                    const PagingState& state, TimePoint now) const {
    const Impl& m = *m_impl;
    PagingDecision d;
    d.state = state;
    auto& s = d.state;
    if (s.closed) return d;
    if (s.tier.empty()) s.tier = inc.severity;

    bool resolved = false;
    bool postmortem_done = false;
    for (const auto& ev : events) {
        const bool human = ev.actor.channel != "rule";
        switch (ev.kind) {
            case EventKind::severity_changed: {
                std::string to = detail_to(ev.detail);
                if (to.empty()) to = inc.severity;
                const auto& from_tier = m.tier(s.tier);
                const auto& to_tier = m.tier(to);
                const bool raise = to_tier.rank < from_tier.rank;
                s.tier = to_tier.name;
                if (raise && !inc.acknowledged) {
                    // A raise re-enters the escalation at the new tier.
                    ++s.cycle;
                    s.level = -1;
                    s.level_started = ev.at;
                    s.repages = 0;
                } else {
                    s.level = std::min(s.level, m.levels(to_tier) - 1);
                    m.notice(d, inc, to_tier, ev, "severity " + ev.detail,
                             "Severity changed " + ev.detail + " by " + ev.actor.name +
                                 (ev.message.empty() ? "." : ": " + ev.message));
                }
                break;
            }
            case EventKind::acknowledged: {
                s.last_update = ev.at;
                const auto acker = ev.actor.name;
                if (!s.published) {
                    s.published = true;
                    m.announce(d, inc, m.tier(s.tier), "known", "Investigating",
                               "We are aware of this issue and are investigating.", ev.at, ev.id);
                }
                m.notice(d, inc, m.tier(s.tier), ev, "acknowledged by " + acker,
                         "Acknowledged by " + acker + " via " + ev.actor.channel + ". Escalation stopped.", acker);
                d.cancel_prefixes.push_back("page/" + std::to_string(inc.id) + "/");
                break;
            }
            case EventKind::state_changed: {
                const std::string to = detail_to(ev.detail);
                if (human) s.last_update = ev.at;
                if (to == "resolved") {
                    resolved = true;
                    if (s.published) {
                        m.announce(d, inc, m.tier(s.tier), "resolved", "Resolved",
                                   ev.message.empty() ? "This incident has been resolved." : ev.message, ev.at, ev.id);
                    }
                    m.notice(d, inc, m.tier(s.tier), ev, "resolved",
                             "Resolved by " + ev.actor.name + (ev.message.empty() ? "." : ": " + ev.message));
                } else {
                    if (human && !to.empty()) {
                        // A person's state change is a public status update.
                        s.published = true;
                        std::string status = to;
                        status[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(status[0])));
                        m.announce(d, inc, m.tier(s.tier), "e" + std::to_string(ev.id), status,
                                   ev.message.empty() ? "Status changed to " + to + "." : ev.message, ev.at, ev.id);
                    }
                    m.notice(d, inc, m.tier(s.tier), ev, to.empty() ? "state changed" : to,
                             "State " + ev.detail + (human ? " by " + ev.actor.name : "") +
                                 (ev.message.empty() ? "." : ": " + ev.message));
                }
                break;
            }
            case EventKind::owner_assigned: {
                // Everyone paged hears who owns it now; so does the new
                // owner (reminders follow acknowledged_by from here on).
                const std::string owner = detail_to(ev.detail);
                const std::string line = "Now owned by " + owner + " (assigned by " + ev.actor.name + ").";
                m.notice(d, inc, m.tier(s.tier), ev, "owner " + owner, line, ev.actor.name);
                if (!owner.empty() && owner != ev.actor.name &&
                    std::find(s.paged.begin(), s.paged.end(), owner) == s.paged.end()) {
                    auto n = render_page(inc, m.tier(s.tier), PageReason{"owner " + owner, line}, false);
                    m.emit(d, PageKind::notice, "notice/" + std::to_string(inc.id) + "/e" + std::to_string(ev.id), owner,
                           m.tier(s.tier), ev.at, n, ev.id);
                }
                break;
            }
            case EventKind::note:
                if (human) s.last_update = ev.at;
                break;
            case EventKind::postmortem_published:
                postmortem_done = true;
                break;
            default:
                break;
        }
    }

    if (resolved || !inc.open()) {
        if (!s.postmortem_due) {
            // First seen resolved: nothing more to page or remind about.
            d.cancel_prefixes.push_back("page/" + std::to_string(inc.id) + "/");
            d.cancel_prefixes.push_back("remind/" + std::to_string(inc.id) + "/");
            const auto& t = m.tier(s.tier);
            const TimePoint resolved_at = inc.resolved.value_or(now);
            if (t.page && t.postmortem_after && resolved_at - inc.detected >= *t.postmortem_after) {
                s.postmortem_due = m.add(resolved_at, t.postmortem_within);
            }
        }
        if (!s.postmortem_due || postmortem_done) {
            if (postmortem_done) d.cancel_prefixes.push_back("postmortem/" + std::to_string(inc.id) + "/");
            s.closed = true;
            d.next_deadline.reset();
            return d;
        }
        m.postmortem(d, inc, now);
        return d;
    }
    m.escalation(d, inc, events, now);
    m.reminders(d, inc, now);
    m.first_notice(d, inc, now);
    return d;
}

std::optional<PagingDecision> PagingPolicy::escalate(const Incident& inc, const PagingState& state,
                                                     std::int64_t event_id, TimePoint now) const {
    const Impl& m = *m_impl;
    if (state.closed || !inc.open()) return std::nullopt;
    const auto& t = m.tier(state.tier.empty() ? inc.severity : state.tier);
    if (state.level + 1 >= m.levels(t)) return std::nullopt;
    PagingDecision d;
    d.state = state;
    auto& s = d.state;
    ++s.level;
    s.level_started = now;
    s.repages = 0;
    m.page_level(d, inc, t, s.level, 0, now, "Escalated by request. " + m.level_line(t, s.level), event_id);
    if (!inc.acknowledged) {
        if (s.level + 1 < m.levels(t)) d.next_deadline = m.level_due(t, s.level + 1, now);
        if (t.repage_every && *t.repage_every > Duration::zero()) {
            TimePoint r = now + *t.repage_every;
            if (!d.next_deadline || r < *d.next_deadline) d.next_deadline = r;
        }
    }
    return d;
}

std::optional<std::string> PagingPolicy::person_for(const std::string& channel, const std::string& recipient) const {
    for (const auto& [name, person] : m_impl->people) {
        if (auto a = m_impl->address(person, channel); a && *a == recipient) return name;
    }
    return std::nullopt;
}

std::vector<Destination> PagingPolicy::first_level(const std::string& tier, TimePoint now) const {
    const auto& t = m_impl->tier(tier);
    std::vector<Destination> out;
    for (const auto& person : m_impl->level_people(t, 0, now)) {
        for (const auto& [channel, recipient] : m_impl->destinations(person, t, now)) {
            out.push_back(Destination{person, channel, recipient});
        }
    }
    return out;
}

std::optional<Destination> PagingPolicy::fallback(const std::string& channel, const std::string& recipient) const {
    auto name = person_for(channel, recipient);
    if (!name) return std::nullopt;
    const auto& person = m_impl->people.at(*name);
    for (const char* ch : k_channel_order) {
        if (ch == channel || !m_impl->channels.count(ch)) continue;
        if (auto a = m_impl->address(person, ch)) return Destination{*name, ch, *a};
    }
    return std::nullopt;
}

}  // namespace tocsin::paging
