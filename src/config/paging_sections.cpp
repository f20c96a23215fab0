// Paging: the cadence keys of [severity.NAME] (with [[severity.NAME.escalation]]),
// the channels ([channel.email], [channel.telegram], [channel.webhook]) and
// the dispatcher's [paging] settings (docs/configuration.md, docs/paging.md).
#include <boost/url/parse.hpp>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

#include "name_index.hpp"
#include "sections.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/notify/webhook/webhook_protocol.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;

constexpr Duration k_max_cadence = std::chrono::hours(24 * 7 * 52);
constexpr int k_max_business_days = 365;
constexpr std::int64_t k_max_repeat = 100;
constexpr Duration k_min_repage = std::chrono::seconds(1);  // seconds are for tests and demos
constexpr Duration k_max_repage = std::chrono::hours(24 * 7);
constexpr Duration k_min_timeout = std::chrono::milliseconds(100);
constexpr Duration k_max_timeout = std::chrono::hours(1);

constexpr std::array<std::string_view, 4> k_channel_names = {"email", "telegram", "webhook", "console"};

const std::string k_cadence_usage =
    "use a duration such as \"30m\" or \"1h30m\", business time such as \"4 business hours\", "
    "\"1.5 business hours\" or \"4h business\", or business days such as \"1 business day\" or "
    "\"5 business days\"";

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string_view> words_of(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

enum class Scaled { ok, not_a_number, too_precise, too_large };

// "N" or "N.F" (digits only) times `unit` (at most an hour), exactly, in
// milliseconds.
Scaled scaled(std::string_view number, Duration unit, Duration& out) {
    const auto dot = number.find('.');
    std::string_view whole = number.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
    auto digits = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!digits(whole) || (dot != std::string_view::npos && !digits(frac))) return Scaled::not_a_number;
    while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
    // Six digits of hours or minutes are more than any cadence allows, and
    // six decimals more than a millisecond resolves: no overflow below.
    if (whole.size() > 6) return Scaled::too_large;
    if (frac.size() > 6) return Scaled::too_precise;
    std::uint64_t numerator = 0;
    std::uint64_t denominator = 1;
    for (char c : whole) numerator = numerator * 10 + static_cast<unsigned>(c - '0');
    for (char c : frac) {
        numerator = numerator * 10 + static_cast<unsigned>(c - '0');
        denominator *= 10;
    }
    const std::uint64_t product = numerator * static_cast<std::uint64_t>(unit.count());
    if (product % denominator != 0) return Scaled::too_precise;
    const std::uint64_t ms = product / denominator;
    out = Duration(static_cast<std::int64_t>(ms));
    return Scaled::ok;
}

std::variant<Cadence, std::string> checked_length(Cadence c, std::string_view text) {
    if (c.length <= Duration::zero()) return "must be longer than 0, got " + quoted(text);
    if (c.length > k_max_cadence) {
        return "must be at most " + format_duration(k_max_cadence) + ", got " + quoted(text);
    }
    return c;
}

// ---- [severity.NAME] paging keys ----

// An array of names under `key` (schedules, people), each once and non-empty;
// false when some entry is bad (reported).
bool read_names(TableReader& r, std::string_view key, std::vector<std::string>& out) {
    std::vector<std::string> names;
    if (!r.string_list(key, names)) return !r.has(key);
    bool ok = true;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto begin = names.begin();
        if (names[i].empty()) {
            r.error_in(key, std::to_string(i), "must not be empty");
            ok = false;
        } else if (std::find(begin, begin + static_cast<std::ptrdiff_t>(i), names[i]) !=
                   begin + static_cast<std::ptrdiff_t>(i)) {
            r.error_in(key, std::to_string(i), quoted(names[i]) + " is listed twice");
            ok = false;
        }
    }
    out = std::move(names);
    return ok;
}

void read_level(TableReader& r, std::size_t index, EscalationLevelConfig& level) {
    const bool schedules_ok = read_names(r, "schedules", level.schedules);
    const bool people_ok = read_names(r, "people", level.people);
    if (schedules_ok && people_ok && level.schedules.empty() && level.people.empty()) {
        r.error_at_table(
            "a level needs at least one schedule or person (schedules = [\"primary\"], people = [\"alice\"])");
    }
    if (!r.has("after")) return;
    if (index == 0) {
        r.node("after");
        r.error("after",
                "the first level is paged when the incident is declared; `after` applies from the second level "
                "on (the first level has ack_within to acknowledge)");
        return;
    }
    Cadence after;
    if (read_cadence(r, "after", after)) level.after = after;
}

