#ifndef LRB_SDL_KERNELS_KERNELS_H_
#define LRB_SDL_KERNELS_KERNELS_H_

// The kernel table: every hot operation of SDL training and scoring, behind one table per
// backend. `scalar` is the reference (plain loops, built without auto-vectorisation);
// `simd` is the fast path (Highway with runtime dispatch, our own blocked GEMM for the dense
// products, threads; no BLAS library). Both must agree: masks and selections exactly, sums
// within a depth-scaled tolerance, and both must match the definitions below evaluated in
// double precision (kernels_test.cc).
//
// Conventions for every entry:
//   - matrices are row-major float32 with an explicit leading dimension `ld*` (elements
//     between consecutive rows, >= the row length);
//   - sizes are int64_t, and any size may be 0;
//   - outputs never alias inputs unless stated;
//   - kernels never fail: callers validate shapes (hot loops return no errors).

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lrb::sdl {

struct AdamParams {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  // Bias corrections for the current step t (1-based): 1 - beta1^t and 1 - beta2^t.
  float bias_correction1 = 1.0f;
  float bias_correction2 = 1.0f;
  // The gradient is used as g = grad * gradient_scale (global-norm clipping folded into the
  // update; 1 leaves it exactly as is).
  float gradient_scale = 1.0f;
};

// The sparse kernels' row r holds all k entries when `counts` is null, else its first
// counts[r] (KernelTable below); every backend reads the layout through this.
// (Int: int64_t, or size_t in the SIMD row loops.)
template <class Int>
Int EntriesOfRow(const int32_t* counts, Int r, Int k) {
  return counts == nullptr ? k : static_cast<Int>(counts[r]);
}

struct KernelTable {
  // The backend that actually runs: "scalar", or "simd:" + the Highway target chosen at run
  // time for this CPU (e.g. "simd:AVX2", "simd:AVX3"). Recorded with every result.
  std::string (*backend_name)();

  // C[m x n] = alpha * A[m x k] * B[n x k]^T + beta * C.   (encoder: Z = X W_E^T)
  // When beta == 0, C is write-only (its old contents, even NaN, are ignored).
  void (*gemm_nt)(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
  // C[m x n] = alpha * A[k x m]^T * B[k x n] + beta * C.   (dense weight gradients)
  void (*gemm_tn)(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
  // C[m x n] = alpha * A[m x k] * B[k x n] + beta * C.     (dense decode: X_hat = A W_D^T)
  void (*gemm_nn)(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

  // C[m x n] = A[m x k] * B[n x k]^T + bias, with bias (n values, may be null: zero) added
  // to every row; returns whether every element of C is finite. The encoder, its bias and
  // the divergence check in one pass over C (the bias is added after the product: the same
  // floats as gemm_nt with alpha 1, beta 0, then an axpy of the bias into each row).
  bool (*gemm_nt_bias)(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                       const float* b, int64_t ldb, const float* bias, float* c, int64_t ldc);

  // Row-wise top-k: for each of `rows` rows of z (`cols` values, stride ldz), the k largest
  // values (1 <= k <= cols) in descending order, ties broken by the lower column index, as
  // column indices (indices[r*k + j]) and values (values[r*k + j]). NaN never occurs here
  // (callers check for divergence first).
  void (*topk_rows)(const float* z, int64_t rows, int64_t cols, int64_t ldz, int64_t k,
                    int32_t* indices, float* values);

  // The sparse kernels below read codes laid out `k` per row: row r's entries are
  // indices/values[r*k + j]. `counts` is null when every row has all k entries; otherwise row
  // r has only its first counts[r] (<= k) and the rest of the row is padding, which the
  // kernels skip, so their cost follows the entries, not rows * k (a batch-level selection
  // such as BatchTopK gives a few rows hundreds of entries and most rows a handful). Skipping
  // padding of value 0 gives the same floats as adding it.

  // Sparse decode: out[r, :] = bias + sum_j values[r*k+j] * dict[indices[r*k+j], :] for r in
  // [0, rows), each dict row of length dim (stride ld_dict). bias may be null (zero).
  void (*sparse_decode)(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                        const int32_t* counts, const float* dict, int64_t dim, int64_t ld_dict,
                        const float* bias, float* out, int64_t ld_out);

  // Sparse dots: out[r*k+j] = <vecs[r, :], dict[indices[r*k+j], :]> (length dim), and 0 at
  // padding. (Gradient of the loss with respect to the active latents' values.)
  void (*sparse_dots)(const int32_t* indices, int64_t rows, int64_t k, const int32_t* counts,
                      const float* vecs, int64_t ld_vecs, const float* dict, int64_t dim,
                      int64_t ld_dict, float* out);

  // Sparse outer-product accumulation: for every (r, j),
  //   grad[indices[r*k+j], :] += values[r*k+j] * vecs[r, :]      (length dim).
  // Rows of grad not named by any index are untouched. Several (r, j) may name the same row;
  // the result must not depend on the thread count (accumulate each row in (r, j) order).
  void (*sparse_outer_accumulate)(const int32_t* indices, const float* values, int64_t rows,
                                  int64_t k, const int32_t* counts, const float* vecs, int64_t dim,
                                  int64_t ld_vecs, float* grad, int64_t ld_grad);

  // sparse_outer_accumulate into a gradient that starts at zero, without a separate zeroing
  // pass: for every i in [0, grad_rows), grad[i, :] = sum over the (r, j) naming i of
  // values[r*k+j] * vecs[r, :] (in (r, j) order), or 0 when none names it. The same floats as
  // zeroing grad and calling sparse_outer_accumulate. Requires every index < grad_rows.
  void (*sparse_outer_assign)(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                              const int32_t* counts, const float* vecs, int64_t dim,
                              int64_t ld_vecs, float* grad, int64_t ld_grad, int64_t grad_rows);

  // <x, y> over n elements, accumulated in float (tolerance scales with n).
  float (*dot)(int64_t n, const float* x, const float* y);
  // y += a * x.
  void (*axpy)(int64_t n, float a, const float* x, float* y);
  // Sum of squares of x, accumulated in double.
  double (*sum_squares)(int64_t n, const float* x);

  // One Adam step on n parameters (element-wise), with g = grad * gradient_scale:
  //   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
  //   p -= lr * (m / bc1) / (sqrt(v / bc2) + eps).
  void (*adam_update)(int64_t n, const AdamParams& params, float* param, const float* grad,
                      float* m, float* v);

  // Scales each of `rows` rows of w (length cols, stride ld) to unit L2 norm; a row whose
  // norm is below 1e-12 is left unchanged.
  void (*normalize_rows)(float* w, int64_t rows, int64_t cols, int64_t ld);

  // adam_update on a rows x cols matrix (contiguous, row-major) followed by normalize_rows,
  // in one pass over the rows (the decoder's update and renormalisation): the same floats.
  void (*adam_normalize_rows)(int64_t rows, int64_t cols, const AdamParams& params,
                              float* param, const float* grad, float* m, float* v);

  // out[i] = max(x[i], 0) (ReLU); out may equal x.
  void (*relu)(int64_t n, const float* x, float* out);
};

// The reference backend.
const KernelTable& ScalarKernels();
// The fast backend for this CPU.
const KernelTable& SimdKernels();

// "scalar" or "simd"; anything else is an error naming the value and the choices.
absl::StatusOr<const KernelTable*> KernelsByName(std::string_view name);

}  // namespace lrb::sdl

#endif  // LRB_SDL_KERNELS_KERNELS_H_
