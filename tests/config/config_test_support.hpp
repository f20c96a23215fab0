// Shared by the config tests: a fake environment and a scratch directory for
// secret files, created fresh for every test and removed after it.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/config/loader.hpp"

namespace tocsin::config::testing {

// An Environment that sees only `vars`, never the process environment.
inline Environment fake_env(std::map<std::string, std::string> vars = {}) {
    return Environment{[vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    }};
}

inline std::vector<std::string> diagnostic_strings(const LoadResult& result) {
    std::vector<std::string> out;
    for (const auto& d : result.diagnostics) out.push_back(d.to_string());
    return out;
}

// Replaces every occurrence of `from` in `text`.
inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

// A fixture with a fresh mkdtemp directory under /tmp. Tests run as root, so
// unreadable files cannot be tested; the loader checks the mode bits instead.
class TempDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/tocsin-config-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_dir = pattern;
    }

    void TearDown() override {
        std::error_code ec;
        if (!m_dir.empty()) std::filesystem::remove_all(m_dir, ec);
    }

    const std::string& dir() const { return m_dir; }

    // Writes `content` to dir()/name (creating parent directories) with `mode`.
    std::string write_file(const std::string& name, const std::string& content, mode_t mode = 0600) {
        std::filesystem::path path = std::filesystem::path(m_dir) / name;
        std::filesystem::create_directories(path.parent_path());
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << content;
        }
        EXPECT_EQ(::chmod(path.c_str(), mode), 0) << path;
        return path.string();
    }

    std::string make_dir(const std::string& name) {
        std::filesystem::path path = std::filesystem::path(m_dir) / name;
        std::filesystem::create_directories(path);
        return path.string();
    }

private:
    std::string m_dir;
};

}  // namespace tocsin::config::testing