void read_escalation(TableReader& r, std::vector<EscalationLevelConfig>& out) {
    if (!r.has("escalation")) return;
    const toml::array* levels = r.array_of_tables("escalation");
    if (levels == nullptr) return;
    if (levels->empty()) {
        r.error("escalation",
                "must have at least one level (leave it out to page whoever is on call in every [[schedule]])");
        return;
    }
    for (std::size_t i = 0; i < levels->size(); ++i) {
        TableReader lr(r.context(), *levels->get(i)->as_table(), r.key_path("escalation") + "[" + std::to_string(i) + "]");
        EscalationLevelConfig level;
        read_level(lr, i, level);
        lr.finish();
        out.push_back(std::move(level));
    }
}

std::string channel_choices() { return "\"email\", \"telegram\", \"webhook\" or \"console\""; }

std::string unknown_channel_message(const std::string& name) {
    std::string message = "unknown channel " + quoted(name) + " (expected " + channel_choices() + ")";
    std::vector<std::string> names(k_channel_names.begin(), k_channel_names.end());
    if (auto guess = closest_match(lower(name), names)) message += "; did you mean " + quoted(*guess) + "?";
    return message;
}

void read_tier_channels(TableReader& r, std::vector<std::string>& out) {
    std::vector<std::string> channels;
    if (!r.string_list("channels", channels)) return;
    bool ok = true;
    for (std::size_t i = 0; i < channels.size(); ++i) {
        const std::string& name = channels[i];
        const auto begin = channels.begin();
        if (std::find(k_channel_names.begin(), k_channel_names.end(), name) == k_channel_names.end()) {
            r.error_in("channels", std::to_string(i), unknown_channel_message(name));
            ok = false;
        } else if (std::find(begin, begin + static_cast<std::ptrdiff_t>(i), name) !=
                   begin + static_cast<std::ptrdiff_t>(i)) {
            r.error_in("channels", std::to_string(i), quoted(name) + " is listed twice");
            ok = false;
        }
    }
    if (ok) out = std::move(channels);
}

// ---- [channel.*] ----

bool has_control(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
}

// A required secret: `key` or `key`_file; its absence is reported at the table.
void read_required_secret(TableReader& r, std::string_view key, std::optional<Secret>& out) {
    const std::string file_key = std::string(key) + "_file";
    if (!r.has(key) && !r.has(file_key)) {
        r.node(key);  // known keys, for the "did you mean" of a misspelt one
        r.node(file_key);
        r.error_at_table("missing required key \"" + file_key + "\" (or " + std::string(key) + " = \"env:NAME\" / " +
                         std::string(key) + " = \"cred:NAME\")");
        return;
    }
    r.secret(key, out);
}

// The key a secret was given under, for messages about its value.
std::string_view secret_key(TableReader& r, std::string_view key, std::string_view file_key) {
    return r.has(key) ? key : file_key;
}

void read_timeout(TableReader& r, std::string_view key, Duration& out) {
    r.duration(key, out, k_min_timeout, k_max_timeout);
}

