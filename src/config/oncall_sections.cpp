// [[person]], [[schedule]] (with [[schedule.layer]] and [[schedule.override]])
// and [business_hours]. Times of day are "HH:MM"; written dates and times are
// wall-clock times of the section's time zone unless they carry an offset;
// zones are IANA names resolved with Howard Hinnant's date/tz over the
// system's tzdata, as for [[maintenance]].
#include "oncall_sections.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "name_index.hpp"
#include "sections.hpp"
#include "tocsin/core/duration.hpp"
#include "wall_clock_reader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;

constexpr Duration k_min_rotation = std::chrono::hours(1);
constexpr Duration k_max_rotation = std::chrono::hours(24 * 7 * 52);
constexpr Duration k_week = std::chrono::hours(24 * 7);

const std::string k_range_usage = " (use \"HH:MM-HH:MM\", e.g. \"09:00-18:00\" or \"22:00-07:00\")";

// Reads every table of `list` (an array of tables under key path `path`)
// with read(reader, index), then flags its unknown keys.
template <typename Read>
void read_each(LoadContext& ctx, const toml::array& list, const std::string& path, Read&& read) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        TableReader r(ctx, *list.get(i)->as_table(), path + "[" + std::to_string(i) + "]");
        read(r, i);
        r.finish();
    }
}

// ---- time ranges ----

// "HH:MM-HH:MM" (spaces around the dash allowed); wraps past midnight when
// the end is not after the start.
bool read_range(TableReader& r, std::string_view key, std::optional<DailyHours>& out) {
    std::string text;
    if (!r.string(key, text, false)) return false;
    const std::string invalid = "invalid time range " + quoted(text) + k_range_usage;
    auto dash = text.find('-');
    if (dash == std::string::npos) {
        r.error(key, invalid);
        return false;
    }
    auto trim = [](std::string_view s) {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        return s;
    };
    const std::string_view all(text);
    const std::string_view from = trim(all.substr(0, dash));
    const std::string_view to = trim(all.substr(dash + 1));
    auto start = parse_clock(from, false);
    auto end = parse_clock(to, true);
    for (auto* side : {&start, &end}) {
        if (auto* message = std::get_if<std::string>(side)) {
            r.error(key, "invalid time range " + quoted(text) + ": " + *message);
            return false;
        }
    }
    DailyHours hours{std::get<std::chrono::minutes>(start), std::get<std::chrono::minutes>(end)};
    if (hours.start == hours.end) {
        r.error(key, "invalid time range " + quoted(text) +
                         ": it starts and ends at the same time (use \"00:00-24:00\" for the whole day)");
        return false;
    }
    out = hours;
    return true;
}

std::string format_local(TimePoint t, const date::time_zone& zone) {
    return date::format("%Y-%m-%d %H:%M", zone.to_local(date::floor<std::chrono::seconds>(t)));
}

// ---- [[person]] ----

bool atext(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

bool domain_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

}  // namespace

// A bare address, local@domain (RFC 5321's dot-atom local part, a host name
// as domain); returns a problem or "".
std::string check_email(const std::string& s) {
    const std::string head = "invalid email address " + quoted(s) + ": ";
    const std::string usage = " (use a bare address such as alice@example.com)";
    if (s.size() > 254) return head + "longer than 254 characters";
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return head + "control characters are not allowed";
        if (u >= 0x80) return head + "only ASCII addresses are supported";
        if (c == ' ') return head + "spaces are not allowed" + usage;
    }
    const auto at = s.rfind('@');
    if (at == std::string::npos) return head + "missing \"@\"" + usage;
    const std::string_view local = std::string_view(s).substr(0, at);
    const std::string_view domain = std::string_view(s).substr(at + 1);
    if (local.find('@') != std::string_view::npos) return head + "more than one \"@\"" + usage;
    if (local.empty()) return head + "nothing before \"@\"" + usage;
    if (domain.empty()) return head + "nothing after \"@\"" + usage;
    if (local.size() > 64) return head + "the part before \"@\" is longer than 64 characters";
    for (char c : local) {
        if (!atext(c)) return head + quoted(std::string(1, c)) + " is not allowed before \"@\"" + usage;
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return head + "dots before \"@\" must separate words" + usage;
    }
    std::size_t begin = 0;
    while (true) {
        const auto dot = domain.find('.', begin);
        if (!domain_label(domain.substr(begin, dot == std::string_view::npos ? dot : dot - begin))) {
            return head + "invalid domain " + quoted(domain) + usage;
        }
        if (dot == std::string_view::npos) break;
        begin = dot + 1;
    }
    return {};
}

