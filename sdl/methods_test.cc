// Every family of method_families.inc, as an SAE and as a crosscoder, on both backends:
// finite-difference gradients (with anchoring, and AuxK for TopK-type families) on the path
// the pipeline takes at these sizes (dense) and on the forced sparse path, the invariant
// sigma(z)_i in {0, z_i}, and the L0 the spec promises (L0PromiseOf). Each family's variant
// examples (e.g. TopK's relu=1) run the same tests. sparse_sae_test.cc checks the two paths
// agree.

#include "sdl/methods.h"

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "sdl/family.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"
#include "util/testing/random_vectors.h"

namespace lrb::sdl {
namespace {

using ::lrb::testing::RandomVector;

struct FamilyExample {
  const FamilyTraits* traits;
  std::string spec;
  int variant = 0;  // index in TestedExamples(*traits): 0 is traits->example
};

// gtest prints parameters in failure messages.
void PrintTo(const FamilyExample& example, std::ostream* os) { *os << example.spec; }

// A model moved away from its initial point, so biases and family parameters matter.
SaeModel PerturbedModel(const MethodSpec& spec, int64_t n_p, int64_t n_r) {
  SaeModel model = InitMethodModel(spec, n_p, n_r, 5);
  uint64_t stream = 100;
  for (auto* param : {&model.w_enc, &model.b_enc, &model.w_dec, &model.b_dec, &model.extra}) {
    const std::vector<float> noise = RandomVector(stream++, param->size(), 0.1);
    for (size_t i = 0; i < param->size(); ++i) (*param)[i] += noise[i];
  }
  return model;
}

// Everything discrete about a forward pass: which latents are active, the gate signs, each
// matryoshka level's selection, AuxK's selection. Finite differences are only meaningful
// while it stays the same.
std::vector<uint8_t> Pattern(const MethodSpec& spec, const SaeModel& model,
                             const KernelTable& kernels, const MethodWorkspace& ws,
                             int64_t rows, int64_t n_q) {
  std::vector<uint8_t> pattern;
  if (ws.used_sparse_path) {
    for (const CodeList& list : ws.sparse.codes.levels) {
      for (size_t e = 0; e < list.values.size(); ++e) {
        pattern.push_back(static_cast<uint8_t>(list.indices[e]));
        pattern.push_back(list.values[e] != 0.0f);
      }
    }
    for (int32_t i : ws.sparse.aux.indices) pattern.push_back(static_cast<uint8_t>(i));
  } else {
    for (float a : ws.dense.a) pattern.push_back(a != 0.0f);
    for (float a : ws.dense.aux_codes) pattern.push_back(a != 0.0f);
    const Family& family = FamilyOf(spec.family);
    std::vector<float> mask(rows * n_q);
    for (int level = 0; level < family.Levels(spec); ++level) {
      if (family.LevelMask(spec, kernels, level, rows, n_q, ws.z.data(), mask.data())) {
        for (float m : mask) pattern.push_back(m != 0.0f);
      }
    }
    // The codes' support (family.h: where the family reads dL/da, e.g. Gated's open gates,
    // whose ReLU has a kink at 0 even where the code stays 0), as the sparse path lists it.
    SparseCodes support;
    const CodesContext context{spec, model, kernels, rows, ws.z.data(), /*training=*/true};
    if (family.traits().sparse_path && family.EmitCodes(context, n_q, support)) {
      for (const CodeList& list : support.levels) {
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t j = 0; j < list.counts[r]; ++j) {
            pattern.push_back(static_cast<uint8_t>(list.indices[r * list.width + j]));
          }
          pattern.push_back(0xff);  // row end
        }
      }
    }
  }
  return pattern;
}

class MethodsTest : public ::testing::TestWithParam<std::tuple<FamilyExample, std::string>> {
 protected:
  const KernelTable& kernels() const { return **KernelsByName(std::get<1>(GetParam())); }
  const FamilyExample& example() const { return std::get<0>(GetParam()); }
};

