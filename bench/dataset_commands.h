#ifndef LRB_BENCH_DATASET_COMMANDS_H_
#define LRB_BENCH_DATASET_COMMANDS_H_

// The dataset subcommands of `lrb` (`lrb generate` is also the build action of the Bazel
// rule in leaderboard/suite.bzl):
//
//   lrb generate --suite=NAME --out=DIR
//       DIR/suite.json and one dataset directory per dataset of the suite,
//       DIR/dataset_00, DIR/dataset_01, ... (datasets/dataset_io.h). suite.json:
//       {"suite": "paper@1", "description", "fingerprint", "datasets": [{"dir", "spec",
//       "content_hash"}], "methods", "backends", "seeds", "train"}.
//       A dataset directory that already holds the same spec and loads cleanly (hash
//       included) is kept, so an interrupted generate resumes.
//   lrb generate --spec=DATASET_SPEC --out=DIR
//       one dataset directory for any dataset spec (datasets/dataset_spec.h), e.g. a smaller
//       or larger variant of a suite's; kept when DIR already holds that spec, whole.
//   lrb export --dataset=DIR --dense
//       x_p.npy (and x_r.npy for a transcoder) next to the dataset's files; DIR may also be
//       a suite directory, then every dataset of it is exported.
//   lrb import --activations=X.npy [--labels=Y.npy] --out=DIR
//       user activations (datasets/activations.h) as a dataset directory.
//
// Path arguments are checked before any work, and errors name the flag: an empty --out or
// --dataset is "--out=DIR is required"; an --out that exists and is not a directory is
// refused, and so is an --out that is a non-empty directory of something else (import: no
// manifest.json; generate: neither suite.json nor dataset_NN). Every file is written
// atomically (util/atomic_file.h); suite.json is removed at the start of generate and
// written last, so a suite directory is complete exactly when suite.json exists (and a
// dataset directory when its manifest.json does).

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "bench/suites.h"

namespace lrb::bench {

absl::Status GenerateSuiteCommand(const Suite& suite, const std::string& out_dir, int threads,
                                  std::ostream* log);
inline absl::Status GenerateSuiteCommand(const Suite& suite, const std::string& out_dir) {
  return GenerateSuiteCommand(suite, out_dir, /*threads=*/0, nullptr);
}

absl::Status GenerateSpecCommand(const std::string& spec, const std::string& out_dir,
                                 int threads, std::ostream* log);

absl::Status ExportDenseCommand(const std::string& dataset_dir, bool dense, int threads,
                                std::ostream* log);
inline absl::Status ExportDenseCommand(const std::string& dataset_dir, bool dense) {
  return ExportDenseCommand(dataset_dir, dense, /*threads=*/0, nullptr);
}

absl::Status ImportActivationsCommand(const std::string& activations_path,
                                      const std::string& labels_path,
                                      const std::string& out_dir, std::ostream* log);

}  // namespace lrb::bench

#endif  // LRB_BENCH_DATASET_COMMANDS_H_
