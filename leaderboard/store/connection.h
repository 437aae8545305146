#ifndef LRB_LEADERBOARD_STORE_CONNECTION_H_
#define LRB_LEADERBOARD_STORE_CONNECTION_H_

// Opening an LRB database: a connection configured the same way every time, on a file that
// has been checked to be ours and migrated to the current schema.

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace lrb::leaderboard::internal {

// How long a connection waits for another process's write lock before giving up with
// SQLITE_BUSY. Writes are one short transaction per run, so waiting this long means
// something is wrong (a stuck process), not merely busy.
inline constexpr std::chrono::milliseconds kBusyTimeout{10'000};

struct SqliteCloser {
  void operator()(sqlite3* db) const;
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

enum class OpenMode {
  kReadWrite,  // create, migrate, switch to WAL: for commands that record runs
  kReadOnly,   // change nothing, not even the journal mode: for commands that only read
};

// Opens the database file at `path` and makes it ready for use:
//  - extended result codes, the busy timeout, foreign key enforcement (off by default in
//    SQLite, and per connection);
//  - refuses a file that is not an LRB database or is newer than this binary, before
//    changing anything in it;
//  - refuses a corrupt file (PRAGMA integrity_check), before changing anything in it;
//  - kReadWrite: creates the file if absent, WAL journal mode (readers and one writer
//    proceed concurrently), synchronous=NORMAL, migrates the schema to the latest version;
//  - kReadOnly: opens with SQLITE_OPEN_READONLY and writes nothing, no -wal or -shm file
//    either where they would have to be created; a file with an older schema is read
//    through a migrated in-memory copy (the file keeps its version). A WAL database in a directory this process cannot write is read as
//    immutable when it has no -wal file (so nothing committed can be missed).
// Every error names `path`. When SQLite cannot open the file, the error says why: a
// directory, a missing parent directory, a directory or file without permission, or a path
// longer than SQLite accepts.
absl::StatusOr<SqliteHandle> OpenConnection(const std::string& path,
                                            OpenMode mode = OpenMode::kReadWrite);

// Why `path` cannot be opened (or created, when `create`), judged from the file system: the
// sentence users see in place of SQLite's "unable to open database file", or "" when
// nothing is visibly wrong.
std::string DiagnoseUnopenablePath(const std::string& path, bool create);

// SQLite's longest accepted path for the default VFS.
int MaxPathLength();

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_STORE_CONNECTION_H_
