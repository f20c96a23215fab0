#include <re2/re2.h>

#include <charconv>

#include "tocsin/probe/http_probe.hpp"

namespace tocsin::probe {

struct Probe::Regexes {
    std::vector<std::unique_ptr<RE2>> must_match;
    std::vector<std::unique_ptr<RE2>> must_not_match;
};

namespace {

net::IpVersion to_net(config::IpVersion v) {
    switch (v) {
        case config::IpVersion::ipv4: return net::IpVersion::ipv4;
        case config::IpVersion::ipv6: return net::IpVersion::ipv6;
        case config::IpVersion::any: break;
    }
    return net::IpVersion::any;
}

class SampleWriter {
public:
    explicit SampleWriter(const Labels& base, std::vector<Sample>& out) : m_base(base), m_out(out) {}
    void add(std::string_view name, double value) { m_out.push_back(Sample{m_base.with("__name__", name), value}); }
    void add(std::string_view name, std::string_view label, std::string_view label_value, double value) {
        m_out.push_back(Sample{m_base.with("__name__", name).with(label, label_value), value});
    }

private:
    const Labels& m_base;
    std::vector<Sample>& m_out;
};

}  // namespace

Probe::Probe(config::TargetConfig target) : m_target(std::move(target)), m_regexes(std::make_unique<Regexes>()) {}
Probe::~Probe() = default;

Result<std::shared_ptr<Probe>> Probe::create(const config::TargetConfig& target) {
    std::shared_ptr<Probe> probe(new Probe(target));
    for (const auto& pattern : target.body_must_match) {
        probe->m_regexes->must_match.push_back(std::make_unique<RE2>(pattern, RE2::Quiet));
    }
    for (const auto& pattern : target.body_must_not_match) {
        probe->m_regexes->must_not_match.push_back(std::make_unique<RE2>(pattern, RE2::Quiet));
    }
    if (target.kind == config::ProbeKind::http && target.url.starts_with("https:")) {
        net::TlsOptions options{target.tls.ca_file, target.tls.cert_file, target.tls.key_file, target.tls.server_name,
                                target.tls.insecure_skip_verify};
        auto tls = net::TlsClientContext::create(options);
        if (!tls) return Error::make(tls.error().category, "target " + target.name + ": " + tls.error().message);
        probe->m_tls = std::move(*tls);
    }
    return probe;
}

Labels Probe::base_labels() const {
    std::vector<Label> labels;
    for (const auto& [name, value] : m_target.labels) labels.push_back(Label{name, value});
    labels.push_back(Label{"target", m_target.name});
    labels.push_back(Label{"instance", m_target.instance()});
    return Labels(std::move(labels));
}

net::HttpClientRequest Probe::request() const {
    net::HttpClientRequest r;
    r.method = m_target.method;
    r.url = m_target.url;
    r.headers = m_target.headers;
    if (m_target.bearer_token) r.headers.emplace_back("Authorization", "Bearer " + m_target.bearer_token->reveal());
    r.body = m_target.body;
    r.connect_timeout = m_target.connect_timeout;
    r.tls_timeout = m_target.tls_timeout;
    r.total_timeout = m_target.timeout;
    r.max_redirects = static_cast<int>(m_target.max_redirects);
    r.ip_version = to_net(m_target.ip_version);
    r.max_body_bytes = 10 << 20;
    r.tls = m_tls;
    return r;
}

ProbeOutcome Probe::evaluate(const net::HttpClientResult& result) const {
    ProbeOutcome out;
    out.success = result.ok();
    bool regex_failed = false;
    if (!result.ok()) {
        out.reason = net::to_string(result.failure);
        out.detail = result.detail;
    } else {
        bool status_ok = false;
        for (const auto& range : m_target.expected_status) status_ok = status_ok || range.contains(result.status);
        if (!status_ok) {
            out.success = false;
            out.reason = "status";
            out.detail = "unexpected status " + std::to_string(result.status);
        } else {
            for (std::size_t i = 0; i < m_regexes->must_match.size() && out.success; ++i) {
                if (!RE2::PartialMatch(result.body, *m_regexes->must_match[i])) {
                    out.success = false;
                    regex_failed = true;
                    out.detail = "body does not match /" + m_target.body_must_match[i] + "/";
                }
            }
            for (std::size_t i = 0; i < m_regexes->must_not_match.size() && out.success; ++i) {
                if (RE2::PartialMatch(result.body, *m_regexes->must_not_match[i])) {
                    out.success = false;
                    regex_failed = true;
                    out.detail = "body matches /" + m_target.body_must_not_match[i] + "/";
                }
            }
            if (regex_failed) out.reason = "body_regex";
        }
    }
    out.duration_seconds = result.duration_seconds;
    Labels base = base_labels();
    SampleWriter w(base, out.samples);
    w.add("probe_success", out.success ? 1 : 0);
    w.add("probe_duration_seconds", result.duration_seconds);
    w.add("probe_dns_lookup_time_seconds", result.phases.resolve);
    w.add("probe_http_status_code", result.status);
    w.add("probe_http_content_length", static_cast<double>(result.body.size()));
    w.add("probe_http_redirects", result.redirects);
    w.add("probe_http_ssl", result.used_tls && result.ok() ? 1 : 0);
    w.add("probe_failed_due_to_regex", regex_failed ? 1 : 0);
    w.add("probe_http_duration_seconds", "phase", "resolve", result.phases.resolve);
    w.add("probe_http_duration_seconds", "phase", "connect", result.phases.connect);
    w.add("probe_http_duration_seconds", "phase", "tls", result.phases.tls);
    w.add("probe_http_duration_seconds", "phase", "processing", result.phases.processing);
    w.add("probe_http_duration_seconds", "phase", "transfer", result.phases.transfer);
    if (result.earliest_cert_expiry) w.add("probe_ssl_earliest_cert_expiry", to_unix_seconds(*result.earliest_cert_expiry));
    return out;
}

ProbeOutcome Probe::evaluate(const net::TcpConnectResult& result) const {
    ProbeOutcome out;
    out.success = result.ok();
    if (!result.ok()) {
        out.reason = net::to_string(result.failure);
        out.detail = result.detail;
    }
    out.duration_seconds = result.duration_seconds;
    Labels base = base_labels();
    SampleWriter w(base, out.samples);
    w.add("probe_success", out.success ? 1 : 0);
    w.add("probe_duration_seconds", result.duration_seconds);
    w.add("probe_dns_lookup_time_seconds", result.resolve_seconds);
    return out;
}

void Probe::run(boost::asio::io_context& io, std::function<void(ProbeOutcome)> done) const {
    if (m_target.kind == config::ProbeKind::tcp) {
        net::TcpConnectRequest r;
        auto colon = m_target.address.rfind(':');
        r.host = m_target.address.substr(0, colon);
        if (r.host.starts_with("[")) r.host = r.host.substr(1, r.host.size() - 2);
        std::from_chars(m_target.address.data() + colon + 1, m_target.address.data() + m_target.address.size(), r.port);
        r.timeout = m_target.timeout;
        r.ip_version = to_net(m_target.ip_version);
        // The probe stays alive until its run ends, even if a reload drops it.
        net::tcp_connect(io, std::move(r), [self = shared_from_this(), done = std::move(done)](net::TcpConnectResult result) {
            done(self->evaluate(result));
        });
        return;
    }
    net::http_fetch(io, request(), [self = shared_from_this(), done = std::move(done)](net::HttpClientResult result) {
        done(self->evaluate(result));
    });
}

}  // namespace tocsin::probe
