#include "tocsin/store/database.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "temp_dir.hpp"
#include "tocsin/store/statement.hpp"
#include "tocsin/store/transaction.hpp"

namespace tocsin::store {
namespace {

using namespace std::chrono_literals;

class DatabaseTest : public ::testing::Test {
protected:
    Database open() { return Database::open(m_dir.file("test.db"), 1000ms); }

    testing::TempDir m_dir;
};

std::string query_text(Database& db, std::string_view sql) {
    auto stmt = db.prepare(sql);
    if (!stmt) return "error: " + stmt.error().message;
    auto row = stmt->step();
    if (!row || !*row) return "no row";
    return stmt->column_text(0);
}

std::int64_t count(Database& db, std::string_view sql) {
    auto n = db.query_int64(sql);
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n ? *n : -1;
}

TEST_F(DatabaseTest, AppliesDurabilityPragmas) {
    Database db = open();
    EXPECT_EQ(query_text(db, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(count(db, "PRAGMA synchronous"), 2);  // FULL
    EXPECT_EQ(count(db, "PRAGMA foreign_keys"), 1);
    EXPECT_EQ(db.path(), m_dir.file("test.db"));
}

TEST_F(DatabaseTest, BindsAndReadsEveryType) {
    Database db = open();
    ASSERT_TRUE(db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, n TEXT, o INTEGER, at INTEGER)").ok());
    const std::string with_nul("a\0b", 3);
    const TimePoint at = from_unix_millis(1'700'000'000'123);
    auto insert = db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)");
    ASSERT_TRUE(insert.ok()) << insert.error().message;
    auto done = insert->bind(1, std::numeric_limits<std::int64_t>::min())
                    .bind(2, 2.5)
                    .bind(3, with_nul)
                    .bind(4, nullptr)
                    .bind(5, std::optional<int>{})
                    .bind(6, at)
                    .step();
    ASSERT_TRUE(done.ok()) << done.error().message;
    EXPECT_FALSE(*done);
    EXPECT_EQ(db.changes(), 1);
    EXPECT_EQ(db.last_insert_rowid(), 1);

    auto select = db.prepare("SELECT i, r, s, n, o, at FROM t");
    ASSERT_TRUE(select.ok());
    auto row = select->step();
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ(select->column_count(), 6);
    EXPECT_EQ(select->column_int64(0), std::numeric_limits<std::int64_t>::min());
    EXPECT_DOUBLE_EQ(select->column_double(1), 2.5);
    EXPECT_EQ(select->column_text(2), with_nul);
    EXPECT_TRUE(select->column_is_null(3));
    EXPECT_EQ(select->column_text(3), "");
    EXPECT_TRUE(select->column_is_null(4));
    EXPECT_FALSE(select->column_is_null(0));
    EXPECT_EQ(select->column_time(5), at);
    auto end = select->step();
    ASSERT_TRUE(end.ok());
    EXPECT_FALSE(*end);
}

TEST_F(DatabaseTest, BindsByNameAndReusesAfterReset) {
    Database db = open();
    ASSERT_TRUE(db.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)").ok());
    auto insert = db.prepare("INSERT INTO kv (k, v) VALUES (:key, :value)");
    ASSERT_TRUE(insert.ok());
    for (int i = 0; i < 3; ++i) {
        auto done = insert->bind(":key", "k" + std::to_string(i)).bind(":value", std::optional<int>{i}).step();
        ASSERT_TRUE(done.ok()) << done.error().message;
        insert->reset();
    }
    EXPECT_EQ(count(db, "SELECT sum(v) FROM kv"), 3);
}

TEST_F(DatabaseTest, BindErrorsSurfaceAtStep) {
    Database db = open();
    auto stmt = db.prepare("SELECT ?1");
    ASSERT_TRUE(stmt.ok());
    auto out_of_range = stmt->bind(1, 1).bind(2, 2).step();
    ASSERT_FALSE(out_of_range.ok());
    EXPECT_EQ(out_of_range.error().category, ErrorCategory::storage);
    EXPECT_FALSE(out_of_range.error().retryable);
    EXPECT_NE(out_of_range.error().message.find("binding parameter 2"), std::string::npos);

    stmt->reset();
    auto unknown = stmt->bind(":nope", 1).step();
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find(":nope"), std::string::npos);

    stmt->reset();
    auto fine = stmt->bind(1, 7).step();
    ASSERT_TRUE(fine.ok() && *fine);
    EXPECT_EQ(stmt->column_int64(0), 7);
}

TEST_F(DatabaseTest, PrepareTakesOneStatement) {
    Database db = open();
    EXPECT_TRUE(db.prepare("SELECT 1; -- trailing comment\n").ok());
    auto two = db.prepare("SELECT 1; SELECT 2");
    ASSERT_FALSE(two.ok());
    EXPECT_EQ(two.error().category, ErrorCategory::invalid_argument);
    auto bad = db.prepare("SELEKT 1");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().category, ErrorCategory::storage);
    EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos) << bad.error().message;
}

