#ifndef LRB_DATASETS_SPARSE_CODES_H_
#define LRB_DATASETS_SPARSE_CODES_H_

// Ground-truth activations. The paper's model (docs/paper.md section 3, step 2): feature j of
// sample s is active with probability 1 - S, independently, with magnitude
// c_min + beta * Exponential(1). Extensions (dataset_spec.h): per-feature firing
// probabilities (Zipf), a Gaussian-copula for correlated firing, per-feature magnitude
// scales and parent/child hierarchies.

#include <cstdint>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/rng_streams.h"

namespace lrb::datasets {

// Children of node j are the `branching` consecutive features starting at first_child[j]
// (-1 for a leaf); children always have larger indices than their parent.
struct HierarchyLayout {
  std::vector<int32_t> parent;       // n entries, -1 for roots
  std::vector<int32_t> first_child;  // n entries
  int64_t roots = 0;                 // features [0, roots) are the roots
  int64_t branching = 0;
  bool exclusive = true;
  double child_probability = 0;
};

struct CodeOptions {
  int64_t num_samples = 0;  // N, < 2^32
  int64_t n = 0;            // features, <= 10^6
  double sparsity = 0;      // S in [0, 1)
  double c_min = 0;
  double beta = 1;  // > 0, so every stored value is positive
  uint64_t seed = 0;
  // Stream of the paper's draws, and the counter offset: output row r uses the counters of
  // sample first_sample + r (TMS training batches are windows of kTmsTrainStream).
  uint64_t stream = kCodeStream;
  int64_t first_sample = 0;

  // --- Extensions; all empty reproduces the paper's codes bit for bit. ---
  // Firing probability of each independently firing feature (the roots with a hierarchy,
  // else all n); empty: 1 - S for all.
  std::vector<double> firing_probability;
  // Copula: rank 0 = none; loadings is (independent features) x rank, unit-norm rows.
  int64_t copula_rank = 0;
  double copula_rho = 0;
  std::vector<double> copula_loadings;
  std::vector<double> scales;  // n magnitude multipliers; empty: all 1
  const HierarchyLayout* hierarchy = nullptr;
};

// The paper's code model (no extensions) on kCodeStream.
inline CodeOptions PaperCodes(int64_t num_samples, int64_t n, double sparsity, double c_min,
                              double beta, uint64_t seed) {
  CodeOptions options;
  options.num_samples = num_samples;
  options.n = n;
  options.sparsity = sparsity;
  options.c_min = c_min;
  options.beta = beta;
  options.seed = seed;
  return options;
}

// N x n codes in CSR form, indices ascending within a row.
//
// The paper's path (no firing_probability, no copula): a sample's active set is drawn by
// geometric skipping rather than n Bernoulli draws: the number of inactive features before
// the next active one is Geometric(1 - S) on {0, 1, ...}, drawn by inverse CDF from one
// uniform u as floor(log(u) / log(S)) (P(gap >= k) = S^k, the same law as k consecutive
// failures), so the cost is O(active) per sample. Draw t of sample s comes from its own
// counters (rng_streams.h: gaps at even, magnitudes at odd indices after CodeDrawBase(s)).
//
// The dense path (per-feature probabilities p_j or a copula): each independently firing
// feature is decided from its own counter (rng_streams.h, kDenseCodeStream): u_sj < p_j,
// or, with the copula, sqrt(rho) <l_j, g_s> + sqrt(1 - rho) e_sj > Phi^-1(1 - p_j). O(n)
// per sample.
//
// Hierarchy: after the roots, each active node's children are decided (kHierarchyStream):
// exclusive, one uniform u at the parent: u < pchild fires child
// first_child + floor(u / pchild * branching); else each child c fires iff u_c < pchild.
//
// Magnitude of feature j: float((c_min + beta * Exponential) * scales[j]) (without the
// multiplication when scales is empty). Samples are generated in parallel; the bytes do
// not depend on `threads`.
SparseCodes GenerateSparseCodes(const CodeOptions& options, int threads);

// p_j = min(1, c * (j + 1)^-alpha) for j in [0, count), c found by bisection so that the
// mean of p is `mean` (in (0, 1)). alpha = 0 gives `mean` everywhere.
std::vector<double> ZipfFiringProbabilities(int64_t count, double mean, double alpha);

// Phi^-1(p) for p in [0, 1] (-inf / +inf at the ends): Acklam's rational approximation
// refined by one Halley step, about 1e-15 relative error.
double InverseNormalCdf(double p);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_SPARSE_CODES_H_
