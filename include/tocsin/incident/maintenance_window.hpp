// A [[maintenance]] window: when it is active (one-off, daily or weekly
// occurrences in a time zone, daylight-saving changes included) and which
// alerts it covers. Pure: time is a parameter.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/series/matcher.hpp"

namespace tocsin::incident {

// A `{a="b", c=~"x.*"}` label matcher list as [[maintenance]] `match` and
// [[alertmanager.route]] `match` write it (a list whose matchers all match
// "" is allowed).
Result<std::vector<series::Matcher>> parse_alert_matchers(const std::string& text);

class MaintenanceWindow {
public:
    // An error for an unknown time zone or a `match` that does not parse
    // (the loader has already refused both; this guards other callers).
    static Result<MaintenanceWindow> make(const config::MaintenanceConfig& config);

    const std::string& name() const { return m_config.name; }
    const config::MaintenanceConfig& config() const { return m_config; }

    // The occurrence covering `t` as [start, end), or nullopt.
    std::optional<std::pair<TimePoint, TimePoint>> occurrence_at(TimePoint t) const;
    bool active_at(TimePoint t) const { return occurrence_at(t).has_value(); }
    // The first instant after `t` at which an occurrence starts or ends;
    // nullopt when nothing changes any more (a one-off window that ended).
    std::optional<TimePoint> next_change_after(TimePoint t) const;

    // Whether the window covers an alert with these labels of this component.
    bool applies_to(const Labels& alert_labels, std::string_view component) const;

private:
    struct Impl;
    config::MaintenanceConfig m_config;
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace tocsin::incident
