#ifndef LRB_LEADERBOARD_STORE_STORE_H_
#define LRB_LEADERBOARD_STORE_STORE_H_

// The SQLite store: the single home of every run (docs/reliability.md).
// STRICT tables, foreign keys, PRAGMA user_version migrations, WAL with a busy timeout,
// one transaction per state change, prepared statements, every return code checked.
// A run is inserted as "running" before training and finished as "ok", "failed" or
// "interrupted", so nothing is silently lost; a second process may read while one writes.
//
// Run lifecycle:   ClaimRun -> "running" --FinishRun-----> "ok"
//                                        \--FailRun-------> "failed"
//                                        \--InterruptRun--> "interrupted"
// Only a "running" run can be finished, failed or interrupted. Several processes (on one
// machine or several sharing the file) may work through one suite: ClaimRun checks and
// inserts in one write transaction, so exactly one of them gets each run. A "running" run is
// another process's while its owner lives (run_owner.h says how that is decided); a run
// whose owner is gone, a failed or interrupted one, and an "ok" one with missing rows are
// retried.
//
// A run's identity is its key, which leaves the suite out: one run may serve several suites
// (the `paper` suite and the `topk` sweep share a TopK run). The suites it belongs to are
// recorded with it (run_suites, schema v7): the suite that claimed it first, and every suite
// that claimed it afterwards and reused it. LoadRuns(suite) returns the runs that belong to
// the suite, wherever they were trained.
//
// Errors name the database file and what was being done. Thread-safe: calls on one Store
// are serialised (a signal-handling thread may interrupt the run another thread trains).
// A writer waits up to 10 s for another writer's lock before failing with kUnavailable.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/container/flat_hash_map.h"
#include "leaderboard/store/run_owner.h"
#include "leaderboard/store/run_record.h"

struct sqlite3;

namespace lrb::leaderboard {
namespace internal {
enum class RunFilter;  // run_rows.h
}  // namespace internal

struct StoreOptions {
  // The process this Store claims runs for; ThisProcess() when unset. Tests give Stores in
  // one process different owners to act as several processes or machines.
  std::optional<RunOwner> owner;
  // How long another machine's silent run stays its own (run_owner.h).
  std::chrono::seconds lease = kDefaultLease;
};

// What ClaimRun did.
struct Claim {
  enum class Outcome {
    kClaimed,          // a new "running" row for this process: train it
    kAlreadyFinished,  // a whole "ok" run exists: reuse it (it now belongs to the suite too)
    kHeldByAnother,    // another live process is training it: skip it (as above)
  };
  Outcome outcome = Outcome::kClaimed;
  int64_t run_id = 0;  // the new row (kClaimed), the finished row, or the held row
  // kClaimed: what the new row replaced ("" when the key was new), e.g. "an interrupted
  // attempt (interrupted by SIGINT ...)"; kHeldByAnother: who holds it.
  std::string note;
};

// What ImportFinishedRun did.
struct Import {
  enum class Outcome {
    kAdded,      // the run is now in this database (note: what it replaced, "" if nothing)
    kIdentical,  // this database already has the same whole run: only its suites are
                 // united with the imported run's (note: the suites it joined, "" if none)
    kRefused,    // kept this database's row (note: why)
  };
  Outcome outcome = Outcome::kAdded;
  std::string note;
};

class Store {
 public:
  // Opens (creating and migrating as needed) the database at `path`. Fails with a message
  // naming the path if it cannot be opened (saying why: a directory, a missing directory,
  // no permission, a path too long), is not an LRB database, has a newer schema than this
  // binary knows, or is corrupt (PRAGMA integrity_check). Such a file is not modified.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     StoreOptions options = {});

