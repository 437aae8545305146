#include "leaderboard/store/store.h"

#include <sqlite3.h>

#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "leaderboard/store/connection.h"
#include "leaderboard/store/run_difference.h"
#include "leaderboard/store/run_rows.h"
#include "leaderboard/store/statement.h"
#include "leaderboard/store/transaction.h"
#include "util/status_macros.h"

namespace lrb::leaderboard {

using internal::RunInTransaction;
using internal::TransactionKind;

namespace {

int64_t NowUnix() { return static_cast<int64_t>(std::time(nullptr)); }

// Deletes the attempt with `run_key` (row `row_id`, with its rows) that a new row is about
// to replace, and returns the suites it belonged to, for the new row to inherit: a suite
// that asked for the key keeps it on its board whichever attempt ends up finishing it.
absl::StatusOr<std::vector<std::string>> DeleteReplacedRow(sqlite3* db, int64_t row_id,
                                                           std::string_view run_key) {
  LRB_ASSIGN_OR_RETURN(std::vector<std::string> suites, internal::SuitesOfRun(db, row_id));
  LRB_RETURN_IF_ERROR(internal::DeleteRunRow(db, run_key).status());
  return suites;
}

}  // namespace

Store::Store(sqlite3* db, std::string path, bool read_only, StoreOptions options)
    : db_(db),
      path_(std::move(path)),
      read_only_(read_only),
      owner_(options.owner.has_value() ? *options.owner : ThisProcess()),
      lease_(options.lease) {}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                   StoreOptions options) {
  LRB_ASSIGN_OR_RETURN(internal::SqliteHandle db,
                       internal::OpenConnection(path, internal::OpenMode::kReadWrite));
  return std::unique_ptr<Store>(
      new Store(db.release(), path, /*read_only=*/false, std::move(options)));
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& path,
                                                           StoreOptions options) {
  LRB_ASSIGN_OR_RETURN(internal::SqliteHandle db,
                       internal::OpenConnection(path, internal::OpenMode::kReadOnly));
  return std::unique_ptr<Store>(
      new Store(db.release(), path, /*read_only=*/true, std::move(options)));
}

Store::~Store() { internal::SqliteCloser()(db_); }

absl::Status Store::CheckWritable(const std::string& doing) const {
  if (!read_only_) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(doing, ": the database was opened read-only"));
}

absl::Status Store::NotRunningError(int64_t run_id) {
  LRB_ASSIGN_OR_RETURN(const std::string status, internal::ReadRunStatus(db_, run_id));
  return absl::FailedPreconditionError(
      absl::StrCat("run ", run_id, " is \"", status, "\", not \"running\""));
}

bool Store::OwnerGone(const RunOwner& owner, int64_t heartbeat_unix,
                      std::string_view run_key) const {
  switch (JudgeOwner(owner, heartbeat_unix, owner_, NowUnix(), lease_)) {
    case OwnerState::kThisProcess:
      for (const auto& [id, key] : claimed_) {
        if (key == run_key) return false;
      }
      return true;
    case OwnerState::kAlive:
      return false;
    case OwnerState::kGone:
      return true;
  }
  return false;  // unreachable: every enumerator is handled above
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
  // run_key is UNIQUE: at most one.
  if (found.empty() || !found.front().incomplete.empty()) return std::nullopt;
  return std::move(found.front());
}

absl::StatusOr<Claim> Store::ClaimRun(const RunRecord& run, bool replace_finished) {
  if (run.run_key.empty()) return absl::InvalidArgumentError("ClaimRun: the run key is empty");
  const std::string doing = absl::StrCat(path_, ": claiming run ", run.run_key);
  LRB_RETURN_IF_ERROR(CheckWritable(doing));
  absl::MutexLock lock(&mu_);
  Claim claim;
  LRB_RETURN_IF_ERROR(RunInTransaction(
      db_, TransactionKind::kWrite, doing, [&]() -> absl::Status {
        claim = Claim{};
        std::vector<std::string> inherited_suites;
        LRB_ASSIGN_OR_RETURN(const std::optional<internal::RunState> previous,
                             internal::FindRunState(db_, run.run_key));
        if (previous.has_value()) {
          const internal::RunState& p = *previous;
          // Whichever suite trained (or is training) the run, it now serves this one too.
          if (p.status == "ok" && p.incomplete.empty() && !replace_finished) {
            claim.outcome = Claim::Outcome::kAlreadyFinished;
            claim.run_id = p.id;
            return internal::AddRunToSuites(db_, p.id, {run.suite}).status();
          }
          if (p.status == "running" && !OwnerGone(p.owner, p.heartbeat_unix, run.run_key)) {
            claim.outcome = Claim::Outcome::kHeldByAnother;
            claim.run_id = p.id;
            claim.note = claimed_.contains(p.id) ? "this process"
                                                 : DescribeOwner(p.owner, owner_);
            return internal::AddRunToSuites(db_, p.id, {run.suite}).status();
          }
          if (p.status == "ok") {
            claim.note = p.incomplete.empty()
                             ? absl::StrCat("a finished run (row ", p.id, ")")
                             : absl::StrCat("an incomplete ok run (row ", p.id, ", ",
                                            p.incomplete, ")");
          } else if (p.status == "running") {
            claim.note = absl::StrCat("an abandoned attempt (row ", p.id, "; its owner, ",
                                      DescribeOwner(p.owner, owner_), ", is gone)");
          } else {
            claim.note = absl::StrCat(p.status == "interrupted" ? "an " : "a ", p.status,
                                      " attempt (row ", p.id, ")");
          }
          LRB_ASSIGN_OR_RETURN(inherited_suites, DeleteReplacedRow(db_, p.id, run.run_key));
        }
        LRB_ASSIGN_OR_RETURN(claim.run_id, internal::InsertRunningRow(db_, run, owner_));
        return internal::AddRunToSuites(db_, claim.run_id, inherited_suites).status();
      }));
  if (claim.outcome == Claim::Outcome::kClaimed) claimed_[claim.run_id] = run.run_key;
  return claim;
}

