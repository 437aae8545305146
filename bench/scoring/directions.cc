#include "bench/scoring/directions.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_format.h"

namespace lrb::scoring {

absl::StatusOr<DirectionScores> ScoreDirections(const CosineMatrix& cosines,
                                                const std::vector<bool>& excluded) {
  const int64_t n = cosines.features, n_q = cosines.latents;
  if (static_cast<int64_t>(excluded.size()) != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d exclusion flags for %d ground-truth features", excluded.size(), n));
  }
  DirectionScores scores;
  scores.best_cosine.assign(n, 0.0);
  scores.best_latent.assign(n, -1);
  // Column-wise maxima are accumulated row by row so the matrix is read once, in order.
  std::vector<float> latent_best(n_q, 0.0f);
  scores.best_feature.assign(n_q, -1);
  for (int64_t j = 0; j < n; ++j) {
    const float* row = cosines.row(j);
    float best = 0.0f;
    int32_t best_at = -1;
    for (int64_t i = 0; i < n_q; ++i) {
      const float s = std::fabs(row[i]);
      if (s > best) {
        best = s;
        best_at = static_cast<int32_t>(i);
      }
      if (s > latent_best[i]) {
        latent_best[i] = s;
        scores.best_feature[i] = static_cast<int32_t>(j);
      }
    }
    scores.best_cosine[j] = best;
    scores.best_latent[j] = best_at;
  }

  double cos_sum = 0;
  std::vector<int64_t> above(kTauCurveLastPercent - kTauCurveFirstPercent + 1, 0);
  for (int64_t j = 0; j < n; ++j) {
    if (excluded[j]) continue;
    ++scores.features_scored;
    cos_sum += scores.best_cosine[j];
    for (int p = kTauCurveFirstPercent; p <= kTauCurveLastPercent; ++p) {
      above[p - kTauCurveFirstPercent] += scores.best_cosine[j] > TauOfPercent(p);
    }
  }
  if (scores.features_scored == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "all %d features are excluded (anchored); nothing is left to score", n));
  }
  const double scored = static_cast<double>(scores.features_scored);
  scores.m_ip = cos_sum / scored;
  for (const int64_t count : above) scores.m_gt_curve.push_back(count / scored);

  std::vector<char> hit(n, 0);
  int64_t nonzero_latents = 0, distinct = 0;
  for (int64_t i = 0; i < n_q; ++i) {
    // A non-zero latent orthogonal to every feature has no best match and still counts as
    // a latent that could have matched one.
    nonzero_latents += cosines.latent_norms[i] > 0;
    const int32_t b = scores.best_feature[i];
    if (b < 0 || excluded[b] || hit[b]) continue;
    hit[b] = 1;
    ++distinct;
  }
  const int64_t possible = std::min(nonzero_latents, scores.features_scored);
  scores.uniqueness = possible > 0 ? static_cast<double>(distinct) / possible : 0.0;
  return scores;
}

}  // namespace lrb::scoring
