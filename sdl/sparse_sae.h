#ifndef LRB_SDL_SPARSE_SAE_H_
#define LRB_SDL_SPARSE_SAE_H_

// The sparse path of the training pipeline (methods.h takes it whenever a family's codes are
// sparse): the same loss as the dense path (dense_sae.h), with everything after the encoder
// product on the codes' entries (family.h, SparseCodes) through the sparse kernels:
//   level j:  X_hat_j = X_hat_{j-1} + decode(level j's entries)   (X_hat_{-1} = b_D)
//             R_j = X_hat_j - X_r,  G_j = 2 R_j / (B levels),  S_j = sum_{l >= j} G_l
//   an entry (b, i) first used at level j:  dL/da = <S_j[b], W_D[:, i]>,
//             dL/dW_D[:, i] += a S_j[b];   dL/dW_E[i, :] += dL/dz x_b
// so each level decodes only the entries it adds, and dL/da is computed only at the entries
// (the family's support). AuxK selects the top k_aux among dead latents' pre-activations
// only and decodes just those.

#include <cstdint>
#include <vector>

#include "sdl/family.h"
#include "sdl/kernels/kernels.h"
#include "sdl/loss_terms.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::sdl {

struct SparseWorkspace {
  SparseCodes codes;  // the family's codes of the last call (EmitCodes)
  std::vector<float> residual;  // levels x rows x n_r: R_j
  std::vector<float> grads;     // levels x rows x n_r: S_j
  std::vector<float> decoded;   // rows x n_r
  std::vector<std::vector<float>> grad_a, grad_z, grad_z_bias;  // per level, rows x width
  // AuxK: the dead latents, their pre-activations (rows x dead), the selected codes.
  std::vector<int32_t> dead_latents;
  std::vector<float> dead_z, aux_residual, aux_grad_z;
  CodeList aux;
};

// The loss on `batch` without anchoring, from the pre-activations z (rows x n_q, bias
// included) and the family's codes in workspace.codes, and when `gradient` is not null its
// gradient (overwritten, resized). `dead` (n_q flags, may be null) marks the latents AuxK
// may use.
LossTerms SparseLossAndGradient(const Family& family, const MethodSpec& spec,
                                const SaeModel& model, const Batch& batch,
                                const KernelTable& kernels, const std::vector<uint8_t>* dead,
                                const float* z, SparseWorkspace& workspace,
                                SaeGradient* gradient);

}  // namespace lrb::sdl

#endif  // LRB_SDL_SPARSE_SAE_H_