// Central finite differences of parameters against the analytic gradient, skipping
// coordinates whose perturbation changes the discrete pattern (counted, so that the test
// cannot pass by skipping everything).
struct FdCheck {
  const MethodSpec& spec;
  const KernelTable& kernels;
  SaeModel& model;
  const Anchors& anchors;
  const Batch& batch;
  const std::vector<uint8_t>& dead;
  // Terms whose gradient is stopped for some parameters (Gated's auxiliary reconstruction
  // uses a frozen decoder) are left out of the numeric loss for those parameters.
  bool without_auxiliary = false;
  PathPolicy path = PathPolicy::kAuto;
  int checked = 0, skipped = 0;

  double LossAt(std::vector<float>& param, size_t i, float value,
                const std::vector<uint8_t>& base, bool* same) {
    const float saved = param[i];
    param[i] = value;
    MethodWorkspace w;
    w.path = path;
    const auto loss = MethodLossAndGradient(spec, model, anchors, batch, kernels, &dead, w, nullptr);
    *same = *same && Pattern(spec, model, kernels, w, batch.rows, model.n_q) == base;
    param[i] = saved;
    return without_auxiliary ? loss->total() - loss->auxiliary : loss->total();
  }

  // Checks param[i] for every i in `coordinates`.
  void Check(const char* name, std::vector<float>& param, const std::vector<float>& analytic,
             const std::vector<size_t>& coordinates, const std::vector<uint8_t>& base) {
    ASSERT_EQ(param.size(), analytic.size()) << name;
    const float h = 1e-2f;
    for (size_t i : coordinates) {
      bool same = true;
      const float x = param[i];
      const double up = LossAt(param, i, x + h, base, &same);
      const double down = LossAt(param, i, x - h, base, &same);
      if (!same) {
        ++skipped;
        continue;
      }
      ++checked;
      const double numeric = (up - down) / (2.0 * h);
      // Within a fixed pattern the loss is a polynomial of low degree in one coordinate
      // (quadratic, except Gated's exp(r)), so h = 1e-2 leaves only float rounding.
      ASSERT_NEAR(analytic[i], numeric, 3e-3 + 3e-3 * std::fabs(numeric))
          << spec.family << " " << name << "[" << i << "]";
    }
  }
};

