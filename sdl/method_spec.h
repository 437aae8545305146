#ifndef LRB_SDL_METHOD_SPEC_H_
#define LRB_SDL_METHOD_SPEC_H_

// MethodSpec: the canonical name of an SDL method, used everywhere (CLI, run key, database,
// leaderboard). Grammar (util/spec_parser.h):
//
//   <topology>.<activation>(<knobs>)[+anchor(k=<int>,lambda=<num>)]
//
// e.g. "sae.topk(latents=256,k=8)+anchor(k=16,lambda=0.1)". ToString spells out every
// default, so parse -> print -> parse is the identity and two spellings of one method can
// never become two leaderboard rows. Each activation family carries a version that enters
// the run key; bump it whenever the family's semantics change.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lrb::sdl {

// Feature anchoring (PAPER.md section 5): latent i < k is pulled towards anchor i on its
// encoder row and decoder column with weight lambda.
struct AnchorSpec {
  int64_t k = 100;
  double lambda = 0.1;
  bool operator==(const AnchorSpec&) const = default;
};

struct MethodSpec {
  std::string topology = "sae";    // only "sae" so far
  std::string activation = "topk"; // only "topk" so far
  int64_t latents = 16000;         // n_q, the dictionary size
  int64_t k = 64;                  // TopK: active latents per sample
  bool unit_norm_decoder = true;   // renormalise decoder columns after every step
  std::optional<AnchorSpec> anchor;
  bool operator==(const MethodSpec&) const = default;
};

// Errors name the bad term or value and what is allowed (e.g. k > latents).
absl::StatusOr<MethodSpec> ParseMethodSpec(std::string_view text);
std::string ToString(const MethodSpec& spec);

// The version of the spec's family, e.g. "sae.topk@1"; part of every run key.
std::string FamilyVersion(const MethodSpec& spec);

}  // namespace lrb::sdl

#endif  // LRB_SDL_METHOD_SPEC_H_
