// libFuzzer target: arbitrary bytes as what an SMTP server sends, read the
// way SmtpClient's read_reply does: the bytes arrive in chunks, each is
// appended to the buffer, parse_reply runs on the buffer until it is
// incomplete (a complete reply is taken off the front; a malformed one ends
// the connection). Then EHLO capabilities and the log-safe text of every
// reply, and DATA preparation of the whole payload. Never a crash, and:
//   - chunking changes nothing: the replies and the end state are those of
//     the same bytes in one piece;
//   - the buffer never holds more than the limits allow (a hostile server
//     cannot make the client buffer without bound);
//   - every reply keeps the limits, its code is a valid SMTP code;
//   - sanitize_reply is printable ASCII, within its length, and hides the
//     secret it is given;
//   - prepare_data's output is CRLF-only and dot-stuffed, and undoes to the
//     payload.
//
// Input: a header, then the server's bytes (the payload).
//   byte 0, low 4 bits   n: the payload's first n chunks have explicit sizes
//   byte 0, bits 4-5     the max_reply_line: 512, 513, 4096 or 1000 (the
//                        default; ASCII digits '0'-'9' select it)
//   bytes 1..n           chunk sizes minus one (1-256 bytes); the rest of
//                        the payload is the last chunk
// So a seed "0" + text is the text in one piece with the default limits.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/notify/email/smtp_protocol.hpp"

namespace {

using namespace tocsin::notify::email;
using Status = SmtpReplyParse::Status;

constexpr std::size_t k_max_lines[] = {512, 513, 4096, 1000};

void check(bool condition) {
    if (!condition) std::abort();
}

struct Stream {
    std::vector<SmtpReply> replies;
    bool malformed = false;
    std::string rest;  // what is left in the buffer when it is not malformed
};

void check_reply(const SmtpReply& reply, const SmtpReplyLimits& limits) {
    check(reply.code >= 200 && reply.code <= 559 && (reply.code / 10) % 10 <= 5);
    check(!reply.lines.empty() && reply.lines.size() <= limits.max_lines);
    for (const auto& line : reply.lines) {
        check(line.find('\n') == std::string::npos);
        check(line.size() + 4 < limits.max_line);  // "DDD-" + text + LF
    }
}

// Feeds `chunks` as read_reply receives them.
Stream read(const std::vector<std::string_view>& chunks, const SmtpReplyLimits& limits) {
    Stream s;
    std::string in;
    for (auto chunk : chunks) {
        in.append(chunk);
        for (;;) {
            auto parsed = parse_reply(in, limits);
            if (parsed.status == Status::complete) {
                check(parsed.consumed > 0 && parsed.consumed <= in.size() && in[parsed.consumed - 1] == '\n');
                check(parsed.error.empty());
                check_reply(parsed.reply, limits);
                s.replies.push_back(std::move(parsed.reply));
                in.erase(0, parsed.consumed);
                continue;
            }
            if (parsed.status == Status::malformed) {
                check(!parsed.error.empty());
                s.malformed = true;
                return s;
            }
            check(parsed.consumed == 0);
            // Everything still buffered belongs to one reply within the limits.
            check(in.size() <= (limits.max_lines + 1) * limits.max_line);
            break;
        }
    }
    s.rest = std::move(in);
    return s;
}

bool same(const Stream& a, const Stream& b) {
    if (a.malformed != b.malformed || a.rest != b.rest || a.replies.size() != b.replies.size()) return false;
    for (std::size_t i = 0; i < a.replies.size(); ++i) {
        if (a.replies[i].code != b.replies[i].code || a.replies[i].lines != b.replies[i].lines) return false;
    }
    return true;
}

void check_capabilities(const SmtpReply& reply) {
    const auto caps = SmtpCapabilities::from_ehlo(reply);
    for (std::size_t i = 0; i < caps.auth.size(); ++i) {
        const std::string& m = caps.auth[i];
        check(!m.empty() && caps.has_auth(m));
        for (char c : m) check(!(c >= 'a' && c <= 'z') && c != ' ' && c != '\t');
        for (std::size_t j = 0; j < i; ++j) check(caps.auth[j] != m);
    }
}

// A secret sanitize_reply must hide: printable, and sharing no character
// with what it writes in its place ("[redacted]", '?' and the "..." of a cut).
bool checkable_secret(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < 0x21 || c > 0x7e || std::string_view("[redacted]?.").find(c) != std::string_view::npos) return false;
    }
    return true;
}

void check_sanitized(const SmtpReply& reply) {
    // The last word of the last line plays a password the server echoed.
    std::string secret;
    const std::string& last = reply.lines.back();
    const auto space = last.find_last_of(' ');
    secret = space == std::string::npos ? last : last.substr(space + 1);
    const bool hide = checkable_secret(secret);
    for (std::size_t max_chars : {std::size_t{400}, std::size_t{16}}) {
        const std::string text = sanitize_reply(reply, hide ? std::vector<std::string>{secret} : std::vector<std::string>{},
                                                max_chars);
        check(text.size() <= max_chars);
        for (char c : text) check(c >= 0x20 && c <= 0x7e);
        if (hide) check(text.find(secret) == std::string::npos);
    }
}

void check_prepare_data(std::string_view message) {
    const std::string out = prepare_data(message);
    check(out.ends_with(".\r\n"));
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == '\r') check(i + 1 < out.size() && out[i + 1] == '\n');
        if (out[i] == '\n') check(i > 0 && out[i - 1] == '\r');
    }
    // Undo: lines without the stuffed dot, LF line ends; the expected text is
    // the message with every CR, LF and CRLF as LF and a final LF.
    std::string undone;
    const std::string_view body = std::string_view(out).substr(0, out.size() - 3);
    for (std::size_t pos = 0; pos < body.size();) {
        const std::size_t end = body.find("\r\n", pos);
        check(end != std::string_view::npos);
        std::string_view line = body.substr(pos, end - pos);
        if (!line.empty() && line[0] == '.') {
            check(line.size() >= 2 && line[1] == '.');  // never a lone "." before the end
            line.remove_prefix(1);
        }
        undone.append(line);
        undone += '\n';
        pos = end + 2;
    }
    std::string expected;
    for (std::size_t i = 0; i < message.size(); ++i) {
        if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
        expected += message[i] == '\r' ? '\n' : message[i];
    }
    if (!expected.empty() && expected.back() != '\n') expected += '\n';
    check(undone == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t n = data[0] & 0x0f;
    SmtpReplyLimits limits;
    limits.max_line = k_max_lines[(data[0] >> 4) & 3];
    std::size_t header = 1 + n;
    if (header > size) header = size;
    const std::string_view payload(reinterpret_cast<const char*>(data) + header, size - header);

    std::vector<std::string_view> chunks;
    std::size_t pos = 0;
    for (std::size_t i = 1; i < header && pos < payload.size(); ++i) {
        const std::size_t len = std::min<std::size_t>(std::size_t{data[i]} + 1, payload.size() - pos);
        chunks.push_back(payload.substr(pos, len));
        pos += len;
    }
    if (pos < payload.size()) chunks.push_back(payload.substr(pos));

    const Stream chunked = read(chunks, limits);
    const Stream whole = read({payload}, limits);
    check(same(chunked, whole));

    for (const auto& reply : whole.replies) {
        check_capabilities(reply);
        check_sanitized(reply);
    }
    check_prepare_data(payload);
    return 0;
}