void read_email(TableReader& r, EmailChannelConfig& e) {
    r.require("host");
    if (r.string("host", e.host)) {
        if (has_control(e.host) || e.host.find(' ') != std::string::npos) {
            r.error("host", "must be a host name or address without spaces");
        }
    }
    std::string_view security = e.security;
    if (r.enumeration<std::string_view>("security", security,
                                        {{"starttls", "starttls"}, {"tls", "tls"}, {"none", "none"}})) {
        e.security = std::string(security);
    }
    // The port follows the security unless given: submission with STARTTLS,
    // submissions with implicit TLS, plain SMTP to a local relay.
    e.port = e.security == "tls" ? 465 : e.security == "none" ? 25 : 587;
    std::int64_t port = e.port;
    if (r.integer("port", port, 1, 65535)) e.port = static_cast<std::uint16_t>(port);
    r.boolean("insecure_local_relay", e.insecure_local_relay);
    const bool plain = e.security == "none";
    if (plain && !e.insecure_local_relay) {
        r.error("security",
                "security = \"none\" sends mail and any password in plain text; it is only for a relay on this "
                "host or a trusted local network: set insecure_local_relay = true to say so, or use \"starttls\" "
                "or \"tls\"");
    }
    read_tls(r, e.tls);
    if (plain && r.has("tls")) r.error("tls", "only applies with security = \"starttls\" or \"tls\"");

    if (r.string("username", e.username) && has_control(e.username)) {
        r.error("username", "must not contain control characters");
    }
    r.secret("password", e.password);
    r.enumeration<std::string>("auth", e.auth, {{"auto", "auto"}, {"plain", "plain"}, {"login", "login"}});
    r.boolean("allow_plain_auth_without_tls", e.allow_plain_auth_without_tls);
    const bool has_password = r.has("password") || r.has("password_file");
    if (has_password && !r.has("username")) {
        r.error(secret_key(r, "password", "password_file"), "a password needs a username");
    }
    if (r.has("username") && !has_password && !(plain && e.insecure_local_relay)) {
        r.error("username", "needs password_file (or password = \"env:NAME\" / \"cred:NAME\")");
    }
    if (e.allow_plain_auth_without_tls && !plain) {
        r.error("allow_plain_auth_without_tls", "only applies with security = \"none\"; with \"" + e.security +
                                                    "\" authentication is always encrypted");
    } else if (plain && r.has("username") && !e.allow_plain_auth_without_tls) {
        r.error("username",
                "authenticating over a plain-text connection (security = \"none\") needs "
                "allow_plain_auth_without_tls = true");
    }

    r.require("from");
    if (r.string("from", e.from)) {
        if (std::string problem = check_email(e.from); !problem.empty()) r.error("from", problem);
    }
    e.from_name = "tocsin";
    if (r.string("from_name", e.from_name, false) && has_control(e.from_name)) {
        r.error("from_name", "must not contain control characters");
    }
    if (r.string("helo_name", e.helo_name) && (has_control(e.helo_name) || e.helo_name.find(' ') != std::string::npos)) {
        r.error("helo_name", "must be a host name without spaces");
    }
    read_timeout(r, "connect_timeout", e.connect_timeout);
    read_timeout(r, "command_timeout", e.command_timeout);
    read_timeout(r, "send_timeout", e.send_timeout);
}

bool loopback_host(std::string host) {
    host = lower(host);
    return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

// An array of integers under `key`, none 0 and each once; `positive` for user ids.
void read_ids(TableReader& r, std::string_view key, bool positive, std::vector<std::int64_t>& out) {
    const toml::node* node = r.node(key);
    if (node == nullptr) return;
    if (!node->is_array()) {
        r.error(key, std::string("expected an array of integers, got ") + type_name(node->type()));
        return;
    }
    const toml::array& array = *node->as_array();
    std::vector<std::int64_t> ids;
    bool ok = true;
    for (std::size_t i = 0; i < array.size(); ++i) {
        const toml::node& element = *array.get(i);
        const std::string sub = std::to_string(i);
        if (!element.is_integer()) {
            r.error_in(key, sub, std::string("expected an integer, got ") + type_name(element.type()));
            ok = false;
            continue;
        }
        const std::int64_t id = element.as_integer()->get();
        if (positive && id <= 0) {
            r.error_in(key, sub, "must be positive (a Telegram user id), got " + std::to_string(id));
            ok = false;
        } else if (id == 0) {
            r.error_in(key, sub, "must not be 0 (a user's chat id is positive, a group's negative)");
            ok = false;
        } else if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
            r.error_in(key, sub, std::to_string(id) + " is listed twice");
            ok = false;
        } else {
            ids.push_back(id);
        }
    }
    if (ok) out = std::move(ids);
}

bool token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '-';
}

