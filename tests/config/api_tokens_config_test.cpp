// [api] tokens, anonymous reads and rate limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace tocsin::config::testing {
namespace {

using ::testing::ElementsAre;

class ApiTokensConfig : public TempDirTest {
protected:
    LoadResult load(const std::string& text) {
        return load_string(text, dir() + "/tocsin.toml",
                           fake_env({{"DEPLOY_TOKEN", "deploy-token-0123456789"}, {"SHORT", "short"},
                                     {"SAME", "deploy-token-0123456789"}}));
    }
};

TEST_F(ApiTokensConfig, NamedTokensFromFilesAndTheEnvironment) {
    const std::string file = write_file("grafana.token", "grafana-token-0123456789\n");
    auto r = load("[api]\n"
                  "[[api.tokens]]\nname = \"deploy-bot\"\nscope = \"read-write\"\ntoken = \"env:DEPLOY_TOKEN\"\n"
                  "[[api.tokens]]\nname = \"grafana\"\nscope = \"read-only\"\ntoken_file = \"" + file + "\"\n");
    ASSERT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    const auto& api = r.config->api;
    ASSERT_EQ(api.tokens.size(), 2u);
    EXPECT_EQ(api.tokens[0].name, "deploy-bot");
    EXPECT_EQ(api.tokens[0].scope, TokenScope::read_write);
    EXPECT_EQ(api.tokens[1].scope, TokenScope::read_only);
    EXPECT_EQ(api.tokens[1].token.reveal(), "grafana-token-0123456789");
    EXPECT_EQ(api.tokens[1].token.source(), "file:" + file);
    // With tokens, reads need one unless the operator says otherwise.
    EXPECT_FALSE(api.anonymous_reads);
    auto open = load("[api]\nanonymous_reads = true\n[[api.tokens]]\nname = \"d\"\nscope = \"read-write\"\n"
                     "token = \"env:DEPLOY_TOKEN\"\n");
    ASSERT_TRUE(open.ok());
    EXPECT_TRUE(open.config->api.anonymous_reads);
}

TEST_F(ApiTokensConfig, WithoutTokensReadsAreAnonymousAndLimitsHaveDefaults) {
    auto r = load("");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.config->api.anonymous_reads);
    EXPECT_EQ(r.config->api.rate_limit, 100);
    EXPECT_EQ(r.config->api.rate_burst, 200);
}

TEST_F(ApiTokensConfig, MistakesAreNamed) {
    const std::string f = dir() + "/tocsin.toml";
    auto problems_of = [&](const std::string& text) { return diagnostic_strings(load(text)); };
    EXPECT_THAT(problems_of("[[api.tokens]]\nname = \"a b\"\nscope = \"read-only\"\ntoken = \"env:DEPLOY_TOKEN\"\n"),
                ElementsAre(f + ":2:8: api.tokens[0].name: must be 1-64 characters of A-Z a-z 0-9 . _ -"));
    EXPECT_THAT(problems_of("[[api.tokens]]\nname = \"a\"\nscope = \"admin\"\ntoken = \"env:DEPLOY_TOKEN\"\n"),
                ElementsAre(f + ":3:9: api.tokens[0].scope: invalid value \"admin\" (expected \"read-only\" or "
                                "\"read-write\")"));
    EXPECT_THAT(problems_of("[[api.tokens]]\nname = \"a\"\nscope = \"read-only\"\n"),
                ElementsAre(f + ":1:1: api.tokens[0]: needs token_file = \"/etc/tocsin/NAME.token\" (or token = "
                                "\"env:NAME\" / \"cred:NAME\")"));
    EXPECT_THAT(problems_of("[[api.tokens]]\nname = \"a\"\nscope = \"read-only\"\ntoken = \"env:SHORT\"\n"),
                ElementsAre(f + ":4:9: api.tokens[0].token: the token must be at least 16 characters"));
    EXPECT_THAT(problems_of("[[api.tokens]]\nname = \"a\"\nscope = \"read-only\"\ntoken = \"env:DEPLOY_TOKEN\"\n"
                            "[[api.tokens]]\nname = \"a\"\nscope = \"read-only\"\ntoken = \"env:SAME\"\n"),
                ElementsAre(f + ":6:8: api.tokens[1].name: duplicate token name \"a\"",
                            f + ":8:9: api.tokens[1].token: the same token value is used twice; give each its own"));
    // An inline value is refused without being echoed.
    auto inline_secret = problems_of("[[api.tokens]]\nname = \"a\"\nscope = \"read-only\"\ntoken = \"hunter2hunter2hunter2\"\n");
    ASSERT_EQ(inline_secret.size(), 1u);
    EXPECT_EQ(inline_secret[0].find("hunter2"), std::string::npos);
    EXPECT_THAT(problems_of("[api]\nrate_limit = -1\n"), ::testing::SizeIs(1));
    EXPECT_THAT(problems_of("[api]\nrate_burst = 0\n"), ::testing::SizeIs(1));
}

}  // namespace
}  // namespace tocsin::config::testing
