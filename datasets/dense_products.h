#ifndef LRB_DATASETS_DENSE_PRODUCTS_H_
#define LRB_DATASETS_DENSE_PRODUCTS_H_

// Dense double-precision products whose every output bit is fixed by the inputs alone: not
// by the thread count, the CPU's cache sizes or its vector width. That is what dataset
// generation needs (a dataset is named by its content hash), and what BLAS and Eigen's
// GEMM do not promise (their depth blocking follows the thread count and the cache sizes).
//
// Contract shared by both functions: output entry (i, j) is the depth sum accumulated in
// ascending depth order from +0.0, one rounding per multiply and per add (no FMA; the
// target is built with -ffp-contract=off), i.e. bit-identical to the naive loop
//   double s = 0; for (d = 0; d < depth; ++d) s += a(i, d) * b(d, j);
// Speed comes from register tiling and packing, never from reordering the sum. Work is
// split over output tiles only, so any `threads` >= 1 gives the same bytes.

#include <cstdint>

namespace lrb::datasets {

// gram = rows * rows^T. rows: m x depth, row-major; gram: m x m, row-major (both halves
// written; gram(i, j) and gram(j, i) are the same computed value).
void Gram(const double* rows, int64_t m, int64_t depth, int threads, double* gram);

// c = a * b. a: m x depth, b: depth x n, c: m x n; all row-major with no padding.
void MatMul(const double* a, const double* b, int64_t m, int64_t depth, int64_t n, int threads,
            double* c);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_DENSE_PRODUCTS_H_
