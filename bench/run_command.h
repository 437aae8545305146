#ifndef LRB_BENCH_RUN_COMMAND_H_
#define LRB_BENCH_RUN_COMMAND_H_

// `lrb run`: trains a suite (or a slice of it) into a database and prints its board;
// `lrb run --dry_run` prints the plan instead; `lrb train`: one run on any dataset directory.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/interrupt.h"
#include "bench/run_plan.h"
#include "bench/runner.h"
#include "bench/suites.h"
#include "leaderboard/store/store.h"

namespace lrb::bench {

struct RunCommandOptions {
  bool force = false;             // retrain finished runs
  std::string export_models_dir;  // "" for none
  RunFilter filter;               // which runs of the suite (run_plan.h)
  std::string data_dir;           // "" generates the datasets; else `lrb generate --suite` output
  int jobs = 1;                   // runs trained at once
  int threads = 0;                // per run; 0 = the machine's cores / jobs (at least 1)
  bool dry_run = false;           // print the plan to stdout, write nothing
  // --reuse_from: databases whose finished runs are copied instead of trained
  // (RunOptions::reuse_from); each must be a readable LRB database other than the target.
  std::vector<std::string> reuse_from;
};

// --threads given `jobs`: `threads` when positive, else cores / jobs, at least 1.
int ThreadsPerRun(int threads, int jobs);

// What every training command (`lrb run`, `lrb train`, `lrb tune`) sets up before training:
// every kernel of the process on `threads` threads, SIGINT/SIGTERM handled (the run in
// flight is marked interrupted, interrupt.h), the database opened (created if missing), and
// run options with progress on stderr (redrawn on a terminal) and that tracker.
struct TrainingSession {
  std::unique_ptr<InterruptHandler> interrupts;
  std::unique_ptr<leaderboard::Store> store;
  RunOptions options;
};
absl::StatusOr<TrainingSession> StartTrainingSession(const std::string& db_path, int threads);

// Opens (creating) the database, handles SIGINT/SIGTERM (interrupt.h: the run in flight is
// marked interrupted and the process dies of the signal), runs the suite with progress on
// stderr, prints a summary line and the board. OK only when every run it tried was recorded
// ok and every requested export was written: a failed run or export is an error (exit 1)
// after the board is printed, so scripts and CI notice it. The --reuse_from databases are
// opened read-only first: one that is missing, unreadable or the target itself, or
// --reuse_from with --force, is a usage error (exit 2) naming it, before anything runs.
absl::Status RunCommand(const Suite& suite, const std::string& db_path,
                        const RunCommandOptions& options);

// `lrb run --dry_run`: each planned run's number, key, state in the database and estimated
// time (the mean of finished runs of the same dataset, method and backend), then totals, to
// `out`. Writes nothing: the database is opened read-only and may not exist. A key needs
// its dataset's content hash: from --data, else from a stored run of that dataset (in the
// database or a `reuse_from` one); "?" until the dataset has been generated once. A run
// missing from the database that a `reuse_from` database has finished is "reuse".
absl::Status DryRunCommand(const Suite& suite, const RunPlan& plan, const std::string& db_path,
                           const RunCommandOptions& options,
                           const std::vector<leaderboard::Store*>& reuse_from, std::ostream& out);

// `lrb train`: one run (runner.h TrainOnDataset) into the database, interruptible like
// `lrb run`; fails (exit 1) when the run fails.
struct TrainCommandOptions {
  std::string dataset_dir;
  std::string method;
  std::string train;  // "" for the default budget
  std::string backend = "simd";
  uint64_t seed = 0;
  int threads = 0;    // 0 = all cores
};
absl::Status TrainCommand(const TrainCommandOptions& options, const std::string& db_path);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RUN_COMMAND_H_
