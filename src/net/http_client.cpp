#include "tocsin/net/http_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <ctime>
#include <limits>
#include <tuple>

#include "tocsin/core/ascii.hpp"

namespace tocsin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

const char* to_string(FailureReason reason) noexcept {
    switch (reason) {
        case FailureReason::none: return "none";
        case FailureReason::invalid_url: return "invalid_url";
        case FailureReason::dns: return "dns";
        case FailureReason::refused: return "refused";
        case FailureReason::connect: return "connect";
        case FailureReason::timeout: return "timeout";
        case FailureReason::tls: return "tls";
        case FailureReason::reset: return "reset";
        case FailureReason::http_protocol: return "http_protocol";
        case FailureReason::body_too_large: return "body_too_large";
        case FailureReason::redirect_limit: return "redirect_limit";
    }
    return "unknown";
}

std::optional<std::string> HttpClientResult::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (ascii_iequals(k, name)) return v;
    }
    return std::nullopt;
}

namespace {

constexpr auto k_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t k_header_limit = 64 * 1024;
// Interim (1xx) responses skipped before the final one; Go's client allows 5.
constexpr int k_max_interim_responses = 8;

double since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

// An error with its reason; thrown inside the coroutine only, caught at its top.
struct Failure {
    FailureReason reason;
    std::string detail;
    bool certificate_rejected = false;
};

FailureReason classify(const error_code& ec, FailureReason fallback) {
    if (ec == beast::error::timeout || ec == asio::error::timed_out || ec == asio::error::operation_aborted) {
        return FailureReason::timeout;
    }
    if (ec == asio::error::connection_refused) return FailureReason::refused;
    if (ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::error::broken_pipe ||
        ec == http::error::end_of_stream || ec == http::error::partial_message || ec == ssl::error::stream_truncated) {
        return FailureReason::reset;
    }
    if (ec == http::error::body_limit) return FailureReason::body_too_large;
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) return FailureReason::http_protocol;
    return fallback;
}

// The remaining time of the whole exchange, capped by a phase's own limit.
struct Deadline {
    steady::time_point at;
    std::chrono::steady_clock::duration left(Duration phase_cap) const {
        auto remaining = at - steady::now();
        if (remaining < steady::duration::zero()) remaining = steady::duration::zero();
        // Compare in milliseconds: Duration::max() would overflow nanoseconds.
        if (phase_cap >= std::chrono::duration_cast<Duration>(remaining)) return remaining;
        return std::chrono::duration_cast<steady::duration>(phase_cap);
    }
    bool passed() const { return steady::now() >= at; }
};

struct Target {
    bool tls = false;
    std::string host;  // without brackets
    std::string port;
    std::string host_header;
    std::string resource;  // path and query
};

Target parse_target(const boost::urls::url_view& u) {
    Target t;
    auto scheme = u.scheme();
    if (scheme != "http" && scheme != "https") throw Failure{FailureReason::invalid_url, "unsupported scheme \"" + std::string(scheme) + "\""};
    t.tls = scheme == "https";
    t.host = u.host_address();
    if (t.host.empty()) throw Failure{FailureReason::invalid_url, "URL has no host"};
    t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
    t.host_header = u.encoded_host_and_port();
    t.resource = u.encoded_resource();
    if (auto hash = t.resource.find('#'); hash != std::string::npos) t.resource.resize(hash);
    if (t.resource.empty() || t.resource[0] != '/') t.resource.insert(0, "/");
    return t;
}

