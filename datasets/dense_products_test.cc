#include "datasets/dense_products.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "util/philox.h"

namespace lrb::datasets {
namespace {

// Sizes around the 4 x 4 register tile, so that every edge case of the packing is hit.
constexpr int64_t kSizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33};
constexpr int64_t kDepths[] = {1, 3, 8, 17, 64};

// Entries spread over twelve orders of magnitude and both signs: a sum taken in any other
// order than the naive one would almost surely differ in the last bits.
std::vector<double> AwkwardMatrix(int64_t size, uint64_t stream) {
  const CounterRng rng(/*seed=*/7, stream);
  std::vector<double> values(size);
  for (int64_t i = 0; i < size; ++i) {
    values[i] = rng.Normal(2 * i) * std::pow(10.0, std::floor(12 * rng.Uniform(2 * i + 1)) - 6);
  }
  return values;
}

std::vector<double> NaiveProduct(const std::vector<double>& a, const std::vector<double>& b,
                                 int64_t m, int64_t depth, int64_t n) {
  std::vector<double> c(m * n);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t d = 0; d < depth; ++d) sum += a[i * depth + d] * b[d * n + j];
      c[i * n + j] = sum;
    }
  }
  return c;
}

std::vector<double> Transpose(const std::vector<double>& a, int64_t rows, int64_t cols) {
  std::vector<double> t(a.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = a[r * cols + c];
  }
  return t;
}

// Bitwise, and reports the first differing entry with its position and both values.
void ExpectSameBits(const std::vector<double>& got, const std::vector<double>& want, int64_t cols,
                    const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t k = 0; k < got.size(); ++k) {
    if (std::memcmp(&got[k], &want[k], sizeof(double)) != 0) {
      ADD_FAILURE() << what << ": entry (" << k / cols << ", " << k % cols << ") is " << got[k]
                    << ", naive loop gives " << want[k];
      return;
    }
  }
}

TEST(DenseProducts, SumInAscendingDepthOrder) {
  // (1e16 + 1) - 1e16 is 0 in double; any other order gives 1.
  const std::vector<double> a = {1e16, 1, -1e16};
  const std::vector<double> ones = {1, 1, 1};
  double c = -1;
  MatMul(a.data(), ones.data(), 1, 3, 1, 1, &c);
  EXPECT_EQ(c, 0.0);
}

TEST(DenseProducts, MatMulEqualsNaiveLoopBitwise) {
  for (const int64_t m : kSizes) {
    for (const int64_t n : kSizes) {
      for (const int64_t depth : kDepths) {
        const std::vector<double> a = AwkwardMatrix(m * depth, 1);
        const std::vector<double> b = AwkwardMatrix(depth * n, 2);
        std::vector<double> c(m * n, -1);
        MatMul(a.data(), b.data(), m, depth, n, /*threads=*/3, c.data());
        ExpectSameBits(c, NaiveProduct(a, b, m, depth, n), n,
                       "MatMul m=" + std::to_string(m) + " depth=" + std::to_string(depth) +
                           " n=" + std::to_string(n));
      }
    }
  }
}

TEST(DenseProducts, GramEqualsNaiveLoopBitwiseAndIsSymmetric) {
  for (const int64_t m : kSizes) {
    for (const int64_t depth : kDepths) {
      const std::vector<double> rows = AwkwardMatrix(m * depth, 3);
      std::vector<double> gram(m * m, -1);
      Gram(rows.data(), m, depth, /*threads=*/3, gram.data());
      const std::string what = "Gram m=" + std::to_string(m) + " depth=" + std::to_string(depth);
      ExpectSameBits(gram, NaiveProduct(rows, Transpose(rows, m, depth), m, depth, m), m, what);
      ExpectSameBits(gram, Transpose(gram, m, m), m, what + " (symmetry)");
    }
  }
}

TEST(DenseProducts, ThreadCountDoesNotChangeBits) {
  // Large enough for several parallel chunks of both products.
  const int64_t m = 203, depth = 37, n = 61;
  const std::vector<double> a = AwkwardMatrix(m * depth, 4);
  const std::vector<double> b = AwkwardMatrix(depth * n, 5);
  std::vector<double> gram_1(m * m), product_1(m * n);
  Gram(a.data(), m, depth, 1, gram_1.data());
  MatMul(a.data(), b.data(), m, depth, n, 1, product_1.data());
  for (const int threads : {2, 3, 7}) {
    std::vector<double> gram(m * m), product(m * n);
    Gram(a.data(), m, depth, threads, gram.data());
    MatMul(a.data(), b.data(), m, depth, n, threads, product.data());
    ExpectSameBits(gram, gram_1, m, "Gram threads=" + std::to_string(threads));
    ExpectSameBits(product, product_1, n, "MatMul threads=" + std::to_string(threads));
  }
}

}  // namespace
}  // namespace lrb::datasets
