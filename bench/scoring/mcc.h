#ifndef LRB_BENCH_SCORING_MCC_H_
#define LRB_BENCH_SCORING_MCC_H_

// Hungarian-matched mean |cos| (MCC): the best one-to-one matching between the scored
// ground-truth features and the latents, by total |cos|, solved exactly (assignment.h):
//   MCC = (1 / #scored) * max over injective matchings m of sum_j |cos(w_j, l_m(j))|,
// where a scored feature left without a latent (only when n_q < #scored) contributes 0.
// Range [0, 1]; MCC <= M_IP, with equality iff the best matches can be made distinct.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/scoring/cosines.h"

namespace lrb::scoring {

struct MatchingScores {
  double mcc = 0;
  // Per ground-truth feature: its matched latent and |cos|; -1 and 0 for excluded features
  // and for features left unmatched.
  std::vector<int32_t> matched_latent;
  std::vector<double> matched_cosine;
};

// The solver runs on the smaller side as rows: #scored x n_q when #scored <= n_q, else the
// transpose. Costs O(#scored x n_q) memory for the cost matrix (64 MB at paper size, 1 GB at
// 16,384 x 16,384) and the solver's time (assignment.h). Fails if the sizes disagree or every
// feature is excluded.
absl::StatusOr<MatchingScores> ScoreMatching(const CosineMatrix& cosines,
                                             const std::vector<bool>& excluded);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_MCC_H_
