// [[target]] and [[scrape]]: the two inputs tocsin reads the world through.
#include <re2/re2.h>

#include <boost/url/parse.hpp>
#include <charconv>

#include "name_index.hpp"
#include "sections.hpp"
#include "tocsin/core/labels.hpp"

namespace tocsin::config {

void read_tls(TableReader& parent, TlsConfig& out) {
    const toml::table* table = parent.table("tls");
    if (table == nullptr) return;
    TableReader r(parent.context(), *table, parent.key_path("tls"));
    r.path("ca_file", out.ca_file);
    r.path("cert_file", out.cert_file);
    r.path("key_file", out.key_file);
    r.string("server_name", out.server_name);
    r.boolean("insecure_skip_verify", out.insecure_skip_verify);
    if (out.cert_file.empty() != out.key_file.empty()) {
        r.error(out.cert_file.empty() ? "key_file" : "cert_file", "cert_file and key_file go together");
    }
    r.finish();
}

bool check_http_url(TableReader& r, std::string_view key, const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        r.error(key, "invalid URL \"" + url + "\"");
        return false;
    }
    if (parsed->scheme() != "http" && parsed->scheme() != "https") {
        r.error(key, "URL must start with http:// or https://");
        return false;
    }
    if (parsed->host_address().empty()) {
        r.error(key, "URL has no host");
        return false;
    }
    return true;
}

namespace {

constexpr Duration k_default_timeout = std::chrono::seconds(10);

// Label names must be valid and not collide with the ones tocsin sets itself.
void read_labels(TableReader& r, std::initializer_list<std::string_view> reserved, StringPairs& out) {
    if (!r.string_map("labels", out)) return;
    for (const auto& [name, value] : out) {
        if (!is_valid_label_name(name)) {
            r.error_in("labels", name, "invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)");
        } else if (name.starts_with("__")) {
            r.error_in("labels", name, "label names starting with __ are reserved");
        } else if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
            r.error_in("labels", name, "\"" + name + "\" is set by tocsin and cannot be configured");
        }
    }
}

void read_timeouts(TableReader& r, Duration& interval, Duration& timeout) {
    r.duration("interval", interval, std::chrono::seconds(1), std::chrono::hours(24));
    timeout = std::min(k_default_timeout, interval);
    if (r.duration("timeout", timeout, std::chrono::milliseconds(100), std::chrono::hours(24)) && timeout > interval) {
        r.error("timeout", "must not be longer than interval (" + format_duration(interval) + ")");
    }
}

// "2xx", "404", "200-399" or an integer.
std::optional<StatusRange> parse_status(const toml::node& node) {
    if (node.is_integer()) {
        auto v = node.as_integer()->get();
        if (v < 100 || v > 599) return std::nullopt;
        return StatusRange{static_cast<int>(v), static_cast<int>(v)};
    }
    if (!node.is_string()) return std::nullopt;
    std::string_view s = node.as_string()->get();
    if (s.size() == 3 && s[0] >= '1' && s[0] <= '5' && s[1] == 'x' && s[2] == 'x') {
        int hundred = (s[0] - '0') * 100;
        return StatusRange{hundred, hundred + 99};
    }
    int lo = 0, hi = 0;
    auto dash = s.find('-');
    auto parse = [](std::string_view part, int& out) {
        auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc{} && end == part.data() + part.size() && out >= 100 && out <= 599;
    };
    if (dash == std::string_view::npos) {
        if (!parse(s, lo)) return std::nullopt;
        return StatusRange{lo, lo};
    }
    if (!parse(s.substr(0, dash), lo) || !parse(s.substr(dash + 1), hi) || lo > hi) return std::nullopt;
    return StatusRange{lo, hi};
}

void read_expected_status(TableReader& r, std::vector<StatusRange>& out) {
    const toml::node* node = r.node("expected_status");
    std::vector<StatusRange> ranges;
    if (node == nullptr) return;
    auto bad = [&](const toml::node& n, const std::string& path) {
        r.context().error(n.source(), path, "invalid status \"" + (n.is_string() ? n.as_string()->get() : std::string("?")) +
                                                "\" (use a code such as 200, a class such as \"2xx\", or a range such as \"200-399\")");
    };
    if (node->is_array()) {
        const toml::array& array = *node->as_array();
        if (array.empty()) r.error("expected_status", "must list at least one status");
        for (std::size_t i = 0; i < array.size(); ++i) {
            if (auto range = parse_status(*array.get(i))) ranges.push_back(*range);
            else bad(*array.get(i), r.key_path("expected_status") + "[" + std::to_string(i) + "]");
        }
    } else if (auto range = parse_status(*node)) {
        ranges.push_back(*range);
    } else {
        bad(*node, r.key_path("expected_status"));
    }
    if (!ranges.empty()) out = std::move(ranges);
}

