// Effective configuration back to TOML (`tocsin check --print`): what the
// daemon will actually use, defaults included, secrets by reference only.
#include <sstream>

#include <toml++/toml.h>

#include "tocsin/config/loader.hpp"
#include "tocsin/core/duration.hpp"

namespace tocsin::config {
namespace {

void put_secret(toml::table& table, const std::string& key, const std::optional<Secret>& secret) {
    if (!secret) return;
    const std::string& source = secret->source();
    if (source.starts_with("file:")) {
        table.insert(key + "_file", source.substr(5));
    } else {
        table.insert(key, source);
    }
}

}  // namespace

std::string to_toml(const Config& c) {
    toml::table root;
    root.insert("daemon", toml::table{
                              {"state_dir", c.daemon.state_dir},
                              {"shutdown_timeout", format_duration(c.daemon.shutdown_timeout)},
                              {"health_interval", format_duration(c.daemon.health_interval)},
                          });
    root.insert("storage", toml::table{
                               {"path", c.storage.path},
                               {"busy_timeout", format_duration(c.storage.busy_timeout)},
                           });
    root.insert("log", toml::table{
                           {"level", to_string(c.log.level)},
                           {"format", to_string(c.log.format)},
                       });
    toml::table api{
        {"listen", c.api.listen()},
        {"request_timeout", format_duration(c.api.request_timeout)},
        {"max_body_bytes", static_cast<std::int64_t>(c.api.max_body_bytes)},
    };
    put_secret(api, "token", c.api.token);
    root.insert("api", std::move(api));

    std::ostringstream out;
    out << toml::toml_formatter(root) << '\n';
    return out.str();
}

}  // namespace tocsin::config
