// The relu knob of the TopK-type families (family.h TopkReluKnob), on every family that
// selects top k (FamilyTraits::selects_topk) and declares it (every built-in one does; a new
// family may leave it out), on both backends: with relu=0 a selection that
// reaches below zero keeps negative codes; with relu=1 no code is negative on any path
// (dense and sparse, training and inference), the clamped latents get no gradient, L0 drops
// below k, and BatchTopK's inference threshold and Matryoshka's levels see the clamped codes.
// The generic tests (methods_test.cc, sparse_sae_test.cc) run relu=1 through each family's
// variant example.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sdl/family.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/methods.h"
#include "sdl/sae_model.h"
#include "util/testing/status_matchers.h"

namespace lrb::sdl {
namespace {

constexpr int64_t kRows = 3;

// The family's example with relu set; latents = n_p, so that an identity encoder makes z = x.
MethodSpec ExampleWithRelu(const FamilyTraits& traits, int relu) {
  MethodSpec spec = *ParseMethodSpec(traits.example);
  spec.SetKnob("relu", relu);
  return spec;
}

// z = x: identity encoder, zero encoder bias.
SaeModel IdentityEncoder(const MethodSpec& spec) {
  const int64_t n = spec.latents;
  SaeModel model = InitMethodModel(spec, n, n, /*seed=*/7);
  std::fill(model.w_enc.begin(), model.w_enc.end(), 0.0f);
  for (int64_t i = 0; i < n; ++i) model.w_enc[i * n + i] = 1.0f;
  std::fill(model.b_enc.begin(), model.b_enc.end(), 0.0f);
  return model;
}

// Row r: one positive entry (latent 5r mod n, value 1 + r), every other entry negative and
// distinct, so each row's top k (k >= 2) reaches below zero.
std::vector<float> OnePositivePerRow(int64_t n) {
  std::vector<float> x(kRows * n);
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t i = 0; i < n; ++i) x[r * n + i] = -0.01f * static_cast<float>(1 + i + r);
    x[r * n + (5 * r) % n] = 1.0f + static_cast<float>(r);
  }
  return x;
}

struct CodeCounts {
  int64_t negative = 0, positive = 0;
  void Add(float value) {
    negative += value < 0.0f;
    positive += value > 0.0f;
  }
};

// Codes of every path the pipeline has: the dense activation in training and at inference,
// the sparse training codes, and Encode's inference codes.
CodeCounts AllCodes(const MethodSpec& spec, const SaeModel& model, const KernelTable& kernels) {
  const std::vector<float> x = OnePositivePerRow(spec.latents);
  CodeCounts counts;
  for (const bool training : {true, false}) {
    MethodWorkspace ws;
    EXPECT_TRUE(DenseEncode(spec, model, x.data(), kRows, kernels, training, ws).ok());
    for (const float a : ws.dense.a) counts.Add(a);
  }
  MethodWorkspace ws;
  ws.path = PathPolicy::kSparse;
  EXPECT_TRUE(
      MethodLossAndGradient(spec, model, Anchors{}, {x.data(), x.data(), kRows}, kernels,
                            nullptr, ws, nullptr)
          .ok());
  EXPECT_TRUE(ws.used_sparse_path) << spec.family;
  for (const CodeList& list : ws.sparse.codes.levels) {
    for (const float value : list.values) counts.Add(value);
  }
  const absl::StatusOr<SparseRows> encoded = Encode(spec, model, x.data(), kRows, kernels, ws);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (encoded.ok()) {
    for (const float value : encoded->values) counts.Add(value);
  }
  return counts;
}

bool DeclaresRelu(const FamilyTraits& traits) {
  for (const KnobTraits& knob : traits.knobs) {
    if (knob.name == TopkReluKnob().name) return true;
  }
  return false;
}

// The TopK-type families with the relu knob.
std::vector<const FamilyTraits*> TopkFamilies() {
  std::vector<const FamilyTraits*> families;
  for (const FamilyTraits* traits : AllFamilyTraits()) {
    if (traits->selects_topk && DeclaresRelu(*traits)) families.push_back(traits);
  }
  return families;
}

// The knob is declared as TopkReluKnob() declares it, and the generic tests run relu=1
// through a variant example.
TEST(TopkRelu, EachFamilyWithTheKnobHasItsDefaultAndAReluVariantExample) {
  ASSERT_GE(TopkFamilies().size(), 4u) << "topk, batchtopk, matryoshka_k, matryoshka_prefix";
  for (const FamilyTraits* family : AllFamilyTraits()) {
    EXPECT_TRUE(family->selects_topk || !DeclaresRelu(*family))
        << family->name << ": relu clamps a top-k selection the family does not make";
  }
  for (const FamilyTraits* traits : TopkFamilies()) {
    SCOPED_TRACE(traits->name);
    const MethodSpec defaults = *ParseMethodSpec(std::string("sae.") + std::string(traits->name));
    EXPECT_EQ(defaults.IntKnob("relu"), 0);
    EXPECT_FALSE(ReluAfterSelection(defaults));
    bool has_relu_variant = false;
    for (const std::string_view example : traits->variant_examples) {
      has_relu_variant = has_relu_variant || ReluAfterSelection(*ParseMethodSpec(example));
    }
    EXPECT_TRUE(has_relu_variant) << "the generic tests would not cover relu=1";
    EXPECT_EQ(L0PromiseOf(defaults), traits->l0);
    EXPECT_NE(L0PromiseOf(ExampleWithRelu(*traits, 1)), traits->l0)
        << "relu=1 promises at most k (l0_of)";
  }
}

