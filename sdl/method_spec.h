#ifndef LRB_SDL_METHOD_SPEC_H_
#define LRB_SDL_METHOD_SPEC_H_

// MethodSpec: the canonical name of an SDL method, used everywhere (CLI, run key, database,
// leaderboard). Grammar (util/spec_parser.h):
//
//   <topology>.<family>(<knobs>)[+anchor(k,lambda)][+auxk(k,lambda,dead_steps)]
//                               [+resample(every,until,dead_steps)]
//
// e.g. "sae.topk(latents=256,k=8)+anchor(k=16,lambda=0.1)". ToString spells out every
// default, in a fixed order, so parse -> print -> parse is the identity and two spellings of
// one method never become two leaderboard rows. Families are listed in method_families.inc;
// each carries a version that enters the run key.
//
// Families (x_q = sigma(z), z = W_E x_p + b_E; every sigma satisfies sigma(z)_i in {0, z_i}):
//   relu               ReLU, + l1 * sum_i x_q,i ||W_D[:, i]||   (decoder-norm weighted L1)
//   jumprelu           z * H(z - theta_i), learned theta_i > 0, + l0 * sum_i H(z_i - theta_i)
//                      through a straight-through estimator with a rectangle kernel of width
//                      `bandwidth` (Rajamanoharan et al. 2024); `theta` is the initial threshold
//   topk               the k largest pre-activations of each sample (Gao et al. 2024)
//   batchtopk          the k*B largest over a batch of B in training; at inference z_i passes
//                      when z_i >= a global threshold, the running mean of the smallest
//                      selected value (Bussmann et al. 2024), decay `threshold_decay`
//   gated              ReLU magnitude path gated by a Heaviside of a gate path sharing W_E
//                      (Rajamanoharan et al. 2024a), + l1 on ReLU(gate) * ||W_D[:, i]|| + the
//                      auxiliary gate reconstruction with a frozen decoder
//   matryoshka_k       the paper's multi-k loss: (1/levels) sum_j ||x_r - x_hat(TopK(k_j))||^2
//                      with k_j = k / 2^(levels-1-j)
//   matryoshka_prefix  Bussmann et al.'s nested dictionaries: TopK(k) codes, loss
//                      (1/levels) sum_j ||x_r - x_hat(codes of latents < m_j)||^2 with
//                      m_j = latents / 2^(levels-1-j)
// Options on every family: unit_norm (renormalise decoder columns after each step), tied
// (W_D = W_E^T), bias (b_E and b_D trained; 0 keeps them at zero, the paper's theory model).
// Topologies: sae (x_r = x_p), transcoder (x_r = W_r x), crosscoder (m sources concatenated
// on both sides; `sources=m`). The model is the same; the topology says which data it needs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace lrb::sdl {

// Feature anchoring (docs/paper.md section 5): latent i < k is pulled towards anchor i on its
// encoder row and decoder column with weight lambda.
struct AnchorSpec {
  int64_t k = 100;
  double lambda = 0.1;
  bool operator==(const AnchorSpec&) const = default;
};

// AuxK (Gao et al. 2024), TopK-type families only: + lambda * ||e - e_hat||^2 where e is the
// (stop-gradient) residual and e_hat decodes the top-k pre-activations among latents dead for
// `dead_steps` steps.
struct AuxkSpec {
  int64_t k = 512;
  double lambda = 1.0 / 32;
  int64_t dead_steps = 1000;
  bool operator==(const AuxkSpec&) const = default;
};

// Dead-latent resampling (docs/paper.md section 5): every `every` steps up to step `until`,
// latents not active for `dead_steps` steps are re-initialised towards the inputs the model
// reconstructs worst, and their Adam moments reset.
struct ResampleSpec {
  int64_t every = 1000;
  int64_t until = 5000;
  int64_t dead_steps = 500;
  bool operator==(const ResampleSpec&) const = default;
};

struct MethodSpec {
  std::string topology = "sae";  // "sae", "transcoder" or "crosscoder"
  int64_t sources = 1;           // crosscoder sources m (1 otherwise)
  std::string family = "topk";   // a family of method_families.inc
  int64_t latents = 16000;       // n_q, the dictionary size
  // Family knobs; only the family's own are read, printed and compared.
  int64_t k = 64;                // topk, batchtopk, matryoshka_*: active latents per sample
  int64_t levels = 4;            // matryoshka_*
  double l1 = 0.1;               // relu, gated
  double l0 = 0.1;               // jumprelu
  double bandwidth = 0.05;       // jumprelu
  double theta = 0.1;            // jumprelu initial threshold
  double threshold_decay = 0.99; // batchtopk
  bool unit_norm_decoder = true;
  bool tied = false;
  bool bias = true;
  std::optional<AnchorSpec> anchor;
  std::optional<AuxkSpec> auxk;
  std::optional<ResampleSpec> resample;

  // Compares what ToString prints (unread knobs of other families do not count).
  bool operator==(const MethodSpec& other) const;
};

// Errors name the bad term or value and what is allowed (e.g. k > latents).
absl::StatusOr<MethodSpec> ParseMethodSpec(std::string_view text);
std::string ToString(const MethodSpec& spec);

// The version of the spec's family and modifiers, e.g. "sae.topk@1+anchor@1"; part of every
// run key.
std::string FamilyVersion(const MethodSpec& spec);

// Family names in list order.
std::vector<std::string> MethodFamilies();

// True for families whose codes come from a per-sample or per-batch top-k selection.
bool IsTopkFamily(const MethodSpec& spec);

}  // namespace lrb::sdl

#endif  // LRB_SDL_METHOD_SPEC_H_
