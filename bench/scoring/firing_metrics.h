#ifndef LRB_BENCH_SCORING_FIRING_METRICS_H_
#define LRB_BENCH_SCORING_FIRING_METRICS_H_

// How latents fire on the evaluation samples, against the true codes (formulas and ranges in
// docs/metrics.md). Inputs are sparse codes, so every SDL method is scored the same way.
//
// A latent i fires on sample s iff its code a_i(s) != 0; feature j is active iff x_j(s) != 0.
// Each latent is compared with b(i), its best-matching feature by encoder |cos|
// (directions.h):
//   F_i  = #{s : i fires},   A_j = #{s : j active},   TP_i = #{s : i fires and b(i) active}
//   precision_i = TP_i / F_i,  recall_i = TP_i / A_b(i),  F1_i = 2 P R / (P + R)
// (each 0 when its denominator is 0). Dead: F_i == 0. L0: mean number of firing latents per
// sample.
//
// Polysemanticity. Each firing (i, s) is attributed to the active feature that pushes the
// latent's pre-activation hardest in the direction of its code:
//   j*(i, s) = argmax over active j of sign(a_i(s)) * x_j(s) * cos(l_i, w_j)
// (x_j(s) <l_i, w_j> is feature j's term in l_i . x_p(s); ||l_i|| does not change the argmax).
// If no active feature has a positive term the firing is unattributed. A latent with
// F_i >= min_firings is *polysemantic* iff at least two features are each attributed at least
// polysemantic_share * F_i of its firings. Chance co-occurrence cannot make a latent
// polysemantic: a feature that merely happens to be active is not the one pushing it.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/scoring/codes.h"
#include "bench/scoring/cosines.h"

namespace lrb::scoring {

struct FiringOptions {
  int64_t min_firings = 10;  // fewer firings than this: too rare to judge (>= 1)
  // Share of F_i that makes a feature one the latent fires "for", in (0, 0.5]: above 0.5 two
  // features could never both reach it.
  double polysemantic_share = 0.1;
};

struct LatentFiring {
  int32_t matched_feature = -1;  // b(i); -1 for a zero encoder row (then P = R = F1 = 0)
  int64_t firings = 0;           // F_i
  int64_t true_positives = 0;    // TP_i
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  // Features attributed >= polysemantic_share of the firings; 0 when not judged.
  int32_t explaining_features = 0;
  bool polysemantic = false;
};

struct FiringScores {
  int64_t samples = 0;
  std::vector<LatentFiring> latents;          // n_q
  std::vector<int64_t> feature_active_count;  // A_j, n
  // Means over live latents (F_i > 0) whose b(i) is scored (not excluded); 0 if there are none.
  double precision_mean = 0;
  double recall_mean = 0;
  double f1_mean = 0;
  double dead_fraction = 0;          // #{F_i == 0} / n_q
  double polysemantic_fraction = 0;  // #polysemantic / #{F_i >= min_firings}; 0 if none judged
  double l0 = 0;                     // sum_i F_i / samples
};

// truth: samples x n true codes; learned: samples x n_q codes of the same samples;
// encoder_cosines: n x n_q (feature x latent) from the encoder rows; best_feature: b(i), n_q
// entries; excluded: n flags. Fails on disagreeing shapes, malformed codes or no samples.
// O(nnz_learned * mean active features + sort of the attributions) time.
absl::StatusOr<FiringScores> ScoreFiring(const CodesView& truth, const CodesView& learned,
                                         const CosineMatrix& encoder_cosines,
                                         const std::vector<int32_t>& best_feature,
                                         const std::vector<bool>& excluded,
                                         const FiringOptions& options = {});

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_FIRING_METRICS_H_
