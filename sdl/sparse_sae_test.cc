// The pipeline's sparse path (sparse_sae.h) against its dense path (dense_sae.h) on the same
// state, for every family of method_families.inc that may use it (with AuxK for the TopK-type
// families, anchoring, as crosscoders), on both backends: the loss terms and every gradient agree within
// float rounding, and the codes are the dense activations exactly. The dense path is checked
// by finite differences in methods_test.cc (and so is the forced sparse path).

#include <cmath>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "sdl/family.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/methods.h"
#include "sdl/sae_model.h"
#include "util/testing/random_vectors.h"

namespace lrb::sdl {
namespace {

constexpr int64_t kRows = 13, kNp = 17, kNq = 16 * kSparsePathMaxFill, kNr = 17;

using ::lrb::testing::RandomVector;

// A model whose encoder biases leave only a few latents active per sample (a trained-like
// sparse state), with perturbed weights and family parameters.
SaeModel SparseModel(const MethodSpec& spec, int64_t n_r) {
  SaeModel model = InitMethodModel(spec, kNp, n_r, 3);
  const std::vector<float> noise = RandomVector(1, model.w_dec.size(), 0.1);
  for (size_t i = 0; i < noise.size(); ++i) model.w_dec[i] += noise[i];
  model.b_dec = RandomVector(2, n_r, 0.1);
  const std::vector<float> b_enc = RandomVector(3, kNq, 0.2);
  for (int64_t i = 0; i < kNq; ++i) model.b_enc[i] = b_enc[i] - 2.5f;
  const std::vector<float> extra = RandomVector(4, model.extra.size(), 0.1);
  for (size_t i = 0; i < extra.size(); ++i) model.extra[i] += extra[i];
  return model;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double bound = 1e-5 * (1.0 + std::fabs(want[i]));
    if (!(std::fabs(static_cast<double>(got[i]) - want[i]) <= bound) && ++bad <= 5) {
      ADD_FAILURE() << what << " at " << i << ": sparse path " << got[i] << " vs dense path "
                    << want[i];
    }
  }
  EXPECT_EQ(bad, 0) << what;
}

// The codes as a dense rows x n_q matrix (every level's entries).
std::vector<float> Densify(const SparseCodes& codes, int64_t n_q) {
  std::vector<float> a(codes.rows * n_q, 0.0f);
  for (const CodeList& list : codes.levels) {
    for (int64_t r = 0; r < codes.rows; ++r) {
      for (int64_t j = 0; j < list.counts[r]; ++j) {
        const int64_t e = r * list.width + j;
        EXPECT_EQ(a[r * n_q + list.indices[e]], 0.0f) << "latent listed twice, row " << r;
        a[r * n_q + list.indices[e]] = list.values[e];
      }
    }
  }
  return a;
}

class SparsePathTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  MethodSpec spec() const {
    MethodSpec spec = *ParseMethodSpec(std::get<0>(GetParam()));
    spec.latents = kNq;
    return spec;
  }
  void SetUp() override {
    if (!TraitsOf(spec()).sparse_path) GTEST_SKIP() << "the family has no sparse path";
  }
  const KernelTable& kernels() const { return **KernelsByName(std::get<1>(GetParam())); }
};

