#ifndef LRB_SDL_METHODS_H_
#define LRB_SDL_METHODS_H_

// The front door to every method family (method_families.inc) and the one training
// pipeline: the encoder product Z = X W_E^T + b_E, then the family's codes. When the family
// emits sparse codes (family.h) whose densest row has at most n_q / kSparsePathMaxFill
// entries, the rest runs on them (sparse_sae.h); otherwise on dense products (dense_sae.h).
// The two paths give the same loss and gradients up to float rounding (sparse_sae_test.cc).

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sdl/dense_sae.h"
#include "sdl/kernels/kernels.h"
#include "sdl/loss_terms.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"
#include "sdl/sparse_sae.h"

namespace lrb::sdl {

// The sparse path runs when the densest row of the codes has at most n_q / this many
// entries (TopK at the paper's size: 64 of 16,000); for BatchTopK, when its rows have that
// many on average (Family::EmitCodes).
inline constexpr int64_t kSparsePathMaxFill = 32;

// Which path MethodLossAndGradient and Encode take: by the codes' sparsity (kAuto), or
// forced (tests and benchmarks compare the two on the same state; kSparse still falls back
// to dense for a family without sparse codes, FamilyTraits::sparse_path false).
enum class PathPolicy { kAuto, kSparse, kDense };

struct MethodWorkspace {
  std::vector<float> z;   // rows x n_q pre-activations of the last call, bias included
  DenseWorkspace dense;   // the dense path's activations and scratch
  SparseWorkspace sparse; // the sparse path's codes and scratch
  bool used_sparse_path = false;  // which path the last call took
  PathPolicy path = PathPolicy::kAuto;
};

// The initial model of `spec`: InitSaeModel plus the family's own parameters and its
// inference state (zeros).
SaeModel InitMethodModel(const MethodSpec& spec, int64_t n_p, int64_t n_r, uint64_t seed);

// The family's inference-state value called `name` (FamilyTraits::inference_state), or 0
// when the family has none of that name (model.json's "inference_threshold" is the value
// named "threshold").
float InferenceStateValue(const MethodSpec& spec, const SaeModel& model, std::string_view name);

// Sets the family's inference-state value called `name` (sizing model.inference_state to the
// family's list first); false, and nothing changed, when the family has no value of that name.
bool SetInferenceStateValue(const MethodSpec& spec, std::string_view name, float value,
                            SaeModel& model);

// The loss on `batch` and, when `gradient` is not null, its gradient (resized, overwritten).
// `dead` (n_q flags, may be null) marks latents AuxK may use. Anchoring included. Fails if a
// pre-activation or the loss is not finite.
absl::StatusOr<LossTerms> MethodLossAndGradient(const MethodSpec& spec, const SaeModel& model,
                                                const Anchors& anchors, const Batch& batch,
                                                const KernelTable& kernels,
                                                const std::vector<uint8_t>* dead,
                                                MethodWorkspace& workspace,
                                                SaeGradient* gradient);

// Sets active[i] = 1 for every latent active in the last MethodLossAndGradient call.
void MarkActiveLatents(const MethodSpec& spec, const MethodWorkspace& workspace,
                       std::vector<uint8_t>& active);

// After an optimiser step: state that inference needs but gradients do not train (the
// family's UpdateInferenceState on the last call's codes; BatchTopK's threshold).
void UpdateInferenceState(const MethodSpec& spec, const MethodWorkspace& workspace,
                          int64_t step, SaeModel& model);

// Encodes `rows` inputs densely: workspace.z and workspace.dense.a = sigma(z) (`training`
// selects BatchTopK's batch-level selection). Fails if a pre-activation is not finite.
absl::Status DenseEncode(const MethodSpec& spec, const SaeModel& model, const float* inputs,
                         int64_t rows, const KernelTable& kernels, bool training,
                         MethodWorkspace& workspace);

// Codes of `rows` samples at inference, one sparse row per sample (non-zeros only, latent
// index ascending).
struct SparseRows {
  std::vector<int64_t> indptr;  // rows + 1
  std::vector<int32_t> indices;
  std::vector<float> values;
};
absl::StatusOr<SparseRows> Encode(const MethodSpec& spec, const SaeModel& model,
                                  const float* inputs, int64_t rows, const KernelTable& kernels,
                                  MethodWorkspace& workspace);

}  // namespace lrb::sdl

#endif  // LRB_SDL_METHODS_H_
