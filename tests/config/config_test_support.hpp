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

// The incident, maintenance and rule tests load texts as this file.
inline const std::string k_test_file = "/etc/tocsin/t.toml";

inline LoadResult load_test(const std::string& text) { return load_string(text, k_test_file, fake_env()); }

// Every problem of `text` as FILE:LINE:COL: KEY: message.
inline std::vector<std::string> problems(const std::string& text) { return diagnostic_strings(load_test(text)); }

// The config of a text that must load.
inline Config load_ok(const std::string& text) {
    LoadResult r = load_test(text);
    EXPECT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    return r.config.value_or(Config{});
}

// What `check --print` writes loads back to an equal config, and prints the same.
inline void expect_round_trip(const Config& c) {
    std::string printed = to_toml(c);
    SCOPED_TRACE(printed);
    auto again = load_string(printed, c.source_file, fake_env());
    ASSERT_TRUE(again.ok()) << format_diagnostics(again.diagnostics);
    EXPECT_EQ(*again.config, c);
    EXPECT_EQ(to_toml(*again.config), printed);
}

}  // namespace tocsin::config::testing
