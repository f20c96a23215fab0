// `tocsin test`: output and exit codes of the real binary, on the example
// scenarios of tests/rules/scenarios/ and on broken ones.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

using testing::HasSubstr;
using tocsin::test::run_command;
using tocsin::test::TempDir;

namespace {

const std::string k_scenarios = std::string(TOCSIN_SOURCE_DIR) + "/tests/rules/scenarios";

const char* const k_passing =
    "[[rule]]\nname = \"A\"\nexpr = 'up == 0'\n"
    "[[series]]\nseries = 'up{job=\"x\"}'\nvalues = '0x3'\n"
    "[[expect]]\nat = \"1m\"\nrule = \"A\"\nfiring = ['{job=\"x\"}']\n";

TEST(TestCommand, AllPassingExitsZero) {
    TempDir dir;
    dir.write("ok.toml", k_passing);
    auto r = run_command({TOCSIN_BINARY, "test", dir.file("ok.toml")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "1 passed, 0 failed\n");
}

TEST(TestCommand, IntentionallyFailingScenario) {
    const std::string f = k_scenarios + "/failing/failing.toml";
    auto r = run_command({TOCSIN_BINARY, "test", f});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output,
              f + ":18: rule DiskFull at 6m: firing: expected [{instance=\"db1\", mountpoint=\"/\"}] got []\n" + f +
                  ":18: rule DiskFull at 6m: pending: expected [] got [{instance=\"db1\", mountpoint=\"/\"}, "
                  "{instance=\"db2\", mountpoint=\"/\"}]\n"
                  "1 passed, 1 failed\n");
}

TEST(TestCommand, SeveralFilesAddUp) {
    TempDir dir;
    dir.write("ok.toml", k_passing);
    auto r = run_command({TOCSIN_BINARY, "test", dir.file("ok.toml"), k_scenarios + "/failing/failing.toml",
                          k_scenarios + "/for_boundaries.toml"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("\n11 passed, 1 failed\n"));
}

TEST(TestCommand, MalformedScenarioExits65) {
    TempDir dir;
    dir.write("bad.toml",
              "evaluation_interval = \"15s\"\n"
              "[[rule]]\nname = \"A\"\nexpr = 'up'\n"
              "[[expect]]\nat = \"10m7s\"\nrule = \"A\"\nfirng = []\n");
    auto r = run_command({TOCSIN_BINARY, "test", dir.file("bad.toml")});
    EXPECT_EQ(r.exit_code, 65) << r.output;
    const std::string f = dir.file("bad.toml");
    EXPECT_THAT(r.output, HasSubstr(f + ":5:1: expect[0]: missing required key \"firing\"\n"));
    EXPECT_THAT(r.output, HasSubstr(f + ":6:6: expect[0].at: must be a multiple of evaluation_interval (15s)"));
    EXPECT_THAT(r.output, HasSubstr(f + ":8:1: expect[0].firng: unknown key; did you mean \"firing\"?\n"));
}

TEST(TestCommand, UnreadableExits66AndOutranksFailures) {
    TempDir dir;
    dir.write("ok.toml", k_passing);
    auto r = run_command({TOCSIN_BINARY, "test", dir.file("missing.toml"), k_scenarios + "/failing/failing.toml"});
    EXPECT_EQ(r.exit_code, 66) << r.output;
    EXPECT_THAT(r.output, HasSubstr(dir.file("missing.toml") + ": cannot read: No such file or directory\n"));
    EXPECT_THAT(r.output, HasSubstr("1 passed, 1 failed\n"));
}

TEST(TestCommand, InvalidConfigExits78) {
    TempDir dir;
    dir.write("tocsin.toml", "[[rule]]\nname = \"A\"\nexpr = 'up'\nfor = \"soon\"\n");
    dir.write("s.toml", "config = \"tocsin.toml\"\n[[expect]]\nat = \"0s\"\nrule = \"A\"\nfiring = []\n");
    auto r = run_command({TOCSIN_BINARY, "test", dir.file("s.toml")});
    EXPECT_EQ(r.exit_code, 78) << r.output;
    EXPECT_THAT(r.output, HasSubstr(dir.file("s.toml") + ":1:10: config: invalid rules in"));
    EXPECT_THAT(r.output, HasSubstr(dir.file("tocsin.toml") + ":4:7: rule[0].for: invalid duration \"soon\""));
}

TEST(TestCommand, NoFilesIsAUsageError) {
    auto r = run_command({TOCSIN_BINARY, "test"});
    EXPECT_EQ(r.exit_code, 64) << r.output;
}

}  // namespace
