#ifndef LRB_SDL_TOPK_SAE_H_
#define LRB_SDL_TOPK_SAE_H_

// The TopK SAE (Gao et al. 2024): sigma keeps the k largest pre-activations of each sample
// and zeroes the rest, so sigma(z)_i is z_i or 0 and exactly k latents are active per sample.
// Loss over a batch of B samples:
//   L = (1/B) sum_b ||x_hat_r(b) - x_r(b)||^2
//     + lambda_a (||W_E[0:k_a, :] - A_p||_F^2 + ||W_D[:, 0:k_a] - A_r||_F^2)   (anchoring)
// Gradients are hand-derived; topk_sae_test.cc checks them by finite differences.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "sdl/kernels/kernels.h"
#include "sdl/loss_terms.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::sdl {

// Scratch buffers reused across steps (sized on first use).
struct TopkWorkspace {
  std::vector<float> pre_activations;  // rows x n_q
  std::vector<int32_t> active;         // rows x k: latent indices, descending value
  std::vector<float> active_values;    // rows x k
  std::vector<float> reconstruction;   // rows x n_r; after the loss, holds the residual
  std::vector<float> value_grads;      // rows x k
};

// Runs the encoder and the TopK selection for `rows` inputs: fills workspace.pre_activations,
// .active and .active_values. Fails (never crashes) if a pre-activation is not finite.
absl::Status TopkEncode(const MethodSpec& spec, const SaeModel& model, const float* inputs,
                        int64_t rows, const KernelTable& kernels, TopkWorkspace& workspace);

// The loss on `batch`, and its gradient when `gradient` is not null (overwritten, resized).
// `anchors` may have k = 0. Fails if the loss is not finite.
absl::StatusOr<LossTerms> TopkLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                                              const Anchors& anchors, const Batch& batch,
                                              const KernelTable& kernels,
                                              TopkWorkspace& workspace, SaeGradient* gradient);

}  // namespace lrb::sdl

#endif  // LRB_SDL_TOPK_SAE_H_
