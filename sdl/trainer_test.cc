#include "sdl/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/planted_for_test.h"
#include "sdl/train_spec.h"
#include "util/testing/best_cosines.h"
#include "util/testing/random_vectors.h"

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

using ::lrb::testing::BestCosine;
using ::lrb::testing::BestCosines;

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
  const std::vector<double> best = BestCosines(result->model.w_dec, planted.features, planted.n_p);
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
    const std::vector<float> column(result->model.w_dec.begin() + i * 32,
                                    result->model.w_dec.begin() + (i + 1) * 32);
    EXPECT_GT(BestCosine(column, 32, &anchors.decoder[i * 32]), 0.95) << "anchored latent " << i;
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

TEST_P(TrainerTest, CheckpointsComeEveryEStepsAndAtTheEndWithoutChangingTraining) {
  const Planted planted = MakePlanted(8, 16, 500, 0.2);
  const MethodSpec method = *ParseMethodSpec("sae.topk(latents=16,k=2)");
  const TrainSpec plain = *ParseTrainSpec("train(steps=50,batch=32)");
  const TrainSpec traced = *ParseTrainSpec("train(steps=50,batch=32,eval_every=20)");
  std::vector<int64_t> steps;
  std::vector<double> mean_losses;
  std::vector<float> decoder_at_20;
  const CheckpointCallback record = [&](int64_t done, const SaeModel& model, double loss) {
    steps.push_back(done);
    mean_losses.push_back(loss);
    if (done == 20) decoder_at_20 = model.w_dec;
    return absl::OkStatus();
  };
  const auto without = Train(method, plain, Anchors{}, DataOf(planted), kernels(), 4);
  const auto with = Train(method, traced, Anchors{}, DataOf(planted), kernels(), 4, nullptr,
                          record);
  ASSERT_TRUE(without.ok() && with.ok());
  EXPECT_EQ(steps, (std::vector<int64_t>{20, 40, 50}));
  // The mean loss of each interval lies within the range of that interval's batch losses,
  // which the loss curve (every step here: 50 steps < 100) lists.
  ASSERT_EQ(with->log.loss_curve.size(), 50u);
  const auto interval_range = [&](int64_t begin, int64_t end) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t s = begin; s < end; ++s) {
      lo = std::min(lo, with->log.loss_curve[s].second);
      hi = std::max(hi, with->log.loss_curve[s].second);
    }
    return std::pair(lo, hi);
  };
  const std::vector<std::pair<int64_t, int64_t>> intervals = {{0, 20}, {20, 40}, {40, 50}};
  for (size_t i = 0; i < intervals.size(); ++i) {
    const auto [lo, hi] = interval_range(intervals[i].first, intervals[i].second);
    EXPECT_GE(mean_losses[i], lo) << "interval " << i;
    EXPECT_LE(mean_losses[i], hi) << "interval " << i;
  }
  // Observing the run changes nothing: the same bytes as the run without a trajectory, and
  // the model seen at step 20 is an earlier one.
  EXPECT_EQ(with->model.w_enc, without->model.w_enc);
  EXPECT_EQ(with->model.w_dec, without->model.w_dec);
  EXPECT_NE(decoder_at_20, with->model.w_dec);
}

TEST_P(TrainerTest, ACheckpointErrorStopsTraining) {
  const Planted planted = MakePlanted(8, 16, 500, 0.2);
  const MethodSpec method = *ParseMethodSpec("sae.topk(latents=16,k=2)");
  const TrainSpec traced = *ParseTrainSpec("train(steps=50,batch=32,eval_every=10)");
  int calls = 0;
  const auto result =
      Train(method, traced, Anchors{}, DataOf(planted), kernels(), 4, nullptr,
            [&](int64_t done, const SaeModel&, double) {
              ++calls;
              return done == 20 ? absl::UnavailableError("scorer gone") : absl::OkStatus();
            });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 2);
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

