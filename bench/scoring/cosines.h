#ifndef LRB_BENCH_SCORING_COSINES_H_
#define LRB_BENCH_SCORING_COSINES_H_

// The signed cosine between every ground-truth feature and every learned direction: the one
// matrix all direction metrics (M_GT, M_IP, MCC, uniqueness) and the attributions of the
// firing and absorption metrics read.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "sdl/kernels/kernels.h"

namespace lrb::scoring {

struct CosineMatrix {
  int64_t features = 0;  // n (rows)
  int64_t latents = 0;   // n_q (columns)
  // features x latents, row-major: cos(w_j, l_i) at [j * latents + i], in [-1, 1]. A zero
  // learned direction (norm < 1e-6) has cosine 0 with every feature.
  std::vector<float> values;
  // ||l_i|| before normalisation (0 for a zero direction), so that <l_i, w_j> =
  // latent_norms[i] * cos for the unit features.
  std::vector<float> latent_norms;

  float at(int64_t feature, int64_t latent) const { return values[feature * latents + latent]; }
  const float* row(int64_t feature) const { return values.data() + feature * latents; }
};

// learned: n_q x dim row-major (encoder rows W_E[i, :] or decoder columns W_D[:, i]);
// features: n x dim row-major, one ground-truth direction per row (any non-zero norm; they
// are normalised here). One n x n_q product on `kernels` (at paper size 1000 x 16000 x 768,
// ~25 GFLOP, 64 MB). Fails on empty shapes, a zero or non-finite feature, or a non-finite
// learned entry.
absl::StatusOr<CosineMatrix> ComputeCosines(const float* learned, int64_t n_q,
                                            const float* features, int64_t n, int64_t dim,
                                            const sdl::KernelTable& kernels);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_COSINES_H_
