#ifndef LRB_DATASETS_FEATURE_MATRIX_H_
#define LRB_DATASETS_FEATURE_MATRIX_H_

// Ground-truth feature directions with bounded interference (docs/paper.md section 3, step 1):
// Gaussian unit-norm rows, then projected gradient descent until
// max_{i != j} <w_i, w_j> <= M.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace lrb::datasets {

struct FeatureMatrixOptions {
  int64_t n = 0;                // features (rows)
  int64_t n_p = 0;              // dimension (columns)
  double max_interference = 0;  // M
  double eps = 0;               // PGD penalises <w_i, w_j> above M - eps
  double lambda = 0;            // weight of the term that penalises every positive overlap
  double step = 0;
  int64_t max_iterations = 0;
  uint64_t seed = 0;
  uint64_t stream = 0;  // CounterRng stream of the initial Gaussian entries
};

struct FeatureMatrix {
  std::vector<float> rows;      // n x n_p row-major; row j is unit-norm feature j
  int64_t iterations = 0;       // PGD steps taken (0 when the random start meets M)
  double max_interference = 0;  // max_{i != j} <w_i, w_j> of `rows` as stored
};

// Initial rows: entry (j, d) is CounterRng(seed, stream).Normal(j * n_p + d); each row is
// divided by its norm (in double, then rounded to float).
//
// One PGD step, with G = W W^T and t = M - eps, descends
//   L(W) = sum_{i != j} max(0, G_ij - t)^2 + lambda * sum_{i != j} max(0, G_ij)^2
// (each unordered pair counted twice, as written in the paper), whose exact gradient is
//   dL/dw_i = sum_{j != i} 4 * (max(0, G_ij - t) + lambda * max(0, G_ij)) * w_j,
// then projects back onto the unit sphere:
//   w_i <- (w_i - step * dL/dw_i) / ||w_i - step * dL/dw_i||.
// The step is the raw `step`, not normalised by the gradient's size: with the paper's
// step 0.05, eps = lambda = 1e-3 this reaches M = 0.1 at n = 1000, n_p = 768 in 9 steps,
// matching the paper's "about 10 iterations".
//
// The iterate is the float matrix that is returned: each step reads the stored floats
// (widened to double), computes G and the gradient in double with dense_products.h (so
// the result does not depend on `threads`), and rounds the new rows to float. The bound
// is checked before every step, on exactly those floats, so `max_interference` <= M holds
// for the returned bytes. Fails with ResourceExhausted, naming the achieved maximum, when
// max_iterations steps do not reach M.
//
// Memory: the n x n Gram in double (8 n^2 bytes) plus three n x n_p buffers.
// Time per step: about 1.5 n^2 n_p multiply-adds.
absl::StatusOr<FeatureMatrix> GenerateFeatureMatrix(const FeatureMatrixOptions& options,
                                                    int threads);

// max_{i != j} <w_i, w_j> for rows: n x n_p row-major, n >= 2, accumulated in double.
double MaxInterference(const float* rows, int64_t n, int64_t n_p, int threads);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_FEATURE_MATRIX_H_
