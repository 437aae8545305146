#ifndef LRB_LEADERBOARD_CONNECTION_H_
#define LRB_LEADERBOARD_CONNECTION_H_

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

// Opens (creating if absent) the database file at `path` and makes it ready for use:
//  - extended result codes, the busy timeout, foreign key enforcement (off by default in
//    SQLite, and per connection);
//  - refuses a file that is not an LRB database or is newer than this binary, before
//    changing anything in it;
//  - WAL journal mode (readers and one writer proceed concurrently), synchronous=NORMAL;
//  - migrates the schema to the latest version.
// Every error names `path`.
absl::StatusOr<SqliteHandle> OpenConnection(const std::string& path);

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_CONNECTION_H_
