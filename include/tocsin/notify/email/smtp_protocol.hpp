// The pure parts of SMTP (RFC 5321) the client is built on, testable without
// a socket: the reply parser with its limits, EHLO capabilities, DATA
// preparation (line ends, dot-stuffing) and making server text safe to log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin::notify::email {

struct SmtpReply {
    int code = 0;                    // 200..599
    std::vector<std::string> lines;  // text after "250-" / "250 ", one per line (may be empty)
};

struct SmtpReplyLimits {
    std::size_t max_line = 1000;  // octets per line, line end included (RFC 5321 asks for 512)
    std::size_t max_lines = 128;  // lines in one multi-line reply
};

struct SmtpReplyParse {
    enum class Status { incomplete, complete, malformed };
    Status status = Status::incomplete;
    std::size_t consumed = 0;  // complete: bytes of the buffer the reply used
    SmtpReply reply;           // complete: the reply
    std::string error;         // malformed: why (safe to log)
};

// Parses the reply at the start of `buffer`. Lines end in CRLF (a bare LF is
// tolerated); "DDD-text" continues a reply, "DDD text" or "DDD" ends it. Every
// line must carry the same code, whose digits are in 2-5, 0-5, 0-9. A line
// longer than max_line, even unfinished, or a reply with more than max_lines
// lines is malformed, so a hostile server cannot make the client buffer
// without bound.
SmtpReplyParse parse_reply(std::string_view buffer, const SmtpReplyLimits& limits = {});

// What an EHLO reply advertises (its first line is the server's greeting).
struct SmtpCapabilities {
    bool starttls = false;
    bool eight_bit_mime = false;
    bool pipelining = false;
    std::optional<std::uint64_t> size;  // SIZE: the limit in octets; 0 means no fixed limit
    std::vector<std::string> auth;      // AUTH mechanisms, upper case

    static SmtpCapabilities from_ehlo(const SmtpReply& reply);
    bool has_auth(std::string_view mechanism) const;
};

// The DATA payload for `message`: every CR, LF and CRLF becomes CRLF, lines
// starting with '.' get another '.', the text ends with CRLF, then ".\r\n".
std::string prepare_data(std::string_view message);

// A reply as one log-safe line: "550 first line | second line". Occurrences
// of any of `secrets` (and of their base64 forms the caller adds) become
// "[redacted]" first; then bytes outside printable ASCII become '?', and the
// result is cut to `max_chars` (ending in "...").
std::string sanitize_reply(const SmtpReply& reply, const std::vector<std::string>& secrets = {},
                           std::size_t max_chars = 400);

}  // namespace tocsin::notify::email
