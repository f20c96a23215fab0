// Maintenance windows: occurrences in a time zone (date/tz), DST included,
// and which alerts they cover (PromQL label matchers).
//
// Occurrences of a repeating window are ordered by start, and all have the
// same length, so "the occurrence covering t" is decided by the latest start
// at or before t, and the next end after t is the end of the first
// occurrence that starts after t - length.
#include "tocsin/incident/maintenance_window.hpp"

#include <algorithm>
#include <exception>

#include <date/tz.h>

#include "tocsin/promql/parser.hpp"
#include "tocsin/series/matcher.hpp"

namespace tocsin::incident {

struct MaintenanceWindow::Impl {
    const date::time_zone* zone = nullptr;
    date::local_days first_day{};        // the start's local date
    std::chrono::seconds time_of_day{};  // the start's local time of day
    bool weekday_on[7] = {};             // weekly: 0 = Sunday
    std::vector<series::Matcher> matchers;
    config::MaintenanceRepeat repeat = config::MaintenanceRepeat::none;

    // Days scanned around t: a week covers every weekly pattern; one more
    // day on each side absorbs the zone offset between t's local day and
    // an occurrence's start.
    static constexpr int k_scan_days = 9;

    // The occurrence's start on local day `day` (no check that it is one).
    // A time in a spring-forward gap becomes the first instant after the gap
    // (the transition itself); an ambiguous one takes the earlier instant.
    TimePoint start_on(date::local_days day) const {
        auto local = date::local_seconds{day.time_since_epoch()} + time_of_day;
        auto sys = zone->to_sys(local, date::choose::earliest);
        return std::chrono::time_point_cast<TimePoint::duration>(sys);
    }

    date::local_days local_day_of(TimePoint t) const {
        auto local = zone->to_local(date::floor<std::chrono::seconds>(t));
        return date::floor<date::days>(local);
    }

    // Whether an occurrence starts on local day `day`.
    bool occurs_on(date::local_days day) const {
        if (day < first_day) return false;
        switch (repeat) {
            case config::MaintenanceRepeat::none:
                return day == first_day;
            case config::MaintenanceRepeat::daily:
                return true;
            case config::MaintenanceRepeat::weekly:
                return weekday_on[date::weekday{day}.c_encoding()];
        }
        return false;
    }

    // The latest occurrence start at or before t.
    std::optional<TimePoint> latest_start_at_or_before(TimePoint t) const {
        if (repeat == config::MaintenanceRepeat::none) {
            auto start = start_on(first_day);
            if (start <= t) return start;
            return std::nullopt;
        }
        auto day = local_day_of(t) + date::days{1};
        for (int i = 0; i <= k_scan_days && day >= first_day; ++i, day -= date::days{1}) {
            if (!occurs_on(day)) continue;
            auto start = start_on(day);
            if (start <= t) return start;
        }
        return std::nullopt;
    }