TEST_F(DatabaseTest, ExecRunsScriptsAndReportsSqliteText) {
    Database db = open();
    ASSERT_TRUE(db.exec("CREATE TABLE a (x INTEGER NOT NULL); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);")
                    .ok());
    EXPECT_EQ(count(db, "SELECT count(*) FROM a"), 2);
    auto status = db.exec("INSERT INTO a VALUES (NULL)");
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().category, ErrorCategory::storage);
    EXPECT_FALSE(status.error().retryable);
    EXPECT_NE(status.error().message.find("NOT NULL constraint failed: a.x"), std::string::npos)
        << status.error().message;
}

TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
    Database db = open();
    ASSERT_TRUE(db.exec("CREATE TABLE t (x INTEGER)").ok());
    {
        auto tx = Transaction::begin(db);
        ASSERT_TRUE(tx.ok()) << tx.error().message;
        EXPECT_TRUE(db.in_transaction());
        ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)").ok());
    }
    EXPECT_FALSE(db.in_transaction());
    EXPECT_EQ(count(db, "SELECT count(*) FROM t"), 0);
    {
        auto tx = Transaction::begin(db);
        ASSERT_TRUE(tx.ok());
        ASSERT_TRUE(db.exec("INSERT INTO t VALUES (2)").ok());
        Transaction moved = std::move(*tx);  // ownership moves; the moved-from one must not roll back
        ASSERT_TRUE(moved.commit().ok());
        EXPECT_FALSE(moved.commit().ok());
    }
    EXPECT_EQ(count(db, "SELECT count(*) FROM t"), 1);

    // Visible to another connection: committed means on disk.
    Database other = open();
    EXPECT_EQ(count(other, "SELECT x FROM t"), 2);
}

TEST_F(DatabaseTest, SecondWriterGetsRetryableBusy) {
    Database first = open();
    ASSERT_TRUE(first.exec("CREATE TABLE t (x INTEGER)").ok());
    Database second = Database::open(m_dir.file("test.db"), 0ms);

    auto held = Transaction::begin(first);
    ASSERT_TRUE(held.ok());
    auto blocked = Transaction::begin(second);
    ASSERT_FALSE(blocked.ok());
    EXPECT_EQ(blocked.error().category, ErrorCategory::storage);
    EXPECT_TRUE(blocked.error().retryable);
    EXPECT_NE(blocked.error().message.find("locked"), std::string::npos) << blocked.error().message;
    // WAL: a reader is not blocked by the writer.
    EXPECT_EQ(count(second, "SELECT count(*) FROM t"), 0);

    ASSERT_TRUE(held->commit().ok());
    auto retried = Transaction::begin(second);
    ASSERT_TRUE(retried.ok()) << retried.error().message;
    EXPECT_TRUE(retried->commit().ok());
}

TEST_F(DatabaseTest, MovedDatabaseKeepsWorking) {
    Database db = open();
    Database moved = std::move(db);
    ASSERT_TRUE(moved.exec("CREATE TABLE t (x)").ok());
    Database assigned = open();
    assigned = std::move(moved);
    EXPECT_EQ(count(assigned, "SELECT count(*) FROM t"), 0);
    EXPECT_EQ(assigned.path(), m_dir.file("test.db"));
}

// Destruction order must not matter (the sanitizer build checks for leaks).
TEST_F(DatabaseTest, StatementMayBeDestroyedAfterItsDatabase) {
    std::optional<Statement> stmt;
    {
        Database db = open();
        auto prepared = db.prepare("SELECT 42");
        ASSERT_TRUE(prepared.ok());
        stmt.emplace(std::move(*prepared));
    }
    stmt.reset();
}

}  // namespace
}  // namespace tocsin::store