TEST_P(SparsePathTest, SparsePathMatchesDensePath) {
  const MethodSpec spec = this->spec();
  const int64_t n_r = spec.sources * kNr;
  const SaeModel model = SparseModel(spec, n_r);
  const std::vector<float> inputs = RandomVector(5, kRows * kNp, 1.0);
  const std::vector<float> targets = RandomVector(6, kRows * n_r, 1.0);
  const Batch batch{inputs.data(), targets.data(), kRows};
  Anchors anchors;
  if (spec.anchor.has_value()) {
    anchors = {spec.anchor->k, spec.anchor->lambda, RandomVector(7, spec.anchor->k * kNp, 0.3),
               RandomVector(8, spec.anchor->k * n_r, 0.3)};
  }
  std::vector<uint8_t> dead(kNq, 0);
  for (int64_t i = 0; i < kNq; i += 3) dead[i] = 1;
  MethodWorkspace sparse_ws, dense_ws;
  sparse_ws.path = PathPolicy::kSparse;
  dense_ws.path = PathPolicy::kDense;
  SaeGradient sparse_grad, dense_grad;
  // Stale gradients must not leak into the result.
  sparse_grad.w_enc.assign(model.w_enc.size(), 1e3f);
  sparse_grad.w_dec.assign(model.w_dec.size(), -1e3f);
  const absl::StatusOr<LossTerms> sparse = MethodLossAndGradient(
      spec, model, anchors, batch, kernels(), &dead, sparse_ws, &sparse_grad);
  const absl::StatusOr<LossTerms> dense = MethodLossAndGradient(
      spec, model, anchors, batch, kernels(), &dead, dense_ws, &dense_grad);
  ASSERT_TRUE(sparse.ok()) << sparse.status();
  ASSERT_TRUE(dense.ok()) << dense.status();
  ASSERT_TRUE(sparse_ws.used_sparse_path) << ToString(spec);
  EXPECT_FALSE(dense_ws.used_sparse_path);
  // The state is really sparse, and really not empty.
  const std::vector<float> codes = Densify(sparse_ws.sparse.codes, kNq);
  int64_t active = 0;
  for (const float a : codes) active += a != 0.0f;
  EXPECT_GT(active, kRows);
  EXPECT_LT(active, kRows * kNq / 8);
  EXPECT_EQ(codes, dense_ws.dense.a);

  EXPECT_NEAR(sparse->reconstruction, dense->reconstruction, 1e-5 * dense->reconstruction);
  EXPECT_NEAR(sparse->sparsity, dense->sparsity, 1e-5 * (1 + std::fabs(dense->sparsity)));
  EXPECT_NEAR(sparse->auxiliary, dense->auxiliary, 1e-5 * (1 + std::fabs(dense->auxiliary)));
  EXPECT_NEAR(sparse->anchor, dense->anchor, 1e-6 * (1 + std::fabs(dense->anchor)));
  if (spec.auxk.has_value()) {
    EXPECT_GT(dense->auxiliary, 0.0);
  }
  ExpectNear(sparse_grad.w_enc, dense_grad.w_enc, "w_enc");
  ExpectNear(sparse_grad.b_enc, dense_grad.b_enc, "b_enc");
  ExpectNear(sparse_grad.w_dec, dense_grad.w_dec, "w_dec");
  ExpectNear(sparse_grad.b_dec, dense_grad.b_dec, "b_dec");
  ExpectNear(sparse_grad.extra, dense_grad.extra, "extra");

  // The same active latents and inference state follow from either path.
  std::vector<uint8_t> sparse_active(kNq, 0), dense_active(kNq, 0);
  MarkActiveLatents(spec, sparse_ws, sparse_active);
  MarkActiveLatents(spec, dense_ws, dense_active);
  EXPECT_EQ(sparse_active, dense_active);
  SaeModel sparse_model = model, dense_model = model;
  UpdateInferenceState(spec, sparse_ws, 0, sparse_model);
  UpdateInferenceState(spec, dense_ws, 0, dense_model);
  EXPECT_EQ(sparse_model.inference_state, dense_model.inference_state);
}

