// Certificates generated at test time (OpenSSL), so TLS tests never depend on
// files that expire in the repository: a CA, and leaf certificates signed by
// it or self-signed, valid or expired, for chosen names.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace tocsin::test {

struct CertFiles {
    std::string cert;  // PEM certificate path
    std::string key;   // PEM private key path
};

class TestCa {
public:
    // Writes ca.pem / ca-key.pem into `dir`.
    explicit TestCa(const std::string& dir);
    ~TestCa();
    TestCa(const TestCa&) = delete;
    TestCa& operator=(const TestCa&) = delete;

    const std::string& ca_file() const { return m_ca_file; }

    // A leaf for `names` (DNS names or IP addresses), valid from
    // now+not_before to now+not_after; written as NAME.pem / NAME-key.pem.
    CertFiles issue(const std::string& file_name, const std::vector<std::string>& names,
                    std::chrono::seconds not_before = std::chrono::hours(-1),
                    std::chrono::seconds not_after = std::chrono::hours(24 * 30), bool self_signed = false) const;

private:
    std::string m_dir;
    std::string m_ca_file;
    void* m_key = nullptr;   // EVP_PKEY*
    void* m_cert = nullptr;  // X509*
};

}  // namespace tocsin::test
