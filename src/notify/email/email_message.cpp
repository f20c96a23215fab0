#include "tocsin/notify/email/email_message.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <ctime>

#include "tocsin/core/go_format.hpp"

namespace tocsin::notify::email {

namespace {

constexpr std::size_t k_line_limit = 78;        // RFC 5322 2.1.1: SHOULD
constexpr std::size_t k_encoded_word_max = 75;  // RFC 2047 2
constexpr std::string_view k_b_prefix = "=?utf-8?B?";
constexpr std::string_view k_q_prefix = "=?utf-8?Q?";
constexpr std::string_view k_word_suffix = "?=";
constexpr std::size_t k_word_overhead = 12;  // prefix + suffix
constexpr char k_hex[] = "0123456789ABCDEF";

Error invalid(std::string message) { return Error::make(ErrorCategory::invalid_argument, std::move(message)); }

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

// RFC 5322 atext.
bool is_atext(char c) {
    if (is_alnum(c)) return true;
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '/':
        case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
            return true;
        default:
            return false;
    }
}

// RFC 2047 5 (3): characters an encoded-word in a phrase may carry literally.
// Used for every Q-encoded word, so one rule fits all header contexts.
bool is_q_safe(char c) { return is_alnum(c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/'; }

bool is_dot_atom_text(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    return true;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += "0123456789abcdef"[md[i] >> 4];
        out += "0123456789abcdef"[md[i] & 15];
    }
    return out;
}

Status validate_domain(std::string_view domain) {
    if (domain.empty()) return invalid("address has an empty domain");
    if (domain.front() == '[') {
        if (domain.back() != ']') return invalid("address literal is missing its closing ']'");
        std::string inner(domain.substr(1, domain.size() - 2));
        std::array<unsigned char, 16> buf{};
        if (inner.rfind("IPv6:", 0) == 0) {
            if (::inet_pton(AF_INET6, inner.c_str() + 5, buf.data()) == 1) return Ok{};
            return invalid("address literal is not a valid IPv6 address");
        }
        if (::inet_pton(AF_INET, inner.c_str(), buf.data()) == 1) return Ok{};
        return invalid("address literal is neither an IPv4 address nor IPv6:...");
    }
    if (domain.size() > 253) return invalid("domain is longer than 253 octets");
    std::size_t start = 0;
    for (;;) {
        std::size_t dot = domain.find('.', start);
        std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty()) return invalid("domain has an empty label");
        if (label.size() > 63) return invalid("domain label is longer than 63 octets");
        if (label.front() == '-' || label.back() == '-') return invalid("domain label starts or ends with '-'");
        for (char c : label) {
            if (!is_alnum(c) && c != '-') return invalid(std::string("domain contains '") + c + "'");
        }
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return Ok{};
}

Status validate_local_part(std::string_view local) {
    if (local.empty()) return invalid("address has an empty local part");
    if (local.size() > 64) return invalid("local part is longer than 64 octets");
    if (local.front() == '"') {
        if (local.size() < 2 || local.back() != '"') return invalid("quoted local part is not terminated");
        for (std::size_t i = 1; i + 1 < local.size(); ++i) {
            if (local[i] == '\\') {
                if (i + 2 >= local.size()) return invalid("quoted local part ends in a lone backslash");
                ++i;
            } else if (local[i] == '"') {
                return invalid("quoted local part contains an unescaped '\"'");
            }
        }
        return Ok{};
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return invalid("local part has a leading, trailing or doubled '.'");
    }
    for (char c : local) {
        if (c != '.' && !is_atext(c)) return invalid(std::string("local part contains '") + c + "'");
    }
    return Ok{};
}

// A Message-ID with or without its angle brackets, returned with them.
Result<std::string> normalize_message_id(std::string_view id) {
    std::string_view inner = id;
    if (!inner.empty() && inner.front() == '<') {
        if (inner.size() < 2 || inner.back() != '>') return invalid("thread_root_id: '<' without a closing '>'");
        inner = inner.substr(1, inner.size() - 2);
    }
    if (inner.size() > 250) return invalid("thread_root_id: longer than 250 characters");
    auto at = inner.rfind('@');
    if (at == std::string_view::npos) return invalid("thread_root_id: not of the form <left@right>");
    std::string_view left = inner.substr(0, at);
    std::string_view right = inner.substr(at + 1);
    if (!is_dot_atom_text(left)) return invalid("thread_root_id: invalid characters before '@'");
    bool right_ok = is_dot_atom_text(right);
    if (!right_ok && right.size() >= 2 && right.front() == '[' && right.back() == ']') {
        right_ok = true;
        for (char c : right.substr(1, right.size() - 2)) {
            auto u = static_cast<unsigned char>(c);
            if (u < 33 || u > 126 || c == '[' || c == ']' || c == '\\') right_ok = false;
        }
    }
    if (!right_ok) return invalid("thread_root_id: invalid characters after '@'");
    return "<" + std::string(inner) + ">";
}

Status validate_header_name(std::string_view name) {
    if (name.empty() || name.size() > 76) return invalid("header name must have 1 to 76 characters");
    for (char c : name) {
        if (!is_alnum(c) && c != '-') return invalid("header name \"" + sanitize_header_text(name) + "\" may only contain letters, digits and '-'");
    }
    static constexpr std::string_view k_reserved[] = {
        "date", "from", "to", "cc", "bcc", "sender", "reply-to", "subject", "message-id", "in-reply-to",
        "references", "mime-version", "auto-submitted", "return-path", "received"};
    std::string l = lower(name);
    for (auto r : k_reserved) {
        if (l == r) return invalid("header " + std::string(name) + " is written by the renderer");
    }
    if (l.rfind("content-", 0) == 0) return invalid("header " + std::string(name) + " is written by the renderer");
    return Ok{};
}

// Replaces invalid UTF-8 with U+FFFD; keeps everything else (bodies).
std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            out += text[i++];
            continue;
        }
        auto r = gofmt::decode_rune(text, i);
        if (r.value == gofmt::k_rune_error && r.width == 1) {
            gofmt::append_utf8(out, gofmt::k_rune_error);
        } else {
            out.append(text.substr(i, r.width));
        }
        i += r.width;
    }
    return out;
}

