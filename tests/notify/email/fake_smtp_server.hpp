// A scripted raw SMTP server on 127.0.0.1 for hostile-server tests: plain
// POSIX sockets on one thread, connections served one after another by a
// test-supplied script that sends exactly the bytes it wants (garbage,
// overlong lines, a byte at a time), never answers, or closes mid-DATA.
// Every wait has a deadline; stop() (and the destructor) unblocks and joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tocsin::test {

class FakeSmtpServer;

class FakeSmtpConnection {
public:
    FakeSmtpConnection(int fd, FakeSmtpServer& server) : m_fd(fd), m_server(server) {}

    void send(std::string_view bytes);  // raw bytes; errors ignored (the client may be gone)
    void reply(std::string_view text);  // text + CRLF (text may hold "250-a\r\n250 b")
    // Sends `bytes` one at a time with `pause` between them until done or the
    // client goes away.
    void dribble(std::string_view bytes, std::chrono::milliseconds pause);
    // The next line without its CRLF, recorded in the transcript; nullopt
    // when the client closed, the server stops or 10 s pass.
    std::optional<std::string> read_line();
    // After "354": the raw DATA bytes up to and including the final ".\r\n"
    // (still dot-stuffed), recorded; nullopt as read_line.
    std::optional<std::string> read_data();
    // Whatever arrives next (at least one byte); nullopt as read_line.
    std::optional<std::string> read_some();
    // Blocks until the client closes the connection (true) or 10 s pass.
    bool wait_closed();
    void close();

private:
    bool fill(std::chrono::steady_clock::time_point until);
    int m_fd;
    FakeSmtpServer& m_server;
    std::string m_in;
};

// The usual answers, for scripts that only change a few: 220 greeting, EHLO
// with `ehlo` (multi-line), 250 to MAIL/RCPT/RSET/NOOP, 354 + `data_reply`
// for DATA, 221 and close for QUIT, 502 otherwise. `on_command` may answer a
// command line first (return the reply text, or "" to close the connection).
struct SmtpBehaviour {
    std::string greeting = "220 fake.test ESMTP ready";
    std::string ehlo = "250-fake.test greets you\r\n250-8BITMIME\r\n250 PIPELINING";
    std::string data_reply = "250 2.0.0 Ok: queued";
    std::function<std::optional<std::string>(const std::string& command)> on_command;
};
void serve_smtp(FakeSmtpConnection& connection, const SmtpBehaviour& behaviour = {});

class FakeSmtpServer {
public:
    using Script = std::function<void(FakeSmtpConnection&)>;
    explicit FakeSmtpServer(Script script);
    ~FakeSmtpServer();
    FakeSmtpServer(const FakeSmtpServer&) = delete;
    FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

    int port() const { return m_port; }
    void stop();

    // Waits until `n` connections have been served to the end of the script.
    bool wait_served(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::size_t connections() const;
    std::vector<std::string> commands() const;  // lines read, in order
    std::vector<std::string> data() const;      // DATA payloads read, in order

private:
    friend class FakeSmtpConnection;
    void record_command(std::string line);
    void record_data(std::string data);
    void accept_loop();
    bool stopping() const;

    Script m_script;
    int m_listen_fd = -1;
    int m_port = 0;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stopping = false;
    int m_active_fd = -1;
    std::size_t m_connections = 0;
    std::size_t m_served = 0;
    std::vector<std::string> m_commands;
    std::vector<std::string> m_data;
};

}  // namespace tocsin::test
