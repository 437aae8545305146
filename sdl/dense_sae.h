#ifndef LRB_SDL_DENSE_SAE_H_
#define LRB_SDL_DENSE_SAE_H_

// The dense training path shared by every family (dense_family.h supplies the hooks):
//   Z = X W_E^T + b_E;  A = sigma(Z);  X_hat_j = codes_j(A) W_D + b_D per level j;
//   L = (1/levels) sum_j mean_b ||X_hat_j - X_r||^2 + family penalties + AuxK + anchoring.
// Every product is a dense GEMM through the kernel table. TopK without AuxK also has the
// sparse path (topk_sae.h); the two agree (methods_test.cc).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"
#include "sdl/loss_terms.h"

namespace lrb::sdl {

struct DenseWorkspace {
  std::vector<float> z, a, codes, mask, residual, grad_a, grad_z, grad_z_bias, scratch;
  std::vector<float> aux_codes, aux_residual;
  // The sparse path's view of A: per row, its non-zeros padded to the densest row's count
  // (rows x sparse_k; padding repeats a real index with value 0), and the counts.
  int64_t sparse_k = 0;
  std::vector<int32_t> sparse_indices, sparse_counts;
  std::vector<float> sparse_values, sparse_grads;
  // Whether the last DenseLossAndGradient took the sparse path; tests turn the path off to
  // compare the two.
  bool used_sparse_path = false;
  bool allow_sparse_path = true;
};

// The sparse path: when the family passes dL/dz only where a != 0 and reads dL/da only
// there (ReLU, TopK, BatchTopK; one reconstruction level, no AuxK) and the densest row of A
// has at most n_q / kSparsePathMaxFill non-zeros, the decode, the decoder gradient, dL/da and
// the encoder gradient run on A's non-zeros (sparse kernels) instead of dense products.
// Same results up to float rounding.
inline constexpr int64_t kSparsePathMaxFill = 32;

// Encodes `rows` inputs: workspace.z (pre-activations) and workspace.a (activations, the
// inference-time sigma). Fails if a pre-activation is not finite.
absl::Status DenseEncode(const MethodSpec& spec, const SaeModel& model, const float* inputs,
                         int64_t rows, const KernelTable& kernels, bool training,
                         DenseWorkspace& workspace);

// The loss on `batch` and, when `gradient` is not null, its gradient (overwritten, resized).
// `dead` (n_q flags, may be null) marks the latents AuxK may use. Fails if the loss is not
// finite.
absl::StatusOr<LossTerms> DenseLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                                               const Anchors& anchors, const Batch& batch,
                                               const KernelTable& kernels,
                                               const std::vector<uint8_t>* dead,
                                               DenseWorkspace& workspace,
                                               SaeGradient* gradient);

}  // namespace lrb::sdl

#endif  // LRB_SDL_DENSE_SAE_H_
