#include "bench/scoring/cosines.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "util/testing/best_cosines.h"
#include "util/testing/random_vectors.h"

namespace lrb::scoring {
namespace {

class CosinesTest : public ::testing::TestWithParam<std::string> {
 protected:
  const sdl::KernelTable& kernels() const { return **sdl::KernelsByName(GetParam()); }
};

// Stored scores depend on the exact norms: each is the double sum of squares in index order,
// rounded to float. Awkward widths, so a reordered (e.g. vectorised) sum would show.
TEST_P(CosinesTest, LatentNormsAreTheIndexOrderDoubleSum) {
  for (const int64_t dim : {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 768}) {
    const int64_t n_q = 5, n = 2;
    SCOPED_TRACE(absl::StrCat("dim ", dim, ", streams ", dim, " and ", dim + 1000));
    const std::vector<float> learned = ::lrb::testing::RandomVector(dim, n_q * dim, 3.0);
    const std::vector<float> features = ::lrb::testing::RandomVector(dim + 1000, n * dim);
    const auto c = ComputeCosines(learned.data(), n_q, features.data(), n, dim, kernels());
    ASSERT_TRUE(c.ok()) << c.status();
    for (int64_t i = 0; i < n_q; ++i) {
      double sum_squares = 0;
      for (int64_t d = 0; d < dim; ++d) {
        sum_squares += static_cast<double>(learned[i * dim + d]) * learned[i * dim + d];
      }
      const float expected = static_cast<float>(std::sqrt(sum_squares));
      EXPECT_EQ(c->latent_norms[i], expected) << absl::StrFormat(
          "latent %d: scorer %.9g, index-order loop %.9g", i, c->latent_norms[i], expected);
    }
  }
}

// Against the double-precision oracle of util/testing, which shares no code with the scorer.
TEST_P(CosinesTest, BestCosinesMatchAnIndependentOracle) {
  const int64_t n_q = 13, n = 6, dim = 17;
  const std::vector<float> learned = ::lrb::testing::RandomVector(1, n_q * dim, 0.5);
  const std::vector<float> features = ::lrb::testing::RandomVector(2, n * dim, 2.0);
  const auto c = ComputeCosines(learned.data(), n_q, features.data(), n, dim, kernels());
  ASSERT_TRUE(c.ok()) << c.status();
  const std::vector<double> oracle = ::lrb::testing::BestCosines(learned, features, dim);
  for (int64_t j = 0; j < n; ++j) {
    float best = 0;
    for (int64_t i = 0; i < n_q; ++i) best = std::max(best, std::fabs(c->at(j, i)));
    EXPECT_NEAR(best, oracle[j], 1e-5) << "feature " << j;
  }
}

TEST_P(CosinesTest, ZeroDirectionHasCosineZeroAndBadInputsFail) {
  const int64_t dim = 3;
  const std::vector<float> features = {0, 2, 0, 1, 1, 0};
  const std::vector<float> learned = {0, 5, 0, 0, 0, 1e-7f};  // the second is below 1e-6
  const auto c = ComputeCosines(learned.data(), 2, features.data(), 2, dim, kernels());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->latent_norms[0], 5.0f);
  EXPECT_EQ(c->latent_norms[1], 0.0f);
  EXPECT_FLOAT_EQ(c->at(0, 0), 1.0f);
  EXPECT_NEAR(c->at(1, 0), std::sqrt(0.5), 1e-6);
  EXPECT_EQ(c->at(0, 1), 0.0f);
  EXPECT_EQ(c->at(1, 1), 0.0f);

  const std::vector<float> zero_feature = {0, 2, 0, 0, 0, 0};
  const auto no_feature = ComputeCosines(learned.data(), 2, zero_feature.data(), 2, dim, kernels());
  EXPECT_EQ(no_feature.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_feature.status().message().find("feature 1"), std::string::npos)
      << no_feature.status();
  std::vector<float> nan_learned = learned;
  nan_learned[4] = std::numeric_limits<float>::quiet_NaN();
  const auto nan = ComputeCosines(nan_learned.data(), 2, features.data(), 2, dim, kernels());
  EXPECT_EQ(nan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(nan.status().message().find("direction 1"), std::string::npos) << nan.status();
  EXPECT_FALSE(ComputeCosines(learned.data(), 0, features.data(), 2, dim, kernels()).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, CosinesTest, ::testing::Values("scalar", "simd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lrb::scoring