TEST_P(SparsePathTest, EncodeOnBothPathsMatchesTheInferenceActivation) {
  MethodSpec spec = this->spec();
  SaeModel model = SparseModel(spec, spec.sources * kNr);
  // Every inference-state value (BatchTopK's threshold) at a value some codes pass.
  std::fill(model.inference_state.begin(), model.inference_state.end(), 0.1f);
  const std::vector<float> inputs = RandomVector(9, kRows * kNp, 1.0);
  MethodWorkspace sparse_ws, dense_ws;
  dense_ws.path = PathPolicy::kDense;
  const auto sparse = Encode(spec, model, inputs.data(), kRows, kernels(), sparse_ws);
  const auto dense = Encode(spec, model, inputs.data(), kRows, kernels(), dense_ws);
  ASSERT_TRUE(sparse.ok() && dense.ok());
  EXPECT_TRUE(sparse_ws.used_sparse_path || sparse_ws.sparse.codes.rows == kRows);
  EXPECT_EQ(sparse->indptr, dense->indptr);
  EXPECT_EQ(sparse->indices, dense->indices);
  EXPECT_EQ(sparse->values, dense->values);
  EXPECT_GT(dense->indices.size(), 0u);
}

TEST_P(SparsePathTest, NonFiniteModelIsAnErrorNotACrash) {
  const MethodSpec spec = this->spec();
  SaeModel model = SparseModel(spec, spec.sources * kNr);
  model.w_enc[5] = NAN;
  const std::vector<float> inputs = RandomVector(10, kRows * kNp, 1.0);
  MethodWorkspace ws;
  ws.path = PathPolicy::kSparse;
  SaeGradient grad;
  const auto loss = MethodLossAndGradient(spec, model, Anchors{}, {inputs.data(), inputs.data(), kRows},
                                          kernels(), nullptr, ws, &grad);
  EXPECT_EQ(loss.status().code(), absl::StatusCode::kAborted);
}

// Every family's example and variant examples (TestedExamples), with anchoring, with AuxK
// where it applies, and as a crosscoder (decoder norms per source block).
std::vector<std::tuple<std::string, std::string>> Cases() {
  std::vector<std::string> specs;
  for (const FamilyTraits* traits : AllFamilyTraits()) {
    for (const std::string_view tested : TestedExamples(*traits)) {
      MethodSpec spec = *ParseMethodSpec(tested);
      const std::string example = ToString(spec);
      specs.push_back(example);
      specs.push_back(example + "+anchor(k=3,lambda=0.2)");
      if (traits->selects_topk) specs.push_back(example + "+auxk(k=4,lambda=0.03)");
      spec.topology = "crosscoder";
      spec.sources = 2;
      specs.push_back(ToString(spec));
    }
  }
  std::vector<std::tuple<std::string, std::string>> cases;
  for (const std::string& spec : specs) {
    for (const char* backend : {"scalar", "simd"}) cases.emplace_back(spec, backend);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, SparsePathTest, ::testing::ValuesIn(Cases()));

// kAuto takes the sparse path exactly when the densest row of the codes has at most
// n_q / kSparsePathMaxFill entries.
TEST(SparsePath, AutoTakesTheSparsePathWhenTheCodesAreSparse) {
  const std::vector<float> inputs = RandomVector(12, kRows * kNp, 1.0);
  for (const int64_t k : {kNq / kSparsePathMaxFill, kNq / kSparsePathMaxFill + 1}) {
    MethodSpec spec = *ParseMethodSpec("sae.topk(latents=24,k=4)");
    spec.latents = kNq;
    spec.SetKnob("k", static_cast<double>(k));
    const SaeModel model = SparseModel(spec, kNr);
    MethodWorkspace ws;
    ASSERT_TRUE(MethodLossAndGradient(spec, model, Anchors{},
                                      {inputs.data(), inputs.data(), kRows}, ScalarKernels(),
                                      nullptr, ws, nullptr)
                    .ok());
    EXPECT_EQ(ws.used_sparse_path, k <= kNq / kSparsePathMaxFill) << "k=" << k;
  }
}

// BatchTopK selects over the batch, so a row of large norm takes most of the codes: here
// row 0 takes more than n_q / kSparsePathMaxFill while the average stays k. kAuto still takes
// the sparse path (ragged rows, the kernels skip their padding), and it agrees with the
// dense path: the codes exactly, the gradients within rounding.
TEST(SparseBatchTopk, OneRowTakingMostCodesStaysOnTheSparsePath) {
  MethodSpec spec = *ParseMethodSpec("sae.batchtopk(latents=24,k=2)");
  spec.latents = kNq;
  const SaeModel model = SparseModel(spec, kNr);
  std::vector<float> inputs = RandomVector(13, kRows * kNp, 1.0);
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t c = 0; c < kNp; ++c) inputs[r * kNp + c] *= r == 0 ? 30.0f : 0.1f;
  }
  const Batch batch{inputs.data(), inputs.data(), kRows};
  for (const KernelTable* kernels : {&ScalarKernels(), &SimdKernels()}) {
    MethodWorkspace auto_ws, dense_ws;
    dense_ws.path = PathPolicy::kDense;
    SaeGradient auto_grad, dense_grad;
    const auto sparse = MethodLossAndGradient(spec, model, Anchors{}, batch, *kernels, nullptr,
                                              auto_ws, &auto_grad);
    const auto dense = MethodLossAndGradient(spec, model, Anchors{}, batch, *kernels, nullptr,
                                             dense_ws, &dense_grad);
    ASSERT_TRUE(sparse.ok()) << sparse.status();
    ASSERT_TRUE(dense.ok()) << dense.status();
    ASSERT_TRUE(auto_ws.used_sparse_path);
    const CodeList& list = auto_ws.sparse.codes.levels[0];
    EXPECT_GT(list.counts[0], kNq / kSparsePathMaxFill) << "row 0 is not the ragged case";
    EXPECT_EQ(list.width, list.counts[0]);
    EXPECT_EQ(Densify(auto_ws.sparse.codes, kNq), dense_ws.dense.a);
    EXPECT_NEAR(sparse->reconstruction, dense->reconstruction, 1e-5 * dense->reconstruction);
    ExpectNear(auto_grad.w_enc, dense_grad.w_enc, "w_enc");
    ExpectNear(auto_grad.b_enc, dense_grad.b_enc, "b_enc");
    ExpectNear(auto_grad.w_dec, dense_grad.w_dec, "w_dec");
    ExpectNear(auto_grad.b_dec, dense_grad.b_dec, "b_dec");
  }
}