  // Opens an existing database for reading only: no migration, no journal-mode switch, no
  // file created or modified (it works on a read-only file in a read-only directory). The
  // same checks as Open; a file whose schema is older than this binary's is read through a
  // migrated in-memory copy, the file left as it is. Every writing call on such a Store
  // fails with kFailedPrecondition.
  static absl::StatusOr<std::unique_ptr<Store>> OpenReadOnly(const std::string& path,
                                                             StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  const RunOwner& owner() const { return owner_; }

  // The whole finished ("ok") run with this key, if any. An "ok" run with missing rows is
  // not returned.
  absl::StatusOr<std::optional<RunRecord>> FindFinishedRun(std::string_view run_key);

  // Claims the run with `run.run_key` for this process, in one write transaction (BEGIN
  // IMMEDIATE): looks at the row with that key, and
  //  - none, or "failed", "interrupted", "running" with its owner gone, or "ok" but
  //    incomplete: replaces it (with its metrics and feature rows) by a new "running" row
  //    owned by this process, heartbeat now -> kClaimed (note says what was replaced);
  //  - "ok" and whole: kAlreadyFinished, unless `replace_finished` (--force), which
  //    replaces it too;
  //  - "running" and its owner alive (another process, or a run this Store claimed and has
  //    not ended): kHeldByAnother.
  // Whatever the outcome, the row with the key then belongs to `run.suite`; a new row also
  // inherits the suites of the row it replaced. Only the identity and environment of `run`
  // are stored. Row ids are never reused, so a replaced attempt's id can never come to mean
  // another row.
  absl::StatusOr<Claim> ClaimRun(const RunRecord& run, bool replace_finished = false);

  // ClaimRun for callers that expect to get the run: its id, kAlreadyExists for a whole
  // "ok" run, kUnavailable when another process holds it.
  absl::StatusOr<int64_t> BeginRun(const RunRecord& run);

  // Refreshes the heartbeat of a run this process trains, so other machines see it alive.
  // One short write transaction: call it every kHeartbeatInterval, not on every step.
  // kNotFound / kFailedPrecondition as for FinishRun.
  absl::Status Heartbeat(int64_t run_id);

  // Marks the running run ok and stores its timings, metrics and feature rows, in one
  // transaction; also its backend_used when `outcome` sets one. Identity fields of `outcome`
  // are ignored. A NaN metric, timing or cosine is refused (kInvalidArgument, naming it) and
  // nothing is written: the run stays "running". kNotFound for an unknown id (e.g. a row
  // replaced by a later BeginRun), kFailedPrecondition if the run is not "running".
  absl::Status FinishRun(int64_t run_id, const RunRecord& outcome);

  // Marks the running run failed with `error` (the message users see; must not be empty).
  // kNotFound / kFailedPrecondition as for FinishRun.
  absl::Status FailRun(int64_t run_id, std::string_view error);

  // Marks the running run interrupted with `message` (e.g. "interrupted by SIGINT after
  // 12.3 s"; must not be empty). kNotFound / kFailedPrecondition as for FinishRun.
  absl::Status InterruptRun(int64_t run_id, std::string_view message);

  // Deletes the run with this key, whatever its status, with its metrics and feature rows.
  // A key with no run is not an error, so `--force` works on runs never made before.
  absl::Status DeleteRun(std::string_view run_key);

  // Copies `run`, a whole finished run read from another database (`lrb merge`), into this
  // one in one write transaction, never losing what this database has:
  //  - no row with its key, or a "failed", "interrupted", abandoned "running" or incomplete
  //    "ok" one: stored as it is (times, environment, provenance, metrics, feature rows,
  //    suites; the replaced attempt is deleted, as ClaimRun does, and its suites are
  //    inherited) -> kAdded;
  //  - a whole "ok" row that agrees with it (FirstDifference is "") -> kIdentical, the row
  //    now also belonging to every suite `run` belongs to;
  //  - a whole "ok" row that disagrees, or a "running" row whose owner lives -> kRefused,
  //    this database unchanged.
  // kInvalidArgument if `run` is not a whole "ok" run or holds a NaN.
  absl::StatusOr<Import> ImportFinishedRun(const RunRecord& run);

  // Every run that belongs to `suite` (all statuses; trained for it or reused by it), oldest
  // first, with metrics, feature rows and suites; `owner_gone` and `incomplete` say which
  // "running" and "ok" runs will never be whole.
  absl::StatusOr<std::vector<RunRecord>> LoadRuns(std::string_view suite);

  // As LoadRuns, for every run on the dataset with this content hash, whatever its suite
  // (including "" for `lrb train` runs and external submissions).
  absl::StatusOr<std::vector<RunRecord>> LoadRunsOfDataset(std::string_view dataset_hash);

  // As LoadRuns, for every run in the database.
  absl::StatusOr<std::vector<RunRecord>> LoadAllRuns();

 private:
  Store(sqlite3* db, std::string path, bool read_only, StoreOptions options);

  // kFailedPrecondition naming `doing` when this Store was opened read-only.
  absl::Status CheckWritable(const std::string& doing) const;

  // Whether a "running" row owned by `owner` with that heartbeat is abandoned.
  bool OwnerGone(const RunOwner& owner, int64_t heartbeat_unix, std::string_view run_key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Why run `run_id` could not be finished or failed: it does not exist (kNotFound) or has
  // already ended (kFailedPrecondition). Call inside the transaction that tried.
  absl::Status NotRunningError(int64_t run_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // SelectRuns in a read transaction, with owner_gone judged.
  absl::StatusOr<std::vector<RunRecord>> Load(internal::RunFilter filter, std::string_view value,
                                              const std::string& doing);

  absl::Mutex mu_;
  // Owned; closed by the destructor. One connection cannot hold two transactions at once,
  // hence the mutex.
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
  const std::string path_;
  const bool read_only_;
  const RunOwner owner_;
  const std::chrono::seconds lease_;
  // Runs this Store claimed and has not ended: id -> run key. A "running" row of this
  // process that is not here was left by an earlier Store of this process and is abandoned.
  absl::flat_hash_map<int64_t, std::string> claimed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_STORE_H_
