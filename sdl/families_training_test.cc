// Every family of method_families.inc, trained for real on an easy planted dataset, on both
// backends: it explains the variance, recovers the planted features, keeps anchored latents
// at their anchors, learns its own parameters, and the backends agree over the first steps.

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/planted_for_test.h"
#include "sdl/methods.h"
#include "sdl/train_spec.h"
#include "sdl/trainer.h"
#include "util/testing/best_cosines.h"

namespace lrb::sdl {
namespace {

// Planted data of this file's seed.
Planted MakePlanted(int64_t n, int64_t n_p, int64_t rows, double p) {
  return ::lrb::sdl::MakePlanted(n, n_p, rows, p, /*seed=*/9);
}

using ::lrb::testing::BestCosine;

// The family's tiny example (FamilyTraits::tiny_example: settings that train on small sparse
// data) with a dictionary of `latents`, and TopK-type families selecting 2 latents per
// sample, near the planted data's L0 of 1.6.
MethodSpec TinyExample(const std::string& family, int64_t latents) {
  const FamilyTraits& traits = *FindFamilyTraits(family);
  MethodSpec spec = *ParseMethodSpec(traits.tiny_example);
  spec.latents = latents;
  if (traits.selects_topk) spec.SetKnob("k", 2);
  return spec;
}

// Fraction of variance the model explains on `p`'s samples.
double VarianceExplained(const MethodSpec& spec, const SaeModel& model, const Planted& p) {
  MethodWorkspace ws;
  const SparseRows codes = *Encode(spec, model, p.samples.data(), p.rows, ScalarKernels(), ws);
  std::vector<double> mean(p.n_p, 0.0);
  for (int64_t r = 0; r < p.rows; ++r) {
    for (int64_t d = 0; d < p.n_p; ++d) mean[d] += p.samples[r * p.n_p + d] / p.rows;
  }
  double residual = 0, total = 0;
  for (int64_t r = 0; r < p.rows; ++r) {
    std::vector<double> x_hat(model.b_dec.begin(), model.b_dec.end());
    for (int64_t j = codes.indptr[r]; j < codes.indptr[r + 1]; ++j) {
      for (int64_t d = 0; d < p.n_p; ++d) {
        x_hat[d] += codes.values[j] * model.w_dec[codes.indices[j] * p.n_p + d];
      }
    }
    for (int64_t d = 0; d < p.n_p; ++d) {
      const double x = p.samples[r * p.n_p + d];
      residual += (x_hat[d] - x) * (x_hat[d] - x);
      total += (x - mean[d]) * (x - mean[d]);
    }
  }
  return 1.0 - residual / total;
}

class FamilyTrainingTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  const std::string& family() const { return std::get<0>(GetParam()); }
  const KernelTable& kernels() const { return **KernelsByName(std::get<1>(GetParam())); }
};

TEST_P(FamilyTrainingTest, ExplainsVarianceAndRecoversPlantedFeatures) {
  const Planted planted = MakePlanted(/*n=*/16, /*n_p=*/32, /*rows=*/4000, /*p=*/0.1);
  const MethodSpec spec = TinyExample(family(), 32);
  const TrainSpec train = *ParseTrainSpec("train(steps=1500,batch=64,lr=0.01,warmup=50)");
  const auto result = Train(spec, train, Anchors{},
                            {planted.samples.data(), planted.samples.data(), planted.rows, 32, 32},
                            kernels(), /*seed=*/1);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(VarianceExplained(spec, result->model, planted), 0.9) << ToString(spec);
  int recovered = 0;
  for (int64_t j = 0; j < planted.n; ++j) {
    recovered += BestCosine(result->model.w_dec, 32, &planted.features[j * 32]) > 0.95;
  }
  EXPECT_GE(recovered, 13) << ToString(spec) << ": planted features recovered of 16";
}

TEST_P(FamilyTrainingTest, AnchoredLatentsStayNearTheirAnchors) {
  const Planted planted = MakePlanted(16, 32, 2000, 0.1);
  MethodSpec spec = TinyExample(family(), 32);
  spec.anchor = AnchorSpec{4, 1.0};
  const Anchors anchors{4, 1.0,
                        std::vector<float>(planted.features.begin(), planted.features.begin() + 128),
                        std::vector<float>(planted.features.begin(), planted.features.begin() + 128)};
  const auto result = Train(spec, *ParseTrainSpec("train(steps=500,batch=64,lr=0.01,warmup=50)"),
                            anchors,
                            {planted.samples.data(), planted.samples.data(), planted.rows, 32, 32},
                            kernels(), 2);
  ASSERT_TRUE(result.ok()) << result.status();
  for (int i = 0; i < 4; ++i) {
    // Stated bound: the decoder column of an anchored latent within cos 0.95 of its anchor.
    std::vector<float> column(result->model.w_dec.begin() + i * 32,
                              result->model.w_dec.begin() + (i + 1) * 32);
    EXPECT_GT(BestCosine(column, 32, &anchors.decoder[i * 32]), 0.95)
        << ToString(spec) << ": anchored latent " << i;
  }
}

TEST_P(FamilyTrainingTest, ScalarAndSimdAgreeOverTheFirstSteps) {
  if (std::get<1>(GetParam()) != "simd") GTEST_SKIP() << "compares both backends once";
  const Planted planted = MakePlanted(16, 40, 1000, 0.1);
  const MethodSpec spec = TinyExample(family(), 48);
  const TrainSpec train = *ParseTrainSpec("train(steps=10,batch=100,lr=0.001,warmup=0)");
  const TrainingData data{planted.samples.data(), planted.samples.data(), planted.rows, 40, 40};
  const auto scalar = Train(spec, train, Anchors{}, data, ScalarKernels(), 3);
  const auto simd = Train(spec, train, Anchors{}, data, SimdKernels(), 3);
  ASSERT_TRUE(scalar.ok() && simd.ok());
  double max_diff = 0;
  for (size_t i = 0; i < scalar->model.w_enc.size(); ++i) {
    max_diff = std::max<double>(max_diff, std::fabs(scalar->model.w_enc[i] - simd->model.w_enc[i]));
  }
  // Ten Adam steps move a weight by up to ~1e-2; the backends agree to a small part of it.
  EXPECT_LT(max_diff, 1e-4) << ToString(spec);
  EXPECT_NEAR(scalar->log.final_loss, simd->log.final_loss, 1e-4 * scalar->log.final_loss);
}

std::vector<std::tuple<std::string, std::string>> Cases() {
  std::vector<std::tuple<std::string, std::string>> cases;
  for (const FamilyTraits* traits : AllFamilyTraits()) {
    for (const char* backend : {"scalar", "simd"}) {
      cases.emplace_back(std::string(traits->name), backend);
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, FamilyTrainingTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

// JumpReLU's thresholds are trained parameters: training moves them.
TEST(FamilyTraining, JumpReluThresholdsMove) {
  const Planted planted = MakePlanted(16, 32, 2000, 0.1);
  const MethodSpec spec = *ParseMethodSpec("sae.jumprelu(latents=32,l0=0.05,bandwidth=0.5,theta=0.2)");
  const SaeModel initial = InitMethodModel(spec, 32, 32, 4);
  const auto result = Train(spec, *ParseTrainSpec("train(steps=300,batch=64,lr=0.01,warmup=10)"),
                            Anchors{},
                            {planted.samples.data(), planted.samples.data(), planted.rows, 32, 32},
                            SimdKernels(), 4);
  ASSERT_TRUE(result.ok()) << result.status();
  int moved = 0;
  for (int64_t i = 0; i < 32; ++i) moved += std::fabs(result->model.extra[i] - initial.extra[i]) > 1e-3;
  EXPECT_GT(moved, 16) << "of 32 thresholds moved";
}

// BatchTopK keeps an inference threshold; after training it lets about k latents through
// per sample on average.
TEST(FamilyTraining, BatchTopkThresholdGivesAboutKAtInference) {
  const Planted planted = MakePlanted(16, 32, 2000, 0.1);
  const MethodSpec spec = *ParseMethodSpec("sae.batchtopk(latents=32,k=3)");
  const auto result = Train(spec, *ParseTrainSpec("train(steps=600,batch=64,lr=0.01,warmup=10)"),
                            Anchors{},
                            {planted.samples.data(), planted.samples.data(), planted.rows, 32, 32},
                            SimdKernels(), 5);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(InferenceStateValue(spec, result->model, "threshold"), 0.0f);
  MethodWorkspace ws;
  const SparseRows codes = *Encode(spec, result->model, planted.samples.data(), planted.rows,
                                   SimdKernels(), ws);
  const double l0 = static_cast<double>(codes.indices.size()) / planted.rows;
  EXPECT_GT(l0, 1.5);
  EXPECT_LT(l0, 6.0);
}

// Tied weights stay tied; without biases the biases stay zero.
TEST(FamilyTraining, TiedAndBiasFreeOptionsHold) {
  const Planted planted = MakePlanted(16, 32, 1000, 0.1);
  const MethodSpec spec = *ParseMethodSpec("sae.relu(latents=32,l1=0.02,tied=1,bias=0)");
  const auto result = Train(spec, *ParseTrainSpec("train(steps=100,batch=64,lr=0.01,warmup=10)"),
                            Anchors{},
                            {planted.samples.data(), planted.samples.data(), planted.rows, 32, 32},
                            SimdKernels(), 7);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->model.w_enc, result->model.w_dec);
  for (float b : result->model.b_enc) EXPECT_EQ(b, 0.0f);
  for (float b : result->model.b_dec) EXPECT_EQ(b, 0.0f);
}

}  // namespace
}  // namespace lrb::sdl
