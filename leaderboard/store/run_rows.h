#ifndef LRB_LEADERBOARD_STORE_RUN_ROWS_H_
#define LRB_LEADERBOARD_STORE_RUN_ROWS_H_

// How a RunRecord maps onto the rows of the `runs`, `metrics`, `feature_results`,
// `trajectories`, `external_submissions` and `run_suites` tables (schema.cc). These functions
// run single statements (or a few); the caller owns the transaction.

#include <sqlite3.h>

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "leaderboard/store/run_record.h"

namespace lrb::leaderboard::internal {

// SQLite integers are signed 64-bit; a uint64 seed is stored as the int64 with the same bit
// pattern (2^64-1 is stored as -1), which maps back exactly.
constexpr int64_t SeedToSql(uint64_t seed) { return std::bit_cast<int64_t>(seed); }
constexpr uint64_t SeedFromSql(int64_t stored) { return std::bit_cast<uint64_t>(stored); }

// Inserts `run`'s identity, environment and external provenance (if any) as a new "running"
// row held by `owner`, stamped with the current UTC time, its heartbeat now, a member of
// `run.suite` only; its outcome fields and `run.suites` are ignored. Returns the new row id.
absl::StatusOr<int64_t> InsertRunningRow(sqlite3* db, const RunRecord& run,
                                         const RunOwner& owner);

// Inserts `run`, a whole finished run read from another database, as an "ok" row with its
// own times, timings, environment, owner, heartbeat, external provenance, metrics, feature
// rows and suites (SuitesOf) (Store::ImportFinishedRun). Validate its outcome first.
// Returns the new id.
absl::StatusOr<int64_t> InsertFinishedRun(sqlite3* db, const RunRecord& run);

// The suites a stored copy of `run` belongs to: `run.suite` and `run.suites`, sorted, each
// once.
std::vector<std::string> SuitesOf(const RunRecord& run);

// The suites run `run_id` belongs to, sorted.
absl::StatusOr<std::vector<std::string>> SuitesOfRun(sqlite3* db, int64_t run_id);

// Makes run `run_id` a member of each of `suites`; returns those it was not a member of
// before, in the order given.
absl::StatusOr<std::vector<std::string>> AddRunToSuites(sqlite3* db, int64_t run_id,
                                                        const std::vector<std::string>& suites);

// Sets a "running" run to "ok" with `outcome`'s timings (and its backend_used, when not
// empty: the backend that actually ran may only be known once training started), stamped
// with the current UTC time, and records how many metrics and feature rows `outcome` has,
// so that loading can tell a whole run from one that lost rows. False if `run_id` is not a
// running run (nothing changed).
absl::StatusOr<bool> MarkRunFinished(sqlite3* db, int64_t run_id, const RunRecord& outcome);

// Sets a "running" run to "failed" with `error` (non-empty). False if `run_id` is not a
// running run (nothing changed).
absl::StatusOr<bool> MarkRunFailed(sqlite3* db, int64_t run_id, std::string_view error);

// Sets a "running" run to "interrupted" with `message` (non-empty). False if `run_id` is
// not a running run (nothing changed).
absl::StatusOr<bool> MarkRunInterrupted(sqlite3* db, int64_t run_id, std::string_view message);

// Sets the heartbeat of a "running" run to now. False if `run_id` is not a running run.
absl::StatusOr<bool> TouchHeartbeat(sqlite3* db, int64_t run_id);

// What an "ok" run with these stored and expected row counts is missing (e.g. "stored 0 of
// 40 metrics"), or "" when it is whole or not "ok". Expected counts of -1 (runs finished
// before schema version 3 recorded them) accept any run with at least one of each.
std::string IncompleteReason(const std::string& status, int64_t expected_metrics,
                             int64_t expected_features, int64_t metrics, int64_t features);

// Checks that `outcome` can be stored exactly: SQLite turns a NaN into NULL, so a NaN metric,
// timing or cosine is refused (naming it) rather than stored as a different value; metric
// names must be non-empty and distinct. Touches no database.
absl::Status ValidateOutcome(const RunRecord& outcome);

// Inserts `outcome`'s metrics and feature rows for run `run_id`. Validate first.
absl::Status InsertOutcomeRows(sqlite3* db, int64_t run_id, const RunRecord& outcome);

// The status of run `run_id`, or NotFound.
absl::StatusOr<std::string> ReadRunStatus(sqlite3* db, int64_t run_id);

struct RunState {
  int64_t id = 0;
  std::string status;
  RunOwner owner;
  int64_t heartbeat_unix = 0;
  std::string incomplete;  // as IncompleteReason
};
// The state of the run with `run_key` (of any status), if there is one.
absl::StatusOr<std::optional<RunState>> FindRunState(sqlite3* db, std::string_view run_key);

// Deletes the run with `run_key` and, by ON DELETE CASCADE, its metrics, feature rows,
// trajectory, provenance and suite memberships. Returns whether there was such a run.
absl::StatusOr<bool> DeleteRunRow(sqlite3* db, std::string_view run_key);

enum class RunFilter {
  kFinishedWithKey,  // the "ok" run whose run_key is the argument (at most one)
  kSuite,            // every run that belongs to the suite named by the argument (run_suites)
  kDatasetHash,      // every run on the dataset with this content hash (any suite, or none)
  kAll,              // every run; the argument is ignored
};

// The runs selected by `filter` with argument `value`, oldest first, each with its metrics
// (sorted by name), feature rows (sorted by feature), trajectory, suites (sorted), owner,
// heartbeat and `incomplete` (IncompleteReason); `owner_gone` is left for the caller to
// judge. Run it inside a read transaction so that its queries see one snapshot.
absl::StatusOr<std::vector<RunRecord>> SelectRuns(sqlite3* db, RunFilter filter,
                                                  std::string_view value);

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_STORE_RUN_ROWS_H_
