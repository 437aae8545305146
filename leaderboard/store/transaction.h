#ifndef LRB_LEADERBOARD_STORE_TRANSACTION_H_
#define LRB_LEADERBOARD_STORE_TRANSACTION_H_

// One transaction around one state change (or one consistent read), committed only if every
// step succeeded and rolled back otherwise, so a failure never leaves half a change behind.

#include <sqlite3.h>

#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace lrb::leaderboard::internal {

enum class TransactionKind {
  // BEGIN DEFERRED: a read snapshot (in WAL mode it never blocks, nor is blocked by, a writer).
  kRead,
  // BEGIN IMMEDIATE: takes the write lock up front (waiting up to the busy timeout), so a
  // read-then-write sequence cannot fail half-way with SQLITE_BUSY when another writer appears.
  kWrite,
};

// Runs `body` inside a transaction of `kind` on `db` (which must not be in one already).
// Commits when `body` returns OK; otherwise, or if COMMIT fails, rolls back and returns the
// error prefixed with "<doing>: ". A failed rollback is reported in the same message.
absl::Status RunInTransaction(sqlite3* db, TransactionKind kind, std::string_view doing,
                              absl::FunctionRef<absl::Status()> body);

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_STORE_TRANSACTION_H_
