#include "tocsin/notify/email/smtp_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <optional>

#include "tocsin/notify/email/email_message.hpp"
#include "tocsin/notify/email/smtp_protocol.hpp"

namespace tocsin::notify::email {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

const char* to_string(SmtpSecurity security) noexcept {
    switch (security) {
        case SmtpSecurity::implicit_tls: return "implicit_tls";
        case SmtpSecurity::starttls: return "starttls";
        case SmtpSecurity::none: return "none";
    }
    return "unknown";
}

const char* to_string(SendOutcome outcome) noexcept {
    switch (outcome) {
        case SendOutcome::sent: return "sent";
        case SendOutcome::retry: return "retry";
        case SendOutcome::permanent: return "permanent";
    }
    return "unknown";
}

const char* to_string(SmtpStep step) noexcept {
    switch (step) {
        case SmtpStep::none: return "none";
        case SmtpStep::envelope: return "envelope";
        case SmtpStep::connect: return "connect";
        case SmtpStep::tls: return "tls";
        case SmtpStep::greeting: return "greeting";
        case SmtpStep::ehlo: return "ehlo";
        case SmtpStep::starttls: return "starttls";
        case SmtpStep::auth: return "auth";
        case SmtpStep::mail_from: return "mail_from";
        case SmtpStep::rcpt_to: return "rcpt_to";
        case SmtpStep::data: return "data";
        case SmtpStep::message: return "message";
    }
    return "unknown";
}

namespace {

constexpr auto k_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t k_max_reply_lines = 128;

// What every send of one client shares: the options, the prepared TLS
// context and the strings no result may show.
struct ClientConfig {
    asio::io_context* io = nullptr;
    SmtpClientOptions options;
    std::optional<net::TlsClientContext> tls;
    std::vector<std::string> secrets;
};

// An error with its classification; thrown inside the coroutine only and
// caught at its top.
struct Failure {
    SendOutcome outcome;
    SmtpStep step;
    int code = 0;
    std::string reply;
    std::string detail;
};

bool is_ip_literal(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

bool has_control(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return true;
    }
    return false;
}

bool has_8bit(std::string_view s) {
    for (char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    }
    return false;
}

std::string seconds_text(Duration d) {
    auto ms = d.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

// One SMTP session: a connection, its optional TLS layer and the bytes read
// but not yet parsed. Every wait is bounded by min(its own limit, what is
// left of the whole send).
class Session {
public:
    Session(const ClientConfig& config, const asio::any_io_executor& ex)
        : m_config(config), m_options(config.options), m_tcp(ex),
          m_deadline(steady::now() + std::chrono::duration_cast<steady::duration>(config.options.send_timeout)) {}

    SmtpStep step() const { return m_step; }
    bool can_quit() const { return m_can_quit; }

    asio::awaitable<void> deliver(const SmtpEnvelope& envelope, SendResult& result);

    // Best effort after the outcome is known: QUIT, wait for its reply
    // (bounded), ignore every error.
    asio::awaitable<void> quit() {
        m_can_quit = false;
        try {
            co_await write("QUIT\r\n", "QUIT", m_options.command_timeout);
            co_await read_reply("QUIT");
        } catch (const Failure&) {
        }
    }

private:
    steady::duration left(Duration cap) const {
        auto remaining = m_deadline - steady::now();
        if (remaining < steady::duration::zero()) remaining = steady::duration::zero();
        if (cap >= std::chrono::duration_cast<Duration>(remaining)) return remaining;
        return std::chrono::duration_cast<steady::duration>(cap);
    }

    std::string sanitized(const SmtpReply& reply) const { return sanitize_reply(reply, m_config.secrets); }

    [[noreturn]] void fail(SendOutcome outcome, const std::string& detail, int code = 0, std::string reply = {}) {
        throw Failure{outcome, m_step, code, std::move(reply), detail};
    }

    // A reply other than the one the step needs: 5xx is permanent; 4xx and
    // replies that make no sense here (protocol errors) are worth a retry.
    [[noreturn]] void fail_reply(const SmtpReply& reply, std::string_view what) {
        if (reply.code == 421) m_can_quit = false;  // the server is closing the channel
        std::string text = sanitized(reply);
        const bool unexpected = reply.code < 400;
        std::string detail = std::string(what) + (unexpected ? ": unexpected reply " : ": ") + text;
        fail(reply.code >= 500 ? SendOutcome::permanent : SendOutcome::retry, detail, reply.code, text);
    }

    [[noreturn]] void fail_io(const error_code& ec, std::string_view what) {
        m_can_quit = false;
        std::string detail = std::string(what) + ": ";
        if (ec == beast::error::timeout || ec == asio::error::timed_out || ec == asio::error::operation_aborted) {
            if (steady::now() >= m_deadline) {
                detail += "timed out (the send timeout of " + seconds_text(m_options.send_timeout) + " ran out)";
            } else {
                detail += "timed out";
            }
        } else if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
                   ec == ssl::error::stream_truncated || ec == asio::error::connection_aborted) {
            detail += "the server closed the connection";
        } else {
            detail += ec.message();
        }
        fail(SendOutcome::retry, detail);
    }

    asio::awaitable<void> write(std::string_view bytes, std::string_view what, Duration cap) {
        m_tcp.expires_after(left(cap));
        auto buffer = asio::buffer(bytes.data(), bytes.size());
        error_code ec;
        if (m_tls) {
            std::tie(ec, std::ignore) = co_await asio::async_write(*m_tls, buffer, k_nothrow);
        } else {
            std::tie(ec, std::ignore) = co_await asio::async_write(m_tcp, buffer, k_nothrow);
        }
        if (ec) fail_io(ec, what);
    }

    asio::awaitable<SmtpReply> read_reply(std::string_view what) {
        const auto until = steady::now() + left(m_options.command_timeout);
        const SmtpReplyLimits limits{m_options.max_reply_line, k_max_reply_lines};
        std::array<char, 4096> chunk;
        for (;;) {
            auto parsed = parse_reply(m_in, limits);
            if (parsed.status == SmtpReplyParse::Status::complete) {
                m_in.erase(0, parsed.consumed);
                co_return std::move(parsed.reply);
            }
            if (parsed.status == SmtpReplyParse::Status::malformed) {
                m_can_quit = false;
                fail(SendOutcome::retry, std::string(what) + ": malformed reply: " + parsed.error);
            }
            // One limit for the whole reply: a server dribbling a byte at a
            // time does not get a fresh timeout per byte.
            m_tcp.expires_at(until);
            error_code ec;
            std::size_t n = 0;
            if (m_tls) {
                std::tie(ec, n) = co_await m_tls->async_read_some(asio::buffer(chunk), k_nothrow);
            } else {
                std::tie(ec, n) = co_await m_tcp.async_read_some(asio::buffer(chunk), k_nothrow);
            }
            if (ec) fail_io(ec, what);
            m_in.append(chunk.data(), n);
        }
    }

    // Sends one command line; `what` names it in errors (never the line
    // itself: AUTH lines carry credentials).
    asio::awaitable<SmtpReply> command(const std::string& line, std::string_view what) {
        co_await write(line + "\r\n", what, m_options.command_timeout);
        co_return co_await read_reply(what);
    }

    asio::awaitable<void> connect() {
        const std::string where = m_options.host + ":" + std::to_string(m_options.port);
        const auto until = steady::now() + left(m_options.connect_timeout);
        tcp::resolver resolver(m_tcp.get_executor());
        asio::steady_timer timer(m_tcp.get_executor());
        timer.expires_at(until);
        timer.async_wait([&resolver](const error_code& ec) {
            if (!ec) resolver.cancel();
        });
        auto [rec, results] = co_await resolver.async_resolve(m_options.host, std::to_string(m_options.port), k_nothrow);
        timer.cancel();
        if (rec == asio::error::operation_aborted) fail(SendOutcome::retry, "resolving " + m_options.host + ": timed out");
        if (rec) fail(SendOutcome::retry, "cannot resolve " + m_options.host + ": " + rec.message());
        m_tcp.expires_at(until);
        auto [ec, endpoint] = co_await m_tcp.async_connect(results, k_nothrow);
        if (ec == asio::error::connection_refused) fail(SendOutcome::retry, "cannot connect to " + where + ": connection refused");
        if (ec) fail_io(ec, "cannot connect to " + where);
    }

    asio::awaitable<void> handshake() {
        const net::TlsOptions& tls = m_options.tls;
        const std::string name = tls.server_name.empty() ? m_options.host : tls.server_name;
        m_tls.emplace(m_tcp, m_config.tls->native());
        if (!is_ip_literal(name)) SSL_set_tlsext_host_name(m_tls->native_handle(), name.c_str());
        if (tls.insecure_skip_verify) {
            m_tls->set_verify_mode(ssl::verify_none);
        } else {
            m_tls->set_verify_mode(ssl::verify_peer);
            m_tls->set_verify_callback(ssl::host_name_verification(name));
        }
        m_tcp.expires_after(left(m_options.command_timeout));
        auto [ec] = co_await m_tls->async_handshake(ssl::stream_base::client, k_nothrow);
        if (!ec) co_return;
        m_can_quit = false;
        // A certificate the configuration does not trust, or a peer that
        // does not speak TLS, will not change by retrying; I/O trouble might.
        long verify = SSL_get_verify_result(m_tls->native_handle());
        if (verify != X509_V_OK) {
            fail(SendOutcome::permanent, std::string("TLS handshake: certificate verification failed for \"") + name +
                                             "\": " + X509_verify_cert_error_string(verify));
        }
        if (ec.category() == asio::error::get_ssl_category()) {
            fail(SendOutcome::permanent, "TLS handshake failed: " + ec.message());
        }
        fail_io(ec, "TLS handshake");
    }

    asio::awaitable<SmtpCapabilities> ehlo() {
        auto reply = co_await command("EHLO " + m_options.helo_name, "EHLO");
        if (reply.code == 250) co_return SmtpCapabilities::from_ehlo(reply);
        // RFC 5321 3.2: an old server may only know HELO; good enough when
        // neither STARTTLS nor AUTH is needed.
        const bool plain_enough = m_options.security == SmtpSecurity::none && m_options.username.empty();
        if (reply.code >= 500 && plain_enough) {
            auto helo = co_await command("HELO " + m_options.helo_name, "HELO");
            if (helo.code == 250) co_return SmtpCapabilities{};
            fail_reply(helo, "HELO");
        }
        fail_reply(reply, "EHLO");
    }

    asio::awaitable<void> authenticate(const SmtpCapabilities& caps) {
        if (!m_tls && !m_options.allow_plain_auth_without_tls) {
            fail(SendOutcome::permanent, "refusing to send credentials over an unencrypted connection");
        }
        std::string offered;
        for (const auto& m : caps.auth) offered += (offered.empty() ? "" : " ") + m;
        if (offered.empty()) offered = "none";
        SmtpAuthMechanism mechanism = m_options.auth_mechanism;
        if (mechanism == SmtpAuthMechanism::automatic) {
            if (caps.has_auth("PLAIN")) {
                mechanism = SmtpAuthMechanism::plain;
            } else if (caps.has_auth("LOGIN")) {
                mechanism = SmtpAuthMechanism::login;
            } else {
                fail(SendOutcome::permanent, "the server offers no AUTH mechanism tocsin supports (offered: " + offered +
                                                 "; supported: PLAIN, LOGIN)");
            }
        } else {
            const char* name = mechanism == SmtpAuthMechanism::plain ? "PLAIN" : "LOGIN";
            if (!caps.has_auth(name)) {
                fail(SendOutcome::permanent,
                     std::string("the server does not offer AUTH ") + name + " (offered: " + offered + ")");
            }
        }
        const std::string& user = m_options.username;
        const std::string& password = m_options.password.reveal();
        if (mechanism == SmtpAuthMechanism::plain) {
            const std::string blob = base64_encode(std::string(1, '\0') + user + '\0' + password);
            auto reply = co_await command("AUTH PLAIN " + blob, "AUTH PLAIN");
            if (reply.code == 334) reply = co_await command(blob, "AUTH PLAIN");
            if (reply.code != 235) fail_reply(reply, "AUTH PLAIN");
            co_return;
        }
        auto reply = co_await command("AUTH LOGIN", "AUTH LOGIN");
        if (reply.code != 334) fail_reply(reply, "AUTH LOGIN");
        reply = co_await command(base64_encode(user), "AUTH LOGIN (username)");
        if (reply.code != 334) fail_reply(reply, "AUTH LOGIN (username)");
        reply = co_await command(base64_encode(password), "AUTH LOGIN (password)");
        if (reply.code != 235) fail_reply(reply, "AUTH LOGIN (password)");
    }

    const ClientConfig& m_config;
    const SmtpClientOptions& m_options;
    beast::tcp_stream m_tcp;
    std::optional<ssl::stream<beast::tcp_stream&>> m_tls;
    std::string m_in;  // received, not yet parsed
    SmtpStep m_step = SmtpStep::none;
    steady::time_point m_deadline;
    bool m_can_quit = false;  // the server talks and has not announced it is closing
};

asio::awaitable<void> Session::deliver(const SmtpEnvelope& envelope, SendResult& result) {
    m_step = SmtpStep::envelope;
    if (auto s = validate_address(envelope.mail_from); !s) {
        fail(SendOutcome::permanent, "mail_from \"" + sanitize_header_text(envelope.mail_from) + "\": " + s.error().message);
    }
    if (envelope.rcpt_to.empty()) fail(SendOutcome::permanent, "no recipient");
    for (const auto& rcpt : envelope.rcpt_to) {
        if (auto s = validate_address(rcpt); !s) {
            fail(SendOutcome::permanent, "recipient \"" + sanitize_header_text(rcpt) + "\": " + s.error().message);
        }
    }
    const std::string payload = prepare_data(envelope.data);

    m_step = SmtpStep::connect;
    co_await connect();
    if (m_options.security == SmtpSecurity::implicit_tls) {
        m_step = SmtpStep::tls;
        co_await handshake();
    }
    m_step = SmtpStep::greeting;
    auto reply = co_await read_reply("greeting");
    m_can_quit = true;
    if (reply.code != 220) fail_reply(reply, "greeting");

    m_step = SmtpStep::ehlo;
    SmtpCapabilities caps = co_await ehlo();
    if (m_options.security == SmtpSecurity::starttls) {
        m_step = SmtpStep::starttls;
        if (!caps.starttls) {
            fail(SendOutcome::permanent, "the server does not offer STARTTLS, which security = starttls requires");
        }
        reply = co_await command("STARTTLS", "STARTTLS");
        if (reply.code != 220) fail_reply(reply, "STARTTLS");
        if (!m_in.empty()) {
            // Bytes after the 220 were sent before TLS and could have been
            // injected by anyone on the path (CVE-2011-0411).
            m_can_quit = false;
            fail(SendOutcome::retry, "STARTTLS: the server sent data before the TLS handshake; refusing it");
        }
        m_step = SmtpStep::tls;
        co_await handshake();
        m_step = SmtpStep::ehlo;
        caps = co_await ehlo();  // RFC 3207 4.2: forget what was learnt before TLS
    }
    if (!m_options.username.empty()) {
        m_step = SmtpStep::auth;
        co_await authenticate(caps);
    }

    m_step = SmtpStep::mail_from;
    if (caps.size && *caps.size > 0 && payload.size() > *caps.size) {
        fail(SendOutcome::permanent, "the message (" + std::to_string(payload.size()) +
                                         " octets) exceeds the server's SIZE limit of " + std::to_string(*caps.size));
    }
    std::string mail = "MAIL FROM:<" + envelope.mail_from + ">";
    if (caps.size) mail += " SIZE=" + std::to_string(payload.size());
    if (caps.eight_bit_mime && has_8bit(payload)) mail += " BODY=8BITMIME";
    reply = co_await command(mail, "MAIL FROM");
    if (reply.code / 100 != 2) fail_reply(reply, "MAIL FROM");

    m_step = SmtpStep::rcpt_to;
    bool temporary = false;
    for (const auto& rcpt : envelope.rcpt_to) {
        reply = co_await command("RCPT TO:<" + rcpt + ">", "RCPT TO");
        if (reply.code == 250 || reply.code == 251) {
            result.accepted.push_back(rcpt);
        } else if (reply.code >= 400 && reply.code != 421) {
            temporary = temporary || reply.code < 500;
            result.rejected.push_back(RecipientRejection{rcpt, reply.code, sanitized(reply)});
        } else {
            fail_reply(reply, "RCPT TO <" + rcpt + ">");
        }
    }
    if (result.accepted.empty()) {
        const auto& first = result.rejected.front();
        fail(temporary ? SendOutcome::retry : SendOutcome::permanent,
             "all " + std::to_string(result.rejected.size()) + " recipient(s) rejected; <" + first.address +
                 ">: " + first.reply,
             first.code, first.reply);
    }

    m_step = SmtpStep::data;
    reply = co_await command("DATA", "DATA");
    if (reply.code != 354) fail_reply(reply, "DATA");

    m_step = SmtpStep::message;
    // The content may be large: bounded by the whole send, not per command.
    co_await write(payload, "sending the message", Duration::max());
    reply = co_await read_reply("end of data");
    if (reply.code / 100 != 2) fail_reply(reply, "end of data");

    result.outcome = SendOutcome::sent;
    result.step = SmtpStep::none;
    result.code = reply.code;
    result.reply = sanitized(reply);
    result.detail = "accepted by " + m_options.host + " for " + std::to_string(result.accepted.size()) + " of " +
                    std::to_string(envelope.rcpt_to.size()) + " recipient(s): " + result.reply;
}

std::string validate(const SmtpClientOptions& o) {
    if (o.host.empty()) return "host is empty";
    if (has_control(o.host) || o.host.find(' ') != std::string::npos) return "host contains spaces or control characters";
    if (o.port == 0) return "port is 0";
    if (o.helo_name.empty() || has_control(o.helo_name) || o.helo_name.find(' ') != std::string::npos) {
        return "helo_name must be a host name without spaces";
    }
    if (o.connect_timeout <= Duration::zero() || o.command_timeout <= Duration::zero() ||
        o.send_timeout <= Duration::zero()) {
        return "timeouts must be positive";
    }
    if (o.max_reply_line < 512) return "max_reply_line must be at least 512 (RFC 5321 4.5.3.1.5)";
    if (o.security == SmtpSecurity::none && !o.insecure_local_relay) {
        return "security = none sends mail in plain text; it needs insecure_local_relay (a relay on this host or "
               "network), otherwise use starttls or implicit_tls";
    }
    if (o.allow_plain_auth_without_tls && o.security != SmtpSecurity::none) {
        return "allow_plain_auth_without_tls only applies to security = none";
    }
    if (!o.username.empty() && o.security == SmtpSecurity::none && !o.allow_plain_auth_without_tls) {
        return "refusing AUTH without TLS: use starttls or implicit_tls, or set allow_plain_auth_without_tls for a "
               "local relay";
    }
    if (o.username.empty() && !o.password.empty()) return "a password (" + o.password.source() + ") without a username";
    if (has_control(o.username)) return "username contains control characters";
    if (o.password.reveal().find('\0') != std::string::npos) {
        return "the password (" + o.password.source() + ") contains a NUL byte";
    }
    return {};
}

}  // namespace

struct SmtpClient::Impl : ClientConfig {};

Result<SmtpClient> SmtpClient::create(asio::io_context& io, SmtpClientOptions options) {
    if (std::string problem = validate(options); !problem.empty()) {
        return Error::make(ErrorCategory::invalid_argument, "smtp: " + problem);
    }
    auto impl = std::make_shared<Impl>();
    impl->io = &io;
    if (options.security != SmtpSecurity::none) {
        auto ctx = net::TlsClientContext::create(options.tls);
        if (!ctx) return Error::make(ctx.error().category, "smtp tls: " + ctx.error().message);
        impl->tls = std::move(*ctx);
    }
    if (const std::string& password = options.password.reveal(); !password.empty()) {
        impl->secrets = {base64_encode(std::string(1, '\0') + options.username + '\0' + password),
                         base64_encode(options.username + '\0' + password), base64_encode(password), password};
    }
    impl->options = std::move(options);
    SmtpClient client;
    client.m_impl = std::move(impl);
    return client;
}

const SmtpClientOptions& SmtpClient::options() const { return m_impl->options; }

void SmtpClient::send(SmtpEnvelope envelope, SendCallback done) const {
    asio::co_spawn(
        *m_impl->io,
        [impl = m_impl, envelope = std::move(envelope), done = std::move(done)]() -> asio::awaitable<void> {
            const auto started = steady::now();
            SendResult result;
            Session session(*impl, co_await asio::this_coro::executor);
            try {
                co_await session.deliver(envelope, result);
            } catch (const Failure& f) {
                result.outcome = f.outcome;
                result.step = f.step;
                result.code = f.code;
                result.reply = f.reply;
                result.detail = f.detail;
            } catch (const std::exception& e) {
                result.outcome = SendOutcome::retry;
                result.step = session.step();
                result.detail = std::string(to_string(result.step)) + ": " + e.what();
            }
            if (session.can_quit()) co_await session.quit();
            result.duration_seconds = std::chrono::duration<double>(steady::now() - started).count();
            done(std::move(result));
        },
        asio::detached);
}

}  // namespace tocsin::notify::email
