// Reading /api/v1 requests: JSON bodies with strict fields, ids in paths,
// and errors that name what to fix. Private to the api module.
#pragma once

#include <boost/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "json_response.hpp"
#include "tocsin/api/incident_json.hpp"
#include "tocsin/core/duration.hpp"
#include "tocsin/core/go_format.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::api {

namespace json = boost::json;

// Limits on what a request may carry, in bytes.
constexpr std::size_t k_max_actor = 200;
// Request bodies are flat: an object, at most an array inside it.
constexpr std::size_t k_max_depth = 8;
constexpr std::size_t k_max_quoted_name = 64;

// A name from the request, shortened for an error message. The JSON parser
// has checked it is UTF-8, and the serializer escapes control characters.
inline std::string quoted_name(std::string_view name) {
    if (name.size() > k_max_quoted_name) {
        std::size_t cut = k_max_quoted_name;
        while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
        return "\"" + std::string(name.substr(0, cut)) + "...\"";
    }
    return "\"" + std::string(name) + "\"";
}

// A positive decimal integer that fits int64, as written in a path or query.
inline std::optional<std::int64_t> parse_positive(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const int digit = c - '0';
        if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (value <= 0) return std::nullopt;
    return value;
}

// A query value's %XX escapes decoded ('+' stays '+', so an RFC 3339
// offset may be written as is); nullopt for a malformed escape.
inline std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size() || hex(text[i + 1]) < 0 || hex(text[i + 2]) < 0) return std::nullopt;
        out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
        i += 2;
    }
    return out;
}

enum class TextKind { line, multiline };

// Valid UTF-8 of printable characters; `multiline` text may also hold
// newlines and tabs.
inline bool printable(std::string_view s, TextKind kind) {
    for (std::size_t pos = 0; pos < s.size();) {
        const gofmt::Rune r = gofmt::decode_rune(s, pos);
        if (r.value == gofmt::k_rune_error && r.width == 1) return false;
        const bool allowed = gofmt::is_print(r.value) || (kind == TextKind::multiline && (r.value == '\n' || r.value == '\t'));
        if (!allowed) return false;
        pos += r.width;
    }
    return true;
}

inline bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n'; });
}

// Reads a request body's fields: each getter checks type and limits and
// records the first problem; unknown fields are refused up front.
class BodyReader {
public:
    BodyReader(const json::object& object, std::initializer_list<std::string_view> allowed) : m_object(object) {
        for (const auto& [key, value] : object) {
            if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) != allowed.end()) continue;
            std::string expected;
            for (auto name : allowed) expected += (expected.empty() ? "" : ", ") + std::string(name);
            fail("unknown field " + quoted_name(key) + " (expected: " + expected + ")");
            return;
        }
    }

    const std::string& error() const { return m_error; }
    bool ok() const { return m_error.empty(); }

    // An optional string field (null counts as absent).
    void text(std::string_view key, std::string& out, std::size_t max, TextKind kind, bool required) {
        const json::value* v = find(key);
        if (v == nullptr) {
            if (required) fail("\"" + std::string(key) + "\" is required");
            return;
        }
        if (!v->is_string()) return fail("\"" + std::string(key) + "\" must be a string");
        const json::string& s = v->get_string();
        check_text(key, s, max, kind, required);
        if (ok()) out.assign(s.data(), s.size());
    }

    // Who acts: required, non-empty, one printable line of at most 200 bytes.
    void person(std::string_view key, std::string& out) { text(key, out, k_max_actor, TextKind::line, true); }

    void boolean(std::string_view key, bool& out) {
        const json::value* v = find(key);
        if (v == nullptr) return;
        if (!v->is_bool()) return fail("\"" + std::string(key) + "\" must be true or false");
        out = v->get_bool();
    }

    void strings(std::string_view key, std::vector<std::string>& out, std::size_t max_items, std::size_t max) {
        const json::value* v = find(key);
        if (v == nullptr) return;
        if (!v->is_array()) return fail("\"" + std::string(key) + "\" must be an array of strings");
        const json::array& a = v->get_array();
        if (a.size() > max_items) {
            return fail("\"" + std::string(key) + "\" has more than " + std::to_string(max_items) + " entries");
        }
        std::vector<std::string> values;
        for (const auto& item : a) {
            if (!item.is_string()) return fail("\"" + std::string(key) + "\" must be an array of strings");
            check_text(key, item.get_string(), max, TextKind::line, true);
            if (!ok()) return;
            values.emplace_back(item.get_string().data(), item.get_string().size());
        }
        out = std::move(values);
    }

    void time(std::string_view key, std::optional<TimePoint>& out) {
        const json::value* v = find(key);
        if (v == nullptr) return;
        auto invalid = [&] {
            fail("\"" + std::string(key) + "\" must be an RFC 3339 time such as \"2026-03-29T12:30:00Z\"");
        };
        if (!v->is_string()) return invalid();
        auto t = parse_rfc3339(std::string_view(v->get_string().data(), v->get_string().size()));
        if (!t) return invalid();
        out = *t;
    }

    // A Prometheus-style duration string: "90m", "2h", "1d12h".
    void duration(std::string_view key, std::optional<Duration>& out) {
        const json::value* v = find(key);
        if (v == nullptr) return;
        auto d = v->is_string() ? parse_duration(std::string_view(v->get_string().data(), v->get_string().size()))
                                : std::nullopt;
        if (!d || d->count() <= 0) return fail("\"" + std::string(key) + "\" must be a duration such as \"2h\" or \"90m\"");
        out = *d;
    }

private:
    const json::value* find(std::string_view key) const {
        if (!ok()) return nullptr;
        const json::value* v = m_object.if_contains(key);
        if (v == nullptr || v->is_null()) return nullptr;
        return v;
    }

    void check_text(std::string_view key, const json::string& s, std::size_t max, TextKind kind, bool non_empty) {
        const std::string_view view(s.data(), s.size());
        const std::string name = "\"" + std::string(key) + "\"";
        if (non_empty && blank(view)) return fail(name + " must not be empty");
        if (view.size() > max) return fail(name + " is longer than " + std::to_string(max) + " bytes");
        if (!printable(view, kind)) {
            return fail(name + (kind == TextKind::line ? " must be one line of printable characters"
                                                         : " must not contain control characters other than "
                                                           "newlines and tabs"));
        }
    }

    void fail(std::string message) {
        if (m_error.empty()) m_error = std::move(message);
    }

    const json::object& m_object;
    std::string m_error;
};

// The body as a JSON object, or why not.
inline std::variant<json::object, std::string> parse_body(std::string_view body, std::size_t max_depth = k_max_depth) {
    json::parse_options options;
    options.max_depth = max_depth;
    json::error_code ec;
    json::value value = json::parse(body, ec, json::storage_ptr(), options);
    if (ec) return "request body is not valid JSON: " + ec.message();
    if (!value.is_object()) return std::string("request body must be a JSON object");
    return std::move(value.get_object());
}

inline net::HttpResponse lookup_error(const Error& error, std::string_view what) {
    const bool unavailable = error.category == ErrorCategory::storage || error.category == ErrorCategory::io ||
                             error.category == ErrorCategory::timeout;
    return error_response(unavailable ? 503 : 500, std::string(what) + ": " + error.message);
}

}  // namespace tocsin::api
