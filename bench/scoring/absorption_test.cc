#include "bench/scoring/absorption.h"

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

// Features: 0 is a root with children 1 and 2; 4 is a child of 1 (a grandchild of 0); 3 is
// an unrelated root. Latent j is feature j's best latent; latent 5 carries the direction
// w_0 + w_1 (it has absorbed the parent into the child). Decoder cosines with the parents:
// latent 1 carries 0.3 of w_0, latent 5 0.7 of w_0 and of w_1, latent 4 0.5 of w_1.
//   s0..s3  features 0, 1       latent 0 fires only on s0; s1, s2: latents 1 and 5 fire
//                              (taker 5: 0.7 > 0.3); s3: latent 1 alone (taker 1)
//   s4, s5  features 0, 2       latents 0 and 2 fire: no absorption
//   s6      features 0, 1, 4    latents 0 and 4 fire: child 1 is fine (latent 0 fires), child
//                              4 is absorbed (latent 1 silent) and taken by latent 4 itself
//   s7      feature 3           unrelated
//   s8      feature 1 alone     not co-active with its parent: not counted
// Known answer: child 1 rate 3/5 (taker 5, 2 samples), child 2 rate 0, child 4 rate 1 (taker
// 4); absorbed samples 4, of which 2 were taken by the child's own latent (s3, s6).
class HandBuiltHierarchyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hierarchy_.parent = {-1, 0, 0, -1, 1};
    decoder_.features = 5;
    decoder_.latents = 6;
    decoder_.values = {1, 0.3f, 0, 0, 0,    0.7f,  //
                       0, 1,    0, 0, 0.5f, 0.7f,  //
                       0, 0,    1, 0, 0,    0,     //
                       0, 0,    0, 1, 0,    0,     //
                       0, 0,    0, 0, 1,    0};
    decoder_.latent_norms.assign(6, 1.0f);
    const std::vector<Row> truth = {
        {{0, 1.0f}, {1, 1.0f}}, {{0, 1.0f}, {1, 1.0f}}, {{0, 1.0f}, {1, 1.0f}},
        {{0, 1.0f}, {1, 1.0f}}, {{0, 1.0f}, {2, 1.0f}}, {{0, 1.0f}, {2, 1.0f}},
        {{0, 1.0f}, {1, 1.0f}, {4, 1.0f}}, {{3, 1.0f}}, {{1, 1.0f}}};
    const std::vector<Row> learned = {
        {{0, 1.0f}, {1, 1.0f}}, {{1, 1.0f}, {5, 1.0f}}, {{5, 1.0f}, {1, 1.0f}},
        {{1, 1.0f}},            {{0, 1.0f}, {2, 1.0f}}, {{2, 1.0f}, {0, 1.0f}},
        {{0, 1.0f}, {4, 1.0f}}, {{3, 1.0f}},            {{1, 1.0f}}};
    truth_ = MakeCodes(5, truth);
    learned_ = MakeCodes(6, learned);
  }

  Hierarchy hierarchy_;
  CosineMatrix decoder_;
  datasets::SparseCodes truth_, learned_;
  const std::vector<int32_t> best_latent_ = {0, 1, 2, 3, 4};
};

TEST_F(HandBuiltHierarchyTest, ScoresMatchTheKnownAnswer) {
  const auto a =
      ScoreAbsorption(hierarchy_, AllRows(truth_), AllRows(learned_), best_latent_, decoder_);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->children.size(), 3u);
  const ChildAbsorption& c1 = a->children[0];
  EXPECT_EQ(c1.child, 1);
  EXPECT_EQ(c1.parent, 0);
  EXPECT_EQ(c1.parent_latent, 0);
  EXPECT_EQ(c1.co_active, 5);
  EXPECT_EQ(c1.absorbed_samples, 3);
  EXPECT_DOUBLE_EQ(c1.rate, 0.6);
  EXPECT_EQ(c1.taker, 5);
  EXPECT_EQ(c1.taker_samples, 2);
  EXPECT_TRUE(c1.absorbed);

  const ChildAbsorption& c2 = a->children[1];
  EXPECT_EQ(c2.child, 2);
  EXPECT_EQ(c2.co_active, 2);
  EXPECT_EQ(c2.absorbed_samples, 0);
  EXPECT_EQ(c2.rate, 0.0);
  EXPECT_EQ(c2.taker, -1);
  EXPECT_FALSE(c2.absorbed);

  const ChildAbsorption& c4 = a->children[2];
  EXPECT_EQ(c4.child, 4);
  EXPECT_EQ(c4.parent, 1);
  EXPECT_EQ(c4.co_active, 1);
  EXPECT_EQ(c4.rate, 1.0);
  EXPECT_EQ(c4.taker, 4);
  EXPECT_TRUE(c4.absorbed);

  EXPECT_EQ(a->children_scored, 3);
  EXPECT_DOUBLE_EQ(a->mean_rate, (0.6 + 0.0 + 1.0) / 3);
  EXPECT_DOUBLE_EQ(a->absorbed_fraction, 2.0 / 3);
  EXPECT_DOUBLE_EQ(a->taken_by_child_latent, 2.0 / 4);
}

TEST_F(HandBuiltHierarchyTest, AParentWithoutALatentIsAlwaysAbsorbed) {
  const auto a = ScoreAbsorption(hierarchy_, AllRows(truth_), AllRows(learned_),
                                 {-1, 1, 2, 3, 4}, decoder_);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->children[0].rate, 1.0);  // child 1: 5 of 5
  EXPECT_EQ(a->children[1].rate, 1.0);  // child 2: 2 of 2
  EXPECT_EQ(a->children[2].rate, 1.0);  // child 4 unchanged
}

TEST_F(HandBuiltHierarchyTest, AFlatHierarchyHasNothingToScore) {
  const auto a = ScoreAbsorption(Hierarchy{{-1, -1, -1, -1, -1}}, AllRows(truth_),
                                 AllRows(learned_), best_latent_, decoder_);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->children.empty());
  EXPECT_EQ(a->children_scored, 0);
  EXPECT_EQ(a->mean_rate, 0.0);
}

TEST(HierarchyTest, ValidationRejectsCyclesBadParentsAndWrongSizes) {
  EXPECT_TRUE(ValidateHierarchy(Hierarchy{{-1, 0, 1, 1}}, 4).ok());
  EXPECT_FALSE(ValidateHierarchy(Hierarchy{{-1, 0, 1}}, 4).ok());
  EXPECT_FALSE(ValidateHierarchy(Hierarchy{{-1, 4, 1, 1}}, 4).ok());
  EXPECT_FALSE(ValidateHierarchy(Hierarchy{{-2, 0, 1, 1}}, 4).ok());
  EXPECT_FALSE(ValidateHierarchy(Hierarchy{{0}}, 1).ok());               // its own parent
  EXPECT_FALSE(ValidateHierarchy(Hierarchy{{-1, 2, 3, 1}}, 4).ok());     // 1 -> 2 -> 3 -> 1
}

}  // namespace
}  // namespace lrb::scoring
