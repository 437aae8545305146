#ifndef LRB_SDL_LOSS_TERMS_H_
#define LRB_SDL_LOSS_TERMS_H_

// What every method's loss function takes and returns: a batch, the loss split into its
// terms, and a gradient shaped like the model (sae_model.h).

#include <cstdint>
#include <vector>

namespace lrb::sdl {

// A batch: inputs rows x n_p and targets rows x n_r, both row-major and dense. For an SAE,
// targets may point at the inputs.
struct Batch {
  const float* inputs = nullptr;
  const float* targets = nullptr;
  int64_t rows = 0;
};

// Gradient of the loss, shaped like the model's parameters.
struct SaeGradient {
  std::vector<float> w_enc, b_enc, w_dec, b_dec, extra;
};

struct LossTerms {
  double reconstruction = 0;  // mean over the batch of the squared error
  double sparsity = 0;        // the family's penalty (L1, L0, ...)
  double auxiliary = 0;       // auxiliary losses (AuxK, Gated's gate reconstruction)
  double anchor = 0;          // the anchoring penalty (0 without anchors)
  double total() const { return reconstruction + sparsity + auxiliary + anchor; }
};

}  // namespace lrb::sdl

#endif  // LRB_SDL_LOSS_TERMS_H_
