#include "bench/scoring/firing_metrics.h"

#include <utility>
#include <vector>

#include "bench/scoring/codes.h"
#include "bench/scoring/test_support.h"
#include "gtest/gtest.h"

namespace lrb::scoring {
namespace {

using ::lrb::scoring::testing::AllRows;
using ::lrb::scoring::testing::MakeCodes;
using Row = std::vector<std::pair<int32_t, float>>;

CosineMatrix HandCosines(int64_t features, int64_t latents, std::vector<float> values) {
  CosineMatrix c;
  c.features = features;
  c.latents = latents;
  c.values = std::move(values);
  c.latent_norms.assign(latents, 1.0f);
  return c;
}

// 3 features, 5 latents, 20 samples, every count chosen by hand:
//   feature 0 active on s0..s9, feature 1 on s5..s14, feature 2 on s0 and s15..s19 (x = 1);
//   latent 0 (feature 0's) fires on s0..s8 and falsely on s19: P = R = 9/10;
//   latent 1 (feature 1's) fires exactly when feature 1 is active: P = R = 1;
//   latent 2 (feature 2's) fires on s15..s19 but misses s0: P = 1, R = 5/6;
//   latent 3 points between features 0 and 1 and fires whenever either is active: 10 of its
//     15 firings are feature 0's, 5 feature 1's -> polysemantic; against b = 0, P = 2/3, R = 1;
//   latent 4 never fires (a stored zero is not a firing).
class HandBuiltFiringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cosines_ = HandCosines(3, 5,
                           {1.0f, 0.0f, 0.0f, 0.71f, 0.0f,  //
                            0.0f, 1.0f, 0.0f, 0.70f, 0.0f,  //
                            0.0f, 0.0f, 0.9f, 0.0f, 0.3f});
    std::vector<Row> truth(20), learned(20);
    for (int s = 0; s < 20; ++s) {
      if (s < 10) truth[s].emplace_back(0, 1.0f);
      if (s >= 5 && s < 15) truth[s].emplace_back(1, 1.0f);
      if (s == 0 || s >= 15) truth[s].emplace_back(2, 1.0f);
      if (s < 9 || s == 19) learned[s].emplace_back(0, 2.0f);
      if (s >= 5 && s < 15) learned[s].emplace_back(1, 0.5f);
      if (s >= 15) learned[s].emplace_back(2, 1.0f);
      if (s < 15) learned[s].emplace_back(3, 0.25f);
    }
    learned[3].emplace_back(4, 0.0f);
    truth_ = MakeCodes(3, truth);
    learned_ = MakeCodes(5, learned);
  }

  absl::StatusOr<FiringScores> Score(const std::vector<bool>& excluded) {
    return ScoreFiring(AllRows(truth_), AllRows(learned_), cosines_, best_feature_, excluded);
  }

  CosineMatrix cosines_;
  datasets::SparseCodes truth_, learned_;
  const std::vector<int32_t> best_feature_ = {0, 1, 2, 0, 2};
};

TEST_F(HandBuiltFiringTest, PerLatentCountsAndRatios) {
  const auto f = Score(std::vector<bool>(3));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->samples, 20);
  EXPECT_EQ(f->feature_active_count, (std::vector<int64_t>{10, 10, 6}));
  const std::vector<int64_t> firings = {10, 10, 5, 15, 0};
  const std::vector<int64_t> true_positives = {9, 10, 5, 10, 0};
  const std::vector<double> precision = {0.9, 1.0, 1.0, 2.0 / 3, 0.0};
  const std::vector<double> recall = {0.9, 1.0, 5.0 / 6, 1.0, 0.0};
  const std::vector<double> f1 = {0.9, 1.0, 10.0 / 11, 0.8, 0.0};
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(::testing::Message() << "latent " << i);
    const LatentFiring& latent = f->latents[i];
    EXPECT_EQ(latent.matched_feature, best_feature_[i]);
    EXPECT_EQ(latent.firings, firings[i]);
    EXPECT_EQ(latent.true_positives, true_positives[i]);
    EXPECT_DOUBLE_EQ(latent.precision, precision[i]);
    EXPECT_DOUBLE_EQ(latent.recall, recall[i]);
    EXPECT_NEAR(latent.f1, f1[i], 1e-12);
  }
}

