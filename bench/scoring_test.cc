#include "bench/scoring.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "util/philox.h"

namespace lrb::bench {
namespace {

// n unit Gaussian rows of length dim.
std::vector<float> UnitRows(int64_t n, int64_t dim, uint64_t stream) {
  const CounterRng rng(11, stream);
  std::vector<float> rows(n * dim);
  for (int64_t j = 0; j < n; ++j) {
    double norm = 0;
    for (int64_t d = 0; d < dim; ++d) {
      rows[j * dim + d] = static_cast<float>(rng.Normal(j * dim + d));
      norm += rows[j * dim + d] * rows[j * dim + d];
    }
    for (int64_t d = 0; d < dim; ++d) rows[j * dim + d] /= std::sqrt(norm);
  }
  return rows;
}

class ScoringTest : public ::testing::TestWithParam<std::string> {
 protected:
  const sdl::KernelTable& kernels() const { return **sdl::KernelsByName(GetParam()); }
};

TEST_P(ScoringTest, OracleDictionaryScoresOne) {
  const int64_t n = 300, dim = 64;
  const std::vector<float> features = UnitRows(n, dim, 1);
  const auto scores =
      ScoreDirections(features.data(), n, features.data(), n, dim, std::vector<bool>(n), kernels());
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ(scores->m_gt_095, 1.0);
  EXPECT_EQ(scores->m_gt_090, 1.0);
  EXPECT_NEAR(scores->m_ip, 1.0, 1e-6);
  for (int64_t j = 0; j < n; ++j) EXPECT_EQ(scores->features[j].best_latent, j);
}

TEST_P(ScoringTest, ShuffledScaledSignFlippedOracleWithExtraLatentsScoresOne) {
  const int64_t n = 100, dim = 32, n_q = 250;
  const std::vector<float> features = UnitRows(n, dim, 2);
  std::vector<float> learned = UnitRows(n_q, dim, 3);  // distractors
  for (int64_t j = 0; j < n; ++j) {
    const int64_t slot = (j * 7 + 3) % n_q;  // a permutation into the latents
    const float scale = (j % 2 ? -1.0f : 1.0f) * (0.5f + static_cast<float>(j));
    for (int64_t d = 0; d < dim; ++d) learned[slot * dim + d] = scale * features[j * dim + d];
  }
  const auto scores =
      ScoreDirections(learned.data(), n_q, features.data(), n, dim, std::vector<bool>(n), kernels());
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ(scores->m_gt_095, 1.0);
  EXPECT_NEAR(scores->m_ip, 1.0, 1e-6);
  for (int64_t j = 0; j < n; ++j) EXPECT_EQ(scores->features[j].best_latent, (j * 7 + 3) % n_q);
}

TEST_P(ScoringTest, RandomDictionaryScoresFarBelowOne) {
  const int64_t n = 200, dim = 256, n_q = 400;
  const std::vector<float> features = UnitRows(n, dim, 4);
  const std::vector<float> learned = UnitRows(n_q, dim, 5);
  const auto scores =
      ScoreDirections(learned.data(), n_q, features.data(), n, dim, std::vector<bool>(n), kernels());
  ASSERT_TRUE(scores.ok());
  // The max of 400 |N(0, 1/256)| is about 3/16; far from recovery.
  EXPECT_LT(scores->m_ip, 0.35);
  EXPECT_EQ(scores->m_gt_090, 0.0);
}

TEST_P(ScoringTest, AnchoredFeaturesAreExcludedFromBothAverages) {
  const int64_t n = 10, dim = 16;
  const std::vector<float> features = UnitRows(n, dim, 6);
  std::vector<float> learned = features;
  // Latents 0..3 are garbage; with features 0..3 excluded the rest is a perfect oracle.
  const std::vector<float> garbage = UnitRows(4, dim, 7);
  std::copy(garbage.begin(), garbage.end(), learned.begin());
  std::vector<bool> excluded(n, false);
  for (int j = 0; j < 4; ++j) excluded[j] = true;
  const auto with_exclusion =
      ScoreDirections(learned.data(), n, features.data(), n, dim, excluded, kernels());
  const auto without =
      ScoreDirections(learned.data(), n, features.data(), n, dim, std::vector<bool>(n), kernels());
  ASSERT_TRUE(with_exclusion.ok() && without.ok());
  EXPECT_EQ(with_exclusion->features_scored, 6);
  EXPECT_EQ(with_exclusion->m_gt_095, 1.0);
  EXPECT_LT(without->m_gt_095, 1.0);
  EXPECT_TRUE(with_exclusion->features[0].anchored);
  EXPECT_FALSE(with_exclusion->features[5].anchored);
}

TEST_P(ScoringTest, ZeroLatentsScoreZeroAndBadShapesAreErrors) {
  const int64_t n = 5, dim = 8;
  const std::vector<float> features = UnitRows(n, dim, 8);
  const std::vector<float> zeros(3 * dim, 0.0f);
  const auto scores =
      ScoreDirections(zeros.data(), 3, features.data(), n, dim, std::vector<bool>(n), kernels());
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ(scores->m_ip, 0.0);
  EXPECT_FALSE(
      ScoreDirections(zeros.data(), 3, features.data(), n, dim, std::vector<bool>(2), kernels())
          .ok());
  EXPECT_FALSE(ScoreDirections(zeros.data(), 3, features.data(), n, dim,
                               std::vector<bool>(n, true), kernels())
                   .ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, ScoringTest, ::testing::Values("scalar", "simd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lrb::bench
