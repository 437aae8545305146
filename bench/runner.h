#ifndef LRB_BENCH_RUNNER_H_
#define LRB_BENCH_RUNNER_H_

// Runs a suite's matrix (datasets x methods x backends x seeds) into a Store: generate,
// train, score, record. Finished runs are reused, so an interrupted `lrb run` resumes where
// it stopped and losing a process loses at most the run in flight. Several processes (on
// one machine or several sharing the file) can run one suite at once: each run is claimed
// (Store::ClaimRun) before it trains, a run another live process holds is skipped, and one
// whose owner died is retried.

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "bench/run_tracker.h"
#include "bench/suites.h"
#include "leaderboard/store/store.h"

namespace lrb::bench {

struct RunOptions {
  bool force = false;             // retrain runs that are already finished (not held ones)
  std::ostream* log = nullptr;    // progress lines (with ETA); null for silence
  bool log_is_terminal = false;   // redraw one progress line instead of printing many
  // When set, every model this call trains is exported to <dir>/<run_key>/
  // (model_export.h), after its run is recorded (a failed export loses no scores). Reused
  // runs keep no model; --force retrains them.
  std::string export_models_dir;
  // Told when each claimed run starts and ends (e.g. the signal handler); may be null.
  RunTracker* tracker = nullptr;
};

struct RunSummary {
  int64_t trained = 0;  // trained and recorded ok by this call
  int64_t reused = 0;   // already finished, whole: not trained again
  int64_t failed = 0;   // recorded as failed (e.g. diverged); the suite carries on
  // Held by another live process (`lrb run` elsewhere on the same database): not touched.
  int64_t skipped_held = 0;
  // Trained in place of an earlier failed, interrupted, abandoned or incomplete attempt
  // (included in trained / failed).
  int64_t retried = 0;
  // With export_models_dir: models that could not be written (their runs stay recorded
  // ok), and reused runs, which have no model to export.
  int64_t export_failed = 0;
  int64_t reused_not_exported = 0;

  // Whether every run this call tried ended well: the exit status of `lrb run`.
  bool AllSucceeded() const { return failed == 0 && export_failed == 0; }
};

// Fails only for problems that stop the whole suite: an invalid spec, a dataset that cannot
// be generated, or a storage error. A run that fails (e.g. diverges) is recorded as failed
// with its error and counted in the summary, as is a model that cannot be exported.
absl::StatusOr<RunSummary> RunSuite(const Suite& suite, leaderboard::Store& store,
                                    const RunOptions& options);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RUNNER_H_