TEST_F(HandBuiltFiringTest, DeadPolysemanticAndL0) {
  const auto f = Score(std::vector<bool>(3));
  ASSERT_TRUE(f.ok());
  EXPECT_DOUBLE_EQ(f->dead_fraction, 1.0 / 5);
  EXPECT_DOUBLE_EQ(f->l0, 40.0 / 20);
  // Judged (>= 10 firings): latents 0, 1, 3. Latent 0's false firing on s19 has no active
  // feature pushing it (feature 2 is orthogonal) and stays unattributed.
  EXPECT_EQ(f->latents[0].explaining_features, 1);
  EXPECT_EQ(f->latents[1].explaining_features, 1);
  EXPECT_EQ(f->latents[2].explaining_features, 0);  // 5 firings: not judged
  EXPECT_EQ(f->latents[3].explaining_features, 2);
  EXPECT_TRUE(f->latents[3].polysemantic);
  EXPECT_FALSE(f->latents[0].polysemantic);
  EXPECT_DOUBLE_EQ(f->polysemantic_fraction, 1.0 / 3);
  EXPECT_NEAR(f->f1_mean, (0.9 + 1.0 + 10.0 / 11 + 0.8) / 4, 1e-12);
  EXPECT_NEAR(f->precision_mean, (0.9 + 1.0 + 1.0 + 2.0 / 3) / 4, 1e-12);
  EXPECT_NEAR(f->recall_mean, (0.9 + 1.0 + 5.0 / 6 + 1.0) / 4, 1e-12);
}

TEST_F(HandBuiltFiringTest, ShareThresholdDecidesPolysemanticity) {
  // Feature 1 holds 5 / 15 = 33% of latent 3's firings: polysemantic at 10% or 33%, not 34%.
  FiringOptions strict;
  strict.polysemantic_share = 0.34;
  const auto f = ScoreFiring(AllRows(truth_), AllRows(learned_), cosines_, best_feature_,
                             std::vector<bool>(3), strict);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->latents[3].polysemantic);
  EXPECT_EQ(f->polysemantic_fraction, 0.0);
}

TEST_F(HandBuiltFiringTest, LatentsMatchedToExcludedFeaturesLeaveTheMeans) {
  const auto f = Score({true, false, false});  // latents 0 and 3 match feature 0
  ASSERT_TRUE(f.ok());
  EXPECT_NEAR(f->f1_mean, (1.0 + 10.0 / 11) / 2, 1e-12);
  EXPECT_DOUBLE_EQ(f->latents[0].f1, 0.9);  // still reported per latent
}

TEST(FiringTest, NegativeCodesAreAttributedToAntiAlignedFeatures) {
  // Latent 0 = -w_0 fires with -x_0: feature 0 explains it, feature 1 (aligned +) does not.
  const CosineMatrix c = HandCosines(2, 1, {-1.0f, 0.5f});
  std::vector<Row> truth(12), learned(12);
  for (int s = 0; s < 12; ++s) {
    truth[s] = {{0, 1.0f}, {1, 3.0f}};
    learned[s] = {{0, -1.0f}};
  }
  const datasets::SparseCodes t = MakeCodes(2, truth), l = MakeCodes(1, learned);
  const auto f = ScoreFiring(AllRows(t), AllRows(l), c, {0}, std::vector<bool>(2));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->latents[0].explaining_features, 1);
  EXPECT_FALSE(f->latents[0].polysemantic);
  EXPECT_EQ(f->latents[0].f1, 1.0);
}

TEST(FiringTest, RejectsDisagreeingShapesAndMalformedCodes) {
  const CosineMatrix c = HandCosines(2, 2, {1, 0, 0, 1});
  const datasets::SparseCodes t = MakeCodes(2, {{{0, 1.0f}}, {{1, 1.0f}}});
  const datasets::SparseCodes l = MakeCodes(2, {{{0, 1.0f}}, {{1, 1.0f}}});
  EXPECT_TRUE(ScoreFiring(AllRows(t), AllRows(l), c, {0, 1}, {false, false}).ok());
  EXPECT_FALSE(ScoreFiring(AllRows(t), ViewRows(l, 0, 1), c, {0, 1}, {false, false}).ok());
  EXPECT_FALSE(ScoreFiring(AllRows(t), AllRows(l), c, {0}, {false, false}).ok());
  EXPECT_FALSE(ScoreFiring(AllRows(t), AllRows(l), c, {0, 1}, {false}).ok());
  const datasets::SparseCodes out_of_range = MakeCodes(2, {{{0, 1.0f}}, {{2, 1.0f}}});
  EXPECT_FALSE(ScoreFiring(AllRows(t), AllRows(out_of_range), c, {0, 1}, {false, false}).ok());
  const datasets::SparseCodes repeated = MakeCodes(2, {{{0, 1.0f}, {0, 2.0f}}, {}});
  EXPECT_FALSE(ScoreFiring(AllRows(t), AllRows(repeated), c, {0, 1}, {false, false}).ok());
}

}  // namespace
}  // namespace lrb::scoring
