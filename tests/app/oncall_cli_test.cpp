// `tocsin oncall` through the real binary: who is on call for each schedule
// at an instant or a wall-clock time, overrides, gaps, daylight-saving
// changes, and the exit codes for bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

namespace {

using testing::HasSubstr;
using tocsin::test::run_command;
using tocsin::test::TempDir;

const std::string k_config = R"([[person]]
name = "alice"
display_name = "Alice Martín"
email = "alice@example.com"

[[person]]
name = "bob"
telegram_chat_id = 42

[[person]]
name = "frank"
email = "frank@example.com"

[[schedule]]
name = "primary"
time_zone = "Europe/Madrid"

[[schedule.layer]]
name = "weekly"
people = ["alice", "bob"]
handoff_day = "mon"
start = "2026-03-02"

[[schedule.override]]
person = "frank"
start = "2026-03-04 18:00"
end = "2026-03-05 09:00"

[[schedule]]
name = "office"
time_zone = "America/New_York"

[[schedule.layer]]
name = "days"
people = ["bob"]
rotation = "daily"
start = "2026-03-02"
active_hours = "09:00-17:00"
)";

class OncallCli : public ::testing::Test {
protected:
    void SetUp() override { m_dir.write("tocsin.toml", k_config); }

    tocsin::test::RunResult oncall(std::vector<std::string> args) {
        std::vector<std::string> command{TOCSIN_BINARY, "oncall", "--config", m_dir.file("tocsin.toml")};
        command.insert(command.end(), args.begin(), args.end());
        return run_command(command);
    }

    TempDir m_dir;
};

TEST_F(OncallCli, EveryScheduleAtAnInstant) {
    // 12:00 UTC: 13:00 in Madrid (Alice's week), 07:00 in New York (before hours).
    auto r = oncall({"--at", "2026-03-04T12:00:00Z"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output,
              "primary at Wed 2026-03-04 13:00 CET: alice (Alice Martín), layer \"weekly\", until Wed 2026-03-04 "
              "18:00 CET\n"
              "office at Wed 2026-03-04 07:00 EST: nobody on call until Wed 2026-03-04 09:00 EST\n");
    r = oncall({"--at", "2026-03-04T15:30:00+01:00"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("office at Wed 2026-03-04 09:30 EST: bob, layer \"days\", until Wed 2026-03-04 "
                                    "17:00 EST\n"));
}

TEST_F(OncallCli, WallClockTimesAreReadInEachSchedulesZone) {
    auto r = oncall({"--at", "2026-03-04 20:00"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output,
              "primary at Wed 2026-03-04 20:00 CET: frank, override for alice, until Thu 2026-03-05 09:00 CET\n"
              "office at Wed 2026-03-04 20:00 EST: nobody on call until Thu 2026-03-05 09:00 EST\n");
}

TEST_F(OncallCli, AcrossDaylightSavingChanges) {
    // 02:30 does not exist in Madrid on 29 March: it is read as the change.
    auto r = oncall({"--at", "2026-03-29 02:30", "--schedule", "primary"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output,
              "primary at Sun 2026-03-29 03:00 CEST: bob, layer \"weekly\", until Mon 2026-03-30 09:00 CEST\n");
    // New York has changed three weeks earlier; the office still opens at 09:00.
    r = oncall({"--at", "2026-03-09T12:59:00Z", "--schedule", "office"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "office at Mon 2026-03-09 08:59 EDT: nobody on call until Mon 2026-03-09 09:00 EDT\n");
    // Autumn: the handoff stays at 09:00 in Madrid, now an hour later in UTC.
    r = oncall({"--at", "2026-10-25T12:00:00Z", "--schedule", "primary"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "primary at Sun 2026-10-25 13:00 CET: bob, layer \"weekly\", until Mon 2026-10-26 09:00 CET\n");
}

TEST_F(OncallCli, NowByDefault) {
    auto r = oncall({"--schedule", "primary"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, testing::StartsWith("primary: "));
    EXPECT_THAT(r.output, HasSubstr(" until "));
}

TEST_F(OncallCli, BadInput) {
    auto r = oncall({"--schedule", "primry"});
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_EQ(r.output, "--schedule: unknown schedule \"primry\"; did you mean \"primary\"?\n");
    r = oncall({"--at", "tomorrow"});
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_EQ(r.output,
              "--at: invalid time \"tomorrow\" (use an instant such as 2026-03-04T10:00:00Z or "
              "2026-03-04T11:00:00+01:00, or a wall-clock time such as \"2026-03-04 11:00\")\n");

    m_dir.write("bad.toml",
                "[[person]]\nname = \"alice\"\nemail = \"alice@example.com\"\n[[schedule]]\nname = \"s\"\n"
                "[[schedule.layer]]\npeople = [\"alcie\"]\nstart = 2026-03-02\n");
    r = run_command({TOCSIN_BINARY, "oncall", "-c", m_dir.file("bad.toml")});
    EXPECT_EQ(r.exit_code, 78) << r.output;
    EXPECT_EQ(r.output, m_dir.file("bad.toml") +
                            ":7:11: schedule[0].layer[0].people[0]: unknown person \"alcie\"; "
                            "did you mean \"alice\"?\n" +
                            m_dir.file("bad.toml") + ": 1 problem found\n");

    m_dir.write("empty.toml", "");
    r = run_command({TOCSIN_BINARY, "oncall", "-c", m_dir.file("empty.toml")});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output, m_dir.file("empty.toml") + ": no [[schedule]] is configured (see docs/oncall.md)\n");
}

}  // namespace
