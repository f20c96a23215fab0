#include "tocsin/notify/webhook/webhook_channel.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/url/parse.hpp>

#include "tocsin/core/ascii.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/net/http_client.hpp"

namespace tocsin::notify::webhook {

namespace {

constexpr std::string_view k_redacted = "<redacted>";

bool token_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool valid_header_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), token_char);
}

// Field values: visible characters, spaces and tabs (and obs-text).
bool valid_header_value(std::string_view value) {
    return std::none_of(value.begin(), value.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && u != '\t') || u == 0x7F;
    });
}

bool has_header(const Headers& headers, std::string_view name) { return find_header(headers, name).has_value(); }

std::string base64(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(std::max(n, 0)));
    return out;
}

Error invalid(std::string message) { return Error::make(ErrorCategory::invalid_argument, std::move(message)); }

// No response: an exchange that failed before its status line and headers
// had all arrived.
DeliveryResult transport_outcome(const net::HttpClientResult& r, Duration timeout) {
    DeliveryResult out;
    out.outcome = DeliveryOutcome::retry;
    if (r.failure == net::FailureReason::invalid_url || r.certificate_rejected)
        out.outcome = DeliveryOutcome::permanent;
    out.detail = std::string(net::to_string(r.failure)) + ": " + r.detail;
    if (r.failure == net::FailureReason::timeout) out.detail += " (timeout " + format_duration(timeout) + ")";
    return out;
}

}  // namespace

struct WebhookChannel::Impl {
    boost::asio::io_context& io;
    WebhookOptions options;
    const Clock& clock;
    std::optional<net::TlsClientContext> tls;
    std::string log_url;              // scheme://host:port
    std::string authorization;        // from the URL's user info; "" : none
    std::vector<std::string> hidden;  // what redact() replaces, longest first

    Impl(boost::asio::io_context& io_, WebhookOptions options_, const Clock& clock_)
        : io(io_), options(std::move(options_)), clock(clock_) {}

    std::string redact(std::string_view text) const {
        std::string out(text);
        for (const auto& s : hidden) replace_all(out, s, k_redacted);
        return out;
    }

    // Before classifying: an excerpt cut in the middle of a credential the
    // receiver echoed would no longer match it.
    void redact(WebhookResponse& response) const {
        response.reason = redact(response.reason);
        response.body = redact(response.body);
        for (auto& [name, value] : response.headers) value = redact(value);
    }

    void finish(DeliveryResult r, const std::function<void(DeliveryResult)>& done) const {
        r.detail = redact(log_url + ": " + r.detail);
        r.remote_id = redact(r.remote_id);
        done(std::move(r));
    }
};

Result<WebhookOptions> to_webhook_options(const config::WebhookChannelConfig& config) {
    if (!config.secret) {
        return invalid("a secret to sign with is required (secret_file = \"/path\" or secret = \"env:NAME\")");
    }
    WebhookOptions o;
    o.url = config.url;
    o.secret = *config.secret;
    o.headers = config.headers;
    o.tls = net::TlsOptions{config.tls.ca_file, config.tls.cert_file, config.tls.key_file, config.tls.server_name,
                            config.tls.insecure_skip_verify};
    o.timeout = config.timeout;
    return o;
}

