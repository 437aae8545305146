#include "bench/scoring/assignment.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "util/philox.h"
#include "util/testing/random_vectors.h"

namespace lrb::scoring {
namespace {

// The cheapest injective assignment by enumerating all of them (rows <= cols <= 8).
double BruteForceMinimum(const std::vector<float>& cost, int64_t rows, int64_t cols) {
  std::vector<char> used(cols, 0);
  double best = std::numeric_limits<double>::infinity();
  auto recurse = [&](auto&& self, int64_t i, double sum) -> void {
    if (i == rows) {
      best = std::min(best, sum);
      return;
    }
    for (int64_t j = 0; j < cols; ++j) {
      if (used[j]) continue;
      used[j] = 1;
      self(self, i + 1, sum + cost[i * cols + j]);
      used[j] = 0;
    }
  };
  recurse(recurse, 0, 0.0);
  return best;
}

void ExpectOptimalAndCertified(const std::vector<float>& cost, int64_t rows, int64_t cols,
                               const Assignment& a) {
  const absl::Status certificate =
      CheckAssignmentCertificate(cost.data(), rows, cols, cols, a, 1e-9);
  EXPECT_TRUE(certificate.ok()) << certificate;
}

// Random matrices of every shape up to 6 x 8, with values drawn either continuously or from
// {0, 1, 2} (many ties, many equally good assignments), against enumeration.
TEST(AssignmentTest, MatchesBruteForceOnEverySmallShape) {
  constexpr uint64_t kSeed = 1;  // replay: CounterRng(kSeed, stream) with the printed stream
  for (int64_t rows = 1; rows <= 6; ++rows) {
    for (int64_t cols = rows; cols <= 8; ++cols) {
      for (int ties = 0; ties < 2; ++ties) {
        for (uint64_t trial = 0; trial < 4; ++trial) {
          const uint64_t stream = ((rows * 16 + cols) * 2 + ties) * 16 + trial;
          SCOPED_TRACE(absl::StrCat(rows, " x ", cols, ties ? " integer" : " continuous",
                                    ", seed ", kSeed, " stream ", stream));
          const CounterRng rng(kSeed, stream);
          std::vector<float> cost(rows * cols);
          for (int64_t e = 0; e < rows * cols; ++e) {
            cost[e] = ties ? static_cast<float>(rng.Below(e, 3))
                           : static_cast<float>(rng.Normal(e));
          }
          const auto a = SolveAssignment(cost.data(), rows, cols, cols);
          ASSERT_TRUE(a.ok()) << a.status();
          EXPECT_NEAR(a->total_cost, BruteForceMinimum(cost, rows, cols), 1e-9);
          ExpectOptimalAndCertified(cost, rows, cols, *a);
        }
      }
    }
  }
}

// A planted optimum: C[i, j] = u[i] + v[j] + s[i, j] with s >= 0, s[i, p(i)] = 0 on an
// injective p, v <= 0 on p's columns and v = 0 elsewhere, and s > 0 off p. Any other
// assignment q costs sum u + sum_i v[q(i)] + sum_i s[i, q(i)] > sum u + sum_i v[p(i)], because
// the v are <= 0 and only p's columns carry them; so p is the unique optimum.
struct Planted {
  std::vector<float> cost;
  std::vector<int32_t> optimum;
  double optimal_cost = 0;
};

Planted PlantOptimum(int64_t rows, int64_t cols, uint64_t seed) {
  const CounterRng rng(seed, 0);
  Planted planted;
  // p: a random injection, from a Fisher-Yates shuffle of the columns.
  std::vector<int32_t> columns(cols);
  for (int64_t j = 0; j < cols; ++j) columns[j] = static_cast<int32_t>(j);
  for (int64_t j = cols - 1; j > 0; --j) {
    std::swap(columns[j], columns[rng.Below(j, j + 1)]);
  }
  planted.optimum.assign(columns.begin(), columns.begin() + rows);
  // Small integers keep every float sum exact, so the optimum is known exactly.
  std::vector<double> u(rows), v(cols, 0.0);
  for (int64_t i = 0; i < rows; ++i) u[i] = static_cast<double>(rng.Below(cols + i, 64)) - 32;
  for (int64_t i = 0; i < rows; ++i) {
    v[planted.optimum[i]] = -static_cast<double>(rng.Below(2 * cols + i, 32));
  }
  planted.cost.resize(rows * cols);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      const double slack = 1 + static_cast<double>(rng.Below(3 * cols + i * cols + j, 16));
      planted.cost[i * cols + j] = static_cast<float>(u[i] + v[j] + slack);
    }
    planted.cost[i * cols + planted.optimum[i]] = static_cast<float>(u[i] + v[planted.optimum[i]]);
    planted.optimal_cost += u[i] + v[planted.optimum[i]];
  }
  return planted;
}