std::vector<size_t> AllCoordinates(const std::vector<float>& param) {
  std::vector<size_t> all(param.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

// Every trained parameter, anchoring included, on the path `path` takes. JumpReLU's
// thresholds learn through a straight-through estimator, which is not the derivative of the
// loss: they are checked by JumpReluThresholdsFollowTheEstimator.
void CheckGradient(const FamilyExample& example, const KernelTable& kernels, PathPolicy path) {
  const MethodSpec spec = *ParseMethodSpec(example.spec + "+anchor(k=3,lambda=0.3)");
  const FamilyTraits& traits = *example.traits;
  const int64_t n_p = 10, rows = 6, n_q = spec.latents;
  SaeModel model = PerturbedModel(spec, n_p, n_p);
  const Anchors anchors{3, 0.3, RandomVector(20, 3 * n_p, 0.3), RandomVector(21, 3 * n_p, 0.3)};
  const std::vector<uint8_t> no_dead(n_q, 0);
  const std::vector<float> inputs = RandomVector(30, rows * n_p, 1.0);
  const Batch batch{inputs.data(), inputs.data(), rows};
  MethodWorkspace ws;
  ws.path = path;
  SaeGradient grad;
  ASSERT_TRUE(
      MethodLossAndGradient(spec, model, anchors, batch, kernels, &no_dead, ws, &grad).ok());
  if (path == PathPolicy::kSparse) {
    // The trait is honest: a family that may use the sparse path emits sparse codes.
    ASSERT_EQ(ws.used_sparse_path, traits.sparse_path) << spec.family;
  }
  const std::vector<uint8_t> base = Pattern(spec, model, kernels, ws, rows, n_q);

  FdCheck fd{spec, kernels, model, anchors, batch, no_dead};
  fd.path = path;
  fd.Check("w_enc", model.w_enc, grad.w_enc, AllCoordinates(model.w_enc), base);
  fd.Check("b_enc", model.b_enc, grad.b_enc, AllCoordinates(model.b_enc), base);
  if (!traits.extra_gradient_is_estimate) {
    fd.Check("extra", model.extra, grad.extra, AllCoordinates(model.extra), base);
  }
  fd.without_auxiliary = traits.auxiliary_freezes_decoder;
  fd.Check("w_dec", model.w_dec, grad.w_dec, AllCoordinates(model.w_dec), base);
  fd.Check("b_dec", model.b_dec, grad.b_dec, AllCoordinates(model.b_dec), base);
  EXPECT_GT(fd.checked, 5 * fd.skipped) << "too many coordinates changed the discrete pattern";
}

TEST_P(MethodsTest, GradientMatchesFiniteDifferences) {
  CheckGradient(example(), kernels(), PathPolicy::kAuto);
}

TEST_P(MethodsTest, SparsePathGradientMatchesFiniteDifferences) {
  CheckGradient(example(), kernels(), PathPolicy::kSparse);
}

// AuxK treats the residual it reconstructs as a constant. Latents that no sample selects in
// the main codes do not touch that residual, so their encoder rows and decoder columns see
// exactly the AuxK gradient, which finite differences can check.
void CheckAuxkGradient(const FamilyExample& example, const KernelTable& kernels,
                       PathPolicy path) {
  const MethodSpec spec = *ParseMethodSpec(example.spec + "+auxk(k=3,lambda=0.5)");
  const int64_t n_p = 10, rows = 6, n_q = spec.latents;
  SaeModel model = PerturbedModel(spec, n_p, n_p);
  std::vector<uint8_t> dead(n_q, 0);
  for (int64_t i = 0; i < n_q; i += 2) dead[i] = 1;
  const std::vector<float> inputs = RandomVector(31, rows * n_p, 1.0);
  const Batch batch{inputs.data(), inputs.data(), rows};
  MethodWorkspace ws;
  ws.path = path;
  SaeGradient grad;
  const auto loss = MethodLossAndGradient(spec, model, Anchors{}, batch, kernels, &dead, ws, &grad);
  ASSERT_TRUE(loss.ok());
  if (path == PathPolicy::kSparse) {
    ASSERT_EQ(ws.used_sparse_path, example.traits->sparse_path) << spec.family;
  }
  EXPECT_GT(loss->auxiliary, 0.0);
  std::vector<uint8_t> in_main(n_q, 0);
  MarkActiveLatents(spec, ws, in_main);
  std::vector<size_t> enc_coords, dec_coords;
  for (int64_t i = 0; i < n_q; ++i) {
    if (in_main[i]) continue;
    for (int64_t d = 0; d < n_p; ++d) {
      enc_coords.push_back(i * n_p + d);
      dec_coords.push_back(i * n_p + d);
    }
  }
  ASSERT_FALSE(enc_coords.empty());
  const std::vector<uint8_t> base = Pattern(spec, model, kernels, ws, rows, n_q);
  FdCheck fd{spec, kernels, model, Anchors{}, batch, dead};
  fd.path = path;
  fd.Check("w_enc", model.w_enc, grad.w_enc, enc_coords, base);
  fd.Check("w_dec", model.w_dec, grad.w_dec, dec_coords, base);
  EXPECT_GT(fd.checked, 5 * fd.skipped);
}

TEST_P(MethodsTest, AuxkGradientMatchesFiniteDifferences) {
  if (!example().traits->selects_topk) {
    GTEST_SKIP() << "AuxK applies to TopK-type families";
  }
  CheckAuxkGradient(example(), kernels(), PathPolicy::kAuto);
}

TEST_P(MethodsTest, SparsePathAuxkGradientMatchesFiniteDifferences) {
  if (!example().traits->selects_topk) {
    GTEST_SKIP() << "AuxK applies to TopK-type families";
  }
  CheckAuxkGradient(example(), kernels(), PathPolicy::kSparse);
}

// JumpReLU's threshold gradient is the straight-through estimate: for t = log(theta),
//   dL/dt = theta * sum_b K((z - theta)/eps) [dL/da * (-theta/eps) - l0/(B eps)].
// With every pre-activation far from every threshold it is exactly zero; with one inside
// the kernel window it matches the formula.
void CheckJumpReluThresholdGradient(const KernelTable& kernels) {
  const MethodSpec spec = *ParseMethodSpec("sae.jumprelu(latents=4,l0=0.5,bandwidth=0.1,theta=1)");
  const int64_t n_p = 4, rows = 1;
  SaeModel model = InitMethodModel(spec, n_p, n_p, 1);
  // Identity encoder: z = x. Latent 0 sits 0.02 above its threshold (inside the window),
  // the others far below or above.
  std::fill(model.w_enc.begin(), model.w_enc.end(), 0.0f);
  for (int i = 0; i < 4; ++i) model.w_enc[i * n_p + i] = 1.0f;
  const std::vector<float> inputs = {1.02f, 0.2f, 3.0f, -1.0f};
  const Batch batch{inputs.data(), inputs.data(), rows};
  MethodWorkspace ws;
  SaeGradient grad;
  ASSERT_TRUE(
      MethodLossAndGradient(spec, model, Anchors{}, batch, kernels, nullptr, ws, &grad).ok());
  EXPECT_EQ(grad.extra[1], 0.0f);
  EXPECT_EQ(grad.extra[2], 0.0f);
  EXPECT_EQ(grad.extra[3], 0.0f);
  // dL/da_0 = 2 <x_hat - x, W_D[:, 0]>.
  double grad_a0 = 0;
  for (int d = 0; d < n_p; ++d) {
    double x_hat = model.b_dec[d];
    for (int i = 0; i < 4; ++i) {
      x_hat += ws.dense.a[i] * model.w_dec[i * n_p + d];
    }
    grad_a0 += 2.0 * (x_hat - inputs[d]) * model.w_dec[d];
  }
  const double theta = 1.0, eps = 0.1;
  const double expected = theta * (grad_a0 * (-theta / eps) - 0.5 / eps);
  EXPECT_NEAR(grad.extra[0], expected, 1e-3 * std::fabs(expected));
}

TEST(JumpRelu, ThresholdsFollowTheEstimator) {
  for (const KernelTable* kernels : {&ScalarKernels(), &SimdKernels()}) {
    SCOPED_TRACE(kernels->backend_name());
    CheckJumpReluThresholdGradient(*kernels);
  }
}

TEST_P(MethodsTest, ActivationPassesPreActivationOrZeroAndKeepsTheL0Promise) {
  const MethodSpec spec = *ParseMethodSpec(example().spec);
  const FamilyTraits& traits = *example().traits;
  const int64_t n_p = 9, rows = 11, n_q = spec.latents;
  const SaeModel model = PerturbedModel(spec, n_p, n_p);
  const std::vector<float> inputs = RandomVector(40, rows * n_p, 1.0);
  for (const bool training : {true, false}) {
    MethodWorkspace ws;
    ASSERT_TRUE(DenseEncode(spec, model, inputs.data(), rows, kernels(), training, ws).ok());
    int64_t active = 0;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) {
        const float a = ws.dense.a[r * n_q + i];
        const float z = ws.z[r * n_q + i];
        if (traits.passes_preactivation) {
          EXPECT_TRUE(a == 0.0f || a == z) << spec.family << " row " << r << " latent " << i
                                            << ": a=" << a << " z=" << z;
        }
        active += a != 0.0f;
      }
    }
    const int64_t k = traits.selects_topk ? spec.IntKnob("k") : 0;
    const auto row_active = [&](int64_t r) {
      int64_t count = 0;
      for (int64_t i = 0; i < n_q; ++i) count += ws.dense.a[r * n_q + i] != 0.0f;
      return count;
    };
    switch (L0PromiseOf(spec)) {
      case L0Promise::kNone:
        break;
      case L0Promise::kKPerSampleInTraining:
        if (training) {
          EXPECT_EQ(active, k * rows) << spec.family;
        }
        break;
      case L0Promise::kAtMostKPerSampleInTraining:
        if (training) {
          EXPECT_LE(active, k * rows) << spec.family;
        }
        break;
      case L0Promise::kExactlyKPerSample:
        for (int64_t r = 0; r < rows; ++r) {
          EXPECT_EQ(row_active(r), k) << spec.family << " row " << r;
        }
        break;
      case L0Promise::kAtMostKPerSample:
        for (int64_t r = 0; r < rows; ++r) {
          EXPECT_LE(row_active(r), k) << spec.family << " row " << r;
        }
        break;
    }
  }
}