bool is_ip_literal(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::optional<TimePoint> earliest_expiry(SSL* ssl) {
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
    if (chain == nullptr) return std::nullopt;
    std::optional<TimePoint> earliest;
    for (int i = 0; i < sk_X509_num(chain); ++i) {
        const ASN1_TIME* not_after = X509_get0_notAfter(sk_X509_value(chain, i));
        std::tm tm{};
        if (not_after == nullptr || ASN1_TIME_to_tm(not_after, &tm) != 1) continue;
        TimePoint t = std::chrono::system_clock::from_time_t(timegm(&tm));
        if (!earliest || t < *earliest) earliest = t;
    }
    return earliest;
}

asio::awaitable<std::vector<tcp::endpoint>> resolve(const Target& t, IpVersion ip, const Deadline& deadline,
                                                     HttpClientResult* times, double* resolve_seconds) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex);
    timer.expires_after(deadline.left(Duration::max()));
    timer.async_wait([&resolver](const error_code& ec) {
        if (!ec) resolver.cancel();
    });
    auto start = steady::now();
    auto [ec, results] = co_await resolver.async_resolve(t.host, t.port, k_nothrow);
    timer.cancel();
    double took = since(start);
    if (times) times->phases.resolve += took;
    if (resolve_seconds) *resolve_seconds += took;
    if (ec == asio::error::operation_aborted) throw Failure{FailureReason::timeout, "timed out resolving " + t.host};
    if (ec) throw Failure{FailureReason::dns, "cannot resolve " + t.host + ": " + ec.message()};
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) {
        auto ep = entry.endpoint();
        if (ip == IpVersion::ipv4 && !ep.address().is_v4()) continue;
        if (ip == IpVersion::ipv6 && !ep.address().is_v6()) continue;
        endpoints.push_back(ep);
    }
    if (endpoints.empty()) {
        throw Failure{FailureReason::dns, std::string("no ") + (ip == IpVersion::ipv6 ? "IPv6" : "IPv4") +
                                              " address for " + t.host};
    }
    co_return endpoints;
}

asio::awaitable<beast::tcp_stream> connect(const std::vector<tcp::endpoint>& endpoints, Duration cap,
                                           const Deadline& deadline, double* seconds,
                                           std::uint32_t receive_buffer_bytes = 0) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(deadline.left(cap));
    auto start = steady::now();
    error_code ec;
    if (receive_buffer_bytes == 0) {
        std::tie(ec, std::ignore) = co_await stream.async_connect(endpoints, k_nothrow);
    } else {
        // The buffer must be set before the handshake (it fixes the window
        // scale), so each endpoint is tried on a socket opened here; the
        // range connect would open its own.
        ec = asio::error::host_not_found;
        for (const auto& ep : endpoints) {
            error_code ignored;
            stream.socket().close(ignored);
            stream.socket().open(ep.protocol(), ec);
            if (ec) continue;
            stream.socket().set_option(asio::socket_base::receive_buffer_size(static_cast<int>(receive_buffer_bytes)),
                                       ignored);  // only a hint: autotuning stays if refused
            std::tie(ec) = co_await stream.async_connect(ep, k_nothrow);
            if (!ec || ec == asio::error::operation_aborted || ec == beast::error::timeout) break;
        }
    }
    *seconds += since(start);
    if (ec) {
        FailureReason reason = classify(ec, FailureReason::connect);
        if (reason == FailureReason::reset) reason = FailureReason::connect;
        throw Failure{reason, "cannot connect: " + ec.message()};
    }
    co_return stream;
}

// Like http::string_body for reading, but appends each piece instead of
// resizing (which zero-fills) and then copying: a 12 MB metrics page would
// otherwise be written twice. With a cap (truncate_body), the bytes past it
// are dropped and the read stops with body_limit, `cut` set.
struct AppendingStringBody {
    struct value_type {
        std::string data;
        std::uint64_t cap = std::numeric_limits<std::uint64_t>::max();
        bool cut = false;
    };

    class reader {
    public:
        template <bool is_request, class Fields>
        reader(http::header<is_request, Fields>&, value_type& body) : m_body(body) {}

