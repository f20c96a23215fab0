#include "tocsin/notify/email/smtp_protocol.hpp"

namespace tocsin::notify::email {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

SmtpReplyParse malformed(std::string why) {
    SmtpReplyParse p;
    p.status = SmtpReplyParse::Status::malformed;
    p.error = std::move(why);
    return p;
}

}  // namespace

SmtpReplyParse parse_reply(std::string_view buffer, const SmtpReplyLimits& limits) {
    SmtpReplyParse out;
    std::size_t pos = 0;
    for (;;) {
        std::size_t lf = buffer.find('\n', pos);
        std::size_t line_len = (lf == std::string_view::npos ? buffer.size() : lf + 1) - pos;
        if (line_len > limits.max_line) {
            return malformed("reply line longer than " + std::to_string(limits.max_line) + " octets");
        }
        if (lf == std::string_view::npos) {
            // Judge what arrived so far, so garbage fails before its line ends.
            std::string_view partial = buffer.substr(pos);
            for (std::size_t i = 0; i < partial.size() && i < 3; ++i) {
                if (!is_digit(partial[i])) return malformed("reply does not start with a three-digit code");
            }
            return out;  // incomplete
        }
        std::string_view line = buffer.substr(pos, lf - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) {
            return malformed("reply does not start with a three-digit code");
        }
        if (line[0] < '2' || line[0] > '5' || line[1] > '5') {
            return malformed("reply code " + std::string(line.substr(0, 3)) + " is out of range");
        }
        const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (line.size() > 3 && line[3] != ' ' && line[3] != '-') {
            return malformed("reply code not followed by ' ' or '-'");
        }
        if (out.reply.lines.empty()) {
            out.reply.code = code;
        } else if (code != out.reply.code) {
            return malformed("multi-line reply mixes codes " + std::to_string(out.reply.code) + " and " +
                             std::to_string(code));
        }
        if (out.reply.lines.size() >= limits.max_lines) {
            return malformed("reply has more than " + std::to_string(limits.max_lines) + " lines");
        }
        out.reply.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
        pos = lf + 1;
        if (line.size() == 3 || line[3] == ' ') {
            out.status = SmtpReplyParse::Status::complete;
            out.consumed = pos;
            return out;
        }
    }
}

SmtpCapabilities SmtpCapabilities::from_ehlo(const SmtpReply& reply) {
    SmtpCapabilities caps;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        auto w = words(reply.lines[i]);
        if (w.empty()) continue;
        std::string keyword = upper(w[0]);
        std::vector<std::string> params(w.begin() + 1, w.end());
        // Old servers write "AUTH=LOGIN PLAIN" ("AUTH=" alone names none).
        if (keyword.rfind("AUTH=", 0) == 0) {
            if (keyword.size() > 5) params.insert(params.begin(), keyword.substr(5));
            keyword = "AUTH";
        }
        if (keyword == "STARTTLS") {
            caps.starttls = true;
        } else if (keyword == "8BITMIME") {
            caps.eight_bit_mime = true;
        } else if (keyword == "PIPELINING") {
            caps.pipelining = true;
        } else if (keyword == "SIZE") {
            std::uint64_t limit = 0;
            bool ok = true;
            if (!params.empty()) {
                for (char c : params[0]) {
                    if (!is_digit(c) || limit > (UINT64_MAX - 9) / 10) {
                        ok = false;
                        break;
                    }
                    limit = limit * 10 + static_cast<std::uint64_t>(c - '0');
                }
            }
            if (ok) caps.size = limit;
        } else if (keyword == "AUTH") {
            for (auto& p : params) {
                std::string m = upper(p);
                if (!caps.has_auth(m)) caps.auth.push_back(std::move(m));
            }
        }
    }
    return caps;
}

bool SmtpCapabilities::has_auth(std::string_view mechanism) const {
    for (const auto& m : auth) {
        if (m == mechanism) return true;
    }
    return false;
}

std::string prepare_data(std::string_view message) {
    std::string out;
    out.reserve(message.size() + message.size() / 32 + 8);
    bool line_start = true;
    for (std::size_t i = 0; i < message.size(); ++i) {
        const char c = message[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
            out += "\r\n";
            line_start = true;
            continue;
        }
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = false;
    }
    if (!line_start) out += "\r\n";
    out += ".\r\n";
    return out;
}

std::string sanitize_reply(const SmtpReply& reply, const std::vector<std::string>& secrets, std::size_t max_chars) {
    std::string text = std::to_string(reply.code);
    for (std::size_t i = 0; i < reply.lines.size(); ++i) {
        text += i == 0 ? " " : " | ";
        text += reply.lines[i];
    }
    for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 10)) {
            text.replace(at, secret.size(), "[redacted]");
        }
    }
    for (char& c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e) c = '?';
    }
    if (text.size() > max_chars) {
        text.resize(max_chars > 3 ? max_chars - 3 : 0);
        text += "...";
    }
    return text;
}

}  // namespace tocsin::notify::email
