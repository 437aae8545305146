#ifndef LRB_BENCH_MERGE_COMMAND_H_
#define LRB_BENCH_MERGE_COMMAND_H_

// `lrb merge --db=OUT IN.db [IN.db ...] [--data=DIR]`: gathers the finished runs of databases
// written by shards, processes or machines into OUT (created if missing).
//
// Each whole finished run of the inputs is, by its run key:
//   added     OUT did not have it (or had only a failed, interrupted, abandoned or
//             incomplete attempt, which it replaces, as `lrb run` would);
//   skipped   OUT already has the same results (so merging twice adds nothing; the run
//             then also joins every suite it belongs to in its input), or the run is not
//             finished in its input (running, failed, interrupted, incomplete);
//   refused   with the reason: its suite is unknown to this lrb, its dataset is not one of
//             the suite's or its dataset_hash is not the hash of the suite's dataset
//             (SuiteDatasetHashes), two inputs disagree about the key, OUT holds other
//             results under the key, or OUT has it running.
// A run is added with every suite it belongs to in its input (Store::ImportFinishedRun), and
// its dataset is checked against the suite it was trained for (RunRecord::suite). Runs with
// no suite (`lrb train`, `lrb score` without --suite) have no spec to check their dataset
// against; they are added as they are. OUT is only ever added to, one run per write
// transaction (Store::ImportFinishedRun), so another process may use OUT meanwhile and an
// interrupted merge leaves whole runs only; the inputs are opened read-only.

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/suite_dataset_hashes.h"

namespace lrb::bench {

struct MergeSummary {
  int added = 0;
  int already_present = 0;  // skipped: OUT had the same results
  int unfinished = 0;       // skipped: not a whole finished run in its input
  int refused = 0;
  std::vector<std::string> refusals;  // one line per refused run: which, from where, why
  std::vector<std::string> replaced;  // one line per added run that replaced an attempt
  // One line per run OUT already had that joined suites it was not in yet (counted in
  // already_present).
  std::vector<std::string> joined;
};

absl::StatusOr<MergeSummary> MergeDatabases(const std::string& out_path,
                                            const std::vector<std::string>& input_paths,
                                            SuiteDatasetHashes& dataset_hashes);

// "merged 2 database(s) into OUT: 4 added, 2 skipped (...), 1 refused" and the refusals.
std::string FormatMergeSummary(const std::string& out_path, int inputs,
                               const MergeSummary& summary);

// MergeDatabases, the summary printed to `out`; FailedPrecondition (exit 1) when a run was
// refused. data_dir: "" or a suite directory for the dataset hashes.
absl::Status MergeCommand(const std::string& out_path, const std::vector<std::string>& inputs,
                          const std::string& data_dir, std::ostream& out);

}  // namespace lrb::bench

#endif  // LRB_BENCH_MERGE_COMMAND_H_
