// Helpers for integration tests that drive the real tocsin binary: a temp
// directory, a child process, a blocking HTTP GET and a fake NOTIFY_SOCKET.
// Everything stays on loopback and every wait has a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tocsin::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }
    void write(const std::string& name, const std::string& content, int mode = 0644) const;

private:
    std::string m_path;
};

std::string read_file(const std::string& path);

// Polls a log file until it contains `needle` (an event, not a timer);
// false after the timeout.
bool wait_for_log(const std::string& log, const std::string& needle, std::chrono::milliseconds timeout);

// The [daemon] and [api] sections a daemon test starts from: state under
// `dir`, a 3 s shutdown timeout, the API on 127.0.0.1:`port`; `extra` is
// appended (more [api] keys, targets, rules).
std::string daemon_config(const TempDir& dir, int port, const std::string& extra = "");

// gzip-compresses `data` (one member), as an HTTP server would encode it.
std::string gzip_compress(const std::string& data);

// A port that was free a moment ago on 127.0.0.1.
int free_port();

struct HttpResult {
    int status = 0;  // 0 when the request failed
    std::string body;
};
HttpResult http_get(int port, const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Any method; `headers` as "Name: value" lines; Content-Length is added.
HttpResult http_request(int port, const std::string& method, const std::string& path, const std::string& body,
                        const std::vector<std::string>& headers = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

class Process {
public:
    // Starts `args[0]` with `args`, extra environment entries "K=V", and
    // stdout/stderr appended to `log_path`.
    Process(std::vector<std::string> args, std::vector<std::string> env, const std::string& log_path);
    ~Process();  // SIGKILLs the child if it is still running

    pid_t pid() const { return m_pid; }
    void signal(int signo) const;
    // Exit code, 128+signal when killed, nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);

private:
    pid_t m_pid = -1;
    bool m_reaped = false;
};

// Runs a command to completion; returns exit code and combined output.
struct RunResult {
    int exit_code = -1;
    std::string output;
};
RunResult run_command(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// A unix datagram socket standing in for systemd's NOTIFY_SOCKET.
class NotifySocket {
public:
    explicit NotifySocket(const std::string& path);
    ~NotifySocket();
    const std::string& path() const { return m_path; }
    // Next datagram, or nullopt after the timeout.
    std::optional<std::string> receive(std::chrono::milliseconds timeout);
    // Receives until a datagram contains `needle`; returns it, or nullopt.
    std::optional<std::string> wait_for(const std::string& needle, std::chrono::milliseconds timeout);

private:
    std::string m_path;
    int m_fd = -1;
};

}  // namespace tocsin::test
