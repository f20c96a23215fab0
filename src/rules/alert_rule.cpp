#include "tocsin/rules/alert_rule.hpp"

#include <set>

#include "tocsin/promql/parser.hpp"

namespace tocsin::rules {

const char* to_string(AlertState state) noexcept {
    switch (state) {
        case AlertState::inactive: return "inactive";
        case AlertState::pending: return "pending";
        case AlertState::firing: return "firing";
    }
    return "inactive";
}

std::optional<AlertState> parse_alert_state(std::string_view text) noexcept {
    if (text == "inactive") return AlertState::inactive;
    if (text == "pending") return AlertState::pending;
    if (text == "firing") return AlertState::firing;
    return std::nullopt;
}

const char* to_string(TransitionKind kind) noexcept {
    switch (kind) {
        case TransitionKind::pending: return "pending";
        case TransitionKind::firing: return "firing";
        case TransitionKind::resolved: return "resolved";
        case TransitionKind::dropped: return "dropped";
        case TransitionKind::forgotten: return "forgotten";
        case TransitionKind::keep_firing_started: return "keep_firing_started";
        case TransitionKind::keep_firing_ended: return "keep_firing_ended";
        case TransitionKind::back_to_pending: return "back_to_pending";
    }
    return "pending";
}

Result<AlertRule> AlertRule::make(const config::RuleConfig& config) {
    AlertRule rule;
    rule.m_config = std::make_shared<const config::RuleConfig>(config);
    auto parsed = promql::parse_expr(config.expr);
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
        return Error::make(ErrorCategory::invalid_argument, "rule " + config.name + ": expr: " + error->to_string());
    }
    rule.m_expr = std::shared_ptr<const promql::Expr>(std::move(std::get<promql::ExprPtr>(parsed)));
    // Prometheus names every template of a rule "__alert_" + its name.
    const std::string template_name = "__alert_" + config.name;
    auto parse = [&](const std::string& what, const std::string& text) -> Result<Template> {
        auto t = Template::parse(text, template_name);
        if (auto* error = std::get_if<TemplateError>(&t)) {
            return Error::make(ErrorCategory::invalid_argument,
                               "rule " + config.name + ": " + what + ": " + error->to_string());
        }
        return std::get<Template>(std::move(t));
    };
    for (const auto& [name, value] : config.labels) {
        auto t = parse("labels." + name, value);
        if (!t) return std::move(t).error();
        rule.m_label_templates.emplace_back(name, std::move(*t));
    }
    auto summary = parse("summary", config.summary);
    if (!summary) return std::move(summary).error();
    rule.m_summary = std::move(*summary);
    auto description = parse("description", config.description);
    if (!description) return std::move(description).error();
    rule.m_description = std::move(*description);
    auto title = parse("title", config.title);
    if (!title) return std::move(title).error();
    rule.m_title = std::move(*title);
    if (!config.impact.empty()) {
        auto impact = promql::parse_expr(config.impact);
        if (auto* error = std::get_if<promql::ParseError>(&impact)) {
            return Error::make(ErrorCategory::invalid_argument,
                               "rule " + config.name + ": impact: " + error->to_string());
        }
        rule.m_impact = std::shared_ptr<const promql::Expr>(std::move(std::get<promql::ExprPtr>(impact)));
    }
    return rule;
}

std::string AlertRule::title(const Alert& alert) const {
    if (m_config->title.empty()) return alert.summary;
    return m_title->expand(TemplateData{alert.labels, alert.value});
}

std::pair<std::string, std::string> AlertRule::annotations(const Labels& labels, double value) const {
    TemplateData data{labels, value};
    return {m_summary->expand(data), m_description->expand(data)};
}

