// `tocsin promql-test`: output and exit codes of the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

using testing::HasSubstr;
using tocsin::test::run_command;
using tocsin::test::TempDir;

namespace {

const char* const k_passing =
    "load 5m\n"
    "  up{job=\"a\"} 1 1 0\n"
    "  up{job=\"b\"} 1 1 1\n"
    "\n"
    "eval instant at 10m sum(up)\n"
    "  {} 1\n"
    "\n"
    "eval instant at 10m up == 0\n"
    "  up{job=\"a\"} 0\n";

TEST(PromqlTestCommand, AllPassingExitsZero) {
    TempDir dir;
    dir.write("ok.test", k_passing);
    auto r = run_command({TOCSIN_BINARY, "promql-test", dir.file("ok.test")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "2 passed, 0 failed\n");
}

TEST(PromqlTestCommand, FailuresAreListedWithFileAndLineAndExitOne) {
    TempDir dir;
    dir.write("ok.test", k_passing);
    dir.write("bad.test",
              "load 5m\n"
              "  up{job=\"a\"} 1 1 0\n"
              "\n"
              "eval instant at 10m sum(up)\n"
              "  {} 2\n"
              "\n"
              "eval_fail instant at 10m sum(up)\n");
    auto r = run_command({TOCSIN_BINARY, "promql-test", dir.file("ok.test"), dir.file("bad.test")});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const std::string f = dir.file("bad.test");
    EXPECT_EQ(r.output, f + ":4: error in eval sum(up) (line 4): expected 2 for {} but got 0\n" + f +
                            ":7: expected error evaluating query \"sum(up)\" (line 7) but got none\n"
                            "2 passed, 2 failed\n");
}

TEST(PromqlTestCommand, ParseErrorExits65WithPosition) {
    TempDir dir;
    dir.write("syntax.test", "eval instant at 0m sum(up\n");
    auto r = run_command({TOCSIN_BINARY, "promql-test", dir.file("syntax.test")});
    EXPECT_EQ(r.exit_code, 65) << r.output;
    EXPECT_THAT(r.output, HasSubstr(dir.file("syntax.test") + ":1:"));
    EXPECT_THAT(r.output, HasSubstr("parse error"));

    dir.write("script.test", "load 5x\n  up 1\n");
    auto s = run_command({TOCSIN_BINARY, "promql-test", dir.file("script.test")});
    EXPECT_EQ(s.exit_code, 65) << s.output;
    EXPECT_THAT(s.output, HasSubstr(dir.file("script.test") + ":1:"));
}

TEST(PromqlTestCommand, UnreadableFileExits66) {
    auto r = run_command({TOCSIN_BINARY, "promql-test", "/nonexistent/x.test"});
    EXPECT_EQ(r.exit_code, 66) << r.output;
    EXPECT_THAT(r.output, HasSubstr("/nonexistent/x.test"));
}

TEST(PromqlTestCommand, HelpAndUsage) {
    auto help = run_command({TOCSIN_BINARY, "promql-test", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_THAT(help.output, HasSubstr("Usage"));
    EXPECT_THAT(help.output, HasSubstr("FILE"));
    EXPECT_EQ(run_command({TOCSIN_BINARY, "promql-test"}).exit_code, 64);
}

}  // namespace
