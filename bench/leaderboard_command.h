#ifndef LRB_BENCH_LEADERBOARD_COMMAND_H_
#define LRB_BENCH_LEADERBOARD_COMMAND_H_

// `lrb leaderboard`: prints a suite's or a dataset's board from a store.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/suites.h"
#include "leaderboard/store/store.h"

namespace lrb::bench {

// Prints the leaderboard of `suite` to stdout, with footers counting the runs not on it:
// unfinished ones by reason (running, abandoned, interrupted, incomplete, failed) and runs
// scored by another scorer version. `include_unclean` keeps debug-build and dirty-tree runs.
absl::Status PrintLeaderboard(leaderboard::Store& store, const Suite& suite,
                              bool include_unclean);

// The board of one dataset: every run whose dataset_hash is `dataset_hash`, whatever its
// suite (suite runs, `lrb train` runs, external submissions, whose method reads
// "external:NAME"), with the same footers. `dataset_spec` is printed in the heading.
absl::Status PrintDatasetLeaderboard(leaderboard::Store& store, const std::string& dataset_hash,
                                     const std::string& dataset_spec, bool include_unclean);

}  // namespace lrb::bench

#endif  // LRB_BENCH_LEADERBOARD_COMMAND_H_