WebhookChannel::WebhookChannel(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
WebhookChannel::~WebhookChannel() = default;

Result<std::unique_ptr<WebhookChannel>> WebhookChannel::create(boost::asio::io_context& io,
                                                               const config::WebhookChannelConfig& config,
                                                               const Clock& clock) {
    auto options = to_webhook_options(config);
    if (!options) return std::move(options).error();
    return create(io, std::move(*options), clock);
}

Result<std::unique_ptr<WebhookChannel>> WebhookChannel::create(boost::asio::io_context& io, WebhookOptions options,
                                                               const Clock& clock) {
    const std::string source = options.secret.source().empty() ? "the configuration" : options.secret.source();
    if (options.secret.empty()) return invalid("the secret from " + source + " is empty");

    const std::string shown = url_for_logs(options.url);
    auto parsed = boost::urls::parse_uri(options.url);
    if (options.url.empty()) return invalid("url is required");
    if (!parsed) return invalid("url is not a valid absolute URL");
    const auto scheme = parsed->scheme_id();
    if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
        return invalid("url \"" + shown + "\" must start with https:// (or http://)");
    }
    if (parsed->host_address().empty()) return invalid("url has no host");
    if (options.timeout <= Duration::zero()) return invalid("timeout must be positive");

    for (const auto& [name, value] : options.headers) {
        if (!valid_header_name(name)) {
            return invalid("header name \"" + sanitize_excerpt(name, 64) + "\" is not a valid HTTP field name");
        }
        if (is_reserved_webhook_header(name)) {
            return invalid("header \"" + name + "\" is set by tocsin and cannot be configured");
        }
        // The value may be a credential: name the header only.
        if (!valid_header_value(value)) {
            return invalid("the value of header \"" + name + "\" has control characters (CR, LF, ...)");
        }
    }

    auto impl = std::make_shared<Impl>(io, std::move(options), clock);
    impl->log_url = shown;
    if (scheme == boost::urls::scheme::https) {
        auto tls = net::TlsClientContext::create(impl->options.tls);
        if (!tls) return Error::make(tls.error().category, tls.error().message);
        impl->tls = std::move(*tls);
    }

    // Everything that may be a credential, for redact().
    auto& hidden = impl->hidden;
    hidden.push_back(impl->options.secret.reveal());
    for (const auto& [name, value] : impl->options.headers) {
        if (value.size() >= 6) hidden.push_back(value);
    }
    if (parsed->has_userinfo()) {
        const std::string user = parsed->user();
        const std::string password = parsed->password();
        if (!has_header(impl->options.headers, "Authorization")) {
            impl->authorization = "Basic " + base64(user + ":" + password);
            hidden.push_back(impl->authorization.substr(6));
        }
        hidden.push_back(std::string(parsed->encoded_userinfo()));
        hidden.push_back(password);
    }
    if (parsed->has_query() && parsed->encoded_query().size() >= 6) {
        hidden.push_back(std::string(parsed->encoded_query()));
        hidden.push_back(parsed->query());
    }
    // Path segments long enough to be tokens (Slack's and Discord's style).
    for (auto segment : parsed->encoded_segments()) {
        if (segment.size() >= 16) hidden.push_back(std::string(segment));
    }
    std::sort(hidden.begin(), hidden.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    hidden.erase(std::unique(hidden.begin(), hidden.end()), hidden.end());
    std::erase_if(hidden, [](const std::string& s) { return s.empty(); });

    return std::unique_ptr<WebhookChannel>(new WebhookChannel(std::move(impl)));
}

const std::string& WebhookChannel::name() const { return m_impl->options.name; }

std::string WebhookChannel::redact(std::string_view text) const { return m_impl->redact(text); }

Headers WebhookChannel::request_headers(const Notification& notification, std::int64_t timestamp,
                                        std::string_view body) const {
    const WebhookOptions& o = m_impl->options;
    Headers h;
    h.emplace_back("Content-Type", "application/json");
    h.emplace_back(k_timestamp_header, std::to_string(timestamp));
    h.emplace_back(k_signature_header, sign_webhook(o.secret, timestamp, body));
    if (!notification.idempotency_key.empty()) h.emplace_back(k_idempotency_header, notification.idempotency_key);
    if (!has_header(o.headers, "User-Agent")) h.emplace_back("User-Agent", "tocsin");
    if (!m_impl->authorization.empty()) h.emplace_back("Authorization", m_impl->authorization);
    h.insert(h.end(), o.headers.begin(), o.headers.end());
    return h;
}

void WebhookChannel::deliver(const std::string& recipient, const Notification& notification,
                             std::function<void(DeliveryResult)> done) {
    auto fail_now = [&](std::string why) {
        DeliveryResult r;
        r.outcome = DeliveryOutcome::permanent;
        r.detail = std::move(why);
        boost::asio::post(m_impl->io, [impl = m_impl, r = std::move(r), done = std::move(done)]() mutable {
            impl->finish(std::move(r), done);
        });
    };
    if (recipient.empty()) return fail_now("no recipient: the page names nobody");
    if (!valid_header_value(notification.idempotency_key)) {
        return fail_now("the idempotency key has control characters");
    }

    const TimePoint now = m_impl->clock.now();
    const std::int64_t timestamp = unix_seconds(now);
    net::HttpClientRequest request;
    request.method = "POST";
    request.url = m_impl->options.url;  // http_fetch sends no user info (it is in Authorization)
    request.body = webhook_body(recipient, notification, now);
    request.headers = request_headers(notification, timestamp, request.body);
    // One deadline for the whole exchange, connect to last byte.
    request.connect_timeout = m_impl->options.timeout;
    request.tls_timeout = m_impl->options.timeout;
    request.total_timeout = m_impl->options.timeout;
    request.max_redirects = 0;  // a 3xx is an answer (permanent), never followed
    // The body is only an excerpt for the detail: read up to the limit and
    // abandon the rest; and once the status has arrived, it decides, even if
    // the body is then cut short by a reset or the deadline.
    request.max_body_bytes = k_max_response_bytes;
    request.truncate_body = true;
    request.keep_partial_body = true;
    request.tls = m_impl->tls;
    net::http_fetch(m_impl->io, std::move(request), [impl = m_impl, done = std::move(done)](net::HttpClientResult r) {
        DeliveryResult out;
        if (r.ok()) {
            WebhookResponse response;
            response.status = r.status;
            response.reason = std::move(r.reason);
            response.headers = std::move(r.headers);
            response.body = std::move(r.body);
            response.body_truncated = r.body_truncated;
            impl->redact(response);
            out = classify_response(response, impl->clock.now());
        } else {
            out = transport_outcome(r, impl->options.timeout);
        }
        impl->finish(std::move(out), done);
    });
}

}  // namespace tocsin::notify::webhook
