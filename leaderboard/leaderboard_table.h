#ifndef LRB_LEADERBOARD_LEADERBOARD_TABLE_H_
#define LRB_LEADERBOARD_LEADERBOARD_TABLE_H_

// The printed leaderboard: one row per (dataset, method, backend), aggregated over seeds
// (mean and spread), best first. Runs from debug builds or dirty trees are left out of the
// ranking (and counted in a footer line) so a leaderboard never mixes incomparable numbers.

#include <string>
#include <vector>

#include "leaderboard/run_record.h"

namespace lrb::leaderboard {

struct LeaderboardRow {
  std::string dataset_spec;
  std::string method_spec;
  std::string backend_used;
  int seeds = 0;
  double m_gt_mean = 0, m_gt_spread = 0;  // spread: sample standard deviation (0 for one seed)
  double m_ip_mean = 0, m_ip_spread = 0;
  double train_seconds_mean = 0;
};

// Aggregates finished ("ok") runs. `include_unclean` keeps debug-build and dirty-tree runs.
std::vector<LeaderboardRow> BuildLeaderboard(const std::vector<RunRecord>& runs,
                                             bool include_unclean);

// A fixed-width text table with a header, sorted by M_GT then M_IP (descending).
std::string FormatLeaderboard(const std::vector<LeaderboardRow>& rows);

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_LEADERBOARD_TABLE_H_
