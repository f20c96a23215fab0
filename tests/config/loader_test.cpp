// load_file and the way diagnostics are printed for the operator.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_support.hpp"
#include "tocsin/config/diagnostic.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using testing::diagnostic_strings;
using testing::fake_env;

TEST(DiagnosticFormat, LocatedWithKeyPath) {
    EXPECT_EQ((Diagnostic{"t.toml", 3, 20, "daemon.shutdown_timeout", "bad"}).to_string(),
              "t.toml:3:20: daemon.shutdown_timeout: bad");
}

TEST(DiagnosticFormat, LocatedWithoutKeyPath) {
    EXPECT_EQ((Diagnostic{"t.toml", 1, 9, "", "syntax error: x"}).to_string(), "t.toml:1:9: syntax error: x");
}

TEST(DiagnosticFormat, LineZeroHasNoPosition) {
    EXPECT_EQ((Diagnostic{"t.toml", 0, 0, "api.token", "bad"}).to_string(), "t.toml: api.token: bad");
    EXPECT_EQ((Diagnostic{"t.toml", 0, 0, "", "cannot read: x"}).to_string(), "t.toml: cannot read: x");
}

TEST(DiagnosticFormat, OneLinePerDiagnostic) {
    EXPECT_EQ(format_diagnostics({}), "");
    EXPECT_EQ(format_diagnostics({Diagnostic{"a.toml", 1, 2, "k", "m1"}, Diagnostic{"a.toml", 0, 0, "", "m2"}}),
              "a.toml:1:2: k: m1\na.toml: m2\n");
}

class LoadFileTest : public testing::TempDirTest {};

TEST_F(LoadFileTest, MissingFile) {
    const std::string path = dir() + "/missing.toml";
    LoadResult result = load_file(path, fake_env());
    EXPECT_FALSE(result.config.has_value());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    const Diagnostic& d = result.diagnostics[0];
    EXPECT_EQ(d.to_string(), path + ": cannot read: No such file or directory");
    EXPECT_EQ(d.file, path);
    EXPECT_EQ(d.line, 0u);
    EXPECT_EQ(d.column, 0u);
    EXPECT_EQ(d.key_path, "");
}

TEST_F(LoadFileTest, DirectoryIsRefusedNotReadAsEmpty) {
    LoadResult result = load_file(dir(), fake_env());
    EXPECT_FALSE(result.config.has_value());
    EXPECT_EQ(diagnostic_strings(result), std::vector<std::string>{dir() + ": cannot read: Is a directory"});
}

// The example: a bad duration, an unknown key and a missing secret
// file print three located errors, in file order (the secret's section
// comes first in the file but is checked last).
TEST_F(LoadFileTest, ThreeLocatedErrorsInFileOrder) {
    const std::string path = write_file("tocsin.toml",
                                        "[api]\n"
                                        "token_file = \"/etc/tocsin/no-such-api-token\"\n"
                                        "\n"
                                        "[daemon]\n"
                                        "shutdown_timeout = \"5 minutes\"\n"
                                        "shutdown_timout = \"5m\"\n",
                                        0644);
    LoadResult result = load_file(path, fake_env());
    EXPECT_FALSE(result.config.has_value());
    EXPECT_EQ(diagnostic_strings(result),
              (std::vector<std::string>{
                  path + ":2:14: api.token_file: cannot read secret file \"/etc/tocsin/no-such-api-token\": "
                         "No such file or directory",
                  path + ":5:20: daemon.shutdown_timeout: invalid duration \"5 minutes\" (use e.g. 90s, 5m, 1h30m)",
                  path + ":6:1: daemon.shutdown_timout: unknown key; did you mean \"shutdown_timeout\"?",
              }));
    EXPECT_EQ(format_diagnostics(result.diagnostics),
              path + ":2:14: api.token_file: cannot read secret file \"/etc/tocsin/no-such-api-token\": "
                     "No such file or directory\n" +
                  path + ":5:20: daemon.shutdown_timeout: invalid duration \"5 minutes\" (use e.g. 90s, 5m, 1h30m)\n" +
                  path + ":6:1: daemon.shutdown_timout: unknown key; did you mean \"shutdown_timeout\"?\n");
}

TEST_F(LoadFileTest, RelativePathsResolveAgainstTheFilesDirectory) {
    std::string token = write_file("conf/secrets/api-token", "file-token\n", 0600);
    const std::string path = write_file("conf/tocsin.toml",
                                        "[daemon]\n"
                                        "state_dir = \"../state\"\n"
                                        "[api]\n"
                                        "token_file = \"secrets/api-token\"\n",
                                        0644);
    LoadResult result = load_file(path, fake_env());
    ASSERT_TRUE(result.ok()) << format_diagnostics(result.diagnostics);
    EXPECT_EQ(result.config->source_file, path);
    EXPECT_EQ(result.config->daemon.state_dir, dir() + "/state");
    EXPECT_EQ(result.config->storage.path, dir() + "/state/tocsin.db");
    ASSERT_TRUE(result.config->api.token.has_value());
    EXPECT_EQ(result.config->api.token->reveal(), "file-token");
    EXPECT_EQ(result.config->api.token->source(), "file:" + token);
}

TEST_F(LoadFileTest, SameResultAsLoadString) {
    const std::string text = "[log]\nlevel = \"trace\"\n[api]\nlisten = \"[::1]:1\"\n";
    const std::string path = write_file("tocsin.toml", text, 0644);
    LoadResult from_file = load_file(path, fake_env());
    LoadResult from_string = load_string(text, path, fake_env());
    ASSERT_TRUE(from_file.ok());
    ASSERT_TRUE(from_string.ok());
    EXPECT_EQ(*from_file.config, *from_string.config);
}

TEST_F(LoadFileTest, SyntaxErrorNamesTheFile) {
    const std::string path = write_file("tocsin.toml", "[daemon]\nshutdown_timeout = 5s\n", 0644);
    LoadResult result = load_file(path, fake_env());
    EXPECT_EQ(diagnostic_strings(result),
              std::vector<std::string>{path + ":2:21: syntax error: Error while parsing decimal integer: expected digit, "
                                              "saw 's'"});
}

}  // namespace
}  // namespace tocsin::config
