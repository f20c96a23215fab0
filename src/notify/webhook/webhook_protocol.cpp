#include "tocsin/notify/webhook/webhook_protocol.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <cstdio>

#include "tocsin/core/ascii.hpp"
#include "tocsin/core/go_format.hpp"

namespace tocsin::notify::webhook {

namespace json = boost::json;
namespace chr = std::chrono;
using gofmt::append_utf8;
using gofmt::decode_rune;
using gofmt::Rune;

namespace {

constexpr char32_t k_replacement = 0xFFFD;

// `text` as valid UTF-8: every invalid byte becomes U+FFFD.
std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        Rune r = decode_rune(text, i);
        if (r.width == 0) break;
        if (r.value == k_replacement && r.width == 1) {
            append_utf8(out, k_replacement);
        } else {
            out.append(text.substr(i, r.width));
        }
        i += r.width;
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

int month_number(std::string_view name) {
    static constexpr std::array<std::string_view, 12> k_months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < k_months.size(); ++i) {
        if (ascii_iequals(name, k_months[i])) return static_cast<int>(i) + 1;
    }
    return 0;
}

// "HH:MM:SS" into seconds of the day.
std::optional<int> parse_clock(std::string_view s) {
    int h = 0, m = 0, sec = 0;
    if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
    if (!parse_fixed_digits(s, 0, 2, h) || !parse_fixed_digits(s, 3, 2, m) || !parse_fixed_digits(s, 6, 2, sec)) {
        return std::nullopt;
    }
    // 60: a leap second, as HTTP-date allows.
    if (h > 23 || m > 59 || sec > 60) return std::nullopt;
    return h * 3600 + m * 60 + sec;
}

std::optional<chr::sys_seconds> make_time(int year, int month, int day, int seconds_of_day) {
    chr::year_month_day ymd{chr::year{year}, chr::month{static_cast<unsigned>(month)},
                            chr::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return std::nullopt;
    return chr::sys_days{ymd} + chr::seconds{seconds_of_day};
}

std::vector<std::string_view> split_spaces(std::string_view s) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        std::size_t start = i;
        while (i < s.size() && s[i] != ' ') ++i;
        if (i > start) parts.push_back(s.substr(start, i - start));
    }
    return parts;
}

// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94
// 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994" (RFC 9110 5.6.7).
std::optional<chr::sys_seconds> parse_http_date(std::string_view s, TimePoint now) {
    auto parts = split_spaces(s);
    int day = 0, year = 0;
    if (parts.size() == 6 && parts[0].ends_with(",") && parts[5] == "GMT") {
        // IMF-fixdate.
        int month = month_number(parts[2]);
        auto clock = parse_clock(parts[4]);
        if (parts[1].size() != 2 || !parse_fixed_digits(parts[1], 0, 2, day) || month == 0 || parts[3].size() != 4 ||
            !parse_fixed_digits(parts[3], 0, 4, year) || !clock) {
            return std::nullopt;
        }
        return make_time(year, month, day, *clock);
    }
    if (parts.size() == 4 && parts[0].ends_with(",") && parts[3] == "GMT") {
        // RFC 850: a two-digit year more than 50 years ahead is in the past century.
        std::string_view date = parts[1];
        auto clock = parse_clock(parts[2]);
        if (date.size() != 9 || date[2] != '-' || date[6] != '-' || !parse_fixed_digits(date, 0, 2, day) ||
            !parse_fixed_digits(date, 7, 2, year) || !clock) {
            return std::nullopt;
        }
        int month = month_number(date.substr(3, 3));
        if (month == 0) return std::nullopt;
        const int this_year = static_cast<int>(chr::year_month_day{chr::floor<chr::days>(now)}.year());
        int full = (this_year / 100) * 100 + year;
        if (full > this_year + 50) full -= 100;
        return make_time(full, month, day, *clock);
    }
    if (parts.size() == 5) {
        // asctime: the day is one or two digits (space padded).
        int month = month_number(parts[1]);
        auto clock = parse_clock(parts[3]);
        std::string_view d = parts[2];
        if (month == 0 || d.empty() || d.size() > 2 || !parse_fixed_digits(d, 0, d.size(), day) || !clock ||
            parts[4].size() != 4 || !parse_fixed_digits(parts[4], 0, 4, year)) {
            return std::nullopt;
        }
        return make_time(year, month, day, *clock);
    }
    return std::nullopt;
}

std::string seconds_text(Duration d) {
    auto s = chr::ceil<chr::seconds>(d).count();
    return std::to_string(s) + " s";
}

bool visible_ascii(std::string_view s) {
    for (char c : s) {
        if (c < 0x21 || c > 0x7E) return false;
    }
    return true;
}

}  // namespace

std::string sign_webhook(const Secret& secret, std::int64_t timestamp, std::string_view body) {
    std::string message = std::to_string(timestamp);
    message.push_back('.');
    message.append(body);
    const std::string& key = secret.reveal();
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
         message.size(), mac.data(), &length);
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out = "sha256=";
    out.reserve(7 + 2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(k_hex[mac[i] >> 4]);
        out.push_back(k_hex[mac[i] & 0x0F]);
    }
    return out;
}

std::int64_t unix_seconds(TimePoint t) { return chr::floor<chr::seconds>(t.time_since_epoch()).count(); }

