#ifndef LRB_LEADERBOARD_STORE_STATEMENT_H_
#define LRB_LEADERBOARD_STORE_STATEMENT_H_

// The one place that talks to the SQLite C API call by call: a failed call becomes an
// absl::Status that says what was being done, SQLite's own message and its result code,
// and a prepared statement is an RAII object whose every call is checked.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lrb::leaderboard::internal {

// The status for a failed SQLite call: "<doing>: <sqlite3_errmsg> (<sqlite3_errstr>, code N)".
// `rc` is the (extended) result code of the call. BUSY/LOCKED map to kUnavailable (worth a
// retry), CONSTRAINT to kFailedPrecondition, NOTADB/CORRUPT to kDataLoss, anything else to
// kInternal. The result code is attached as a payload; read it back with SqliteResultCode.
absl::Status SqliteError(sqlite3* db, int rc, std::string_view doing);

// The extended SQLite result code carried by a status made by SqliteError, if any.
std::optional<int> SqliteResultCode(const absl::Status& status);

// Returns `status` with "<prefix>: " in front of its message (same code and payloads).
absl::Status Annotate(const absl::Status& status, std::string_view prefix);

// Runs SQL that returns no rows (possibly several statements, e.g. a migration script).
absl::Status ExecSql(sqlite3* db, const char* sql, std::string_view doing);

// A prepared statement. Parameters are bound by name (":name"), so a statement with many
// columns cannot silently shift them. Not copyable; movable. `db` must outlive it.
class Statement {
 public:
  // Prepares exactly one SQL statement; `doing` (e.g. "inserting a metric") prefixes every
  // error this statement reports.
  static absl::StatusOr<Statement> Prepare(sqlite3* db, std::string_view sql, std::string doing);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Bind a value to the parameter called `name` (with its ':' prefix). Binding a name the
  // statement does not have is an error, not a no-op.
  absl::Status BindInt(const char* name, int64_t value);
  absl::Status BindDouble(const char* name, double value);
  absl::Status BindText(const char* name, std::string_view value);  // copied by SQLite

  // Advances to the next result row: true if a row is ready, false when the statement is done.
  absl::StatusOr<bool> Step();

  // Runs a statement that returns no rows (INSERT/UPDATE/DELETE without RETURNING), then
  // resets it so it can run again with new bindings. Returns the number of rows changed.
  absl::StatusOr<int64_t> Run();

  // Columns of the current row (after Step() returned true), counted from 0. STRICT tables
  // guarantee the stored types, so these do not convert. A NULL text column reads as "".
  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string doing)
      : db_(db), stmt_(stmt), doing_(std::move(doing)) {}

  // The parameter index of `name`, or an error naming it.
  absl::StatusOr<int> ParameterIndex(const char* name) const;
  absl::Status Error(int rc, const std::string& what) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;  // owned; null only in a moved-from Statement
  std::string doing_;
};

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_STORE_STATEMENT_H_
