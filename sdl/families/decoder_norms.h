#ifndef LRB_SDL_FAMILIES_DECODER_NORMS_H_
#define LRB_SDL_FAMILIES_DECODER_NORMS_H_

// The decoder-norm-weighted L1 penalty shared by ReLU and Gated SAEs:
//   (l1 / B) sum_b sum_i f(z)_bi ||W_D[:, i]||   with f >= 0 the penalised activation.
// For a crosscoder with m sources the norm is the sum of the per-source block norms,
// sum_s ||W_D^(s)[:, i]|| (Lindsey et al. 2024), so a latent pays for every source it writes.

#include <cmath>
#include <cstdint>
#include <vector>

#include "sdl/family.h"
#include "sdl/kernels/kernels.h"
#include "sdl/loss_terms.h"
#include "sdl/sae_model.h"

namespace lrb::sdl {

// Per latent and source block: ||W_D^(s)[:, i]||, n_q x sources (blocks of n_r / sources).
// With `only` (n_q flags), latents not flagged get 0 (not computed).
inline std::vector<double> DecoderBlockNorms(const SaeModel& model, const KernelTable& kernels,
                                             int64_t sources,
                                             const std::vector<uint8_t>* only = nullptr) {
  const int64_t block = model.n_r / sources;
  std::vector<double> norms(model.n_q * sources, 0.0);
  for (int64_t i = 0; i < model.n_q; ++i) {
    if (only != nullptr && !(*only)[i]) continue;
    for (int64_t s = 0; s < sources; ++s) {
      norms[i * sources + s] =
          std::sqrt(kernels.sum_squares(block, &model.w_dec[i * model.n_r + s * block]));
    }
  }
  return norms;
}

// The weight of each latent's activation in the penalty: sum over sources of block norms.
inline std::vector<double> DecoderNorms(const std::vector<double>& block_norms, int64_t n_q,
                                        int64_t sources) {
  std::vector<double> norms(n_q, 0.0);
  for (int64_t i = 0; i < n_q; ++i) {
    for (int64_t s = 0; s < sources; ++s) norms[i] += block_norms[i * sources + s];
  }
  return norms;
}

// The penalty given each latent's activation summed over the batch (column_sums, n_q) and,
// with a gradient, adds d(penalty)/dW_D^(s)[:, i] = (l1/B) column_sums[i] W_D^(s)[:, i] /
// ||W_D^(s)[:, i]||. Only latents with a non-zero sum need their norms.
inline double DecoderWeightedL1FromSums(const SaeModel& model, const KernelTable& kernels,
                                        double l1, int64_t rows,
                                        const std::vector<double>& column_sums, int64_t sources,
                                        const std::vector<double>& block_norms,
                                        SaeGradient* gradient) {
  const int64_t n_q = model.n_q, block = model.n_r / sources;
  double penalty = 0;
  for (int64_t i = 0; i < n_q; ++i) {
    if (column_sums[i] == 0) continue;
    for (int64_t s = 0; s < sources; ++s) {
      const double norm = block_norms[i * sources + s];
      penalty += column_sums[i] * norm;
      if (gradient != nullptr && norm > 0) {
        const int64_t at = i * model.n_r + s * block;
        kernels.axpy(block, static_cast<float>(l1 / rows * column_sums[i] / norm),
                     &model.w_dec[at], &gradient->w_dec[at]);
      }
    }
  }
  return l1 * penalty / rows;
}

// The same for dense activations f (rows x n_q, non-negative).
inline double DecoderWeightedL1(const SaeModel& model, const KernelTable& kernels, double l1,
                                int64_t rows, const float* f, int64_t sources,
                                const std::vector<double>& block_norms, SaeGradient* gradient) {
  const int64_t n_q = model.n_q;
  std::vector<double> column_sums(n_q, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < n_q; ++i) column_sums[i] += f[r * n_q + i];
  }
  return DecoderWeightedL1FromSums(model, kernels, l1, rows, column_sums, sources, block_norms,
                                   gradient);
}

// The latents a code list names (its real entries): n_q flags.
inline std::vector<uint8_t> ListedLatents(const CodeList& list, int64_t rows, int64_t n_q) {
  std::vector<uint8_t> listed(n_q, 0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < list.counts[r]; ++j) listed[list.indices[r * list.width + j]] = 1;
  }
  return listed;
}

}  // namespace lrb::sdl

#endif  // LRB_SDL_FAMILIES_DECODER_NORMS_H_