std::string format_rfc3339_utc(TimePoint t) {
    const auto secs = chr::floor<chr::seconds>(t);
    const auto days = chr::floor<chr::days>(secs);
    const chr::year_month_day ymd{days};
    const chr::hh_mm_ss<chr::seconds> hms{secs - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

std::string webhook_body(std::string_view recipient, const Notification& n, TimePoint sent_at) {
    json::object o;
    o["version"] = k_payload_version;
    o["idempotency_key"] = valid_utf8(n.idempotency_key);
    if (n.incident_id != 0) {
        o["incident_id"] = n.incident_id;
    } else {
        o["incident_id"] = nullptr;
    }
    o["recipient"] = valid_utf8(recipient);
    o["subject"] = valid_utf8(n.subject);
    o["text"] = valid_utf8(n.text);
    o["actionable"] = n.actionable;
    if (!n.thread_root.empty()) {
        o["thread_root"] = valid_utf8(n.thread_root);
    } else {
        o["thread_root"] = nullptr;
    }
    o["sent_at"] = format_rfc3339_utc(sent_at);
    return json::serialize(o);
}

std::optional<Duration> parse_retry_after(std::string_view value, TimePoint now) {
    value = trim(value);
    if (all_digits(value)) {
        std::uint64_t seconds = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        const auto cap = static_cast<std::uint64_t>(chr::duration_cast<chr::seconds>(k_max_retry_after).count());
        if (ec == std::errc::result_out_of_range || seconds >= cap) return k_max_retry_after;
        return chr::seconds(static_cast<std::int64_t>(seconds));
    }
    auto at = parse_http_date(value, now);
    if (!at) return std::nullopt;
    // In seconds first: a date in the year 9999 does not fit TimePoint's
    // nanoseconds.
    const auto now_seconds = chr::floor<chr::seconds>(now);
    if (*at <= now_seconds) return Duration::zero();
    if (*at - now_seconds >= k_max_retry_after) return k_max_retry_after;
    const auto wait = chr::time_point_cast<TimePoint::duration>(*at) - now;
    if (wait <= TimePoint::duration::zero()) return Duration::zero();
    return chr::ceil<Duration>(wait);
}

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
    for (const auto& [k, v] : headers) {
        if (ascii_iequals(k, name)) return v;
    }
    return std::nullopt;
}

std::string sanitize_excerpt(std::string_view text, std::size_t max_bytes) {
    std::string clean;
    bool pending_space = false;  // written only before the next visible character
    std::size_t i = 0;
    while (i < text.size()) {
        Rune r = decode_rune(text, i);  // invalid bytes decode as U+FFFD
        if (r.width == 0) break;
        i += r.width;
        const char32_t c = r.value;
        if (c <= 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
            if (!clean.empty()) pending_space = true;
            continue;
        }
        if (pending_space) clean.push_back(' ');
        pending_space = false;
        append_utf8(clean, c);
        if (clean.size() > max_bytes) break;  // the excerpt is short: stop reading
    }
    if (clean.size() <= max_bytes) return clean;
    // Cut on a character boundary, leaving room for "...".
    std::size_t cut = max_bytes > 3 ? max_bytes - 3 : 0;
    while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;
    clean.resize(cut);
    while (!clean.empty() && clean.back() == ' ') clean.pop_back();
    return clean + "...";
}

std::string url_for_logs(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty()) return "<invalid URL>";
    std::string out;
    for (char c : parsed->scheme()) out.push_back(ascii_lower(c));
    out += "://";
    out += std::string(parsed->encoded_host_and_port());
    return out;
}

bool retryable_status(int status) noexcept {
    return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

DeliveryResult classify_response(const WebhookResponse& response, TimePoint now) {
    DeliveryResult r;
    const int status = response.status;
    r.detail = "HTTP " + std::to_string(status);
    if (std::string reason = sanitize_excerpt(response.reason, 64); !reason.empty()) r.detail += " " + reason;

    if (status >= 200 && status <= 299) {
        r.outcome = DeliveryOutcome::sent;
        if (auto id = find_header(response.headers, k_request_id_header)) {
            std::string_view v = trim(*id);
            if (!v.empty() && v.size() <= 200 && visible_ascii(v)) r.remote_id = std::string(v);
        }
        if (!r.remote_id.empty()) r.detail += ", request id " + r.remote_id;
        return r;
    }
    if (retryable_status(status)) {
        r.outcome = DeliveryOutcome::retry;
        if (auto value = find_header(response.headers, "Retry-After")) {
            r.retry_after = parse_retry_after(*value, now);
            if (r.retry_after) r.detail += ", retry after " + seconds_text(*r.retry_after);
        }
    } else {
        r.outcome = DeliveryOutcome::permanent;
        if (status >= 300 && status <= 399) {
            r.detail += ", redirects are not followed";
            if (auto location = find_header(response.headers, "Location")) {
                if (std::string to = url_for_logs(*location); to != "<invalid URL>") r.detail += " (to " + to + ")";
            }
        }
    }
    if (std::string excerpt = sanitize_excerpt(response.body); !excerpt.empty()) r.detail += ": " + excerpt;
    return r;
}

}  // namespace tocsin::notify::webhook
