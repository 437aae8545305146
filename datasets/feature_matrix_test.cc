#include "datasets/feature_matrix.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/philox.h"

namespace lrb::datasets {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kStream = 11;

// n = 200 random directions in 160 dimensions start near max <w_i, w_j> = 0.3, so M = 0.1
// needs real work from PGD (about 15 steps).
FeatureMatrixOptions HardOptions() {
  return {.n = 200,
          .n_p = 160,
          .max_interference = 0.1,
          .eps = 1e-3,
          .lambda = 1e-3,
          .step = 0.05,
          .max_iterations = 100,
          .seed = 3,
          .stream = kStream};
}

double NaiveMaxInterference(const std::vector<float>& rows, int64_t n, int64_t n_p) {
  double best = -2;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      double dot = 0;
      for (int64_t d = 0; d < n_p; ++d) {
        dot += static_cast<double>(rows[i * n_p + d]) * rows[j * n_p + d];
      }
      best = std::max(best, dot);
    }
  }
  return best;
}

void ExpectUnitRows(const std::vector<float>& rows, int64_t n, int64_t n_p) {
  for (int64_t i = 0; i < n; ++i) {
    double norm_sq = 0;
    for (int64_t d = 0; d < n_p; ++d)
      norm_sq += static_cast<double>(rows[i * n_p + d]) * rows[i * n_p + d];
    ASSERT_NEAR(std::sqrt(norm_sq), 1.0, 1e-6) << "row " << i;
  }
}

TEST(FeatureMatrix, PgdReachesTheBoundWithUnitRows) {
  const FeatureMatrixOptions options = HardOptions();
  // The random start must violate the bound, or this test would not exercise PGD.
  FeatureMatrixOptions no_steps = options;
  no_steps.max_interference = 1;
  const absl::StatusOr<FeatureMatrix> start = GenerateFeatureMatrix(no_steps, 1);
  ASSERT_TRUE(start.ok()) << start.status();
  ASSERT_GT(start->max_interference, 0.2);

  const absl::StatusOr<FeatureMatrix> result = GenerateFeatureMatrix(options, 2);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->iterations, 5);
  ASSERT_EQ(result->rows.size(), static_cast<size_t>(options.n * options.n_p));
  ExpectUnitRows(result->rows, options.n, options.n_p);
  const double naive_max = NaiveMaxInterference(result->rows, options.n, options.n_p);
  EXPECT_LE(naive_max, options.max_interference);
  // PGD stops at the first iterate that meets the bound, so it is not far below it.
  EXPECT_GT(naive_max, options.max_interference - 0.01);
  EXPECT_NEAR(result->max_interference, naive_max, 1e-12);
}

TEST(FeatureMatrix, LooseBoundKeepsTheNormalisedGaussianStart) {
  const FeatureMatrixOptions options = {
      .n = 5, .n_p = 7, .max_interference = 1, .seed = 9, .stream = kStream};
  const absl::StatusOr<FeatureMatrix> result = GenerateFeatureMatrix(options, 1);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->iterations, 0);
  // Pins the documented draw layout: entry (j, d) is Normal(j * n_p + d), row-normalised.
  const CounterRng rng(options.seed, options.stream);
  for (int64_t j = 0; j < options.n; ++j) {
    double norm_sq = 0;
    for (int64_t d = 0; d < options.n_p; ++d) {
      const double x = rng.Normal(j * options.n_p + d);
      norm_sq += x * x;
    }
    for (int64_t d = 0; d < options.n_p; ++d) {
      EXPECT_EQ(result->rows[j * options.n_p + d],
                static_cast<float>(rng.Normal(j * options.n_p + d) / std::sqrt(norm_sq)))
          << "feature " << j << " entry " << d;
    }
  }
}

TEST(FeatureMatrix, FailsNamingAchievedMaximumWhenIterationsRunOut) {
  FeatureMatrixOptions options = HardOptions();
  options.max_iterations = 2;
  const absl::StatusOr<FeatureMatrix> result = GenerateFeatureMatrix(options, 2);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  const std::string message(result.status().message());
  EXPECT_THAT(message, HasSubstr("M=0.1"));
  EXPECT_THAT(message, HasSubstr("iters=2"));
  EXPECT_THAT(message, HasSubstr("achieved max 0."));
}

TEST(FeatureMatrix, ZeroIterationsFailWhenTheStartViolatesTheBound) {
  FeatureMatrixOptions options = HardOptions();
  options.max_iterations = 0;
  EXPECT_EQ(GenerateFeatureMatrix(options, 1).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(FeatureMatrix, BytesDependOnSeedButNotThreads) {
  const FeatureMatrixOptions options = HardOptions();
  const absl::StatusOr<FeatureMatrix> one = GenerateFeatureMatrix(options, 1);
  ASSERT_TRUE(one.ok()) << one.status();
  for (const int threads : {2, 3, 7}) {
    const absl::StatusOr<FeatureMatrix> other = GenerateFeatureMatrix(options, threads);
    ASSERT_TRUE(other.ok()) << other.status();
    EXPECT_EQ(other->iterations, one->iterations) << "threads=" << threads;
    EXPECT_EQ(0,
              std::memcmp(other->rows.data(), one->rows.data(), one->rows.size() * sizeof(float)))
        << "threads=" << threads;
  }
  FeatureMatrixOptions reseeded = options;
  reseeded.seed += 1;
  const absl::StatusOr<FeatureMatrix> different = GenerateFeatureMatrix(reseeded, 2);
  ASSERT_TRUE(different.ok()) << different.status();
  EXPECT_NE(different->rows, one->rows);
}

TEST(FeatureMatrix, MaxInterferenceIsTheSignedMaximum) {
  // Rows at 0 and 180 degrees (product -1) and one at 60 degrees from the first (0.5):
  // the signed maximum is 0.5, the absolute one would be 1.
  const std::vector<float> rows = {1, 0, -1, 0, 0.5f, std::sqrt(0.75f)};
  EXPECT_NEAR(MaxInterference(rows.data(), 3, 2, 1), 0.5, 1e-7);
}

}  // namespace
}  // namespace lrb::datasets
