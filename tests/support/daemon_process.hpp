// The real tocsin binary as a child process with an API token, for the
// integration tests that drive it over its API: start (waiting for
// READY=1 from sd_notify), kill -9, clean stop, and polls of the incident
// list. Needs TOCSIN_BINARY (tests/CMakeLists.txt defines it) and links
// tocsin_test_support and Boost::json.
#pragma once

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace tocsin::test {

using namespace std::chrono_literals;

inline const std::string k_token = "s3cret-token-for-tests";

class DaemonProcess {
public:
    DaemonProcess(TempDir& dir, const std::string& config) : m_dir(dir) {
        m_port = tocsin::test::free_port();
        dir.write("api-token", k_token + "\n");
        ::chmod(dir.file("api-token").c_str(), 0600);  // tocsin refuses secrets others can read
        // "@API_PORT@" in `config` stands for the API's port.
        std::string text = config;
        for (auto at = text.find("@API_PORT@"); at != std::string::npos; at = text.find("@API_PORT@")) {
            text.replace(at, 10, std::to_string(m_port));
        }
        dir.write("tocsin.toml", daemon_config(dir, m_port, "token_file = \"" + dir.file("api-token") + "\"\n") + text);
    }

    void start() {
        ++m_runs;
        m_log = m_dir.file("run" + std::to_string(m_runs) + ".log");
        m_notify = std::make_unique<NotifySocket>(m_dir.file("notify" + std::to_string(m_runs) + ".sock"));
        m_process = std::make_unique<Process>(
            std::vector<std::string>{TOCSIN_BINARY, "run", "--config", m_dir.file("tocsin.toml")},
            std::vector<std::string>{"NOTIFY_SOCKET=" + m_notify->path()}, m_log);
        ASSERT_TRUE(m_notify->wait_for("READY=1", 30s)) << read_file(m_log);
    }

    // Rewrites the config (same "@API_PORT@" rule) and sends SIGHUP.
    void reload(const std::string& config) {
        std::string text = config;
        for (auto at = text.find("@API_PORT@"); at != std::string::npos; at = text.find("@API_PORT@")) {
            text.replace(at, 10, std::to_string(m_port));
        }
        m_dir.write("tocsin.toml",
                    daemon_config(m_dir, m_port, "token_file = \"" + m_dir.file("api-token") + "\"\n") + text);
        m_process->signal(SIGHUP);
    }

    // Reads sd_notify datagrams until one contains `needle` (e.g. "READY=1"
    // after a reload, with its STATUS=); nullopt after the timeout. A test
    // sending many reloads must read them: a daemon blocks in sd_notify
    // once the socket's queue is full.
    std::optional<std::string> wait_notify(const std::string& needle, std::chrono::milliseconds timeout) {
        return m_notify->wait_for(needle, timeout);
    }

    void kill9() {
        m_process->signal(SIGKILL);
        m_process->wait(10s);
        m_process.reset();
    }

    void stop() {
        m_process->signal(SIGTERM);
        EXPECT_EQ(m_process->wait(10s), 0);
        m_process.reset();
    }

    // Every incident, oldest first.
    boost::json::array incidents() const {
        auto r = http_get(m_port, "/api/v1/incidents?state=all");
        if (r.status != 200) return {};
        boost::json::array list = boost::json::parse(r.body).at("incidents").as_array();
        std::reverse(list.begin(), list.end());  // the API lists newest first
        return list;
    }

    // Waits until `pred` holds for the incident list; false after 20 s.
    bool wait_for(const std::function<bool(const boost::json::array&)>& pred) const {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (pred(incidents())) return true;
            std::this_thread::sleep_for(25ms);
        }
        return false;
    }

    tocsin::test::HttpResult post(const std::string& path, const std::string& body) const {
        return http_request(m_port, "POST", path, body,
                            {"Authorization: Bearer " + k_token, "Content-Type: application/json"});
    }

    const std::string& log() const { return m_log; }
    int port() const { return m_port; }
    pid_t pid() const { return m_process ? m_process->pid() : -1; }  // -1 when not running

    // Waits until `rule` has been evaluated `n` more times.
    bool wait_for_evaluations(double n, const std::string& rule = "ApiDown") const {
        auto evaluations = [&] {
            const std::string m = http_get(m_port, "/metrics").body;
            const std::string key = "tocsin_rule_evaluations_total{rule=\"" + rule + "\"} ";
            auto pos = m.find(key);
            return pos == std::string::npos ? 0.0 : std::stod(m.substr(pos + key.size()));
        };
        const double seen = evaluations();
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (evaluations() < seen + n) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }

private:
    TempDir& m_dir;
    int m_port = 0;
    int m_runs = 0;
    std::string m_log;
    std::unique_ptr<NotifySocket> m_notify;
    std::unique_ptr<Process> m_process;
};

}  // namespace tocsin::test