void read_telegram(TableReader& r, TelegramChannelConfig& t) {
    bool https = true;
    if (r.string("api_url", t.api_url) && check_http_url(r, "api_url", t.api_url)) {
        auto parsed = boost::urls::parse_uri(t.api_url);
        https = parsed->scheme() == "https";
        if (!https && !loopback_host(std::string(parsed->host_address()))) {
            r.error("api_url",
                    "http:// is only allowed for a Bot API server on this host (127.0.0.1, ::1 or localhost): the "
                    "bot token travels in the URL; use https://");
        }
    }
    read_required_secret(r, "bot_token", t.bot_token);
    if (t.bot_token) {
        const std::string& token = t.bot_token->reveal();
        if (!std::all_of(token.begin(), token.end(), token_char)) {
            // Never the value: it is the bot's whole identity.
            r.error(secret_key(r, "bot_token", "bot_token_file"),
                    "the bot token has characters a token never has (expected digits, letters, ':', '_' and '-', "
                    "as BotFather gives)");
        }
    }
    read_tls(r, t.tls);
    if (!https && r.has("tls")) r.error("tls", "only applies to an https:// api_url");
    if (r.secret("callback_key", t.callback_key) && t.callback_key->reveal().size() < 16) {
        r.error(secret_key(r, "callback_key", "callback_key_file"),
                "must be at least 16 bytes (e.g. openssl rand -base64 32), got " +
                    std::to_string(t.callback_key->reveal().size()));
    }
    read_ids(r, "allowed_chat_ids", false, t.allowed_chat_ids);
    read_ids(r, "allowed_user_ids", true, t.allowed_user_ids);
    r.boolean("poll_updates", t.poll_updates);
    Duration poll = t.poll_timeout;
    if (r.duration("poll_timeout", poll, 1s, 50s)) {
        if (poll % 1s != Duration::zero()) {
            r.error("poll_timeout", "must be whole seconds, got " + format_duration(poll));
        } else {
            t.poll_timeout = std::chrono::duration_cast<std::chrono::seconds>(poll);
        }
    }
    read_timeout(r, "request_timeout", t.request_timeout);
}

bool token_header_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void read_webhook(TableReader& r, WebhookChannelConfig& w) {
    r.require("url");
    if (r.string("url", w.url)) check_http_url(r, "url", w.url);
    read_required_secret(r, "secret", w.secret);
    if (r.string_map("headers", w.headers)) {
        for (const auto& [name, value] : w.headers) {
            const std::string l = lower(name);
            if (name.empty() || !std::all_of(name.begin(), name.end(), token_header_char)) {
                r.error_in("headers", name, "invalid header name " + quoted(name));
            } else if (notify::webhook::is_reserved_webhook_header(name)) {
                r.error_in("headers", name, quoted(name) + " is set by tocsin and cannot be configured");
            } else if (has_control(value)) {
                r.error_in("headers", name, "a header value must not contain control characters");
            }
        }
    }
    read_tls(r, w.tls);
    read_timeout(r, "timeout", w.timeout);
}

// 32 random bytes for `link_key = "random"`; its source says so, and the
// writer prints "random" again.
Secret random_link_key() {
    std::string key(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
        throw std::runtime_error("cannot draw a random link key");
    }
    return Secret(std::move(key), "random");
}

}  // namespace

