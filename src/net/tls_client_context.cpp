#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "tocsin/net/tls_options.hpp"

namespace tocsin::net {

Result<TlsClientContext> TlsClientContext::create(const TlsOptions& options) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    auto fail = [&](const std::string& what, const std::string& file) {
        return Error::make(ErrorCategory::invalid_argument, what + " \"" + file + "\": " + ec.message());
    };
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (options.ca_file.empty()) {
        if (ctx->set_default_verify_paths(ec); ec) {
            return Error::make(ErrorCategory::io, "cannot load the system CA store: " + ec.message());
        }
    } else if (ctx->load_verify_file(options.ca_file, ec); ec) {
        return fail("cannot load CA file", options.ca_file);
    }
    if (!options.cert_file.empty()) {
        if (ctx->use_certificate_chain_file(options.cert_file, ec); ec) {
            return fail("cannot load client certificate", options.cert_file);
        }
        if (ctx->use_private_key_file(options.key_file, ssl::context::pem, ec); ec) {
            return fail("cannot load client key", options.key_file);
        }
    }
    TlsClientContext out;
    out.m_options = options;
    out.m_context = std::move(ctx);
    return out;
}

}  // namespace tocsin::net