        void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
            // The parser has checked the length against the body limit; a
            // claimed length is still not trusted beyond a sane first reserve.
            constexpr std::uint64_t k_max_reserve = 256ULL << 20;
            if (length) m_body.data.reserve(static_cast<std::size_t>(std::min({*length, k_max_reserve, m_body.cap})));
            ec = {};
        }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
            ec = {};
            std::size_t n = 0;
            for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
                asio::const_buffer b = *it;
                const std::uint64_t have = m_body.data.size();
                const std::uint64_t room = m_body.cap > have ? m_body.cap - have : 0;
                const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(room, b.size()));
                m_body.data.append(static_cast<const char*>(b.data()), take);
                n += b.size();
                if (take < b.size()) {
                    m_body.cut = true;
                    ec = http::error::body_limit;
                    return n;
                }
            }
            return n;
        }

        void finish(beast::error_code& ec) { ec = {}; }

    private:
        value_type& m_body;
    };
};

// Writes the request and reads the response on an established stream.
template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, const HttpClientRequest& request, const std::string& method,
                               const std::string& body, const Target& t, const Deadline& deadline,
                               HttpClientResult& result) {
    http::request<http::string_body> req;
    req.version(11);
    req.method_string(method);
    req.target(t.resource);
    req.set(http::field::host, t.host_header);
    req.set(http::field::user_agent, "tocsin");
    req.set(http::field::connection, "close");
    // Each replaces the default above or an earlier one of the same name (a
    // probe's bearer_token so overrides a configured Authorization).
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") req.prepare_payload();

    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(deadline.left(Duration::max()));
    auto start = steady::now();
    if (auto [ec, n] = co_await http::async_write(stream, req, k_nothrow); ec) {
        throw Failure{classify(ec, FailureReason::reset), "cannot send request: " + ec.message()};
    }
    beast::flat_buffer buffer;
    // Beast reads at most the buffer's free capacity (512 bytes when empty):
    // a 12 MB page would cost 24k syscalls. 64 KiB reads cost 200.
    buffer.reserve(64 * 1024);
    // With truncate_body the body reader cuts at the cap, and the parser,
    // unlimited, neither refuses a long Content-Length nor stops short of it.
    const std::uint64_t cap =
        request.truncate_body ? request.max_body_bytes : std::numeric_limits<std::uint64_t>::max();
    // Beast's parsers cannot be moved, and each response needs a fresh one.
    std::optional<http::response_parser<AppendingStringBody>> parser;
    for (int interim = 0;; ++interim) {
        parser.emplace();
        parser->header_limit(k_header_limit);
        if (request.truncate_body) {
            parser->body_limit(boost::none);
        } else {
            parser->body_limit(request.max_body_bytes);
        }
        if (method == "HEAD") parser->skip(true);
        if (auto [ec, n] = co_await http::async_read_header(stream, buffer, *parser, k_nothrow); ec) {
            result.phases.processing += since(start);
            throw Failure{classify(ec, FailureReason::http_protocol), "reading response headers: " + ec.message()};
        }
        // Interim responses (100 Continue, 102, 103 Early Hints) have no body
        // and the final one follows. 101 would be the end of HTTP here.
        const unsigned status = parser->get().result_int();
        if (status < 100 || status > 199 || status == 101) break;
        if (interim == k_max_interim_responses) {
            result.phases.processing += since(start);
            throw Failure{FailureReason::http_protocol,
                          "more than " + std::to_string(k_max_interim_responses) + " interim (1xx) responses"};
        }
    }
    result.phases.processing += since(start);
    start = steady::now();
    auto& res = parser->get();
    // result.body holds the caller's buffer from an earlier response: reusing
    // its memory spares a large page the allocator's fresh pages.
    std::string& body_out = result.body;
    error_code body_ec;  // the body ended early
    if (!parser->is_done() && parser->content_length()) {
        // The length is known (and within the limit: the parser checked it,
        // or the cap cuts it): read straight into the body instead of
        // through Beast's buffer, which would copy every byte once more.
        const std::uint64_t declared = *parser->content_length();
        const auto length = static_cast<std::size_t>(std::min(declared, cap));
        body_out.resize(length);
        const std::size_t have = std::min(buffer.size(), length);
        asio::buffer_copy(asio::buffer(body_out.data(), have), buffer.data());
        if (have < length) {
            // Up to 1 MiB per read instead of Asio's default 64 KiB: a
            // large page arrives in a few system calls.
            auto whole_reads = [](const error_code& e, std::size_t) -> std::size_t { return e ? 0 : 1 << 20; };
            auto [ec, n] = co_await asio::async_read(stream, asio::buffer(body_out.data() + have, length - have),
                                                     whole_reads, k_nothrow);
            if (ec) {
                body_ec = ec;
                body_out.resize(have + n);
            }
        }
        if (!body_ec && length < declared) {
            result.body_truncated = true;
            result.detail =
                "response body cut at " + std::to_string(length) + " of " + std::to_string(declared) + " bytes";
        }
    } else {
        res.body().data = std::move(body_out);
        res.body().data.clear();
        res.body().cap = cap;
        if (!parser->is_done()) {
            auto [ec, n] = co_await http::async_read(stream, buffer, *parser, k_nothrow);
            if (res.body().cut) {
                result.body_truncated = true;
                result.detail = "response body cut at " + std::to_string(cap) + " bytes";
            } else if (ec) {
                body_ec = ec;
            }
        }
        body_out = std::move(res.body().data);
    }
    result.phases.transfer += since(start);
    if (body_ec) {
        // Over the limit without truncate_body is body_too_large, always.
        if (!request.keep_partial_body || body_ec == http::error::body_limit) {
            body_out.clear();
            throw Failure{classify(body_ec, FailureReason::http_protocol),
                          "reading response body: " + body_ec.message()};
        }
        result.body_truncated = true;
        result.detail = "response body incomplete: " + body_ec.message();
    }
    result.status = static_cast<int>(res.result_int());
    result.reason = std::string(res.reason());
    result.headers.clear();
    for (const auto& field : res) {
        result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    result.content_type = std::string(res[http::field::content_type]);
    result.content_encoding = std::string(res[http::field::content_encoding]);
    // Kept for the redirect decision; cleared when not redirecting.
    result.final_url = std::string(res[http::field::location]);
}

asio::awaitable<void> run_fetch(HttpClientRequest request, HttpClientResult& result) {
    const auto started = steady::now();
    const Deadline deadline{started + request.total_timeout};
    auto parsed = boost::urls::parse_uri(request.url);
    if (!parsed) throw Failure{FailureReason::invalid_url, "invalid URL: " + parsed.error().message()};
    boost::urls::url current(*parsed);
    std::string method = request.method;
    std::string body = request.body;
    for (;;) {
        Target t = parse_target(current);
        auto endpoints = co_await resolve(t, request.ip_version, deadline, &result, nullptr);
        beast::tcp_stream stream = co_await connect(endpoints, request.connect_timeout, deadline, &result.phases.connect,
                                                      request.receive_buffer_bytes);
        result.used_tls = t.tls;
        if (t.tls) {
            if (!request.tls) throw Failure{FailureReason::tls, "https URL but no TLS context configured"};
            const TlsOptions& opts = request.tls->options();
            beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), request.tls->native());
            SSL* native = tls.native_handle();
            const std::string name = opts.server_name.empty() ? t.host : opts.server_name;
            const bool ip = is_ip_literal(name);
            if (!ip) SSL_set_tlsext_host_name(native, name.c_str());
            if (opts.insecure_skip_verify) {
                tls.set_verify_mode(ssl::verify_none);
            } else {
                tls.set_verify_mode(ssl::verify_peer);
                // OpenSSL's own name check (not a verify callback), so a
                // mismatch shows in the verify result like any other
                // verification failure. No partial wildcards ("w*.example.com"),
                // as in browsers and Go.
                X509_VERIFY_PARAM* param = SSL_get0_param(native);
                X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                                   : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
                if (set != 1) {
                    throw Failure{FailureReason::tls, "cannot verify a certificate for \"" + name + "\"", true};
                }
            }
            beast::get_lowest_layer(tls).expires_after(deadline.left(request.tls_timeout));
            auto start = steady::now();
            auto [ec] = co_await tls.async_handshake(ssl::stream_base::client, k_nothrow);
            result.phases.tls += since(start);
            if (ec) {
                // Our verification of the server's certificate failed: the
                // verify result says why (SSL_R_CERTIFICATE_VERIFY_FAILED
                // alone, should the result be unset, still says that it did).
                const long verify = SSL_get_verify_result(native);
                const bool verify_failed =
                    ec.category() == asio::error::get_ssl_category() &&
                    ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
                if (!opts.insecure_skip_verify && (verify != X509_V_OK || verify_failed)) {
                    const std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message();
                    throw Failure{FailureReason::tls, "certificate verification failed: " + why, true};
                }
                FailureReason reason = classify(ec, FailureReason::tls);
                if (reason != FailureReason::timeout) reason = FailureReason::tls;
                throw Failure{reason, "TLS handshake failed: " + ec.message()};
            }
            result.earliest_cert_expiry = earliest_expiry(native);
            co_await exchange(tls, request, method, body, t, deadline, result);
        } else {
            co_await exchange(stream, request, method, body, t, deadline, result);
        }
        const bool redirect = result.status == 301 || result.status == 302 || result.status == 303 ||
                              result.status == 307 || result.status == 308;
        std::string location = std::move(result.final_url);
        result.final_url = current.buffer();
        if (!redirect || location.empty() || request.max_redirects == 0) co_return;
        if (result.redirects >= request.max_redirects) {
            throw Failure{FailureReason::redirect_limit,
                          "stopped after " + std::to_string(request.max_redirects) + " redirects"};
        }
        auto ref = boost::urls::parse_uri_reference(location);
        if (!ref) throw Failure{FailureReason::http_protocol, "invalid redirect Location"};
        boost::urls::url next;
        if (auto r = boost::urls::resolve(current, *ref, next); !r) {
            throw Failure{FailureReason::http_protocol, "cannot resolve redirect Location"};
        }
        // Like Go's client: 301/302/303 turn a non-GET/HEAD into a body-less GET.
        if ((result.status == 301 || result.status == 302 || result.status == 303) && method != "GET" && method != "HEAD") {
            method = "GET";
            body.clear();
        }
        current = std::move(next);
        ++result.redirects;
        result.status = 0;
        result.reason.clear();
        result.headers.clear();
        result.body.clear();
        result.body_truncated = false;
        result.detail.clear();
    }
}

}  // namespace

