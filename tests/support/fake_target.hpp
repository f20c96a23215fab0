// A scripted loopback HTTP(S) server for probe and scrape tests: each request
// is answered by a test-supplied function with a status and body, or with
// misbehaviour (hang, reset, dribble bytes, raw bytes). One thread per
// connection; stop() closes everything and joins.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tocsin::test {

struct FakeRequest {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string header(const std::string& name) const;
};

struct FakeResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool hang = false;   // never answer (until the server stops)
    bool reset = false;  // close with RST right after reading the request
    std::optional<std::chrono::milliseconds> dribble;  // send the body a byte at a time with this pause
    std::optional<std::string> raw;                    // send these bytes verbatim instead of a response

    static FakeResponse text(int status, std::string body) {
        FakeResponse r;
        r.status = status;
        r.body = std::move(body);
        return r;
    }
};

struct FakeTls {
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;  // set: require a client certificate signed by this CA
};

class FakeTarget {
public:
    using Handler = std::function<FakeResponse(const FakeRequest&)>;

    // Listens on 127.0.0.1 (or ::1 with ipv6) at a free port.
    explicit FakeTarget(Handler handler, std::optional<FakeTls> tls = std::nullopt, bool ipv6 = false);
    ~FakeTarget();

    int port() const;
    std::string url(const std::string& path = "/") const;  // http(s)://127.0.0.1:PORT/path
    std::size_t requests() const;                          // handled so far
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tocsin::test
