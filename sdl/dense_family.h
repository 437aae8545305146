#ifndef LRB_SDL_DENSE_FAMILY_H_
#define LRB_SDL_DENSE_FAMILY_H_

// The hooks a method family implements for the dense training path (dense_sae.h owns the
// pipeline: encoder product, reconstruction, decoder and encoder gradients, AuxK, anchoring).
// A family supplies only its activation, its reconstruction levels, and the backward pass of
// its activation and penalties. All matrices are row-major: z, a, grad_a are rows x n_q.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"
#include "sdl/loss_terms.h"

namespace lrb::sdl {

// What a family's backward pass sees and writes.
struct BackwardContext {
  const MethodSpec& spec;
  const SaeModel& model;
  const KernelTable& kernels;
  int64_t rows = 0;
  const float* inputs = nullptr;   // rows x n_p
  const float* targets = nullptr;  // rows x n_r
  const float* z = nullptr;        // pre-activations, bias included
  const float* a = nullptr;        // activations
  // dL/da from the reconstruction terms, for every latent (also inactive ones, which
  // straight-through estimators such as JumpReLU's need).
  const float* grad_a = nullptr;
  float* grad_z = nullptr;         // out: dL/dz for the encoder weights (rows x n_q, zeroed)
  float* grad_z_bias = nullptr;    // out: dL/dz for the encoder bias; null when equal to grad_z
  SaeGradient* gradient = nullptr; // out: add decoder / extra-parameter terms
};

class DenseFamily {
 public:
  virtual ~DenseFamily() = default;

  // Sizes and initialises model.extra (most families have none).
  virtual void InitExtra(const MethodSpec& /*spec*/, SaeModel& /*model*/) const {}

  // a = sigma(z) for `rows` samples. `training` selects BatchTopK's batch-level selection
  // over its inference threshold. Every family keeps sigma(z)_i in {0, z_i}.
  virtual void Activate(const MethodSpec& spec, const SaeModel& model,
                        const KernelTable& kernels, int64_t rows, const float* z,
                        bool training, float* a) const = 0;

  // The reconstruction loss is (1/levels) sum_j ||x_r - x_hat(a * mask_j)||^2.
  virtual int Levels(const MethodSpec& /*spec*/) const { return 1; }
  // Writes level j's 0/1 mask over latents (rows x n_q) and returns true, or returns false
  // when level j uses every latent (the default, and the only level of most families).
  virtual bool LevelMask(const MethodSpec& /*spec*/, const KernelTable& /*kernels*/,
                         int /*level*/, int64_t /*rows*/, int64_t /*n_q*/, const float* /*z*/,
                         float* /*mask*/) const {
    return false;
  }

  // Fills grad_z (and grad_z_bias when separate), adds decoder and extra-parameter gradient
  // terms, and returns {sparsity penalty, auxiliary loss} over the batch.
  virtual std::pair<double, double> Backward(const BackwardContext& context) const = 0;

  // Whether the family needs a separate encoder-bias gradient (Gated: the magnitude path
  // does not see b_E).
  virtual bool SeparateBiasGradient() const { return false; }
};

// The family called spec.family (method_families.inc); never null for a parsed spec.
std::unique_ptr<DenseFamily> MakeDenseFamily(std::string_view family);

// Per family factories, one per line of method_families.inc, each defined in its own file
// under sdl/families/.
#define LRB_METHOD_FAMILY(name, version, example) std::unique_ptr<DenseFamily> Make_##name();
#include "sdl/method_families.inc"
#undef LRB_METHOD_FAMILY

// Shared by the TopK-type families: per row, the k largest of z (ties to the lower index)
// pass, the rest are zero.
void KeepTopkPerRow(const KernelTable& kernels, const float* z, int64_t rows, int64_t n_q,
                    int64_t k, float* a);

// dL/dz = dL/da where a latent is active, 0 elsewhere (TopK-type backward).
void PassGradientWhereActive(const float* a, const float* grad_a, int64_t size, float* grad_z);

}  // namespace lrb::sdl

#endif  // LRB_SDL_DENSE_FAMILY_H_