void check_regexes(TableReader& r, std::string_view key, const std::vector<std::string>& patterns) {
    for (std::size_t i = 0; i < patterns.size(); ++i) {
        RE2 re(patterns[i], RE2::Quiet);
        if (!re.ok()) r.error_in(key, std::to_string(i), "invalid regular expression: " + re.error());
    }
}

void read_target(TableReader& r, NameIndex& names, TargetConfig& t) {
    r.require("name");
    if (r.string("name", t.name)) names.declare(r, "name", t.name);
    bool has_url = r.string("url", t.url);
    bool has_address = r.string("address", t.address);
    if (has_url && has_address) {
        r.error("address", "set either url (HTTP probe) or address (TCP probe), not both");
    } else if (!has_url && !has_address && !r.has("url") && !r.has("address")) {
        r.error_at_table("missing \"url\" (HTTP probe) or \"address\" (TCP probe)");
    }
    t.kind = has_address ? ProbeKind::tcp : ProbeKind::http;
    if (has_url) check_http_url(r, "url", t.url);
    if (has_address) {
        std::string host;
        std::uint16_t port = 0;
        if (std::string message = parse_host_port(t.address, host, port, true); !message.empty()) r.error("address", message);
    }
    read_timeouts(r, t.interval, t.timeout);
    r.duration("connect_timeout", t.connect_timeout, std::chrono::milliseconds(10), std::chrono::hours(1));
    r.duration("tls_timeout", t.tls_timeout, std::chrono::milliseconds(10), std::chrono::hours(1));
    r.string("method", t.method);
    r.string_map("headers", t.headers);
    r.string("body", t.body, false);
    r.secret("bearer_token", t.bearer_token);
    read_expected_status(r, t.expected_status);
    r.string_list("body_must_match", t.body_must_match);
    check_regexes(r, "body_must_match", t.body_must_match);
    r.string_list("body_must_not_match", t.body_must_not_match);
    check_regexes(r, "body_must_not_match", t.body_must_not_match);
    r.integer("max_redirects", t.max_redirects, 0, 100);
    r.enumeration("ip_version", t.ip_version,
                  {{"any", IpVersion::any}, {"ipv4", IpVersion::ipv4}, {"ipv6", IpVersion::ipv6}});
    read_labels(r, {"target", "instance"}, t.labels);
    read_tls(r, t.tls);
    if (t.kind == ProbeKind::tcp) {
        for (std::string_view http_only : {"method", "headers", "body", "bearer_token", "bearer_token_file",
                                           "expected_status", "body_must_match", "body_must_not_match",
                                           "max_redirects", "tls"}) {
            if (r.has(http_only)) r.error(http_only, "only applies to HTTP probes (url), not TCP (address)");
        }
    }
}

void read_scrape(TableReader& r, ScrapeConfig& s, NameIndex& instances) {
    r.require("job");
    r.string("job", s.job);
    r.require("url");
    if (r.string("url", s.url) && check_http_url(r, "url", s.url)) {
        auto parsed = boost::urls::parse_uri(s.url);
        std::string port = parsed->has_port() ? std::string(parsed->port()) : (parsed->scheme() == "https" ? "443" : "80");
        s.instance = std::string(parsed->encoded_host()) + ":" + port;
    }
    r.string("instance", s.instance);
    if (!s.job.empty() && !s.instance.empty()) {
        // Two scrapes writing the same job/instance would overwrite each other's series.
        instances.declare(r, r.has("instance") ? "instance" : "url", s.job + "/" + s.instance);
    }
    read_timeouts(r, s.interval, s.timeout);
    r.boolean("honor_labels", s.honor_labels);
    read_labels(r, {"job", "instance"}, s.labels);
    r.secret("bearer_token", s.bearer_token);
    r.byte_size("body_size_limit", s.body_size_limit, 0, 1ULL << 40);
    r.integer("sample_limit", s.sample_limit, 0, 1LL << 40);
    r.integer("label_limit", s.label_limit, 0, 1 << 20);
    r.integer("label_value_length_limit", s.label_value_length_limit, 0, 1 << 30);
    read_tls(r, s.tls);
}

}  // namespace

void read_targets(TableReader& root, std::vector<TargetConfig>& out) {
    const toml::array* list = root.array_of_tables("target");
    if (list == nullptr) return;
    NameIndex names("target");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& table = *list->get(i)->as_table();
        TableReader r(root.context(), table, "target[" + std::to_string(i) + "]");
        TargetConfig t;
        read_target(r, names, t);
        r.finish();
        out.push_back(std::move(t));
    }
}

void read_scrapes(TableReader& root, std::vector<ScrapeConfig>& out) {
    const toml::array* list = root.array_of_tables("scrape");
    if (list == nullptr) return;
    NameIndex instances("scrape (job/instance)");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& table = *list->get(i)->as_table();
        TableReader r(root.context(), table, "scrape[" + std::to_string(i) + "]");
        ScrapeConfig s;
        read_scrape(r, s, instances);
        r.finish();
        out.push_back(std::move(s));
    }
}

}  // namespace tocsin::config
