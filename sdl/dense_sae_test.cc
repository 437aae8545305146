// The dense pipeline's sparse path (dense_sae.h, kSparsePathMaxFill) against its dense path
// on the same inputs: loss and every gradient agree within float rounding, on both
// backends, for every family that takes it; families that must not take it do not. The
// dense path itself is checked by finite differences in methods_test.cc.

#include "sdl/dense_sae.h"

#include <cmath>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/methods.h"
#include "sdl/sae_model.h"
#include "util/philox.h"

namespace lrb::sdl {
namespace {

constexpr int64_t kRows = 13, kNp = 17, kNq = 16 * kSparsePathMaxFill, kNr = 17;

std::vector<float> RandomVector(uint64_t stream, int64_t size, double scale) {
  const CounterRng rng(91, stream);
  std::vector<float> v(size);
  for (int64_t i = 0; i < size; ++i) v[i] = static_cast<float>(scale * rng.Normal(i));
  return v;
}

// A model whose encoder biases leave only a few latents active per sample (a trained-like
// sparse state), with perturbed weights.
SaeModel SparseModel(const MethodSpec& spec) {
  SaeModel model = InitMethodModel(spec, kNp, kNr, 3);
  const std::vector<float> noise = RandomVector(1, model.w_dec.size(), 0.1);
  for (size_t i = 0; i < noise.size(); ++i) model.w_dec[i] += noise[i];
  const std::vector<float> b_dec = RandomVector(2, kNr, 0.1);
  model.b_dec = b_dec;
  const std::vector<float> b_enc = RandomVector(3, kNq, 0.2);
  for (int64_t i = 0; i < kNq; ++i) model.b_enc[i] = b_enc[i] - 2.5f;
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

struct Case {
  std::string spec;
  bool sparse;  // whether the family may take the sparse path
};

// gtest prints parameters in failure messages.
void PrintTo(const Case& c, std::ostream* os) { *os << c.spec; }

class DenseSparsePathTest : public testing::TestWithParam<std::tuple<Case, std::string>> {};

TEST_P(DenseSparsePathTest, SparsePathMatchesDensePath) {
  const auto& [c, backend] = GetParam();
  absl::StatusOr<MethodSpec> spec = ParseMethodSpec(c.spec);
  ASSERT_TRUE(spec.ok()) << spec.status();
  spec->latents = kNq;
  const KernelTable& kernels = *KernelsByName(backend).value();
  const SaeModel model = SparseModel(*spec);
  const std::vector<float> inputs = RandomVector(4, kRows * kNp, 1.0);
  const std::vector<float> targets = RandomVector(5, kRows * kNr, 1.0);
  const Batch batch{inputs.data(), targets.data(), kRows};
  DenseWorkspace sparse_ws, dense_ws;
  dense_ws.allow_sparse_path = false;
  SaeGradient sparse_grad, dense_grad;
  // Stale gradients must not leak into the result.
  sparse_grad.w_enc.assign(model.w_enc.size(), 1e3f);
  sparse_grad.w_dec.assign(model.w_dec.size(), -1e3f);
  const absl::StatusOr<LossTerms> sparse =
      DenseLossAndGradient(*spec, model, Anchors{}, batch, kernels, nullptr, sparse_ws,
                           &sparse_grad);
  const absl::StatusOr<LossTerms> dense =
      DenseLossAndGradient(*spec, model, Anchors{}, batch, kernels, nullptr, dense_ws,
                           &dense_grad);
  ASSERT_TRUE(sparse.ok()) << sparse.status();
  ASSERT_TRUE(dense.ok()) << dense.status();
  EXPECT_EQ(sparse_ws.used_sparse_path, c.sparse) << c.spec;
  EXPECT_FALSE(dense_ws.used_sparse_path);
  if (c.sparse) {
    // The state is really sparse, and really not empty.
    EXPECT_GE(sparse_ws.sparse_k, 1);
    EXPECT_LE(sparse_ws.sparse_k, kNq / kSparsePathMaxFill);
    int64_t active = 0;
    for (float a : sparse_ws.a) active += a != 0.0f;
    EXPECT_GT(active, kRows);
  }
  EXPECT_NEAR(sparse->reconstruction, dense->reconstruction, 1e-5 * dense->reconstruction);
  EXPECT_NEAR(sparse->sparsity, dense->sparsity, 1e-6 * (1 + std::fabs(dense->sparsity)));
  EXPECT_EQ(sparse_ws.a, dense_ws.a);
  ExpectNear(sparse_grad.w_enc, dense_grad.w_enc, "w_enc");
  ExpectNear(sparse_grad.b_enc, dense_grad.b_enc, "b_enc");
  ExpectNear(sparse_grad.w_dec, dense_grad.w_dec, "w_dec");
  ExpectNear(sparse_grad.b_dec, dense_grad.b_dec, "b_dec");
  ExpectNear(sparse_grad.extra, dense_grad.extra, "extra");
}

INSTANTIATE_TEST_SUITE_P(
    Families, DenseSparsePathTest,
    testing::Combine(
        testing::Values(Case{"sae.relu(latents=8,l1=0.05)", true},
                        Case{"sae.topk(latents=8,k=3)", true},
                        Case{"sae.batchtopk(latents=8,k=3)", true},
                        Case{"sae.topk(latents=8,k=3)+auxk(k=4,lambda=0.03)", false},
                        Case{"sae.jumprelu(latents=8,l0=0.05,bandwidth=0.5,theta=0.2)", false},
                        Case{"sae.gated(latents=8,l1=0.05)", false},
                        Case{"sae.matryoshka_k(latents=8,k=4,levels=3)", false}),
        testing::Values("scalar", "simd")));

}  // namespace
}  // namespace lrb::sdl
