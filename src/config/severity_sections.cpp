// [severity.NAME] tiers and [incidents]: how severe an incident is and how
// alerts group into incidents. Tiers given in the file replace the defaults
// as a whole, so every name a rule or [incidents] uses must be one of them.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "sections.hpp"
#include "tocsin/core/labels.hpp"

namespace tocsin::config {
namespace {

constexpr std::int64_t k_max_rank = 100;
constexpr Duration k_max_auto_resolve = std::chrono::hours(24 * 365);

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The tier `name` probably meant: one differing only in case, else a close
// spelling of a longer name (for two-character names like "P5" every tier
// would be "close", so none is suggested).
std::optional<std::string> guess_tier(const std::string& name, const std::vector<SeverityConfig>& tiers) {
    for (const auto& tier : tiers) {
        if (lower(tier.name) == lower(name)) return tier.name;
    }
    if (name.size() <= 3) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& tier : tiers) names.push_back(tier.name);
    return closest_match(name, names);
}

std::string unknown_tier_message(const std::string& name, const std::vector<SeverityConfig>& tiers) {
    std::string message = "unknown severity " + quoted(name) + " (expected " + severity_choices(tiers) + ")";
    if (auto guess = guess_tier(name, tiers)) message += "; did you mean " + quoted(*guess) + "?";
    return message;
}

void read_auto_resolve(TableReader& r, std::optional<Duration>& out) {
    const toml::node* node = r.node("auto_resolve_after");
    if (node == nullptr) return;
    if (node->is_string() && node->as_string()->get() == "never") {
        out = std::nullopt;
        return;
    }
    if (node->is_string() && !parse_duration(node->as_string()->get())) {
        r.error("auto_resolve_after",
                "invalid duration " + quoted(node->as_string()->get()) + " (use e.g. 30m, 4h, or \"never\")");
        return;
    }
    Duration value{};
    if (r.duration("auto_resolve_after", value, std::chrono::seconds(1), k_max_auto_resolve)) out = value;
}

// Returns whether the rank was read.
bool read_severity(TableReader& r, SeverityConfig& tier) {
    r.require("rank");
    bool rank_ok = r.integer("rank", tier.rank, 0, k_max_rank);
    std::string_view status = tier.status;
    if (r.enumeration<std::string_view>("status", status,
                                        {{"major outage", "major outage"},
                                         {"partial outage", "partial outage"},
                                         {"degraded performance", "degraded performance"},
                                         {"operational", "operational"}})) {
        tier.status = std::string(status);
    }
    r.string("description", tier.description, false);
    r.boolean("page", tier.page);
    read_auto_resolve(r, tier.auto_resolve_after);
    read_severity_paging(r, tier);
    return rank_ok;
}

// Checks a tier name given at `key` (default_severity, security_severity);
// when the key is absent, the built-in default must be a tier too.
void check_incidents_tier(TableReader* r, LoadContext& ctx, std::string_view key, const std::string& value,
                          const std::vector<SeverityConfig>& tiers, const toml::node* first_tier) {
    if (r != nullptr && r->has(key)) {
        const toml::node* node = r->node(key);
        if (node->is_string() && !node->as_string()->get().empty()) check_severity_reference(*r, key, value, tiers);
        return;
    }
    if (std::any_of(tiers.begin(), tiers.end(), [&](const SeverityConfig& t) { return t.name == value; })) return;
    // The operator renamed the tiers and kept this default: say what to set.
    std::string message = "the default " + quoted(value) + " is not a configured severity; set [incidents] " +
                          std::string(key) + " to one of " + severity_choices(tiers);
    const toml::source_region where =
        first_tier != nullptr ? first_tier->source() : toml::source_region{};
    ctx.error(where, "incidents." + std::string(key), std::move(message));
}

}  // namespace