TEST(TopkRelu, WithoutReluNegativeCodesAppearWithReluNone) {
  for (const KernelTable* kernels : {&ScalarKernels(), &SimdKernels()}) {
    for (const FamilyTraits* traits : TopkFamilies()) {
      SCOPED_TRACE(std::string(traits->name) + " on " + std::string(kernels->backend_name()));
      for (const int relu : {0, 1}) {
        const MethodSpec spec = ExampleWithRelu(*traits, relu);
        ASSERT_GE(spec.IntKnob("k"), 2) << "the construction needs k >= 2";
        SaeModel model = IdentityEncoder(spec);
        // BatchTopK at inference: a threshold below every z passes negative codes unless
        // relu=1 clamps them.
        SetInferenceStateValue(spec, "threshold", -100.0f, model);
        const CodeCounts counts = AllCodes(spec, model, *kernels);
        if (relu == 0) {
          EXPECT_GT(counts.negative, 0);
        } else {
          EXPECT_EQ(counts.negative, 0);
        }
        EXPECT_GT(counts.positive, 0);
      }
    }
  }
}

// With relu=1 each row keeps only its one positive selection: L0 is 1 < k per row, and the
// latents selected with z < 0 get no gradient (their encoder rows stay at zero gradient),
// while with relu=0 they do.
TEST(TopkRelu, ClampedCodesCountAsInactiveAndPassNoGradient) {
  for (const KernelTable* kernels : {&ScalarKernels(), &SimdKernels()}) {
    for (const FamilyTraits* traits : TopkFamilies()) {
      for (const PathPolicy path : {PathPolicy::kDense, PathPolicy::kSparse}) {
        SCOPED_TRACE(std::string(traits->name) + " on " + std::string(kernels->backend_name()) +
                     (path == PathPolicy::kDense ? " dense" : " sparse"));
        for (const int relu : {0, 1}) {
          const MethodSpec spec = ExampleWithRelu(*traits, relu);
          const int64_t n = spec.latents;
          const SaeModel model = IdentityEncoder(spec);
          const std::vector<float> x = OnePositivePerRow(n);
          MethodWorkspace ws;
          ws.path = path;
          SaeGradient grad;
          LRB_ASSERT_OK(MethodLossAndGradient(spec, model, Anchors{}, {x.data(), x.data(), kRows},
                                              *kernels, nullptr, ws, &grad)
                            .status());
          std::vector<uint8_t> active(n, 0);
          MarkActiveLatents(spec, ws, active);
          std::vector<uint8_t> positive(n, 0);
          for (int64_t r = 0; r < kRows; ++r) positive[(5 * r) % n] = 1;
          int64_t active_count = 0, gradient_rows = 0;
          for (int64_t i = 0; i < n; ++i) {
            active_count += active[i];
            if (positive[i]) continue;
            double norm = 0;
            for (int64_t d = 0; d < n; ++d) norm += std::abs(grad.w_enc[i * n + d]);
            gradient_rows += norm > 0;
          }
          if (relu == 1) {
            EXPECT_EQ(active, positive);
            EXPECT_EQ(gradient_rows, 0);
          } else {
            EXPECT_GT(active_count, kRows);
            EXPECT_GT(gradient_rows, 0);
          }
        }
      }
    }
  }
}

// BatchTopK's inference threshold follows the smallest selected code; with relu=1 the
// clamped selections do not count, so it is the smallest positive one.
TEST(TopkRelu, BatchTopkThresholdFollowsTheSmallestPositiveCode) {
  for (const int relu : {0, 1}) {
    MethodSpec spec = *ParseMethodSpec("sae.batchtopk(latents=24,k=4)");
    spec.SetKnob("relu", relu);
    SaeModel model = IdentityEncoder(spec);
    const std::vector<float> x = OnePositivePerRow(spec.latents);
    MethodWorkspace ws;
    LRB_ASSERT_OK(MethodLossAndGradient(spec, model, Anchors{}, {x.data(), x.data(), kRows},
                                        ScalarKernels(), nullptr, ws, nullptr)
                      .status());
    UpdateInferenceState(spec, ws, /*step=*/0, model);
    const float threshold = InferenceStateValue(spec, model, "threshold");
    if (relu == 1) {
      EXPECT_EQ(threshold, 1.0f) << "the smallest positive selected z (row 0)";
    } else {
      EXPECT_LT(threshold, 0.0f);
    }
  }
}

}  // namespace
}  // namespace lrb::sdl
