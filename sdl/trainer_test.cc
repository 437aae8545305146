#include "sdl/trainer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/planted_for_test.h"
#include "sdl/train_spec.h"
#include "util/philox.h"

namespace lrb::sdl {
namespace {

using ::testing::HasSubstr;

// Planted data of this file's seed.
Planted MakePlanted(int64_t n, int64_t n_p, int64_t rows, double p) {
  return ::lrb::sdl::MakePlanted(n, n_p, rows, p, /*seed=*/7);
}

TrainingData DataOf(const Planted& p) {
  return {p.samples.data(), p.samples.data(), p.rows, p.n_p, p.n_p};
}

// Best |cos| between each planted feature and any row of `rows` (n_q x n_p).
std::vector<double> BestCosines(const Planted& p, const std::vector<float>& rows) {
  std::vector<double> best(p.n, 0.0);
  for (int64_t j = 0; j < p.n; ++j) {
    for (size_t i = 0; i < rows.size() / p.n_p; ++i) {
      double dot = 0, norm = 0;
      for (int64_t d = 0; d < p.n_p; ++d) {
        dot += rows[i * p.n_p + d] * p.features[j * p.n_p + d];
        norm += rows[i * p.n_p + d] * rows[i * p.n_p + d];
      }
      best[j] = std::max(best[j], std::fabs(dot) / std::sqrt(norm));
    }
  }
  return best;
}

class TrainerTest : public ::testing::TestWithParam<std::string> {
 protected:
  const KernelTable& kernels() const { return **KernelsByName(GetParam()); }
};

TEST_P(TrainerTest, RecoversPlantedFeaturesAndLowersTheLoss) {
  // More features than dimensions (superposition). In 32 dimensions 40 random features
  // interfere strongly, so the best encoder is a least-squares dual of the features (|cos|
  // ~0.5 with them) while the decoder recovers them exactly: check the decoder here; the
  // end-to-end tests check encoder rows (the paper's metric) on low-interference LRB data.
  const Planted planted = MakePlanted(/*n=*/40, /*n_p=*/32, /*rows=*/8000, /*p=*/0.05);
  const MethodSpec method = *ParseMethodSpec("sae.topk(latents=64,k=3)");
  const TrainSpec train = *ParseTrainSpec("train(steps=2000,batch=64,lr=0.01,warmup=50)");
  const auto result = Train(method, train, Anchors{}, DataOf(planted), kernels(), /*seed=*/1);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_LT(result->log.final_loss, 0.2 * result->log.loss_curve.front().second);
  const std::vector<double> best = BestCosines(planted, result->model.w_dec);
  const int recovered = std::count_if(best.begin(), best.end(), [](double c) { return c > 0.99; });
  EXPECT_EQ(recovered, planted.n) << "planted features recovered by decoder columns";
  EXPECT_EQ(result->log.steps, 2000);
}

TEST_P(TrainerTest, AnchoredLatentsStayNearTheirAnchors) {
  const Planted planted = MakePlanted(16, 32, 2000, 0.1);
  const MethodSpec method = *ParseMethodSpec("sae.topk(latents=32,k=3)+anchor(k=4,lambda=1)");
  const TrainSpec train = *ParseTrainSpec("train(steps=600,batch=64,lr=0.01,warmup=50)");
  Anchors anchors{4, 1.0,
                  std::vector<float>(planted.features.begin(), planted.features.begin() + 4 * 32),
                  std::vector<float>(planted.features.begin(), planted.features.begin() + 4 * 32)};
  const auto result = Train(method, train, anchors, DataOf(planted), kernels(), 2);
  ASSERT_TRUE(result.ok()) << result.status();
  for (int i = 0; i < 4; ++i) {
    double dot = 0, norm = 0;
    for (int d = 0; d < 32; ++d) {
      dot += result->model.w_dec[i * 32 + d] * anchors.decoder[i * 32 + d];
      norm += result->model.w_dec[i * 32 + d] * result->model.w_dec[i * 32 + d];
    }
    EXPECT_GT(dot / std::sqrt(norm), 0.95) << "anchored latent " << i;
  }
}

TEST_P(TrainerTest, SameSeedSameBytesDifferentSeedDifferentModel) {
  const Planted planted = MakePlanted(8, 16, 500, 0.2);
  const MethodSpec method = *ParseMethodSpec("sae.topk(latents=16,k=2)");
  const TrainSpec train = *ParseTrainSpec("train(steps=50,batch=32)");
  const auto a = Train(method, train, Anchors{}, DataOf(planted), kernels(), 4);
  const auto b = Train(method, train, Anchors{}, DataOf(planted), kernels(), 4);
  const auto c = Train(method, train, Anchors{}, DataOf(planted), kernels(), 5);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->model.w_enc, b->model.w_enc);
  EXPECT_EQ(a->model.w_dec, b->model.w_dec);
  EXPECT_NE(a->model.w_enc, c->model.w_enc);
}

TEST_P(TrainerTest, DivergenceEndsTheRunWithStepAndValue) {
  Planted planted = MakePlanted(8, 16, 200, 0.2);
  planted.samples[5] = NAN;  // one poisoned sample reaches a batch in the first epoch
  const MethodSpec method = *ParseMethodSpec("sae.topk(latents=16,k=2)");
  const auto result = Train(method, *ParseTrainSpec("train(steps=20,batch=200)"), Anchors{},
                            DataOf(planted), kernels(), 1);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kAborted) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("diverged at step 0"));
}

