// The U test against published values (R's wilcox.test, scipy's documentation), a tie case
// worked by hand, and the invariants every U test must keep.

#include "tools/mann_whitney.h"

#include <cmath>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/status_matchers.h"

namespace lrb::tools {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::HasSubstr;

TEST(MannWhitneyU, SeparatedSamplesMatchR) {
  // R: wilcox.test(1:5, 6:10, exact = FALSE) gives W = 0, p-value = 0.01219.
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult result,
                           MannWhitneyU({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}));
  EXPECT_EQ(result.u, 0);
  EXPECT_NEAR(result.p_value, 0.01219, 5e-6);
}

TEST(MannWhitneyU, MatchesScipyDocumentationExample) {
  // scipy.stats.mannwhitneyu documentation: males vs females, method="asymptotic":
  // statistic=17.0, pvalue=0.11134688653314041.
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult result,
                           MannWhitneyU({19, 22, 16, 29, 24}, {20, 11, 17, 12}));
  EXPECT_EQ(result.u, 17);
  EXPECT_NEAR(result.p_value, 0.11134688653314041, 1e-12);
}

TEST(MannWhitneyU, StatisticMatchesRTwoSampleExample) {
  // R's ?wilcox.test two-sample example reports W = 35 for these.
  LRB_ASSERT_OK_AND_ASSIGN(
      const MannWhitneyResult result,
      MannWhitneyU({0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
                   {1.15, 0.88, 0.90, 0.74, 1.21}));
  EXPECT_EQ(result.u, 35);
}

TEST(MannWhitneyU, TiesShareRanksAndShrinkTheVariance) {
  // Pooled: 1a | 2a 2a 2b | 3a 3b 3b | 4b. The 2s share rank 3, the 3s rank 6, so the first
  // sample's rank sum is 1 + 3 + 3 + 6 = 13 and U = 13 - 4*5/2 = 3. Two ties of 3 give
  // sum(t^3 - t) = 48, variance = 16/12 * (9 - 48/56) = 10.857142..., and
  // z = (13 - 8 - 0.5) / sqrt(10.857142...) = 1.365698..., p = erfc(z / sqrt 2) = 0.172034.
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult result,
                           MannWhitneyU({1, 2, 2, 3}, {2, 3, 3, 4}));
  EXPECT_EQ(result.u, 3);
  EXPECT_NEAR(result.z, 4.5 / std::sqrt(16.0 / 12 * (9 - 48.0 / 56)), 1e-12);
  EXPECT_NEAR(result.p_value, 0.172034, 1e-6);
}

TEST(MannWhitneyU, IsSymmetricAndUsCompleteEachOther) {
  const std::vector<double> a = {3.1, 2.7, 3.3, 2.9, 3.0, 3.4, 2.8};
  const std::vector<double> b = {3.2, 3.5, 3.6, 3.0, 3.8, 3.7};
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult ab, MannWhitneyU(a, b));
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult ba, MannWhitneyU(b, a));
  EXPECT_DOUBLE_EQ(ab.u + ba.u, static_cast<double>(a.size() * b.size()));
  EXPECT_DOUBLE_EQ(ab.p_value, ba.p_value);
  EXPECT_DOUBLE_EQ(ab.z, ba.z);
}

TEST(MannWhitneyU, DependsOnlyOnTheOrderOfTheValues) {
  // A monotone transform (timings in another unit, or their logarithm) changes nothing.
  const std::vector<double> a = {10.5, 11.2, 9.8, 10.1, 12.0};
  const std::vector<double> b = {11.9, 12.4, 13.0, 11.1, 12.2, 12.8};
  std::vector<double> log_a;
  std::vector<double> log_b;
  for (const double x : a) log_a.push_back(std::log(x) * 1000);
  for (const double x : b) log_b.push_back(std::log(x) * 1000);
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult raw, MannWhitneyU(a, b));
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult transformed, MannWhitneyU(log_a, log_b));
  EXPECT_EQ(raw.u, transformed.u);
  EXPECT_DOUBLE_EQ(raw.p_value, transformed.p_value);
}

TEST(MannWhitneyU, IdenticalSamplesGiveNoEvidence) {
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult tied, MannWhitneyU({2, 2, 2}, {2, 2}));
  EXPECT_EQ(tied.u, 3);
  EXPECT_EQ(tied.z, 0);
  EXPECT_EQ(tied.p_value, 1);
  LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult same, MannWhitneyU({1, 2, 3}, {1, 2, 3}));
  EXPECT_EQ(same.u, 4.5);
  EXPECT_EQ(same.p_value, 1);
}

TEST(MannWhitneyU, MoreSeparatedSamplesGiveSmallerPValues) {
  // Every sample of the second side above every one of the first: p falls as n grows.
  double previous = 1;
  for (int n = 2; n <= 12; ++n) {
    std::vector<double> low;
    std::vector<double> high;
    for (int i = 0; i < n; ++i) {
      low.push_back(i);
      high.push_back(100 + i);
    }
    LRB_ASSERT_OK_AND_ASSIGN(const MannWhitneyResult result, MannWhitneyU(low, high));
    EXPECT_EQ(result.u, 0) << "n = " << n;
    EXPECT_LT(result.p_value, previous) << "n = " << n;
    previous = result.p_value;
  }
  EXPECT_LT(previous, 1e-4);
}

TEST(MannWhitneyU, RefusesEmptyAndNonFiniteSamples) {
  EXPECT_THAT(MannWhitneyU({}, {1}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("first sample is empty")));
  EXPECT_THAT(MannWhitneyU({1}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("second sample is empty")));
  EXPECT_THAT(MannWhitneyU({1, std::numeric_limits<double>::quiet_NaN()}, {1}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("first sample's value 1")));
  EXPECT_THAT(MannWhitneyU({1}, {std::numeric_limits<double>::infinity()}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("second sample's value 0")));
}

}  // namespace
}  // namespace lrb::tools
