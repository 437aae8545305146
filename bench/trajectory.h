#ifndef LRB_BENCH_TRAJECTORY_H_
#define LRB_BENCH_TRAJECTORY_H_

// A run's metric trajectory (train(...,eval_every=E), docs/metrics.md "Trajectories"): after
// every E steps and after the last, the model is scored on the evaluation split exactly as at
// the end of the run (score_model.h), and a few of the scorer's metrics are kept, with the
// mean training loss since the previous point. The last point's metrics therefore equal the
// run's final metrics.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leaderboard/store/run_record.h"

namespace lrb::bench {

// The mean total training loss over the steps since the previous point (its batches, not
// the evaluation split).
inline constexpr std::string_view kTrajectoryLossMetric = "train.loss";

// The scorer's metrics a trajectory keeps, by their stored names: recovery (M_GT at 0.9 and
// 0.95, M_IP) on encoder rows and decoder columns, and the evaluation split's L0, FVU and
// dead fraction.
const std::vector<std::string_view>& TrajectoryScoreMetrics();

// Appends to `trajectory` the point at `step` of every metric of TrajectoryScoreMetrics()
// that `metrics` (a run's flattened scores, RunScores::metrics) has; others are skipped.
void AppendTrajectoryPoints(int64_t step,
                            const std::vector<std::pair<std::string, double>>& metrics,
                            std::vector<leaderboard::TrajectoryPoint>& trajectory);

}  // namespace lrb::bench

#endif  // LRB_BENCH_TRAJECTORY_H_