Result<std::vector<Transition>> AlertRule::eval(const std::vector<Sample>& result, TimePoint t) {
    struct Fresh {
        double value = 0;
        std::string summary;
        std::string description;
    };
    // The alerts the result asks for, keyed by their labels.
    std::map<Labels, Fresh> fresh;
    for (const Sample& sample : result) {
        TemplateData data{sample.labels, sample.value};
        Labels labels = sample.labels.without_metric_name();
        for (const auto& [name, tmpl] : m_label_templates) labels = labels.with(name, tmpl.expand(data));
        labels = labels.with("alertname", m_config->name);
        Fresh f{sample.value, m_summary->expand(data), m_description->expand(data)};
        if (!fresh.emplace(std::move(labels), std::move(f)).second) {
            return Error::make(ErrorCategory::invalid_argument,
                               "rule " + m_config->name +
                                   ": vector contains metrics with the same labelset after applying alert labels");
        }
    }

    // Known alerts get the new value and annotations; new ones (and resolved
    // ones that came back) start pending at t.
    std::set<Labels> created;
    for (auto& [labels, f] : fresh) {
        auto it = m_active.find(labels);
        if (it != m_active.end() && it->second.state != AlertState::inactive) {
            it->second.value = f.value;
            it->second.summary = std::move(f.summary);
            it->second.description = std::move(f.description);
            continue;
        }
        Alert alert;
        alert.labels = labels;
        alert.state = AlertState::pending;
        alert.value = f.value;
        alert.summary = std::move(f.summary);
        alert.description = std::move(f.description);
        alert.active_at = t;
        m_active.insert_or_assign(labels, std::move(alert));
        created.insert(labels);
    }

    std::vector<Transition> out;
    const Duration hold = m_config->for_duration;
    const Duration keep_for = m_config->keep_firing_for;
    for (auto it = m_active.begin(); it != m_active.end();) {
        Alert& a = it->second;
        if (!fresh.contains(it->first)) {
            // The expression no longer returns this alert.
            bool keep_firing = false;
            if (a.state == AlertState::firing && keep_for > Duration::zero()) {
                bool started = !a.keep_firing_since.has_value();
                if (started) a.keep_firing_since = t;
                if (t - *a.keep_firing_since < keep_for) {
                    keep_firing = true;
                    if (started) out.push_back({TransitionKind::keep_firing_started, a});
                }
            }
            // Pending alerts go at once; resolved ones after the retention.
            if (a.state == AlertState::pending) {
                Alert gone = a;
                gone.state = AlertState::inactive;
                gone.resolved_at = t;
                out.push_back({TransitionKind::dropped, std::move(gone)});
                it = m_active.erase(it);
                continue;
            }
            if (a.resolved_at && t - *a.resolved_at > k_resolved_retention) {
                out.push_back({TransitionKind::forgotten, a});
                it = m_active.erase(it);
                continue;
            }
            if (a.state != AlertState::inactive && !keep_firing) {
                a.state = AlertState::inactive;
                a.resolved_at = t;
                out.push_back({TransitionKind::resolved, a});
            }
            if (!keep_firing) {
                ++it;
                continue;
            }
        } else if (a.keep_firing_since) {
            a.keep_firing_since.reset();
            if (a.state == AlertState::firing) out.push_back({TransitionKind::keep_firing_ended, a});
        }

        bool is_new = created.contains(it->first);
        if (a.state == AlertState::pending && t - a.active_at >= hold) {
            a.state = AlertState::firing;
            a.fired_at = t;
            out.push_back({TransitionKind::firing, a});
        } else if (is_new) {
            out.push_back({TransitionKind::pending, a});
        }
        // `for` grew (a reload carried the alert over) beyond the alert's age.
        if (a.state == AlertState::firing && t - a.active_at < hold) {
            a.state = AlertState::pending;
            a.fired_at.reset();
            a.keep_firing_since.reset();
            out.push_back({TransitionKind::back_to_pending, a});
        }
        ++it;
    }
    return out;
}

std::vector<Alert> AlertRule::alerts() const {
    std::vector<Alert> out;
    out.reserve(m_active.size());
    for (const auto& [labels, alert] : m_active) out.push_back(alert);
    return out;
}

const Alert* AlertRule::find(const Labels& labels) const {
    auto it = m_active.find(labels);
    return it == m_active.end() ? nullptr : &it->second;
}

AlertState AlertRule::state() const {
    AlertState max = AlertState::inactive;
    for (const auto& [labels, alert] : m_active) {
        if (static_cast<int>(alert.state) > static_cast<int>(max)) max = alert.state;
    }
    return max;
}

void AlertRule::restore(Alert alert) {
    Labels key = alert.labels;
    m_active.insert_or_assign(std::move(key), std::move(alert));
}

}  // namespace tocsin::rules