std::vector<SeverityConfig> default_severities() {
    using namespace std::chrono_literals;
    // The cadence of seed 004's response timelines: acknowledge within 30
    // minutes (P0, P1) or 4 business hours (P2); status updates hourly (P0,
    // P1) or once per business day (P2); resolution within 8 business hours
    // (P1) or 5 business days (P2). P2 pages by email during business hours.
    auto tier = [](std::string name, std::int64_t rank, std::string status, std::string description) {
        SeverityConfig t;
        t.name = std::move(name);
        t.rank = rank;
        t.status = std::move(status);
        t.description = std::move(description);
        t.auto_resolve_after = 30min;
        return t;
    };
    SeverityConfig p0 = tier("P0", 0, "major outage", "customer data loss or exposure");
    p0.ack_within = Cadence::wall(30min);
    p0.repage_every = 5min;
    p0.update_every = Cadence::wall(1h);
    p0.channels = {"telegram", "email"};
    p0.hours = PagingHours::always;
    p0.postmortem_after = 0min;  // seed: any P0

    SeverityConfig p1 = tier("P1", 1, "major outage", "ingest or alarm path down: a critical service failing");
    p1.ack_within = Cadence::wall(30min);
    p1.update_every = Cadence::wall(1h);
    p1.resolve_within = Cadence::business(8h);
    p1.channels = {"telegram", "email"};
    p1.hours = PagingHours::always;
    p1.postmortem_after = 1h;  // seed: any P1 lasting more than an hour

    SeverityConfig p2 = tier("P2", 2, "degraded performance", "degraded but functional");
    p2.ack_within = Cadence::business(4h);
    p2.update_every = Cadence::business_days_of(1);
    p2.resolve_within = Cadence::business_days_of(5);
    p2.channels = {"email"};
    p2.hours = PagingHours::business;

    SeverityConfig declassified = tier("declassified", 3, "operational", "not severe: recorded, never paged");
    declassified.page = false;

    return {std::move(p0), std::move(p1), std::move(p2), std::move(declassified)};
}

std::string severity_choices(const std::vector<SeverityConfig>& tiers) {
    std::string out;
    for (std::size_t i = 0; i < tiers.size(); ++i) {
        if (i > 0) out += i + 1 == tiers.size() ? " or " : ", ";
        out += quoted(tiers[i].name);
    }
    return out;
}

bool check_severity_reference(TableReader& r, std::string_view key, const std::string& name,
                              const std::vector<SeverityConfig>& tiers) {
    for (const auto& tier : tiers) {
        if (tier.name == name) return true;
    }
    r.error(key, unknown_tier_message(name, tiers));
    return false;
}

bool check_printable(TableReader& r, std::string_view key, const std::string& name) {
    for (char c : name) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            r.error(key, "must not contain control characters");
            return false;
        }
    }
    return true;
}

bool read_number(TableReader& r, std::string_view key, double& out, double min) {
    const toml::node* node = r.node(key);
    if (node == nullptr) return false;
    double value = 0;
    if (node->is_integer()) {
        value = static_cast<double>(node->as_integer()->get());
    } else if (node->is_floating_point()) {
        value = node->as_floating_point()->get();
        if (!std::isfinite(value)) {
            r.error(key, "must be a finite number");
            return false;
        }
    } else {
        r.error(key, std::string("expected a number, got ") + type_name(node->type()));
        return false;
    }
    if (value < min) {
        r.error(key, "must not be negative");
        return false;
    }
    out = value;
    return true;
}

std::string check_label_name(const std::string& name) {
    if (!is_valid_label_name(name)) return "invalid label name \"" + name + "\" (use [a-zA-Z_][a-zA-Z0-9_]*)";
    if (name.starts_with("__")) return "label names starting with __ are reserved";
    return {};
}

