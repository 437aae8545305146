#ifndef LRB_BENCH_LEADERBOARD_COMMAND_H_
#define LRB_BENCH_LEADERBOARD_COMMAND_H_

// `lrb leaderboard`: prints a suite's or a dataset's board from a store (docs/leaderboard.md).

#include <string>

#include "absl/status/status.h"
#include "bench/suites.h"
#include "leaderboard/store/board_format.h"
#include "leaderboard/store/store.h"

namespace lrb::bench {

struct LeaderboardOptions {
  // A stored metric name (docs/metrics.md); which way is better: metric_direction.h.
  std::string rank_by = std::string(leaderboard::kDefaultRankMetric);
  leaderboard::BoardFormat format = leaderboard::BoardFormat::kText;
  bool include_unclean = false;  // --all: runs from debug builds and dirty trees too
};

// Prints the board of `suite` to stdout in `options.format`, with the footers counting the
// runs not on it (for csv, on stderr, so that stdout is the table alone). Runs scored by
// another scorer version are left off and counted. An unknown rank metric is a usage
// error (exit 2) naming it.
absl::Status PrintLeaderboard(leaderboard::Store& store, const Suite& suite,
                              const LeaderboardOptions& options);

// The board of one dataset: every run whose dataset_hash is `dataset_hash`, whatever its
// suite (suite runs, `lrb train` runs, external submissions, whose method reads
// "external:NAME"), printed as PrintLeaderboard does.
absl::Status PrintDatasetLeaderboard(leaderboard::Store& store, const std::string& dataset_hash,
                                     const std::string& dataset_spec,
                                     const LeaderboardOptions& options);

// The default board (text, default rank metric), as `lrb run`, `lrb score` print it.
absl::Status PrintLeaderboard(leaderboard::Store& store, const Suite& suite, bool include_unclean);
absl::Status PrintDatasetLeaderboard(leaderboard::Store& store, const std::string& dataset_hash,
                                     const std::string& dataset_spec, bool include_unclean);

}  // namespace lrb::bench

#endif  // LRB_BENCH_LEADERBOARD_COMMAND_H_
