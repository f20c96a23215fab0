#include "tocsin/config/config.hpp"

namespace tocsin::config {

std::string ApiConfig::listen() const {
    bool v6 = listen_host.find(':') != std::string::npos;
    return (v6 ? "[" + listen_host + "]" : listen_host) + ":" + std::to_string(listen_port);
}

const char* to_string(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::trace: return "trace";
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warn: return "warn";
        case LogLevel::error: return "error";
        case LogLevel::critical: return "critical";
        case LogLevel::off: return "off";
    }
    return "info";
}

const char* to_string(LogFormat format) noexcept {
    switch (format) {
        case LogFormat::automatic: return "auto";
        case LogFormat::text: return "text";
        case LogFormat::journal: return "journal";
    }
    return "auto";
}

}  // namespace tocsin::config
