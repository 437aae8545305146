#ifndef LRB_SDL_DENSE_SAE_H_
#define LRB_SDL_DENSE_SAE_H_

// The dense path of the training pipeline (methods.h chooses it when a family's codes are not
// sparse, or when asked): with Z the encoder product (bias included),
//   A = sigma(Z);  X_hat_j = codes_j(A) W_D + b_D per level j;
//   L = (1/levels) sum_j mean_b ||X_hat_j - X_r||^2 + family penalties + AuxK
// with every product a dense GEMM through the kernel table. It is the reference the sparse
// path (sparse_sae.h) is checked against, and the path of a family without sparse codes.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "sdl/family.h"
#include "sdl/kernels/kernels.h"
#include "sdl/loss_terms.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::sdl {

struct DenseWorkspace {
  std::vector<float> a;  // rows x n_q activations of the last call
  std::vector<float> codes, mask, residual, grad_a, grad_z, grad_z_bias, scratch;
  std::vector<float> aux_codes, aux_residual;  // AuxK: rows x n_q codes, rows x n_r residual
};

// The loss on `batch` without anchoring, from the pre-activations z (rows x n_q, bias
// included), and when `gradient` is not null its gradient (overwritten, resized). Fills
// workspace.a. `dead` (n_q flags, may be null) marks the latents AuxK may use.
LossTerms DenseLossAndGradient(const Family& family, const MethodSpec& spec,
                               const SaeModel& model, const Batch& batch,
                               const KernelTable& kernels, const std::vector<uint8_t>* dead,
                               const float* z, DenseWorkspace& workspace,
                               SaeGradient* gradient);

}  // namespace lrb::sdl

#endif  // LRB_SDL_DENSE_SAE_H_