std::variant<Cadence, std::string> parse_cadence(std::string_view text) {
    const std::string invalid = "invalid cadence " + quoted(text) + " (" + k_cadence_usage + ")";
    const std::vector<std::string_view> words = words_of(text);
    if (words.empty() || words.size() > 3) return invalid;
    const std::string_view first = words[0];
    if (first.starts_with('-')) {
        // A negative amount of an otherwise valid cadence.
        std::string positive(text);
        positive.erase(positive.find('-'), 1);
        if (std::holds_alternative<Cadence>(parse_cadence(positive))) return "must be longer than 0, got " + quoted(text);
        return invalid;
    }
    if (words.size() == 1) {
        auto d = parse_duration(first);
        if (!d) return invalid;
        return checked_length(Cadence::wall(*d), text);
    }
    if (lower(words[1]) != "business") {
        // "4 buisness hours": say what it probably meant.
        if (closest_match(lower(words[1]), {"business"})) {
            std::string fixed(first);
            fixed += " business";
            if (words.size() == 3) fixed += " " + std::string(words[2]);
            if (std::holds_alternative<Cadence>(parse_cadence(fixed))) {
                return invalid + "; did you mean " + quoted(fixed) + "?";
            }
        }
        return invalid;
    }
    if (words.size() == 2) {
        auto d = parse_duration(first);
        if (!d) return invalid;
        return checked_length(Cadence::business(*d), text);
    }
    const std::string unit = lower(words[2]);
    const std::string too_long = "must be at most " + format_duration(k_max_cadence) + ", got " + quoted(text);
    if (unit == "day" || unit == "days") {
        Duration ignored{};
        switch (scaled(first, 1ms, ignored)) {
            case Scaled::not_a_number: return invalid;
            case Scaled::too_large: break;
            case Scaled::too_precise:
            case Scaled::ok:
                if (first.find('.') != std::string_view::npos) {
                    return "business days must be a whole number, got " + quoted(text) +
                           " (use e.g. \"2 business days\", or business hours such as \"12 business hours\")";
                }
                break;
        }
        int days = 0;
        auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), days);
        if (ec != std::errc{} || days > k_max_business_days) {
            return "must be at most " + std::to_string(k_max_business_days) + " business days, got " + quoted(text);
        }
        if (days <= 0) return "must be longer than 0, got " + quoted(text);
        return Cadence::business_days_of(days);
    }
    Duration per{};
    if (unit == "hour" || unit == "hours") {
        per = 1h;
    } else if (unit == "minute" || unit == "minutes") {
        per = 1min;
    } else {
        return invalid;
    }
    Duration length{};
    switch (scaled(first, per, length)) {
        case Scaled::not_a_number: return invalid;
        case Scaled::too_large: return too_long;
        case Scaled::too_precise:
            return quoted(text) + " is not a whole number of milliseconds (use fewer decimals)";
        case Scaled::ok: break;
    }
    return checked_length(Cadence::business(length), text);
}

bool read_cadence(TableReader& r, std::string_view key, Cadence& out) {
    const toml::node* node = r.node(key);
    if (node == nullptr) return false;
    if (!node->is_string()) {
        r.error(key, std::string("expected a cadence such as \"30m\", \"4 business hours\" or \"1 business day\", got ") +
                         type_name(node->type()));
        return false;
    }
    auto parsed = parse_cadence(node->as_string()->get());
    if (auto* message = std::get_if<std::string>(&parsed)) {
        r.error(key, std::move(*message));
        return false;
    }
    out = std::get<Cadence>(parsed);
    return true;
}

void read_severity_paging(TableReader& r, SeverityConfig& tier) {
    read_escalation(r, tier.escalation);
    read_cadence(r, "ack_within", tier.ack_within);
    std::int64_t repeat = tier.repeat;
    if (r.integer("repeat", repeat, 0, k_max_repeat)) tier.repeat = static_cast<int>(repeat);
    Duration repage{};
    if (r.duration("repage_every", repage, k_min_repage, k_max_repage)) tier.repage_every = repage;
    Cadence cadence;
    if (read_cadence(r, "update_every", cadence)) tier.update_every = cadence;
    if (read_cadence(r, "resolve_within", cadence)) tier.resolve_within = cadence;
    if (const toml::node* pm = r.node("postmortem_after"); pm != nullptr && pm->is_string() && pm->as_string()->get() == "never") {
        tier.postmortem_after.reset();
    } else {
        Duration after{};
        if (r.duration("postmortem_after", after, Duration::zero(), std::chrono::hours(24 * 365))) tier.postmortem_after = after;
    }
    read_cadence(r, "postmortem_within", tier.postmortem_within);
    read_tier_channels(r, tier.channels);
    r.enumeration("hours", tier.hours, {{"always", PagingHours::always}, {"business", PagingHours::business}});
    r.boolean("auto_publish", tier.auto_publish);
}

