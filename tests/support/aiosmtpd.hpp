// Debian's aiosmtpd (tests/support/smtp_server.py) in a child process on a
// free loopback port, stopped by its PID; the messages it accepted, with
// what Python's own email parser decodes from them. Targets using it define
// TOCSIN_PYTHON3 (the python3 that has aiosmtpd) and link Boost::json.
#pragma once

#include <signal.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace tocsin::notify::testing {

struct ReceivedMail {
    std::string data;  // the DATA bytes as received (dot-unstuffed)
    boost::json::object facts;

    // A fact by path ({"decoded", "subject"}), strings as they are, other
    // values as JSON; "<missing>" when absent.
    std::string str(std::initializer_list<const char*> path) const {
        const boost::json::value* v = nullptr;
        const boost::json::object* o = &facts;
        for (const char* key : path) {
            v = o->if_contains(key);
            if (v == nullptr) return "<missing>";
            if (v->is_object()) o = &v->as_object();
        }
        return v->is_string() ? std::string(v->as_string()) : boost::json::serialize(*v);
    }
};

class Aiosmtpd {
public:
    explicit Aiosmtpd(const std::vector<std::string>& options = {}) {
        using namespace std::chrono_literals;
        m_mail_dir = m_dir.file("mail");
        std::filesystem::create_directories(m_mail_dir);
        m_log = m_dir.file("server.log");
        std::vector<std::string> args = {TOCSIN_PYTHON3, TOCSIN_SOURCE_DIR "/tests/support/smtp_server.py", "--dir",
                                         m_mail_dir};
        args.insert(args.end(), options.begin(), options.end());
        m_process =
            std::make_unique<tocsin::test::Process>(args, std::vector<std::string>{"PYTHONUNBUFFERED=1"}, m_log);
        if (!tocsin::test::wait_for_log(m_log, "READY ", 20s)) {
            throw std::runtime_error("smtp_server.py did not start (is python3-aiosmtpd installed?):\n" +
                                     tocsin::test::read_file(m_log));
        }
        std::string log = tocsin::test::read_file(m_log);
        m_port = std::stoi(log.substr(log.find("READY ") + 6));
    }
    ~Aiosmtpd() {
        using namespace std::chrono_literals;
        m_process->signal(SIGTERM);
        m_process->wait(10s);
    }
    Aiosmtpd(const Aiosmtpd&) = delete;
    Aiosmtpd& operator=(const Aiosmtpd&) = delete;

    int port() const { return m_port; }
    std::string log() const { return tocsin::test::read_file(m_log); }

    // Messages accepted so far, in order (written before the server's 250).
    std::vector<ReceivedMail> messages() const {
        std::vector<ReceivedMail> out;
        for (int n = 1;; ++n) {
            std::string base = m_mail_dir + "/" + std::to_string(n);
            if (!std::filesystem::exists(base + ".json")) break;
            ReceivedMail r;
            r.data = tocsin::test::read_file(base + ".eml");
            r.facts = boost::json::parse(tocsin::test::read_file(base + ".json")).as_object();
            out.push_back(std::move(r));
        }
        return out;
    }

private:
    tocsin::test::TempDir m_dir;
    std::string m_mail_dir;
    std::string m_log;
    std::unique_ptr<tocsin::test::Process> m_process;
    int m_port = 0;
};

}  // namespace tocsin::notify::testing
