#ifndef LRB_SDL_FAMILY_TRAITS_H_
#define LRB_SDL_FAMILY_TRAITS_H_

// What makes a method family different, declared by the family in its own file
// (sdl/families/<name>.cc) and read by everything else: the spec parser and printer, the
// pipeline, the Trainer, the tests, the benchmarks, the suites and `lrb methods`. Nothing
// outside a family's file decides what the family is by comparing its name.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lrb::sdl {

struct MethodSpec;
struct SaeModel;

// The largest dictionary a spec may ask for (and so the largest k).
inline constexpr int64_t kMaxLatents = int64_t{1} << 20;

enum class KnobType { kInt, kReal };

// One knob of a family's spec term: "sae.<family>(latents=...,<name>=<value>,...)".
// Integer knobs are stored as doubles (exact: every range is far below 2^53).
struct KnobTraits {
  std::string_view name = {};
  KnobType type = KnobType::kReal;
  double default_value = 0;
  double min = 0, max = 0;  // inclusive range; ParseMethodSpec refuses values outside it
  std::string_view help = {};  // one line for `lrb methods`
  // ToString leaves the knob out while it is at its default: a knob added to a family after
  // runs were recorded (TopK's relu), so that their specs, and the run keys made from them,
  // stay what they were. Such a knob's default must keep the family's results unchanged.
  bool omitted_at_default = false;
};

// What a family promises about L0, the number of non-zero codes of a sample.
enum class L0Promise {
  kNone,                   // L0 follows from training (penalties, thresholds)
  kExactlyKPerSample,      // every sample: exactly k codes (training and inference)
  kKPerSampleInTraining,   // k * B codes per batch of B in training (BatchTopK), not per sample
  // The same two with a ReLU after the selection (relu=1): a selected pre-activation <= 0
  // gives a zero code, so "exactly" becomes "at most".
  kAtMostKPerSample,
  kAtMostKPerSampleInTraining,
};

std::string_view L0PromiseText(L0Promise promise);

struct FamilyTraits {
  std::string_view name = {};    // "topk": the family part of "sae.topk(...)"
  int version = 1;               // bump whenever the family's results change; enters run keys
  std::string_view description = {};  // one line for `lrb methods`
  // The family's knobs in canonical print order (after `latents`; before unit_norm, tied,
  // bias, which every family has).
  std::vector<KnobTraits> knobs = {};
  // Codes come from a top-k selection over pre-activations: the family has an integer knob
  // "k" (1 <= k <= latents, checked by the parser), AuxK applies, and benchmarks at a size
  // replace k with the size's.
  bool selects_topk = false;
  // The family emits sparse codes (Family::EmitCodes) and may train on the sparse path.
  bool sparse_path = true;
  // L0 at the family's default knobs; l0_of, when set, gives it for a spec whose knobs change
  // it (relu=1 turns "exactly k" into "at most k"). Read it through L0PromiseOf.
  L0Promise l0 = L0Promise::kNone;
  L0Promise (*l0_of)(const MethodSpec& spec) = nullptr;
  // Names of the untrained scalars inference needs (SaeModel::inference_state, in this
  // order), e.g. BatchTopK's global "threshold". Most families have none.
  std::vector<std::string_view> inference_state = {};
  // Specs the shared tests, benchmarks and suites instantiate (canonical or short form):
  //   example       small and mechanical: gradient checks, path agreement and the
  //                 training-step benchmark (latents and, for selects_topk, k replaced);
  //   tiny_example  trains well on small sparse data (L0 of a few): the planted-recovery
  //                 test (latents=32, k=2 for selects_topk) and the tiny_all suite (as is).
  std::string_view example = {};
  std::string_view tiny_example = {};
  //   variant_examples  more small specs for the same correctness tests as `example` (not
  //                 the benchmarks), one per knob that changes what the activation computes,
  //                 e.g. "sae.topk(latents=24,k=4,relu=1)".
  std::vector<std::string_view> variant_examples = {};
  // Facts the generic gradient and activation tests need:
  // the activation passes the pre-activation: sigma(z)_i in {0, z_i} (Gated passes its
  // magnitude path instead);
  bool passes_preactivation = true;
  // model.extra learns through a straight-through estimate, not the loss's derivative
  // (JumpReLU's thresholds), so finite differences cannot check it;
  bool extra_gradient_is_estimate = false;
  // the family's auxiliary loss (Family::Backward's second value) passes no gradient to the
  // decoder (Gated's gate reconstruction through a frozen decoder).
  bool auxiliary_freezes_decoder = false;
  // How a model of this family infers, in the vocabulary `lrb score` reads back from an
  // exported model.json ("activation", bench/model_import.h), e.g. "topk(k=8)"; null when
  // that vocabulary cannot describe it (the exported method spec then says it all).
  std::string (*score_activation)(const MethodSpec& spec, const SaeModel& model) = nullptr;
};

// `example` followed by `variant_examples`: the specs the generic correctness tests run.
std::vector<std::string_view> TestedExamples(const FamilyTraits& traits);

// The L0 promise of a parsed spec (FamilyTraits::l0, or l0_of when the family has it).
L0Promise L0PromiseOf(const MethodSpec& spec);

// Every family, in the order of sdl/method_families.inc.
const std::vector<const FamilyTraits*>& AllFamilyTraits();

// The family called `name`, or null.
const FamilyTraits* FindFamilyTraits(std::string_view name);

}  // namespace lrb::sdl

#endif  // LRB_SDL_FAMILY_TRAITS_H_
