#include "sdl/kernels/blas_gemm.h"

#include <cblas.h>  // OpenBLAS

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace lrb::sdl {
namespace {

[[noreturn]] void DieBadGemmSize(const char* what, int64_t value) {
  std::fprintf(stderr, "lrb::sdl BlasGemm: %s = %lld exceeds the 32-bit BLAS interface\n", what,
               static_cast<long long>(value));
  std::abort();
}

// cblas_sgemm wants ints and leading dimensions >= max(1, row length).
int BlasInt(const char* what, int64_t value) {
  if (value > INT_MAX) DieBadGemmSize(what, value);
  return static_cast<int>(std::max<int64_t>(value, 1));
}

}  // namespace

// Degenerate shapes never reach BLAS (which would reject ld = 0 through xerbla).
void BlasGemm(bool trans_a_flag, bool trans_b_flag, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
              int64_t ldc) {
  const CBLAS_TRANSPOSE trans_a = trans_a_flag ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE trans_b = trans_b_flag ? CblasTrans : CblasNoTrans;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) row[j] = beta == 0 ? 0.0f : beta * row[j];
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a, trans_b, BlasInt("m", m), BlasInt("n", n), BlasInt("k", k),
              alpha, a, BlasInt("lda", lda), b, BlasInt("ldb", ldb), beta, c, BlasInt("ldc", ldc));
}

std::string BlasDescription() {
  return std::string(openblas_get_config()) + " core=" + openblas_get_corename() +
         " threads=" + std::to_string(openblas_get_num_threads());
}

int BlasThreadCount() { return openblas_get_num_threads(); }

void SetBlasThreadCount(int threads) { openblas_set_num_threads(threads); }

}  // namespace lrb::sdl