namespace {

void read_person(TableReader& r, NameIndex& names, PersonConfig& p) {
    r.require("name");
    if (r.string("name", p.name) && check_printable(r, "name", p.name)) names.declare(r, "name", p.name);
    p.display_name = p.name;
    if (r.string("display_name", p.display_name)) check_printable(r, "display_name", p.display_name);
    if (r.string("email", p.email)) {
        if (std::string problem = check_email(p.email); !problem.empty()) r.error("email", problem);
    }
    std::int64_t chat = 0;
    if (r.integer("telegram_chat_id", chat, std::numeric_limits<std::int64_t>::min(),
                  std::numeric_limits<std::int64_t>::max())) {
        if (chat == 0) {
            r.error("telegram_chat_id", "must not be 0 (a user's chat id is positive, a group's negative)");
        } else {
            p.telegram_chat_id = chat;
        }
    }
    if (!r.has("email") && !r.has("telegram_chat_id")) {
        r.error_at_table("missing \"email\" or \"telegram_chat_id\": say how to reach " +
                         (p.name.empty() ? std::string("this person") : quoted(p.name)));
    }
    read_zone(r, p.time_zone);
    read_range(r, "quiet_hours", p.quiet_hours);
}

// ---- [[schedule]] ----

// rotation = "daily" | "weekly" | a duration from 1h to 52w in whole minutes.
void read_rotation(TableReader& r, Duration& out) {
    const toml::node* node = r.node("rotation");
    if (node == nullptr) return;
    const std::string usage = "\"daily\", \"weekly\" or a duration such as \"3d\", \"12h\" or \"2w\"";
    if (!node->is_string()) {
        r.error("rotation", "expected " + usage + ", got " + type_name(node->type()));
        return;
    }
    const std::string& text = node->as_string()->get();
    if (text == "daily") {
        out = std::chrono::hours(24);
        return;
    }
    if (text == "weekly") {
        out = k_week;
        return;
    }
    auto parsed = parse_duration(text);
    if (!parsed) {
        std::string message = "invalid rotation " + quoted(text) + " (use " + usage + ")";
        if (auto guess = closest_match(text, {"daily", "weekly"})) message += "; did you mean " + quoted(*guess) + "?";
        r.error("rotation", message);
        return;
    }
    if (*parsed < k_min_rotation) {
        r.error("rotation", "must be at least " + format_duration(k_min_rotation) + ", got " + text);
    } else if (*parsed > k_max_rotation) {
        r.error("rotation", "must be at most " + format_duration(k_max_rotation) + ", got " + text);
    } else if (*parsed % std::chrono::minutes(1) != Duration::zero()) {
        r.error("rotation", "must be whole minutes, got " + text);
    } else {
        out = *parsed;
    }
}

void read_layer(TableReader& r, std::size_t index, const date::time_zone* zone, const NameIndex& people,
                NameIndex& layer_names, ScheduleLayerConfig& layer) {
    layer.name = "layer " + std::to_string(index + 1);
    if (r.has("name")) {
        if (r.string("name", layer.name) && check_printable(r, "name", layer.name)) {
            layer_names.declare(r, "name", layer.name);
        }
    } else if (!layer_names.contains(layer.name)) {
        layer_names.insert(layer.name, r.line_of("name"));
    }

    r.require("people");
    if (r.string_list("people", layer.people)) {
        if (layer.people.empty()) r.error("people", "must list at least one person");
        for (std::size_t i = 0; i < layer.people.size(); ++i) {
            people.check_reference_in(r, "people", std::to_string(i), layer.people[i]);
        }
    }

    read_rotation(r, layer.rotation);
    read_clock(r, "handoff", layer.handoff, false);

    r.require("start");
    std::optional<date::local_seconds> start;
    if (auto written = read_time(r, "start", true); written && zone != nullptr) {
        date::local_seconds local = written->date_only ? written->local + layer.handoff : to_local(*written, *zone);
        if (!year_in_range(local)) {
            r.error("start", "is outside the years 1970 to 9999 in " + std::string(zone->name()));
        } else {
            start = local;
            layer.start_local = local.time_since_epoch();
        }
    }

    const bool whole_weeks = layer.rotation % k_week == Duration::zero();
    if (r.has("handoff_day")) {
        std::string written;
        if (!whole_weeks) {
            r.node("handoff_day");
            r.error("handoff_day",
                    "only applies to rotations of whole weeks (\"weekly\", \"2w\"); this layer "
                    "rotates every " +
                        format_duration(layer.rotation));
        } else if (r.string("handoff_day", written)) {
            if (auto day = weekday_of(written)) {
                layer.handoff_day = *day;
            } else {
                r.error("handoff_day", invalid_weekday(written));
            }
        }
    } else if (whole_weeks && start) {
        layer.handoff_day = static_cast<int>(date::weekday(date::floor<date::days>(*start)).c_encoding());
    }

    read_weekdays(r, "active_days", layer.active_days);
    read_range(r, "active_hours", layer.active_hours);
}

struct ReadOverride {
    std::size_t index;
    std::string person;
    TimePoint start, end;
};

void read_override(TableReader& r, std::size_t index, const date::time_zone* zone, const NameIndex& people,
                   std::vector<ReadOverride>& earlier, ScheduleOverrideConfig& o) {
    r.require("person");
    if (r.string("person", o.person)) people.check_reference(r, "person", o.person);
    r.require("start");
    r.require("end");
    auto start = read_time(r, "start", false);
    auto end = read_time(r, "end", false);
    if (zone == nullptr) return;
    std::optional<TimePoint> from, to;
    for (auto [written, key, out] : {std::tuple{&start, "start", &from}, std::tuple{&end, "end", &to}}) {
        if (!*written) continue;
        const date::local_seconds local = to_local(**written, *zone);
        if (!year_in_range(local)) {
            r.error(key, "is outside the years 1970 to 9999 in " + std::string(zone->name()));
            continue;
        }
        *out = TimePoint(to_instant(local, *zone));
    }
    if (!from || !to) return;
    if (*to <= *from) {
        r.error("end", "must be after start");
        return;
    }
    o.start = *from;
    o.end = *to;
    for (const auto& other : earlier) {
        if (o.start < other.end && other.start < o.end) {
            r.error("start", "overlaps override[" + std::to_string(other.index) + "] (" + other.person + ", " +
                                 format_local(other.start, *zone) + " to " + format_local(other.end, *zone) +
                                 "); overrides of one schedule must not overlap");
            return;
        }
    }
    earlier.push_back(ReadOverride{index, o.person, o.start, o.end});
}

void read_schedule(TableReader& r, NameIndex& names, const NameIndex& people, ScheduleConfig& s) {
    r.require("name");
    if (r.string("name", s.name) && check_printable(r, "name", s.name)) names.declare(r, "name", s.name);
    const date::time_zone* zone = read_zone(r, s.time_zone);

    if (!r.has("layer")) {
        r.node("layer");
        r.error_at_table("missing [[schedule.layer]]: a schedule needs at least one layer of people taking turns");
    } else if (const toml::array* layers = r.array_of_tables("layer")) {
        if (layers->empty()) r.error("layer", "must have at least one layer");
        NameIndex layer_names("layer");
        read_each(r.context(), *layers, r.key_path("layer"), [&](TableReader& lr, std::size_t i) {
            ScheduleLayerConfig layer;
            read_layer(lr, i, zone, people, layer_names, layer);
            s.layers.push_back(std::move(layer));
        });
    }

    if (const toml::array* overrides = r.array_of_tables("override")) {
        std::vector<ReadOverride> earlier;
        read_each(r.context(), *overrides, r.key_path("override"), [&](TableReader& orr, std::size_t i) {
            ScheduleOverrideConfig o;
            read_override(orr, i, zone, people, earlier, o);
            s.overrides.push_back(std::move(o));
        });
    }
}

// ---- [business_hours] ----

void read_holidays(TableReader& r, std::vector<std::chrono::days>& out) {
    const toml::node* node = r.node("holidays");
    if (node == nullptr) return;
    if (!node->is_array()) {
        r.error("holidays",
                std::string("expected an array of dates such as [2026-12-25], got ") + type_name(node->type()));
        return;
    }
    const toml::array& array = *node->as_array();
    std::vector<std::chrono::days> days;
    bool ok = true;
    for (std::size_t i = 0; i < array.size(); ++i) {
        const toml::node& element = *array.get(i);
        std::optional<date::year_month_day> ymd;
        std::string written;
        if (element.is_date()) {
            const toml::date& d = element.as_date()->get();
            ymd = make_date(d.year, d.month, d.day);
            if (!ymd) continue;  // toml++ accepts only real dates
            written = date::format("%F", date::local_days(*ymd));
        } else if (element.is_string()) {
            written = element.as_string()->get();
            ymd = parse_date(written);
            if (!ymd) {
                r.error_in("holidays", std::to_string(i), "invalid date " + quoted(written) + " (use YYYY-MM-DD)");
                ok = false;
                continue;
            }
        } else {
            r.error_in("holidays", std::to_string(i),
                       std::string("expected a date such as 2026-12-25, got ") + type_name(element.type()));
            ok = false;
            continue;
        }
        const std::chrono::days day{date::local_days(*ymd).time_since_epoch().count()};
        if (std::find(days.begin(), days.end(), day) != days.end()) {
            r.error_in("holidays", std::to_string(i), quoted(written) + " is listed twice");
            ok = false;
            continue;
        }
        days.push_back(day);
    }
    if (!ok) return;
    std::sort(days.begin(), days.end());
    out = std::move(days);
}

void read_business_hours(TableReader& root, BusinessHoursConfig& out) {
    const toml::table* table = root.table("business_hours");
    if (table == nullptr) return;
    TableReader r(root.context(), *table, "business_hours");
    read_zone(r, out.time_zone);
    read_weekdays(r, "weekdays", out.weekdays);
    const bool start_ok = !r.has("start") || read_clock(r, "start", out.start, false);
    const bool end_ok = !r.has("end") || read_clock(r, "end", out.end, true);
    if (start_ok && end_ok && out.end <= out.start) {
        if (r.has("end")) {
            r.error("end",
                    "must be after start (" + format_clock(out.start) + "): business hours cannot cross midnight");
        } else {
            r.error("start", "must be before end (" + format_clock(out.end) +
                                 ", the default): business hours cannot cross midnight");
        }
    }
    read_holidays(r, out.holidays);
    r.finish();
}

// ---- printing ----

toml::array day_array(const std::vector<int>& days) {
    toml::array out;
    for (int d : days) out.push_back(d >= 0 && d < 7 ? std::string(k_day_names[static_cast<std::size_t>(d)]) : "?");
    return out;
}

std::string range_text(const DailyHours& h) { return format_clock(h.start) + "-" + format_clock(h.end); }

toml::table person_table(const PersonConfig& p) {
    toml::table out{{"name", p.name}, {"display_name", p.display_name}};
    if (!p.email.empty()) out.insert("email", p.email);
    if (p.telegram_chat_id) out.insert("telegram_chat_id", *p.telegram_chat_id);
    if (p.quiet_hours) out.insert("quiet_hours", range_text(*p.quiet_hours));
    out.insert("time_zone", p.time_zone);
    return out;
}

std::string instant_text(TimePoint t, const std::string& zone_name) {
    const auto seconds = date::floor<std::chrono::seconds>(t);
    try {
        return date::format("%Y-%m-%dT%H:%M:%S%Ez", date::make_zoned(date::locate_zone(zone_name), seconds));
    } catch (const std::exception&) {
        return date::format("%Y-%m-%dT%H:%M:%SZ", seconds);
    }
}

toml::table schedule_table(const ScheduleConfig& s) {
    toml::table out{{"name", s.name}, {"time_zone", s.time_zone}};
    toml::array layers;
    for (const auto& l : s.layers) {
        toml::array names;
        for (const auto& p : l.people) names.push_back(p);
        toml::table t{{"name", l.name}, {"people", std::move(names)}};
        t.insert("rotation", format_duration(l.rotation));
        t.insert("handoff", format_clock(l.handoff));
        if (l.handoff_day)
            t.insert("handoff_day", std::string(k_day_names[static_cast<std::size_t>(*l.handoff_day % 7)]));
        t.insert("start", date::format("%Y-%m-%dT%H:%M:%S", date::local_seconds(l.start_local)));
        if (!l.active_days.empty()) t.insert("active_days", day_array(l.active_days));
        if (l.active_hours) t.insert("active_hours", range_text(*l.active_hours));
        layers.push_back(std::move(t));
    }
    out.insert("layer", std::move(layers));
    if (!s.overrides.empty()) {
        toml::array overrides;
        for (const auto& o : s.overrides) {
            overrides.push_back(toml::table{{"person", o.person},
                                            {"start", instant_text(o.start, s.time_zone)},
                                            {"end", instant_text(o.end, s.time_zone)}});
        }
        out.insert("override", std::move(overrides));
    }
    return out;
}

toml::table business_hours_table(const BusinessHoursConfig& b) {
    toml::table out{{"time_zone", b.time_zone}, {"weekdays", day_array(b.weekdays)}};
    out.insert("start", format_clock(b.start));
    out.insert("end", format_clock(b.end));
    toml::array holidays;
    for (auto day : b.holidays) {
        const date::year_month_day ymd{date::local_days(date::days(day.count()))};
        holidays.push_back(toml::date{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                      static_cast<unsigned>(ymd.day())});
    }
    out.insert("holidays", std::move(holidays));
    return out;
}

}  // namespace

