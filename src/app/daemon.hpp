// `tocsin run`: wires the store, the API server, signals, reloads and the
// systemd protocol around one io_context thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "tocsin/config/config.hpp"

namespace tocsin::app {

class Daemon {
public:
    Daemon(config::Config config, std::optional<config::LogLevel> level_override);
    ~Daemon();

    // Runs until SIGTERM/SIGINT; returns the process exit code.
    int run();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tocsin::app