TEST_P(MethodsTest, EncodeMatchesTheInferenceActivation) {
  const MethodSpec spec = *ParseMethodSpec(example().spec);
  const int64_t n_p = 9, rows = 5, n_q = spec.latents;
  const SaeModel model = PerturbedModel(spec, n_p, n_p);
  const std::vector<float> inputs = RandomVector(41, rows * n_p, 1.0);
  MethodWorkspace ws;
  const auto codes = Encode(spec, model, inputs.data(), rows, kernels(), ws);
  ASSERT_TRUE(codes.ok()) << codes.status();
  MethodWorkspace dense;
  ASSERT_TRUE(DenseEncode(spec, model, inputs.data(), rows, kernels(), false, dense).ok());
  ASSERT_EQ(codes->indptr.size(), static_cast<size_t>(rows + 1));
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> row(n_q, 0.0f);
    for (int64_t j = codes->indptr[r]; j < codes->indptr[r + 1]; ++j) {
      if (j > codes->indptr[r]) {
        EXPECT_LT(codes->indices[j - 1], codes->indices[j]);
      }
      row[codes->indices[j]] = codes->values[j];
    }
    for (int64_t i = 0; i < n_q; ++i) {
      EXPECT_EQ(row[i], dense.dense.a[r * n_q + i]) << r << "," << i;
    }
  }
}

