// One reader per top-level section. Later sections ([[target]], [[rule]], ...)
// get a function here and a line in loader.cpp.
#pragma once

#include "table_reader.hpp"
#include "tocsin/config/config.hpp"

namespace tocsin::config {

void read_daemon(TableReader& root, DaemonConfig& out);
// Needs the daemon section first: a relative storage path lives in state_dir.
void read_storage(TableReader& root, const DaemonConfig& daemon, StorageConfig& out);
void read_log(TableReader& root, LogConfig& out);
void read_api(TableReader& root, ApiConfig& out);

// Parses HOST:PORT (IPv6 in brackets); returns an error message or empty.
std::string parse_listen(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace tocsin::config
