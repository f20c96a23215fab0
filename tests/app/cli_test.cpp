// The command line as operators and scripts meet it: exit codes and messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

using testing::HasSubstr;
using tocsin::test::run_command;
using tocsin::test::TempDir;

TEST(Cli, ShippedConfigChecksClean) {
    auto result = run_command({TOCSIN_BINARY, "check", "--config", std::string(TOCSIN_SOURCE_DIR) + "/config/tocsin.toml"});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_THAT(result.output, HasSubstr("tocsin.toml: ok"));
}

TEST(Cli, CheckPrintsEveryLocatedProblemAndExits78) {
    TempDir dir;
    dir.write("tocsin.toml",
              "[daemon]\n"
              "shutdown_timeout = \"5 minutes\"\n"
              "\n"
              "[api]\n"
              "listen = \"127.0.0.1:9464\"\n"
              "request_timout = \"5s\"\n"
              "token_file = \"" + dir.file("missing-token") + "\"\n");
    auto result = run_command({TOCSIN_BINARY, "check", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(result.exit_code, 78);
    const std::string f = dir.file("tocsin.toml");
    EXPECT_EQ(result.output,
              f + ":2:20: daemon.shutdown_timeout: invalid duration \"5 minutes\" (use e.g. 90s, 5m, 1h30m)\n" +
              f + ":6:1: api.request_timout: unknown key; did you mean \"request_timeout\"?\n" +
              f + ":7:14: api.token_file: cannot read secret file \"" + dir.file("missing-token") +
              "\": No such file or directory\n" +
              f + ": 3 problems found\n");
}

TEST(Cli, MissingConfigFileIsAConfigError) {
    auto result = run_command({TOCSIN_BINARY, "check", "--config", "/nonexistent/tocsin.toml"});
    EXPECT_EQ(result.exit_code, 78);
    EXPECT_THAT(result.output, HasSubstr("/nonexistent/tocsin.toml: cannot read: No such file or directory"));
}

TEST(Cli, CheckPrintShowsSecretsByReferenceOnly) {
    TempDir dir;
    dir.write("token", "s3cr3t-value\n", 0600);
    dir.write("tocsin.toml", "[api]\ntoken_file = \"token\"\n");
    auto result = run_command({TOCSIN_BINARY, "check", "--print", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_THAT(result.output, HasSubstr("token_file = '" + dir.file("token") + "'"));
    EXPECT_EQ(result.output.find("s3cr3t-value"), std::string::npos);
}

TEST(Cli, VersionAndHelp) {
    auto version = run_command({TOCSIN_BINARY, "version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_THAT(version.output, HasSubstr("tocsin "));
    for (const char* sub : {"run", "check", "version"}) {
        auto help = run_command({TOCSIN_BINARY, sub, "--help"});
        EXPECT_EQ(help.exit_code, 0) << sub;
        EXPECT_THAT(help.output, HasSubstr("Usage")) << sub;
    }
}

TEST(Cli, UsageErrorsExit64) {
    EXPECT_EQ(run_command({TOCSIN_BINARY}).exit_code, 64);
    EXPECT_EQ(run_command({TOCSIN_BINARY, "frobnicate"}).exit_code, 64);
    EXPECT_EQ(run_command({TOCSIN_BINARY, "run", "--log-level", "loud"}).exit_code, 64);
}
