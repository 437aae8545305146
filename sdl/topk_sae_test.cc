#include "sdl/topk_sae.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"
#include "util/philox.h"

namespace lrb::sdl {
namespace {

std::vector<float> RandomVector(uint64_t stream, int64_t size, double scale) {
  const CounterRng rng(99, stream);
  std::vector<float> v(size);
  for (int64_t i = 0; i < size; ++i) v[i] = static_cast<float>(scale * rng.Normal(i));
  return v;
}

class TopkSaeTest : public ::testing::TestWithParam<std::string> {
 protected:
  const KernelTable& kernels() const { return **KernelsByName(GetParam()); }
};

TEST_P(TopkSaeTest, SelectsExactlyKLargestAndPassesThemThrough) {
  MethodSpec spec = *ParseMethodSpec("sae.topk(latents=37,k=5)");
  const SaeModel model = InitSaeModel(/*n_p=*/11, /*n_r=*/11, spec.latents, /*seed=*/3);
  const int64_t rows = 9;
  const std::vector<float> inputs = RandomVector(1, rows * 11, 1.0);
  TopkWorkspace ws;
  ASSERT_TRUE(TopkEncode(spec, model, inputs.data(), rows, kernels(), ws).ok());
  for (int64_t r = 0; r < rows; ++r) {
    const float* z = ws.pre_activations.data() + r * spec.latents;
    std::set<int32_t> active;
    float smallest_kept = INFINITY;
    for (int64_t j = 0; j < spec.k; ++j) {
      const int32_t latent = ws.active[r * spec.k + j];
      active.insert(latent);
      // sigma(z)_i in {0, z_i}: an active latent passes its pre-activation exactly.
      EXPECT_EQ(ws.active_values[r * spec.k + j], z[latent]) << "row " << r << " slot " << j;
      smallest_kept = std::min(smallest_kept, z[latent]);
    }
    EXPECT_EQ(active.size(), static_cast<size_t>(spec.k)) << "row " << r;
    for (int64_t i = 0; i < spec.latents; ++i) {
      if (!active.count(static_cast<int32_t>(i))) {
        EXPECT_LE(z[i], smallest_kept) << "row " << r << ": dropped latent " << i;
      }
    }
  }
}

TEST_P(TopkSaeTest, NonFiniteModelIsAnErrorNotACrash) {
  MethodSpec spec = *ParseMethodSpec("sae.topk(latents=8,k=2)");
  SaeModel model = InitSaeModel(4, 4, 8, 0);
  model.w_enc[5] = NAN;
  const std::vector<float> inputs = RandomVector(2, 3 * 4, 1.0);
  TopkWorkspace ws;
  SaeGradient grad;
  const auto loss = TopkLossAndGradient(spec, model, Anchors{}, {inputs.data(), inputs.data(), 3},
                                        kernels(), ws, &grad);
  EXPECT_EQ(loss.status().code(), absl::StatusCode::kAborted);
}

// Central finite differences of every parameter array, anchoring included. Within a fixed
// top-k selection the loss is quadratic in each single coordinate, so the central
// difference is exact up to float rounding; coordinates whose perturbation changes the
// selection are skipped (and counted, so the test cannot pass by skipping everything).
TEST_P(TopkSaeTest, GradientMatchesFiniteDifferences) {
  for (const bool separate_targets : {false, true}) {
    SCOPED_TRACE(separate_targets ? "x_r != x_p (n_r = 7)" : "x_r = x_p");
    const MethodSpec spec = *ParseMethodSpec("sae.topk(latents=20,k=4)+anchor(k=3,lambda=0.3)");
    const int64_t n_p = 12, n_r = separate_targets ? 7 : 12, rows = 6;
    SaeModel model = InitSaeModel(n_p, n_r, spec.latents, 5);
    // Move away from the initial point so that biases and anchor differences are non-zero.
    for (auto* param : {&model.w_enc, &model.b_enc, &model.w_dec, &model.b_dec}) {
      const std::vector<float> noise = RandomVector(10 + param->size(), param->size(), 0.1);
      for (size_t i = 0; i < param->size(); ++i) (*param)[i] += noise[i];
    }
    Anchors anchors{spec.anchor->k, spec.anchor->lambda, RandomVector(20, 3 * n_p, 0.3),
                    RandomVector(21, 3 * n_r, 0.3)};
    const std::vector<float> inputs = RandomVector(30, rows * n_p, 1.0);
    const std::vector<float> targets =
        separate_targets ? RandomVector(31, rows * n_r, 1.0) : inputs;
    const Batch batch{inputs.data(), targets.data(), rows};

    TopkWorkspace ws;
    SaeGradient grad;
    ASSERT_TRUE(TopkLossAndGradient(spec, model, anchors, batch, kernels(), ws, &grad).ok());
    const std::vector<int32_t> base_selection = ws.active;

    const float h = 1e-2f;
    int checked = 0, skipped = 0;
    const auto loss_at = [&](std::vector<float>& param, size_t i, float value, bool* same) {
      const float saved = param[i];
      param[i] = value;
      TopkWorkspace w;
      const double loss = TopkLossAndGradient(spec, model, anchors, batch, kernels(), w, nullptr)
                              ->total();
      *same = *same && w.active == base_selection;
      param[i] = saved;
      return loss;
    };
    const std::pair<const char*, std::pair<std::vector<float>*, const std::vector<float>*>>
        arrays[] = {{"w_enc", {&model.w_enc, &grad.w_enc}},
                    {"b_enc", {&model.b_enc, &grad.b_enc}},
                    {"w_dec", {&model.w_dec, &grad.w_dec}},
                    {"b_dec", {&model.b_dec, &grad.b_dec}}};
    for (const auto& [name, arrays_pair] : arrays) {
      auto& [param, analytic] = arrays_pair;
      for (size_t i = 0; i < param->size(); ++i) {
        bool same = true;
        const float x = (*param)[i];
        const double up = loss_at(*param, i, x + h, &same);
        const double down = loss_at(*param, i, x - h, &same);
        if (!same) {
          ++skipped;
          continue;
        }
        ++checked;
        const double numeric = (up - down) / (2.0 * h);
        ASSERT_NEAR((*analytic)[i], numeric, 2e-3 + 2e-3 * std::fabs(numeric))
            << name << "[" << i << "]";
      }
    }
    EXPECT_GT(checked, 10 * skipped) << "too many coordinates changed the top-k selection";
  }
}

TEST_P(TopkSaeTest, AnchorGradientPullsTowardsAnchors) {
  // With zero reconstruction error possible only far from the anchors, the anchor term's
  // gradient at an anchored latent is exactly 2 lambda (w - a).
  const MethodSpec spec = *ParseMethodSpec("sae.topk(latents=6,k=1)+anchor(k=2,lambda=0.5)");
  const SaeModel model = InitSaeModel(3, 3, 6, 1);
  Anchors anchors{2, 0.5, std::vector<float>(6, 0.0f), std::vector<float>(6, 0.0f)};
  const std::vector<float> zeros(3, 0.0f);  // one all-zero sample: reconstruction grad is b-only
  TopkWorkspace ws;
  SaeGradient grad;
  const auto loss = TopkLossAndGradient(spec, model, anchors, {zeros.data(), zeros.data(), 1},
                                        kernels(), ws, &grad);
  ASSERT_TRUE(loss.ok());
  double expected_penalty = 0;
  for (int i = 0; i < 6; ++i) {
    expected_penalty += 0.5 * (model.w_enc[i] * model.w_enc[i] + model.w_dec[i] * model.w_dec[i]);
  }
  EXPECT_NEAR(loss->anchor, expected_penalty, 1e-5);
  // Encoder rows of anchored latents that are not active get only the anchor gradient.
  const int32_t active = ws.active[0];
  for (int latent = 0; latent < 2; ++latent) {
    if (latent == active) continue;
    for (int d = 0; d < 3; ++d) {
      EXPECT_FLOAT_EQ(grad.w_enc[latent * 3 + d], 2 * 0.5f * model.w_enc[latent * 3 + d]);
      EXPECT_FLOAT_EQ(grad.w_dec[latent * 3 + d], 2 * 0.5f * model.w_dec[latent * 3 + d]);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, TopkSaeTest, ::testing::Values("scalar", "simd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lrb::sdl
