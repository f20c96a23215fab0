// Schedules: layers of people taking turns at wall-clock handoffs, active
// days and hours, overrides on top.
//
// A layer's handoffs are the wall-clock times anchor + k * rotation (k any
// integer) in the schedule's zone, turned into instants; the anchor is the
// handoff time on the start's date (for whole-week rotations, on the last
// handoff_day at or before it). Turn k runs from handoff k to handoff k + 1;
// the turn containing the layer's start belongs to people[0], and so on in
// order. Instants of successive handoffs never decrease, so the turn at t is
// found from an estimate by local time and a step or two.
#include "tocsin/paging/schedule.hpp"

#include <algorithm>

#include "daily_spans.hpp"

namespace tocsin::paging {

using detail::DailySpans;

namespace {

std::string quote(const std::string& s) { return "\"" + s + "\""; }

struct Layer {
    const date::time_zone* zone = nullptr;
    std::size_t index = 0;
    std::string name;
    std::vector<std::string> people;
    date::local_seconds anchor{};
    std::chrono::seconds rotation{};
    TimePoint start{};
    std::int64_t first_turn = 0;            // the turn containing start
    std::optional<DailySpans> restriction;  // nullopt: always active

    TimePoint handoff(std::int64_t k) const { return detail::instant_at(*zone, anchor + k * rotation); }

    // The largest k with handoff(k) <= t.
    std::int64_t turn_at(TimePoint t) const {
        const auto since = detail::local_at(*zone, t) - anchor;
        std::int64_t k = detail::floor_div(since.count(), rotation.count());
        while (handoff(k) > t) --k;
        while (handoff(k + 1) <= t) ++k;
        return k;
    }

    const std::string& person(std::int64_t k) const {
        const auto n = static_cast<std::int64_t>(people.size());
        return people[static_cast<std::size_t>(((k - first_turn) % n + n) % n)];
    }

    // The first turn after k with someone else on; nullopt when everyone
    // in the rotation is the same person.
    std::optional<std::int64_t> next_other_turn(std::int64_t k) const {
        for (std::int64_t m = 1; m <= static_cast<std::int64_t>(people.size()); ++m) {
            if (person(k + m) != person(k)) return k + m;
        }
        return std::nullopt;
    }

    bool active(TimePoint t) const { return t >= start && (!restriction || restriction->contains(t)); }

    // Who this layer has on at t, nullptr when nobody.
    const std::string* person_at(TimePoint t) const { return active(t) ? &person(turn_at(t)) : nullptr; }

    std::optional<Assignment> at(TimePoint t) const {
        if (!active(t)) return std::nullopt;
        const std::int64_t k = turn_at(t);
        Assignment a;
        a.person = person(k);
        a.source = Assignment::Source::layer;
        a.index = index;
        a.layer = name;
        auto next = next_other_turn(k);
        a.end = next ? handoff(*next) : TimePoint::max();
        if (!next) {
            a.start = start;  // always the same person
        } else {
            // Back to the first of this person's consecutive turns (fewer
            // than people.size()), or the layer's start.
            std::int64_t first = k;
            while (first > first_turn && person(first - 1) == a.person) --first;
            a.start = first == first_turn ? start : handoff(first);
        }
        if (restriction) {
            if (auto run = restriction->run_at(t)) {
                a.start = std::max(a.start, run->first);
                a.end = std::min(a.end, run->second);
            }
        }
        return a;
    }

    // The first instant after t at which what this layer has on may change.
    std::optional<TimePoint> next_change_after(TimePoint t) const {
        if (t < start) return start;
        std::optional<TimePoint> next;
        if (auto other = next_other_turn(turn_at(t))) next = handoff(*other);
        if (restriction) {
            if (auto edge = restriction->next_edge_after(t); edge && (!next || *edge < *next)) next = edge;
        }
        return next;
    }
};

std::array<bool, 7> day_mask(const std::vector<int>& days) {
    std::array<bool, 7> mask{};
    if (days.empty()) mask.fill(true);
    for (int d : days) mask[static_cast<std::size_t>(d)] = true;
    return mask;
}

}  // namespace

struct Schedule::Impl {
    std::vector<Layer> layers;
    std::vector<config::ScheduleOverrideConfig> overrides;

    // The override covering t (the later one in the config when several do).
    std::optional<std::size_t> override_at(TimePoint t) const {
        for (std::size_t i = overrides.size(); i-- > 0;) {
            if (overrides[i].start <= t && t < overrides[i].end) return i;
        }
        return std::nullopt;
    }

    const std::string* person_at(TimePoint t) const {
        if (auto i = override_at(t)) return &overrides[*i].person;
        for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
            if (const std::string* p = it->person_at(t)) return p;
        }
        return nullptr;
    }

