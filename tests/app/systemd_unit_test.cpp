// The shipped unit file is valid for systemd and stays hardened.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "test_support.hpp"

using tocsin::test::run_command;
using tocsin::test::TempDir;

namespace {

const char* k_analyze = "/usr/bin/systemd-analyze";

// The unit with ExecStart pointing at the binary under test.
std::string unit_under_test(const TempDir& dir) {
    std::string unit = tocsin::test::read_file(std::string(TOCSIN_SOURCE_DIR) + "/systemd/tocsin.service");
    unit = std::regex_replace(unit, std::regex("/usr/bin/tocsin"), TOCSIN_BINARY);
    dir.write("tocsin.service", unit);
    return dir.file("tocsin.service");
}

}  // namespace

TEST(SystemdUnit, VerifiesCleanly) {
    if (::access(k_analyze, X_OK) != 0) GTEST_SKIP() << "systemd-analyze not installed";
    TempDir dir;
    auto result = run_command({k_analyze, "verify", unit_under_test(dir)});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, "");
}

TEST(SystemdUnit, ExposureStaysLow) {
    if (::access(k_analyze, X_OK) != 0) GTEST_SKIP() << "systemd-analyze not installed";
    TempDir dir;
    // Exposure is 0-10 (reported), 0-100 for --threshold; 1.2 at the time of writing.
    auto result = run_command({k_analyze, "security", "--offline=yes", "--threshold=20", unit_under_test(dir)});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_THAT(result.output, testing::HasSubstr("Overall exposure level for tocsin.service"));
}

TEST(SystemdUnit, UsesTheNotifyProtocolAndAWatchdog) {
    std::string unit = tocsin::test::read_file(std::string(TOCSIN_SOURCE_DIR) + "/systemd/tocsin.service");
    EXPECT_THAT(unit, testing::HasSubstr("\nType=notify\n"));
    EXPECT_THAT(unit, testing::HasSubstr("\nWatchdogSec="));
    EXPECT_THAT(unit, testing::HasSubstr("\nStateDirectory=tocsin\n"));
    EXPECT_THAT(unit, testing::HasSubstr("\nRestartPreventExitStatus=65 78\n"));
}
