#include "leaderboard/store.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "leaderboard/connection.h"
#include "leaderboard/run_rows.h"
#include "leaderboard/statement.h"
#include "leaderboard/transaction.h"
#include "util/status_macros.h"

namespace lrb::leaderboard {

using internal::RunInTransaction;
using internal::TransactionKind;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  LRB_ASSIGN_OR_RETURN(internal::SqliteHandle db, internal::OpenConnection(path));
  return std::unique_ptr<Store>(new Store(db.release(), path));
}

Store::~Store() { internal::SqliteCloser()(db_); }

absl::Status Store::NotRunningError(int64_t run_id) {
  LRB_ASSIGN_OR_RETURN(const std::string status, internal::ReadRunStatus(db_, run_id));
  return absl::FailedPreconditionError(
      absl::StrCat("run ", run_id, " is \"", status, "\", not \"running\""));
}

absl::StatusOr<std::optional<RunRecord>> Store::FindFinishedRun(std::string_view run_key) {
  absl::MutexLock lock(&mu_);
  std::vector<RunRecord> found;
  LRB_RETURN_IF_ERROR(RunInTransaction(
      db_, TransactionKind::kRead, absl::StrFormat("%s: looking up run %s", path_, run_key),
      [&]() -> absl::Status {
        LRB_ASSIGN_OR_RETURN(
            found, internal::SelectRuns(db_, internal::RunFilter::kFinishedWithKey, run_key));
        return absl::OkStatus();
      }));
  if (found.empty()) return std::nullopt;
  return std::move(found.front());  // run_key is UNIQUE: at most one
}

absl::StatusOr<int64_t> Store::BeginRun(const RunRecord& run) {
  if (run.run_key.empty()) return absl::InvalidArgumentError("BeginRun: the run key is empty");
  absl::MutexLock lock(&mu_);
  int64_t id = 0;
  LRB_RETURN_IF_ERROR(RunInTransaction(
      db_, TransactionKind::kWrite, absl::StrCat(path_, ": starting run ", run.run_key),
      [&]() -> absl::Status {
        LRB_ASSIGN_OR_RETURN(const std::optional<internal::RunState> previous,
                             internal::FindRunState(db_, run.run_key));
        if (previous.has_value()) {
          if (previous->status == "ok") {
            return absl::AlreadyExistsError(absl::StrCat(
                "it already finished ok (row ", previous->id, "); delete it to run it again"));
          }
          // A crashed ("running") or failed attempt: retried from scratch.
          LRB_RETURN_IF_ERROR(internal::DeleteRunRow(db_, run.run_key).status());
        }
        LRB_ASSIGN_OR_RETURN(id, internal::InsertRunningRow(db_, run));
        return absl::OkStatus();
      }));
  return id;
}

absl::Status Store::FinishRun(int64_t run_id, const RunRecord& outcome) {
  const std::string doing = absl::StrCat(path_, ": finishing run ", run_id);
  // Checked before the transaction so a bad value cannot leave anything half-written.
  if (absl::Status valid = internal::ValidateOutcome(outcome); !valid.ok()) {
    return internal::Annotate(valid, doing);
  }
  absl::MutexLock lock(&mu_);
  return RunInTransaction(db_, TransactionKind::kWrite, doing, [&]() -> absl::Status {
    LRB_ASSIGN_OR_RETURN(const bool finished, internal::MarkRunFinished(db_, run_id, outcome));
    if (!finished) return NotRunningError(run_id);
    return internal::InsertOutcomeRows(db_, run_id, outcome);
  });
}

absl::Status Store::FailRun(int64_t run_id, std::string_view error) {
  const std::string doing = absl::StrCat(path_, ": marking run ", run_id, " failed");
  // The schema ties "failed" to a non-empty error: a failure must say what went wrong.
  if (error.empty()) return absl::InvalidArgumentError(absl::StrCat(doing, ": empty error"));
  absl::MutexLock lock(&mu_);
  return RunInTransaction(db_, TransactionKind::kWrite, doing, [&]() -> absl::Status {
    LRB_ASSIGN_OR_RETURN(const bool failed, internal::MarkRunFailed(db_, run_id, error));
    if (!failed) return NotRunningError(run_id);
    return absl::OkStatus();
  });
}

absl::Status Store::DeleteRun(std::string_view run_key) {
  absl::MutexLock lock(&mu_);
  return RunInTransaction(db_, TransactionKind::kWrite,
                          absl::StrFormat("%s: deleting run %s", path_, run_key),
                          [&]() { return internal::DeleteRunRow(db_, run_key).status(); });
}

absl::StatusOr<std::vector<RunRecord>> Store::LoadRuns(std::string_view suite) {
  absl::MutexLock lock(&mu_);
  std::vector<RunRecord> runs;
  LRB_RETURN_IF_ERROR(RunInTransaction(
      db_, TransactionKind::kRead,
      absl::StrFormat("%s: loading the runs of suite %s", path_, suite), [&]() -> absl::Status {
        LRB_ASSIGN_OR_RETURN(runs, internal::SelectRuns(db_, internal::RunFilter::kSuite, suite));
        return absl::OkStatus();
      }));
  return runs;
}

}  // namespace lrb::leaderboard
