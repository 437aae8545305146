#ifndef LRB_BENCH_RUNNER_H_
#define LRB_BENCH_RUNNER_H_

// Runs a suite's matrix (datasets x methods x backends x seeds) into a Store: generate,
// train, score, record. Finished runs are reused, so an interrupted `lrb run` resumes where
// it stopped and losing a process loses at most the run in flight.

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "bench/suites.h"
#include "leaderboard/store.h"

namespace lrb::bench {

struct RunOptions {
  bool force = false;             // retrain runs that are already finished
  std::ostream* log = nullptr;    // progress lines (with ETA); null for silence
  bool log_is_terminal = false;   // redraw one progress line instead of printing many
  // When set, every model this call trains is exported to <dir>/<run_key>/
  // (model_export.h). Reused runs keep no model; --force retrains them.
  std::string export_models_dir;
};

struct RunSummary {
  int64_t trained = 0;
  int64_t reused = 0;
  int64_t failed = 0;   // recorded as failed (e.g. diverged); the suite carries on
};

// Fails only for problems that stop the whole suite: an invalid spec, a dataset that cannot
// be generated, or a storage error. A run that fails (e.g. diverges) is recorded as failed
// with its error and counted in the summary.
absl::StatusOr<RunSummary> RunSuite(const Suite& suite, leaderboard::Store& store,
                                    const RunOptions& options);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RUNNER_H_
