#include "bench/scoring/reconstruction.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/scoring/codes.h"
#include "bench/scoring/test_support.h"
#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "util/testing/random_vectors.h"

namespace lrb::scoring {
namespace {

using ::lrb::scoring::testing::AllRows;
using ::lrb::scoring::testing::MakeCodes;
using ::lrb::scoring::testing::RandomCodes;
using Row = std::vector<std::pair<int32_t, float>>;

class ReconstructionTest : public ::testing::TestWithParam<std::string> {
 protected:
  const sdl::KernelTable& kernels() const { return **sdl::KernelsByName(GetParam()); }
};

// Targets x(s) = (s, 2s, 0) for s = 0..3: mean (1.5, 3, 0), total variance 5 * 5 = 25.
const std::vector<float> kTargets = {0, 0, 0, 1, 2, 0, 2, 4, 0, 3, 6, 0};
// One latent with decoder direction (1, 2, 0).
const std::vector<float> kDecoder = {1, 2, 0};

TEST_P(ReconstructionTest, ExactCodesExplainEverything) {
  const datasets::SparseCodes codes = MakeCodes(1, {{}, {{0, 1.0f}}, {{0, 2.0f}}, {{0, 3.0f}}});
  const auto r =
      ScoreReconstruction(AllRows(codes), kDecoder.data(), nullptr, 3, kTargets.data(), kernels());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->fvu, 0.0);
}

TEST_P(ReconstructionTest, PredictingTheMeanExplainsNothing) {
  const datasets::SparseCodes none = MakeCodes(1, {{}, {}, {}, {}});
  const std::vector<float> mean = {1.5f, 3.0f, 0.0f};
  const auto r = ScoreReconstruction(AllRows(none), kDecoder.data(), mean.data(), 3,
                                     kTargets.data(), kernels());
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->fvu, 1.0);
  // Predicting zero: sum ||x||^2 / total variance = 70 / 25.
  const auto zero =
      ScoreReconstruction(AllRows(none), kDecoder.data(), nullptr, 3, kTargets.data(), kernels());
  ASSERT_TRUE(zero.ok());
  EXPECT_DOUBLE_EQ(zero->fvu, 70.0 / 25.0);
}

TEST_P(ReconstructionTest, HalfCodesLeaveAQuarterOfTheError) {
  // Codes at half strength: the error is (s/2)(1, 2, 0) on sample s.
  const datasets::SparseCodes half =
      MakeCodes(1, {{{0, 0.0f}}, {{0, 0.5f}}, {{0, 1.0f}}, {{0, 1.5f}}});
  const auto r =
      ScoreReconstruction(AllRows(half), kDecoder.data(), nullptr, 3, kTargets.data(), kernels());
  ASSERT_TRUE(r.ok());
  // sum_s (s/2)^2 * 5 = 5 * (0 + 1 + 4 + 9) / 4 = 17.5.
  EXPECT_NEAR(r->fvu, 17.5 / 25.0, 1e-12);
}

TEST_P(ReconstructionTest, ConstantTargetsAndBadInputs) {
  const std::vector<float> constant = {1, 1, 1, 1, 1, 1};
  const std::vector<float> bias = {1, 1, 1};
  const datasets::SparseCodes none = MakeCodes(1, {{}, {}});
  const auto exact =
      ScoreReconstruction(AllRows(none), kDecoder.data(), bias.data(), 3, constant.data(),
                          kernels());
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->fvu, 0.0);
  const auto wrong =
      ScoreReconstruction(AllRows(none), kDecoder.data(), nullptr, 3, constant.data(), kernels());
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->fvu, std::numeric_limits<double>::infinity());
  const datasets::SparseCodes empty = MakeCodes(1, {});
  EXPECT_FALSE(ScoreReconstruction(AllRows(empty), kDecoder.data(), nullptr, 3,
                                   kTargets.data(), kernels())
                   .ok());
}

// Stored scores depend on FVU's exact bits: both sums of squares are double sums over samples,
// then dimensions, in index order, and the mean is each column's double sum in sample order.
// Recomputed here by that loop from the same kernel's reconstructions, at awkward widths.
TEST_P(ReconstructionTest, FvuIsTheIndexOrderDoubleSum) {
  for (const int64_t n_r : {1, 3, 7, 9, 17, 33}) {
    const int64_t samples = 23, n_q = 11, k = 3;
    SCOPED_TRACE(absl::StrCat("n_r ", n_r, ", streams ", n_r, ", ", n_r + 100, ", ",
                              n_r + 200, ", RandomCodes seed ", n_r));
    const std::vector<float> decoder = ::lrb::testing::RandomVector(n_r, n_q * n_r);
    const std::vector<float> bias = ::lrb::testing::RandomVector(n_r + 100, n_r, 0.1);
    const std::vector<float> targets = ::lrb::testing::RandomVector(n_r + 200, samples * n_r);
    const datasets::SparseCodes codes = RandomCodes(samples, n_q, k, n_r);
    const auto r = ScoreReconstruction(AllRows(codes), decoder.data(), bias.data(), n_r,
                                       targets.data(), kernels());
    ASSERT_TRUE(r.ok()) << r.status();

    std::vector<double> mean(n_r, 0.0);
    for (int64_t s = 0; s < samples; ++s) {
      for (int64_t d = 0; d < n_r; ++d) mean[d] += targets[s * n_r + d];
    }
    for (double& m : mean) m /= static_cast<double>(samples);
    std::vector<float> x_hat(n_r);
    double residual_sq = 0, total_sq = 0;
    for (int64_t s = 0; s < samples; ++s) {
      kernels().sparse_decode(codes.indices.data() + s * k, codes.values.data() + s * k, 1, k,
                              nullptr, decoder.data(), n_r, n_r, bias.data(), x_hat.data(), n_r);
      for (int64_t d = 0; d < n_r; ++d) {
        const double err = static_cast<double>(x_hat[d]) - targets[s * n_r + d];
        const double dev = static_cast<double>(targets[s * n_r + d]) - mean[d];
        residual_sq += err * err;
        total_sq += dev * dev;
      }
    }
    EXPECT_EQ(r->fvu, residual_sq / total_sq)
        << absl::StrFormat("scorer %.17g, index-order loop %.17g", r->fvu, residual_sq / total_sq);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ReconstructionTest, ::testing::Values("scalar", "simd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lrb::scoring
