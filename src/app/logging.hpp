// spdlog set-up: plain text on a terminal or file, syslog-priority prefixes
// without timestamps when stderr goes to the journal (it adds its own).
#pragma once

#include <optional>

#include "tocsin/config/config.hpp"

namespace tocsin::app {

// True when stderr is the stream systemd named in $JOURNAL_STREAM.
bool stderr_is_journal();

void configure_logging(const config::LogConfig& log, std::optional<config::LogLevel> level_override);

std::optional<config::LogLevel> parse_log_level(const std::string& text);

}  // namespace tocsin::app
