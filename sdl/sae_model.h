#ifndef LRB_SDL_SAE_MODEL_H_
#define LRB_SDL_SAE_MODEL_H_

// The one model every SDL method shares (docs/paper.md section 2):
//   z = W_E x_p + b_E,   x_q = sigma(z),   x_hat_r = W_D x_q + b_D.

#include <cstdint>
#include <vector>

namespace lrb::sdl {

struct SaeModel {
  int64_t n_p = 0;  // input dimension
  int64_t n_r = 0;  // target dimension
  int64_t n_q = 0;  // latents (dictionary size)
  std::vector<float> w_enc;  // n_q x n_p row-major: row i is latent i's encoder row W_E[i, :]
  std::vector<float> b_enc;  // n_q
  // n_q x n_r row-major: row i is latent i's decoder column W_D[:, i] (W_D^T in memory), so a
  // latent's decoder direction is contiguous and sparse decoding touches only active rows.
  std::vector<float> w_dec;
  std::vector<float> b_dec;  // n_r
  // Family parameters trained alongside the four above (layout set by the family, e.g.
  // JumpReLU: n_q log-thresholds; Gated: n_q log-scales then n_q magnitude biases).
  std::vector<float> extra;
  // Untrained state that inference needs, laid out as the family declares it
  // (FamilyTraits::inference_state, e.g. BatchTopK: its global activation threshold); empty
  // for most families.
  std::vector<float> inference_state;
};

// Encoder rows are Gaussian, normalised to unit length; decoder rows start equal to the
// encoder rows when n_r == n_p (the usual tied initialisation) and as independent unit
// Gaussian rows otherwise; biases start at zero. Depends only on the arguments.
SaeModel InitSaeModel(int64_t n_p, int64_t n_r, int64_t n_q, uint64_t seed);

// Anchor directions for feature anchoring: latent i < k is pulled towards encoder[i] (a
// unit n_p-vector) and decoder[i] (a unit n_r-vector) with weight lambda.
struct Anchors {
  int64_t k = 0;
  double lambda = 0;
  std::vector<float> encoder;  // k x n_p
  std::vector<float> decoder;  // k x n_r
};

}  // namespace lrb::sdl

#endif  // LRB_SDL_SAE_MODEL_H_
