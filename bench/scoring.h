#ifndef LRB_BENCH_SCORING_H_
#define LRB_BENCH_SCORING_H_

// The scorer: how well a trained model recovers the ground truth (PAPER.md section 4).
// Its version enters every run key; bump kScorerVersion whenever any value it produces
// would change.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "leaderboard/run_record.h"
#include "sdl/kernels/kernels.h"

namespace lrb::bench {

inline constexpr char kScorerVersion[] = "score@1";

// Direction recovery of one set of learned directions against the ground truth.
struct RecoveryScores {
  // M_GT(tau): fraction of scored features whose best |cos| exceeds tau (strictly).
  double m_gt_095 = 0;
  double m_gt_090 = 0;
  // M_IP: mean over scored features of the best |cos| (the field's MMCS).
  double m_ip = 0;
  int64_t features_scored = 0;
  // One row per ground-truth feature, anchored ones included (and flagged).
  std::vector<leaderboard::FeatureRow> features;
};

// Scores learned directions (n_q rows of length dim, row-major; encoder rows W_E[i, :] or
// decoder columns) against ground-truth features (n rows of length dim, unit norm):
//   S_ij = |cos(learned_i, feature_j)|,  s_j = max_i S_ij  (no one-to-one matching),
// averaged over features with excluded[j] == false (the anchors). A zero learned row has
// cosine 0 with everything. Fails if shapes disagree or no feature is left to score.
absl::StatusOr<RecoveryScores> ScoreDirections(const float* learned, int64_t n_q,
                                               const float* features, int64_t n, int64_t dim,
                                               const std::vector<bool>& excluded,
                                               const sdl::KernelTable& kernels);

}  // namespace lrb::bench

#endif  // LRB_BENCH_SCORING_H_
