#ifndef LRB_SDL_KERNELS_BLAS_GEMM_H_
#define LRB_SDL_KERNELS_BLAS_GEMM_H_

// OpenBLAS's cblas_sgemm behind the signature of simd_internal::HighwayGemm, for the tests
// and benchmarks that compare the two engines. The kernel table never calls it: the SIMD
// backend's dense products are our own Highway GEMM (simd_gemm.cc says why). The BUILD
// target is testonly, so nothing in the product can link OpenBLAS through it.

#include <cstdint>
#include <string>

namespace lrb::sdl {

// Row-major C[m x n] = alpha op(A) op(B) + beta C, with op(A) = A^T when trans_a (A stored
// k x m) and A otherwise (m x k), likewise op(B) (stored n x k when trans_b, else k x n).
// beta == 0 ignores C's old contents (as BLAS specifies; even NaN).
//
// Threads: OpenBLAS runs its own pool, sized by OPENBLAS_NUM_THREADS (else all cores);
// this function leaves that process-wide setting alone. Products are repeatable, but they
// depend on OpenBLAS's core type and, for some cores (0.3.21's Haswell and Prescott
// kernels), on its thread count. BlasDescription() names both.
//
// Sizes above INT_MAX (the 32-bit BLAS interface) abort with a message naming the size.
void BlasGemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
              int64_t ldc);

// OpenBLAS as linked and how it runs, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... core=SkylakeX
// threads=2": benchmark results that include BlasGemm record this string. OpenBLAS 0.3.21
// does not recognise some recent CPUs and falls back to its Prescott (SSE3) kernels, about
// 5x slower; OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2), set before the process
// starts, overrides its choice.
std::string BlasDescription();

// OpenBLAS's thread count, and a way to change it (process-wide: for tests that check how
// the product depends on it, and restore it).
int BlasThreadCount();
void SetBlasThreadCount(int threads);

}  // namespace lrb::sdl

#endif  // LRB_SDL_KERNELS_BLAS_GEMM_H_
