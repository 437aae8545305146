#ifndef LRB_DATASETS_SPARSE_CODES_H_
#define LRB_DATASETS_SPARSE_CODES_H_

// Ground-truth activations (PAPER.md section 3, step 2): feature j of sample s is active
// with probability 1 - S, independently, with magnitude c_min + beta * Exponential(1).

#include <cstdint>

#include "datasets/dataset.h"

namespace lrb::datasets {

struct CodeOptions {
  int64_t num_samples = 0;  // N, < 2^32
  int64_t n = 0;            // features, <= 10^6
  double sparsity = 0;      // S in [0, 1)
  double c_min = 0;
  double beta = 1;  // > 0, so every stored value is positive
  uint64_t seed = 0;
};

// N x n codes in CSR form, indices ascending within a row.
//
// A sample's active set is drawn by geometric skipping rather than n Bernoulli draws: the
// number of inactive features before the next active one is Geometric(1 - S) on {0, 1, ...},
// drawn by inverse CDF from one uniform u as floor(log(u) / log(S)) (P(gap >= k) = S^k,
// the same law as k consecutive failures), so the cost is O(active) per sample. Draw t of
// sample s comes from its own counters (rng_streams.h: gaps at even, magnitudes at odd
// indices after CodeDrawBase(s)), so samples are generated in parallel and the bytes do
// not depend on `threads`. Values are rounded to float once.
SparseCodes GenerateSparseCodes(const CodeOptions& options, int threads);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_SPARSE_CODES_H_
