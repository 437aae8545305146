// The reference backend: plain loops, obviously correct. BUILD compiles this file with
// -fno-tree-vectorize so that it really is scalar and serves as the baseline for speed-ups.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "sdl/kernels/kernels.h"

namespace lrb::sdl {
namespace {

std::string BackendName() { return "scalar"; }

void GemmNT(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += a[i * lda + p] * b[j * ldb + p];
      float& out = c[i * ldc + j];
      out = beta == 0 ? alpha * acc : alpha * acc + beta * out;
    }
  }
}

void GemmTN(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += a[p * lda + i] * b[p * ldb + j];
      float& out = c[i * ldc + j];
      out = beta == 0 ? alpha * acc : alpha * acc + beta * out;
    }
  }
}

void GemmNN(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += a[i * lda + p] * b[p * ldb + j];
      float& out = c[i * ldc + j];
      out = beta == 0 ? alpha * acc : alpha * acc + beta * out;
    }
  }
}

void TopkRows(const float* z, int64_t rows, int64_t cols, int64_t ldz, int64_t k,
              int32_t* indices, float* values) {
  std::vector<int32_t> order(cols);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = z + r * ldz;
    std::iota(order.begin(), order.end(), 0);
    // Descending value, ties to the lower index: a strict weak order, so the selection is
    // fully determined by the values.
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [row](int32_t x, int32_t y) {
      return row[x] > row[y] || (row[x] == row[y] && x < y);
    });
    for (int64_t j = 0; j < k; ++j) {
      indices[r * k + j] = order[j];
      values[r * k + j] = row[order[j]];
    }
  }
}

void SparseDecode(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                  const int32_t* counts, const float* dict, int64_t dim, int64_t ld_dict,
                  const float* bias, float* out, int64_t ld_out) {
  for (int64_t r = 0; r < rows; ++r) {
    float* o = out + r * ld_out;
    for (int64_t d = 0; d < dim; ++d) o[d] = bias == nullptr ? 0.0f : bias[d];
    for (int64_t j = 0; j < EntriesOfRow(counts, r, k); ++j) {
      const float v = values[r * k + j];
      const float* w = dict + indices[r * k + j] * ld_dict;
      for (int64_t d = 0; d < dim; ++d) o[d] += v * w[d];
    }
  }
}

float Dot(int64_t n, const float* x, const float* y) {
  float acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += x[i] * y[i];
  return acc;
}

void SparseDots(const int32_t* indices, int64_t rows, int64_t k, const int32_t* counts,
                const float* vecs, int64_t ld_vecs, const float* dict, int64_t dim, int64_t ld_dict,
                float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t entries = EntriesOfRow(counts, r, k);
    for (int64_t j = 0; j < entries; ++j) {
      out[r * k + j] = Dot(dim, vecs + r * ld_vecs, dict + indices[r * k + j] * ld_dict);
    }
    std::fill(out + r * k + entries, out + (r + 1) * k, 0.0f);
  }
}

void Axpy(int64_t n, float a, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void SparseOuterAccumulate(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                           const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                           float* grad, int64_t ld_grad) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < EntriesOfRow(counts, r, k); ++j) {
      Axpy(dim, values[r * k + j], vecs + r * ld_vecs, grad + indices[r * k + j] * ld_grad);
    }
  }
}

double SumSquares(int64_t n, const float* x) {
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(x[i]) * x[i];
  return acc;
}

void AdamUpdate(int64_t n, const AdamParams& p, float* param, const float* grad, float* m,
                float* v) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i] * p.gradient_scale;
    m[i] = p.beta1 * m[i] + (1.0f - p.beta1) * g;
    v[i] = p.beta2 * v[i] + (1.0f - p.beta2) * g * g;
    const float m_hat = m[i] / p.bias_correction1;
    const float v_hat = v[i] / p.bias_correction2;
    param[i] -= p.learning_rate * m_hat / (std::sqrt(v_hat) + p.epsilon);
  }
}

void NormalizeRows(float* w, int64_t rows, int64_t cols, int64_t ld) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = w + r * ld;
    const double norm = std::sqrt(SumSquares(cols, row));
    if (norm < 1e-12) continue;
    const float scale = static_cast<float>(1.0 / norm);
    for (int64_t c = 0; c < cols; ++c) row[c] *= scale;
  }
}

bool GemmNTBias(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                int64_t ldb, const float* bias, float* c, int64_t ldc) {
  GemmNT(m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  bool finite = true;
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    if (bias != nullptr) Axpy(n, 1.0f, bias, row);
    for (int64_t j = 0; j < n; ++j) finite = finite && std::isfinite(row[j]);
  }
  return finite;
}

void SparseOuterAssign(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                       const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                       float* grad, int64_t ld_grad, int64_t grad_rows) {
  for (int64_t i = 0; i < grad_rows; ++i) std::fill_n(grad + i * ld_grad, dim, 0.0f);
  SparseOuterAccumulate(indices, values, rows, k, counts, vecs, dim, ld_vecs, grad, ld_grad);
}

void AdamNormalizeRows(int64_t rows, int64_t cols, const AdamParams& params, float* param,
                       const float* grad, float* m, float* v) {
  AdamUpdate(rows * cols, params, param, grad, m, v);
  NormalizeRows(param, rows, cols, cols);
}

void Relu(int64_t n, const float* x, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

}  // namespace

const KernelTable& ScalarKernels() {
  static const KernelTable table = {
      .backend_name = BackendName,
      .gemm_nt = GemmNT,
      .gemm_tn = GemmTN,
      .gemm_nn = GemmNN,
      .gemm_nt_bias = GemmNTBias,
      .topk_rows = TopkRows,
      .sparse_decode = SparseDecode,
      .sparse_dots = SparseDots,
      .sparse_outer_accumulate = SparseOuterAccumulate,
      .sparse_outer_assign = SparseOuterAssign,
      .dot = Dot,
      .axpy = Axpy,
      .sum_squares = SumSquares,
      .adam_update = AdamUpdate,
      .normalize_rows = NormalizeRows,
      .adam_normalize_rows = AdamNormalizeRows,
      .relu = Relu,
  };
  return table;
}

}  // namespace lrb::sdl
