#include "logging.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tocsin::app {
namespace {

// sd-daemon(3) priority prefix, so journald files each line at its level.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        const char* prefix = "<6>";
        switch (msg.level) {
            case spdlog::level::trace:
            case spdlog::level::debug: prefix = "<7>"; break;
            case spdlog::level::info: prefix = "<6>"; break;
            case spdlog::level::warn: prefix = "<4>"; break;
            case spdlog::level::err: prefix = "<3>"; break;
            case spdlog::level::critical: prefix = "<2>"; break;
            default: break;
        }
        dest.append(prefix, prefix + 3);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<SyslogPriorityFlag>(); }
};

spdlog::level::level_enum to_spdlog(config::LogLevel level) {
    switch (level) {
        case config::LogLevel::trace: return spdlog::level::trace;
        case config::LogLevel::debug: return spdlog::level::debug;
        case config::LogLevel::info: return spdlog::level::info;
        case config::LogLevel::warn: return spdlog::level::warn;
        case config::LogLevel::error: return spdlog::level::err;
        case config::LogLevel::critical: return spdlog::level::critical;
        case config::LogLevel::off: return spdlog::level::off;
    }
    return spdlog::level::info;
}

}  // namespace

bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    if (::fstat(2, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

std::optional<config::LogLevel> parse_log_level(const std::string& text) {
    using config::LogLevel;
    for (LogLevel level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error,
                           LogLevel::critical, LogLevel::off}) {
        if (text == config::to_string(level)) return level;
    }
    return std::nullopt;
}

void configure_logging(const config::LogConfig& log, std::optional<config::LogLevel> level_override) {
    static auto logger = [] {
        auto l = std::make_shared<spdlog::logger>("tocsin", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        spdlog::set_default_logger(l);
        return l;
    }();
    bool journal = log.format == config::LogFormat::journal ||
                   (log.format == config::LogFormat::automatic && stderr_is_journal());
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    if (journal) {
        formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
    } else {
        formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
    }
    logger->set_formatter(std::move(formatter));
    logger->set_level(to_spdlog(level_override.value_or(log.level)));
    logger->flush_on(spdlog::level::trace);  // a pager's log must survive a crash
}

}  // namespace tocsin::app