absl::StatusOr<int64_t> Store::BeginRun(const RunRecord& run) {
  LRB_ASSIGN_OR_RETURN(const Claim claim, ClaimRun(run));
  switch (claim.outcome) {
    case Claim::Outcome::kClaimed:
      return claim.run_id;
    case Claim::Outcome::kAlreadyFinished:
      return absl::AlreadyExistsError(
          absl::StrCat(path_, ": starting run ", run.run_key, ": it already finished ok (row ",
                       claim.run_id, "); delete it to run it again"));
    case Claim::Outcome::kHeldByAnother:
      return absl::UnavailableError(absl::StrCat(path_, ": starting run ", run.run_key,
                                                 ": it is being trained by ", claim.note));
  }
  return absl::InternalError("unreachable");
}

absl::Status Store::Heartbeat(int64_t run_id) {
  const std::string doing = absl::StrCat(path_, ": refreshing the heartbeat of run ", run_id);
  LRB_RETURN_IF_ERROR(CheckWritable(doing));
  absl::MutexLock lock(&mu_);
  return RunInTransaction(db_, TransactionKind::kWrite, doing, [&]() -> absl::Status {
    LRB_ASSIGN_OR_RETURN(const bool touched, internal::TouchHeartbeat(db_, run_id));
    if (!touched) return NotRunningError(run_id);
    return absl::OkStatus();
  });
}

absl::Status Store::FinishRun(int64_t run_id, const RunRecord& outcome) {
  const std::string doing = absl::StrCat(path_, ": finishing run ", run_id);
  LRB_RETURN_IF_ERROR(CheckWritable(doing));
  // Checked before the transaction so a bad value cannot leave anything half-written.
  if (absl::Status valid = internal::ValidateOutcome(outcome); !valid.ok()) {
    return internal::Annotate(valid, doing);
  }
  absl::MutexLock lock(&mu_);
  LRB_RETURN_IF_ERROR(
      RunInTransaction(db_, TransactionKind::kWrite, doing, [&]() -> absl::Status {
        LRB_ASSIGN_OR_RETURN(const bool finished,
                             internal::MarkRunFinished(db_, run_id, outcome));
        if (!finished) return NotRunningError(run_id);
        return internal::InsertOutcomeRows(db_, run_id, outcome);
      }));
  claimed_.erase(run_id);
  return absl::OkStatus();
}

absl::Status Store::FailRun(int64_t run_id, std::string_view error) {
  const std::string doing = absl::StrCat(path_, ": marking run ", run_id, " failed");
  LRB_RETURN_IF_ERROR(CheckWritable(doing));
  // The schema ties "failed" to a non-empty error: a failure must say what went wrong.
  if (error.empty()) return absl::InvalidArgumentError(absl::StrCat(doing, ": empty error"));
  absl::MutexLock lock(&mu_);
  LRB_RETURN_IF_ERROR(
      RunInTransaction(db_, TransactionKind::kWrite, doing, [&]() -> absl::Status {
        LRB_ASSIGN_OR_RETURN(const bool failed, internal::MarkRunFailed(db_, run_id, error));
        if (!failed) return NotRunningError(run_id);
        return absl::OkStatus();
      }));
  claimed_.erase(run_id);
  return absl::OkStatus();
}

absl::Status Store::InterruptRun(int64_t run_id, std::string_view message) {
  const std::string doing = absl::StrCat(path_, ": marking run ", run_id, " interrupted");
  LRB_RETURN_IF_ERROR(CheckWritable(doing));
  if (message.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(doing, ": empty message"));
  }
  absl::MutexLock lock(&mu_);
  LRB_RETURN_IF_ERROR(
      RunInTransaction(db_, TransactionKind::kWrite, doing, [&]() -> absl::Status {
        LRB_ASSIGN_OR_RETURN(const bool marked,
                             internal::MarkRunInterrupted(db_, run_id, message));
        if (!marked) return NotRunningError(run_id);
        return absl::OkStatus();
      }));
  claimed_.erase(run_id);
  return absl::OkStatus();
}