void http_fetch(asio::io_context& io, HttpClientRequest request, HttpClientCallback done) {
    asio::co_spawn(
        io,
        [request = std::move(request), done = std::move(done)]() mutable -> asio::awaitable<void> {
            HttpClientResult result;
            result.body = std::move(request.body_buffer);
            auto started = steady::now();
            try {
                co_await run_fetch(std::move(request), result);
            } catch (const Failure& f) {
                result.failure = f.reason;
                result.detail = f.detail;
                result.certificate_rejected = f.certificate_rejected;
            } catch (const std::exception& e) {
                result.failure = FailureReason::http_protocol;
                result.detail = e.what();
            }
            result.duration_seconds = since(started);
            done(std::move(result));
        },
        asio::detached);
}

void tcp_connect(asio::io_context& io, TcpConnectRequest request, std::function<void(TcpConnectResult)> done) {
    asio::co_spawn(
        io,
        [request = std::move(request), done = std::move(done)]() mutable -> asio::awaitable<void> {
            TcpConnectResult result;
            auto started = steady::now();
            Deadline deadline{started + request.timeout};
            try {
                Target t;
                t.host = request.host;
                t.port = std::to_string(request.port);
                auto endpoints = co_await resolve(t, request.ip_version, deadline, nullptr, &result.resolve_seconds);
                auto stream = co_await connect(endpoints, request.timeout, deadline, &result.connect_seconds);
                error_code ignored;
                stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            } catch (const Failure& f) {
                result.failure = f.reason;
                result.detail = f.detail;
            }
            result.duration_seconds = since(started);
            done(std::move(result));
        },
        asio::detached);
}

}  // namespace tocsin::net