std::vector<SeverityConfig> read_severities(TableReader& root, const toml::node*& first_tier) {
    first_tier = nullptr;
    const toml::table* table = root.table("severity");
    if (table == nullptr) return default_severities();
    TableReader section(root.context(), *table, "severity");
    // File order, so that a repeated rank is reported at the later tier.
    std::vector<std::pair<std::string, const toml::node*>> entries;
    for (auto&& [key, node] : *table) entries.emplace_back(std::string(key.str()), &node);
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto& pa = a.second->source().begin;
        const auto& pb = b.second->source().begin;
        return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
    });
    std::vector<SeverityConfig> tiers;
    std::map<std::int64_t, std::pair<std::string, std::uint32_t>> ranks;  // rank -> tier, line
    for (const auto& [name, node] : entries) {
        section.node(name);
        if (!node->is_table()) {
            section.error(name, std::string("expected a table ([severity.NAME]), got ") + type_name(node->type()));
            continue;
        }
        if (first_tier == nullptr) first_tier = node;
        TableReader r(root.context(), *node->as_table(), section.key_path(name));
        SeverityConfig tier;
        tier.name = name;
        bool name_ok = !name.empty();
        if (!name_ok) r.error_at_table("a severity name must not be empty");
        for (char c : name) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                r.error_at_table("a severity name must not contain control characters");
                name_ok = false;
                break;
            }
        }
        if (read_severity(r, tier)) {
            auto [it, inserted] = ranks.emplace(tier.rank, std::make_pair(name, r.line_of("rank")));
            if (!inserted) {
                r.error("rank", "rank " + std::to_string(tier.rank) + " is already the rank of " +
                                    quoted(it->second.first) + " (line " + std::to_string(it->second.second) +
                                    "); every tier needs its own");
            }
        }
        r.finish();
        // A tier without a usable name is left out (reported above).
        if (name_ok) tiers.push_back(std::move(tier));
    }
    section.finish();
    if (entries.empty()) {
        section.error_at_table("no tier defined; add [severity.NAME] tables with a rank, or remove [severity] to use "
                               "the default tiers " + severity_choices(default_severities()));
    }
    // Nothing usable (reported): the defaults keep references from failing too.
    if (tiers.empty()) return default_severities();
    std::stable_sort(tiers.begin(), tiers.end(),
                     [](const SeverityConfig& a, const SeverityConfig& b) { return a.rank < b.rank; });
    return tiers;
}

void read_incidents(TableReader& root, const std::vector<SeverityConfig>& tiers, const toml::node* first_tier,
                    IncidentsConfig& out) {
    const toml::table* table = root.table("incidents");
    std::optional<TableReader> reader;
    if (table != nullptr) {
        reader.emplace(root.context(), *table, "incidents");
        TableReader& r = *reader;
        r.string("default_severity", out.default_severity);
        r.string("security_severity", out.security_severity);
        if (r.string_list("group_by", out.group_by)) {
            if (out.group_by.empty()) r.error("group_by", "must list at least one label (\"alertname\" is the rule)");
            for (std::size_t i = 0; i < out.group_by.size(); ++i) {
                const std::string& name = out.group_by[i];
                if (std::string message = check_label_name(name); !message.empty()) {
                    r.error_in("group_by", std::to_string(i), message);
                } else if (std::find(out.group_by.begin(), out.group_by.begin() + static_cast<std::ptrdiff_t>(i),
                                     name) != out.group_by.begin() + static_cast<std::ptrdiff_t>(i)) {
                    r.error_in("group_by", std::to_string(i), quoted(name) + " is listed twice");
                }
            }
        }
        if (r.string("component_label", out.component_label)) {
            if (std::string message = check_label_name(out.component_label); !message.empty()) {
                r.error("component_label", message);
            }
        }
    }
    // An absent key is reported where it should go, [incidents], else at the
    // first tier (whose presence replaced the default tiers).
    const toml::node* where = table != nullptr ? static_cast<const toml::node*>(table) : first_tier;
    TableReader* r = reader ? &*reader : nullptr;
    check_incidents_tier(r, root.context(), "default_severity", out.default_severity, tiers, where);
    check_incidents_tier(r, root.context(), "security_severity", out.security_severity, tiers, where);
    if (reader) reader->finish();
}

}  // namespace tocsin::config