absl::Status Store::DeleteRun(std::string_view run_key) {
  const std::string doing = absl::StrFormat("%s: deleting run %s", path_, run_key);
  LRB_RETURN_IF_ERROR(CheckWritable(doing));
  absl::MutexLock lock(&mu_);
  return RunInTransaction(db_, TransactionKind::kWrite, doing,
                          [&]() { return internal::DeleteRunRow(db_, run_key).status(); });
}

absl::StatusOr<Import> Store::ImportFinishedRun(const RunRecord& run) {
  const std::string doing = absl::StrCat(path_, ": adding run ", run.run_key);
  LRB_RETURN_IF_ERROR(CheckWritable(doing));
  if (run.run_key.empty()) return absl::InvalidArgumentError(absl::StrCat(doing, ": empty key"));
  if (run.status != "ok" || !run.incomplete.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: only whole finished runs are added; this one is \"%s\"%s", doing, run.status,
        run.incomplete.empty() ? "" : absl::StrCat(" (", run.incomplete, ")")));
  }
  if (absl::Status valid = internal::ValidateOutcome(run); !valid.ok()) {
    return internal::Annotate(valid, doing);
  }
  absl::MutexLock lock(&mu_);
  Import import;
  LRB_RETURN_IF_ERROR(RunInTransaction(db_, TransactionKind::kWrite, doing, [&]() -> absl::Status {
    import = Import{};
    std::vector<std::string> inherited_suites;
    LRB_ASSIGN_OR_RETURN(const std::optional<internal::RunState> present,
                         internal::FindRunState(db_, run.run_key));
    if (present.has_value()) {
      const internal::RunState& p = *present;
      if (p.status == "ok" && p.incomplete.empty()) {
        LRB_ASSIGN_OR_RETURN(
            const std::vector<RunRecord> mine,
            internal::SelectRuns(db_, internal::RunFilter::kFinishedWithKey, run.run_key));
        if (mine.size() != 1) {
          return absl::InternalError(absl::StrCat("row ", p.id, " vanished while reading it"));
        }
        const std::string difference = FirstDifference(mine.front(), run);
        if (difference.empty()) {
          import.outcome = Import::Outcome::kIdentical;
          LRB_ASSIGN_OR_RETURN(const std::vector<std::string> joined,
                               internal::AddRunToSuites(db_, p.id, internal::SuitesOf(run)));
          if (!joined.empty()) {
            import.note = absl::StrCat("now also in ", absl::StrJoin(joined, ", "));
          }
        } else {
          import.outcome = Import::Outcome::kRefused;
          import.note = absl::StrCat("the output database has other results under this key (",
                                     difference, "; output's first)");
        }
        return absl::OkStatus();
      }
      if (p.status == "running" && !OwnerGone(p.owner, p.heartbeat_unix, run.run_key)) {
        import.outcome = Import::Outcome::kRefused;
        import.note = absl::StrCat("it is being trained in the output database by ",
                                   DescribeOwner(p.owner, owner_));
        return absl::OkStatus();
      }
      import.note = p.status == "ok"
                        ? absl::StrCat("replaced an incomplete ok run (", p.incomplete, ")")
                        : absl::StrCat("replaced ", p.status == "running" ? "an abandoned" : "a",
                                       " ", p.status, " attempt");
      LRB_ASSIGN_OR_RETURN(inherited_suites, DeleteReplacedRow(db_, p.id, run.run_key));
    }
    LRB_ASSIGN_OR_RETURN(const int64_t id, internal::InsertFinishedRun(db_, run));
    return internal::AddRunToSuites(db_, id, inherited_suites).status();
  }));
  return import;
}

absl::StatusOr<std::vector<RunRecord>> Store::LoadRuns(std::string_view suite) {
  return Load(internal::RunFilter::kSuite, suite,
              absl::StrFormat("%s: loading the runs of suite %s", path_, suite));
}

absl::StatusOr<std::vector<RunRecord>> Store::LoadRunsOfDataset(std::string_view dataset_hash) {
  return Load(internal::RunFilter::kDatasetHash, dataset_hash,
              absl::StrFormat("%s: loading the runs on dataset %s", path_, dataset_hash));
}

absl::StatusOr<std::vector<RunRecord>> Store::LoadAllRuns() {
  return Load(internal::RunFilter::kAll, "",
              absl::StrCat(path_, ": loading every run"));
}

absl::StatusOr<std::vector<RunRecord>> Store::Load(internal::RunFilter filter, std::string_view value,
                                                   const std::string& doing) {
  absl::MutexLock lock(&mu_);
  std::vector<RunRecord> runs;
  LRB_RETURN_IF_ERROR(
      RunInTransaction(db_, TransactionKind::kRead, doing, [&]() -> absl::Status {
        LRB_ASSIGN_OR_RETURN(runs, internal::SelectRuns(db_, filter, value));
        return absl::OkStatus();
      }));
  for (RunRecord& run : runs) {
    run.owner_gone =
        run.status == "running" && OwnerGone(run.owner, run.heartbeat_unix, run.run_key);
  }
  return runs;
}

}  // namespace lrb::leaderboard