TEST_P(TrainerTest, RejectsInconsistentInputs) {
  const Planted planted = MakePlanted(8, 16, 100, 0.2);
  const MethodSpec method = *ParseMethodSpec("sae.topk(latents=16,k=2)+anchor(k=2)");
  const auto too_big_batch = Train(method, *ParseTrainSpec("train(batch=101)"), Anchors{},
                                   DataOf(planted), kernels(), 1);
  EXPECT_THAT(std::string(too_big_batch.status().message()), HasSubstr("batch=101"));
  Anchors wrong_shape{2, 0.1, std::vector<float>(3), std::vector<float>(3)};
  const auto bad_anchors = Train(method, *ParseTrainSpec("train(batch=10)"), wrong_shape,
                                 DataOf(planted), kernels(), 1);
  EXPECT_EQ(bad_anchors.status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, TrainerTest, ::testing::Values("scalar", "simd"),
                         [](const auto& info) { return info.param; });

TEST(TrainerBackends, ScalarAndSimdAgreeOverTheFirstSteps) {
  const Planted planted = MakePlanted(16, 40, 1000, 0.1);
  const MethodSpec method = *ParseMethodSpec("sae.topk(latents=48,k=3)+anchor(k=4,lambda=0.1)");
  const TrainSpec train = *ParseTrainSpec("train(steps=10,batch=100,lr=0.001,warmup=0)");
  Anchors anchors{4, 0.1,
                  std::vector<float>(planted.features.begin(), planted.features.begin() + 4 * 40),
                  std::vector<float>(planted.features.begin(), planted.features.begin() + 4 * 40)};
  const auto scalar = Train(method, train, anchors, DataOf(planted), ScalarKernels(), 3);
  const auto simd = Train(method, train, anchors, DataOf(planted), SimdKernels(), 3);
  ASSERT_TRUE(scalar.ok() && simd.ok());
  double max_diff = 0;
  for (size_t i = 0; i < scalar->model.w_enc.size(); ++i) {
    max_diff = std::max<double>(max_diff, std::fabs(scalar->model.w_enc[i] - simd->model.w_enc[i]));
  }
  // Ten Adam steps move each weight by at most ~10 * lr = 1e-2; the backends must agree to
  // a small fraction of that.
  EXPECT_LT(max_diff, 1e-4);
  EXPECT_NEAR(scalar->log.final_loss, simd->log.final_loss, 1e-4 * scalar->log.final_loss);
}

}  // namespace
}  // namespace lrb::sdl