// CR, LF and CRLF all become CRLF.
std::string crlf_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (text[i] == '\n') {
            out += "\r\n";
        } else {
            out += text[i];
        }
    }
    return out;
}

// One header field being written: tokens separated by single spaces, folded
// (CRLF + space) before a token that would push the line past 78 characters.
class HeaderLine {
public:
    explicit HeaderLine(std::string_view name) : m_out(std::string(name) + ":"), m_col(m_out.size()) {}

    void add(std::string_view token) {
        // Never fold before an empty token (a line of only whitespace), nor
        // when the token would not fit a fresh line either.
        if (!token.empty() && m_col + 1 + token.size() > k_line_limit && 1 + token.size() <= k_line_limit) {
            m_out += "\r\n";
            m_col = 0;
        }
        m_out += ' ';
        m_out += token;
        m_col += 1 + token.size();
    }
    // Characters left on the current line after a separating space.
    std::size_t room() const { return m_col + 1 >= k_line_limit ? 0 : k_line_limit - m_col - 1; }
    std::string finish() && {
        m_out += "\r\n";
        return std::move(m_out);
    }

private:
    std::string m_out;
    std::size_t m_col;
};

std::size_t q_length(unsigned char c) { return is_q_safe(static_cast<char>(c)) || c == ' ' ? 1 : 3; }
std::size_t b_length(std::size_t bytes) { return (bytes + 2) / 3 * 4; }

void append_q(std::string& out, std::string_view bytes) {
    for (char c : bytes) {
        auto u = static_cast<unsigned char>(c);
        if (c == ' ') {
            out += '_';
        } else if (is_q_safe(c)) {
            out += c;
        } else {
            out += '=';
            out += k_hex[u >> 4];
            out += k_hex[u & 15];
        }
    }
}

// `text` (valid UTF-8) as encoded-words of whole characters: the first at
// most `first_max` characters long, the others at most 75.
std::vector<std::string> encode_words(std::string_view text, std::size_t first_max, bool q) {
    std::vector<std::string> words;
    std::size_t chunk_start = 0;
    std::size_t chunk_len = 0;      // bytes
    std::size_t chunk_q = 0;        // Q-encoded length of the chunk
    auto flush = [&] {
        std::string_view chunk = text.substr(chunk_start, chunk_len);
        std::string w(q ? k_q_prefix : k_b_prefix);
        if (q) {
            append_q(w, chunk);
        } else {
            w += base64_encode(chunk);
        }
        w += k_word_suffix;
        words.push_back(std::move(w));
        chunk_start += chunk_len;
        chunk_len = 0;
        chunk_q = 0;
    };
    for (std::size_t i = 0; i < text.size();) {
        auto r = gofmt::decode_rune(text, i);
        std::size_t width = r.width == 0 ? 1 : r.width;
        std::size_t add_q = 0;
        for (std::size_t k = 0; k < width; ++k) add_q += q_length(static_cast<unsigned char>(text[i + k]));
        std::size_t limit = words.empty() ? first_max : k_encoded_word_max;
        std::size_t would = k_word_overhead + (q ? chunk_q + add_q : b_length(chunk_len + width));
        if (chunk_len > 0 && would > limit) flush();
        chunk_len += width;
        chunk_q += add_q;
        i += width;
    }
    if (chunk_len > 0) flush();
    return words;
}

