#include "bench/scoring/mcc.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/scoring/assignment.h"
#include "util/status_macros.h"

namespace lrb::scoring {

absl::StatusOr<MatchingScores> ScoreMatching(const CosineMatrix& cosines,
                                             const std::vector<bool>& excluded) {
  const int64_t n = cosines.features, n_q = cosines.latents;
  if (static_cast<int64_t>(excluded.size()) != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d exclusion flags for %d ground-truth features", excluded.size(), n));
  }
  std::vector<int32_t> scored;
  for (int64_t j = 0; j < n; ++j) {
    if (!excluded[j]) scored.push_back(static_cast<int32_t>(j));
  }
  const int64_t n_s = static_cast<int64_t>(scored.size());
  if (n_s == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "all %d features are excluded (anchored); nothing is left to match", n));
  }
  MatchingScores scores;
  scores.matched_latent.assign(n, -1);
  scores.matched_cosine.assign(n, 0.0);
  // Maximising total |cos| is minimising total -|cos|.
  const bool features_are_rows = n_s <= n_q;
  const int64_t rows = features_are_rows ? n_s : n_q;
  const int64_t cols = features_are_rows ? n_q : n_s;
  std::vector<float> cost(rows * cols);
  for (int64_t s = 0; s < n_s; ++s) {
    const float* cos_row = cosines.row(scored[s]);
    for (int64_t i = 0; i < n_q; ++i) {
      const float c = -std::fabs(cos_row[i]);
      if (features_are_rows) {
        cost[s * cols + i] = c;
      } else {
        cost[i * cols + s] = c;
      }
    }
  }
  LRB_ASSIGN_OR_RETURN(const Assignment assignment,
                       SolveAssignment(cost.data(), rows, cols, cols));
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = assignment.column_of_row[r];
    const int64_t s = features_are_rows ? r : c;
    const int64_t latent = features_are_rows ? c : r;
    const int32_t feature = scored[s];
    scores.matched_latent[feature] = static_cast<int32_t>(latent);
    scores.matched_cosine[feature] = std::fabs(cosines.at(feature, latent));
    total += scores.matched_cosine[feature];
  }
  scores.mcc = total / static_cast<double>(n_s);
  return scores;
}

}  // namespace lrb::scoring
