#ifndef LRB_LEADERBOARD_STORE_METRIC_DIRECTION_H_
#define LRB_LEADERBOARD_STORE_METRIC_DIRECTION_H_

// Which way is better for a stored metric (names as in docs/metrics.md), for ranking a
// board (`lrb leaderboard --rank_by`, docs/leaderboard.md). One table: a metric is better
// higher unless it is listed here. Recovery scores (M_GT, M_IP, MCC, uniqueness, precision,
// recall, F1, on either side) are all better higher, so only the exceptions are named.

#include <string_view>

namespace lrb::leaderboard {

enum class Direction { kHigherIsBetter, kLowerIsBetter };

struct LowerIsBetterMetric {
  std::string_view name;
  std::string_view why;  // one line, printed by docs/leaderboard.md's table
};

inline constexpr LowerIsBetterMetric kLowerIsBetterMetrics[] = {
    {"eval.fvu", "unexplained variance of the reconstruction; 0 is perfect"},
    {"eval.l0", "latents firing per sample: at equal recovery, the sparser code"},
    {"eval.dead_fraction", "latents that never fire on the eval set"},
    {"eval.polysemantic_fraction", "latents attributed to two or more features"},
    {"train.dead_fraction", "latents dead at the end of training"},
    {"train.final_loss", "the training objective, minimised"},
    {"train.latents_resampled", "latents the trainer had to revive"},
    {"absorption.mean_rate", "how often a child feature's latent takes its parent's place"},
    {"absorption.absorbed_fraction", "children whose parent's latent is absorbed"},
};

// kLowerIsBetter for the names in kLowerIsBetterMetrics, kHigherIsBetter for any other.
Direction MetricDirection(std::string_view metric);

// "higher" or "lower".
const char* DirectionWord(Direction direction);

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_METRIC_DIRECTION_H_