void check_escalation_references(TableReader& root, const std::vector<PersonConfig>& people,
                                 const std::vector<ScheduleConfig>& schedules) {
    const toml::node* severity = root.node("severity");
    if (severity == nullptr || !severity->is_table()) return;
    NameIndex person_names("person");
    for (const auto& p : people) person_names.insert(p.name);
    NameIndex schedule_names("schedule");
    for (const auto& s : schedules) schedule_names.insert(s.name);
    LoadContext& ctx = root.context();
    TableReader section(ctx, *severity->as_table(), "severity");
    for (auto&& [name, tier_node] : *severity->as_table()) {
        if (!tier_node.is_table()) continue;
        TableReader tier(ctx, *tier_node.as_table(), section.key_path(name.str()));
        const toml::node* escalation = tier_node.as_table()->get("escalation");
        if (escalation == nullptr || !escalation->is_array()) continue;
        const toml::array& levels = *escalation->as_array();
        for (std::size_t i = 0; i < levels.size(); ++i) {
            if (!levels.get(i)->is_table()) continue;
            TableReader level(ctx, *levels.get(i)->as_table(), tier.key_path("escalation") + "[" + std::to_string(i) + "]");
            for (auto [key, index] : {std::pair{"schedules", &schedule_names}, std::pair{"people", &person_names}}) {
                const toml::node* list = levels.get(i)->as_table()->get(key);
                if (list == nullptr || !list->is_array()) continue;
                const toml::array& names = *list->as_array();
                for (std::size_t j = 0; j < names.size(); ++j) {
                    const toml::node* element = names.get(j);
                    if (!element->is_string() || element->as_string()->get().empty()) continue;
                    index->check_reference_in(level, key, std::to_string(j), element->as_string()->get());
                }
            }
        }
    }
}

void read_channels(TableReader& root, ChannelsConfig& out) {
    const toml::table* table = root.table("channel");
    if (table == nullptr) return;
    TableReader section(root.context(), *table, "channel");
    if (const toml::table* email = section.table("email")) {
        TableReader r(root.context(), *email, section.key_path("email"));
        EmailChannelConfig config;
        read_email(r, config);
        r.finish();
        out.email = std::move(config);
    }
    if (const toml::table* telegram = section.table("telegram")) {
        TableReader r(root.context(), *telegram, section.key_path("telegram"));
        TelegramChannelConfig config;
        read_telegram(r, config);
        r.finish();
        out.telegram = std::move(config);
    }
    if (const toml::table* webhook = section.table("webhook")) {
        TableReader r(root.context(), *webhook, section.key_path("webhook"));
        WebhookChannelConfig config;
        read_webhook(r, config);
        r.finish();
        out.webhook = std::move(config);
    }
    if (const toml::table* console = section.table("console")) {
        TableReader r(root.context(), *console, section.key_path("console"));
        ConsoleChannelConfig config;
        r.string("path", config.path);
        r.finish();
        out.console = std::move(config);
    }
    for (auto&& [key, node] : *table) {
        const std::string name(key.str());
        if (std::find(k_channel_names.begin(), k_channel_names.end(), name) != k_channel_names.end()) continue;
        root.context().error(key.source(), section.key_path(name), unknown_channel_message(name));
    }
}

void read_paging(TableReader& root, PagingConfig& out, const std::vector<SeverityConfig>& tiers) {
    const toml::table* table = root.table("paging");
    if (table == nullptr) return;
    TableReader r(root.context(), *table, "paging");
    const bool base_ok = r.duration("retry_base", out.retry_base, k_min_timeout, k_max_timeout);
    const bool cap_ok = r.duration("retry_cap", out.retry_cap, k_min_timeout, std::chrono::hours(24));
    if ((base_ok || !r.has("retry_base")) && (cap_ok || !r.has("retry_cap")) && out.retry_base > out.retry_cap) {
        if (r.has("retry_base")) {
            r.error("retry_base", "must not be longer than retry_cap (" + format_duration(out.retry_cap) + ")");
        } else {
            r.error("retry_cap",
                    "must not be shorter than retry_base (" + format_duration(out.retry_base) + ", the default)");
        }
    }
    std::int64_t value = out.max_attempts;
    if (r.integer("max_attempts", value, 1, 100)) out.max_attempts = static_cast<int>(value);
    value = static_cast<std::int64_t>(out.max_in_flight);
    if (r.integer("max_in_flight", value, 1, 256)) out.max_in_flight = static_cast<std::size_t>(value);
    value = static_cast<std::int64_t>(out.digest_after);
    if (r.integer("digest_after", value, 0, 1000)) out.digest_after = static_cast<std::size_t>(value);
    bool url_ok = false;
    if (r.string("public_url", out.public_url, false) && !out.public_url.empty()) {
        url_ok = check_http_url(r, "public_url", out.public_url);
    }
    if (const toml::node* lk = r.node("link_key"); lk != nullptr && lk->is_string() && lk->as_string()->get() == "random") {
        out.link_key = random_link_key();
    } else if (r.secret("link_key", out.link_key) && out.link_key->reveal().size() < 16) {
        r.error(secret_key(r, "link_key", "link_key_file"),
                "must be at least 16 bytes (e.g. openssl rand -base64 32), got " +
                    std::to_string(out.link_key->reveal().size()));
    }
    if (url_ok && !out.link_key && !r.has("link_key") && !r.has("link_key_file")) {
        r.error("public_url", "acknowledgement links need a key: set link_key_file (or link_key = \"env:NAME\")");
    }
    r.duration("ack_link_ttl", out.ack_link_ttl, std::chrono::minutes(1), std::chrono::hours(24 * 30));
    r.duration("channel_failure_after", out.channel_failure_after, std::chrono::seconds(1), std::chrono::hours(24));
    if (r.string("channel_failure_severity", out.channel_failure_severity, false) &&
        !out.channel_failure_severity.empty()) {
        check_severity_reference(r, "channel_failure_severity", out.channel_failure_severity, tiers);
    }
    r.finish();
}

