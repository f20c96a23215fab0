#include "tocsin/config/config.hpp"

#include "tocsin/core/duration.hpp"

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

const char* to_string(IpVersion version) noexcept {
    switch (version) {
        case IpVersion::any: return "any";
        case IpVersion::ipv4: return "ipv4";
        case IpVersion::ipv6: return "ipv6";
    }
    return "any";
}

std::string to_string(const StatusRange& range) {
    if (range.min == range.max) return std::to_string(range.min);
    if (range.min % 100 == 0 && range.max == range.min + 99) return std::to_string(range.min / 100) + "xx";
    return std::to_string(range.min) + "-" + std::to_string(range.max);
}

std::string to_string(const Cadence& cadence) {
    switch (cadence.clock) {
        case Cadence::Clock::wall: return format_duration(cadence.length);
        case Cadence::Clock::business_time: return format_duration(cadence.length) + " business";
        case Cadence::Clock::business_days:
            return std::to_string(cadence.days) + (cadence.days == 1 ? " business day" : " business days");
    }
    return format_duration(cadence.length);
}

}  // namespace tocsin::config
