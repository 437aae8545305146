#ifndef LRB_SDL_FAMILIES_DECODER_NORMS_H_
#define LRB_SDL_FAMILIES_DECODER_NORMS_H_

// The decoder-norm-weighted L1 penalty shared by ReLU and Gated SAEs:
//   (l1 / B) sum_b sum_i f(z)_bi ||W_D[:, i]||   with f >= 0 the penalised activation.

#include <cmath>
#include <cstdint>
#include <vector>

#include "sdl/kernels/kernels.h"
#include "sdl/sae_model.h"
#include "sdl/topk_sae.h"

namespace lrb::sdl {

// ||W_D[:, i]|| for every latent.
inline std::vector<double> DecoderNorms(const SaeModel& model, const KernelTable& kernels) {
  std::vector<double> norms(model.n_q);
  for (int64_t i = 0; i < model.n_q; ++i) {
    norms[i] = std::sqrt(kernels.sum_squares(model.n_r, &model.w_dec[i * model.n_r]));
  }
  return norms;
}

// Returns the penalty for activations f (rows x n_q, non-negative) and, with a gradient,
// adds d(penalty)/dW_D = (l1/B) (sum_b f_bi) W_D[:, i] / ||W_D[:, i]||.
inline double DecoderWeightedL1(const SaeModel& model, const KernelTable& kernels, double l1,
                                int64_t rows, const float* f, const std::vector<double>& norms,
                                SaeGradient* gradient) {
  const int64_t n_q = model.n_q;
  std::vector<double> column_sums(n_q, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < n_q; ++i) column_sums[i] += f[r * n_q + i];
  }
  double penalty = 0;
  for (int64_t i = 0; i < n_q; ++i) {
    penalty += column_sums[i] * norms[i];
    if (gradient != nullptr && norms[i] > 0) {
      kernels.axpy(model.n_r, static_cast<float>(l1 / rows * column_sums[i] / norms[i]),
                   &model.w_dec[i * model.n_r], &gradient->w_dec[i * model.n_r]);
    }
  }
  return l1 * penalty / rows;
}

}  // namespace lrb::sdl

#endif  // LRB_SDL_FAMILIES_DECODER_NORMS_H_
