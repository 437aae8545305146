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
// one method never become two leaderboard rows. The one exception is a knob declared
// omitted_at_default (family_traits.h: added after runs were recorded, e.g. TopK's relu),
// printed only away from its default -- still one spelling per method.
//
// Families are listed in method_families.inc; each declares in its own file
// (sdl/families/<name>.cc, FamilyTraits in family_traits.h) its knobs with their types,
// ranges and defaults, its version (it enters the run key) and what it promises. `lrb methods` prints them all.
// Options on every family: unit_norm (renormalise decoder columns after each step), tied
// (W_D = W_E^T), bias (b_E and b_D trained; 0 keeps them at zero, the paper's theory model).
// Topologies: sae (x_r = x_p), transcoder (x_r = W_r x), crosscoder (m sources concatenated
// on both sides; `sources=m`). The model is the same; the topology says which data it needs.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sdl/family_traits.h"

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
  // The family's own knobs by name (FamilyTraits::knobs). ParseMethodSpec sets every one;
  // a knob not set reads as the family's declared default. Only the family's knobs are
  // printed and compared.
  std::map<std::string, double, std::less<>> knobs;
  bool unit_norm_decoder = true;
  bool tied = false;
  bool bias = true;
  std::optional<AnchorSpec> anchor;
  std::optional<AuxkSpec> auxk;
  std::optional<ResampleSpec> resample;

  // Compares what ToString prints (knobs the family does not declare do not count).
  bool operator==(const MethodSpec& other) const;

  // The family's knob `name` (its value, or its declared default). Reading a knob the
  // family does not declare is a programming error and aborts, naming both.
  int64_t IntKnob(std::string_view name) const;
  double RealKnob(std::string_view name) const;
  // Sets knob `name` (no range check: tests and benchmarks resize examples with it).
  void SetKnob(std::string_view name, double value) { knobs[std::string(name)] = value; }
};

// Errors name the bad term or value and what is allowed (e.g. k > latents).
absl::StatusOr<MethodSpec> ParseMethodSpec(std::string_view text);
std::string ToString(const MethodSpec& spec);

// The version of the spec's family and modifiers, e.g. "sae.topk@1+anchor@1"; part of every
// run key.
std::string FamilyVersion(const MethodSpec& spec);

// Family names in list order.
std::vector<std::string> MethodFamilies();

// The traits of spec.family; never null for a parsed spec (aborts for an unknown family).
const FamilyTraits& TraitsOf(const MethodSpec& spec);

}  // namespace lrb::sdl

#endif  // LRB_SDL_METHOD_SPEC_H_
