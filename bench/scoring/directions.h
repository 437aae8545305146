#ifndef LRB_BENCH_SCORING_DIRECTIONS_H_
#define LRB_BENCH_SCORING_DIRECTIONS_H_

// Direction recovery, the paper's metrics (docs/paper.md section 4; formulas in docs/metrics.md):
//   S_ij = |cos(l_i, w_j)|,  s_j = max_i S_ij            (best match; no one-to-one matching)
//   M_GT(tau) = #{scored j : s_j > tau} / #scored           (strictly greater)
//   M_IP      = mean over scored j of s_j                   (the field's MMCS)
//   uniqueness = #{distinct scored b(i) : l_i != 0} / min(#non-zero latents, #scored),
//                with b(i) = argmax_j S_ij, the latent's best-matching feature.
// "Scored" features are those not excluded (the anchors). Latents are never excluded.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/scoring/cosines.h"

namespace lrb::scoring {

// The M_GT curve is taken at tau = 0.50, 0.51, ..., 0.99: TauOfPercent(p) = p / 100.
inline constexpr int kTauCurveFirstPercent = 50;
inline constexpr int kTauCurveLastPercent = 99;
inline double TauOfPercent(int percent) { return percent / 100.0; }

struct DirectionScores {
  // Per ground-truth feature j (all n, excluded ones too): s_j in [0, 1] and the lowest-index
  // latent attaining it; -1 when s_j == 0 (every latent is zero or orthogonal to w_j).
  std::vector<double> best_cosine;
  std::vector<int32_t> best_latent;
  // Per latent i: b(i), the lowest-index feature attaining max_j S_ij; -1 for a zero latent.
  std::vector<int32_t> best_feature;

  int64_t features_scored = 0;
  // m_gt_curve[p - kTauCurveFirstPercent] = M_GT(TauOfPercent(p)).
  std::vector<double> m_gt_curve;
  double m_ip = 0;
  double uniqueness = 0;

  // M_GT at p / 100 for p in [kTauCurveFirstPercent, kTauCurveLastPercent].
  double MGtAtPercent(int percent) const { return m_gt_curve[percent - kTauCurveFirstPercent]; }
};

// excluded: n flags (true = anchored, left out of every average). Fails if the sizes disagree
// or every feature is excluded.
absl::StatusOr<DirectionScores> ScoreDirections(const CosineMatrix& cosines,
                                                const std::vector<bool>& excluded);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_DIRECTIONS_H_
