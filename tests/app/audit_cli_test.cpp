// `tocsin audit verify` and `tocsin audit head` through the real binary, on
// databases written by the store: exit codes, the messages operators read,
// and that auditing never changes or creates the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/migrations.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/store.hpp"
#include "tocsin/store/transaction.hpp"

namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using tocsin::test::run_command;
using tocsin::test::TempDir;
namespace store = tocsin::store;
namespace incident = tocsin::incident;

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Writes `n` events of one incident through the store, as the daemon would.
std::vector<incident::IncidentEvent> write_events(const std::string& path, int n) {
    store::Store s = store::Store::open(path);
    incident::Incident i;
    i.id = 1;
    i.key = "ApiDown";
    i.rule = "ApiDown";
    i.title = "API down";
    i.severity = "P1";
    i.detected = store::from_unix_millis(1'700'000'000'000);
    i.impact_started = i.detected;
    incident::IncidentUpdate update{i, {}};
    for (int k = 1; k <= n; ++k) {
        incident::IncidentEvent e;
        e.at = i.detected + std::chrono::minutes(k);
        e.kind = k == 1 ? incident::EventKind::opened : incident::EventKind::note;
        e.actor = incident::tocsin_actor();
        e.message = "status update " + std::to_string(k);
        update.events.push_back(e);
    }
    auto tx = store::Transaction::begin(s.database());
    EXPECT_TRUE(tx.ok());
    auto saved = store::IncidentRepository(s.database()).save({update});
    EXPECT_TRUE(saved.ok()) << saved.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return saved ? *saved : std::vector<incident::IncidentEvent>{};
}

// Runs SQL on the file the way someone tampering with it would.
void tamper(const std::string& path, const std::string& sql) {
    store::Database db = store::Database::open(path, 1000ms);
    auto status = db.exec(sql);
    ASSERT_TRUE(status.ok()) << status.error().message;
}

TEST(AuditCli, VerifiesAnIntactChainAndPrintsItsHead) {
    TempDir dir;
    const std::string db = dir.file("tocsin.db");
    auto events = write_events(db, 5);
    const std::string head = events.back().hash;

    auto verify = run_command({TOCSIN_BINARY, "audit", "verify", "--database", db});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    EXPECT_EQ(verify.output, "audit chain ok: 5 events, last id 5, head " + head + "\n");

    auto printed = run_command({TOCSIN_BINARY, "audit", "head", "--database", db});
    EXPECT_EQ(printed.exit_code, 0) << printed.output;
    EXPECT_EQ(printed.output, "5 5 " + head + "\n");

    auto with_head = run_command({TOCSIN_BINARY, "audit", "verify", "--head", head, "--database", db});
    EXPECT_EQ(with_head.exit_code, 0) << with_head.output;
    EXPECT_THAT(with_head.output, HasSubstr("; published head found at event 5\n"));
}

TEST(AuditCli, FindsTheDatabaseThroughTheConfig) {
    TempDir dir;
    std::filesystem::create_directories(dir.file("state"));
    auto events = write_events(dir.file("state/tocsin.db"), 2);
    dir.write("tocsin.toml", "[daemon]\nstate_dir = \"" + dir.file("state") + "\"\n");
    auto printed = run_command({TOCSIN_BINARY, "audit", "head", "--config", dir.file("tocsin.toml")});
    EXPECT_EQ(printed.exit_code, 0) << printed.output;
    EXPECT_EQ(printed.output, "2 2 " + events.back().hash + "\n");

    dir.write("broken.toml", "[daemon]\nstate_dir = 5\n");
    auto broken = run_command({TOCSIN_BINARY, "audit", "verify", "--config", dir.file("broken.toml")});
    EXPECT_EQ(broken.exit_code, 78) << broken.output;
    EXPECT_THAT(broken.output, HasSubstr("--database"));
}

TEST(AuditCli, ABrokenChainExits65AndNamesTheEvent) {
    TempDir dir;
    const std::string db = dir.file("tocsin.db");
    write_events(db, 20);
    tamper(db, "DROP TRIGGER incident_events_no_update; "
               "UPDATE incident_events SET message = 'nothing happened' WHERE id = 17");
    auto verify = run_command({TOCSIN_BINARY, "audit", "verify", "--database", db});
    EXPECT_EQ(verify.exit_code, 65) << verify.output;
    EXPECT_EQ(verify.output, "audit chain broken at event 17: hash does not match its contents (checked 16 events)\n");
}

