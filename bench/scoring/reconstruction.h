#ifndef LRB_BENCH_SCORING_RECONSTRUCTION_H_
#define LRB_BENCH_SCORING_RECONSTRUCTION_H_

// Reconstruction quality on held-out samples, from any method's sparse codes and decoder
// (the shared model's x_hat_r = W_D x_q + b_D, docs/paper.md section 2).

#include <cstdint>

#include "absl/status/statusor.h"
#include "bench/scoring/codes.h"
#include "sdl/kernels/kernels.h"

namespace lrb::scoring {

struct ReconstructionScores {
  // Fraction of variance unexplained over the samples:
  //   FVU = sum_s ||x_r(s) - x_hat(s)||^2 / sum_s ||x_r(s) - mean_s x_r||^2,
  // in [0, inf) (0 = perfect, 1 = no better than predicting the mean); 0 when the targets
  // have no variance and are reconstructed exactly, +inf when they have none and are not.
  double fvu = 0;
};

// codes: rows x n_q learned codes; decoder_rows: n_q x n_r (row i = decoder column W_D[:, i]);
// decoder_bias: n_r entries or null; targets: rows x n_r row-major. rows >= 1.
absl::StatusOr<ReconstructionScores> ScoreReconstruction(const CodesView& codes,
                                                         const float* decoder_rows,
                                                         const float* decoder_bias,
                                                         int64_t n_r, const float* targets,
                                                         const sdl::KernelTable& kernels);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_RECONSTRUCTION_H_
