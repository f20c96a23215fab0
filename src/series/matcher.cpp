#include "tocsin/series/matcher.hpp"

#include "tocsin/core/labels.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace tocsin::series {

namespace {

// A regex made only of literal text separated by '|' (Prometheus' "set
// matchers", e.g. code=~"500|502|503") can be answered by lookups.
bool is_literal_alternation(std::string_view value) {
    return value.find_first_of("\\.+*?()[]{}^$") == std::string_view::npos;
}

std::vector<std::string> split_literals(std::string_view value) {
    std::vector<std::string> out;
    for (;;) {
        const std::size_t bar = value.find('|');
        out.emplace_back(value.substr(0, bar));
        if (bar == std::string_view::npos) break;
        value.remove_prefix(bar + 1);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool has_newline(std::string_view value) { return value.find('\n') != std::string_view::npos; }

}  // namespace

Matcher::Matcher(Type type, std::string name, std::string value)
    : m_type(type), m_name(std::move(name)), m_value(std::move(value)) {}

Result<Matcher> Matcher::make(Type type, std::string name, std::string value) {
    Matcher m(type, std::move(name), std::move(value));
    if (type == regex || type == not_regex) {
        RE2::Options options;
        options.set_log_errors(false);
        options.set_dot_nl(k_dot_matches_newline);
        // The bare pattern is checked on its own first, as Prometheus does:
        // "a)|(b" is only valid once wrapped, and must stay an error.
        const RE2 bare(m.m_value, options);
        if (!bare.ok()) {
            return Error::make(ErrorCategory::invalid_argument,
                               "invalid regex \"" + m.m_value + "\" for label " + m.m_name + ": " + bare.error());
        }
        // Anchored like Prometheus so =~"o" does not match "foo".
        auto re = std::make_shared<const RE2>("^(?:" + m.m_value + ")$", options);
        if (!re->ok()) {
            return Error::make(ErrorCategory::invalid_argument,
                               "invalid regex \"" + m.m_value + "\" for label " + m.m_name + ": " + re->error());
        }
        m.m_re = std::move(re);
        if (is_literal_alternation(m.m_value)) {
            m.m_kind = Kind::literals;
            m.m_literals = split_literals(m.m_value);
        } else if (m.m_value == ".*") {
            m.m_kind = Kind::any;
        } else if (m.m_value == ".+") {
            m.m_kind = Kind::any_nonempty;
        } else {
            m.m_kind = Kind::regex;
        }
    }
    m.m_matches_empty = m.matches("");
    return m;
}

Matcher Matcher::equals(std::string name, std::string value) {
    Matcher m(equal, std::move(name), std::move(value));
    m.m_matches_empty = m.m_value.empty();
    return m;
}

bool Matcher::positive_match(std::string_view value) const {
    switch (m_kind) {
    case Kind::equal: return value == m_value;
    case Kind::literals: return std::binary_search(m_literals.begin(), m_literals.end(), value);
    case Kind::any: return k_dot_matches_newline || !has_newline(value);
    case Kind::any_nonempty: return !value.empty() && (k_dot_matches_newline || !has_newline(value));
    case Kind::regex: return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *m_re);
    }
    return false;
}

bool Matcher::matches(std::string_view value) const {
    const bool positive = positive_match(value);
    return (m_type == equal || m_type == regex) ? positive : !positive;
}

std::string Matcher::to_string() const {
    static constexpr const char* k_ops[] = {"=", "!=", "=~", "!~"};
    std::string out = m_name;
    out += k_ops[m_type];
    append_quoted(out, m_value);
    return out;
}

}  // namespace tocsin::series
