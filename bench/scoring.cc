#include "bench/scoring.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_format.h"

namespace lrb::bench {
namespace {

// Copies rows and scales each to unit norm (zero rows stay zero).
std::vector<float> UnitRows(const float* rows, int64_t count, int64_t dim,
                            const sdl::KernelTable& kernels) {
  std::vector<float> unit(rows, rows + count * dim);
  kernels.normalize_rows(unit.data(), count, dim, dim);
  for (int64_t i = 0; i < count; ++i) {
    // normalize_rows leaves near-zero rows unchanged; make them exactly zero so they score 0.
    if (kernels.sum_squares(dim, unit.data() + i * dim) < 0.5) {
      std::fill_n(unit.data() + i * dim, dim, 0.0f);
    }
  }
  return unit;
}

}  // namespace

absl::StatusOr<RecoveryScores> ScoreDirections(const float* learned, int64_t n_q,
                                               const float* features, int64_t n, int64_t dim,
                                               const std::vector<bool>& excluded,
                                               const sdl::KernelTable& kernels) {
  if (n_q < 1 || n < 1 || dim < 1 || static_cast<int64_t>(excluded.size()) != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot score %d learned directions against %d features of dimension %d with %d "
        "exclusion flags",
        n_q, n, dim, excluded.size()));
  }
  const std::vector<float> unit_learned = UnitRows(learned, n_q, dim, kernels);
  const std::vector<float> unit_features = UnitRows(features, n, dim, kernels);

  // cos[j, i] for feature j and latent i, computed in blocks of features to bound memory
  // (n x n_q floats at paper size is 64 MB; a block keeps it to a few MB).
  constexpr int64_t kBlock = 256;
  std::vector<float> cosines(std::min(kBlock, n) * n_q);
  RecoveryScores scores;
  scores.features.resize(n);
  double cos_sum = 0;
  int64_t above_095 = 0, above_090 = 0;
  for (int64_t block = 0; block < n; block += kBlock) {
    const int64_t rows = std::min(kBlock, n - block);
    kernels.gemm_nt(rows, n_q, dim, 1.0f, unit_features.data() + block * dim, dim,
                    unit_learned.data(), dim, 0.0f, cosines.data(), n_q);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t j = block + r;
      const float* row = cosines.data() + r * n_q;
      int64_t best = 0;
      for (int64_t i = 1; i < n_q; ++i) {
        if (std::fabs(row[i]) > std::fabs(row[best])) best = i;
      }
      // Rounding can push |cos| of identical unit vectors a hair above 1.
      const double best_cos = std::min(1.0, static_cast<double>(std::fabs(row[best])));
      leaderboard::FeatureRow& out = scores.features[j];
      out.feature = static_cast<int32_t>(j);
      out.best_latent = static_cast<int32_t>(best);
      out.best_cosine = best_cos;
      out.anchored = excluded[j];
      out.recovered = best_cos > 0.95;
      if (excluded[j]) continue;
      ++scores.features_scored;
      cos_sum += best_cos;
      above_095 += best_cos > 0.95;
      above_090 += best_cos > 0.90;
    }
  }
  if (scores.features_scored == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "all %d features are excluded (anchored); nothing is left to score", n));
  }
  const double count = static_cast<double>(scores.features_scored);
  scores.m_ip = cos_sum / count;
  scores.m_gt_095 = static_cast<double>(above_095) / count;
  scores.m_gt_090 = static_cast<double>(above_090) / count;
  return scores;
}

}  // namespace lrb::bench
