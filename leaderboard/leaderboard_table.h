#ifndef LRB_LEADERBOARD_LEADERBOARD_TABLE_H_
#define LRB_LEADERBOARD_LEADERBOARD_TABLE_H_

// The printed leaderboard: one row per (dataset, method, backend), aggregated over seeds
// (mean and spread), best first. Runs from debug builds or dirty trees are left out of the
// ranking (and counted in a footer line) so a leaderboard never mixes incomparable numbers;
// when asked to include them, they get rows of their own, marked by a build note.

#include <string>
#include <string_view>
#include <vector>

#include "leaderboard/run_record.h"

namespace lrb::leaderboard {

// The metrics the leaderboard ranks by (PAPER.md section 4), stored as fractions in [0, 1].
inline constexpr std::string_view kMGtMetric = "m_gt@0.95";
inline constexpr std::string_view kMIpMetric = "m_ip";

struct LeaderboardRow {
  std::string dataset_spec;
  std::string method_spec;
  std::string backend_used;
  // "" for runs from an optimised build of a clean tree. Otherwise what makes them unclean:
  // "debug" (build_mode "dbg"), another non-"opt" build mode verbatim ("unknown build" when
  // empty), and/or "dirty", joined by ", ". Unclean runs never share a row with clean ones.
  std::string build_note;
  int seeds = 0;  // runs aggregated in this row
  // Each metric is averaged over the runs that report it: m_gt_count / m_ip_count of them
  // (0: no run has it, and the mean and spread are meaningless and printed as "-").
  int m_gt_count = 0, m_ip_count = 0;
  double m_gt_mean = 0, m_gt_spread = 0;  // spread: sample standard deviation (0 for one seed)
  double m_ip_mean = 0, m_ip_spread = 0;
  double train_seconds_mean = 0;
};

// Aggregates finished ("ok") runs; other statuses are ignored. `include_unclean` keeps
// debug-build and dirty-tree runs (in rows of their own). Rows come sorted as
// FormatLeaderboard prints them.
std::vector<LeaderboardRow> BuildLeaderboard(const std::vector<RunRecord>& runs,
                                             bool include_unclean);

// The number of finished runs BuildLeaderboard leaves out when !include_unclean.
int CountUncleanRuns(const std::vector<RunRecord>& runs);

// A fixed-width text table with a header; rows grouped by dataset (each dataset spec printed
// once, as a heading line above its rows) and, within a dataset, sorted by M_GT then M_IP
// (descending, missing last) then method. Rank counts within the dataset; equal scores share
// a rank. M_GT is shown as a percentage ("84.90%"), with "± s" (percentage points) when
// more than one run reports it; M_IP with three decimals; a missing metric as "-". A build
// column appears when some row has a build note. When `unclean_runs_left_out` > 0, a footer
// line says so.
std::string FormatLeaderboard(const std::vector<LeaderboardRow>& rows,
                              int unclean_runs_left_out = 0);

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_LEADERBOARD_TABLE_H_
