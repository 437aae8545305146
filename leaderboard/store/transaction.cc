#include "leaderboard/store/transaction.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "leaderboard/store/statement.h"

namespace lrb::leaderboard::internal {
namespace {

// Rolls back after `error`, keeping `error` as the status users see.
absl::Status RollBackAfter(sqlite3* db, const absl::Status& error) {
  // Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, ...) make SQLite roll the
  // transaction back by itself; a second ROLLBACK would then fail with a misleading message.
  if (sqlite3_get_autocommit(db) != 0) return error;
  const absl::Status rollback = ExecSql(db, "ROLLBACK", "rolling back");
  if (rollback.ok()) return error;
  absl::Status both(error.code(), absl::StrCat(error.message(), "; then ", rollback.message()));
  error.ForEachPayload(
      [&](absl::string_view key, const absl::Cord& value) { both.SetPayload(key, value); });
  return both;
}

}  // namespace

absl::Status RunInTransaction(sqlite3* db, TransactionKind kind, std::string_view doing,
                              absl::FunctionRef<absl::Status()> body) {
  const char* begin = kind == TransactionKind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
  absl::Status status = ExecSql(db, begin, "starting a transaction");
  if (!status.ok()) return Annotate(status, doing);
  status = body();
  if (status.ok()) status = ExecSql(db, "COMMIT", "committing");
  if (!status.ok()) return Annotate(RollBackAfter(db, status), doing);
  return absl::OkStatus();
}

}  // namespace lrb::leaderboard::internal
