#include "leaderboard/store/connection.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "leaderboard/store/schema.h"
#include "leaderboard/store/statement.h"
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


// At most this many of integrity_check's findings are quoted in the error.
constexpr int kIntegrityLinesShown = 5;

// Refuses a damaged file before anything writes to it. integrity_check verifies every page
// of every b-tree (the "free space corruption" and "malformed" kinds of damage), the
// records' formats, NOT NULL / CHECK constraints, and that every index (run_key's UNIQUE
// one, which ClaimRun relies on) agrees with its table. On a paper-sized database (20 runs,
// 1000 feature rows each, 0.9 MB) it takes 16 ms against 15 ms for quick_check, which skips
// the index cross-check, so the full check is worth it (docs/reliability.md).
absl::Status CheckIntegrity(sqlite3* db, const std::string& path) {
  std::vector<std::string> problems;
  absl::Status read;
  {
    absl::StatusOr<Statement> check = Statement::Prepare(
        db, absl::StrCat("PRAGMA integrity_check(", kIntegrityLinesShown, ")"),
        "checking integrity");
    read = check.status();
    while (read.ok()) {
      const absl::StatusOr<bool> has_row = check->Step();
      read = has_row.status();
      if (!read.ok() || !*has_row) break;
      const std::string line = check->ColumnText(0);
      if (line != "ok") problems.push_back(absl::StrReplaceAll(line, {{"\n", " "}}));
    }
  }
  if (!read.ok()) {
    const std::optional<int> rc = SqliteResultCode(read);
    if (!rc.has_value() || ((*rc & 0xff) != SQLITE_CORRUPT && (*rc & 0xff) != SQLITE_NOTADB)) {
      return Annotate(read, path);
    }
    problems.push_back(std::string(read.message()));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::DataLossError(absl::StrFormat(
      "%s is corrupt; SQLite's integrity_check reports: %s. Nothing was changed. Restore the file "
      "from a backup, or salvage what is readable into a new file with `sqlite3 %s .recover "
      "| sqlite3 recovered.db`",
      path, absl::StrJoin(problems, "; "), path));
}

// "file:" URI for `path` (made absolute), every byte outside [A-Za-z0-9/._~-] escaped.
std::string FileUri(const std::string& path, std::string_view query) {
  std::error_code error;
  const std::string absolute = std::filesystem::absolute(path, error).string();
  std::string uri = "file:";
  for (const unsigned char c : error ? path : absolute) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '~' || c == '-') {
      uri += static_cast<char>(c);
    } else {
      uri += absl::StrFormat("%%%02X", c);
    }
  }
  return absl::StrCat(uri, "?", absl::string_view(query.data(), query.size()));
}

bool Writable(const std::filesystem::path& path) {
  return access(path.c_str(), W_OK | X_OK) == 0;
}

std::filesystem::path ParentOf(const std::string& path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) absolute = path;
  return absolute.parent_path();
}

absl::StatusOr<SqliteHandle> OpenHandle(const std::string& name, int flags,
                                        const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, /*zVfs=*/nullptr);
  // Even a failed open usually returns a handle (carrying the error message) to be closed.
  SqliteHandle db(raw);
  if (rc != SQLITE_OK) {
    const std::string why = DiagnoseUnopenablePath(path, (flags & SQLITE_OPEN_CREATE) != 0);
    return SqliteError(db.get(), rc,
                       why.empty() ? absl::StrCat("cannot open ", path)
                                   : absl::StrCat("cannot open ", path, ": ", why));
  }
  return db;
}

// Reading a WAL database normally means SQLite creates its -wal and -shm side files (the
// shared index readers and writers coordinate through), which a read-only command must not
// do, and cannot do in a read-only directory. Without a -wal file every committed
// transaction is in the database file and no writer is at work (a writer keeps a -wal
// while it has the file open), so the file is read as immutable: no locks, no side files.
// With a -wal file a writer may be at work: the normal read-only open coordinates with it
// through the side files that already exist, and sees what is committed in the -wal.
// The limit (docs/reliability.md): a writer that opens the file after this check *and*
// checkpoints into it while this connection reads would not be seen coming; LRB writers
// checkpoint only when they close, seconds after opening, and a read takes milliseconds.
// A file with an older schema cannot be migrated by a reader. It is copied (one consistent
// snapshot, through SQLite's backup API) into a private in-memory database, which is
// migrated and read instead; the file is not touched. An LRB database is megabytes.
absl::StatusOr<SqliteHandle> MigratedCopy(sqlite3* file, const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, /*zVfs=*/nullptr);
  SqliteHandle copy(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(copy.get(), rc, absl::StrCat(path, ": opening an in-memory copy"));
  }
  sqlite3_backup* backup = sqlite3_backup_init(copy.get(), "main", file, "main");
  if (backup == nullptr) {
    return SqliteError(copy.get(), sqlite3_errcode(copy.get()),
                       absl::StrCat(path, ": copying it to memory to read its older schema"));
  }
  const int step = sqlite3_backup_step(backup, -1);
  const int finish = sqlite3_backup_finish(backup);  // reports the step's error too
  if (step != SQLITE_DONE || finish != SQLITE_OK) {
    return SqliteError(copy.get(), finish != SQLITE_OK ? finish : step,
                       absl::StrCat(path, ": copying it to memory to read its older schema"));
  }
  LRB_RETURN_IF_ERROR(Annotate(Configure(copy.get()), path));
  LRB_RETURN_IF_ERROR(MigrateToLatest(copy.get(), path));
  return copy;
}

