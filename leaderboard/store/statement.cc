#include "leaderboard/store/statement.h"

#include <cctype>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lrb::leaderboard::internal {
namespace {

// Status payload key for the SQLite result code (decimal text).
constexpr char kSqliteCodePayload[] = "type.googleapis.com/lrb.leaderboard.SqliteResultCode";

absl::StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CONSTRAINT:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return absl::StatusCode::kDataLoss;
    default:
      return absl::StatusCode::kInternal;
  }
}

bool OnlyWhitespace(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::Status SqliteError(sqlite3* db, int rc, std::string_view doing) {
  // sqlite3_errmsg describes the most recent failed call on `db`; without a handle (a failed
  // allocation in sqlite3_open) only the generic text for `rc` is available.
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  absl::Status status(
      CodeFor(rc), absl::StrFormat("%s: %s (%s, code %d)", doing, detail, sqlite3_errstr(rc), rc));
  status.SetPayload(kSqliteCodePayload, absl::Cord(absl::StrCat(rc)));
  return status;
}

std::optional<int> SqliteResultCode(const absl::Status& status) {
  const auto payload = status.GetPayload(kSqliteCodePayload);  // an absl::optional<Cord>
  int rc = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &rc)) return std::nullopt;
  return rc;
}

absl::Status Annotate(const absl::Status& status, std::string_view prefix) {
  if (status.ok()) return status;
  absl::Status annotated(status.code(), absl::StrFormat("%s: %s", prefix, status.message()));
  status.ForEachPayload(
      [&](absl::string_view key, const absl::Cord& value) { annotated.SetPayload(key, value); });
  return annotated;
}

absl::Status ExecSql(sqlite3* db, const char* sql, std::string_view doing) {
  // The error text sqlite3_exec can return is the same as sqlite3_errmsg, which SqliteError
  // reads; passing nullptr avoids having to free a copy.
  const int rc = sqlite3_exec(db, sql, /*callback=*/nullptr, /*arg=*/nullptr, /*errmsg=*/nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, doing);
  return absl::OkStatus();
}

absl::StatusOr<Statement> Statement::Prepare(sqlite3* db, std::string_view sql, std::string doing) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    /*prepFlags=*/0, &stmt, &tail);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);  // null on failure; finalizing null is a harmless no-op
    return SqliteError(db, rc, absl::StrCat(doing, ": preparing"));
  }
  Statement statement(db, stmt, std::move(doing));
  // sqlite3_prepare compiles only the first statement; anything after it would be ignored.
  const std::string_view rest = sql.substr(static_cast<size_t>(tail - sql.data()));
  if (stmt == nullptr || !OnlyWhitespace(rest)) {
    return absl::InternalError(
        absl::StrFormat("%s: expected exactly one SQL statement in: %s", statement.doing_, sql));
  }
  return statement;
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), doing_(std::move(other.doing_)) {}

Statement::~Statement() {
  // sqlite3_finalize repeats the error of the last failed step, which Step()/Run() already
  // reported; there is nothing new to check here.
  sqlite3_finalize(stmt_);
}

absl::Status Statement::Error(int rc, const std::string& what) const {
  return SqliteError(db_, rc, absl::StrCat(doing_, ": ", what));
}

absl::StatusOr<int> Statement::ParameterIndex(const char* name) const {
  const int index = sqlite3_bind_parameter_index(stmt_, name);
  if (index == 0) {
    return absl::InternalError(
        absl::StrCat(doing_, ": the statement has no parameter ", name, ": ", sqlite3_sql(stmt_)));
  }
  return index;
}

absl::Status Statement::BindInt(const char* name, int64_t value) {
  const absl::StatusOr<int> index = ParameterIndex(name);
  if (!index.ok()) return index.status();
  const int rc = sqlite3_bind_int64(stmt_, *index, value);
  if (rc != SQLITE_OK) return Error(rc, absl::StrCat("binding ", name));
  return absl::OkStatus();
}

absl::Status Statement::BindDouble(const char* name, double value) {
  const absl::StatusOr<int> index = ParameterIndex(name);
  if (!index.ok()) return index.status();
  const int rc = sqlite3_bind_double(stmt_, *index, value);
  if (rc != SQLITE_OK) return Error(rc, absl::StrCat("binding ", name));
  return absl::OkStatus();
}

absl::Status Statement::BindText(const char* name, std::string_view value) {
  const absl::StatusOr<int> index = ParameterIndex(name);
  if (!index.ok()) return index.status();
  const int rc =
      sqlite3_bind_text64(stmt_, *index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return Error(rc, absl::StrCat("binding ", name));
  return absl::OkStatus();
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(rc, "executing");
}

absl::StatusOr<int64_t> Statement::Run() {
  const absl::StatusOr<bool> has_row = Step();
  if (!has_row.ok()) return has_row.status();
  if (*has_row) {
    return absl::InternalError(
        absl::StrCat(doing_, ": statement unexpectedly returned rows: ", sqlite3_sql(stmt_)));
  }
  const int64_t changes = sqlite3_changes64(db_);
  const int rc = sqlite3_reset(stmt_);
  if (rc != SQLITE_OK) return Error(rc, "resetting");
  return changes;
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  // Text pointer first, then its byte count (the order SQLite documents as safe).
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

}  // namespace lrb::leaderboard::internal
