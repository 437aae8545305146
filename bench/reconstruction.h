#ifndef LRB_BENCH_RECONSTRUCTION_H_
#define LRB_BENCH_RECONSTRUCTION_H_

// Reconstruction quality of a trained TopK model on held-out samples.

#include <cstdint>

#include "absl/status/statusor.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::bench {

struct ReconstructionScores {
  // Fraction of variance unexplained: sum ||x_r - x_hat||^2 / sum ||x_r - mean(x_r)||^2.
  double fvu = 0;
  double l0 = 0;             // mean number of non-zero latent activations per sample
  double dead_fraction = 0;  // latents never active on these samples
};

// inputs: rows x n_p, targets: rows x n_r (may equal inputs), row-major. rows >= 1.
absl::StatusOr<ReconstructionScores> ScoreReconstruction(const sdl::MethodSpec& method,
                                                         const sdl::SaeModel& model,
                                                         const float* inputs,
                                                         const float* targets, int64_t rows,
                                                         const sdl::KernelTable& kernels);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RECONSTRUCTION_H_