void read_oncall_sections(TableReader& root, std::vector<PersonConfig>& people, std::vector<ScheduleConfig>& schedules,
                          BusinessHoursConfig& business_hours) {
    NameIndex person_names("person");
    if (const toml::array* list = root.array_of_tables("person")) {
        read_each(root.context(), *list, "person", [&](TableReader& r, std::size_t) {
            PersonConfig person;
            read_person(r, person_names, person);
            people.push_back(std::move(person));
        });
    }
    if (const toml::array* list = root.array_of_tables("schedule")) {
        NameIndex schedule_names("schedule");
        read_each(root.context(), *list, "schedule", [&](TableReader& r, std::size_t) {
            ScheduleConfig schedule;
            read_schedule(r, schedule_names, person_names, schedule);
            schedules.push_back(std::move(schedule));
        });
    }
    read_business_hours(root, business_hours);
}

void write_oncall_sections(const Config& c, toml::table& root) {
    if (!c.people.empty()) {
        toml::array people;
        for (const auto& p : c.people) people.push_back(person_table(p));
        root.insert("person", std::move(people));
    }
    if (!c.schedules.empty()) {
        toml::array schedules;
        for (const auto& s : c.schedules) schedules.push_back(schedule_table(s));
        root.insert("schedule", std::move(schedules));
    }
    root.insert("business_hours", business_hours_table(c.business_hours));
}

}  // namespace tocsin::config
