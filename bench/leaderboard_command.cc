#include "bench/leaderboard_command.h"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <vector>

#include "bench/scoring/scoring.h"
#include "leaderboard/store/leaderboard_table.h"
#include "util/status_macros.h"

namespace lrb::bench {

absl::Status PrintLeaderboard(leaderboard::Store& store, const Suite& suite,
                              bool include_unclean) {
  LRB_ASSIGN_OR_RETURN(std::vector<leaderboard::RunRecord> runs, store.LoadRuns(suite.id()));
  // Scores from another scorer version are not comparable; `lrb run` rescores them.
  const auto stale = std::remove_if(runs.begin(), runs.end(), [](const auto& run) {
    return run.scorer_version != scoring::kScorerVersion;
  });
  const int64_t stale_count = runs.end() - stale;
  runs.erase(stale, runs.end());
  std::cout << "Leaderboard of " << suite.id() << "\n"
            << leaderboard::FormatLeaderboard(
                   leaderboard::BuildLeaderboard(runs, include_unclean),
                   include_unclean ? 0 : leaderboard::CountUncleanRuns(runs));
  // Never hide a run: whatever is not on the board is counted, by reason.
  std::cout << leaderboard::FormatUnfinishedRuns(leaderboard::CountUnfinishedRuns(runs));
  if (stale_count > 0) {
    std::cout << stale_count << " run(s) scored by another scorer version left out.\n";
  }
  return absl::OkStatus();
}

}  // namespace lrb::bench
