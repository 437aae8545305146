#ifndef LRB_LEADERBOARD_STORE_LEADERBOARD_TABLE_H_
#define LRB_LEADERBOARD_STORE_LEADERBOARD_TABLE_H_

// The printed leaderboard: one row per (dataset, method, backend), aggregated over seeds
// (mean and spread), best first. Runs from debug builds or dirty trees are left out of the
// ranking (and counted in a footer line) so a leaderboard never mixes incomparable numbers;
// when asked to include them, they get rows of their own, marked by a build note.

#include <string>
#include <string_view>
#include <vector>

#include "leaderboard/store/run_record.h"

namespace lrb::leaderboard {

// The metrics the leaderboard shows (docs/metrics.md), stored as fractions in [0, 1]. It
// ranks by the paper's definition (encoder rows) and shows the same two metrics on decoder
// columns beside them: under interference a TopK encoder row converges towards a dual of
// the features while its decoder column recovers the feature itself, so the two differ.
inline constexpr std::string_view kMGtMetric = "m_gt@0.95";
inline constexpr std::string_view kMIpMetric = "m_ip";
inline constexpr std::string_view kDecoderMGtMetric = "decoder.m_gt@0.95";
inline constexpr std::string_view kDecoderMIpMetric = "decoder.m_ip";

// One metric over the runs of a row that report it.
struct MetricSummary {
  int count = 0;      // runs reporting it (0: missing, printed as "-")
  double mean = 0;
  double spread = 0;  // sample standard deviation (0 for fewer than two runs)
};

struct LeaderboardRow {
  std::string dataset_spec;
  std::string method_spec;
  std::string backend_used;
  // "" for runs from an optimised build of a clean tree. Otherwise what makes them unclean:
  // "debug" (build_mode "dbg"), another non-"opt" build mode verbatim ("unknown build" when
  // empty), and/or "dirty", joined by ", ". Unclean runs never share a row with clean ones.
  std::string build_note;
  int seeds = 0;  // runs aggregated in this row
  MetricSummary m_gt, m_ip;                  // encoder rows (the paper's metrics)
  MetricSummary decoder_m_gt, decoder_m_ip;  // decoder columns
  double train_seconds_mean = 0;
};

// Aggregates whole finished ("ok" and not `incomplete`) runs; other runs are ignored. `include_unclean` keeps
// debug-build and dirty-tree runs (in rows of their own). Rows come sorted as
// FormatLeaderboard prints them.
std::vector<LeaderboardRow> BuildLeaderboard(const std::vector<RunRecord>& runs,
                                             bool include_unclean);

// The number of finished runs BuildLeaderboard leaves out when !include_unclean.
int CountUncleanRuns(const std::vector<RunRecord>& runs);

// The runs that are not on the board because they are not whole finished runs, by reason.
struct UnfinishedRuns {
  int running = 0;      // "running", owner alive: another process is training them
  int owner_gone = 0;   // "running", owner gone: abandoned (e.g. kill -9, a crashed machine)
  int interrupted = 0;  // stopped by a signal
  int incomplete = 0;   // "ok" but rows missing
  int failed = 0;
  int total() const { return running + owner_gone + interrupted + incomplete + failed; }
};
UnfinishedRuns CountUnfinishedRuns(const std::vector<RunRecord>& runs);

// "Not on the board: 1 interrupted, 2 failed (...). ..." with a newline, or "" when all
// counts are 0.
std::string FormatUnfinishedRuns(const UnfinishedRuns& counts);

// A fixed-width text table with a header; rows grouped by dataset (each dataset spec printed
// once, as a heading line above its rows) and, within a dataset, sorted by M_GT then M_IP
// (descending, missing last, encoder metrics) then method. Rank counts within the dataset; equal scores share
// a rank. M_GT is shown as a percentage ("84.90%"), with "± s" (percentage points) when
// more than one run reports it; M_IP with three decimals; a missing metric as "-". A build
// column appears when some row has a build note. When `unclean_runs_left_out` > 0, a footer
// line says so.
std::string FormatLeaderboard(const std::vector<LeaderboardRow>& rows,
                              int unclean_runs_left_out = 0);

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_LEADERBOARD_TABLE_H_