TEST(AuditCli, BytesChangedInTheFileAreFound) {
    TempDir dir;
    const std::string db = dir.file("tocsin.db");
    write_events(db, 12);  // the store is closed again: everything is in the main file
    std::string bytes = bytes_of(db);
    const std::string needle = "status update 7";
    std::size_t at = bytes.find(needle);
    ASSERT_NE(at, std::string::npos);
    ASSERT_EQ(bytes.find(needle, at + 1), std::string::npos);
    bytes[at] = 'S';
    std::ofstream(db, std::ios::binary | std::ios::trunc) << bytes;

    auto verify = run_command({TOCSIN_BINARY, "audit", "verify", "--database", db});
    EXPECT_EQ(verify.exit_code, 65) << verify.output;
    EXPECT_EQ(verify.output, "audit chain broken at event 7: hash does not match its contents (checked 6 events)\n");
}

TEST(AuditCli, ATruncatedTailShowsOnlyAgainstThePublishedHead) {
    TempDir dir;
    const std::string db = dir.file("tocsin.db");
    auto events = write_events(db, 6);
    tamper(db, "DROP TRIGGER incident_events_no_delete; DELETE FROM incident_events WHERE id > 4");
    auto alone = run_command({TOCSIN_BINARY, "audit", "verify", "--database", db});
    EXPECT_EQ(alone.exit_code, 0) << alone.output;

    auto verify = run_command({TOCSIN_BINARY, "audit", "verify", "--database", db, "--head", events.back().hash});
    EXPECT_EQ(verify.exit_code, 65) << verify.output;
    EXPECT_EQ(verify.output, "audit chain broken: the published head " + events.back().hash +
                                 " is not in the chain (4 events, last id 4): events after it were removed, or the "
                                 "chain was rewritten (checked 4 events)\n");
}

TEST(AuditCli, NeverChangesOrCreatesTheDatabase) {
    TempDir dir;
    // A file from an older tocsin is neither migrated nor accepted.
    const std::string old_db = dir.file("old.db");
    {
        store::Database db = store::Database::open(old_db, 1000ms);
        ASSERT_TRUE(store::migrate(db, 2).ok());
    }
    const std::string before = bytes_of(old_db);
    auto old = run_command({TOCSIN_BINARY, "audit", "verify", "--database", old_db});
    EXPECT_EQ(old.exit_code, 65) << old.output;
    EXPECT_THAT(old.output, HasSubstr("schema version 2"));
    EXPECT_THAT(old.output, HasSubstr("start tocsin once"));
    EXPECT_EQ(bytes_of(old_db), before);

    const std::string db = dir.file("tocsin.db");
    write_events(db, 3);
    const std::string intact = bytes_of(db);
    EXPECT_EQ(run_command({TOCSIN_BINARY, "audit", "verify", "--database", db}).exit_code, 0);
    EXPECT_EQ(run_command({TOCSIN_BINARY, "audit", "head", "--database", db}).exit_code, 0);
    EXPECT_EQ(bytes_of(db), intact);

    const std::string missing = dir.file("missing.db");
    auto absent = run_command({TOCSIN_BINARY, "audit", "head", "--database", missing});
    EXPECT_EQ(absent.exit_code, 74) << absent.output;
    EXPECT_THAT(absent.output, HasSubstr(missing));
    EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(AuditCli, EmptyTrailAndUsageErrors) {
    TempDir dir;
    const std::string db = dir.file("tocsin.db");
    { store::Store::open(db); }
    auto head = run_command({TOCSIN_BINARY, "audit", "head", "--database", db});
    EXPECT_EQ(head.exit_code, 0) << head.output;
    EXPECT_EQ(head.output, "0 0 -\n");
    auto verify = run_command({TOCSIN_BINARY, "audit", "verify", "--head", "-", "--database", db});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    EXPECT_EQ(verify.output, "audit chain ok: 0 events, last id 0, head -\n");

    EXPECT_EQ(run_command({TOCSIN_BINARY, "audit"}).exit_code, 64);
    EXPECT_EQ(run_command({TOCSIN_BINARY, "audit", "verify", "--head", "abc", "--database", db}).exit_code, 64);
    EXPECT_EQ(run_command({TOCSIN_BINARY, "audit", "head", "--database", db, "--config", dir.file("x.toml")}).exit_code,
              64);
    auto help = run_command({TOCSIN_BINARY, "audit", "verify", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_THAT(help.output, HasSubstr("--head"));
}

}  // namespace
