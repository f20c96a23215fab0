#include "fake_smtp_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace tocsin::test {

using namespace std::chrono;

namespace {
constexpr auto k_wait_cap = seconds(10);
}

void FakeSmtpConnection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void FakeSmtpConnection::reply(std::string_view text) { send(std::string(text) + "\r\n"); }

void FakeSmtpConnection::dribble(std::string_view bytes, milliseconds pause) {
    for (char c : bytes) {
        if (m_server.stopping()) return;
        if (::send(m_fd, &c, 1, MSG_NOSIGNAL) != 1) return;
        std::this_thread::sleep_for(pause);  // the misbehaviour under test, not a wait
    }
}

bool FakeSmtpConnection::fill(steady_clock::time_point until) {
    for (;;) {
        if (m_server.stopping()) return false;
        auto left = duration_cast<milliseconds>(until - steady_clock::now()).count();
        if (left <= 0) return false;
        pollfd p{m_fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0) return false;
        if (r == 0) continue;
        char buf[4096];
        ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        m_in.append(buf, static_cast<std::size_t>(n));
        return true;
    }
}

std::optional<std::string> FakeSmtpConnection::read_line() {
    const auto until = steady_clock::now() + k_wait_cap;
    for (;;) {
        if (auto crlf = m_in.find("\r\n"); crlf != std::string::npos) {
            std::string line = m_in.substr(0, crlf);
            m_in.erase(0, crlf + 2);
            m_server.record_command(line);
            return line;
        }
        if (!fill(until)) return std::nullopt;
    }
}

std::optional<std::string> FakeSmtpConnection::read_data() {
    const auto until = steady_clock::now() + k_wait_cap;
    for (;;) {
        std::size_t end = std::string::npos;
        if (m_in.rfind(".\r\n", 0) == 0) {
            end = 3;
        } else if (auto at = m_in.find("\r\n.\r\n"); at != std::string::npos) {
            end = at + 5;
        }
        if (end != std::string::npos) {
            std::string data = m_in.substr(0, end);
            m_in.erase(0, end);
            m_server.record_data(data);
            return data;
        }
        if (!fill(until)) return std::nullopt;
    }
}

std::optional<std::string> FakeSmtpConnection::read_some() {
    if (m_in.empty() && !fill(steady_clock::now() + k_wait_cap)) return std::nullopt;
    std::string out = std::move(m_in);
    m_in.clear();
    return out;
}

bool FakeSmtpConnection::wait_closed() {
    const auto until = steady_clock::now() + k_wait_cap;
    while (fill(until)) m_in.clear();
    return steady_clock::now() < until;
}

void FakeSmtpConnection::close() { ::shutdown(m_fd, SHUT_RDWR); }

void serve_smtp(FakeSmtpConnection& c, const SmtpBehaviour& b) {
    c.reply(b.greeting);
    while (auto line = c.read_line()) {
        if (b.on_command) {
            if (auto answer = b.on_command(*line)) {
                if (answer->empty()) {
                    c.close();
                    return;
                }
                c.reply(*answer);
                continue;
            }
        }
        std::string verb = line->substr(0, line->find(' '));
        for (char& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (verb == "EHLO") {
            c.reply(b.ehlo);
        } else if (verb == "HELO" || verb == "MAIL" || verb == "RCPT" || verb == "RSET" || verb == "NOOP") {
            c.reply("250 2.0.0 OK");
        } else if (verb == "DATA") {
            c.reply("354 End data with <CR><LF>.<CR><LF>");
            if (!c.read_data()) return;
            c.reply(b.data_reply);
        } else if (verb == "QUIT") {
            c.reply("221 2.0.0 Bye");
            c.close();
            return;
        } else {
            c.reply("502 5.5.2 Command not recognised");
        }
    }
}

FakeSmtpServer::FakeSmtpServer(Script script) : m_script(std::move(script)) {
    m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_listen_fd < 0) throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen_fd, 16) != 0) {
        ::close(m_listen_fd);
        throw std::runtime_error("bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { accept_loop(); });
}

FakeSmtpServer::~FakeSmtpServer() { stop(); }

void FakeSmtpServer::accept_loop() {
    for (;;) {
        int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                ::close(fd);
                return;
            }
            m_active_fd = fd;
            ++m_connections;
        }
        FakeSmtpConnection connection(fd, *this);
        try {
            m_script(connection);
        } catch (const std::exception&) {
            // A test server must not take the test binary down.
        }
        {
            std::lock_guard lock(m_mutex);
            ::close(fd);
            m_active_fd = -1;
            ++m_served;
        }
        m_cv.notify_all();
    }
}

void FakeSmtpServer::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_stopping = true;
        ::shutdown(m_listen_fd, SHUT_RDWR);
        if (m_active_fd >= 0) ::shutdown(m_active_fd, SHUT_RDWR);
    }
    if (m_thread.joinable()) m_thread.join();
    ::close(m_listen_fd);
}

bool FakeSmtpServer::stopping() const {
    std::lock_guard lock(m_mutex);
    return m_stopping;
}

bool FakeSmtpServer::wait_served(std::size_t n, milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, timeout, [&] { return m_served >= n; });
}

std::size_t FakeSmtpServer::connections() const {
    std::lock_guard lock(m_mutex);
    return m_connections;
}

std::vector<std::string> FakeSmtpServer::commands() const {
    std::lock_guard lock(m_mutex);
    return m_commands;
}

std::vector<std::string> FakeSmtpServer::data() const {
    std::lock_guard lock(m_mutex);
    return m_data;
}

void FakeSmtpServer::record_command(std::string line) {
    std::lock_guard lock(m_mutex);
    m_commands.push_back(std::move(line));
}

void FakeSmtpServer::record_data(std::string data) {
    std::lock_guard lock(m_mutex);
    m_data.push_back(std::move(data));
}

}  // namespace tocsin::test
