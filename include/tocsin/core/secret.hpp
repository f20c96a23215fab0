// A secret value (API token, bot token, SMTP password) together with where it
// came from. It has no stream operator and no implicit conversion, so it cannot
// end up in a log line or an error message by accident; reveal() is greppable.
#pragma once

#include <string>
#include <utility>

namespace tocsin {

class Secret {
public:
    Secret() = default;
    Secret(std::string value, std::string source) : m_value(std::move(value)), m_source(std::move(source)) {}

    const std::string& reveal() const noexcept { return m_value; }
    // Where the value came from ("env:NAME", "file:/path", "cred:NAME"); safe to print.
    const std::string& source() const noexcept { return m_source; }
    bool empty() const noexcept { return m_value.empty(); }

    bool operator==(const Secret&) const = default;

private:
    std::string m_value;
    std::string m_source;
};

}  // namespace tocsin
