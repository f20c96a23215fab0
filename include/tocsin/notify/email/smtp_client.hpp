// tocsin's own SMTP client (RFC 5321) on Asio coroutines: one connection per
// send, implicit TLS or STARTTLS (or plain text to a local relay), AUTH PLAIN
// or LOGIN, and every outcome classified for the dispatcher as sent, retry or
// permanent. Asio stays out of this header (io_context is forward-declared).
//
// Security rules: STARTTLS is required when configured (a server that does
// not offer it fails the send, the client never falls back to plain text);
// EHLO is repeated after TLS; AUTH is never sent over plain text unless
// allow_plain_auth_without_tls is set, which is only accepted with
// security = none and insecure_local_relay; the password never appears in a
// result (server text that echoes it, or its base64 forms, is redacted).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/core/secret.hpp"
#include "tocsin/net/tls_options.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::notify::email {

enum class SmtpSecurity {
    implicit_tls,  // TLS from the first byte (submissions, port 465)
    starttls,      // plain greeting, then STARTTLS, required (submission, port 587)
    none,          // plain text: only with insecure_local_relay (a relay on this host or network)
};
const char* to_string(SmtpSecurity security) noexcept;

enum class SmtpAuthMechanism { automatic, plain, login };  // automatic: PLAIN if offered, else LOGIN

struct SmtpClientOptions {
    std::string host;
    std::uint16_t port = 587;
    SmtpSecurity security = SmtpSecurity::starttls;
    bool insecure_local_relay = false;  // required for security = none
    // CA file (empty: the system store), server name (empty: host), client
    // certificate, insecure_skip_verify. Built into a context once, in create().
    net::TlsOptions tls;
    std::string username;  // empty: no AUTH
    Secret password;
    SmtpAuthMechanism auth_mechanism = SmtpAuthMechanism::automatic;
    bool allow_plain_auth_without_tls = false;  // only with security = none
    std::string helo_name = "localhost";        // the EHLO argument: this host's name
    Duration connect_timeout = std::chrono::seconds(10);  // resolve + connect
    Duration command_timeout = std::chrono::seconds(30);  // each reply (and TLS handshake)
    Duration send_timeout = std::chrono::minutes(2);      // the whole send, QUIT included
    std::size_t max_reply_line = 1000;                    // octets; longer is a protocol error
};

struct SmtpEnvelope {
    std::string mail_from;             // reverse-path, a valid address (no null path)
    std::vector<std::string> rcpt_to;  // at least one
    std::string data;                  // the message, e.g. render_email's data; any line ends
};

enum class SendOutcome {
    sent,       // the server accepted the message (for at least one recipient)
    retry,      // try again later: 4xx, timeouts, connection and protocol errors
    permanent,  // will not succeed as configured: 5xx, bad addresses, auth or TLS verification failures
};
const char* to_string(SendOutcome outcome) noexcept;

// Where a send stopped. Stable strings (to_string) may label metrics.
enum class SmtpStep { none, envelope, connect, tls, greeting, ehlo, starttls, auth, mail_from, rcpt_to, data, message };
const char* to_string(SmtpStep step) noexcept;

struct RecipientRejection {
    std::string address;
    int code = 0;       // 4xx: temporary, 5xx: permanent
    std::string reply;  // sanitised
};

struct SendResult {
    SendOutcome outcome = SendOutcome::retry;
    SmtpStep step = SmtpStep::none;  // the step that failed; none when sent
    int code = 0;                    // the server's reply code at that step; 0 without a reply
    std::string reply;               // that reply, sanitised ("550 5.1.1 ... | ..."); never a secret
    std::string detail;              // one line for logs: step, what happened, the reply
    // Recipient policy: RCPT TO is sent for every recipient; rejected ones are
    // listed here. The message is sent when at least one was accepted (then
    // outcome is sent even though `rejected` is not empty: a partial
    // delivery the caller should report); when all were rejected the outcome
    // is retry if any rejection was temporary (4xx), permanent otherwise.
    std::vector<std::string> accepted;
    std::vector<RecipientRejection> rejected;
    double duration_seconds = 0;

    bool ok() const { return outcome == SendOutcome::sent; }
    bool partial() const { return ok() && !rejected.empty(); }
};

using SendCallback = std::function<void(SendResult)>;

class SmtpClient {
public:
    // Checks the options (security rules above, host, helo name, timeouts)
    // and builds the TLS context; errors are invalid_argument and name the
    // option.
    static Result<SmtpClient> create(boost::asio::io_context& io, SmtpClientOptions options);

    // Delivers one envelope over a new connection. `done` runs on the
    // io_context exactly once, at the latest after send_timeout (plus the
    // time to notice it). Safe to call again before an earlier send finished.
    void send(SmtpEnvelope envelope, SendCallback done) const;

    const SmtpClientOptions& options() const;

private:
    SmtpClient() = default;
    struct Impl;
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace tocsin::notify::email
