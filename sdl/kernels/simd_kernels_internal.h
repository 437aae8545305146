#ifndef LRB_SDL_KERNELS_SIMD_KERNELS_INTERNAL_H_
#define LRB_SDL_KERNELS_SIMD_KERNELS_INTERNAL_H_

// The SIMD backend with its parallelism made explicit, for kernels_test.cc and
// kernels_benchmark.cc only (the BUILD target is private to sdl/kernels). The table returned
// by SimdKernels() calls these with DefaultParallelism().
//
// Contract: every result is bitwise identical for every Parallelism. Threads split the
// outputs (rows, elements, destination rows), never a sum; reductions (Dot, SumSquares) use
// a fixed blocking that does not depend on the thread count.

#include <cstdint>
#include <string>

#include "sdl/kernels/kernels.h"

namespace lrb::sdl::simd_internal {

struct Parallelism {
  // Upper bound on the threads one call uses (the calling thread included).
  int threads = 1;
  // A thread is started only for at least this much work (in the kernel's unit: elements
  // touched, or multiply-adds). Tests set 1 to force splitting at small sizes.
  int64_t min_work_per_thread = 1;
};

// All hardware threads; a thread per ~2^17 units of work (tens of microseconds, several
// times the cost of starting a thread).
Parallelism DefaultParallelism();

// The Highway target (an HWY_* bit such as HWY_AVX2) that runtime dispatch chose for this
// CPU; every Highway kernel below runs on it.
int64_t DispatchedTarget();

// The dense products of the table: a cache-blocked Highway SGEMM (simd_gemm.cc) on the
// dispatched target, C[m x n] = alpha op(A) op(B) + beta C with op(A) = A^T when trans_a
// (A stored k x m) and A otherwise (m x k), likewise op(B) (stored n x k when trans_b, else
// k x n). Threads split C by micro-tile columns (or rows); the result is bitwise the same
// for every Parallelism. beta == 0 ignores C's old contents.
void HighwayGemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                 int64_t ldc, const Parallelism& par);
// C[m x n] = A[m x k] B[n x k]^T + bias (per column, may be null) through the same GEMM,
// the bias added in the last depth block's store; returns whether every element of C is
// finite (checked in the same store).
bool HighwayGemmNTBias(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                       const float* b, int64_t ldb, const float* bias, float* c, int64_t ldc,
                       const Parallelism& par);
// e.g. "highway-blocked micro-tile 12x32 on AVX3": recorded with benchmark results.
std::string GemmDescription();

// Elements per block of Dot and SumSquares: partial sums of fixed blocks, added in block
// order, so the result does not depend on the thread count.
inline constexpr int64_t kReduceBlock = int64_t{1} << 14;

void TopkRows(const float* z, int64_t rows, int64_t cols, int64_t ldz, int64_t k, int32_t* indices,
              float* values, const Parallelism& par);
void SparseDecode(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                  const int32_t* counts, const float* dict, int64_t dim, int64_t ld_dict,
                  const float* bias, float* out, int64_t ld_out, const Parallelism& par);
void SparseDots(const int32_t* indices, int64_t rows, int64_t k, const int32_t* counts,
                const float* vecs, int64_t ld_vecs, const float* dict, int64_t dim, int64_t ld_dict,
                float* out, const Parallelism& par);
void SparseOuterAccumulate(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                           const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                           float* grad, int64_t ld_grad, const Parallelism& par);
void SparseOuterAssign(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                       const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                       float* grad, int64_t ld_grad, int64_t grad_rows, const Parallelism& par);
void AdamNormalizeRows(int64_t rows, int64_t cols, const AdamParams& params, float* param,
                       const float* grad, float* m, float* v, const Parallelism& par);
float Dot(int64_t n, const float* x, const float* y, const Parallelism& par);
void Axpy(int64_t n, float a, const float* x, float* y, const Parallelism& par);
double SumSquares(int64_t n, const float* x, const Parallelism& par);
void AdamUpdate(int64_t n, const AdamParams& params, float* param, const float* grad, float* m,
                float* v, const Parallelism& par);
void NormalizeRows(float* w, int64_t rows, int64_t cols, int64_t ld, const Parallelism& par);
void Relu(int64_t n, const float* x, float* out, const Parallelism& par);

}  // namespace lrb::sdl::simd_internal

#endif  // LRB_SDL_KERNELS_SIMD_KERNELS_INTERNAL_H_