// What resample(...) promises (ResampleSpec): at a due step, latents not active for
// dead_steps steps are re-initialised towards the inputs the model reconstructs worst --
// decoder column the input's direction, encoder row the same direction at 0.2 x the mean
// live encoder-row norm, encoder bias 0 -- their Adam moments reset, and they fire again;
// live latents are left alone; nothing happens at steps that are not due.
TEST_P(TrainerTest, ResampleReinitialisesDeadLatentsTowardsTheWorstReconstructedInput) {
  constexpr int64_t kNp = 16, kLatents = 16, kRows = 64, kStep = 10;
  const MethodSpec method = *ParseMethodSpec(
      "sae.topk(latents=16,k=1)+resample(every=10,until=10,dead_steps=5)");
  // A learning rate so small that the step after the resample leaves its result visible.
  const TrainSpec train = *ParseTrainSpec("train(steps=100,batch=64,lr=1e-7,warmup=0)");
  TrainState state = InitTrainState(method, kNp, kNp, /*seed=*/3);
  state.steps_done = kStep;
  // 63 tiny inputs (squared error ~1e-6) and one large one (norm 10, squared error ~50 or
  // more): the resample draws by squared error, so every dead latent goes to the large one.
  // It is orthogonal to the live latents' encoder rows (0..7), so that afterwards the dead
  // latents' encoder rows, at 0.2 x the live norm, out-bid the live ones on it.
  std::vector<double> direction(kNp);
  const std::vector<float> draw = ::lrb::testing::RandomVector(2, kNp);
  std::copy(draw.begin(), draw.end(), direction.begin());
  std::vector<std::vector<double>> basis;
  for (int64_t i = 0; i < 8; ++i) {
    std::vector<double> row(state.model.w_enc.begin() + i * kNp,
                            state.model.w_enc.begin() + (i + 1) * kNp);
    for (auto* v : {&row, &direction}) {  // Gram-Schmidt: the row, then the direction
      for (const std::vector<double>& b : basis) {
        double dot = 0;
        for (int64_t d = 0; d < kNp; ++d) dot += (*v)[d] * b[d];
        for (int64_t d = 0; d < kNp; ++d) (*v)[d] -= dot * b[d];
      }
      if (v == &row) {
        double norm = 0;
        for (const double x : row) norm += x * x;
        for (double& x : row) x /= std::sqrt(norm);
        basis.push_back(row);
      }
    }
  }
  for (const std::vector<double>& b : basis) {  // direction against the last row too
    double dot = 0;
    for (int64_t d = 0; d < kNp; ++d) dot += direction[d] * b[d];
    for (int64_t d = 0; d < kNp; ++d) direction[d] -= dot * b[d];
  }
  double direction_norm = 0;
  for (const double x : direction) direction_norm += x * x;
  std::vector<float> large(kNp);
  for (int64_t d = 0; d < kNp; ++d) {
    large[d] = static_cast<float>(10.0 * direction[d] / std::sqrt(direction_norm));
  }
  std::vector<float> inputs = ::lrb::testing::RandomVector(1, kRows * kNp, 1e-3);
  constexpr int64_t kLarge = 37;
  std::copy(large.begin(), large.end(), inputs.begin() + kLarge * kNp);
  const Batch batch{inputs.data(), inputs.data(), kRows};

  // Latents 0..7 fired in the last step, 8..15 never (dead: last active < step - 5).
  std::vector<uint8_t> dead(kLatents, 0);
  for (int64_t i = 0; i < kLatents; ++i) {
    dead[i] = i >= 8;
    state.last_active[i] = dead[i] ? -1 : kStep - 1;
    state.model.b_enc[i] = 0.01f;  // small: tiny inputs stay well reconstructed
  }
  // Moments far from anything one step produces, so a reset is unmistakable.
  for (SaeGradient* moments : {&state.adam_m, &state.adam_v}) {
    for (auto* slot : {&moments->w_enc, &moments->w_dec, &moments->b_enc}) {
      std::fill(slot->begin(), slot->end(), 100.0f);
    }
  }
  double live_norm = 0;
  for (int64_t i = 0; i < 8; ++i) {
    double norm_sq = 0;
    for (int64_t d = 0; d < kNp; ++d) norm_sq += std::pow(state.model.w_enc[i * kNp + d], 2);
    live_norm += std::sqrt(norm_sq) / 8;
  }
  const SaeModel before = state.model;

  ASSERT_TRUE(TrainStep(method, train, Anchors{}, batch, kernels(), /*seed=*/5, state).ok());
  EXPECT_EQ(state.latents_resampled, 8);
  for (int64_t i = 0; i < kLatents; ++i) {
    SCOPED_TRACE(::testing::Message() << "latent " << i << (dead[i] ? " (dead)" : " (live)"));
    const std::vector<float> encoder(state.model.w_enc.begin() + i * kNp,
                                     state.model.w_enc.begin() + (i + 1) * kNp);
    const std::vector<float> decoder(state.model.w_dec.begin() + i * kNp,
                                     state.model.w_dec.begin() + (i + 1) * kNp);
    if (!dead[i]) {
      for (int64_t d = 0; d < kNp; ++d) {
        EXPECT_NEAR(state.model.w_enc[i * kNp + d], before.w_enc[i * kNp + d], 1e-5);
        EXPECT_NEAR(state.model.w_dec[i * kNp + d], before.w_dec[i * kNp + d], 1e-5);
      }
      EXPECT_NEAR(state.model.b_enc[i], 0.01f, 1e-6);
      EXPECT_GT(state.adam_m.w_enc[i * kNp], 50.0f) << "live moments decay, not reset";
      continue;
    }
    EXPECT_GT(BestCosine(decoder, kNp, large.data()), 0.9999);
    EXPECT_GT(BestCosine(encoder, kNp, large.data()), 0.9999);
    double norm_sq = 0;
    for (const float w : encoder) norm_sq += w * w;
    EXPECT_NEAR(std::sqrt(norm_sq), 0.2 * live_norm, 1e-4);
    EXPECT_NEAR(state.model.b_enc[i], 0.0f, 1e-6);
    // Reset, then one step's worth: (1 - beta1) g and (1 - beta2) g^2 with |g| <= 1 (clip).
    for (int64_t d = 0; d < kNp; ++d) {
      EXPECT_LT(std::fabs(state.adam_m.w_enc[i * kNp + d]), 1.0f);
      EXPECT_LT(std::fabs(state.adam_v.w_dec[i * kNp + d]), 1.0f);
    }
    EXPECT_LT(std::fabs(state.adam_m.b_enc[i]), 1.0f);
    EXPECT_EQ(state.last_active[i], kStep) << "a fresh window before it can be dead again";
  }
  // The dead latents fire again: the large input is now coded by one of them.
  MethodWorkspace ws;
  const auto codes = Encode(method, state.model, large.data(), 1, kernels(), ws);
  ASSERT_TRUE(codes.ok()) << codes.status();
  ASSERT_EQ(codes->indices.size(), 1u);
  EXPECT_TRUE(dead[codes->indices[0]]) << "latent " << codes->indices[0] << " codes it";

  // Not due (step 11), and past `until` (step 20): no resampling, even with dead latents.
  for (const int64_t step : {kStep + 1, 2 * kStep}) {
    state.steps_done = step;
    for (int64_t i = 8; i < kLatents; ++i) state.last_active[i] = -1;
    ASSERT_TRUE(TrainStep(method, train, Anchors{}, batch, kernels(), 5, state).ok());
    EXPECT_EQ(state.latents_resampled, 8) << "step " << step;
  }
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
