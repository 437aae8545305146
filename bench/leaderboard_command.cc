#include "bench/leaderboard_command.h"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/scoring/scoring.h"
#include "leaderboard/store/leaderboard_table.h"
#include "util/status_macros.h"

namespace lrb::bench {

namespace {

absl::Status PrintRuns(std::vector<leaderboard::RunRecord> runs, const std::string& title,
                       bool include_unclean) {
  // Scores from another scorer version are not comparable; `lrb run` rescores them.
  const auto stale = std::remove_if(runs.begin(), runs.end(), [](const auto& run) {
    return run.scorer_version != scoring::kScorerVersion;
  });
  const int64_t stale_count = runs.end() - stale;
  runs.erase(stale, runs.end());
  std::cout << "Leaderboard of " << title << "\n"
            << leaderboard::FormatLeaderboard(
                   leaderboard::BuildLeaderboard(runs, include_unclean),
                   include_unclean ? 0 : leaderboard::CountUncleanRuns(runs));
  // Never hide a run: whatever is not on the board is counted, by reason.
  std::cout << leaderboard::FormatUnfinishedRuns(leaderboard::CountUnfinishedRuns(runs));
  if (stale_count > 0) {
    std::cout << stale_count << " run(s) scored by another scorer version left out.\n";
  }
  int external = 0;
  for (const leaderboard::RunRecord& run : runs) external += run.external.has_value();
  if (external > 0) {
    std::cout << external
              << " external submission(s) (method external:NAME): dictionaries trained "
                 "outside LRB, scored by `lrb score`.\n";
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PrintLeaderboard(leaderboard::Store& store, const Suite& suite,
                              bool include_unclean) {
  LRB_ASSIGN_OR_RETURN(std::vector<leaderboard::RunRecord> runs, store.LoadRuns(suite.id()));
  return PrintRuns(std::move(runs), suite.id(), include_unclean);
}

absl::Status PrintDatasetLeaderboard(leaderboard::Store& store, const std::string& dataset_hash,
                                     const std::string& dataset_spec, bool include_unclean) {
  LRB_ASSIGN_OR_RETURN(std::vector<leaderboard::RunRecord> runs,
                       store.LoadRunsOfDataset(dataset_hash));
  return PrintRuns(std::move(runs), absl::StrCat(dataset_spec, " (hash ", dataset_hash, ")"),
                   include_unclean);
}

}  // namespace lrb::bench
