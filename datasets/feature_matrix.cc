#include "datasets/feature_matrix.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "datasets/dense_products.h"
#include "util/parallel.h"
#include "util/philox.h"
#include "util/spec_parser.h"

namespace lrb::datasets {
namespace {

// Rows per parallel chunk for the O(n * n_p) and O(n^2) passes around the products.
constexpr int64_t kMinRowsPerChunk = 32;

// out = v / ||v||, the norm accumulated in double in ascending order, one rounding to float.
// v is never zero in practice (Gaussian rows; a step would have to cancel a row exactly);
// if it were, the NaNs would fail the bound check and end in the iteration-cap error.
void StoreNormalised(const double* v, int64_t size, float* out) {
  double sum_sq = 0;
  for (int64_t d = 0; d < size; ++d) sum_sq += v[d] * v[d];
  const double norm = std::sqrt(sum_sq);
  for (int64_t d = 0; d < size; ++d) out[d] = static_cast<float>(v[d] / norm);
}

std::vector<float> GaussianUnitRows(const FeatureMatrixOptions& options, int threads) {
  const int64_t n_p = options.n_p;
  const CounterRng rng(options.seed, options.stream);
  std::vector<float> rows(options.n * n_p);
  ParallelFor(
      0, options.n, threads,
      [&](int64_t begin, int64_t end) {
        std::vector<double> row(n_p);
        for (int64_t j = begin; j < end; ++j) {
          for (int64_t d = 0; d < n_p; ++d) row[d] = rng.Normal(j * n_p + d);
          StoreNormalised(row.data(), n_p, rows.data() + j * n_p);
        }
      },
      kMinRowsPerChunk);
  return rows;
}

// max(a, b), but NaN if either is NaN, so that a NaN never passes the bound check.
double MaxOrNan(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return std::max(a, b);
}

// max over i != j of gram (n x n). Row maxima first, then a serial pass: max is exact, so
// the result is independent of the split anyway.
double MaxOffDiagonal(const std::vector<double>& gram, int64_t n, int threads) {
  std::vector<double> row_max(n, -std::numeric_limits<double>::infinity());
  ParallelFor(
      0, n, threads,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            if (j != i) row_max[i] = MaxOrNan(row_max[i], gram[i * n + j]);
          }
        }
      },
      kMinRowsPerChunk);
  double result = -std::numeric_limits<double>::infinity();
  for (const double m : row_max) result = MaxOrNan(result, m);
  return result;
}

// Overwrites gram with the gradient weights c_ij = 4 (max(0, G_ij - t) + lambda max(0, G_ij))
// for i != j and c_ii = 0, so that dL/dW = C W (see the header).
void GramToGradientWeights(double threshold, double lambda, int64_t n, int threads,
                           std::vector<double>& gram) {
  ParallelFor(
      0, n, threads,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          double* row = gram.data() + i * n;
          for (int64_t j = 0; j < n; ++j) {
            const double g = row[j];
            row[j] =
                j == i ? 0.0 : 4.0 * (std::max(0.0, g - threshold) + lambda * std::max(0.0, g));
          }
        }
      },
      kMinRowsPerChunk);
}

}  // namespace

double MaxInterference(const float* rows, int64_t n, int64_t n_p, int threads) {
  const std::vector<double> wide(rows, rows + n * n_p);
  std::vector<double> gram(n * n);
  Gram(wide.data(), n, n_p, threads, gram.data());
  return MaxOffDiagonal(gram, n, threads);
}

absl::StatusOr<FeatureMatrix> GenerateFeatureMatrix(const FeatureMatrixOptions& options,
                                                    int threads) {
  const int64_t n = options.n;
  const int64_t n_p = options.n_p;
  const double threshold = options.max_interference - options.eps;

  FeatureMatrix result;
  result.rows = GaussianUnitRows(options, threads);
  std::vector<double> w;  // the float iterate, widened
  std::vector<double> gram(n * n);
  std::vector<double> step_rows(n * n_p);
  for (int64_t iteration = 0;; ++iteration) {
    w.assign(result.rows.begin(), result.rows.end());
    Gram(w.data(), n, n_p, threads, gram.data());
    result.max_interference = MaxOffDiagonal(gram, n, threads);
    if (result.max_interference <= options.max_interference) {
      result.iterations = iteration;
      return result;
    }
    if (iteration == options.max_iterations) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "lrb: projected gradient descent did not reach max_{i!=j} <w_i,w_j> <= M=%s within "
          "iters=%d steps (n=%d, np=%d, step=%s, eps=%s, lambda=%s): achieved max %.6f; "
          "raise iters or step, or relax M",
          FormatSpecNumber(options.max_interference), options.max_iterations, n, n_p,
          FormatSpecNumber(options.step), FormatSpecNumber(options.eps),
          FormatSpecNumber(options.lambda), result.max_interference));
    }
    GramToGradientWeights(threshold, options.lambda, n, threads, gram);
    MatMul(gram.data(), w.data(), n, n, n_p, threads, step_rows.data());
    ParallelFor(
        0, n, threads,
        [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) {
            double* v = step_rows.data() + i * n_p;
            const double* w_i = w.data() + i * n_p;
            for (int64_t d = 0; d < n_p; ++d) v[d] = w_i[d] - options.step * v[d];
            StoreNormalised(v, n_p, result.rows.data() + i * n_p);
          }
        },
        kMinRowsPerChunk);
  }
}

}  // namespace lrb::datasets