    // The first occurrence start strictly after t.
    std::optional<TimePoint> first_start_after(TimePoint t) const {
        if (repeat == config::MaintenanceRepeat::none) {
            auto start = start_on(first_day);
            if (start > t) return start;
            return std::nullopt;
        }
        auto day = std::max(local_day_of(t) - date::days{1}, first_day);
        for (int i = 0; i <= k_scan_days; ++i, day += date::days{1}) {
            if (!occurs_on(day)) continue;
            auto start = start_on(day);
            if (start > t) return start;
        }
        return std::nullopt;  // unreachable: weekly has at least one weekday
    }
};

namespace {

std::string quote(std::string_view text) {
    std::string out;
    append_quoted(out, text);
    return out;
}

}  // namespace

// A `{a="b", c=~"x.*"}` matcher list via the PromQL parser. Prometheus
// refuses a selector whose matchers all match "" ({env!="prod"}); a
// maintenance window may well want that, so such a list is parsed again
// behind a placeholder metric name whose __name__ matcher is then dropped.
Result<std::vector<series::Matcher>> parse_alert_matchers(const std::string& text) {
    auto invalid = [&](const std::string& why) {
        return Error::make(ErrorCategory::invalid_argument, "match " + quote(text) + ": " + why);
    };
    auto result = promql::parse_expr(text);
    bool named = false;
    if (auto* error = std::get_if<promql::ParseError>(&result)) {
        if (error->message.find("at least one non-empty matcher") == std::string::npos) {
            return invalid(error->to_string());
        }
        auto retry = promql::parse_expr("__tocsin_maintenance__" + text);
        if (std::holds_alternative<promql::ParseError>(retry)) return invalid(error->to_string());
        result = std::move(retry);
        named = true;
    }
    const auto& expr = *std::get<promql::ExprPtr>(result);
    const auto* selector = expr.as<promql::VectorSelector>();
    if (selector == nullptr || (!named && !selector->name.empty()) || selector->offset.count() != 0 ||
        selector->at.is_set()) {
        return invalid("expected a label matcher list such as {env=\"staging\", service=~\"db.*\"}");
    }
    std::vector<series::Matcher> matchers = selector->matchers;
    if (named) matchers.pop_back();  // the placeholder's __name__ matcher (always last)
    if (matchers.empty()) return invalid("no label matchers");
    for (const auto& matcher : matchers) {
        if (matcher.name() == "__name__") return invalid("alerts have no __name__ label");
    }
    return matchers;
}

Result<MaintenanceWindow> MaintenanceWindow::make(const config::MaintenanceConfig& config) {
    auto impl = std::make_shared<Impl>();
    try {
        impl->zone = date::locate_zone(config.time_zone);
    } catch (const std::exception&) {
        return Error::make(ErrorCategory::invalid_argument,
                           "maintenance " + quote(config.name) + ": unknown time zone " + quote(config.time_zone));
    }
    const date::local_seconds start{config.start_local};
    impl->first_day = date::floor<date::days>(start);
    impl->time_of_day = start - impl->first_day;
    impl->repeat = config.repeat;
    if (config.repeat == config::MaintenanceRepeat::weekly) {
        if (config.weekdays.empty()) {
            impl->weekday_on[date::weekday{impl->first_day}.c_encoding()] = true;
        }
        for (int day : config.weekdays) {
            if (day < 0 || day > 6) {
                return Error::make(ErrorCategory::invalid_argument, "maintenance " + quote(config.name) + ": weekday " +
                                                                        std::to_string(day) +
                                                                        " is not 0 (Sunday) .. 6 (Saturday)");
            }
            impl->weekday_on[day] = true;
        }
    }
    if (!config.match.empty()) {
        auto matchers = parse_alert_matchers(config.match);
        if (!matchers) {
            auto error = std::move(matchers).error();
            error.message = "maintenance " + quote(config.name) + ": " + error.message;
            return error;
        }
        impl->matchers = std::move(*matchers);
    }
    MaintenanceWindow window;
    window.m_config = config;
    window.m_impl = std::move(impl);
    return window;
}

std::optional<std::pair<TimePoint, TimePoint>> MaintenanceWindow::occurrence_at(TimePoint t) const {
    if (!m_impl || m_config.length <= Duration::zero()) return std::nullopt;
    // Same lengths: of the occurrences covering t (they overlap only when
    // the length exceeds the repeat), the latest start ends last.
    auto start = m_impl->latest_start_at_or_before(t);
    if (!start) return std::nullopt;
    TimePoint end = *start + m_config.length;
    if (t < end) return std::make_pair(*start, end);
    return std::nullopt;
}

std::optional<TimePoint> MaintenanceWindow::next_change_after(TimePoint t) const {
    if (!m_impl) return std::nullopt;
    auto next_start = m_impl->first_start_after(t);
    std::optional<TimePoint> next_end;
    if (m_config.length > Duration::zero()) {
        // The first end after t belongs to the first start after t - length.
        if (auto start = m_impl->first_start_after(t - m_config.length)) {
            next_end = *start + m_config.length;
        }
    }
    if (next_start && next_end) return std::min(*next_start, *next_end);
    return next_start ? next_start : next_end;
}

bool MaintenanceWindow::applies_to(const Labels& alert_labels, std::string_view component) const {
    if (!m_config.components.empty() &&
        std::find(m_config.components.begin(), m_config.components.end(), component) == m_config.components.end()) {
        return false;
    }
    if (!m_impl) return m_config.match.empty();
    for (const auto& matcher : m_impl->matchers) {
        if (!matcher.matches(alert_labels.get(matcher.name()))) return false;
    }
    return true;
}

}  // namespace tocsin::incident