void read_demo(TableReader& root, DemoConfig& out) {
    const toml::table* table = root.table("demo");
    if (table == nullptr) return;
    TableReader r(root.context(), *table, "demo");
    r.boolean("flaky_target", out.flaky_target);
    r.duration("up", out.up, std::chrono::seconds(1), std::chrono::hours(24));
    r.duration("down", out.down, std::chrono::seconds(1), std::chrono::hours(24));
    r.finish();
}

void read_heartbeat(TableReader& root, HeartbeatConfig& out) {
    const toml::table* table = root.table("heartbeat");
    if (table == nullptr) return;
    TableReader r(root.context(), *table, "heartbeat");
    if (r.string("url", out.url, true)) check_http_url(r, "url", out.url);
    r.duration("interval", out.interval, std::chrono::seconds(1), std::chrono::hours(24));
    r.duration("timeout", out.timeout, k_min_timeout, k_max_timeout);
    read_tls(r, out.tls);
    r.finish();
}

}  // namespace tocsin::config

namespace tocsin::config {

void read_subscribers(TableReader& root, const std::vector<ComponentConfig>& components,
                      const std::vector<SeverityConfig>& tiers, std::vector<SubscribersConfig>& out) {
    const toml::array* list = root.array_of_tables("subscribers");
    if (list == nullptr) return;
    NameIndex names("subscribers");
    NameIndex component_names("component");
    for (const auto& c : components) component_names.insert(c.name);
    for (std::size_t i = 0; i < list->size(); ++i) {
        TableReader r(root.context(), *list->get(i)->as_table(), "subscribers[" + std::to_string(i) + "]");
        SubscribersConfig sub;
        r.require("name");
        if (r.string("name", sub.name) && check_printable(r, "name", sub.name)) names.declare(r, "name", sub.name);
        if (r.string_list("components", sub.components)) {
            for (std::size_t j = 0; j < sub.components.size(); ++j) {
                component_names.check_reference_in(r, "components", std::to_string(j), sub.components[j]);
            }
        }
        if (r.string_list("severities", sub.severities)) {
            for (std::size_t j = 0; j < sub.severities.size(); ++j) {
                if (std::none_of(tiers.begin(), tiers.end(), [&](const auto& t) { return t.name == sub.severities[j]; })) {
                    r.error_in("severities", std::to_string(j),
                               "unknown severity " + quoted(sub.severities[j]) + " (expected " + severity_choices(tiers) + ")");
                }
            }
        }
        if (r.string_list("emails", sub.emails)) {
            for (std::size_t j = 0; j < sub.emails.size(); ++j) {
                if (std::string problem = check_email(sub.emails[j]); !problem.empty()) {
                    r.error_in("emails", std::to_string(j), problem);
                }
            }
        }
        read_ids(r, "telegram_chats", false, sub.telegram_chats);
        if (!r.has("emails") && !r.has("telegram_chats")) {
            r.error("name", "subscribers need emails or telegram_chats");
        }
        r.finish();
        out.push_back(std::move(sub));
    }
}

}  // namespace tocsin::config