// Gated's activation passes its magnitude path m_i = exp(r_i) (z_i - b_E,i) + b_mag,i where
// the gate z_i is open (gated.cc).
TEST(Gated, ActivationPassesTheMagnitudeWhereTheGateIsOpen) {
  const MethodSpec spec = *ParseMethodSpec("sae.gated(latents=24,l1=0.05)");
  const int64_t n_p = 9, rows = 11, n_q = spec.latents;
  const SaeModel model = PerturbedModel(spec, n_p, n_p);
  const std::vector<float> inputs = RandomVector(42, rows * n_p, 1.0);
  for (const KernelTable* kernels : {&ScalarKernels(), &SimdKernels()}) {
    MethodWorkspace ws;
    ASSERT_TRUE(DenseEncode(spec, model, inputs.data(), rows, *kernels, false, ws).ok());
    int64_t open = 0;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n_q; ++i) {
        const float z = ws.z[r * n_q + i], a = ws.dense.a[r * n_q + i];
        const float m = std::exp(model.extra[i]) * (z - model.b_enc[i]) + model.extra[n_q + i];
        EXPECT_EQ(a, z > 0.0f && m > 0.0f ? m : 0.0f) << "row " << r << " latent " << i;
        open += a != 0.0f;
      }
    }
    EXPECT_GT(open, 0);
  }
}

// Every family as an SAE (its example and variant examples, e.g. TopK's relu=1) and as a
// crosscoder, whose decoder-norm weighting and source blocks differ (a norm per source
// block), on both backends.
std::vector<std::tuple<FamilyExample, std::string>> Cases() {
  std::vector<std::tuple<FamilyExample, std::string>> cases;
  std::vector<FamilyExample> families;
  for (const FamilyTraits* traits : AllFamilyTraits()) {
    int variant = 0;
    for (const std::string_view example : TestedExamples(*traits)) {
      MethodSpec spec = *ParseMethodSpec(example);
      families.push_back({traits, ToString(spec), variant});
      spec.topology = "crosscoder";
      spec.sources = 2;
      families.push_back({traits, ToString(spec), variant});
      ++variant;
    }
  }
  for (const FamilyExample& family : families) {
    for (const char* backend : {"scalar", "simd"}) cases.emplace_back(family, backend);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, MethodsTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) {
                           const FamilyExample& example = std::get<0>(info.param);
                           return example.spec.substr(0, example.spec.find('.')) + "_" +
                                  std::string(example.traits->name) + "_" +
                                  (example.variant > 0
                                       ? "variant" + std::to_string(example.variant) + "_"
                                       : std::string()) +
                                  std::get<1>(info.param);
                         });

}  // namespace
}  // namespace lrb::sdl