    std::optional<TimePoint> next_event_after(TimePoint t) const {
        std::optional<TimePoint> next;
        auto consider = [&](std::optional<TimePoint> e) {
            if (e && *e > t && (!next || *e < *next)) next = e;
        };
        for (const auto& o : overrides) {
            if (o.start > t)
                consider(o.start);
            else if (o.end > t)
                consider(o.end);
        }
        for (const auto& layer : layers) consider(layer.next_change_after(t));
        return next;
    }
};

Result<Schedule> Schedule::make(const config::ScheduleConfig& config) {
    auto invalid = [&](const std::string& why) {
        return Error::make(ErrorCategory::invalid_argument, "schedule " + quote(config.name) + ": " + why);
    };
    const date::time_zone* zone = detail::find_zone(config.time_zone);
    if (zone == nullptr) return invalid("unknown time zone " + quote(config.time_zone));
    auto impl = std::make_shared<Impl>();
    for (std::size_t i = 0; i < config.layers.size(); ++i) {
        const config::ScheduleLayerConfig& c = config.layers[i];
        const std::string which = "layer " + quote(c.name) + ": ";
        if (c.people.empty()) return invalid(which + "no people");
        const auto rotation = std::chrono::duration_cast<std::chrono::seconds>(c.rotation);
        if (rotation < std::chrono::minutes(1)) return invalid(which + "a rotation must be at least a minute");
        for (int d : c.active_days) {
            if (d < 0 || d > 6) return invalid(which + "weekday " + std::to_string(d) + " is not 0 (Sunday) .. 6");
        }
        if (c.handoff_day && (*c.handoff_day < 0 || *c.handoff_day > 6)) {
            return invalid(which + "handoff day " + std::to_string(*c.handoff_day) + " is not 0 (Sunday) .. 6");
        }
        Layer layer;
        layer.zone = zone;
        layer.index = i;
        layer.name = c.name;
        layer.people = c.people;
        layer.rotation = rotation;
        const date::local_seconds start_local{c.start_local};
        date::local_days anchor_day = date::floor<date::days>(start_local);
        if (c.handoff_day) {
            // The last handoff day at or before the start's date.
            const date::weekday want{static_cast<unsigned>(*c.handoff_day)};
            anchor_day -= (date::weekday(anchor_day) - want);
        }
        layer.anchor = date::local_seconds{anchor_day.time_since_epoch()} + c.handoff;
        layer.start = detail::instant_at(*zone, start_local);
        layer.first_turn = 0;
        layer.first_turn = layer.turn_at(layer.start);
        if (!c.active_days.empty() || c.active_hours) {
            DailySpans spans(zone, c.active_hours.value_or(config::DailyHours{}), day_mask(c.active_days));
            if (!spans.always()) layer.restriction = std::move(spans);
        }
        impl->layers.push_back(std::move(layer));
    }
    impl->overrides = config.overrides;
    Schedule schedule;
    schedule.m_config = config;
    schedule.m_impl = std::move(impl);
    return schedule;
}

std::optional<Assignment> Schedule::on_call(TimePoint t) const {
    if (!m_impl) return std::nullopt;
    if (auto i = m_impl->override_at(t)) {
        const auto& o = m_impl->overrides[*i];
        return Assignment{o.person, Assignment::Source::override, *i, "", o.start, o.end};
    }
    for (auto it = m_impl->layers.rbegin(); it != m_impl->layers.rend(); ++it) {
        if (auto a = it->at(t)) return a;
    }
    return std::nullopt;
}

std::vector<Assignment> Schedule::coverage(TimePoint t) const {
    std::vector<Assignment> out;
    if (!m_impl) return out;
    for (std::size_t i = m_impl->overrides.size(); i-- > 0;) {
        const auto& o = m_impl->overrides[i];
        if (o.start <= t && t < o.end)
            out.push_back(Assignment{o.person, Assignment::Source::override, i, "", o.start, o.end});
    }
    for (auto it = m_impl->layers.rbegin(); it != m_impl->layers.rend(); ++it) {
        if (auto a = it->at(t)) out.push_back(std::move(*a));
    }
    return out;
}

std::optional<TimePoint> Schedule::next_handoff_after(TimePoint t) const {
    if (!m_impl) return std::nullopt;
    const std::string* current = m_impl->person_at(t);
    const TimePoint horizon = t + k_lookahead;
    for (TimePoint x = t;;) {
        auto next = m_impl->next_event_after(x);
        if (!next || *next > horizon) return std::nullopt;
        const std::string* now = m_impl->person_at(*next);
        if ((now == nullptr) != (current == nullptr) || (now != nullptr && *now != *current)) return next;
        x = *next;
    }
}

}  // namespace tocsin::paging
