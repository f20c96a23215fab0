// An HTTP(S) or TCP health probe prepared from its [[target]]: regexes
// compiled and TLS context loaded once, so each run only does the exchange.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "tocsin/config/config.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/net/http_client.hpp"
#include "tocsin/probe/probe_outcome.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::probe {

class Probe : public std::enable_shared_from_this<Probe> {
public:
    // Fails when the TLS files cannot be loaded (reported like a config error).
    static Result<std::shared_ptr<Probe>> create(const config::TargetConfig& target);
    ~Probe();

    const config::TargetConfig& target() const { return m_target; }

    // Runs once; `done` gets the outcome on the io_context's thread.
    void run(boost::asio::io_context& io, std::function<void(ProbeOutcome)> done) const;

    // Pure parts, public for tests: the outcome of an exchange.
    ProbeOutcome evaluate(const net::HttpClientResult& result) const;
    ProbeOutcome evaluate(const net::TcpConnectResult& result) const;

private:
    explicit Probe(config::TargetConfig target);
    net::HttpClientRequest request() const;
    Labels base_labels() const;

    struct Regexes;
    config::TargetConfig m_target;
    std::unique_ptr<Regexes> m_regexes;
    std::optional<net::TlsClientContext> m_tls;
};

}  // namespace tocsin::probe