std::size_t total_length(const std::vector<std::string>& words) {
    std::size_t n = 0;
    for (const auto& w : words) n += w.size() + 1;
    return n;
}

// Encoded-words for `text`, B or Q whichever is shorter (Q on a tie).
std::vector<std::string> encode_shortest(std::string_view text, std::size_t room) {
    // A first word needs space for at least one 4-byte character; with less
    // room it goes to the next line.
    std::size_t first_max = room >= 30 ? std::min(room, k_encoded_word_max) : k_encoded_word_max;
    auto q = encode_words(text, first_max, true);
    auto b = encode_words(text, first_max, false);
    return total_length(b) < total_length(q) ? b : q;
}

bool is_printable_ascii(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e) return false;
    }
    return true;
}

std::vector<std::string_view> split_spaces(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        auto sp = s.find(' ', start);
        out.push_back(s.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start));
        if (sp == std::string_view::npos) break;
        start = sp + 1;
    }
    return out;
}

void add_encoded(HeaderLine& line, std::string_view text) {
    for (const auto& w : encode_shortest(text, line.room())) line.add(w);
}

// A display name (sanitised, not empty) as a phrase: atoms, a quoted-string,
// or encoded-words.
void add_phrase(HeaderLine& line, std::string_view name) {
    if (is_printable_ascii(name) && name.find("=?") == std::string_view::npos) {
        bool atoms = true;
        for (char c : name) atoms = atoms && (c == ' ' || is_atext(c));
        if (atoms) {
            std::vector<std::string_view> words;
            for (auto w : split_spaces(name)) {
                if (!w.empty()) words.push_back(w);
            }
            bool fits = true;
            for (auto w : words) fits = fits && w.size() + 1 <= k_line_limit;
            if (fits) {
                for (auto w : words) line.add(w);
                return;
            }
        } else {
            std::string quoted = "\"";
            for (char c : name) {
                if (c == '"' || c == '\\') quoted += '\\';
                quoted += c;
            }
            quoted += '"';
            if (quoted.size() + 1 <= k_line_limit) {
                line.add(quoted);
                return;
            }
        }
    }
    add_encoded(line, name);
}

std::string render_address_header(std::string_view name, const std::vector<Mailbox>& boxes) {
    HeaderLine line(name);
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const bool last = i + 1 == boxes.size();
        std::string display = sanitize_header_text(boxes[i].name);
        if (display.empty()) {
            line.add(boxes[i].address + (last ? "" : ","));
        } else {
            add_phrase(line, display);
            line.add("<" + boxes[i].address + ">" + (last ? "" : ","));
        }
    }
    return std::move(line).finish();
}

std::string base64_lines(std::string_view bytes) {
    std::string b = base64_encode(bytes);
    std::string out;
    out.reserve(b.size() + b.size() / 38);
    for (std::size_t i = 0; i < b.size(); i += 76) {
        if (i > 0) out += "\r\n";
        out += b.substr(i, 76);
    }
    return out;
}

// A text part: its headers, the blank line and the encoded body, the
// shorter of quoted-printable and base64 (quoted-printable on a tie).
std::string text_part(std::string_view subtype, std::string_view body) {
    std::string canonical = crlf_lines(valid_utf8(body));
    std::string qp = quoted_printable_encode(canonical);
    std::string b64 = base64_lines(canonical);
    const bool use_b64 = b64.size() < qp.size();
    std::string out = "Content-Type: text/" + std::string(subtype) + "; charset=utf-8\r\n";
    out += use_b64 ? "Content-Transfer-Encoding: base64\r\n\r\n" : "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += use_b64 ? b64 : qp;
    return out;
}

}  // namespace

Status validate_address(std::string_view address) {
    if (address.empty()) return invalid("address is empty");
    if (address == "<>") return invalid("the null path <> is not a mailbox");
    for (char c : address) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\r' || c == '\n') return invalid("address contains a line break");
        if (u < 0x20 || u == 0x7f) return invalid("address contains a control character");
        if (u >= 0x80) return invalid("address is not ASCII (SMTPUTF8 is not supported)");
        if (c == ' ') return invalid("address contains a space");
        if (c == '<' || c == '>') return invalid("address contains '<' or '>' (give the bare address)");
    }
    if (address.size() > 254) return invalid("address is longer than 254 octets");
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return invalid("address has no '@'");
    if (auto s = validate_local_part(address.substr(0, at)); !s) return s;
    return validate_domain(address.substr(at + 1));
}

