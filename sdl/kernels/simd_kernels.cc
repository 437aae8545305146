// The SIMD backend's table (SimdKernels(), kernels.h): every entry is the explicit-
// parallelism kernel of simd_kernels_internal.h called with DefaultParallelism().
//
// The kernels, by kind, each compiled for every Highway target this architecture has (x86:
// SSSE3, SSE4, AVX2, AVX3 plus the emulated baseline) and chosen once at run time for the
// CPU, with no ISA flag set anywhere:
//   simd_gemm.cc         dense products (our cache-blocked GEMM; no BLAS library)
//   simd_topk.cc         row-wise top-k
//   simd_sparse.cc       sparse decode, sparse dots, sparse outer-product accumulation
//   simd_elementwise.cc  axpy, relu, Adam, row normalisation
//   simd_reductions.cc   dot, sum of squares
//   simd_threading.*     how they split work over threads
// Every result is a function of the inputs and the Highway target alone, whatever the
// thread count (kernels_test.cc checks it).
//
// This file is compiled once per Highway target too, for DispatchedTarget: the target that
// runtime dispatch chose, which every kernel file's dispatch also chooses (all are compiled
// for the same targets and read the same global choice).

#include <cstdint>
#include <string>

#include "sdl/kernels/kernels.h"
#include "sdl/kernels/simd_kernels_internal.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sdl/kernels/simd_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace lrb::sdl::HWY_NAMESPACE {

int64_t TargetOfThisCode() { return HWY_TARGET; }

}  // namespace lrb::sdl::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

namespace lrb::sdl {

HWY_EXPORT(TargetOfThisCode);

namespace simd_internal {

int64_t DispatchedTarget() { return HWY_DYNAMIC_DISPATCH(TargetOfThisCode)(); }

}  // namespace simd_internal

namespace {

std::string BackendName() {
  return std::string("simd:") + hwy::TargetName(simd_internal::DispatchedTarget());
}

// Dense products: the Highway GEMM (simd_gemm.cc says why it is ours).
void GemmNT(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  simd_internal::HighwayGemm(false, true, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                             simd_internal::DefaultParallelism());
}

void GemmTN(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  simd_internal::HighwayGemm(true, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                             simd_internal::DefaultParallelism());
}

void GemmNN(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  simd_internal::HighwayGemm(false, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                             simd_internal::DefaultParallelism());
}

// The table's entries: the explicit-parallelism kernels with the default parallelism.
void TopkRows(const float* z, int64_t rows, int64_t cols, int64_t ldz, int64_t k, int32_t* indices,
              float* values) {
  simd_internal::TopkRows(z, rows, cols, ldz, k, indices, values,
                          simd_internal::DefaultParallelism());
}

void SparseDecode(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                  const int32_t* counts, const float* dict, int64_t dim, int64_t ld_dict,
                  const float* bias, float* out, int64_t ld_out) {
  simd_internal::SparseDecode(indices, values, rows, k, counts, dict, dim, ld_dict, bias, out,
                              ld_out, simd_internal::DefaultParallelism());
}

void SparseDots(const int32_t* indices, int64_t rows, int64_t k, const int32_t* counts,
                const float* vecs, int64_t ld_vecs, const float* dict, int64_t dim, int64_t ld_dict,
                float* out) {
  simd_internal::SparseDots(indices, rows, k, counts, vecs, ld_vecs, dict, dim, ld_dict, out,
                            simd_internal::DefaultParallelism());
}

void SparseOuterAccumulate(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                           const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                           float* grad, int64_t ld_grad) {
  simd_internal::SparseOuterAccumulate(indices, values, rows, k, counts, vecs, dim, ld_vecs, grad,
                                       ld_grad, simd_internal::DefaultParallelism());
}

bool GemmNTBias(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                int64_t ldb, const float* bias, float* c, int64_t ldc) {
  return simd_internal::HighwayGemmNTBias(m, n, k, a, lda, b, ldb, bias, c, ldc,
                                          simd_internal::DefaultParallelism());
}

void SparseOuterAssign(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                       const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                       float* grad, int64_t ld_grad, int64_t grad_rows) {
  simd_internal::SparseOuterAssign(indices, values, rows, k, counts, vecs, dim, ld_vecs, grad,
                                   ld_grad, grad_rows, simd_internal::DefaultParallelism());
}

void AdamNormalizeRows(int64_t rows, int64_t cols, const AdamParams& params, float* param,
                       const float* grad, float* m, float* v) {
  simd_internal::AdamNormalizeRows(rows, cols, params, param, grad, m, v,
                                   simd_internal::DefaultParallelism());
}

float Dot(int64_t n, const float* x, const float* y) {
  return simd_internal::Dot(n, x, y, simd_internal::DefaultParallelism());
}

void Axpy(int64_t n, float a, const float* x, float* y) {
  simd_internal::Axpy(n, a, x, y, simd_internal::DefaultParallelism());
}

double SumSquares(int64_t n, const float* x) {
  return simd_internal::SumSquares(n, x, simd_internal::DefaultParallelism());
}

void AdamUpdate(int64_t n, const AdamParams& params, float* param, const float* grad, float* m,
                float* v) {
  simd_internal::AdamUpdate(n, params, param, grad, m, v, simd_internal::DefaultParallelism());
}

void NormalizeRows(float* w, int64_t rows, int64_t cols, int64_t ld) {
  simd_internal::NormalizeRows(w, rows, cols, ld, simd_internal::DefaultParallelism());
}

void Relu(int64_t n, const float* x, float* out) {
  simd_internal::Relu(n, x, out, simd_internal::DefaultParallelism());
}

}  // namespace

const KernelTable& SimdKernels() {
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

#endif  // HWY_ONCE
