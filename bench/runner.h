#ifndef LRB_BENCH_RUNNER_H_
#define LRB_BENCH_RUNNER_H_

// Runs a suite's matrix (datasets x methods x backends x seeds), or a slice of it
// (run_plan.h), into a Store: generate or load, train, score, record. Finished runs are reused, so an interrupted `lrb run` resumes where
// it stopped and losing a process loses at most the run in flight. Several processes (on
// one machine or several sharing the file) can run one suite at once: each run is claimed
// (Store::ClaimRun) before it trains, a run another live process holds is skipped, and one
// whose owner died is retried.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/run_plan.h"
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
  // "" generates each dataset; else a directory written by `lrb generate --suite` for this
  // suite, whose datasets are loaded instead (suite.json must carry the suite's id and
  // fingerprint, each dataset its spec and content hash).
  std::string data_dir;
  // Runs of one dataset trained at once, each on its own thread. Every stored result is
  // the same as with jobs = 1 given the same `threads` (each run is a pure function of its
  // inputs; only the order in which runs finish differs). Runs of different datasets never
  // overlap, so at most one dataset is in memory besides the `jobs` models.
  int jobs = 1;
  // Databases to reuse finished runs from (`lrb run --reuse_from`), opened read-only, not
  // owned, tried in order. Before a run is claimed, when the target database has no whole
  // finished run with its key and one of these has, that run is copied into the target
  // (Store::ImportFinishedRun, with its suites) and reused, not trained. Ignored with
  // `force`, which retrains whatever exists.
  std::vector<leaderboard::Store*> reuse_from;
  // The thread count each run uses and records (Environment::threads); 0 for
  // DefaultThreadCount(). It is the caller's job to make the kernels use it
  // (SetDefaultThreadCount in main): the library kernels read the process-wide count.
  int threads = 0;
};

struct RunSummary {
  int64_t trained = 0;  // trained and recorded ok by this call
  int64_t reused = 0;   // already finished, whole: not trained again
  // Reused runs copied from a `reuse_from` database first (included in reused).
  int64_t reused_from_other = 0;
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
// The runs of `plan` (PlanRuns on `suite`), in plan order; the same contract as RunSuite.
absl::StatusOr<RunSummary> RunSuitePlan(const Suite& suite, const RunPlan& plan,
                                        leaderboard::Store& store, const RunOptions& options);

// One run outside any suite (`lrb train`): `method` with `train` (a TrainSpec; "" for the
// default budget) on `backend` ("scalar" or "simd") with `seed`, on the dataset in
// `dataset_dir` (written by `lrb generate` or `lrb import`). Recorded with an empty suite,
// so it is on its dataset's board; reused when already finished, as in a suite.
// A dataset directory loaded once (and its splits materialised once) for several runs
// outside any suite: what `lrb train` does for one run, for many (`lrb tune`).
struct PreparedDataset;
class DatasetRuns {
 public:
  // Loads `dataset_dir` (written by `lrb generate` or `lrb import`). `options` (log,
  // tracker, threads, export directory, force) apply to every run.
  static absl::StatusOr<std::unique_ptr<DatasetRuns>> Load(const std::string& dataset_dir,
                                                           const RunOptions& options);
  ~DatasetRuns();

  // One run, as TrainOnDataset: trained and recorded, or reused when already finished.
  absl::StatusOr<RunSummary> Run(const std::string& method, const std::string& train,
                                 const std::string& backend, uint64_t seed,
                                 leaderboard::Store& store);
  const std::string& dataset_spec() const;  // canonical
  const std::string& dataset_hash() const;  // its content hash (run keys use it)

 private:
  DatasetRuns(std::string dataset_dir, std::unique_ptr<PreparedDataset> prepared,
              RunOptions options);
  const std::string dataset_dir_;
  const std::unique_ptr<PreparedDataset> prepared_;
  const RunOptions options_;
};

absl::StatusOr<RunSummary> TrainOnDataset(const std::string& dataset_dir,
                                          const std::string& method, const std::string& train,
                                          const std::string& backend, uint64_t seed,
                                          leaderboard::Store& store, const RunOptions& options);

// The key a run will be stored under (run_key.h), from its canonical specs, its dataset's
// content hash and the backend this machine runs for `backend` ("simd" -> "simd:AVX2").
absl::StatusOr<std::string> PlannedRunKey(const std::string& dataset_hash,
                                          const std::string& method_spec,
                                          const std::string& train_spec,
                                          const std::string& backend, uint64_t seed);

// Canonical (dataset spec, content hash) of each dataset in a `lrb generate --suite`
// directory, checked against `suite` (id, fingerprint, specs): the data --data_dir reads.
struct SuiteDataEntry {
  std::string dir;           // the dataset's directory
  std::string spec;          // canonical
  std::string content_hash;
};
absl::StatusOr<std::vector<SuiteDataEntry>> ReadSuiteData(const Suite& suite,
                                                          const std::string& data_dir);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RUNNER_H_