std::string sanitize_header_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool in_control = false;
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        char32_t value = c;
        std::size_t width = 1;
        if (c >= 0x80) {
            auto r = gofmt::decode_rune(text, i);
            value = r.value;
            width = r.width;
            if (r.value == gofmt::k_rune_error && r.width == 1) value = 0xFFFFFFFF;  // invalid byte
        }
        const bool control = value < 0x20 || value == 0x7f || (value >= 0x80 && value <= 0x9f);
        if (control) {
            if (!in_control) out += ' ';
            in_control = true;
        } else {
            in_control = false;
            if (value == 0xFFFFFFFF) {
                gofmt::append_utf8(out, gofmt::k_rune_error);
            } else {
                out.append(text.substr(i, width));
            }
        }
        i += width;
    }
    auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    auto last = out.find_last_not_of(' ');
    return out.substr(first, last - first + 1);
}

std::string render_unstructured_header(std::string_view name, std::string_view value) {
    HeaderLine line(name);
    if (value.empty()) return std::move(line).finish();
    bool encode = !is_printable_ascii(value) || value.find("=?") != std::string_view::npos;
    auto words = split_spaces(value);
    for (auto w : words) encode = encode || w.size() + 1 > k_line_limit;
    if (encode) {
        add_encoded(line, value);
    } else {
        for (auto w : words) line.add(w);
    }
    return std::move(line).finish();
}

std::string quoted_printable_encode(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t col = 0;
    auto emit = [&](const char* piece, std::size_t n) {
        // Each line keeps room for the soft break's '=': at most 76 in all.
        if (col + n > 75) {
            out += "=\r\n";
            col = 0;
        }
        out.append(piece, n);
        col += n;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            out += "\r\n";
            col = 0;
            continue;
        }
        const bool line_end = i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
        if (((c == ' ' || c == '\t') && !line_end) || (u >= 33 && u <= 126 && c != '=')) {
            emit(&c, 1);
        } else {
            const char esc[3] = {'=', k_hex[u >> 4], k_hex[u & 15]};
            emit(esc, 3);
        }
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                          static_cast<unsigned char>(bytes[i + 2]);
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += k_alphabet[(v >> 6) & 63];
        out += k_alphabet[v & 63];
    }
    if (std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += rest == 2 ? k_alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string format_date(TimePoint t) {
    static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", k_days[tm.tm_wday % 7], tm.tm_mday,
                  k_months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string make_message_id(std::string_view idempotency_key, std::string_view from_address) {
    auto at = from_address.rfind('@');
    std::string_view domain = at == std::string_view::npos ? std::string_view("localhost") : from_address.substr(at + 1);
    return "<" + sha256_hex(idempotency_key).substr(0, 32) + "@" + std::string(domain) + ">";
}

Result<RenderedEmail> render_email(const EmailMessage& message) {
    if (auto s = validate_address(message.from.address); !s) return invalid("from: " + s.error().message);
    if (message.to.empty()) return invalid("to: no recipient");
    for (std::size_t i = 0; i < message.to.size(); ++i) {
        if (auto s = validate_address(message.to[i].address); !s) {
            return invalid("to[" + std::to_string(i) + "]: " + s.error().message);
        }
    }
    if (message.idempotency_key.empty()) return invalid("idempotency_key: empty");
    std::optional<std::string> root;
    if (message.thread_root_id) {
        auto r = normalize_message_id(*message.thread_root_id);
        if (!r) return std::move(r).error();
        root = std::move(*r);
    }
    for (const auto& [name, value] : message.headers) {
        if (auto s = validate_header_name(name); !s) return s.error();
    }

    RenderedEmail out;
    out.message_id = make_message_id(message.idempotency_key, message.from.address);
    std::string& d = out.data;
    d += "Date: " + format_date(message.date) + "\r\n";
    d += render_address_header("From", {message.from});
    d += render_address_header("To", message.to);
    d += render_unstructured_header("Subject", sanitize_header_text(message.subject));
    d += "Message-ID: " + out.message_id + "\r\n";
    if (root && *root != out.message_id) {
        // A msg-id is never encoded or folded (at most 252 characters).
        d += "In-Reply-To: " + *root + "\r\n";
        d += "References: " + *root + "\r\n";
    }
    d += "Auto-Submitted: auto-generated\r\n";
    for (const auto& [name, value] : message.headers) d += render_unstructured_header(name, sanitize_header_text(value));
    d += "MIME-Version: 1.0\r\n";
    if (!message.html_body) {
        d += text_part("plain", message.text_body);
        if (d.size() < 2 || d.compare(d.size() - 2, 2, "\r\n") != 0) d += "\r\n";
        return out;
    }
    // "=_" never occurs in quoted-printable or base64 text, so the boundary
    // cannot collide with a body; derived from the key, it is deterministic.
    const std::string boundary = "=_tocsin_" + sha256_hex("boundary\n" + message.idempotency_key).substr(0, 32);
    d += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
    d += "--" + boundary + "\r\n";
    d += text_part("plain", message.text_body);
    d += "\r\n--" + boundary + "\r\n";
    d += text_part("html", *message.html_body);
    d += "\r\n--" + boundary + "--\r\n";
    return out;
}

}  // namespace tocsin::notify::email
