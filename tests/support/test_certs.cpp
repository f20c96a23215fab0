#include "test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cstdio>
#include <stdexcept>

namespace tocsin::test {
namespace {

EVP_PKEY* new_key() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
    return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) throw std::runtime_error("bad extension " + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

X509* make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key,
                std::chrono::seconds not_before, std::chrono::seconds not_after, bool is_ca,
                const std::vector<std::string>& names) {
    static long serial = 1;
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert), static_cast<long>(not_before.count()));
    X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(not_after.count()));
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                               -1, -1, 0);
    X509* signer = issuer ? issuer : cert;
    X509_set_issuer_name(cert, X509_get_subject_name(signer));
    if (is_ca) {
        add_ext(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        std::string san;
        for (const auto& n : names) {
            unsigned char buf[16];
            bool ip = inet_pton(AF_INET, n.c_str(), buf) == 1 || inet_pton(AF_INET6, n.c_str(), buf) == 1;
            if (!san.empty()) san += ",";
            san += (ip ? "IP:" : "DNS:") + n;
        }
        add_ext(cert, signer, NID_subject_alt_name, san);
        add_ext(cert, signer, NID_ext_key_usage, "serverAuth,clientAuth");
    }
    X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256());
    return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) throw std::runtime_error("cannot write " + path);
    if (cert) PEM_write_X509(f, cert);
    if (key) PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
}

}  // namespace

TestCa::TestCa(const std::string& dir) : m_dir(dir), m_ca_file(dir + "/ca.pem") {
    EVP_PKEY* key = new_key();
    X509* cert = make_cert(key, "tocsin test CA", nullptr, nullptr, std::chrono::hours(-1),
                           std::chrono::hours(24 * 365), true, {});
    write_pem(m_ca_file, cert, nullptr);
    m_key = key;
    m_cert = cert;
}

TestCa::~TestCa() {
    X509_free(static_cast<X509*>(m_cert));
    EVP_PKEY_free(static_cast<EVP_PKEY*>(m_key));
}

CertFiles TestCa::issue(const std::string& file_name, const std::vector<std::string>& names,
                        std::chrono::seconds not_before, std::chrono::seconds not_after, bool self_signed) const {
    EVP_PKEY* key = new_key();
    X509* cert = make_cert(key, names.empty() ? "localhost" : names.front(),
                           self_signed ? nullptr : static_cast<X509*>(m_cert),
                           self_signed ? nullptr : static_cast<EVP_PKEY*>(m_key), not_before, not_after, false, names);
    CertFiles files{m_dir + "/" + file_name + ".pem", m_dir + "/" + file_name + "-key.pem"};
    write_pem(files.cert, cert, nullptr);
    write_pem(files.key, nullptr, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    return files;
}

}  // namespace tocsin::test
