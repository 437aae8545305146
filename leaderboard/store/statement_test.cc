#include "leaderboard/store/statement.h"

#include <sqlite3.h>

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/test_support.h"
#include "leaderboard/store/transaction.h"

namespace lrb::leaderboard::internal {
namespace {

using ::testing::HasSubstr;

class StatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_EQ(sqlite3_extended_result_codes(db_, 1), SQLITE_OK);  // as OpenConnection does
    LRB_ASSERT_OK(
        ExecSql(db_, "CREATE TABLE t (k TEXT PRIMARY KEY, v REAL NOT NULL) STRICT", "creating t"));
  }
  void TearDown() override { sqlite3_close_v2(db_); }

  int64_t CountRows() {
    auto count = Statement::Prepare(db_, "SELECT count(*) FROM t", "counting");
    if (!count.ok() || !count->Step().value_or(false)) return -1;
    return count->ColumnInt(0);
  }

  sqlite3* db_ = nullptr;
};

TEST_F(StatementTest, BindsByNameAndReadsBack) {
  LRB_ASSERT_OK_AND_ASSIGN(Statement insert,
                           Statement::Prepare(db_, "INSERT INTO t VALUES (:k, :v)", "inserting"));
  // Text is bound by length: embedded NULs and UTF-8 survive.
  const std::string key("a\0b ± c", 8);
  LRB_ASSERT_OK(insert.BindText(":k", key));
  LRB_ASSERT_OK(insert.BindDouble(":v", 0.25));
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t changed, insert.Run());
  EXPECT_EQ(changed, 1);
  // Run() resets, so the statement runs again with new bindings.
  LRB_ASSERT_OK(insert.BindText(":k", "second"));
  LRB_ASSERT_OK(insert.Run());

  LRB_ASSERT_OK_AND_ASSIGN(Statement select,
                           Statement::Prepare(db_, "SELECT k, v FROM t ORDER BY rowid", "reading"));
  LRB_ASSERT_OK_AND_ASSIGN(bool has_row, select.Step());
  ASSERT_TRUE(has_row);
  EXPECT_EQ(select.ColumnText(0), key);
  EXPECT_EQ(select.ColumnDouble(1), 0.25);
  LRB_ASSERT_OK_AND_ASSIGN(has_row, select.Step());
  ASSERT_TRUE(has_row);
  EXPECT_EQ(select.ColumnText(0), "second");
  LRB_ASSERT_OK_AND_ASSIGN(has_row, select.Step());
  EXPECT_FALSE(has_row);
}

TEST_F(StatementTest, UnknownParameterIsAnErrorNamingIt) {
  LRB_ASSERT_OK_AND_ASSIGN(Statement insert,
                           Statement::Prepare(db_, "INSERT INTO t VALUES (:k, :v)", "inserting"));
  const absl::Status status = insert.BindText(":key", "x");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr(":key"));
}

TEST_F(StatementTest, PrepareRefusesBadSqlAndSeveralStatements) {
  const auto bad = Statement::Prepare(db_, "SELEC 1", "doing X");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("doing X"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("syntax error"));
  EXPECT_EQ(SqliteResultCode(bad.status()), SQLITE_ERROR);

  EXPECT_FALSE(Statement::Prepare(db_, "SELECT 1; SELECT 2", "two").ok());
  EXPECT_FALSE(Statement::Prepare(db_, "  ", "none").ok());
  LRB_EXPECT_OK(Statement::Prepare(db_, "SELECT 1;  \n", "one, with trailing space"));
}

TEST_F(StatementTest, StepErrorsCarryWhatAndTheSqliteCode) {
  LRB_ASSERT_OK(ExecSql(db_, "INSERT INTO t VALUES ('a', 1)", "first insert"));
  LRB_ASSERT_OK_AND_ASSIGN(
      Statement insert,
      Statement::Prepare(db_, "INSERT INTO t VALUES ('a', 2)", "inserting a duplicate"));
  const absl::Status status = insert.Run().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(SqliteResultCode(status), SQLITE_CONSTRAINT_PRIMARYKEY);
  EXPECT_THAT(std::string(status.message()), HasSubstr("inserting a duplicate"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("UNIQUE constraint failed: t.k"));

  // STRICT: a wrong type is an error rather than silently stored.
  const absl::Status wrong_type =
      ExecSql(db_, "INSERT INTO t VALUES ('b', 'not a number')", "inserting text as REAL");
  EXPECT_EQ(SqliteResultCode(wrong_type), SQLITE_CONSTRAINT_DATATYPE);
}

TEST_F(StatementTest, AnnotateKeepsCodeAndResultCode) {
  const absl::Status inner = ExecSql(db_, "SELECT * FROM missing", "reading");
  const absl::Status outer = Annotate(inner, "context");
  EXPECT_EQ(outer.code(), inner.code());
  EXPECT_EQ(SqliteResultCode(outer), SqliteResultCode(inner));
  EXPECT_EQ(outer.message(), "context: " + std::string(inner.message()));
  LRB_EXPECT_OK(Annotate(absl::OkStatus(), "context"));
  EXPECT_EQ(SqliteResultCode(absl::InternalError("not from sqlite")), std::nullopt);
}

TEST_F(StatementTest, TransactionCommitsOnSuccess) {
  LRB_ASSERT_OK(RunInTransaction(db_, TransactionKind::kWrite, "writing", [&] {
    return ExecSql(db_, "INSERT INTO t VALUES ('a', 1)", "insert");
  }));
  EXPECT_EQ(CountRows(), 1);
  EXPECT_NE(sqlite3_get_autocommit(db_), 0) << "transaction left open";
}

TEST_F(StatementTest, TransactionRollsBackEverythingOnError) {
  const absl::Status status = RunInTransaction(db_, TransactionKind::kWrite, "writing two", [&] {
    const absl::Status first = ExecSql(db_, "INSERT INTO t VALUES ('a', 1)", "insert a");
    if (!first.ok()) return first;
    return absl::InvalidArgumentError("second step failed");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "writing two: second step failed");
  EXPECT_EQ(CountRows(), 0) << "the first insert was not rolled back";
  EXPECT_NE(sqlite3_get_autocommit(db_), 0) << "transaction left open";
}

TEST_F(StatementTest, TransactionCannotNest) {
  const absl::Status status = RunInTransaction(db_, TransactionKind::kRead, "outer", [&] {
    return RunInTransaction(db_, TransactionKind::kRead, "inner", [] { return absl::OkStatus(); });
  });
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("within a transaction"));
  EXPECT_NE(sqlite3_get_autocommit(db_), 0);
}

}  // namespace
}  // namespace lrb::leaderboard::internal
