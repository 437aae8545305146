#include "bench/scoring/mcc.h"

#include <cmath>
#include <limits>
#include <vector>

#include "bench/scoring/cosines.h"
#include "bench/scoring/directions.h"
#include "bench/scoring/test_support.h"
#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "util/philox.h"

namespace lrb::scoring {
namespace {

using ::lrb::scoring::testing::HandCosines;
using ::lrb::scoring::testing::RandomUnitRows;

TEST(MccTest, OneToOneMatchingIsBelowBestMatchWhenFeaturesShareALatent) {
  // Both features like latent 0 best; only one can have it. Best total: f0->l1, f1->l0.
  const CosineMatrix c = HandCosines(2, 2,
                                     {0.9f, -0.8f,  //
                                      0.85f, 0.1f});
  const auto m = ScoreMatching(c, std::vector<bool>(2));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_NEAR(m->mcc, (0.8 + 0.85) / 2, 1e-7);
  EXPECT_EQ(m->matched_latent, (std::vector<int32_t>{1, 0}));
  EXPECT_NEAR(m->matched_cosine[0], 0.8, 1e-7);
  const auto d = ScoreDirections(c, std::vector<bool>(2));
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->m_ip, (0.9 + 0.85) / 2, 1e-7);  // M_IP lets both use latent 0
}

TEST(MccTest, FewerLatentsThanFeaturesLeavesFeaturesUnmatchedAtZero) {
  // 3 features, 2 latents: solved transposed; feature 1 gets nothing.
  const CosineMatrix c = HandCosines(3, 2,
                                     {0.9f, 0.0f,  //
                                      0.5f, 0.4f,  //
                                      0.1f, 0.7f});
  const auto m = ScoreMatching(c, std::vector<bool>(3));
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->mcc, (0.9 + 0.7) / 3, 1e-7);
  EXPECT_EQ(m->matched_latent, (std::vector<int32_t>{0, -1, 1}));
}

TEST(MccTest, ExcludedFeaturesAreNeitherMatchedNorAveraged) {
  const CosineMatrix c = HandCosines(2, 2,
                                     {0.9f, 0.8f,  //
                                      0.85f, 0.1f});
  const auto m = ScoreMatching(c, {true, false});
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->mcc, 0.85, 1e-7);  // feature 1 may now take latent 0
  EXPECT_EQ(m->matched_latent, (std::vector<int32_t>{-1, 0}));
  EXPECT_FALSE(ScoreMatching(c, {true, true}).ok());
  EXPECT_FALSE(ScoreMatching(c, {true}).ok());
}

// MCC on small random matrices against enumeration of all injective matchings.
TEST(MccTest, MatchesBruteForceAndNeverExceedsMip) {
  for (uint64_t trial = 0; trial < 20; ++trial) {
    const int64_t n = 2 + trial % 4, n_q = 1 + (trial * 3) % 6;
    SCOPED_TRACE(::testing::Message() << n << " features x " << n_q << " latents, stream "
                                      << trial);
    const CounterRng rng(5, trial);
    std::vector<float> values(n * n_q);
    for (int64_t e = 0; e < n * n_q; ++e) values[e] = static_cast<float>(rng.Uniform(e) * 2 - 1);
    const CosineMatrix c = HandCosines(n, n_q, values);
    // Enumerate: assign each feature a distinct latent or none.
    std::vector<char> used(n_q, 0);
    double best = 0;
    auto recurse = [&](auto&& self, int64_t j, double sum) -> void {
      if (j == n) {
        best = std::max(best, sum);
        return;
      }
      self(self, j + 1, sum);  // feature j unmatched
      for (int64_t i = 0; i < n_q; ++i) {
        if (used[i]) continue;
        used[i] = 1;
        self(self, j + 1, sum + std::fabs(c.at(j, i)));
        used[i] = 0;
      }
    };
    recurse(recurse, 0, 0.0);
    const auto m = ScoreMatching(c, std::vector<bool>(n));
    ASSERT_TRUE(m.ok());
    EXPECT_NEAR(m->mcc, best / n, 1e-6);
    const auto d = ScoreDirections(c, std::vector<bool>(n));
    ASSERT_TRUE(d.ok());
    EXPECT_LE(m->mcc, d->m_ip + 1e-12);
  }
}

TEST(MccTest, DuplicatedShuffledOracleScoresOneRandomScoresLow) {
  const int64_t n = 50, dim = 40;
  const std::vector<float> features = RandomUnitRows(n, dim, 13, 1);
  // Each feature twice (second copy sign-flipped), in a scrambled order.
  std::vector<float> learned(2 * n * dim);
  for (int64_t j = 0; j < n; ++j) {
    for (int copy = 0; copy < 2; ++copy) {
      const int64_t slot = (j * 2 + copy) * 37 % (2 * n);
      for (int64_t d = 0; d < dim; ++d) {
        learned[slot * dim + d] = (copy ? -1.0f : 1.0f) * features[j * dim + d];
      }
    }
  }
  const auto oracle = ComputeCosines(learned.data(), 2 * n, features.data(), n, dim,
                                     sdl::SimdKernels());
  ASSERT_TRUE(oracle.ok());
  const auto m = ScoreMatching(*oracle, std::vector<bool>(n));
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->mcc, 1.0, 1e-6);

  const std::vector<float> random = RandomUnitRows(2 * n, dim, 13, 2);
  const auto control = ComputeCosines(random.data(), 2 * n, features.data(), n, dim,
                                      sdl::SimdKernels());
  ASSERT_TRUE(control.ok());
  const auto r = ScoreMatching(*control, std::vector<bool>(n));
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r->mcc, 0.5);
}

}  // namespace
}  // namespace lrb::scoring
