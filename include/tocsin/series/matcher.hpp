// Label matchers as in PromQL selectors: name="v", name!="v", name=~"re",
// name!~"re". Semantics follow Prometheus 2.42 (model/labels/matcher.go,
// regexp.go):
//  - regexes are RE2, fully anchored as ^(?:re)$, Perl syntax, case-sensitive,
//    and `.` does not match "\n" (Go's default flags; Prometheus 3 changed
//    this to match newlines, see k_dot_matches_newline);
//  - a series without the label is treated as having the value "", so a
//    matcher that matches "" ({foo=""}, {foo!="bar"}, {foo=~"a|"}) also
//    selects series lacking `foo`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/result.hpp"

namespace re2 {
class RE2;
}

namespace tocsin::series {

// Prometheus 2.x: false. Flip only together with the PromQL docs.
inline constexpr bool k_dot_matches_newline = false;

class Matcher {
public:
    enum Type : std::uint8_t { equal, not_equal, regex, not_regex };

    // Compiles regexes; an invalid one is an invalid_argument error naming it.
    static Result<Matcher> make(Type type, std::string name, std::string value);
    // name="value": cannot fail.
    static Matcher equals(std::string name, std::string value);

    Type type() const noexcept { return m_type; }
    const std::string& name() const noexcept { return m_name; }
    const std::string& value() const noexcept { return m_value; }

    // Whether a series whose label `name` has `value` ("" when absent) matches.
    bool matches(std::string_view value) const;
    // Cached matches(""): such a matcher also selects series lacking the label.
    bool matches_empty() const noexcept { return m_matches_empty; }

    // When the regex is a plain alternation of literals ("a|b|c", "500|"),
    // the sorted, de-duplicated literals; the store then looks each one up
    // instead of scanning every value of the label. Empty otherwise.
    const std::vector<std::string>& literal_set() const noexcept { return m_literals; }
    bool is_literal_set() const noexcept { return m_kind == Kind::literals; }

    // PromQL notation, e.g. code=~"5..".
    std::string to_string() const;

private:
    // How matches() decides without running the regex when it can.
    enum class Kind : std::uint8_t {
        equal,       // value compare (also for =, != matchers)
        literals,    // alternation of literals: binary search
        any,         // ".*": anything without a newline (2.42 dot semantics)
        any_nonempty,// ".+"
        regex,       // general RE2
    };

    Matcher(Type type, std::string name, std::string value);
    bool positive_match(std::string_view value) const;

    Type m_type = equal;
    Kind m_kind = Kind::equal;
    bool m_matches_empty = false;
    std::string m_name;
    std::string m_value;
    std::vector<std::string> m_literals;
    std::shared_ptr<const re2::RE2> m_re;  // shared: matchers are copied into selectors
};

}  // namespace tocsin::series