TEST(AssignmentTest, FindsAPlantedUniqueOptimumOnLargerMatrices) {
  struct Shape {
    int64_t rows, cols;
  };
  for (const Shape shape : {Shape{1, 1}, Shape{64, 64}, Shape{100, 1600}, Shape{300, 301},
                            Shape{500, 500}}) {
    SCOPED_TRACE(absl::StrCat(shape.rows, " x ", shape.cols, ", seed ", shape.rows));
    const Planted planted = PlantOptimum(shape.rows, shape.cols, shape.rows);
    const auto a = SolveAssignment(planted.cost.data(), shape.rows, shape.cols, shape.cols);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(a->total_cost, planted.optimal_cost);
    EXPECT_EQ(a->column_of_row, planted.optimum);
    ExpectOptimalAndCertified(planted.cost, shape.rows, shape.cols, *a);
  }
}

// The use in scoring: maximise |cos| (cost = -|cos|) of random unit-ish directions, a dense,
// near-tied problem where most rows must displace others. The certificate proves optimality.
TEST(AssignmentTest, CertifiesOptimalityOnDenseNearTiedCosts) {
  const int64_t rows = 200, cols = 260;
  std::vector<float> cost = ::lrb::testing::RandomVector(/*stream=*/3, rows * cols, 0.05);
  for (float& c : cost) c = -std::fabs(c);
  const auto a = SolveAssignment(cost.data(), rows, cols, cols);
  ASSERT_TRUE(a.ok());
  ExpectOptimalAndCertified(cost, rows, cols, *a);
}

TEST(AssignmentTest, RespectsTheLeadingDimension) {
  // A 2 x 3 problem inside rows of 5; the padding would be chosen if it were read.
  const std::vector<float> cost = {3, 1, 2, -100, -100,  //
                                   1, 5, 4, -100, -100};
  const auto a = SolveAssignment(cost.data(), 2, 3, 5);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->column_of_row, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(a->total_cost, 2.0);
}

TEST(AssignmentTest, CertificateCheckCatchesAWrongAnswer) {
  const std::vector<float> cost = {1, 2,  //
                                   2, 4};
  auto a = SolveAssignment(cost.data(), 2, 2, 2);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(CheckAssignmentCertificate(cost.data(), 2, 2, 2, *a, 1e-12).ok());
  EXPECT_EQ(a->column_of_row, (std::vector<int32_t>{1, 0}));  // 2 + 2 beats 1 + 4
  std::swap(a->column_of_row[0], a->column_of_row[1]);        // the worse assignment
  EXPECT_FALSE(CheckAssignmentCertificate(cost.data(), 2, 2, 2, *a, 1e-12).ok());
}

TEST(AssignmentTest, RejectsBadShapesAndNonFiniteCosts) {
  const std::vector<float> cost = {1, 2, 3, 4, 5, 6};
  EXPECT_FALSE(SolveAssignment(cost.data(), 3, 2, 2).ok());  // rows > cols
  EXPECT_FALSE(SolveAssignment(cost.data(), 0, 2, 2).ok());
  EXPECT_FALSE(SolveAssignment(cost.data(), 2, 3, 2).ok());  // ld < cols
  std::vector<float> bad = cost;
  bad[4] = std::numeric_limits<float>::quiet_NaN();
  const auto a = SolveAssignment(bad.data(), 2, 3, 3);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("[1, 1]"), std::string::npos) << a.status();
}

}  // namespace
}  // namespace lrb::scoring
