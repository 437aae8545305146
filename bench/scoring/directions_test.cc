#include "bench/scoring/directions.h"

#include <cmath>
#include <string>
#include <vector>

#include "bench/scoring/cosines.h"
#include "bench/scoring/test_support.h"
#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"

namespace lrb::scoring {
namespace {

using ::lrb::scoring::testing::HandCosines;
using ::lrb::scoring::testing::RandomUnitRows;

class DirectionsTest : public ::testing::TestWithParam<std::string> {
 protected:
  const sdl::KernelTable& kernels() const { return **sdl::KernelsByName(GetParam()); }

  DirectionScores Score(const std::vector<float>& learned, int64_t n_q,
                        const std::vector<float>& features, int64_t n, int64_t dim,
                        const std::vector<bool>& excluded) {
    const auto cosines =
        ComputeCosines(learned.data(), n_q, features.data(), n, dim, kernels());
    EXPECT_TRUE(cosines.ok()) << cosines.status();
    const auto scores = ScoreDirections(*cosines, excluded);
    EXPECT_TRUE(scores.ok()) << scores.status();
    return *scores;
  }
};

TEST_P(DirectionsTest, OracleDictionaryScoresOneEverywhere) {
  const int64_t n = 300, dim = 64;
  const std::vector<float> features = RandomUnitRows(n, dim, 11, 1);
  const DirectionScores s = Score(features, n, features, n, dim, std::vector<bool>(n));
  for (int p = kTauCurveFirstPercent; p <= kTauCurveLastPercent; ++p) {
    EXPECT_EQ(s.MGtAtPercent(p), 1.0) << "tau " << TauOfPercent(p);
  }
  EXPECT_NEAR(s.m_ip, 1.0, 1e-6);
  EXPECT_EQ(s.uniqueness, 1.0);
  for (int64_t j = 0; j < n; ++j) {
    EXPECT_EQ(s.best_latent[j], j);
    EXPECT_EQ(s.best_feature[j], j);
  }
}

TEST_P(DirectionsTest, ShuffledScaledSignFlippedOracleWithDistractorsScoresOne) {
  const int64_t n = 100, dim = 32, n_q = 250;
  const std::vector<float> features = RandomUnitRows(n, dim, 11, 2);
  std::vector<float> learned = RandomUnitRows(n_q, dim, 11, 3);  // distractors
  for (int64_t j = 0; j < n; ++j) {
    const int64_t slot = (j * 7 + 3) % n_q;  // a permutation into the latents
    const float scale = (j % 2 ? -1.0f : 1.0f) * (0.5f + static_cast<float>(j));
    for (int64_t d = 0; d < dim; ++d) learned[slot * dim + d] = scale * features[j * dim + d];
  }
  const DirectionScores s = Score(learned, n_q, features, n, dim, std::vector<bool>(n));
  EXPECT_EQ(s.MGtAtPercent(99), 1.0);
  EXPECT_NEAR(s.m_ip, 1.0, 1e-6);
  // Distractors match something too, but every feature is already somebody's best match.
  EXPECT_EQ(s.uniqueness, 1.0);
  for (int64_t j = 0; j < n; ++j) EXPECT_EQ(s.best_latent[j], (j * 7 + 3) % n_q);
}

TEST_P(DirectionsTest, RandomDictionaryScoresFarBelowOne) {
  const int64_t n = 200, dim = 256, n_q = 400;
  const std::vector<float> features = RandomUnitRows(n, dim, 11, 4);
  const std::vector<float> learned = RandomUnitRows(n_q, dim, 11, 5);
  const DirectionScores s = Score(learned, n_q, features, n, dim, std::vector<bool>(n));
  // The max of 400 |N(0, 1/256)| is about 3/16: far from recovery.
  EXPECT_LT(s.m_ip, 0.35);
  EXPECT_EQ(s.MGtAtPercent(50), 0.0);
  // 400 latents with uniform best matches over 200 features cover about 1 - e^-2 = 86%.
  EXPECT_GT(s.uniqueness, 0.75);
  EXPECT_LT(s.uniqueness, 0.95);
}

TEST_P(DirectionsTest, AnchoredFeaturesAreExcludedFromEveryAverage) {
  const int64_t n = 10, dim = 16;
  const std::vector<float> features = RandomUnitRows(n, dim, 11, 6);
  std::vector<float> learned = features;
  // Latents 0..3 are garbage; with features 0..3 excluded the rest is a perfect oracle.
  const std::vector<float> garbage = RandomUnitRows(4, dim, 11, 7);
  std::copy(garbage.begin(), garbage.end(), learned.begin());
  std::vector<bool> excluded(n, false);
  for (int j = 0; j < 4; ++j) excluded[j] = true;
  const DirectionScores with = Score(learned, n, features, n, dim, excluded);
  const DirectionScores without = Score(learned, n, features, n, dim, std::vector<bool>(n));
  EXPECT_EQ(with.features_scored, 6);
  EXPECT_EQ(with.MGtAtPercent(95), 1.0);
  EXPECT_NEAR(with.m_ip, 1.0, 1e-6);
  EXPECT_EQ(with.uniqueness, 1.0);
  EXPECT_LT(without.MGtAtPercent(95), 1.0);
  EXPECT_LT(without.m_ip, 0.99);
}

TEST_P(DirectionsTest, ZeroLatentsScoreZeroAndBadShapesAreErrors) {
  const int64_t n = 5, dim = 8;
  const std::vector<float> features = RandomUnitRows(n, dim, 11, 8);
  const std::vector<float> zeros(3 * dim, 0.0f);
  const DirectionScores s = Score(zeros, 3, features, n, dim, std::vector<bool>(n));
  EXPECT_EQ(s.m_ip, 0.0);
  EXPECT_EQ(s.uniqueness, 0.0);
  for (int64_t j = 0; j < n; ++j) EXPECT_EQ(s.best_latent[j], -1);
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(s.best_feature[i], -1);

  const auto cosines = ComputeCosines(zeros.data(), 3, features.data(), n, dim, kernels());
  ASSERT_TRUE(cosines.ok());
  EXPECT_FALSE(ScoreDirections(*cosines, std::vector<bool>(2)).ok());
  EXPECT_FALSE(ScoreDirections(*cosines, std::vector<bool>(n, true)).ok());
  const std::vector<float> zero_feature(n * dim, 0.0f);
  EXPECT_FALSE(ComputeCosines(zeros.data(), 3, zero_feature.data(), n, dim, kernels()).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, DirectionsTest, ::testing::Values("scalar", "simd"),
                         [](const auto& info) { return info.param; });

TEST(DirectionCurveTest, CountsStrictlyAboveEachThreshold) {
  // Best |cos| per feature: 0.97, 0.92, 0.5 (exactly the first threshold: not above), 0.3.
  const CosineMatrix c = HandCosines(4, 2,
                                     {0.97f, 0.1f,    //
                                      -0.92f, 0.2f,   //
                                      0.0f, 0.5f,     //
                                      0.3f, -0.25f});
  const auto s = ScoreDirections(c, std::vector<bool>(4));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->MGtAtPercent(50), 0.5);   // 0.97, 0.92 (0.5 is not > 0.5)
  EXPECT_EQ(s->MGtAtPercent(90), 0.5);
  EXPECT_EQ(s->MGtAtPercent(95), 0.25);  // 0.97
  EXPECT_EQ(s->MGtAtPercent(96), 0.25);
  EXPECT_EQ(s->MGtAtPercent(98), 0.0);
  EXPECT_EQ(s->MGtAtPercent(99), 0.0);
  EXPECT_NEAR(s->m_ip, (0.97 + 0.92 + 0.5 + 0.3) / 4, 1e-7);
  for (int p = kTauCurveFirstPercent + 1; p <= kTauCurveLastPercent; ++p) {
    EXPECT_LE(s->MGtAtPercent(p), s->MGtAtPercent(p - 1)) << "the curve must not increase";
  }
  // Latent 0's best match is feature 0 (0.97), latent 1's is feature 2 (0.5).
  EXPECT_EQ(s->best_feature, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(s->uniqueness, 1.0);  // 2 distinct of min(2 latents, 4 features)
}

TEST(DirectionCurveTest, UniquenessCountsDistinctBestMatches) {
  // Three latents all closest to feature 1: one distinct match of min(3, 3).
  const CosineMatrix c = HandCosines(3, 3,
                                     {0.1f, 0.2f, 0.3f,  //
                                      0.9f, 0.8f, 0.7f,  //
                                      0.0f, 0.1f, 0.2f});
  const auto s = ScoreDirections(c, std::vector<bool>(3));
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->uniqueness, 1.0 / 3);
  // Excluding feature 1 leaves no scored best match at all.
  const auto excluded = ScoreDirections(c, {false, true, false});
  ASSERT_TRUE(excluded.ok());
  EXPECT_EQ(excluded->uniqueness, 0.0);
}

}  // namespace
}  // namespace lrb::scoring
