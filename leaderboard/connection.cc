#include "leaderboard/connection.h"

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "leaderboard/schema.h"
#include "leaderboard/statement.h"
#include "util/status_macros.h"

namespace lrb::leaderboard::internal {
namespace {

// Runs a PRAGMA that returns one row and returns its first column as text.
absl::StatusOr<std::string> QueryPragma(sqlite3* db, std::string_view sql) {
  LRB_ASSIGN_OR_RETURN(Statement pragma, Statement::Prepare(db, sql, std::string(sql)));
  LRB_ASSIGN_OR_RETURN(const bool has_row, pragma.Step());
  // A PRAGMA this SQLite build does not know returns no row rather than an error.
  if (!has_row)
    return absl::InternalError(absl::StrFormat("%s: not supported by this SQLite", sql));
  return pragma.ColumnText(0);
}

absl::Status Configure(sqlite3* db) {
  int rc = sqlite3_extended_result_codes(db, 1);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "enabling extended result codes");
  rc = sqlite3_busy_timeout(db, static_cast<int>(kBusyTimeout.count()));
  if (rc != SQLITE_OK) return SqliteError(db, rc, "setting the busy timeout");
  // Setting the pragma cannot report failure (an SQLite built without foreign keys ignores
  // it), so read it back: without enforcement ON DELETE CASCADE would silently do nothing.
  LRB_RETURN_IF_ERROR(ExecSql(db, "PRAGMA foreign_keys = ON", "enabling foreign keys"));
  LRB_ASSIGN_OR_RETURN(const std::string foreign_keys, QueryPragma(db, "PRAGMA foreign_keys"));
  if (foreign_keys != "1") {
    return absl::FailedPreconditionError("this SQLite does not enforce foreign keys");
  }
  return absl::OkStatus();
}

absl::Status UseWal(sqlite3* db) {
  // journal_mode answers with the mode actually in force, which stays the old one where WAL is
  // impossible (e.g. a file system without shared memory).
  LRB_ASSIGN_OR_RETURN(const std::string mode, QueryPragma(db, "PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot switch to WAL journal mode (still '", mode,
                     "'); network file systems do not support it, use a local disk"));
  }
  // In WAL mode, NORMAL keeps the database consistent on power loss and may lose only the
  // last committed transactions; a lost run is simply run again, and FULL would sync on
  // every commit.
  return ExecSql(db, "PRAGMA synchronous = NORMAL", "setting synchronous = NORMAL");
}

}  // namespace

void SqliteCloser::operator()(sqlite3* db) const {
  // sqlite3_close_v2 always returns SQLITE_OK: if statements were still open it defers the
  // close until they are finalized instead of failing. Our statements are RAII objects, so
  // none outlive a Store.
  sqlite3_close_v2(db);
}

absl::StatusOr<SqliteHandle> OpenConnection(const std::string& path) {
  // An empty name would give a private temporary database, ":memory:" one that cannot use
  // WAL: both would silently keep nothing.
  if (path.empty() || path == ":memory:") {
    return absl::InvalidArgumentError(
        absl::StrCat("database path must name a file, got \"", path, "\""));
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 /*zVfs=*/nullptr);
  // Even a failed open usually returns a handle (carrying the error message) to be closed.
  SqliteHandle db(raw);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, absl::StrCat("cannot open ", path));

  LRB_RETURN_IF_ERROR(Annotate(Configure(db.get()), path));
  // Identity first, and only then anything that writes: a foreign or newer file is left as
  // it was found.
  LRB_ASSIGN_OR_RETURN(const int version, ReadSchemaVersion(db.get(), path));
  LRB_RETURN_IF_ERROR(Annotate(UseWal(db.get()), path));
  if (version < LatestSchemaVersion()) LRB_RETURN_IF_ERROR(MigrateToLatest(db.get(), path));
  return db;
}

}  // namespace lrb::leaderboard::internal