// BatchTopK's sparse selection first tries a threshold guessed from every 61st value; when
// fewer than k * B values reach it, it falls back to one that always holds. Here the sampled
// values are the batch's largest but too few, so the fallback runs; the codes must still be
// the dense selection's, ties (the many equal values) to the lower flat index.
TEST(SparseBatchTopk, ThresholdFallbackSelectsLikeTheDensePath) {
  MethodSpec spec = *ParseMethodSpec("sae.batchtopk(latents=24,k=16)");
  spec.latents = kNq;
  const SaeModel model = InitMethodModel(spec, kNp, kNr, 3);
  const int64_t size = kRows * kNq;
  std::vector<float> z(size, 0.5f);
  for (int64_t i = 0; i < size; i += 61) z[i] = 1.0f;  // 110 values, fewer than k * B = 208
  const Family& family = FamilyOf(spec.family);
  for (const KernelTable* kernels : {&ScalarKernels(), &SimdKernels()}) {
    const CodesContext context{spec, model, *kernels, kRows, z.data(), /*training=*/true};
    SparseCodes codes;
    ASSERT_TRUE(family.EmitCodes(context, kNq / kSparsePathMaxFill, codes));
    std::vector<float> dense(size);
    family.Activate(spec, model, *kernels, kRows, z.data(), /*training=*/true, dense.data());
    EXPECT_EQ(Densify(codes, kNq), dense);
    int64_t selected = 0;
    for (const float a : dense) selected += a != 0.0f;
    EXPECT_EQ(selected, 16 * kRows);
  }
}

