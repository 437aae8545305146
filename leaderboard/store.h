#ifndef LRB_LEADERBOARD_STORE_H_
#define LRB_LEADERBOARD_STORE_H_

// The SQLite store: the single home of every run (DESIGN.md section 8).
// STRICT tables, foreign keys, PRAGMA user_version migrations, WAL with a busy timeout,
// one transaction per state change, prepared statements, every return code checked.
// A run is inserted as "running" before training and finished as "ok" or "failed", so
// nothing is silently lost; a second process may read while one writes.
//
// Run lifecycle:   BeginRun -> "running" --FinishRun--> "ok"
//                                        \--FailRun---> "failed"
// Only a "running" run can be finished or failed. BeginRun replaces a "running" or "failed"
// run with the same key (a crashed or failed attempt is retried) and refuses an "ok" one.
//
// Errors name the database file and what was being done. Thread-safe: calls on one Store
// are serialised. Several processes (or Stores) may use one file at once; a writer waits up
// to 10 s for another writer's lock before failing with kUnavailable.

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
#include "leaderboard/run_record.h"

struct sqlite3;

namespace lrb::leaderboard {

class Store {
 public:
  // Opens (creating and migrating as needed) the database at `path`. Fails with a message
  // naming the path if it cannot be opened, is not an LRB database, or has a newer schema
  // than this binary knows. A foreign or newer file is not modified.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  // The finished ("ok") run with this key, if any: lets `lrb run` skip work already done.
  absl::StatusOr<std::optional<RunRecord>> FindFinishedRun(std::string_view run_key);

  // Records the start of a run (status "running"); returns its row id. Only the identity and
  // environment of `run` are stored; its outcome fields are ignored. A previous
  // "running" or "failed" row with the same key is replaced (with its metrics and feature
  // rows); an "ok" one is an error, kAlreadyExists (callers check FindFinishedRun first, or
  // pass --force, which calls DeleteRun). Row ids are never reused.
  absl::StatusOr<int64_t> BeginRun(const RunRecord& run);

  // Marks the running run ok and stores its timings, metrics and feature rows, in one
  // transaction; also its backend_used when `outcome` sets one. Identity fields of `outcome`
  // are ignored. A NaN metric, timing or cosine is refused (kInvalidArgument, naming it) and
  // nothing is written: the run stays "running". kNotFound for an unknown id (e.g. a row
  // replaced by a later BeginRun), kFailedPrecondition if the run is not "running".
  absl::Status FinishRun(int64_t run_id, const RunRecord& outcome);

  // Marks the running run failed with `error` (the message users see; must not be empty).
  // kNotFound / kFailedPrecondition as for FinishRun.
  absl::Status FailRun(int64_t run_id, std::string_view error);

  // Deletes the run with this key, whatever its status, with its metrics and feature rows.
  // A key with no run is not an error, so `--force` works on runs never made before.
  absl::Status DeleteRun(std::string_view run_key);

  // Every run of `suite` (all statuses), oldest first, with metrics and feature rows.
  absl::StatusOr<std::vector<RunRecord>> LoadRuns(std::string_view suite);

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  // Why run `run_id` could not be finished or failed: it does not exist (kNotFound) or has
  // already ended (kFailedPrecondition). Call inside the transaction that tried.
  absl::Status NotRunningError(int64_t run_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  // Owned; closed by the destructor. One connection cannot hold two transactions at once,
  // hence the mutex.
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
  const std::string path_;
};

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_H_
