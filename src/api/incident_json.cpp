#include "tocsin/api/incident_json.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "json_objects.hpp"
#include "tocsin/core/ascii.hpp"

namespace tocsin::api {
namespace {

namespace json = boost::json;
using namespace std::chrono;

json::value time_value(const std::optional<TimePoint>& t) {
    if (!t) return nullptr;
    return json::string(format_rfc3339(*t));
}

json::value number_value(const std::optional<double>& v) {
    // JSON has no NaN or infinities.
    if (!v || !std::isfinite(*v)) return nullptr;
    return *v;
}

json::object actor_object(const incident::Actor& actor) {
    return json::object{{"name", actor.name}, {"channel", actor.channel}};
}

}  // namespace

std::string format_rfc3339(TimePoint t) {
    const auto ms = floor<milliseconds>(t);
    const auto day = floor<days>(ms);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> tod{ms - day};
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()), static_cast<int>(tod.subseconds().count()));
    return buffer;
}

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (s.size() < 20 || !parse_fixed_digits(s, 0, 4, y) || s[4] != '-' || !parse_fixed_digits(s, 5, 2, mo) || s[7] != '-' ||
        !parse_fixed_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !parse_fixed_digits(s, 11, 2, h) ||
        s[13] != ':' || !parse_fixed_digits(s, 14, 2, mi) || s[16] != ':' || !parse_fixed_digits(s, 17, 2, sec)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    int millis = 0;
    if (s[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        int scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            millis += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start || pos - start > 9) return std::nullopt;
    }
    const std::string_view zone = s.substr(pos);
    minutes offset{0};
    if (zone != "Z" && zone != "z") {
        int oh = 0, om = 0;
        if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || !parse_fixed_digits(zone, 1, 2, oh) || zone[3] != ':' ||
            !parse_fixed_digits(zone, 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = minutes((zone[0] == '-' ? -1 : 1) * (oh * 60 + om));
    }
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
    const auto local = sys_days{ymd} + hours(h) + minutes(mi) + seconds(sec) + milliseconds(millis);
    const auto instant = local - offset;
    if (instant < sys_days{year{1970} / 1 / 1} || instant >= sys_days{year{10000} / 1 / 1}) return std::nullopt;
    // TimePoint counts nanoseconds on libstdc++: it ends in 2262.
    if (instant > floor<milliseconds>(TimePoint::max())) return std::nullopt;
    return time_point_cast<TimePoint::duration>(instant);
}

json::object incident_object(const incident::Incident& i) {
    json::array alerts;
    for (const auto& labels : i.alerts) {
        json::object o;
        for (const auto& label : labels) o[label.name] = label.value;
        alerts.emplace_back(std::move(o));
    }
    json::array affected;
    for (const auto& c : i.affected_components) affected.emplace_back(c);
    json::object o;
    o["id"] = i.id;
    o["key"] = i.key;
    o["rule"] = i.rule;
    o["component"] = i.component;
    o["title"] = i.title;
    o["description"] = i.description;
    o["severity"] = i.severity;
    o["auto_severity"] = i.auto_severity;
    o["state"] = incident::to_string(i.state);
    o["security"] = i.security;
    o["manual"] = i.manual;
    o["reporter"] = i.reporter;
    o["impact"] = number_value(i.impact);
    o["peak_impact"] = number_value(i.peak_impact);
    o["alerts"] = std::move(alerts);
    o["affected_components"] = std::move(affected);
    o["impact_started"] = time_value(i.impact_started);
    o["detected"] = time_value(i.detected);
    o["acknowledged"] = time_value(i.acknowledged);
    o["acknowledged_by"] = i.acknowledged_by ? json::value(actor_object(*i.acknowledged_by)) : json::value(nullptr);
    o["identified"] = time_value(i.identified);
    o["mitigated"] = time_value(i.mitigated);
    o["resolved"] = time_value(i.resolved);
    o["condition_active"] = i.condition_active;
    o["clear_since"] = time_value(i.clear_since);
    o["taxonomy"] = i.taxonomy;
    return o;
}

json::object event_object(const incident::IncidentEvent& e) {
    json::object o;
    o["id"] = e.id;
    o["incident_id"] = e.incident_id;
    o["at"] = format_rfc3339(e.at);
    o["kind"] = incident::to_string(e.kind);
    o["actor"] = e.actor.name;
    o["channel"] = e.actor.channel;
    o["message"] = e.message;
    o["detail"] = e.detail;
    o["prev_hash"] = e.prev_hash;
    o["hash"] = e.hash;
    return o;
}

std::string to_json(const incident::Incident& incident) { return json::serialize(incident_object(incident)); }
std::string to_json(const incident::IncidentEvent& event) { return json::serialize(event_object(event)); }

}  // namespace tocsin::api
