// Secrets come from files or the environment, never from the TOML itself, so
// the config can be committed, shared and pasted into a bug report.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tocsin/config/table_reader.hpp"

namespace tocsin::config {
namespace {

constexpr std::size_t k_max_secret_bytes = 64 * 1024;

std::string octal_mode(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

void strip_trailing_newlines(std::string& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

}  // namespace

std::variant<Secret, std::string> read_secret_file(const std::string& path, const Environment&) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return "cannot read secret file \"" + path + "\": " + std::strerror(errno);
    }
    if (!S_ISREG(st.st_mode)) return "secret file \"" + path + "\" is not a regular file";
    // Like ssh with private keys: a secret others can read is no longer secret.
    if ((st.st_mode & 077) != 0) {
        return "secret file \"" + path + "\" has permissions " + octal_mode(st.st_mode) +
               ", which lets group or others access it (chmod 600 it)";
    }
    if (static_cast<std::size_t>(st.st_size) > k_max_secret_bytes) {
        return "secret file \"" + path + "\" is larger than 64 KiB";
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read secret file \"" + path + "\": " + std::strerror(errno);
    std::ostringstream content;
    content << in.rdbuf();
    std::string value = content.str();
    strip_trailing_newlines(value);
    if (value.empty()) return "secret file \"" + path + "\" is empty";
    return Secret(std::move(value), "file:" + path);
}

std::variant<Secret, std::string> read_secret_reference(const std::string& reference, const Environment& env) {
    if (reference.starts_with("env:")) {
        std::string name = reference.substr(4);
        if (name.empty()) return std::string("\"env:\" needs a variable name, e.g. \"env:TOCSIN_API_TOKEN\"");
        auto value = env.getenv(name);
        if (!value) return "environment variable " + name + " is not set";
        std::string v = *value;
        strip_trailing_newlines(v);
        if (v.empty()) return "environment variable " + name + " is empty";
        return Secret(std::move(v), reference);
    }
    if (reference.starts_with("cred:")) {
        std::string name = reference.substr(5);
        if (name.empty() || name.find('/') != std::string::npos) {
            return std::string("\"cred:\" needs a credential name without '/', e.g. \"cred:api-token\"");
        }
        auto dir = env.getenv("CREDENTIALS_DIRECTORY");
        if (!dir || dir->empty()) {
            return "credential " + name + " requested but CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the unit)";
        }
        auto result = read_secret_file(*dir + "/" + name, env);
        if (auto* secret = std::get_if<Secret>(&result)) return Secret(secret->reveal(), reference);
        return result;
    }
    // Never echo the value: it may be the secret itself.
    return std::string(
        "inline secrets are not allowed; reference a file (KEY_file = \"/etc/tocsin/NAME\", mode 0600), "
        "an environment variable (\"env:NAME\") or a systemd credential (\"cred:NAME\")");
}

}  // namespace tocsin::config