// TopK's codes: exactly the k largest pre-activations of each row, passed through.
TEST(SparseTopk, SelectsExactlyKLargestAndPassesThemThrough) {
  MethodSpec spec = *ParseMethodSpec("sae.topk(latents=37,k=5)");
  const SaeModel model = InitSaeModel(/*n_p=*/11, /*n_r=*/11, spec.latents, /*seed=*/3);
  const int64_t rows = 9;
  const std::vector<float> inputs = RandomVector(11, rows * 11, 1.0);
  for (const KernelTable* kernels : {&ScalarKernels(), &SimdKernels()}) {
    MethodWorkspace ws;
    ws.path = PathPolicy::kSparse;
    ASSERT_TRUE(MethodLossAndGradient(spec, model, Anchors{}, {inputs.data(), inputs.data(), rows},
                                      *kernels, nullptr, ws, nullptr)
                    .ok());
    ASSERT_TRUE(ws.used_sparse_path);
    const CodeList& list = ws.sparse.codes.levels[0];
    const int64_t k = spec.IntKnob("k");
    ASSERT_EQ(list.width, k);
    for (int64_t r = 0; r < rows; ++r) {
      const float* z = ws.z.data() + r * spec.latents;
      std::set<int32_t> active;
      float smallest_kept = INFINITY;
      for (int64_t j = 0; j < k; ++j) {
        const int32_t latent = list.indices[r * k + j];
        active.insert(latent);
        EXPECT_EQ(list.values[r * k + j], z[latent]) << "row " << r << " slot " << j;
        smallest_kept = std::min(smallest_kept, z[latent]);
      }
      EXPECT_EQ(active.size(), static_cast<size_t>(k)) << "row " << r;
      for (int64_t i = 0; i < spec.latents; ++i) {
        if (!active.count(static_cast<int32_t>(i))) {
          EXPECT_LE(z[i], smallest_kept) << "row " << r << ": dropped latent " << i;
        }
      }
    }
  }
}

// With zero reconstruction error possible only far from the anchors, the anchor term's
// gradient at an anchored latent that is not active is exactly 2 lambda (w - a).
TEST(SparseTopk, AnchorGradientPullsTowardsAnchors) {
  const MethodSpec spec = *ParseMethodSpec("sae.topk(latents=6,k=1)+anchor(k=2,lambda=0.5)");
  const SaeModel model = InitSaeModel(3, 3, 6, 1);
  Anchors anchors{2, 0.5, std::vector<float>(6, 0.0f), std::vector<float>(6, 0.0f)};
  const std::vector<float> zeros(3, 0.0f);  // one all-zero sample: reconstruction grad is b-only
  MethodWorkspace ws;
  ws.path = PathPolicy::kSparse;
  SaeGradient grad;
  const auto loss = MethodLossAndGradient(spec, model, anchors, {zeros.data(), zeros.data(), 1},
                                          ScalarKernels(), nullptr, ws, &grad);
  ASSERT_TRUE(loss.ok());
  ASSERT_TRUE(ws.used_sparse_path);
  double expected_penalty = 0;
  for (int i = 0; i < 6; ++i) {
    expected_penalty += 0.5 * (model.w_enc[i] * model.w_enc[i] + model.w_dec[i] * model.w_dec[i]);
  }
  EXPECT_NEAR(loss->anchor, expected_penalty, 1e-5);
  const int32_t active = ws.sparse.codes.levels[0].indices[0];
  for (int latent = 0; latent < 2; ++latent) {
    if (latent == active) continue;
    for (int d = 0; d < 3; ++d) {
      EXPECT_FLOAT_EQ(grad.w_enc[latent * 3 + d], 2 * 0.5f * model.w_enc[latent * 3 + d]);
      EXPECT_FLOAT_EQ(grad.w_dec[latent * 3 + d], 2 * 0.5f * model.w_dec[latent * 3 + d]);
    }
  }
}

}  // namespace
}  // namespace lrb::sdl
