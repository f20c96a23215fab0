// TLS settings of one client (probe or scrape), and the prepared OpenSSL
// context built from them once per configuration, not once per request.
#pragma once

#include <memory>
#include <string>

#include "tocsin/core/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace tocsin::net {

struct TlsOptions {
    std::string ca_file;      // empty: the system's CA store
    std::string cert_file;    // client certificate (PEM chain), optional
    std::string key_file;     // its private key (PEM), required with cert_file
    std::string server_name;  // SNI and name to verify; empty: the URL's host
    bool insecure_skip_verify = false;

    bool operator==(const TlsOptions&) const = default;
};

class TlsClientContext {
public:
    // Loads CA, certificate and key files; errors name the file and why.
    static Result<TlsClientContext> create(const TlsOptions& options);

    const TlsOptions& options() const { return m_options; }
    boost::asio::ssl::context& native() const { return *m_context; }

private:
    TlsOptions m_options;
    std::shared_ptr<boost::asio::ssl::context> m_context;
};

}  // namespace tocsin::net
