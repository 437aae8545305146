#ifndef LRB_SDL_ANCHORING_H_
#define LRB_SDL_ANCHORING_H_

// Feature anchoring (docs/paper.md section 5), a modifier every family carries:
//   lambda * (||W_E[0:k, :] - A_p||_F^2 + ||W_D[:, 0:k] - A_r||_F^2).

#include "sdl/loss_terms.h"
#include "sdl/sae_model.h"

namespace lrb::sdl {

// Returns the penalty and, when `gradient` is not null, adds its gradient to the encoder and
// decoder gradients (which must already be sized like the model). anchors.k may be 0.
double AddAnchorPenalty(const SaeModel& model, const Anchors& anchors, SaeGradient* gradient);

}  // namespace lrb::sdl

#endif  // LRB_SDL_ANCHORING_H_