absl::StatusOr<SqliteHandle> OpenReadOnly(const std::string& path) {
  std::error_code error;
  const std::string wal = path + "-wal";
  const bool has_wal = std::filesystem::exists(wal, error);
  SqliteHandle db;
  if (has_wal) {
    LRB_ASSIGN_OR_RETURN(db, OpenHandle(path, SQLITE_OPEN_READONLY, path));
  } else {
    LRB_ASSIGN_OR_RETURN(db, OpenHandle(FileUri(path, "immutable=1"),
                                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, path));
  }
  LRB_RETURN_IF_ERROR(Annotate(Configure(db.get()), path));
  absl::StatusOr<int> version = ReadSchemaVersion(db.get(), path);
  if (!version.ok() && has_wal) {
    const std::optional<int> rc = SqliteResultCode(version.status());
    const int primary = rc.value_or(0) & 0xff;
    if ((primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN) &&
        !Writable(ParentOf(path))) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "cannot read %s here: %s holds transactions that are not yet in the database file, "
          "and SQLite cannot read them without creating %s-shm in directory %s, which this "
          "process cannot write; open it once with write access (e.g. `lrb run`), which "
          "folds them in",
          path, wal, path, ParentOf(path).string()));
    }
  }
  if (!version.ok()) return version.status();
  if (*version == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is empty: no LRB database has been written to it yet"));
  }
  LRB_RETURN_IF_ERROR(CheckIntegrity(db.get(), path));
  if (*version < LatestSchemaVersion()) return MigratedCopy(db.get(), path);
  return db;
}

}  // namespace

int MaxPathLength() {
  const sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
  return vfs != nullptr ? vfs->mxPathname : 512;
}

std::string DiagnoseUnopenablePath(const std::string& path, bool create) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path absolute = fs::absolute(path, error);
  const std::string full = error ? path : absolute.string();
  // SQLite turns the name into an absolute path and refuses one this long.
  if (static_cast<int>(full.size()) >= MaxPathLength()) {
    return absl::StrFormat(
        "the path is %d characters long (as an absolute path), and SQLite accepts at most %d",
        full.size(), MaxPathLength() - 1);
  }
  if (fs::is_directory(path, error)) return "it is a directory, not a database file";
  const fs::path parent = ParentOf(path);
  if (!fs::exists(parent, error)) {
    return absl::StrCat("directory ", parent.string(), " does not exist; create it first");
  }
  if (!fs::is_directory(parent, error)) {
    return absl::StrCat(parent.string(), " is not a directory");
  }
  if (access(parent.c_str(), X_OK) != 0) {
    return absl::StrCat("no permission to enter directory ", parent.string());
  }
  if (!fs::exists(path, error)) {
    if (!create) return "no such file";
    if (!Writable(parent)) {
      return absl::StrCat("directory ", parent.string(),
                          " is not writable, so the database cannot be created there");
    }
    return "";
  }
  if (access(path.c_str(), R_OK) != 0) return "no permission to read the file";
  if (create) {
    if (access(path.c_str(), W_OK) != 0) {
      return "no permission to write the file (read-only commands such as `lrb leaderboard` "
             "can still read it)";
    }
    if (!Writable(parent)) {
      return absl::StrCat("directory ", parent.string(),
                          " is not writable, and SQLite must create the database's -wal and "
                          "-shm files beside it to write (read-only commands such as `lrb "
                          "leaderboard` can still read it)");
    }
  }
  return "";
}

void SqliteCloser::operator()(sqlite3* db) const {
  // sqlite3_close_v2 always returns SQLITE_OK: if statements were still open it defers the
  // close until they are finalized instead of failing. Our statements are RAII objects, so
  // none outlive a Store.
  sqlite3_close_v2(db);
}

absl::StatusOr<SqliteHandle> OpenConnection(const std::string& path, OpenMode mode) {
  // An empty name would give a private temporary database, ":memory:" one that cannot use
  // WAL: both would silently keep nothing.
  if (path.empty() || path == ":memory:") {
    return absl::InvalidArgumentError(
        absl::StrCat("database path must name a file, got \"", path, "\""));
  }
  // SQLite reports all of these as "unable to open database file", some of them only at the
  // first read or write; saying which one it is, up front, is what lets a user fix it.
  const std::string why = DiagnoseUnopenablePath(path, mode == OpenMode::kReadWrite);
  if (!why.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot open ", path, ": ", why));
  }
  if (mode == OpenMode::kReadOnly) return OpenReadOnly(path);

  LRB_ASSIGN_OR_RETURN(SqliteHandle db,
                       OpenHandle(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, path));
  LRB_RETURN_IF_ERROR(Annotate(Configure(db.get()), path));
  // Identity and integrity first, and only then anything that writes: a foreign, newer or
  // damaged file is left as it was found.
  LRB_ASSIGN_OR_RETURN(const int version, ReadSchemaVersion(db.get(), path));
  if (version > 0) LRB_RETURN_IF_ERROR(CheckIntegrity(db.get(), path));
  LRB_RETURN_IF_ERROR(Annotate(UseWal(db.get()), path));
  if (version < LatestSchemaVersion()) LRB_RETURN_IF_ERROR(MigrateToLatest(db.get(), path));
  return db;
}

}  // namespace lrb::leaderboard::internal
