// The API token from every place it may come from: the environment, a systemd
// credential, a file (absolute, next to the config, or in
// $CREDENTIALS_DIRECTORY). The value is read exactly; it is printed only by
// reference.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config_test_support.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using testing::fake_env;

class SecretTest : public testing::TempDirTest {
protected:
    // Loads `text` as if from dir()/etc/tocsin.toml (the file need not exist).
    LoadResult load(const std::string& text, std::map<std::string, std::string> env = {}) {
        m_env = fake_env(std::move(env));
        return load_string(text, config_path(), m_env);
    }
    std::string config_path() const { return dir() + "/etc/tocsin.toml"; }

    // The loaded token; fails the test when the config was refused.
    Secret token_of(const LoadResult& result) {
        EXPECT_TRUE(result.ok()) << format_diagnostics(result.diagnostics);
        if (!result.ok() || !result.config->api.token) {
            ADD_FAILURE() << "no token loaded";
            return {};
        }
        return *result.config->api.token;
    }

    // to_toml shows the reference only, and loads back to an equal config.
    void expect_round_trip(const LoadResult& result, const std::string& value) {
        ASSERT_TRUE(result.ok()) << format_diagnostics(result.diagnostics);
        std::string text = to_toml(*result.config);
        EXPECT_EQ(text.find(value), std::string::npos) << text;
        LoadResult again = load_string(text, result.config->source_file, m_env);
        ASSERT_TRUE(again.ok()) << format_diagnostics(again.diagnostics) << text;
        EXPECT_EQ(*again.config, *result.config) << text;
    }

    Environment m_env = fake_env();
};

TEST_F(SecretTest, NoTokenByDefault) {
    LoadResult result = load("[api]\nlisten = \"127.0.0.1:9464\"\n");
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result.config->api.token.has_value());
}

TEST_F(SecretTest, FromEnvironment) {
    LoadResult result = load("[api]\ntoken = \"env:TOCSIN_API_TOKEN\"\n", {{"TOCSIN_API_TOKEN", "env-token-1234\n"}});
    Secret token = token_of(result);
    EXPECT_EQ(token.reveal(), "env-token-1234");
    EXPECT_EQ(token.source(), "env:TOCSIN_API_TOKEN");
    expect_round_trip(result, "env-token-1234");
}

TEST_F(SecretTest, OnlyTrailingLineEndsAreStripped) {
    LoadResult result = load("[api]\ntoken = \"env:T\"\n", {{"T", "  a b\tc  \r\n\n"}});
    EXPECT_EQ(token_of(result).reveal(), "  a b\tc  ");

    write_file("etc/api-token", "line1\nline2\r\n", 0600);
    LoadResult file = load("[api]\ntoken_file = \"api-token\"\n");
    EXPECT_EQ(token_of(file).reveal(), "line1\nline2");
}

TEST_F(SecretTest, FromSystemdCredential) {
    write_file("creds/api-token", "cred-token-5678\n", 0600);
    LoadResult result = load("[api]\ntoken = \"cred:api-token\"\n", {{"CREDENTIALS_DIRECTORY", dir() + "/creds"}});
    Secret token = token_of(result);
    EXPECT_EQ(token.reveal(), "cred-token-5678");
    EXPECT_EQ(token.source(), "cred:api-token");
    expect_round_trip(result, "cred-token-5678");
}

TEST_F(SecretTest, ReadOnlyCredentialModeIsAccepted) {
    // systemd hands credentials over with mode 0400.
    write_file("creds/api-token", "cred-token-0400", 0400);
    LoadResult result = load("[api]\ntoken = \"cred:api-token\"\n", {{"CREDENTIALS_DIRECTORY", dir() + "/creds"}});
    EXPECT_EQ(token_of(result).reveal(), "cred-token-0400");
}

TEST_F(SecretTest, FromAbsoluteFile) {
    std::string path = write_file("secrets/api-token", "file-token-abs\n", 0600);
    LoadResult result = load("[api]\ntoken_file = \"" + path + "\"\n");
    Secret token = token_of(result);
    EXPECT_EQ(token.reveal(), "file-token-abs");
    EXPECT_EQ(token.source(), "file:" + path);
    expect_round_trip(result, "file-token-abs");
    EXPECT_NE(to_toml(*result.config).find("token_file = '" + path + "'"), std::string::npos);
}

TEST_F(SecretTest, FromFileRelativeToConfigDirectory) {
    std::string path = write_file("etc/secrets/api-token", "file-token-rel\n", 0600);
    LoadResult result = load("[api]\ntoken_file = \"secrets/api-token\"\n");
    Secret token = token_of(result);
    EXPECT_EQ(token.reveal(), "file-token-rel");
    EXPECT_EQ(token.source(), "file:" + path);
    expect_round_trip(result, "file-token-rel");
}

TEST_F(SecretTest, RelativeFileFoundInCredentialsDirectoryWins) {
    write_file("etc/api-token", "config-dir-token", 0600);
    std::string cred = write_file("creds/api-token", "cred-dir-token\n", 0600);
    LoadResult result = load("[api]\ntoken_file = \"api-token\"\n", {{"CREDENTIALS_DIRECTORY", dir() + "/creds"}});
    Secret token = token_of(result);
    EXPECT_EQ(token.reveal(), "cred-dir-token");
    EXPECT_EQ(token.source(), "file:" + cred);
    expect_round_trip(result, "cred-dir-token");
}

TEST_F(SecretTest, RelativeFileMissingFromCredentialsDirectoryFallsBackToConfigDirectory) {
    make_dir("creds");
    std::string path = write_file("etc/api-token", "config-dir-token\n", 0600);
    LoadResult result = load("[api]\ntoken_file = \"api-token\"\n", {{"CREDENTIALS_DIRECTORY", dir() + "/creds"}});
    Secret token = token_of(result);
    EXPECT_EQ(token.reveal(), "config-dir-token");
    EXPECT_EQ(token.source(), "file:" + path);
}

TEST_F(SecretTest, AbsoluteFileIgnoresCredentialsDirectory) {
    write_file("creds/api-token", "cred-dir-token", 0600);
    std::string path = write_file("etc/api-token", "absolute-token", 0600);
    LoadResult result = load("[api]\ntoken_file = \"" + path + "\"\n", {{"CREDENTIALS_DIRECTORY", dir() + "/creds"}});
    EXPECT_EQ(token_of(result).reveal(), "absolute-token");
}

TEST_F(SecretTest, RelativeMissingFileIsReportedAtTheConfigDirectory) {
    LoadResult result = load("[api]\ntoken_file = \"api-token\"\n");
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].to_string(), config_path() + ":2:14: api.token_file: cannot read secret file \"" +
                                                     dir() + "/etc/api-token\": No such file or directory");
}

TEST_F(SecretTest, ValueNeverInDiagnosticsOfOtherProblems) {
    // The token is fine but the config is refused: nothing echoes the value.
    std::string path = write_file("api-token", "do-not-print-me", 0600);
    LoadResult result = load("[api]\ntoken_file = \"" + path + "\"\nlisten = \"nowhere\"\n",
                             {{"TOCSIN_API_TOKEN", "do-not-print-me-either"}});
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(format_diagnostics(result.diagnostics).find("do-not-print"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::config
